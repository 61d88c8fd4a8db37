// Section 1's matching through the WebAssembly build in headless Chromium: the same fixture as
// bench/wasm/match.mjs (written by `venuecode-bench`: bundle.bin, diary.bin, checkpoint.bin,
// batch.bin, meta.json), the app's sync path (WebVisitor: checkpoint, listing, the batch
// streamed with fetch + ReadableStream through the app's matchBatch (web/src/digest.js: the
// records' SHA-256 by crypto.subtle for a large batch), endSync), the module the app ships
// (web/pkg, --target web). Files come from a loopback HTTP server started here.
// Prints one line of JSON per run: { wall_ns, memory_wall_ns, fetch_wall_ns, exposures, records,
// fetch: "stream" }; memory_wall_ns is the same match with the batch fetched whole beforehand and
// fed in 64 KiB slices (the WebAssembly without the fetch); fetch_wall_ns the batch streamed with
// fetch and read with nothing done (the transport alone, a floor under wall_ns).
//
//   node web/bench/match-browser.mjs <fixture dir> [runs]
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { browser } from "../tests/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.join(here, "..", "pkg");
const src = path.join(here, "..", "src");
const dir = process.argv[2];
const runs = Number(process.argv[3] ?? 1);
if (!dir || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node web/bench/match-browser.mjs <fixture dir> [runs]");
  process.exit(2);
}

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const [, root, name] = url.pathname.split("/");
  const base = root === "pkg" ? pkg : root === "fixture" ? dir : root === "src" && name === "digest.js" ? src : null;
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>match</title>");
    return;
  }
  if (!base || !name || name.includes("..") || !fs.existsSync(path.join(base, name))) {
    res.writeHead(404);
    res.end();
    return;
  }
  const file = path.join(base, name);
  res.writeHead(200, {
    "content-type": types[path.extname(name)] ?? "application/octet-stream",
    "content-length": fs.statSync(file).size,
  });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

const ctx = await browser();
try {
  const page = await ctx.newPage();
  await page.goto(`${origin}/`);
  for (let run = 0; run < runs; run++) {
    const result = await page.evaluate(async () => {
      const { default: init, WebVisitor } = await import("/pkg/venuecode_wasm.js");
      const { matchBatch } = await import("/src/digest.js");
      await init({ module_or_path: "/pkg/venuecode_wasm_bg.wasm" });
      const bytes = async (n) => new Uint8Array(await (await fetch(`/fixture/${n}`)).arrayBuffer());
      const bundle = await bytes("bundle.bin");
      const diary = await bytes("diary.bin");
      const checkpoint = await bytes("checkpoint.bin");
      const { now } = JSON.parse(new TextDecoder().decode(await bytes("meta.json")));
      const listing = new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 }));
      // The transport alone: the batch streamed with fetch and read, nothing done with it.
      const tf = performance.now();
      const plain = (await fetch("/fixture/batch.bin", { cache: "no-store" })).body.getReader();
      while (!(await plain.read()).done);
      const fetchWall = performance.now() - tf;
      const v = new WebVisitor(bundle, diary, now);
      const t0 = performance.now();
      v.beginSync(now);
      v.applyCheckpoint(checkpoint);
      v.applyBatchList(listing);
      let records = 0;
      let batches = 0;
      while (v.nextBatchPath() != null) {
        const resp = await fetch("/fixture/batch.bin", { cache: "no-store" });
        const length = Number(resp.headers.get("content-length") ?? NaN);
        records += (await matchBatch(v, resp.body.getReader(), length)).records;
        batches += 1;
      }
      const end = v.endSync(now);
      const wall = performance.now() - t0;
      v.free();
      // The same match with the batch already in memory, fed in 64 KiB slices: the WebAssembly
      // alone, without the fetch.
      const whole = new Uint8Array(await (await fetch("/fixture/batch.bin", { cache: "no-store" })).arrayBuffer());
      const m = new WebVisitor(bundle, diary, now);
      const t1 = performance.now();
      m.beginSync(now);
      m.applyCheckpoint(checkpoint);
      m.applyBatchList(listing);
      while (m.nextBatchPath() != null) {
        let i = 0;
        const slices = {
          read: async () => {
            if (i >= whole.length) return { done: true };
            const value = whole.subarray(i, i + 65536);
            i += 65536;
            return { value, done: false };
          },
        };
        await matchBatch(m, slices, whole.length);
      }
      const endMemory = m.endSync(now);
      const memoryWall = performance.now() - t1;
      m.free();
      return {
        wall_ns: Math.round(wall * 1e6),
        memory_wall_ns: Math.round(memoryWall * 1e6),
        fetch_wall_ns: Math.round(fetchWall * 1e6),
        exposures: Math.min(end.newExposures.length, endMemory.newExposures.length),
        records,
        batches,
        chain: end.chainStatus,
      };
    });
    if (result.batches !== 1 || result.chain !== "ok") {
      console.error(`not every batch was processed, or the chain is not up to date: ${JSON.stringify(result)}`);
      process.exit(1);
    }
    console.log(
      JSON.stringify({
        wall_ns: result.wall_ns,
        memory_wall_ns: result.memory_wall_ns,
        fetch_wall_ns: result.fetch_wall_ns,
        exposures: result.exposures,
        records: result.records,
        fetch: "stream",
      }),
    );
  }
} finally {
  await ctx.close();
  server.close();
}
