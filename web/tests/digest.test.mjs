// web/src/digest.js's matchBatch in node, against a stand-in for the WebAssembly visitor that
// keeps what it is fed: every byte of the body reaches the matcher once and in order, in few
// large slices of at most FEED_BYTES, and the host's leaf hashes cover exactly the records, in
// runs of LEAF_BYTES, whether the body is a byte stream (read with a BYOB reader) or not, in
// small network chunks, longer than its Content-Length, without one, or with a header longer
// than a slice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { matchBatch, FEED_BYTES, LEAF_BYTES, HOST_DIGEST_FROM } from "../src/digest.js";
import { leafHashes, LEAF } from "../../crates/wasm/tests/batches.mjs";

/** A visitor that records the batch calls; its header is the body's first `header` bytes. */
function visitor(header) {
  const v = {
    host: null,
    slices: [],
    leaves: undefined,
    beginBatch(host) {
      v.host = host;
    },
    feedBatch(chunk) {
      const before = v.slices.reduce((n, s) => n + s.length, 0);
      // A copy, as wasm-bindgen copies the slice into the module's memory.
      v.slices.push(Uint8Array.from(chunk));
      return Math.min(Math.max(header - before, 0), chunk.length);
    },
    finishBatch(leaves) {
      v.leaves = leaves;
      return { fed: Buffer.concat(v.slices) };
    },
  };
  return v;
}

function body(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 9)) & 0xff;
  return b;
}

/**
 * `bytes` as a stream of `chunk`-byte pieces: a byte stream (`bytes`) or a default one. Its
 * `modes` lists the reader modes it was asked for.
 */
function stream(bytes, chunk, type) {
  let at = 0;
  const s = new ReadableStream({
    type,
    pull(c) {
      if (at >= bytes.length) {
        c.close();
        // A BYOB read waiting on the close must be answered.
        c.byobRequest?.respond(0);
        return;
      }
      const piece = bytes.slice(at, at + chunk);
      at += piece.length;
      c.enqueue(piece);
    },
  });
  s.modes = [];
  const getReader = s.getReader.bind(s);
  s.getReader = (options) => {
    const r = getReader(options);
    s.modes.push(options?.mode ?? "default");
    return r;
  };
  return s;
}

for (const type of ["bytes", undefined]) {
  const kind = type ? "a byte stream (BYOB)" : "a default stream";

  test(`host digest over ${kind}: every byte fed once in slices of at least FEED_BYTES, a leaf hash per run of records`, async () => {
    const bytes = body(3 * FEED_BYTES + 12345);
    const header = 300;
    const v = visitor(header);
    const s = stream(bytes, 16 * 1024, type);
    const r = await matchBatch(v, s, bytes.length, 1024);
    assert.deepEqual(s.modes, [type ? "byob" : "default"]);
    assert.equal(v.host, true);
    assert.deepEqual(r.fed, Buffer.from(bytes));
    assert.deepEqual(v.leaves, leafHashes(bytes.subarray(header)));
    assert.equal(v.leaves.length, 32 * Math.ceil((bytes.length - header) / LEAF_BYTES));
    assert.equal(v.slices.length, 4, "16 KiB network chunks fed as 3 full slices and the rest");
    for (const s of v.slices.slice(0, -1)) assert.ok(s.length >= FEED_BYTES);
  });

  test(`host digest over ${kind}: a body longer than its Content-Length, header longer than a slice`, async () => {
    const bytes = body(2 * FEED_BYTES + 999);
    const header = FEED_BYTES + 77;
    const v = visitor(header);
    const r = await matchBatch(v, stream(bytes, 64 * 1024, type), FEED_BYTES, 1024);
    assert.equal(v.host, true);
    assert.deepEqual(r.fed, Buffer.from(bytes));
    assert.deepEqual(v.leaves, leafHashes(bytes.subarray(header)));
  });

  test(`host digest over ${kind} read all at once: fed in slices of FEED_BYTES, not in one`, async () => {
    // The whole body in one chunk, as a body already in memory (or one that queued while the
    // page was busy) comes: the module's memory grows by a slice, not by the batch.
    const bytes = body(3 * FEED_BYTES + 4321);
    const header = 300;
    const v = visitor(header);
    const r = await matchBatch(v, stream(bytes, bytes.length, type), bytes.length, 1024);
    assert.equal(v.host, true);
    assert.deepEqual(r.fed, Buffer.from(bytes));
    assert.deepEqual(v.leaves, leafHashes(bytes.subarray(header)));
    assert.deepEqual(v.slices.map((s) => s.length), [FEED_BYTES, FEED_BYTES, FEED_BYTES, 4321]);
  });

  test(`records that end on a leaf boundary over ${kind}: no empty last leaf`, async () => {
    const header = 123;
    const bytes = body(header + 2 * LEAF_BYTES);
    const v = visitor(header);
    await matchBatch(v, stream(bytes, 40_000, type), bytes.length);
    assert.equal(v.host, true);
    assert.equal(v.leaves.length, 64);
    assert.deepEqual(v.leaves, leafHashes(bytes.subarray(header)));
  });

  test(`a batch of one leaf or less over ${kind}: hashed in WebAssembly, fed in slices of at most FEED_BYTES`, async () => {
    const bytes = body(HOST_DIGEST_FROM - 1);
    const v = visitor(100);
    const r = await matchBatch(v, stream(bytes, 50_000, type), bytes.length);
    assert.equal(v.host, false);
    assert.equal(v.leaves, undefined);
    assert.deepEqual(r.fed, Buffer.from(bytes));
    assert.deepEqual(v.slices.map((s) => s.length), [bytes.length]);
    // Fed FEED_BYTES at a time when longer (here with the host threshold raised).
    const big = body(2 * FEED_BYTES + 5);
    const w = visitor(100);
    await matchBatch(w, stream(big, 50_000, type), big.length, Infinity);
    assert.equal(w.host, false);
    assert.deepEqual(w.slices.map((s) => s.length), [FEED_BYTES, FEED_BYTES, 5]);
  });
}

test("a response without a length is hashed by the host, as a large one may be", async () => {
  const bytes = body(10_000);
  const v = visitor(10);
  const r = await matchBatch(v, stream(bytes, 1000, "bytes"), NaN);
  assert.equal(v.host, true);
  assert.deepEqual(r.fed, Buffer.from(bytes));
  assert.deepEqual(v.leaves, leafHashes(bytes.subarray(10)));
});

test("a body that is all header hashes no leaf", async () => {
  const bytes = body(500);
  const v = visitor(500);
  await matchBatch(v, stream(bytes, 100, "bytes"), NaN);
  assert.equal(v.host, true);
  assert.equal(v.leaves.length, 0);
});

test("the tests' leaves are cut where the app cuts them", () => {
  assert.equal(LEAF, LEAF_BYTES);
});

test("a page without crypto.subtle (not a secure context) hashes in WebAssembly, whatever the size", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value: {}, configurable: true, enumerable: true });
  try {
    for (const length of [3 * LEAF_BYTES, NaN]) {
      const bytes = body(3 * LEAF_BYTES);
      const v = visitor(100);
      const r = await matchBatch(v, stream(bytes, 65_536, "bytes"), length);
      assert.equal(v.host, false, `length ${length}`);
      assert.equal(v.leaves, undefined);
      assert.deepEqual(r.fed, Buffer.from(bytes));
    }
  } finally {
    Object.defineProperty(globalThis, "crypto", saved);
  }
});
