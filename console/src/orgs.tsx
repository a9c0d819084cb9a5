/**
 * Organizations and tenants: their lists and their create, edit and delete
 * dialogs. Both are an id, a name and `variables`, so one form serves both.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import type { Organization, Tenant } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";
import { api } from "./api";
import { explain, type Explained, withoutField } from "./errors";
import { ListScreen, PAGE_SIZE } from "./list";
import { href, type Route } from "./route";
import { ConfirmDialog, Dialog, ErrorBox, JsonField, parseObject, showJson, TextField, when } from "./ui";

type Kind = "organization" | "tenant";
type Entity = Organization | Tenant;
type Open = { mode: "new" } | { mode: "edit"; item: Entity } | { mode: "delete"; item: Entity } | null;

/** The organizations list (#/orgs). */
export function OrgsScreen(props: { route: Route }) {
  const [open, setOpen] = useState<Open>(null);
  const [version, setVersion] = useState(0);
  const prefix = props.route.query.get("prefix") ?? "";
  const done = () => {
    setOpen(null);
    setVersion(version + 1);
  };
  return (
    <>
      <ListScreen<Organization>
        title="Organizations"
        noun="organizations"
        scope="orgs"
        prefix={prefix}
        setPrefix={(p) => (location.hash = href("orgs", "", { prefix: p }))}
        version={version}
        toolbar={<button type="button" class="primary" onClick={() => setOpen({ mode: "new" })}>New organization</button>}
        load={async (pageToken, idPrefix) => {
          const r = await api.listOrganizations({ pageSize: PAGE_SIZE, pageToken, idPrefix });
          return { items: r.organizations, next: r.nextPageToken };
        }}
        rowKey={(o) => o.id}
        columns={[
          { label: "ID", cell: (o) => <a href={href("tenants", o.id)}>{o.id}</a> },
          { label: "Name", cell: (o) => o.name },
          { label: "Created", cell: (o) => when(o.createdAt) },
        ]}
        actions={(o) => (
          <>
            <a class="button" href={href("tenants", o.id)} aria-label={`Tenants of ${o.id}`}>Tenants</a>
            <a class="button" href={href("users", o.id)} aria-label={`Users of ${o.id}`}>Users</a>
            <button type="button" onClick={() => setOpen({ mode: "edit", item: o })} aria-label={`Edit ${o.id}`}>Edit</button>
            <button type="button" class="danger" onClick={() => setOpen({ mode: "delete", item: o })} aria-label={`Delete ${o.id}`}>Delete</button>
          </>
        )}
      />
      <Dialogs kind="organization" org="" open={open} close={() => setOpen(null)} done={done} />
    </>
  );
}

/** The tenants of an organization (#/orgs/<org>/tenants, or #/tenants for the caller's own). */
export function TenantsScreen(props: { route: Route }) {
  const [open, setOpen] = useState<Open>(null);
  const [version, setVersion] = useState(0);
  const org = props.route.org;
  const prefix = props.route.query.get("prefix") ?? "";
  const done = () => {
    setOpen(null);
    setVersion(version + 1);
  };
  return (
    <>
      <ListScreen<Tenant>
        title={org ? `Tenants of ${org}` : "Tenants"}
        crumbs={org && <><a href="#/orgs">Organizations</a> <span aria-hidden="true">/</span> {org}</>}
        noun="tenants"
        scope={`tenants:${org}`}
        prefix={prefix}
        setPrefix={(p) => (location.hash = href("tenants", org, { prefix: p }))}
        version={version}
        toolbar={
          <>
            <a class="button" href={href("users", org)}>All users</a>
            <button type="button" class="primary" onClick={() => setOpen({ mode: "new" })}>New tenant</button>
          </>
        }
        load={async (pageToken, idPrefix) => {
          const r = await api.listTenants({ lookupOrgId: org, pageSize: PAGE_SIZE, pageToken, idPrefix });
          return { items: r.tenants, next: r.nextPageToken };
        }}
        rowKey={(t) => t.id}
        columns={[
          { label: "ID", cell: (t) => <a href={href("users", org || t.orgId, { tenant: t.id })}>{t.id}</a> },
          { label: "Name", cell: (t) => t.name },
          { label: "Created", cell: (t) => when(t.createdAt) },
        ]}
        actions={(t) => (
          <>
            <a class="button" href={href("users", org || t.orgId, { tenant: t.id })} aria-label={`Users of ${t.id}`}>Users</a>
            <button type="button" onClick={() => setOpen({ mode: "edit", item: t })} aria-label={`Edit ${t.id}`}>Edit</button>
            <button type="button" class="danger" onClick={() => setOpen({ mode: "delete", item: t })} aria-label={`Delete ${t.id}`}>Delete</button>
          </>
        )}
      />
      <Dialogs kind="tenant" org={org} open={open} close={() => setOpen(null)} done={done} />
    </>
  );
}

function Dialogs(props: { kind: Kind; org: string; open: Open; close: () => void; done: () => void }) {
  const { open, kind } = props;
  if (!open) return null;
  if (open.mode === "delete") {
    const remove = async () => {
      if (kind === "organization") await api.deleteOrganization({ id: open.item.id });
      else await api.deleteTenant({ id: open.item.id });
      props.done();
    };
    return (
      <ConfirmDialog title={`Delete ${kind} ${open.item.id}?`} confirm={`Delete ${kind}`} onConfirm={remove} onClose={props.close}>
        <p>
          The {kind} <strong>{open.item.id}</strong>
          {open.item.name && ` (${open.item.name})`} will be deleted. This cannot be undone.
        </p>
      </ConfirmDialog>
    );
  }
  return <EntityForm kind={kind} org={props.org} item={open.mode === "edit" ? open.item : null} close={props.close} done={props.done} />;
}

const FIELDS = ["id", "name", "variables", "org_id"] as const;

function EntityForm(props: { kind: Kind; org: string; item: Entity | null; close: () => void; done: () => void }) {
  const { kind, item } = props;
  const [id, setId] = useState(item?.id ?? "");
  const [name, setName] = useState(item?.name ?? "");
  const [variables, setVariables] = useState(showJson(item?.variables));
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
    try {
      await save(kind, props.org, item !== null, { id, name, variables: vars.value as JsonObject });
      props.done();
    } catch (err) {
      setError(explain(err, FIELDS));
      setBusy(false);
    }
  };
  const f = error?.fields ?? {};
  const title = item ? `Edit ${kind} ${item.id}` : `New ${kind}`;
  return (
    <Dialog title={title} onClose={props.close}>
      <form onSubmit={submit} novalidate>
        <TextField label="ID" value={id} onValue={edit("id", setId)} error={f.id} disabled={item !== null} autofocus={item === null}
          hint={item ? "An id never changes." : "1-128 characters: letters, digits and . _ @ + -, starting with a letter or digit."} autoComplete="off" />
        <TextField label="Name" value={name} onValue={edit("name", setName)} error={f.name} autofocus={item !== null} autoComplete="off" />
        <JsonField label="Variables (JSON object)" value={variables} onValue={edit("variables", setVariables)} error={f.variables} />
        {f.org_id && <p class="field-error">{f.org_id}</p>}
        <ErrorBox error={error} />
        <div class="actions">
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{item ? "Save" : `Create ${kind}`}</button>
        </div>
      </form>
    </Dialog>
  );
}

async function save(kind: Kind, org: string, existing: boolean, v: { id: string; name: string; variables: JsonObject }) {
  const updateMask = { paths: ["name", "variables"] };
  if (kind === "organization") {
    const organization = { id: v.id, name: v.name, variables: v.variables };
    if (existing) await api.updateOrganization({ organization, updateMask });
    else await api.createOrganization({ organization });
  } else {
    const tenant = { id: v.id, name: v.name, orgId: org, variables: v.variables };
    if (existing) await api.updateTenant({ tenant, updateMask });
    else await api.createTenant({ tenant });
  }
}
