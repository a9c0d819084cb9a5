/**
 * Hash routing: the screen is in `location.hash`, so a reload keeps the place
 * and the server serves one index.html for every screen.
 *
 *   #/orgs                              organizations
 *   #/orgs/<org>/tenants                tenants of an organization
 *   #/orgs/<org>/users?tenant=<tenant>  users of an organization (or tenant)
 *   #/tenants, #/users                  the same in the caller's own scope
 *   #/me/keys, #/me/config              the caller's keys and configuration
 *
 * Every list also takes `?prefix=<id prefix>`.
 */
import { useEffect, useState } from "preact/hooks";

/** A parsed location. */
export interface Route {
  /** Which screen. */
  view: "orgs" | "tenants" | "users" | "keys" | "config" | "unknown";
  /** The organization in the path; "" for the caller's own. */
  org: string;
  /** Query parameters (`prefix`, `tenant`). */
  query: URLSearchParams;
}

/** Parses a `location.hash`. */
export function parse(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const at = (view: Route["view"], org = ""): Route => ({ view, org, query });
  if (parts.length === 1 && parts[0] === "orgs") return at("orgs");
  if (parts.length === 3 && parts[0] === "orgs" && parts[2] === "tenants") return at("tenants", parts[1]);
  if (parts.length === 3 && parts[0] === "orgs" && parts[2] === "users") return at("users", parts[1]);
  if (parts.length === 1 && (parts[0] === "tenants" || parts[0] === "users")) return at(parts[0]);
  if (parts.length === 2 && parts[0] === "me" && parts[1] === "keys") return at("keys");
  if (parts.length === 2 && parts[0] === "me" && parts[1] === "config") return at("config");
  return at("unknown");
}

/** The hash of a list screen, with its query parameters (empty ones left out). */
export function href(view: "orgs" | "tenants" | "users", org = "", query: Record<string, string> = {}): string {
  const base = view === "orgs" ? "#/orgs" : org ? `#/orgs/${encodeURIComponent(org)}/${view}` : `#/${view}`;
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ""));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** The current route, re-rendered on every hash change. */
export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return parse(hash);
}
