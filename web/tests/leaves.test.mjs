// A batch over several leaves of the records tree (SPEC §12.2) matched in Chromium the way the
// app matches a large batch: the module the app ships (web/pkg) and the app's
// web/src/digest.js, the batch fetched and read with a BYOB reader, each run of records hashed by
// the browser's crypto.subtle as it arrives, the tree's root checked in WebAssembly. The batch is
// the vectors' batch grown to three leaves and signed again with the vectors' HA key
// (crates/wasm/tests/batches.mjs, built from the SPEC with node's crypto); Playwright's router
// serves the files at http://localhost (a secure context, so crypto.subtle is there). A record
// changed in the middle leaf is refused and raises nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, browser } from "./harness.mjs";
import { grownBatch } from "../../crates/wasm/tests/batches.mjs";

const vec = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, "protocol-spec", "vectors", f), "utf8"));
const ORIGIN = "http://localhost";
const TOTAL = 2 * 16384 + 1000;
/** The vectors' "now", in Unix minutes. */
const NOW = 29_000_000;

let ctx;
let page;
let headerLen;

before(async () => {
  const grown = grownBatch(TOTAL);
  headerLen = grown.headerLen;
  const bad = Uint8Array.from(grown.wire);
  bad[headerLen + 40 * (16384 + 500) + 30] ^= 1;
  const files = {
    "/leaves/": ["text/html", Buffer.from("<!doctype html><title>leaves</title>")],
    "/leaves/venuecode_wasm.js": ["text/javascript", fs.readFileSync(path.join(ROOT, "web", "pkg", "venuecode_wasm.js"))],
    "/leaves/venuecode_wasm_bg.wasm": ["application/wasm", fs.readFileSync(path.join(ROOT, "web", "pkg", "venuecode_wasm_bg.wasm"))],
    "/leaves/digest.js": ["text/javascript", fs.readFileSync(path.join(ROOT, "web", "src", "digest.js"))],
    "/leaves/batch.bin": ["application/octet-stream", Buffer.from(grown.wire)],
    "/leaves/bad.bin": ["application/octet-stream", Buffer.from(bad)],
  };
  ctx = await browser();
  await ctx.route(`${ORIGIN}/leaves/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    if (!file) return route.fulfill({ status: 404, body: "" });
    return route.fulfill({
      status: 200,
      headers: { "content-type": file[0], "content-length": String(file[1].length) },
      body: file[1],
    });
  });
  page = await ctx.newPage();
  await page.goto(`${ORIGIN}/leaves/`);
});

after(async () => {
  await ctx?.close();
});

/** Matches `file` in the page as the app does; returns what happened. */
function match(file) {
  const bundle = vec("trust.json").bundles[0].encoding;
  const url = vec("code.json").static.url;
  return page.evaluate(
    async ({ file, bundle, url, now }) => {
      const { default: init, WebVisitor } = await import("/leaves/venuecode_wasm.js");
      const { matchBatch } = await import("/leaves/digest.js");
      await init({ module_or_path: "/leaves/venuecode_wasm_bg.wasm" });
      const bytes = Uint8Array.from(bundle.match(/../g).map((h) => parseInt(h, 16)));
      const v = new WebVisitor(bytes, null, now);
      v.checkIn(url, now);
      v.beginSync(now + 300);
      v.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 })));
      let host;
      const begin = v.beginBatch.bind(v);
      v.beginBatch = (h) => begin((host = h));
      const resp = await fetch(`/leaves/${file}`, { cache: "no-store" });
      const length = Number(resp.headers.get("content-length"));
      const out = { secure: isSecureContext, subtle: crypto.subtle !== undefined, length };
      try {
        const r = await matchBatch(v, resp.body, length);
        Object.assign(out, { host, records: r.records, newExposures: r.newExposures.length });
      } catch (e) {
        Object.assign(out, { host, error: e.code ?? String(e) });
      }
      out.exposures = v.exposures().length;
      v.free();
      return out;
    },
    { file, bundle, url, now: NOW },
  );
}

test("Chromium hashes the leaves of a three-leaf batch with crypto.subtle and finds the exposure", async () => {
  const r = await match("batch.bin");
  assert.equal(r.secure, true);
  assert.equal(r.subtle, true);
  assert.equal(r.length, headerLen + 40 * TOTAL);
  assert.deepEqual(
    { host: r.host, records: r.records, newExposures: r.newExposures, exposures: r.exposures, error: r.error },
    { host: true, records: TOTAL, newExposures: 1, exposures: 1, error: undefined },
  );
});

test("a record changed in the middle leaf is refused in Chromium, and nothing is raised", async () => {
  const r = await match("bad.bin");
  assert.deepEqual(
    { host: r.host, error: r.error, exposures: r.exposures },
    { host: true, error: "protocol", exposures: 0 },
  );
});
