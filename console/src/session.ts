/**
 * The signed-in session: the access key and the user the console acts as.
 *
 * Both live in `sessionStorage` only, so they end with the tab and never reach
 * the URL, `localStorage`, a cookie or a log. This module is the only one that
 * touches storage; the rest of the app reads the session through `session`
 * and re-renders on `subscribe`.
 */

const KEY = "roster.accessKey";
const ACTING_AS = "roster.actingAs";

/** Shown on the sign-in screen when a call answers UNAUTHENTICATED. */
export const INVALID_KEY_MESSAGE =
  "This access key is not valid (it may have been revoked). Sign in again.";

type Listener = () => void;
const listeners = new Set<Listener>();
let notice = "";

function changed(): void {
  for (const listener of listeners) listener();
}

/** The session's state and the only ways to change it. */
export const session = {
  /** The access key, or "" when signed out. */
  key(): string {
    return sessionStorage.getItem(KEY) ?? "";
  },
  /** The id of the user every call acts as, or "" for the key's own user. */
  actingAs(): string {
    return sessionStorage.getItem(ACTING_AS) ?? "";
  },
  /** Why the last session ended, for the sign-in screen; "" when it was asked for. */
  notice(): string {
    return notice;
  },
  /** Starts a session with `key`. */
  signIn(key: string): void {
    notice = "";
    sessionStorage.setItem(KEY, key);
    sessionStorage.removeItem(ACTING_AS);
    changed();
  },
  /** Forgets the key and the impersonation; `why` is shown on the sign-in screen. */
  signOut(why = ""): void {
    notice = why;
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ACTING_AS);
    changed();
  },
  /** Makes every following call act as `userId` ("" stops acting). */
  actAs(userId: string): void {
    if (userId) sessionStorage.setItem(ACTING_AS, userId);
    else sessionStorage.removeItem(ACTING_AS);
    changed();
  },
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
