// The diary at rest: the library's snapshot bytes (already padded to size buckets) sealed with
// AES-256-GCM under a non-extractable WebCrypto key. The key and the sealed snapshot are kept in
// IndexedDB; the key object can be used by this origin's pages but its bytes can never be read
// out (`extractable: false`). Nothing about visits goes anywhere else.
import { openDB } from "idb";

const DB = "venuecode";
const AAD = new TextEncoder().encode("venuecode/web/diary/v1");

let dbPromise;

function db() {
  dbPromise ??= openDB(DB, 1, {
    upgrade(d) {
      d.createObjectStore("keys");
      d.createObjectStore("diary");
    },
  });
  return dbPromise;
}

async function key() {
  const d = await db();
  const held = await d.get("keys", "diary");
  if (held) return held;
  const fresh = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  // Another tab may have made one meanwhile: keep whichever was stored first.
  const tx = d.transaction("keys", "readwrite");
  const again = await tx.store.get("diary");
  if (again) {
    await tx.done;
    return again;
  }
  await tx.store.put(fresh, "diary");
  await tx.done;
  return fresh;
}

/**
 * The last stored snapshot, decrypted, with its generation (which every save raises), or null
 * for a new diary: `{ bytes, gen }`.
 */
export async function loadSnapshot() {
  const d = await db();
  const sealed = await d.get("diary", "snapshot");
  if (!sealed) return null;
  const k = await key();
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.iv, additionalData: AAD },
    k,
    sealed.ciphertext,
  );
  return { bytes: new Uint8Array(plain), gen: sealed.gen ?? 0 };
}

/** Seals and stores a snapshot as generation `gen` (a fresh random nonce each time). */
export async function saveSnapshot(bytes, gen) {
  const k = await key();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, k, bytes),
  );
  const d = await db();
  await d.put("diary", { iv, ciphertext, gen }, "snapshot");
}

/**
 * Runs `fn` holding the diary lock that every tab of this origin shares (Web Locks), so that a
 * tab's load, change and save never interleave with another's. Not reentrant: `fn` must not
 * ask for it again.
 */
export function withDiaryLock(fn) {
  return navigator.locks ? navigator.locks.request("venuecode-diary", () => fn()) : fn();
}
