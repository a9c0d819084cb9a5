// Errors arrive as ConnectError with the gRPC code and the google.rpc
// details roster attaches (BadRequest for INVALID_ARGUMENT, ErrorInfo else).
import assert from "node:assert/strict";
import { it } from "node:test";
import { BadRequestSchema, Code, createRosterClient, ErrorInfoSchema } from "@roster/client";
import { address, adminClient, createUserWithKey, expectCode, uniqueId } from "./helpers.js";

it("PERMISSION_DENIED: a plain user may not create an organization", async () => {
  const admin = adminClient();
  const orgId = uniqueId("perm");
  await admin.createOrganization({ organization: { id: orgId, name: "Perm" } });
  const { client: plain } = await createUserWithKey(admin, {
    id: uniqueId("plain"),
    name: "Plain",
    orgId,
    roles: ["user"],
  });

  const err = await expectCode(
    plain.createOrganization({ organization: { id: uniqueId("nope"), name: "Nope" } }),
    Code.PermissionDenied,
  );
  const [info, ...rest] = err.findDetails(ErrorInfoSchema);
  assert.deepEqual(rest, []);
  assert.equal(info?.reason, "PERMISSION_DENIED");
  assert.equal(info?.domain, "roster.v1");
});

it("INVALID_ARGUMENT: CreateUser with id 'bad id' names user.id in a BadRequest field violation", async () => {
  const err = await expectCode(
    adminClient().createUser({ user: { id: "bad id", name: "Bad" } }),
    Code.InvalidArgument,
  );
  const details = err.findDetails(BadRequestSchema);
  assert.equal(details.length, 1);
  const violations = details[0]!.fieldViolations;
  assert.equal(violations.length, 1);
  assert.equal(violations[0]!.field, "user.id");
  assert.notEqual(violations[0]!.description, "");
  assert.match(err.rawMessage, /user\.id/, "the message names the field too");
});

it("UNAUTHENTICATED: an unknown access key", async () => {
  const stranger = createRosterClient({ address, accessKey: "not-a-key-of-this-roster-000000000000" });
  await expectCode(stranger.getInfo({}), Code.Unauthenticated);
});
