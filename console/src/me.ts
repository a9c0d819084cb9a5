/**
 * Who the console is acting as: GetInfo's answer, shared with every screen
 * through a Preact context.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { GetUserInfoResponse } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";

/** GetInfo of the caller (the impersonated user while acting as one). */
export const MeContext = createContext<GetUserInfoResponse | null>(null);

/** GetInfo of the caller; only under a signed-in shell. */
export function useMe(): GetUserInfoResponse {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe outside the signed-in shell");
  return me;
}

/** Whether the caller holds `permission` (from GetInfo; for what to offer, never to decide). */
export function can(me: GetUserInfoResponse, permission: string): boolean {
  return me.permissions.includes(permission);
}
