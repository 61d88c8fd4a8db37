// Streams an exposure batch's body into the WebAssembly matcher.
//
// Reading: with a BYOB reader (`getReader({ mode: "byob" })`, a fetch body is a byte stream) the
// network's bytes land directly in a buffer of FEED_BYTES of the app's, and the matcher is fed
// that buffer each time it is full instead of once per network chunk (tens of KiB each): fewer
// calls into WebAssembly, each copying its slice into the module's memory. A body that comes in
// one piece (one already in memory) is still fed FEED_BYTES at a time: one slice of the whole
// batch made the module's memory grow by the batch for good and took longer to match than the
// same bytes a slice at a time. A stream that is not a byte stream is read with the default
// reader, into the same buffer.
//
// Digest: the records digest a batch header signs is a Merkle tree over runs of LEAF_BYTES of
// records (SPEC §12.2, RFC 9162's tree hash). The browser's own SHA-256 (crypto.subtle, native
// code with SHA instructions, answering with a promise) hashes each run, SHA-256(0x00 || run),
// as soon as it is complete, while the rest of the body still downloads; finishBatch builds the
// tree over those leaf hashes and compares its root with the signed digest. crypto.subtle.digest
// hashes one buffer per call, never a stream, which is why the leaves exist: with one digest over
// all the records the hashing could only start once the last byte had arrived. Without crypto.subtle
// (a page not in a secure context), or for a batch of one leaf or less (under HOST_DIGEST_FROM
// bytes by its Content-Length: one digest either way, of at most 640 KiB), the records are
// hashed in WebAssembly as they stream.
//
// Memory: the body is read into one buffer of FEED_BYTES, reused, and a run is copied into a
// leaf buffer (its first byte the 0x00 prefix) that crypto.subtle.digest copies in turn before
// it returns (WebCrypto's digest takes "a copy of the bytes held by the data parameter" in its
// synchronous steps), so the leaf buffer is reused at once: a batch of any size takes
// FEED_BYTES + LEAF_BYTES here, and 32 bytes per leaf.
//
// The bytes hashed are exactly the bytes fed: each slice goes to feedBatch, which returns where
// its records start; the leaves cover the body from there.
/** The matcher is fed slices of this many bytes (the last one of a body may be shorter). */
export const FEED_BYTES = 1024 * 1024;
/**
 * Bytes of a full leaf of the records tree: 16,384 records of 40 bytes (the protocol's
 * RECORDS_PER_LEAF; the WebAssembly module's `leafBytes()`, which the tests compare).
 */
export const LEAF_BYTES = 16384 * 40;
/** A body of this many bytes or more (by its Content-Length) is hashed by the host. */
export const HOST_DIGEST_FROM = LEAF_BYTES;

/**
 * A reader of `body` (a ReadableStream) that fills the views it is given:
 * `read(view) -> Promise<{ value: Uint8Array, done }>`: `value` is the bytes read at the start
 * of `view`'s range (at least one unless `done`), in the buffer the caller must use from then on
 * (a BYOB read transfers `view`'s buffer, even the one that finds the end). `view` must not be
 * empty.
 */
function filler(body) {
  let byob = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: copy from the default reader's chunks.
  }
  if (byob) {
    return async (view) => {
      const { value, done } = await byob.read(view);
      // A cancelled stream gives its buffer back no more.
      if (value === undefined) throw new TypeError("the batch body was cancelled");
      return { value, done };
    };
  }
  const reader = body.getReader();
  let rest = null;
  return async (view) => {
    while (!rest || rest.length === 0) {
      const { value, done } = await reader.read();
      if (done) return { value: view.subarray(0, 0), done: true };
      rest = value;
    }
    const n = Math.min(view.length, rest.length);
    view.set(rest.subarray(0, n));
    rest = rest.subarray(n);
    return { value: view.subarray(0, n), done: false };
  };
}

/** Leaf hashes by crypto.subtle, each started as soon as its run of records is complete. */
class LeafHasher {
  constructor() {
    // The leaf prefix 0x00, then up to LEAF_BYTES of records.
    this.buf = new Uint8Array(1 + LEAF_BYTES);
    this.n = 0;
    this.pending = [];
  }

  /** Takes the next record bytes. */
  add(bytes) {
    while (bytes.length > 0) {
      const take = Math.min(bytes.length, LEAF_BYTES - this.n);
      this.buf.set(bytes.subarray(0, take), 1 + this.n);
      this.n += take;
      bytes = bytes.subarray(take);
      if (this.n === LEAF_BYTES) this.#hash();
    }
  }

  #hash() {
    // digest copies the bytes before it returns: the buffer can take the next run at once.
    this.pending.push(crypto.subtle.digest("SHA-256", this.buf.subarray(0, 1 + this.n)));
    this.n = 0;
  }

  /** The leaf hashes, 32 bytes each, in order (none for no records). */
  async finish() {
    if (this.n > 0) this.#hash();
    const hashes = await Promise.all(this.pending);
    const out = new Uint8Array(32 * hashes.length);
    hashes.forEach((h, i) => out.set(new Uint8Array(h), 32 * i));
    return out;
  }
}

// Streams one batch body (a ReadableStream, e.g. `response.body`) into `v` (WebVisitor, after
// nextBatchPath) and finishes it: returns finishBatch's result. `length` is the response's
// Content-Length, or NaN when unknown; `from` the size from which the host hashes (tests lower
// it).
export async function matchBatch(v, body, length, from = HOST_DIGEST_FROM) {
  const host = globalThis.crypto?.subtle !== undefined
    && (!Number.isSafeInteger(length) || length >= from);
  v.beginBatch(host);
  const leaves = host ? new LeafHasher() : null;
  const read = filler(body);
  // A buffer of FEED_BYTES, fed to the matcher each time it is full, and at the end.
  let buf = new ArrayBuffer(FEED_BYTES);
  let n = 0;
  for (;;) {
    const { value, done } = await read(new Uint8Array(buf, n));
    buf = value.buffer;
    n += value.length;
    if (n > 0 && (done || n === buf.byteLength)) {
      const slice = new Uint8Array(buf, 0, n);
      const at = v.feedBatch(slice);
      leaves?.add(slice.subarray(at));
      n = 0;
    }
    if (done) break;
  }
  return v.finishBatch(leaves ? await leaves.finish() : undefined);
}
