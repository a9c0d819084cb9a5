/**
 * roster's errors, in words an administrator can act on.
 *
 * INVALID_ARGUMENT carries a `google.rpc.BadRequest` whose field violations
 * name proto fields (`user.email`, `tenant.id`); `explain` maps them to the
 * form's inputs. PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS,
 * FAILED_PRECONDITION and RESOURCE_EXHAUSTED carry a `google.rpc.ErrorInfo`
 * whose stable `reason` picks the explanation. Nothing here decides what is
 * allowed: that is roster's answer alone.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
} from "../../clients/typescript/src/gen/google/rpc/error_details_pb.js";

/** An error ready to show: a sentence, roster's own words, and per-field messages. */
export interface Explained {
  /** What happened, in words (empty when every problem is shown at a field). */
  message: string;
  /** roster's own message, shown under the explanation ("" when the same). */
  detail: string;
  /** Messages by input name (`id`, `name`, `email`, `tenant_id`, `variables`, `roles`, ...). */
  fields: Record<string, string>;
}

/** The explanation of a PERMISSION_DENIED, whatever the call. */
export const PERMISSION_DENIED_TEXT =
  "You do not have permission to do this. It lies outside the organization or tenant your roles cover, or it concerns someone who ranks above you.";

const REASONS: Record<string, string> = {
  TENANT_NOT_EMPTY:
    "This tenant still has users, so it cannot be deleted. Delete its users or move them to another tenant first.",
  ORGANIZATION_NOT_EMPTY:
    "This organization still has tenants or users, so it cannot be deleted. Delete them first.",
  SELF_DELETE: "You cannot delete the user you are signed in (or acting) as.",
  LAST_SUPER_ADMIN:
    "This is the last super-admin. roster keeps at least one, so this user can neither be deleted nor lose that role.",
  ACCESS_KEY_LIMIT: "This user already has 100 access keys. Revoke one before issuing another.",
  CONFIG_KEY_LIMIT: "A configuration holds at most 256 keys. Delete some keys first.",
  CONFIG_SIZE_LIMIT: "A configuration holds at most 256 KiB. Delete or shorten some values first.",
  SERVER_BUSY: "roster is busy right now. Try again in a moment.",
};

/** The input a BadRequest field path names: `user.roles[2]` is `roles`. */
export function fieldOf(path: string): string {
  const parts = path.split(".");
  const rest = ["user", "tenant", "organization"].includes(parts[0]) && parts.length > 1 ? parts.slice(1) : parts;
  return rest[0].replace(/\[.*$/, "");
}

/** Explains `err`; `known` lists the inputs on screen, the others' violations go to `message`. */
export function explain(err: unknown, known: readonly string[] = []): Explained {
  const e = ConnectError.from(err);
  const out: Explained = { message: "", detail: "", fields: {} };
  switch (e.code) {
    case Code.InvalidArgument:
      return invalid(e, known);
    case Code.PermissionDenied:
      return { ...out, message: PERMISSION_DENIED_TEXT, detail: e.rawMessage };
    case Code.Unauthenticated:
      return { ...out, message: "Your access key is not valid." };
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Internal:
      return { ...out, message: "roster could not answer. Check that it is running and try again.", detail: e.rawMessage };
    default: {
      const reason = e.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
      const text = REASONS[reason];
      if (text) return { ...out, message: text, detail: e.rawMessage };
      return { ...out, message: sentence(e.rawMessage) };
    }
  }
}

function invalid(e: ConnectError, known: readonly string[]): Explained {
  const out: Explained = { message: "", detail: "", fields: {} };
  const unplaced: string[] = [];
  for (const bad of e.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) {
      const field = fieldOf(v.field);
      if (known.includes(field)) out.fields[field] = sentence(v.description);
      else unplaced.push(`${v.field}: ${v.description}`);
    }
  }
  if (unplaced.length > 0 || Object.keys(out.fields).length === 0) {
    out.message = sentence(unplaced.length > 0 ? unplaced.join("; ") : e.rawMessage);
  }
  return out;
}

/** `s` with a capital first letter and a final full stop. */
export function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** `e` without the message at `field` (the user is correcting it); null when nothing is left. */
export function withoutField(e: Explained | null, field: string): Explained | null {
  if (!e || !(field in e.fields)) return e;
  const fields = { ...e.fields };
  delete fields[field];
  return !e.message && !e.detail && Object.keys(fields).length === 0 ? null : { ...e, fields };
}
