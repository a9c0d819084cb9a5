// ListUsers pages with page_size and next_page_token.
import assert from "node:assert/strict";
import { it } from "node:test";
import { adminClient, uniqueId } from "./helpers.js";

it("ListUsers pages through 5 users of a fresh organization, 2 at a time, in id order", async () => {
  const admin = adminClient();
  const orgId = uniqueId("paging");
  await admin.createOrganization({ organization: { id: orgId, name: "Paging" } });
  const ids = [1, 2, 3, 4, 5].map((n) => `${orgId}-user-${n}`);
  // Created out of order: the listing sorts by id, not by creation.
  for (const id of [ids[3]!, ids[0]!, ids[4]!, ids[2]!, ids[1]!]) {
    await admin.createUser({ user: { id, name: id, orgId, roles: ["user"] } });
  }

  const pages: string[][] = [];
  const tokens: string[] = [];
  let pageToken = "";
  do {
    const res = await admin.listUsers({ lookupOrgId: orgId, pageSize: 2, pageToken });
    pages.push(res.users.map((u) => u.id));
    tokens.push(res.nextPageToken);
    pageToken = res.nextPageToken;
  } while (pageToken !== "" && pages.length < 10);

  assert.deepEqual(pages, [[ids[0], ids[1]], [ids[2], ids[3]], [ids[4]]]);
  assert.notEqual(tokens[0], "");
  assert.notEqual(tokens[1], "");
  assert.equal(tokens[2], "", "the last page's token is empty");

  // page_size 0 means the server's maximum (1000): one page with all five.
  const all = await admin.listUsers({ lookupOrgId: orgId });
  assert.deepEqual(all.users.map((u) => u.id), ids);
  assert.equal(all.nextPageToken, "");
});
