// Offline check-in through the service worker: after one visit online, the app shell, the
// WebAssembly and the trust bundle are cached; with the server gone, a poster's URL still opens,
// verifies and checks in, and the check-in is in the diary when the server is back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, browser, open } from "./harness.mjs";

let w;
let ctx;

before(async () => {
  w = await World.start();
  ctx = await browser();
});

after(async () => {
  await ctx?.close();
  await w?.close();
});

test("with the server stopped, a poster URL opens from the service worker's cache and checks in", async () => {
  const cafe = await w.venue("离线咖啡馆");
  // One visit online: the worker installs and takes the page; the revocation list is fetched.
  const page = await open(ctx, `${w.codeBase}/`);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
    }
  });
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, `${w.codeBase}`);
  // The code URL itself (BASE, not BASE/) is in the worker's scope.
  await open(ctx, cafe.url, { page });
  assert.equal(await page.getAttribute("#verdict", "data-tone"), "success");

  await w.stopServer();
  const offline = await ctx.newPage();
  const failed = [];
  offline.on("requestfailed", (r) => failed.push(r.url()));
  await open(ctx, cafe.url, { page: offline });
  assert.equal(await offline.getAttribute("#verdict", "data-tone"), "success", await offline.textContent("main"));
  assert.equal(await offline.textContent("#venue-name"), "离线咖啡馆");
  await offline.click("#check-in");
  await offline.waitForSelector("#verdict >> text=Checked in");
  // Nothing the check-in needed failed to load (the worker answered it all).
  assert.deepEqual(failed.filter((u) => u.includes("/c/assets/") || u.endsWith("/trust.bundle")), []);

  await w.startServer();
  const back = await open(ctx, `${w.codeBase}/`);
  await back.click("#nav-diary");
  await back.waitForSelector("#diary li");
  assert.ok((await back.textContent("#diary")).includes("离线咖啡馆"));
});
