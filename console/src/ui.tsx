/**
 * The console's building blocks: modal dialogs, labelled fields with their
 * error messages, error boxes, a confirmation dialog and a pager.
 *
 * Dialogs are native `<dialog>` elements opened with `showModal()`: the
 * browser makes them modal, traps focus, closes them on Escape and moves
 * focus into them; on close, focus returns to what opened them.
 */
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { explain, type Explained } from "./errors";

/** A modal dialog, open while mounted; `onClose` runs on Escape. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current!;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener && opener.isConnected) opener.focus();
    };
  }, []);
  const onCancel = (e: Event) => {
    e.preventDefault();
    props.onClose();
  };
  return (
    <dialog ref={ref} class={props.wide ? "wide" : undefined} aria-labelledby={titleId} onCancel={onCancel}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** An explained error, announced to screen readers. */
export function ErrorBox(props: { error: Explained | null }) {
  const e = props.error;
  if (!e || (!e.message && !e.detail)) return null;
  return (
    <div class="error" role="alert">
      {e.message && <p>{e.message}</p>}
      {e.detail && <p class="detail">roster said: {e.detail}</p>}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "onInput" | "label" | "value">;

/** A labelled text input with its hint and error message wired by aria-describedby. */
export function TextField(props: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
  hint?: string;
} & InputProps) {
  const { label, value, onValue, error, hint, ...rest } = props;
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
        {...rest}
      />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** A labelled JSON editor; the value is checked by `parseObject` before any request. */
export function JsonField(props: { label: string; value: string; onValue: (v: string) => void; error?: string; hint?: string; rows?: number }) {
  const id = useId();
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        class="code"
        rows={props.rows ?? 5}
        spellcheck={false}
        value={props.value}
        onInput={(e) => props.onValue((e.currentTarget as HTMLTextAreaElement).value)}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field-error" id={`${id}-error`}>{props.error}</p>}
    </div>
  );
}

/** A JSON object parsed from `text` ("" is `{}`), or why it is not one. */
export function parseObject(text: string): { value: Record<string, never> | Record<string, unknown>; error: "" } | { value: null; error: string } {
  if (text.trim() === "") return { value: {}, error: "" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { value: null, error: `Not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { value: null, error: "Must be a JSON object, like {\"plan\": \"pro\"}." };
  }
  return { value: value as Record<string, unknown>, error: "" };
}

/** Pretty JSON of a stored object, "" when it is empty. */
export function showJson(value: unknown): string {
  if (!value || (typeof value === "object" && Object.keys(value as object).length === 0)) return "";
  return JSON.stringify(value, null, 2);
}

/** A confirmation dialog for a destructive action; shows roster's refusal in place. */
export function ConfirmDialog(props: {
  title: string;
  children: ComponentChildren;
  confirm: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [error, setError] = useState<Explained | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
    } catch (err) {
      setError(explain(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form onSubmit={run}>
        {props.children}
        <ErrorBox error={error} />
        <div class="actions">
          <button type="button" autofocus onClick={props.onClose}>Cancel</button>
          <button type="submit" class="danger" disabled={busy}>{props.confirm}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Previous/next over page tokens: a stack of the tokens of the pages seen. */
export function usePages(reset: string) {
  const [stack, setStack] = useState<string[]>([""]);
  const [resetKey, setResetKey] = useState(reset);
  if (resetKey !== reset) {
    setResetKey(reset);
    setStack([""]);
  }
  const current = resetKey === reset ? stack : [""];
  return {
    /** The page token of the page to show. */
    token: current[current.length - 1],
    /** 1-based page number. */
    number: current.length,
    /** Goes to the page of `next`. */
    next: (next: string) => setStack([...current, next]),
    /** Goes back one page. */
    previous: () => setStack(current.slice(0, -1)),
  };
}

/** The pager under a list. */
export function Pager(props: { number: number; nextToken: string; onPrevious: () => void; onNext: () => void }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={props.number <= 1} onClick={props.onPrevious}>Previous</button>
      <span>Page {props.number}</span>
      <button type="button" disabled={!props.nextToken} onClick={props.onNext}>Next</button>
    </nav>
  );
}

/** A timestamp of roster's (ms since the epoch) as `YYYY-MM-DD HH:MM UTC`. */
export function when(ms: bigint): string {
  if (!ms) return "";
  return `${new Date(Number(ms)).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
