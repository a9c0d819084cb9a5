/**
 * Users: the list of an organization or tenant, the user editor (with its
 * roles editor and `variables` JSON editor), deleting, and "act as".
 *
 * The roles editor offers as checkboxes exactly the built-in roles GetInfo's
 * `grantable_roles` lists for the caller; what the caller may grant is
 * roster's rule, never the console's.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import type { User } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";
import { api } from "./api";
import { explain, type Explained, withoutField } from "./errors";
import { ListScreen, PAGE_SIZE } from "./list";
import { useMe } from "./me";
import { href, type Route } from "./route";
import { session } from "./session";
import { ConfirmDialog, Dialog, ErrorBox, JsonField, parseObject, showJson, TextField } from "./ui";

/** roster's built-in role names (user.proto); any other role is an application role. */
const BUILT_IN = ["super-admin", "org-admin", "tenant-admin", "user"];

type Open = { mode: "new" } | { mode: "edit"; user: User } | { mode: "delete"; user: User } | null;

/** The users of an organization, or of one tenant with `?tenant=` (#/orgs/<org>/users, #/users). */
export function UsersScreen(props: { route: Route }) {
  const me = useMe();
  const [open, setOpen] = useState<Open>(null);
  const [version, setVersion] = useState(0);
  const org = props.route.org;
  const tenant = props.route.query.get("tenant") ?? "";
  const prefix = props.route.query.get("prefix") ?? "";
  const done = () => {
    setOpen(null);
    setVersion(version + 1);
  };
  const actAs = (u: User) => {
    session.actAs(u.id);
    location.hash = "#/me/keys";
  };
  const where = tenant ? `tenant ${tenant}` : org ? `organization ${org}` : "";
  return (
    <>
      <ListScreen<User>
        title={where ? `Users of ${where}` : "Users"}
        crumbs={org && (
          <>
            <a href="#/orgs">Organizations</a> <span aria-hidden="true">/</span>{" "}
            <a href={href("tenants", org)}>{org}</a>
            {tenant && <> <span aria-hidden="true">/</span> {tenant}</>}
          </>
        )}
        noun="users"
        scope={`users:${org}:${tenant}`}
        prefix={prefix}
        setPrefix={(p) => (location.hash = href("users", org, { tenant, prefix: p }))}
        version={version}
        toolbar={<button type="button" class="primary" onClick={() => setOpen({ mode: "new" })}>New user</button>}
        load={async (pageToken, idPrefix) => {
          const r = await api.listUsers({ lookupOrgId: org, lookupTenantId: tenant, pageSize: PAGE_SIZE, pageToken, idPrefix });
          return { items: r.users, next: r.nextPageToken };
        }}
        rowKey={(u) => u.id}
        columns={[
          { label: "ID", cell: (u) => u.id },
          { label: "Name", cell: (u) => u.name },
          { label: "Email", cell: (u) => u.email },
          { label: "Tenant", cell: (u) => u.tenantId },
          { label: "Roles", cell: (u) => <RoleList roles={u.roles} /> },
        ]}
        actions={(u) => (
          <>
            <button type="button" onClick={() => setOpen({ mode: "edit", user: u })} aria-label={`Edit ${u.id}`}>Edit</button>
            {u.id !== me.id && (
              <button type="button" onClick={() => actAs(u)} aria-label={`Act as ${u.id}`}>Act as</button>
            )}
            <button type="button" class="danger" onClick={() => setOpen({ mode: "delete", user: u })} aria-label={`Delete ${u.id}`}>Delete</button>
          </>
        )}
      />
      {open?.mode === "delete" && (
        <ConfirmDialog
          title={`Delete user ${open.user.id}?`}
          confirm="Delete user"
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.deleteUser({ id: open.user.id });
            done();
          }}
        >
          <p>
            The user <strong>{open.user.id}</strong>
            {open.user.name && ` (${open.user.name})`} will be deleted with its access keys and configuration. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {(open?.mode === "new" || open?.mode === "edit") && (
        <UserForm
          org={org}
          tenant={tenant}
          user={open.mode === "edit" ? open.user : null}
          close={() => setOpen(null)}
          done={done}
          actAs={actAs}
        />
      )}
    </>
  );
}

function RoleList(props: { roles: string[] }) {
  return (
    <ul class="chips" aria-label="Roles">
      {props.roles.map((r) => <li key={r} class={BUILT_IN.includes(r) ? "chip builtin" : "chip"}>{r}</li>)}
    </ul>
  );
}

const FIELDS = ["id", "name", "email", "tenant_id", "org_id", "variables", "roles"] as const;

/** The user editor: create (user null) or edit. */
function UserForm(props: { org: string; tenant: string; user: User | null; close: () => void; done: () => void; actAs: (u: User) => void }) {
  const me = useMe();
  const u = props.user;
  const [id, setId] = useState(u?.id ?? "");
  const [name, setName] = useState(u?.name ?? "");
  const [email, setEmail] = useState(u?.email ?? "");
  const [tenantId, setTenantId] = useState(u?.tenantId ?? props.tenant);
  const [roles, setRoles] = useState<string[]>(u?.roles ?? []);
  const [variables, setVariables] = useState(showJson(u?.variables));
  const [error, setError] = useState<Explained | null>(null);
  const [busy, setBusy] = useState(false);
  /** A setter that also drops the field's error message, as the user corrects it. */
  const edit = (field: string, set: (v: string) => void) => (v: string) => {
    set(v);
    setError((e) => withoutField(e, field));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const vars = parseObject(variables);
    if (vars.error) {
      setError({ message: "", detail: "", fields: { variables: vars.error } });
      return;
    }
    setBusy(true);
    setError(null);
    const user = { id, name, email, tenantId, orgId: u?.orgId ?? props.org, roles, variables: vars.value as JsonObject };
    try {
      if (u) await api.updateUser({ user, updateMask: { paths: ["name", "email", "tenant_id", "variables", "roles"] } });
      else await api.createUser({ user });
      props.done();
    } catch (err) {
      setError(explain(err, FIELDS));
      setBusy(false);
    }
  };
  const f = error?.fields ?? {};
  return (
    <Dialog title={u ? `Edit user ${u.id}` : "New user"} onClose={props.close} wide>
      <form onSubmit={submit} novalidate>
        <div class="grid">
          <TextField label="ID" value={id} onValue={edit("id", setId)} error={f.id} disabled={u !== null} autofocus={u === null} autoComplete="off"
            hint={u ? "An id never changes." : "1-128 characters: letters, digits and . _ @ + -, starting with a letter or digit."} />
          <TextField label="Name" value={name} onValue={edit("name", setName)} error={f.name} autofocus={u !== null} autoComplete="off" />
          <TextField label="Email" type="email" value={email} onValue={edit("email", setEmail)} error={f.email} autoComplete="off" />
          <TextField label="Tenant" value={tenantId} onValue={edit("tenant_id", setTenantId)} error={f.tenant_id ?? f.org_id} autoComplete="off"
            hint="The tenant's id; empty for none." />
        </div>
        <RolesEditor roles={roles} setRoles={setRoles} grantable={me.grantableRoles} error={f.roles} />
        <JsonField label="Variables (JSON object)" value={variables} onValue={edit("variables", setVariables)} error={f.variables} />
        <ErrorBox error={error} />
        <div class="actions">
          {u && u.id !== me.id && (
            <button type="button" class="start" onClick={() => props.actAs(u)}>Act as {u.id}</button>
          )}
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{u ? "Save" : "Create user"}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Checkboxes for the grantable built-in roles, chips for application roles. */
function RolesEditor(props: { roles: string[]; setRoles: (r: string[]) => void; grantable: string[]; error?: string }) {
  const { roles, setRoles } = props;
  const [draft, setDraft] = useState("");
  const fixed = roles.filter((r) => BUILT_IN.includes(r) && !props.grantable.includes(r));
  const app = roles.filter((r) => !BUILT_IN.includes(r));
  const toggle = (role: string, on: boolean) => setRoles(on ? [...roles, role] : roles.filter((r) => r !== role));
  const add = () => {
    const role = draft.trim();
    if (role && !roles.includes(role)) setRoles([...roles, role]);
    setDraft("");
  };
  return (
    <fieldset class="roles" aria-describedby={props.error ? "roles-error" : undefined}>
      <legend>Roles</legend>
      <div class="checks">
        {props.grantable.map((r) => (
          <label key={r} class="check">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => toggle(r, (e.currentTarget as HTMLInputElement).checked)} />
            {r}
          </label>
        ))}
        {fixed.map((r) => (
          <label key={r} class="check">
            <input type="checkbox" checked disabled />
            {r} <span class="hint">(above what you may grant)</span>
          </label>
        ))}
      </div>
      <ul class="chips" aria-label="Application roles">
        {app.map((r) => (
          <li key={r} class="chip">
            {r}
            <button type="button" class="chip-remove" aria-label={`Remove role ${r}`} onClick={() => toggle(r, false)}>×</button>
          </li>
        ))}
      </ul>
      <div class="inline">
        <label for="app-role">Application role</label>
        <input id="app-role" value={draft} autoComplete="off"
          onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }} />
        <button type="button" onClick={add}>Add role</button>
      </div>
      {props.error && <p class="field-error" id="roles-error">{props.error}</p>}
    </fieldset>
  );
}
