// Shared by the test files: the live server from scripts/with-server, unique
// ids, and an assertion on a call's ConnectError.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Code, ConnectError, createRosterClient, type RosterClient } from "@roster/client";

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through scripts/with-server (see test.sh)`);
  }
  return value;
}

/** host:port of the roster under test. */
export const address = env("ROSTER_ADDR");
/** The bootstrap key of `admin`, a super-admin of organization `default`. */
export const adminKey = env("ROSTER_ADMIN_KEY");

/** A client acting as `admin`. */
export function adminClient(): RosterClient {
  return createRosterClient({ address, accessKey: adminKey });
}

/** An id no other test (nor an earlier run on the same store) uses. */
export function uniqueId(what: string): string {
  return `ts-${what}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** Awaits `call`, which must fail with a ConnectError of exactly `code`; returns the error. */
export async function expectCode(call: Promise<unknown>, code: Code): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
    assert.equal(Code[err.code], Code[code], `wrong code; message: ${err.rawMessage}`);
    return err;
  }
  assert.fail(`expected ${Code[code]}, but the call succeeded`);
}

/**
 * Creates a user (by `admin`) and issues its first access key the way the
 * README describes: admin's key plus impersonation of the new user.
 * Returns a client acting as that user with its own key.
 */
export async function createUserWithKey(
  admin: RosterClient,
  user: { id: string; name: string; orgId?: string; tenantId?: string; roles: string[] },
): Promise<{ client: RosterClient; key: string }> {
  await admin.createUser({ user });
  const asUser = createRosterClient({ address, accessKey: adminKey, impersonate: user.id });
  const { accessKeys } = await asUser.createAccessKey({ name: "first" });
  const key = accessKeys[0]!.accessKey;
  return { client: createRosterClient({ address, accessKey: key }), key };
}
