/**
 * The one client of roster the console uses: the generated `UserService`
 * over gRPC-Web (binary) to the origin that served the page.
 *
 * Every call goes through `createClient`; one interceptor adds the access
 * key and the impersonation header, and ends the session when roster
 * answers UNAUTHENTICATED (a revoked or unknown key), whatever the call.
 */
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { UserService } from "../../clients/typescript/src/gen/roster/v1/user_pb.js";
import { INVALID_KEY_MESSAGE, session } from "./session";

/** The metadata that makes a call act as another user (see user.proto). */
export const IMPERSONATE_HEADER = "x-roster-impersonate-user";

const credentials: Interceptor = (next) => async (req) => {
  const key = session.key();
  if (key) req.header.set("authorization", `Bearer ${key}`);
  const actingAs = session.actingAs();
  if (actingAs) req.header.set(IMPERSONATE_HEADER, actingAs);
  try {
    return await next(req);
  } catch (err) {
    if (ConnectError.from(err).code === Code.Unauthenticated && session.key() === key) {
      session.signOut(INVALID_KEY_MESSAGE);
    }
    throw err;
  }
};

const transport = createGrpcWebTransport({
  baseUrl: location.origin,
  useBinaryFormat: true,
  interceptors: [credentials],
});

/** roster's UserService, as the signed-in (or impersonated) user. */
export const api = createClient(UserService, transport);
