// Sync and alerts, and sharing, in the browser against a real server and the authority CLI:
// a case (the CLI visitor) shares a stay, the health authority publishes it, and the web app's
// sync streams the batch into the WebAssembly matcher and shows the exposure with the
// authority's message and risk level; then the web app's person tests positive, shares with a
// TAN, and the authority CLI opens her sealed upload.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, browser, open, cliTime } from "./harness.mjs";

const MESSAGE = "Web test: you were at a venue at the same time as a confirmed case.";
let w;
let ctx;
let page;
let noodles;
let teahouse;
/**
 * The story happens tomorrow (as in tests/e2e.rs: certificates are valid from their
 * registration, on the real clock): the web app's clock is set with Playwright's clock, the
 * CLI's with --now. `at(m)` is m minutes after tomorrow's start.
 */
const D = new Date((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000);
const at = (minutes) => new Date(D.getTime() + minutes * 60000);

before(async () => {
  w = await World.start();
  noodles = await w.venue("兰州牛肉面馆");
  teahouse = await w.venue("老街茶馆");
  ctx = await browser();
  page = await ctx.newPage();
  page.on("pageerror", (e) => ctx.errors.push(String(e)));
});

after(async () => {
  await ctx?.close();
  await w?.close();
});

/** Checks in at `url` in the web app with its clock at `at`, staying `stay` minutes. */
async function webCheckIn(url, at, stay) {
  await ctx.clock.setFixedTime(at);
  await open(ctx, url, { page });
  assert.equal(await page.getAttribute("#verdict", "data-tone"), "success");
  await page.selectOption("#stay", String(stay));
  await page.click("#check-in");
  await page.waitForSelector("#verdict >> text=Checked in");
}

test("sync streams the batch the authority published and shows the exposure with its message and risk", async () => {
  // The web visitor at the noodle shop from 10:00 for an hour.
  await webCheckIn(noodles.url, at(600), 60);
  // The case, with the CLI, from 10:10 to 10:50, shares with a TAN; the HA publishes.
  const caseHome = await w.home("case");
  const digits = noodles.url.slice(noodles.url.indexOf("#") + 1);
  await w.cli(caseHome, ["visitor", "scan", digits], { now: cliTime(at(610)) });
  await w.cli(caseHome, ["visitor", "checkout"], { now: cliTime(at(650)) });
  const tan = await w.tan();
  await w.cli(caseHome, ["visitor", "share", "--tan", tan, "--yes"], { now: cliTime(at(660)) });
  const published = await w.cli(w.ha, ["authority", "publish", "--risk", "high", "--message", MESSAGE], {
    now: cliTime(at(661)),
  });
  assert.equal(published.stays, 1, JSON.stringify(published));
  assert.deepEqual(published.skipped, []);

  await ctx.clock.setFixedTime(at(720));
  await open(ctx, `${w.codeBase}/`, { page });
  await page.click("#nav-alerts");
  await page.waitForSelector("#no-alerts");
  await page.click("#sync");
  await page.waitForSelector("[data-exposure]", { timeout: 60_000 });
  const alert = await page.textContent("[data-exposure]");
  assert.ok(alert.includes("兰州牛肉面馆"), alert);
  assert.ok(alert.includes(MESSAGE), alert);
  assert.ok(alert.includes("Risk level") && alert.includes("(high)"), alert);
  assert.match(await page.textContent("#sync-note"), /1 new exposure alert/);
  // The progress bar went through the batch.
  assert.equal(await page.getAttribute("#sync-progress", "hidden"), "");
  assert.equal(await page.locator("[data-exposure]").count(), 1);
  // A second sync finds nothing new and says so only because the chain is complete.
  await page.click("#sync");
  await page.waitForFunction(() => /No exposure found|new exposure/.test(document.getElementById("sync-note").textContent));
  assert.match(await page.textContent("#sync-note"), /No exposure found/);
  assert.deepEqual(ctx.errors, []);
});

test("share after a positive test: preview, consent, TAN, sealed upload the authority CLI opens", async () => {
  await webCheckIn(teahouse.url, at(800), 90);
  await ctx.clock.setFixedTime(at(960));
  await open(ctx, `${w.codeBase}/`, { page });
  await page.click("#nav-share");
  await page.click("#share-preview");
  await page.waitForSelector("#share-list li");
  const listed = await page.textContent("#share-list");
  assert.ok(listed.includes("老街茶馆") && listed.includes("兰州牛肉面馆"), listed);
  // Leave the noodle shop out.
  const noodleItem = page.locator("#share-list li", { hasText: "兰州牛肉面馆" });
  await noodleItem.locator("input[type=checkbox]").check();
  await page.waitForSelector("#share-list li input:checked");
  // Nothing is sent without consent and a TAN.
  assert.equal(await page.isDisabled("#share-send"), true);
  // A typo is refused before anything is sent.
  const tan = await w.tan();
  const typo = tan.replace(/[A-Z0-9]/, (c) => (c === "A" ? "B" : "A"));
  await page.check("#share-consent");
  await page.fill("#share-tan", `${typo}!`);
  await page.click("#share-send");
  await page.waitForSelector("#share-error");
  let uploads = await w.cli(w.ha, ["authority", "uploads", "list"]);
  const before = uploads.uploads.length;
  await page.fill("#share-tan", tan.toLowerCase());
  await page.click("#share-send");
  await page.waitForSelector("#share-done", { timeout: 30_000 });
  assert.match(await page.textContent("#share-done"), /1 check-in shared/);

  uploads = await w.cli(w.ha, ["authority", "uploads", "list"]);
  assert.equal(uploads.uploads.length, before + 1, JSON.stringify(uploads));
  const id = uploads.uploads[uploads.uploads.length - 1].id;
  const opened = await w.cli(w.ha, ["authority", "uploads", "open", String(id)]);
  const text = JSON.stringify(opened);
  assert.ok(text.includes("老街茶馆"), text);
  assert.ok(!text.includes("兰州牛肉面馆"), "the excluded stay was not sent");
  // The diary marks it shared.
  await page.click("#nav-diary");
  const shared = page.locator("#diary li", { hasText: "老街茶馆" });
  assert.match(await shared.textContent(), /shared/);
  assert.deepEqual(ctx.errors, []);
});
