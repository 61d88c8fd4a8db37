// The WebVisitor API (crates/wasm/API.md) in node, on the fixed keys and codes of the JSON vectors
// (one RA, HA and venue across protocol-spec/vectors): scan, check-in rules, the diary through a
// snapshot, a batch streamed in chunks and matched, revocations, the share request, errors with
// their stable codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);
const { WebVisitor, parseTan, displayTan, httpError, leafBytes } = require(join(root, "web", "pkg-node", "venuecode_wasm.js"));
const { leafHashes, treeHash, grownBatch, LEAF } = await import(join(here, "batches.mjs"));
const vec = (f) => JSON.parse(readFileSync(join(root, "protocol-spec", "vectors", f), "utf8"));
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));

const trust = vec("trust.json");
const code = vec("code.json");
const exposure = vec("exposure.json");
const revocation = vec("revocation.json");
const bundle = unhex(trust.bundles[0].encoding);
const url = code.static.url;
/** The vectors' "now": 2025-02-19T21:20Z, in Unix minutes. */
const NOW = 29_000_000;

function throwsCode(f, want) {
  assert.throws(f, (e) => {
    assert.equal(e.name, "VenuecodeError");
    assert.equal(e.code, want, e.message);
    assert.equal(e.tone, "failure");
    assert.ok(e.message.length > 0);
    return true;
  });
}

test("scan verifies the code and shows the venue; bad input throws stable codes", () => {
  const v = new WebVisitor(bundle, null, NOW);
  assert.equal(v.needsRevocations(), true);
  const p = v.scan(url, NOW);
  assert.equal(p.venueName, "兰州牛肉面馆");
  assert.equal(p.codeType, "static");
  assert.equal(p.region, 620105);
  assert.equal(p.defaultStayMinutes, 60);
  assert.equal(p.tone, "success");
  throwsCode(() => v.scan("https://vc.example/c#123", NOW), "malformed_code");
  // Before the certificate's validity (10 days before NOW).
  throwsCode(() => v.scan(url, NOW - 11 * 1440), "not_yet_valid");
  throwsCode(() => v.scan(url, 1.5), "invalid_argument");
  throwsCode(() => new WebVisitor(bundle, new Uint8Array(10), NOW), "corrupt");
  throwsCode(() => new WebVisitor(new Uint8Array([2, 0]), null, NOW), "protocol");
});

test("check-in, rescan, check-out, edit, hide and delete follow the library's rules", () => {
  const v = new WebVisitor(bundle, null, NOW);
  const c = v.checkIn(url, NOW);
  assert.equal(c.status, "checked_in");
  assert.equal(c.checkedOutOf, null);
  assert.equal(c.entry.arrival, NOW);
  assert.equal(c.entry.departure, NOW + 60);
  assert.equal(c.entry.open, true);
  assert.equal(c.reminder.autoCheckoutAt, NOW + 60);
  assert.equal(c.reminder.remindAt, NOW + 50);
  const again = v.checkIn(url, NOW + 5);
  assert.equal(again.status, "already_checked_in");
  assert.equal(again.entry.id, c.entry.id);
  assert.equal(v.entries().length, 1);
  assert.equal(v.current(NOW + 10).id, c.entry.id);
  throwsCode(() => v.checkIn(url, NOW + 100, 5), "invalid_argument");

  const out = v.checkOut(c.entry.id, NOW + 30);
  assert.equal(out.checkedOut, true);
  assert.equal(out.departure, NOW + 30);
  throwsCode(() => v.checkOut(c.entry.id, NOW + 31), "not_checked_in");
  throwsCode(() => v.editTimes(c.entry.id, NOW + 40, NOW + 20, NOW + 50), "edit_out_of_bounds");
  throwsCode(() => v.editTimes(c.entry.id, NOW + 60, NOW + 70, NOW + 50), "edit_out_of_bounds");
  const edited = v.editTimes(c.entry.id, NOW - 10, NOW + 40, NOW + 50);
  assert.equal(edited.arrival, NOW - 10);

  v.setHidden(c.entry.id, true);
  assert.equal(v.entries().length, 0);
  assert.equal(v.entries(true).length, 1);
  v.delete(c.entry.id);
  assert.equal(v.entries(true).length, 0);
  throwsCode(() => v.delete(c.entry.id), "entry_not_found");
});

test("the snapshot holds the diary, padded, and opens again", () => {
  const v = new WebVisitor(bundle, null, NOW);
  const empty = v.snapshot();
  assert.equal(empty.length, 64 * 1024);
  v.checkIn(url, NOW);
  const snap = v.snapshot();
  assert.equal(snap.length, 64 * 1024, "a check-in does not change the size bucket");
  assert.notDeepEqual(snap, empty);
  const w = new WebVisitor(bundle, snap, NOW + 1);
  assert.equal(w.entries().length, 1);
  assert.equal(w.entries()[0].venueName, "兰州牛肉面馆");
  // Past retention (14 days after the stay ended), the entry is purged on opening.
  const later = new WebVisitor(bundle, snap, NOW + 60 + 15 * 1440);
  assert.equal(later.entries(true).length, 0);
});

test("a batch streamed in chunks raises the exposure once; the chain status is reported", () => {
  const v = new WebVisitor(bundle, null, NOW);
  const entry = v.checkIn(url, NOW).entry;
  const now = NOW + 300;
  v.beginSync(now);
  assert.equal(v.batchListPath(), "/v1/batches?after=0");
  v.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 })));
  assert.equal(v.nextBatchPath(), "/v1/batches/1");
  v.beginBatch();
  const body = unhex(exposure.batch.encoding);
  for (let i = 0; i < body.length; i += 7) v.feedBatch(body.subarray(i, i + 7));
  const r = v.finishBatch();
  assert.equal(r.sequence, 1);
  assert.equal(r.records, exposure.batch.record_count);
  assert.equal(r.newExposures.length, 1);
  const x = r.newExposures[0];
  assert.equal(x.entryId, entry.id);
  assert.equal(x.windowStart, 29000030);
  assert.equal(x.overlapMinutes, 30);
  assert.equal(x.risk, 2);
  assert.equal(x.highRisk, true);
  assert.equal(v.nextBatchPath(), null);
  const end = v.endSync(now);
  assert.equal(end.cursor, 1);
  // No checkpoint was given: the app must not say "no exposure".
  assert.equal(end.chainStatus, "stale");
  assert.equal(v.chainStatus(now), "stale");
  assert.equal(v.exposures().length, 1);

  // The same batch again is refused by the chain and raises nothing.
  v.beginSync(now);
  v.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 2 })));
  assert.equal(v.nextBatchPath(), "/v1/batches/2");
  v.beginBatch();
  v.feedBatch(body);
  throwsCode(() => v.finishBatch(), "protocol");
  v.endSync(now);
  assert.equal(v.exposures().length, 1);

  // A batch cut short is refused whole.
  const w = new WebVisitor(bundle, null, NOW);
  w.checkIn(url, NOW);
  w.beginSync(now);
  w.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 })));
  w.beginBatch();
  w.feedBatch(body.subarray(0, body.length - 1));
  throwsCode(() => w.finishBatch(), "protocol");
  assert.equal(w.exposures().length, 0);

  const d = v.dismissExposure(x.id);
  assert.equal(d.dismissed, true);
  assert.equal(v.exposures().length, 0);
  assert.equal(v.exposures(true).length, 1);
});

test("the leaf size is the protocol's, and the vectors' digest is the tree over the records' one leaf", async () => {
  assert.equal(leafBytes(), 16384 * 40);
  assert.equal(LEAF, leafBytes(), "the tests' batches cut leaves where the module does");
  const { LEAF_BYTES } = await import(join(root, "web", "src", "digest.js"));
  assert.equal(LEAF_BYTES, leafBytes(), "web/src/digest.js cuts leaves where the module does");
  const body = unhex(exposure.batch.encoding);
  const records = body.subarray(body.length - 40 * exposure.batch.record_count);
  assert.equal(treeHash(leafHashes(records)).toString("hex"), exposure.batch.records_digest);
});

test("with a host digest, the host's leaf hashes of exactly the records fed are checked against the signed digest", () => {
  const body = unhex(exposure.batch.encoding);
  const now = NOW + 300;
  const start = () => {
    const v = new WebVisitor(bundle, null, NOW);
    v.checkIn(url, NOW);
    v.beginSync(now);
    v.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 })));
    v.beginBatch(true);
    return v;
  };
  // Fed in 7-byte chunks: each feedBatch says where the records start in its chunk.
  const v = start();
  const fed = [];
  let headerBytes = 0;
  for (let i = 0; i < body.length; i += 7) {
    const chunk = body.subarray(i, i + 7);
    const from = v.feedBatch(chunk);
    assert.ok(from === 0 || headerBytes === i, "the records start once, then run to the end");
    headerBytes += from;
    fed.push(chunk.subarray(from));
  }
  const records = new Uint8Array(Buffer.concat(fed));
  assert.equal(records.length % exposure.batch.record_count, 0);
  assert.ok(headerBytes > 64 && records.length > 0);
  const r = v.finishBatch(leafHashes(records));
  assert.equal(r.records, exposure.batch.record_count);
  assert.equal(r.newExposures.length, 1);

  // Wrong leaf hashes are refused: of the whole body, of the records with a byte changed, of
  // the records without the leaf prefix, zeros, two leaves for one, or none at all.
  const changed = Uint8Array.from(records);
  changed[changed.length - 1] ^= 1;
  for (const [wrong, code] of [
    [leafHashes(body), "protocol"],
    [leafHashes(changed), "protocol"],
    [createHash("sha256").update(records).digest(), "protocol"],
    [new Uint8Array(32), "protocol"],
    [new Uint8Array(64), "protocol"], // two leaf hashes for a batch of one leaf
    [leafHashes(records).subarray(0, 31), "invalid_argument"],
  ]) {
    const w = start();
    w.feedBatch(body);
    throwsCode(() => w.finishBatch(wrong), code);
    assert.equal(w.exposures().length, 0);
  }
  const none = start();
  none.feedBatch(body);
  throwsCode(() => none.finishBatch(), "protocol");
  assert.equal(none.exposures().length, 0);
  // A changed record with the host's leaf hashes of the changed bytes: still refused.
  const forged = start();
  const bad = Uint8Array.from(body);
  bad[bad.length - 1] ^= 1;
  forged.feedBatch(bad);
  throwsCode(() => forged.finishBatch(leafHashes(bad.subarray(headerBytes))), "protocol");
  assert.equal(forged.exposures().length, 0);
});

/** A body as `fetch` gives it: a ReadableStream (here of n-byte chunks, not a byte stream). */
const chunks = (bytes, n) =>
  new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += n) c.enqueue(bytes.slice(i, i + n));
      c.close();
    },
  });

/** A visitor checked in at the vectors' venue, in a sync that is to read batch 1. */
const syncing = () => {
  const v = new WebVisitor(bundle, null, NOW);
  v.checkIn(url, NOW);
  v.beginSync(NOW + 300);
  v.applyBatchList(new TextEncoder().encode(JSON.stringify({ batches: [], latest: 1 })));
  return v;
};

test("the app's matchBatch (web/src/digest.js) hashes with crypto.subtle exactly the records it fed", async () => {
  const { matchBatch } = await import(join(root, "web", "src", "digest.js"));
  const body = unhex(exposure.batch.encoding);
  // The host path (from 0 bytes on) with the right length, a short one, and none; the
  // WebAssembly path (a threshold above the length).
  for (const [length, from, host] of [[body.length, 0, true], [10, 0, true], [NaN, 1 << 30, true], [body.length, 1 << 30, false]]) {
    const v = syncing();
    let hosted;
    const begin = v.beginBatch.bind(v);
    v.beginBatch = (h) => begin((hosted = h));
    const r = await matchBatch(v, chunks(body, 7), length, from);
    assert.equal(r.newExposures.length, 1, `length ${length}, from ${from}`);
    assert.equal(hosted, host, "the host hashed");
  }
  // A changed record is refused on the host path too.
  const bad = Uint8Array.from(body);
  bad[bad.length - 1] ^= 1;
  const v = syncing();
  await assert.rejects(matchBatch(v, chunks(bad, 7), bad.length, 0), (e) => e.code === "protocol");
  assert.equal(v.exposures().length, 0);
});

test("a batch over several leaves: the app's matchBatch (crypto.subtle leaves) and the module's own tree both find the exposure; a changed leaf is refused either way", async () => {
  const { matchBatch } = await import(join(root, "web", "src", "digest.js"));
  const total = 2 * 16384 + 1000;
  const { wire, headerLen } = grownBatch(total);
  assert.equal(leafHashes(wire.subarray(headerLen)).length, 3 * 32);
  // The host's leaves (from 0 bytes on) and the module's own tree (threshold out of reach).
  for (const from of [0, Infinity]) {
    const v = syncing();
    const r = await matchBatch(v, chunks(wire, 65_536), wire.length, from);
    assert.equal(r.records, total, `from ${from}`);
    assert.equal(r.newExposures.length, 1, `from ${from}`);
  }
  // A sealed byte changed in the middle leaf (order unchanged): refused by both.
  const bad = Uint8Array.from(wire);
  bad[headerLen + 40 * (16384 + 500) + 30] ^= 1;
  for (const from of [0, Infinity]) {
    const v = syncing();
    await assert.rejects(matchBatch(v, chunks(bad, 65_536), bad.length, from), (e) => e.code === "protocol");
    assert.equal(v.exposures().length, 0);
  }
});

test("revocation pages are verified and applied; a revoked poster is then refused", () => {
  const v = new WebVisitor(bundle, null, NOW);
  assert.equal(v.nextRevocationsPath(), "/v1/revocations?after=0");
  const r = v.applyRevocations(unhex(revocation.full.encoding));
  assert.deepEqual({ ...r }, { changed: true, more: false });
  assert.equal(v.nextRevocationsPath(), null);
  assert.equal(v.needsRevocations(), false);
  // Serial 7, the vectors' venue, is disabled by the authority in that list.
  throwsCode(() => v.scan(url, NOW + 10), "revoked");
  // A forged page changes nothing.
  const w = new WebVisitor(bundle, null, NOW);
  w.nextRevocationsPath();
  const forged = unhex(revocation.full.encoding);
  forged[forged.length - 1] ^= 1;
  throwsCode(() => w.applyRevocations(forged), "protocol");
  assert.equal(w.needsRevocations(), true);
  assert.ok(w.scan(url, NOW));
});

test("a share is sealed into a request carrying only the TAN's hash; typos are caught", () => {
  const v = new WebVisitor(bundle, null, NOW);
  const id = v.checkIn(url, NOW).entry.id;
  // Exactly one check character completes 15 Crockford characters; the others are typos.
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const valid = [...alphabet].filter((c) => {
    try {
      return parseTan(`7K2M9XR4TPQW3NB${c}`) === `7K2M9XR4TPQW3NB${c}`;
    } catch (e) {
      assert.equal(e.code, "tan_typo");
      return false;
    }
  });
  assert.equal(valid.length, 1);
  const tan = `7K2M9XR4TPQW3NB${valid[0]}`;
  const canonical = parseTan(displayTan(tan).toLowerCase());
  assert.equal(canonical, tan);
  const p = v.sharePreview(NOW - 1440, NOW + 1, NOW + 30);
  assert.equal(p.toSend.length, 1);
  throwsCode(() => v.sharePreview(NOW - 1440, NOW + 1, NOW + 30, [999]), "invalid_argument");
  const req = v.sealShare(tan, NOW - 1440, NOW + 1, NOW + 30);
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/v1/uploads");
  assert.equal(req.entries, 1);
  assert.match(req.headers["venuecode-tan-hash"], /^[0-9a-f]{64}$/);
  assert.equal(req.headers["content-type"], "application/octet-stream");
  assert.ok(!Buffer.from(req.body).includes(Buffer.from(tan)), "the TAN is sealed, not in clear");
  assert.deepEqual(v.pendingShareRequest().body, req.body);
  assert.equal(v.shareAccepted(), 1);
  assert.equal(v.entries()[0].shared, true);
  assert.equal(v.pendingShareRequest(), null);
  throwsCode(() => v.sealShare(tan, NOW - 1440, NOW + 1, NOW + 30, [id]), "nothing_selected");
});

test("httpError maps the server's error bodies to the library's codes", () => {
  const enc = (o) => new TextEncoder().encode(JSON.stringify(o));
  assert.equal(httpError(200, new Uint8Array()), null);
  assert.equal(httpError(409, enc({ error: "tan_used", message: "x" })).code, "tan_used");
  assert.equal(httpError(429, enc({ error: "rate_limited", message: "slow" })).code, "rate_limited");
  assert.equal(httpError(502, new TextEncoder().encode("<html>")).code, "server_error");
});
