/**
 * @roster/client: the TypeScript client of roster, a multi-tenant user
 * directory (`roster.v1.UserService`), on Connect-ES v2 over gRPC.
 *
 * - {@link createRosterClient}: connect with an access key, optional
 *   impersonation and a default per-call deadline.
 * - The generated message types and schemas of `roster.v1` (`User`,
 *   `UserSchema`, `ListUsersRequest`, ... and the `UserService` descriptor).
 * - `google.rpc.BadRequest` and `ErrorInfo` schemas, to read error details
 *   with `ConnectError.findDetails(BadRequestSchema)`.
 * - Connect's `ConnectError` and `Code`, re-exported for convenience.
 */
export * from "./client.js";
export * from "./gen/roster/v1/user_pb.js";
export * from "./gen/google/rpc/error_details_pb.js";
export { Code, ConnectError } from "@connectrpc/connect";
export type { CallOptions } from "@connectrpc/connect";
