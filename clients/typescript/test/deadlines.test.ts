// Deadlines (per call and the client's default) and cancellation through
// AbortSignal, as Connect-ES reports them.
import assert from "node:assert/strict";
import { it } from "node:test";
import { Code, createRosterClient } from "@roster/client";
import { address, adminClient, adminKey, expectCode } from "./helpers.js";

it("a 1 ms per-call deadline on ListUsers is DEADLINE_EXCEEDED", async () => {
  const admin = adminClient();
  await admin.getInfo({}); // connect first, so the deadline covers the call alone
  // Whichever side notices first, the client's timer or the server (which
  // receives grpc-timeout: 1m), the caller sees DEADLINE_EXCEEDED.
  await expectCode(admin.listUsers({ pageSize: 1000 }, { timeoutMs: 1 }), Code.DeadlineExceeded);
});

it("a deadline the server finds already passed (grpc-timeout: 1n) is DEADLINE_EXCEEDED from the server", async () => {
  // timeoutMs 0 turns the client's own timer off, so only the server can
  // answer DEADLINE_EXCEEDED here: it must not run the call.
  const err = await expectCode(
    adminClient().listUsers({}, { timeoutMs: 0, headers: { "grpc-timeout": "1n" } }),
    Code.DeadlineExceeded,
  );
  assert.notEqual(err.rawMessage, "the operation timed out", "answered by the server, not Connect's timer");
});

it("the client's default deadline applies to every call, and a call's timeoutMs overrides it", async () => {
  const hasty = createRosterClient({ address, accessKey: adminKey, timeoutMs: 1 });
  await expectCode(hasty.listUsers({ pageSize: 1000 }), Code.DeadlineExceeded);
  const info = await hasty.getInfo({}, { timeoutMs: 10_000 });
  assert.equal(info.id, "admin");
});

it("aborting the AbortSignal cancels the call: CANCELED", async () => {
  const admin = adminClient();
  await admin.getInfo({});

  const inFlight = new AbortController();
  const call = admin.listUsers({}, { signal: inFlight.signal });
  inFlight.abort();
  await expectCode(call, Code.Canceled);

  const before = new AbortController();
  before.abort();
  await expectCode(admin.getInfo({}, { signal: before.signal }), Code.Canceled);

  // The client stays usable after cancelled calls.
  assert.equal((await admin.getInfo({})).id, "admin");
});
