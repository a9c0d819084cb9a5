// The life of a user, in order: organization → tenant → user → its first
// access key (admin impersonating it) → GetInfo with the user's own key →
// UpdateConfig → DeleteAccessKey → DeleteUser. Each step builds on the
// previous one, so they run in sequence within this describe block.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, createRosterClient, type RosterClient } from "@roster/client";
import { address, adminClient, adminKey, expectCode, uniqueId } from "./helpers.js";

describe("lifecycle: organization, tenant, user, access key, config, deletes", () => {
  const admin = adminClient();
  const orgId = uniqueId("org");
  const tenantId = uniqueId("tenant");
  const userId = uniqueId("user");
  let userKey = "";
  let user: RosterClient;

  it("admin creates an organization and a tenant in it", async () => {
    await admin.createOrganization({
      organization: { id: orgId, name: "Acme Inc.", variables: { tier: "gold" } },
    });
    await admin.createTenant({ tenant: { id: tenantId, name: "Acme Europe", orgId } });

    const { organizations } = await admin.listOrganizations({});
    const org = organizations.find((o) => o.id === orgId);
    assert.ok(org, "the new organization is listed");
    assert.equal(org.name, "Acme Inc.");
    assert.deepEqual(org.variables, { tier: "gold" });

    const tenants = await admin.listTenants({ lookupOrgId: orgId });
    assert.deepEqual(
      tenants.tenants.map((t) => [t.id, t.name, t.orgId]),
      [[tenantId, "Acme Europe", orgId]],
    );
    assert.equal(tenants.nextPageToken, "");
  });

  it("admin creates a user in the tenant; its organization is the tenant's", async () => {
    await admin.createUser({
      user: {
        id: userId,
        name: "Alice",
        email: "alice@acme.example",
        tenantId,
        roles: ["user", "app:billing"],
        variables: { team: "payments", seats: 3 },
      },
    });
    const { users, nextPageToken } = await admin.listUsers({ lookupOrgId: orgId });
    assert.equal(nextPageToken, "");
    assert.equal(users.length, 1);
    const u = users[0]!;
    assert.equal(u.id, userId);
    assert.equal(u.name, "Alice");
    assert.equal(u.email, "alice@acme.example");
    assert.equal(u.tenantId, tenantId);
    assert.equal(u.orgId, orgId);
    assert.deepEqual(u.roles, ["user", "app:billing"]);
    assert.deepEqual(u.variables, { team: "payments", seats: 3 });
    assert.ok(u.createdAt > 0n && u.updatedAt >= u.createdAt, "server-set timestamps");
  });

  it("admin issues the user's first access key by impersonating it", async () => {
    // The helper's `impersonate` option sends x-roster-impersonate-user on every call.
    const asUser = createRosterClient({ address, accessKey: adminKey, impersonate: userId });
    const res = await asUser.createAccessKey({ name: "laptop" });
    assert.equal(res.accessKeys.length, 1);
    const key = res.accessKeys[0]!;
    assert.equal(key.userId, userId, "the key belongs to the impersonated user, not admin");
    assert.equal(key.name, "laptop");
    assert.match(key.accessKey, /^rk_[0-9A-Za-z]{49}$/);
    assert.ok(key.createdAt > 0n);
    assert.equal(res.nextPageToken, "");
    userKey = key.accessKey;
    user = createRosterClient({ address, accessKey: userKey });
  });

  it("the user calls GetInfo with its own key: id, roles, permissions", async () => {
    const info = await user.getInfo({});
    assert.equal(info.id, userId);
    assert.equal(info.name, "Alice");
    assert.equal(info.email, "alice@acme.example");
    assert.deepEqual(info.roles, ["user", "app:billing"]);
    assert.deepEqual(info.permissions, ["self:access-keys", "self:config", "self:read"]);
  });

  it("ListAccessKeys shows the user's key redacted to rk_… and its last 4 characters", async () => {
    const { accessKeys, nextPageToken } = await user.listAccessKeys({});
    assert.deepEqual(
      accessKeys.map((k) => [k.name, k.userId, k.accessKey]),
      [["laptop", userId, `rk_…${userKey.slice(-4)}`]],
    );
    assert.equal(nextPageToken, "");
  });

  it("UpdateConfig merges `updated`, removes `deleted` and returns the whole configuration", async () => {
    const first = await user.updateConfig({
      updated: { theme: "dark", fontSize: 14, beta: true, tags: ["a", "b"], layout: { sidebar: null } },
    });
    assert.deepEqual(first.configs, {
      theme: "dark",
      fontSize: 14,
      beta: true,
      tags: ["a", "b"],
      layout: { sidebar: null },
    });

    const second = await user.updateConfig({ updated: { fontSize: 16 }, deleted: ["beta", "absent"] });
    assert.deepEqual(second.configs, {
      theme: "dark",
      fontSize: 16,
      tags: ["a", "b"],
      layout: { sidebar: null },
    });

    const read = await user.updateConfig({});
    assert.deepEqual(read.configs, second.configs, "an empty request only reads");
  });

  it("DeleteAccessKey: the deleted key fails its very next call with UNAUTHENTICATED", async () => {
    const res = await user.deleteAccessKey({ names: ["laptop"] });
    assert.equal(res.$typeName, "roster.v1.DelAccessKeyResponse");
    await expectCode(user.getInfo({}), Code.Unauthenticated);
  });

  it("DeleteUser: listing no longer shows the user", async () => {
    await admin.deleteUser({ id: userId });
    const { users } = await admin.listUsers({ lookupOrgId: orgId });
    assert.deepEqual(users.map((u) => u.id), []);
    const inTenant = await admin.listUsers({ lookupTenantId: tenantId });
    assert.deepEqual(inTenant.users.map((u) => u.id), []);
  });

  it("the emptied tenant and organization can be deleted", async () => {
    await admin.deleteTenant({ id: tenantId });
    await admin.deleteOrganization({ id: orgId });
    const { organizations } = await admin.listOrganizations({});
    assert.equal(organizations.find((o) => o.id === orgId), undefined);
  });
});
