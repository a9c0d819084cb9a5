/**
 * The thin helper every caller of roster needs: a typed client of
 * `roster.v1.UserService` over gRPC (HTTP/2) that sends the access key on
 * every call, optionally impersonates a user, and gives every call a default
 * deadline. Everything else is plain Connect-ES: see README.md.
 */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { UserService } from "./gen/roster/v1/user_pb.js";

/** The metadata that makes a call act as another user. */
export const IMPERSONATE_HEADER = "x-roster-impersonate-user";

/** The default per-call deadline, in milliseconds, when none is configured. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A typed client of `roster.v1.UserService`: one promise-returning method per RPC. */
export type RosterClient = Client<typeof UserService>;

/** Options of {@link createRosterClient}. */
export interface RosterClientOptions {
  /**
   * Where roster listens: `host:port` for plaintext HTTP/2 (what
   * `roster serve --listen` binds), or a URL, `http://host:port` or
   * `https://host:port` (TLS).
   */
  address: string;
  /** The access key, sent as `authorization: Bearer <key>` on every call. */
  accessKey: string;
  /**
   * A user id to act as on every call (`x-roster-impersonate-user`). A call
   * can also impersonate on its own: `{ headers: { [IMPERSONATE_HEADER]: id } }`.
   */
  impersonate?: string;
  /**
   * The deadline of every call in milliseconds, sent as `grpc-timeout`
   * (default {@link DEFAULT_TIMEOUT_MS}). A call overrides it with its own
   * `timeoutMs`; `0` (here or per call) means no client deadline, leaving
   * the server's maximum (`--max-call-time`).
   */
  timeoutMs?: number;
}

/**
 * An interceptor that adds `authorization: Bearer <accessKey>` and, when
 * `impersonate` is set, `x-roster-impersonate-user`, to every request that
 * does not carry them already (so per-call `headers` win). For callers who
 * build their own Connect transport (custom TLS, more interceptors).
 */
export function rosterHeaders(options: {
  accessKey: string;
  impersonate?: string;
}): Interceptor {
  const { accessKey, impersonate } = options;
  if (!accessKey) {
    throw new TypeError("roster: accessKey must not be empty");
  }
  const authorization = `Bearer ${accessKey}`;
  return (next) => async (req) => {
    if (!req.header.has("authorization")) {
      req.header.set("authorization", authorization);
    }
    if (impersonate && !req.header.has(IMPERSONATE_HEADER)) {
      req.header.set(IMPERSONATE_HEADER, impersonate);
    }
    return await next(req);
  };
}

/**
 * Connects to roster. The connection (one HTTP/2 session, opened on the
 * first call and shared by all calls) does not keep the process alive while
 * idle.
 *
 * Every method takes the request (a plain object with the proto's fields in
 * lowerCamelCase) and optional call options: `signal` (an AbortSignal that
 * cancels the call: Code.Canceled), `timeoutMs` (this call's deadline:
 * Code.DeadlineExceeded) and `headers`. Failures reject with a ConnectError.
 */
export function createRosterClient(options: RosterClientOptions): RosterClient {
  const { address, accessKey, impersonate } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!address) {
    throw new TypeError("roster: address must not be empty");
  }
  // grpc-timeout carries at most 8 digits, and Connect sends milliseconds.
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 99_999_999) {
    throw new RangeError(`roster: timeoutMs must be an integer in [0, 99999999], got ${timeoutMs}`);
  }
  const transport = createGrpcTransport({
    baseUrl: /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`,
    interceptors: [rosterHeaders({ accessKey, impersonate })],
    // Connect applies this to every call that passes no `timeoutMs` of its own.
    defaultTimeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
  });
  return createClient(UserService, transport);
}
