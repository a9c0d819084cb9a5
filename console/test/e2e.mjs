// The console in a real browser: Debian's Chromium, driven by playwright-core,
// against a live roster (scripts/test-console starts it and sets the
// environment below). Every step asserts exact texts or values.
//
//   CONSOLE_URL        origin of roster's main port (http://127.0.0.1:PORT)
//   CONSOLE_HTTP_URL   origin of its --http-listen port
//   ROSTER_ADMIN_KEY   the bootstrap key of `admin` (super-admin)
//   SHOTS_DIR          where to write the screenshots
//   SHOTS_COMMITTED    the committed screenshots (docs/console), whose sizes
//                      the new ones must have ("" when updating them)
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = must("CONSOLE_URL");
const HTTP_BASE = must("CONSOLE_HTTP_URL");
const ADMIN_KEY = must("ROSTER_ADMIN_KEY");
const SHOTS_DIR = must("SHOTS_DIR");
const SHOTS_COMMITTED = process.env.SHOTS_COMMITTED ?? "";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const INVALID_KEY = "This access key is not valid (it may have been revoked). Sign in again.";
const DENIED =
  "You do not have permission to do this. It lies outside the organization or tenant your roles cover, or it concerns someone who ranks above you.";
const TENANT_NOT_EMPTY =
  "This tenant still has users, so it cannot be deleted. Delete its users or move them to another tenant first.";
const SECRET_WARNING = "Copy this key now. roster keeps only a digest of it: it will not be shown again.";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

let passed = 0;
async function step(name, fn) {
  process.stdout.write(`console e2e: ${name} ... `);
  await fn();
  passed++;
  console.log("ok");
}

// ---- HTTP: what roster serves under /console/ ----------------------------

async function checkHeaders(base) {
  const index = await fetch(`${base}/console/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-security-policy"), CSP);
  assert.equal(index.headers.get("cache-control"), "no-store");
  assert.equal(index.headers.get("x-content-type-options"), "nosniff");
  assert.equal(index.headers.get("referrer-policy"), "no-referrer");
  assert.equal(index.headers.get("x-frame-options"), "DENY");
  const html = await index.text();
  assert.doesNotMatch(html, /<script>|<style|style="/, "index.html has no inline script or style");
  const js = html.match(/src="(assets\/app\.[A-Za-z0-9]+\.js)"/)?.[1];
  assert.ok(js, "index.html references the hashed script");
  const asset = await fetch(`${base}/console/${js}`);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(asset.headers.get("content-security-policy"), CSP);
  assert.match(asset.headers.get("content-type") ?? "", /^text\/javascript/);
  const bare = await fetch(`${base}/console`, { redirect: "manual" });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get("location"), "/console/");
  const missing = await fetch(`${base}/console/assets/nothing.js`);
  assert.equal(missing.status, 404);
}

// ---- Page helpers --------------------------------------------------------

/** Runs axe-core on the page; fails on any serious or critical violation. */
async function axe(page, screen) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe on ${screen}: ${JSON.stringify(bad)}`);
  axeRuns.push(`${screen}: ${violations.length} violation(s), 0 serious or critical`);
}
const axeRuns = [];

/** The text of the error message tied (aria-describedby) to the input labelled `label`. */
async function fieldError(scope, label) {
  return scope.getByLabel(label, { exact: true }).evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter((id) => id.endsWith("-error"))
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(""),
  );
}

/** What has focus: its accessible label (input) or text (button, link). */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return "";
    if (el.labels && el.labels.length > 0) return `${el.tagName.toLowerCase()}:${el.labels[0].textContent.trim()}`;
    return `${el.tagName.toLowerCase()}:${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim()}`;
  });
}

/** Presses Tab until `want` has focus (at most 40 times). */
async function tabTo(page, want) {
  for (let i = 0; i < 40; i++) {
    if ((await focused(page)) === want) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`Tab never reached ${want} (focus on ${await focused(page)})`);
}

function dialog(page) {
  return page.locator("dialog[open]");
}

async function heading(page, text) {
  await page.getByRole("heading", { level: 1, name: text, exact: true }).waitFor();
}

/** Waits until the list on screen has its answer (not aria-busy). */
async function settled(page) {
  await page.locator('section[aria-busy="false"]').waitFor();
}

/** The first column of the list's rows (ids). */
async function ids(page) {
  await settled(page);
  return page.locator("tbody tr td:first-child").allTextContents();
}

async function alertText(scope) {
  const el = scope.locator("[role=alert] p").first();
  await el.waitFor();
  return (await el.textContent()).trim();
}

async function noHorizontalOverflow(page, what) {
  const [scroll, inner, wide] = await page.evaluate(() => [
    document.scrollingElement.scrollWidth,
    innerWidth,
    // The widest elements past the right edge, to say what overflows.
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest(".table-wrap *"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`),
  ]);
  assert.ok(scroll <= inner, `${what}: ${scroll}px wide in a ${inner}px viewport: ${wide.join(", ")}`);
}

async function shot(page, name, options = {}) {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, name), ...options });
}

/** Signs in by keyboard only: the key field has focus on arrival, Enter submits. */
async function keyboardSignIn(page, key) {
  await page.getByLabel("Access key").waitFor();
  assert.equal(await focused(page), "input:Access key");
  await page.keyboard.type(key);
  await page.keyboard.press("Enter");
}

async function sessionState(page, context, key) {
  const inSession = await page.evaluate((k) => Object.keys(sessionStorage).some((n) => sessionStorage.getItem(n) === k), key);
  const local = await page.evaluate(() => localStorage.length);
  const cookies = await context.cookies();
  return { inSession, local, cookies: cookies.length, inUrl: page.url().includes(key) };
}

/** Creates organizations through the JSON surface (test data for paging; not the console's code). */
async function seedOrgs(ids) {
  for (const id of ids) {
    const r = await fetch(`${BASE}/api/create-org`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ organization: { id, name: `Paging ${id}` } }),
    });
    assert.equal(r.status, 200, `create-org ${id}`);
  }
}

/** Width and height from a PNG's IHDR. */
function pngSize(file) {
  const b = readFileSync(file);
  assert.equal(b.toString("latin1", 12, 16), "IHDR", `${file} is a PNG`);
  return `${b.readUInt32BE(16)}x${b.readUInt32BE(20)}`;
}

// ---- The scenario --------------------------------------------------------

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
try {
  await step("headers of /console/ and of an asset (main port and --http-listen)", async () => {
    await checkHeaders(BASE);
    await checkHeaders(HTTP_BASE);
  });

  await step("load time of /console/ from loopback", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${BASE}/console/`, { waitUntil: "load" });
    const ms = await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd);
    console.log(`\nconsole e2e: loadEventEnd of /console/: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 1000, `loaded in ${ms} ms`);
    await context.close();
  });

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && !/status of 40[0-9]/.test(m.text()) && errors.push(m.text()));
  // The RPCs the page sends, by method name, in order.
  const calls = [];
  page.on("request", (r) => {
    const m = r.url().match(/\/roster\.v1\.UserService\/(\w+)$/);
    if (m) calls.push(m[1]);
  });

  await step("sign-in screen: accessible, 360 px and 1440 px wide", async () => {
    await page.goto(`${BASE}/console/`);
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await axe(page, "sign-in");
    await noHorizontalOverflow(page, "sign-in at 1440");
    await shot(page, "sign-in.png");
    await page.setViewportSize({ width: 360, height: 800 });
    await noHorizontalOverflow(page, "sign-in at 360");
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await step("a wrong key is refused with the message", async () => {
    await page.getByLabel("Access key").fill("rk_not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.equal(await alertText(page), INVALID_KEY);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  await step("sign in as admin by keyboard only; the key only in sessionStorage", async () => {
    await page.goto(`${BASE}/console/`);
    await page.reload();
    await keyboardSignIn(page, ADMIN_KEY);
    await heading(page, "Organizations");
    assert.equal(await page.locator(".whoami .who").textContent(), "admin admin");
    assert.equal(await page.locator(".whoami .roles").textContent(), "super-admin");
    assert.deepEqual(await sessionState(page, context, ADMIN_KEY), { inSession: true, local: 0, cookies: 0, inUrl: false });
    assert.equal(new URL(page.url()).hash, "#/orgs");
  });

  await step("organizations: INVALID_ARGUMENT shown at the ID field", async () => {
    await page.getByRole("button", { name: "New organization" }).click();
    const d = dialog(page);
    await d.getByLabel("ID", { exact: true }).fill("-bad");
    await d.getByRole("button", { name: "Create organization" }).click();
    await d.locator(".field-error").first().waitFor();
    assert.equal(await fieldError(d, "ID"), "Must start with a letter or digit and contain only [A-Za-z0-9._@+-].");
    assert.equal(await d.getByLabel("ID", { exact: true }).getAttribute("aria-invalid"), "true");
  });

  await step("organizations: create acme; list, filter by id prefix, page", async () => {
    const d = dialog(page);
    await d.getByLabel("ID", { exact: true }).fill("acme");
    await d.getByLabel("Name", { exact: true }).fill("Acme Corp");
    await d.getByLabel("Variables (JSON object)").fill('{"plan": "pro"}');
    await d.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("link", { name: "acme", exact: true }).waitFor();
    assert.equal(await page.locator("dialog[open]").count(), 0);
    await axe(page, "organization list");
    await seedOrgs(Array.from({ length: 21 }, (_, i) => `page-${String(i).padStart(2, "0")}`));
    await page.reload();
    await heading(page, "Organizations");
    // 23 organizations, 20 a page: acme, default, page-00 .. page-17 on page 1.
    const first = ["acme", "default", ...Array.from({ length: 18 }, (_, i) => `page-${String(i).padStart(2, "0")}`)];
    assert.deepEqual(await ids(page), first);
    await page.getByRole("button", { name: "Next" }).click();
    assert.deepEqual(await ids(page), ["page-18", "page-19", "page-20"]);
    assert.equal(await page.locator(".pager span").textContent(), "Page 2");
    assert.equal(await page.getByRole("button", { name: "Next" }).isDisabled(), true);
    await page.getByRole("button", { name: "Previous" }).click();
    assert.deepEqual(await ids(page), first);
    assert.equal(await page.getByRole("button", { name: "Previous" }).isDisabled(), true);
    await page.getByLabel("Filter by id prefix").fill("ac");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForFunction(() => location.hash === "#/orgs?prefix=ac");
    assert.deepEqual(await ids(page), ["acme"]);
    assert.equal(new URL(page.url()).hash, "#/orgs?prefix=ac");
  });

  await step("tenants: create t1 in acme", async () => {
    await page.getByRole("link", { name: "acme", exact: true }).click();
    await heading(page, "Tenants of acme");
    assert.equal(new URL(page.url()).hash, "#/orgs/acme/tenants");
    await page.getByRole("button", { name: "New tenant" }).click();
    const d = dialog(page);
    await d.getByLabel("ID", { exact: true }).fill("t1");
    await d.getByLabel("Name", { exact: true }).fill("Team One");
    await d.getByRole("button", { name: "Create tenant" }).click();
    await page.getByRole("link", { name: "t1", exact: true }).waitFor();
    await axe(page, "tenant list");
  });

  await step("users: create alice (tenant-admin of t1) with the keyboard only", async () => {
    await page.getByRole("link", { name: "Users of t1" }).click();
    await heading(page, "Users of tenant t1");
    assert.equal(new URL(page.url()).hash, "#/orgs/acme/users?tenant=t1");
    await tabTo(page, "button:New user");
    await page.keyboard.press("Enter");
    await dialog(page).waitFor();
    assert.equal(await focused(page), "input:ID");
    await page.keyboard.type("alice");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "input:Name");
    await page.keyboard.type("Alice Admin");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "input:Email");
    await page.keyboard.type("alice@acme.example");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "input:Tenant");
    assert.equal(await page.evaluate(() => document.activeElement.value), "t1");
    await tabTo(page, "input:tenant-admin");
    await page.keyboard.press("Space");
    assert.equal(await page.evaluate(() => document.activeElement.checked), true);
    await tabTo(page, "input:Application role");
    await page.keyboard.type("billing:viewer");
    await page.keyboard.press("Enter");
    assert.equal(await focused(page), "input:Application role");
    await tabTo(page, "button:Create user");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Edit alice" }).waitFor();
    assert.equal(await page.locator("dialog[open]").count(), 0);
    const row = page.locator("tbody tr", { hasText: "alice" });
    assert.deepEqual(await row.locator("td").allTextContents().then((t) => t.slice(0, 5)), [
      "alice", "Alice Admin", "alice@acme.example", "t1", "tenant-adminbilling:viewer",
    ]);
    await axe(page, "user list");
    await noHorizontalOverflow(page, "user list at 1440");
    await shot(page, "users.png");
    await page.setViewportSize({ width: 360, height: 800 });
    await noHorizontalOverflow(page, "user list at 360");
    await shot(page, "users-360.png");
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await step("user editor: the roles offered are GetInfo's grantable roles; invalid JSON refused before sending", async () => {
    await page.getByRole("button", { name: "Edit alice" }).click();
    const d = dialog(page);
    await d.getByLabel("Name", { exact: true }).waitFor();
    const offered = await d.locator(".checks input[type=checkbox]:not([disabled])").evaluateAll((els) => els.map((e) => e.labels[0].textContent.trim()));
    const grantable = await page.evaluate(async (key) => {
      const r = await fetch("/api/get-user-info", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "{}" });
      const info = await r.json();
      return info.grantable_roles ?? info.grantableRoles;
    }, ADMIN_KEY);
    assert.deepEqual(offered, grantable);
    assert.deepEqual(await d.locator(".roles .chip").allTextContents(), ["billing:viewer×"]);
    await d.getByLabel("Variables (JSON object)").fill('{"team": "one", "seats": 3}');
    await axe(page, "user editor");
    await noHorizontalOverflow(page, "user editor at 1440");
    await shot(page, "user-editor.png");
    await d.getByLabel("Variables (JSON object)").fill('{"team": "one"');
    const before = calls.length;
    await d.getByRole("button", { name: "Save" }).click();
    assert.match(await fieldError(d, "Variables (JSON object)"), /^Not valid JSON: /);
    await d.getByLabel("Variables (JSON object)").fill("[1, 2]");
    await d.getByRole("button", { name: "Save" }).click();
    assert.equal(await fieldError(d, "Variables (JSON object)"), 'Must be a JSON object, like {"plan": "pro"}.');
    assert.equal(calls.length, before, "no request sent for invalid variables");
    await d.getByLabel("Variables (JSON object)").fill('{"team": "one", "seats": 3}');
    assert.equal(await fieldError(d, "Variables (JSON object)"), "", "the message goes as the value is corrected");
    await d.getByRole("button", { name: "Save" }).click();
    await page.locator("dialog[open]").waitFor({ state: "detached" });
    assert.equal(calls[before], "UpdateUser");
  });

  let aliceKey = "";
  await step("act as alice and issue her key", async () => {
    await page.getByRole("button", { name: "Act as alice" }).click();
    await heading(page, "Access keys of alice");
    const bar = page.locator(".acting[role=status]");
    assert.equal(await bar.locator("p").textContent(), "Acting as alice: every call acts as this user.");
    assert.equal(await page.locator(".whoami .who").textContent(), "Alice Admin alice");
    await axe(page, "keys");
    await page.getByRole("button", { name: "Issue key" }).click();
    await dialog(page).getByLabel("Key name").fill("laptop");
    await dialog(page).getByRole("button", { name: "Issue key" }).click();
    const secret = dialog(page).getByLabel("New access key");
    await secret.waitFor();
    aliceKey = await secret.inputValue();
    assert.match(aliceKey, /^rk_[A-Za-z0-9]{20,}$/);
    assert.equal(await dialog(page).locator(".warning").textContent(), SECRET_WARNING);
    assert.equal(await focused(page), "button:Done");
    await axe(page, "key dialog");
    // The picture shows a made-up key, not the real one.
    await secret.evaluate((el) => (el.value = `rk_${"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH".slice(0, 43)}`));
    await shot(page, "key-dialog.png");
    await dialog(page).getByRole("button", { name: "Done" }).click();
    const row = page.locator("tbody tr", { hasText: "laptop" });
    await row.waitFor();
    assert.equal(await row.locator("td").nth(1).textContent(), `rk_…${aliceKey.slice(-4)}`);
  });

  await step("stop acting as alice; sign out forgets the key", async () => {
    await page.getByRole("button", { name: "Stop acting as" }).click();
    await heading(page, "Organizations");
    assert.equal(await page.locator(".acting").count(), 0);
    assert.equal(await page.locator(".whoami .who").textContent(), "admin admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    assert.deepEqual(await sessionState(page, context, ADMIN_KEY), { inSession: false, local: 0, cookies: 0, inUrl: false });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  await step("sign in as alice: her tenant only; another organization is PERMISSION_DENIED, explained", async () => {
    await page.getByLabel("Access key").fill(aliceKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await heading(page, "Users");
    assert.equal(new URL(page.url()).hash, "#/users");
    assert.equal(await page.locator(".whoami .roles").textContent(), "tenant-admin, billing:viewer");
    assert.deepEqual(await ids(page), ["alice"]);
    await page.goto(`${BASE}/console/#/orgs/default/users`);
    await heading(page, "Users of organization default");
    assert.equal(await alertText(page), DENIED);
    await page.goto(`${BASE}/console/#/orgs/default/tenants`);
    await heading(page, "Tenants of default");
    assert.equal(await alertText(page), DENIED);
  });

  await step("alice revokes her key; the next call returns to sign-in with the message", async () => {
    await page.getByRole("link", { name: "Keys", exact: true }).click();
    await heading(page, "My access keys");
    const row = page.locator("tbody tr", { hasText: "laptop" });
    assert.equal(await row.locator(".badge").textContent(), "this session");
    await page.getByRole("button", { name: "Revoke laptop" }).click();
    const d = dialog(page);
    assert.equal(await d.getByRole("heading").textContent(), "Revoke key laptop?");
    assert.equal(await d.locator(".warning").textContent(), "This console is signed in with this key: you will be signed out.");
    await d.getByRole("button", { name: "Revoke key" }).click();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    assert.equal(await alertText(page), INVALID_KEY);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  await step("deleting a non-empty tenant is explained", async () => {
    await page.getByLabel("Access key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await heading(page, "My access keys");
    assert.equal(new URL(page.url()).hash, "#/me/keys", "sign-in again keeps the place");
    await page.goto(`${BASE}/console/#/orgs/acme/tenants`);
    await heading(page, "Tenants of acme");
    await page.getByRole("button", { name: "Delete t1" }).click();
    const d = dialog(page);
    assert.equal(await d.getByRole("heading").textContent(), "Delete tenant t1?");
    assert.equal(await focused(page), "button:Cancel");
    await d.getByRole("button", { name: "Delete tenant" }).click();
    assert.equal(await alertText(d), TENANT_NOT_EMPTY);
    await d.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("link", { name: "t1", exact: true }).waitFor();
  });

  await step("my configuration: set and delete keys in one UpdateConfig", async () => {
    await page.getByRole("link", { name: "My configuration" }).click();
    await heading(page, "My configuration");
    await page.getByText("No configuration keys yet.").waitFor();
    await axe(page, "configuration");
    await page.getByLabel("Key", { exact: true }).fill("theme");
    await page.getByLabel("Value (JSON)").fill('"dark"');
    await page.getByRole("button", { name: "Stage change" }).click();
    await page.getByLabel("Key", { exact: true }).fill("lang");
    await page.getByLabel("Value (JSON)").fill("{oops");
    await page.getByRole("button", { name: "Stage change" }).click();
    assert.match(await fieldError(page, "Value (JSON)"), /^Not valid JSON: /);
    await page.getByLabel("Value (JSON)").fill('"en"');
    await page.getByRole("button", { name: "Stage change" }).click();
    const before = calls.length;
    await page.getByRole("button", { name: "Save changes (2)" }).click();
    await page.getByText("Saved.").waitFor();
    assert.deepEqual(calls.slice(before), ["UpdateConfig"]);
    assert.deepEqual(await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])), [
      ["lang", '"en"'], ["theme", '"dark"'],
    ]);
    await page.getByRole("button", { name: "Delete theme" }).click();
    await page.getByLabel("Key", { exact: true }).fill("lang");
    await page.getByLabel("Value (JSON)").fill('"fr"');
    await page.getByRole("button", { name: "Stage change" }).click();
    const before2 = calls.length;
    await page.getByRole("button", { name: "Save changes (2)" }).click();
    await page.getByText("Saved.").waitFor();
    assert.deepEqual(calls.slice(before2), ["UpdateConfig"], "one UpdateConfig for a set and a delete");
    assert.deepEqual(await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])), [
      ["lang", '"fr"'],
    ]);
  });

  await step("organization list at 360 px wide", async () => {
    await page.getByRole("link", { name: "Organizations" }).click();
    await heading(page, "Organizations");
    await page.setViewportSize({ width: 360, height: 800 });
    await noHorizontalOverflow(page, "organization list at 360");
    await page.setViewportSize({ width: 1440, height: 900 });
    await noHorizontalOverflow(page, "organization list at 1440");
  });

  await step("the console on --http-listen", async () => {
    const other = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const p = await other.newPage();
    await p.goto(`${HTTP_BASE}/console/`);
    await keyboardSignIn(p, ADMIN_KEY);
    await heading(p, "Organizations");
    await p.getByRole("link", { name: "acme", exact: true }).waitFor();
    await other.close();
  });

  assert.deepEqual(errors, [], "no script errors");
  await context.close();
} finally {
  await browser.close();
}

await step("screenshots: the committed ones have the same sizes", async () => {
  if (!SHOTS_COMMITTED) return;
  const made = readdirSync(SHOTS_DIR).filter((f) => f.endsWith(".png")).sort();
  const committed = readdirSync(SHOTS_COMMITTED).filter((f) => f.endsWith(".png")).sort();
  assert.deepEqual(made, committed, "the same screenshots as docs/console");
  for (const f of made) {
    assert.equal(pngSize(join(SHOTS_DIR, f)), pngSize(join(SHOTS_COMMITTED, f)), `${f}: size`);
  }
});

for (const line of axeRuns) console.log(`console e2e: axe ${line}`);
console.log(`console e2e: ${passed} passed, 0 failed`);
