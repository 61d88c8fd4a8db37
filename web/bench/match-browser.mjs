// Section 1's matching through the WebAssembly build in headless Chromium, against a real
// Venuecode server (`venuecode-bench` starts one in process): it serves the page's files at /c
// as `--web-app` (the module the app ships, web/pkg with --target web; web/src/digest.js; the
// fixture: bundle.bin, diary.bin, meta.json) and the published batch and the HA's checkpoint at
// /v1, where the app syncs from. The page runs the app's sync path: WebVisitor, the checkpoint
// and the batch list, the batch streamed with fetch into the app's matchBatch (web/src/digest.js:
// a BYOB reader into a 1 MiB buffer, each run of records' leaf hash by crypto.subtle as soon as
// it has arrived), endSync.
// Prints one line of JSON per run: { wall_ns, memory_wall_ns, fetch_wall_ns, fetch_byob_wall_ns,
// exposures, records }: wall_ns the sync over HTTP; memory_wall_ns the same sync with the
// checkpoint, list and batch fetched beforehand (the batch handed over from memory as a byte
// stream: the WebAssembly and digest without the network); fetch_wall_ns the batch fetched and
// read with the default reader, nothing done with it; fetch_byob_wall_ns the same read as the app
// reads it (BYOB, into a 1 MiB buffer, reused), nothing done with it: the transport alone, a floor under
// wall_ns.
//
//   node web/bench/match-browser.mjs <server URL> [runs]
import { browser } from "../tests/harness.mjs";

const origin = process.argv[2];
const runs = Number(process.argv[3] ?? 1);
if (!origin || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node web/bench/match-browser.mjs <server URL> [runs]");
  process.exit(2);
}

const ctx = await browser();
try {
  const page = await ctx.newPage();
  await page.goto(`${origin}/c/`);
  for (let run = 0; run < runs; run++) {
    const result = await page.evaluate(async () => {
      const { default: init, WebVisitor } = await import("/c/venuecode_wasm.js");
      const { matchBatch, FEED_BYTES } = await import("/c/digest.js");
      await init({ module_or_path: "/c/venuecode_wasm_bg.wasm" });
      const get = async (p) => {
        const resp = await fetch(p, { cache: "no-store", credentials: "omit" });
        if (!resp.ok) throw new Error(`${p}: ${resp.status}`);
        return new Uint8Array(await resp.arrayBuffer());
      };
      const bundle = await get("/c/bundle.bin");
      const diary = await get("/c/diary.bin");
      const { now } = JSON.parse(new TextDecoder().decode(await get("/c/meta.json")));
      // The paths the sync reads, and their bytes for the run from memory.
      const probe = new WebVisitor(bundle, diary, now);
      probe.beginSync(now);
      const checkpoint = await get(probe.checkpointPath());
      probe.applyCheckpoint(checkpoint);
      const list = await get(probe.batchListPath());
      probe.applyBatchList(list);
      const batchPath = probe.nextBatchPath();
      probe.free();

      // The transport alone: the batch fetched and read, nothing done with it; with the default
      // reader, then as the app reads it (BYOB into a buffer of FEED_BYTES, reused when full).
      let t = performance.now();
      const plain = (await fetch(batchPath, { cache: "no-store", credentials: "omit" })).body.getReader();
      while (!(await plain.read()).done);
      const fetchWall = performance.now() - t;
      t = performance.now();
      const resp0 = await fetch(batchPath, { cache: "no-store", credentials: "omit" });
      let buf = new ArrayBuffer(FEED_BYTES);
      let n = 0;
      let fetched = 0;
      const byob = resp0.body.getReader({ mode: "byob" });
      for (;;) {
        const { value, done } = await byob.read(new Uint8Array(buf, n));
        buf = value.buffer;
        n += value.length;
        fetched += value.length;
        if (n === buf.byteLength) n = 0;
        if (done) break;
      }
      const byobWall = performance.now() - t;

      // The app's sync, as web/src/sync.js runs it (without the trust and revocation steps).
      const v = new WebVisitor(bundle, diary, now);
      const t0 = performance.now();
      v.beginSync(now);
      v.applyCheckpoint(await get(v.checkpointPath()));
      v.applyBatchList(await get(v.batchListPath()));
      let records = 0;
      let batches = 0;
      let path;
      while ((path = v.nextBatchPath()) != null) {
        const resp = await fetch(path, { credentials: "omit" });
        if (!resp.ok) throw new Error(`${path}: ${resp.status}`);
        const length = Number(resp.headers.get("content-length") ?? NaN);
        records += (await matchBatch(v, resp.body, length)).records;
        batches += 1;
      }
      const end = v.endSync(now);
      const wall = performance.now() - t0;
      v.free();

      // The same sync with everything already in memory: the batch handed to matchBatch as a
      // byte stream that copies straight into the reader's buffer, as the network does.
      const whole = await get(batchPath);
      const m = new WebVisitor(bundle, diary, now);
      const t1 = performance.now();
      m.beginSync(now);
      m.applyCheckpoint(checkpoint);
      m.applyBatchList(list);
      while (m.nextBatchPath() != null) {
        let i = 0;
        const body = new ReadableStream({
          type: "bytes",
          pull(c) {
            if (i >= whole.length) {
              c.close();
              c.byobRequest?.respond(0);
              return;
            }
            const view = c.byobRequest?.view;
            if (view) {
              const k = Math.min(view.byteLength, whole.length - i);
              new Uint8Array(view.buffer, view.byteOffset, k).set(whole.subarray(i, i + k));
              c.byobRequest.respond(k);
              i += k;
            } else {
              c.enqueue(whole.slice(i, i + 65536));
              i += 65536;
            }
          },
        });
        await matchBatch(m, body, whole.length);
      }
      const endMemory = m.endSync(now);
      const memoryWall = performance.now() - t1;
      m.free();
      return {
        wall_ns: Math.round(wall * 1e6),
        memory_wall_ns: Math.round(memoryWall * 1e6),
        fetch_wall_ns: Math.round(fetchWall * 1e6),
        fetch_byob_wall_ns: Math.round(byobWall * 1e6),
        fetched,
        length: whole.length,
        exposures: Math.min(end.newExposures.length, endMemory.newExposures.length),
        records,
        batches,
        chain: end.chainStatus,
      };
    });
    if (result.batches !== 1 || result.chain !== "ok" || result.fetched !== result.length) {
      console.error(`not every batch was processed, or the chain is not up to date: ${JSON.stringify(result)}`);
      process.exit(1);
    }
    console.log(
      JSON.stringify({
        wall_ns: result.wall_ns,
        memory_wall_ns: result.memory_wall_ns,
        fetch_wall_ns: result.fetch_wall_ns,
        fetch_byob_wall_ns: result.fetch_byob_wall_ns,
        exposures: result.exposures,
        records: result.records,
      }),
    );
  }
} finally {
  await ctx.close();
}
