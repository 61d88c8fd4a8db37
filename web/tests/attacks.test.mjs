// What a network attacker (or a compromised server) can try against the web app, in Chromium
// against a real server: every answer passes through Playwright's router, which tampers with
// it. A batch with one record byte changed raises no alert and is not taken as read; an older
// revocation list served after a newer one (a rollback) is refused, and the revoked poster
// stays refused. The same rules run natively (tests/e2e.rs); here they run in the browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, browser, open, cliTime } from "./harness.mjs";

let w;
let ctx;
let page;
let noodles;
/** Tomorrow, as in sync_share.test.mjs: `at(m)` is m minutes after its start. */
const D = new Date((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000);
const at = (minutes) => new Date(D.getTime() + minutes * 60000);

before(async () => {
  w = await World.start();
  noodles = await w.venue("兰州牛肉面馆");
  ctx = await browser();
  page = await ctx.newPage();
});

after(async () => {
  await ctx?.close();
  await w?.close();
});

async function sync() {
  await page.click("#nav-alerts");
  await page.click("#sync");
  await page.waitForSelector("#sync:not([disabled])", { timeout: 60_000 });
  return page.textContent("#sync-note");
}

test("a batch with one record byte changed raises no alert; the true batch then does", async () => {
  await ctx.clock.setFixedTime(at(600));
  await open(ctx, noodles.url, { page });
  await page.selectOption("#stay", "60");
  await page.click("#check-in");
  await page.waitForSelector("#verdict >> text=Checked in");
  // A case at the same place and time shares; the authority publishes batch 1.
  const caseHome = await w.home("case");
  const digits = noodles.url.slice(noodles.url.indexOf("#") + 1);
  await w.cli(caseHome, ["visitor", "scan", digits], { now: cliTime(at(610)) });
  await w.cli(caseHome, ["visitor", "checkout"], { now: cliTime(at(650)) });
  const tan = await w.tan();
  await w.cli(caseHome, ["visitor", "share", "--tan", tan, "--yes"], { now: cliTime(at(660)) });
  await w.cli(w.ha, ["authority", "publish"], { now: cliTime(at(661)) });

  await ctx.clock.setFixedTime(at(720));
  let tampered = 0;
  await page.route("**/v1/batches/*", async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    // The last byte lies in the last record (the header and signature come first).
    body[body.length - 1] ^= 0x01;
    tampered += 1;
    await route.fulfill({ response, body });
  });
  const refused = await sync();
  assert.equal(tampered, 1);
  assert.match(refused, /The check failed/);
  assert.equal(await page.locator("[data-exposure]").count(), 0);
  await page.unroute("**/v1/batches/*");
  // The batch was not taken as read: the true one is fetched again and raises the alert.
  const ok = await sync();
  assert.match(ok, /1 new exposure alert/);
  assert.ok((await page.textContent("[data-exposure]")).includes("兰州牛肉面馆"));
  assert.deepEqual(ctx.errors.filter((e) => !e.includes("status of 404")), []);
});

test("an older revocation list served after a newer one is refused, and a revoked poster stays refused", async () => {
  // The list as it is now (nothing revoked), kept by the attacker.
  const old = await (await fetch(`${w.url}/v1/revocations?after=0`)).arrayBuffer();
  await w.cli(noodles.home, ["venue", "revoke", "--yes"]);
  await sync();
  await open(ctx, noodles.url, { page });
  assert.equal(await page.getAttribute("#verdict", "data-tone"), "failure");
  // The attacker now answers every revocation request with the old list.
  let served = 0;
  await page.route("**/v1/revocations*", async (route) => {
    served += 1;
    await route.fulfill({ status: 200, contentType: "application/octet-stream", body: Buffer.from(old) });
  });
  const note = await sync();
  assert.ok(served >= 1, "the app asked for the revocation list");
  assert.match(note, /The check failed/);
  await open(ctx, noodles.url, { page });
  assert.equal(await page.getAttribute("#verdict", "data-tone"), "failure");
  await page.unroute("**/v1/revocations*");
});
