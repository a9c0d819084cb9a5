// gRPC-Web: the same UserService through Connect-ES's browser transport
// (createGrpcWebTransport of @connectrpc/connect-web, over fetch and
// HTTP/1.1), as a page in a browser calls roster: the same answers, codes and
// error details as over gRPC.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { BadRequestSchema, Code, rosterHeaders, UserService } from "@roster/client";
import { address, adminKey, expectCode, uniqueId } from "./helpers.js";

function webClient(key: string, impersonate?: string): Client<typeof UserService> {
  const transport = createGrpcWebTransport({
    baseUrl: `http://${address}`,
    interceptors: [rosterHeaders({ accessKey: key, impersonate })],
  });
  return createClient(UserService, transport);
}

it("gRPC-Web: GetInfo, a create, a list, impersonation", async () => {
  const web = webClient(adminKey);
  const me = await web.getInfo({});
  assert.equal(me.id, "admin");
  assert.deepEqual(me.roles, ["super-admin"]);

  const orgId = uniqueId("web");
  await web.createOrganization({ organization: { id: orgId, name: "Web" } });
  const userId = uniqueId("webuser");
  await web.createUser({ user: { id: userId, name: "Web User", orgId, roles: ["user"] } });
  const { users } = await web.listUsers({ lookupOrgId: orgId });
  assert.deepEqual(
    users.map((u) => [u.id, u.name, u.roles]),
    [[userId, "Web User", ["user"]]],
  );
  const actingAs = await webClient(adminKey, userId).getInfo({});
  assert.equal(actingAs.id, userId);
});

it("gRPC-Web: errors keep their code and details", async () => {
  const err = await expectCode(
    webClient(adminKey).createUser({ user: { id: "bad id", name: "Bad" } }),
    Code.InvalidArgument,
  );
  assert.equal(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field, "user.id");
  await expectCode(webClient("rk_not-a-key").getInfo({}), Code.Unauthenticated);
});
