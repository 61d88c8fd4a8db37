// Exposure batches for the WebAssembly and browser tests, built here from the SPEC (§12.2) with
// node's crypto rather than by the library: the records' leaf hashes and RFC 9162 tree, and the
// vectors' batch grown over several leaves and signed again with the vectors' HA key.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const vec = (f) => JSON.parse(readFileSync(join(root, "protocol-spec", "vectors", f), "utf8"));
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));

/** Bytes of a full leaf: 16,384 records of 40 bytes (SPEC §12.2). */
export const LEAF = 16384 * 40;

/** SHA-256(0x00 || run) for each run of `leaf` bytes of `records`, concatenated (SPEC §12.2). */
export function leafHashes(records, leaf = LEAF) {
  const out = [];
  for (let i = 0; i < records.length; i += leaf) {
    out.push(createHash("sha256").update(Uint8Array.of(0)).update(records.subarray(i, i + leaf)).digest());
  }
  return new Uint8Array(Buffer.concat(out));
}

/** RFC 9162's tree hash over leaf hashes (32 bytes each, concatenated), written out here. */
export function treeHash(leaves) {
  const n = leaves.length / 32;
  if (n === 0) return createHash("sha256").digest();
  if (n === 1) return Buffer.from(leaves);
  let k = 1;
  while (2 * k < n) k *= 2;
  return createHash("sha256")
    .update(Uint8Array.of(1))
    .update(treeHash(leaves.subarray(0, 32 * k)))
    .update(treeHash(leaves.subarray(32 * k)))
    .digest();
}

/**
 * The vectors' batch grown to `total` records over several leaves: its six records among
 * fillers (random tokens, sorted in), the header's count and digest replaced and signed again
 * with the vectors' HA key (keys.json), as an HA would publish it. Built here from the SPEC
 * rather than by the library: the digest through `treeHash` above.
 */
export function grownBatch(total) {
  const exposure = vec("exposure.json");
  const body = unhex(exposure.batch.encoding);
  const n = exposure.batch.record_count;
  const signedBody = unhex(exposure.batch.header_signed_body);
  const headerLen = signedBody.length + 64;
  const genuine = [];
  for (let i = 0; i < n; i++) genuine.push(body.subarray(headerLen + 40 * i, headerLen + 40 * (i + 1)));
  const all = [...genuine];
  let x = 0x9e3779b9;
  const next = () => (x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
  while (all.length < total) {
    const r = new Uint8Array(40);
    for (let j = 0; j < 40; j += 4) new DataView(r.buffer).setUint32(j, next());
    all.push(r);
  }
  all.sort((a, b) => Buffer.compare(a.subarray(0, 16), b.subarray(0, 16)));
  const records = new Uint8Array(Buffer.concat(all));
  const tbs = Uint8Array.from(signedBody);
  const view = new DataView(tbs.buffer);
  view.setUint32(tbs.length - 36, total);
  tbs.set(treeHash(leafHashes(records)), tbs.length - 32);
  const seed = unhex(vec("keys.json").ed25519.find((k) => k.role === "health authority").seed);
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]),
    format: "der",
    type: "pkcs8",
  });
  const label = Buffer.from("venuecode/v2/exposure-batch");
  const signature = sign(null, Buffer.concat([label, Buffer.of(0), tbs]), key);
  return { wire: new Uint8Array(Buffer.concat([tbs, signature, records])), headerLen };
}
