// The SHA-256 of an exposure batch's records by the browser's own code (crypto.subtle, native
// and with SHA instructions) instead of the WebAssembly build's portable one, which takes most
// of a large batch's match. crypto.subtle.digest is one-shot, so the record bytes are held
// until the end: for a batch of HOST_DIGEST_FROM bytes or more (by its Content-Length), up to
// HOST_DIGEST_UP_TO (the server's default batch limit), the app holds one copy of the records
// (38 MiB for 1,000,000 records; WebCrypto copies its input once more while hashing). Smaller
// batches, or a response without a length, are hashed in WebAssembly while they stream.
//
// The bytes hashed are exactly the bytes fed: each chunk goes to feedBatch, which returns where
// its records start, and that part is kept; finishBatch compares the digest with the signed one.
export const HOST_DIGEST_FROM = 4 * 1024 * 1024;
export const HOST_DIGEST_UP_TO = 64 * 1024 * 1024;

// Streams one batch body (a ReadableStream reader) into `v` (WebVisitor, after nextBatchPath)
// and finishes it: returns finishBatch's result. `length` is the response's Content-Length,
// or NaN when unknown; `from` the size from which the host hashes (tests lower it).
export async function matchBatch(v, reader, length, from = HOST_DIGEST_FROM) {
  const host = Number.isSafeInteger(length) && length >= from && length <= HOST_DIGEST_UP_TO
    && globalThis.crypto?.subtle !== undefined;
  v.beginBatch(host);
  if (!host) {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      v.feedBatch(value);
    }
    return v.finishBatch();
  }
  let held = new Uint8Array(length);
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const records = value.subarray(v.feedBatch(value));
    if (n + records.length > held.length) {
      // Longer than its Content-Length (a proxy's compression): grow.
      const grown = new Uint8Array(Math.max(2 * held.length, n + records.length));
      grown.set(held.subarray(0, n));
      held = grown;
    }
    held.set(records, n);
    n += records.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", held.subarray(0, n)));
  return v.finishBatch(digest);
}
