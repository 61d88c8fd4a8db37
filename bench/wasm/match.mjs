// Section 1's matching through the WebAssembly build, in node: the 14-day diary (its state
// exported from the native diary the bench built) against one batch file, through the same sync
// path an app takes (WebVisitor: checkpoint, listing, the batch streamed from disk in 1 MiB
// chunks into feedBatch, node's SHA-256 leaf hashes of the records handed to finishBatch,
// endSync). Prints one line of JSON per run, as the native matching children do:
// { wall_ns, cpu_ns, exposures, records }.
//
//   node bench/wasm/match.mjs <fixture dir> [runs]
//
// The fixture dir holds bundle.bin (trust bundle), diary.bin (WebVisitor snapshot),
// checkpoint.bin, batch.bin and meta.json ({ now }), written by `venuecode-bench`.
import { readFileSync, createReadStream } from "node:fs";
import { createHash } from "node:crypto";

/** Bytes of each read of the batch file. */
const CHUNK = 1024 * 1024;
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { WebVisitor, Sha256Floor, leafBytes } = require(join(here, "..", "..", "web", "pkg-node", "venuecode_wasm.js"));

const dir = process.argv[2];
const runs = Number(process.argv[3] ?? 1);
if (!dir || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node bench/wasm/match.mjs <fixture dir> [runs]");
  process.exit(2);
}
const bundle = readFileSync(join(dir, "bundle.bin"));
const diary = readFileSync(join(dir, "diary.bin"));
const checkpoint = readFileSync(join(dir, "checkpoint.bin"));
const { now } = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const listing = new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 }));

for (let run = 0; run < runs; run++) {
  const v = new WebVisitor(bundle, diary, now);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  v.beginSync(now);
  v.applyCheckpoint(checkpoint);
  v.applyBatchList(listing);
  let records = 0;
  let batches = 0;
  while (v.nextBatchPath() !== null) {
    // The records' leaf hashes by node's native SHA-256 (the wasm build has no SHA
    // instructions): from the offset feedBatch returns on, SHA-256(0x00 || run) for each run of
    // leafBytes(), handed to finishBatch, which builds the tree and compares its root with the
    // signed digest.
    v.beginBatch(true);
    const leaf = leafBytes();
    const leaves = [];
    let h = null;
    let inLeaf = 0;
    // 1 MiB reads, as the web app feeds the matcher: with node's default 64 KiB, its stream
    // machinery alone (reading the file and hashing it, no WebAssembly) took 90–150 ms of CPU
    // here, more than the whole native sync.
    for await (const chunk of createReadStream(join(dir, "batch.bin"), { highWaterMark: CHUNK })) {
      let rest = chunk.subarray(v.feedBatch(chunk));
      while (rest.length > 0) {
        h ??= createHash("sha256").update(Uint8Array.of(0));
        const take = Math.min(rest.length, leaf - inLeaf);
        h.update(rest.subarray(0, take));
        inLeaf += take;
        rest = rest.subarray(take);
        if (inLeaf === leaf) {
          leaves.push(h.digest());
          h = null;
          inLeaf = 0;
        }
      }
    }
    if (h) leaves.push(h.digest());
    records += v.finishBatch(Buffer.concat(leaves)).records;
    batches += 1;
  }
  const end = v.endSync(now);
  const wall = process.hrtime.bigint() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (batches !== 1 || end.chainStatus !== "ok") {
    console.error(`not every batch was processed, or the chain is not up to date: ${end.chainStatus}`);
    process.exit(1);
  }
  console.log(JSON.stringify({
    wall_ns: Number(wall),
    cpu_ns: (cpu.user + cpu.system) * 1000,
    exposures: end.newExposures.length,
    records,
  }));
  v.free();
}

// The floor under any verified match in this build: SHA-256 over the same batch file, streamed
// the same way, in the same process (one line of JSON: { sha_cpu_ns, sha_wall_ns }).
{
  let best = null;
  for (let run = 0; run < Math.max(runs, 2); run++) {
    const h = new Sha256Floor();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for await (const chunk of createReadStream(join(dir, "batch.bin"), { highWaterMark: CHUNK })) {
      h.update(chunk);
    }
    h.finish();
    const wall = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(cpu0);
    const cpu = (c.user + c.system) * 1000;
    h.free();
    if (run > 0 && (best === null || cpu < best.sha_cpu_ns)) best = { sha_cpu_ns: cpu, sha_wall_ns: wall };
  }
  console.log(JSON.stringify(best));
}
