// Streams an exposure batch's body into the WebAssembly matcher.
//
// Reading: with a BYOB reader (`getReader({ mode: "byob" })`, a fetch body is a byte stream) the
// network's bytes land directly in one large buffer of the app's, and the matcher is fed slices
// of FEED_BYTES instead of one call per network chunk (tens of KiB each): fewer calls into
// WebAssembly, each copying its slice into the module's memory, and no copy of the records in
// JavaScript. A read that brings more (a body already in memory comes in one) is still fed
// FEED_BYTES at a time: one slice of the whole batch made the module's memory grow by the batch
// for good and took longer to match than the same bytes a slice at a time. A stream that is not a byte stream is read with the default reader.
//
// Digest: the SHA-256 of the records by the browser's own code (crypto.subtle, native and with
// SHA instructions) instead of the WebAssembly build's portable one, which takes most of a large
// batch's match. crypto.subtle.digest is one-shot, so the bytes are held until the end: for a
// batch of HOST_DIGEST_FROM bytes or more (by its Content-Length), up to HOST_DIGEST_UP_TO (the
// server's default batch limit), the app holds the body once (38 MiB for 1,000,000 records;
// WebCrypto copies the records once more while hashing). Smaller batches, or a response without
// a length, are hashed in WebAssembly while they stream, through a buffer of FEED_BYTES.
//
// The bytes hashed are exactly the bytes fed: each slice goes to feedBatch, which returns where
// its records start; the digest covers the body from there, and finishBatch compares it with the
// signed one.
export const HOST_DIGEST_FROM = 4 * 1024 * 1024;
export const HOST_DIGEST_UP_TO = 64 * 1024 * 1024;
/** The matcher is fed slices of this many bytes (the last one of a body may be shorter). */
export const FEED_BYTES = 1024 * 1024;

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

// Streams one batch body (a ReadableStream, e.g. `response.body`) into `v` (WebVisitor, after
// nextBatchPath) and finishes it: returns finishBatch's result. `length` is the response's
// Content-Length, or NaN when unknown; `from` the size from which the host hashes (tests lower
// it).
export async function matchBatch(v, body, length, from = HOST_DIGEST_FROM) {
  const host = Number.isSafeInteger(length) && length >= from && length <= HOST_DIGEST_UP_TO
    && globalThis.crypto?.subtle !== undefined;
  v.beginBatch(host);
  const read = filler(body);
  if (!host) {
    // A buffer of FEED_BYTES, fed to the matcher each time it is full, and at the end.
    let buf = new ArrayBuffer(FEED_BYTES);
    let n = 0;
    for (;;) {
      const { value, done } = await read(new Uint8Array(buf, n));
      buf = value.buffer;
      n += value.length;
      if (n > 0 && (done || n === buf.byteLength)) {
        v.feedBatch(new Uint8Array(buf, 0, n));
        n = 0;
      }
      if (done) return v.finishBatch();
    }
  }
  // The whole body in one buffer (one byte more than its length, so that the read that finds
  // the end has room), fed to the matcher FEED_BYTES at a time as it fills.
  let buf = new ArrayBuffer(length + 1);
  let n = 0;
  let fed = 0;
  let records = -1;
  for (;;) {
    if (n === buf.byteLength) {
      // Longer than its Content-Length (a proxy's compression): grow.
      const grown = new ArrayBuffer(2 * buf.byteLength);
      new Uint8Array(grown).set(new Uint8Array(buf));
      buf = grown;
    }
    const { value, done } = await read(new Uint8Array(buf, n));
    buf = value.buffer;
    n += value.length;
    // At most FEED_BYTES a slice, even when one read brought more.
    while (n > fed && (done || n - fed >= FEED_BYTES)) {
      const slice = new Uint8Array(buf, fed, Math.min(n - fed, FEED_BYTES));
      const at = v.feedBatch(slice);
      if (records < 0 && at < slice.length) records = fed + at;
      fed += slice.length;
    }
    if (done) break;
  }
  // A body that is all header (no records): the digest of nothing.
  const start = records < 0 ? n : records;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(buf, start, n - start)));
  return v.finishBatch(digest);
}
