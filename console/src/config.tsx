/**
 * The caller's configuration (#/me/config): view it, stage keys to set and
 * keys to delete, and save them with one UpdateConfig call (`updated` and
 * `deleted` together), which roster applies atomically.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { explain, type Explained } from "./errors";
import { ErrorBox, JsonField, TextField } from "./ui";

/** The configuration screen. */
export function ConfigScreen() {
  const [config, setConfig] = useState<JsonObject | null>(null);
  const [updated, setUpdated] = useState<JsonObject>({});
  const [deleted, setDeleted] = useState<string[]>([]);
  const [error, setError] = useState<Explained | null>(null);
  const [saved, setSaved] = useState("");
  useEffect(() => {
    api.updateConfig({}).then((r) => setConfig(r.configs ?? {}), (err) => setError(explain(err)));
  }, []);
  const pending = Object.keys(updated).length + deleted.length;
  const save = async () => {
    setError(null);
    try {
      const r = await api.updateConfig({ updated, deleted });
      setConfig(r.configs ?? {});
      setUpdated({});
      setDeleted([]);
      setSaved("Saved.");
    } catch (err) {
      setError(explain(err));
    }
  };
  const stage = (key: string, value: JsonValue) => {
    setSaved("");
    setUpdated({ ...updated, [key]: value });
    setDeleted(deleted.filter((k) => k !== key));
  };
  const toggleDelete = (key: string) => {
    setSaved("");
    setDeleted(deleted.includes(key) ? deleted.filter((k) => k !== key) : [...deleted, key]);
  };
  return (
    <section aria-labelledby="config-title">
      <h1 id="config-title">My configuration</h1>
      <p class="lede">Personal settings stored with your user. Stage changes, then save them together: roster applies them all or none.</p>
      <ErrorBox error={error} />
      {config && <ConfigTable config={config} updated={updated} deleted={deleted} toggleDelete={toggleDelete} />}
      <SetKey stage={stage} />
      <div class="actions start">
        <button type="button" class="primary" disabled={pending === 0} onClick={save}>
          Save changes{pending > 0 && ` (${pending})`}
        </button>
        <button type="button" disabled={pending === 0} onClick={() => { setUpdated({}); setDeleted([]); }}>Discard</button>
        <span role="status" class="hint">{saved}</span>
      </div>
    </section>
  );
}

function ConfigTable(props: { config: JsonObject; updated: JsonObject; deleted: string[]; toggleDelete: (k: string) => void }) {
  const keys = [...new Set([...Object.keys(props.config), ...Object.keys(props.updated)])].sort();
  if (keys.length === 0) return <p class="empty">No configuration keys yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Change</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const staged = k in props.updated;
            const gone = props.deleted.includes(k);
            return (
              <tr key={k}>
                <td><code>{k}</code></td>
                <td><code class="value">{JSON.stringify(staged ? props.updated[k] : props.config[k])}</code></td>
                <td>{gone ? "to delete" : staged ? "to set" : ""}</td>
                <td class="row-actions">
                  {k in props.config && (
                    <button type="button" class={gone ? undefined : "danger"} aria-label={`${gone ? "Keep" : "Delete"} ${k}`} onClick={() => props.toggleDelete(k)}>
                      {gone ? "Keep" : "Delete"}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function SetKey(props: { stage: (key: string, value: JsonValue) => void }) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [errors, setErrors] = useState<{ key?: string; value?: string }>({});
  const submit = (e: Event) => {
    e.preventDefault();
    if (!key.trim()) return setErrors({ key: "Enter a key." });
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(value) as JsonValue;
    } catch (err) {
      return setErrors({ value: `Not valid JSON: ${(err as Error).message}` });
    }
    setErrors({});
    props.stage(key.trim(), parsed);
    setKey("");
    setValue("");
  };
  return (
    <form class="card" onSubmit={submit} novalidate aria-labelledby="set-key-title">
      <h2 id="set-key-title">Set a key</h2>
      <TextField label="Key" value={key} onValue={setKey} error={errors.key} autoComplete="off" />
      <JsonField label="Value (JSON)" value={value} onValue={setValue} error={errors.value} rows={3}
        hint={"Any JSON value: \"dark\", 42, true, {\"a\": 1}."} />
      <div class="actions start">
        <button type="submit">Stage change</button>
      </div>
    </form>
  );
}
