/**
 * The caller's access keys (#/me/keys): list (redacted, as roster returns
 * them), issue (the secret shown once) and revoke. While acting as a user,
 * these are that user's keys, which is how an admin issues a user's first key.
 */
import { useState } from "preact/hooks";
import type { AccessKey } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";
import { api } from "./api";
import { explain, type Explained } from "./errors";
import { ListScreen } from "./list";
import { useMe } from "./me";
import { session } from "./session";
import { ConfirmDialog, Dialog, ErrorBox, TextField, when } from "./ui";

type Open = { mode: "new" } | { mode: "secret"; key: AccessKey } | { mode: "revoke"; key: AccessKey } | null;

/** Whether the redacted `shown` (`rk_…` and the last 4 characters) is this session's key. */
function isSessionKey(shown: string): boolean {
  const key = session.key();
  return !session.actingAs() && key.length > 4 && shown.endsWith(key.slice(-4)) && shown.length < key.length;
}

/** The keys screen. */
export function KeysScreen() {
  const me = useMe();
  const [open, setOpen] = useState<Open>(null);
  const [version, setVersion] = useState(0);
  const done = () => {
    setOpen(null);
    setVersion(version + 1);
  };
  return (
    <>
      <ListScreen<AccessKey>
        title={session.actingAs() ? `Access keys of ${me.id}` : "My access keys"}
        noun="access keys"
        scope={`keys:${me.id}`}
        prefix=""
        setPrefix={() => {}}
        filter={false}
        version={version}
        toolbar={<button type="button" class="primary" onClick={() => setOpen({ mode: "new" })}>Issue key</button>}
        load={async (pageToken) => {
          const r = await api.listAccessKeys({ pageSize: 50, pageToken });
          return { items: r.accessKeys, next: r.nextPageToken };
        }}
        rowKey={(k) => k.name}
        columns={[
          { label: "Name", cell: (k) => <>{k.name}{isSessionKey(k.accessKey) && <span class="badge">this session</span>}</> },
          { label: "Key", cell: (k) => <code>{k.accessKey}</code> },
          { label: "Created", cell: (k) => when(k.createdAt) },
        ]}
        actions={(k) => (
          <button type="button" class="danger" aria-label={`Revoke ${k.name}`} onClick={() => setOpen({ mode: "revoke", key: k })}>Revoke</button>
        )}
      />
      {open?.mode === "new" && <IssueDialog close={() => setOpen(null)} issued={(key) => { setVersion(version + 1); setOpen({ mode: "secret", key }); }} />}
      {open?.mode === "secret" && <SecretDialog secret={open.key} close={() => setOpen(null)} />}
      {open?.mode === "revoke" && (
        <ConfirmDialog title={`Revoke key ${open.key.name}?`} confirm="Revoke key" onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.deleteAccessKey({ names: [open.key.name] });
            done();
          }}>
          <p>Calls made with the key <strong>{open.key.name}</strong> ({open.key.accessKey}) will fail from now on.</p>
          {isSessionKey(open.key.accessKey) && <p class="warning">This console is signed in with this key: you will be signed out.</p>}
        </ConfirmDialog>
      )}
    </>
  );
}

function IssueDialog(props: { close: () => void; issued: (key: AccessKey) => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<Explained | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.createAccessKey({ name });
      props.issued(r.accessKeys[0]);
    } catch (err) {
      setError(explain(err, ["name"]));
    }
  };
  return (
    <Dialog title="Issue an access key" onClose={props.close}>
      <form onSubmit={submit} novalidate>
        <TextField label="Key name" value={name} onValue={setName} error={error?.fields.name} autofocus autoComplete="off"
          hint="A name to tell this key from the others, e.g. laptop or ci." />
        <ErrorBox error={error} />
        <div class="actions">
          <button type="button" onClick={props.close}>Cancel</button>
          <button type="submit" class="primary">Issue key</button>
        </div>
      </form>
    </Dialog>
  );
}

function SecretDialog(props: { secret: AccessKey; close: () => void }) {
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret.accessKey);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Could not copy: select the key and copy it yourself.");
    }
  };
  return (
    <Dialog title={`Access key ${props.secret.name}`} onClose={props.close}>
      <p class="warning" id="secret-warning">
        Copy this key now. roster keeps only a digest of it: it will not be shown again.
      </p>
      <div class="field">
        <label for="secret">New access key</label>
        <div class="inline">
          <input id="secret" class="code" readOnly value={props.secret.accessKey} aria-describedby="secret-warning"
            onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
          <button type="button" onClick={copy}>Copy</button>
        </div>
        <p class="hint" role="status">{copied}</p>
      </div>
      <div class="actions">
        <button type="button" class="primary" autofocus onClick={props.close}>Done</button>
      </div>
    </Dialog>
  );
}
