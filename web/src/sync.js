// Sync against the serving origin, sans-I/O: the library names each path, this fetches it and
// hands over the bytes; batches are streamed chunk by chunk into the library's matcher.
import { httpError } from "../pkg/venuecode_wasm.js";
import { matchBatch } from "./digest.js";

async function get(path) {
  const resp = await fetch(path, { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
  const body = new Uint8Array(await resp.arrayBuffer());
  if (!resp.ok) throw httpError(resp.status, body);
  return body;
}

/** Applies a newer trust bundle if the server offers one (404: none). */
export async function syncTrust(v) {
  const resp = await fetch(v.trustBundlePath(), { cache: "no-store", credentials: "omit" });
  if (resp.status === 404) return "unchanged";
  const body = new Uint8Array(await resp.arrayBuffer());
  if (!resp.ok) throw httpError(resp.status, body);
  return v.applyTrustBundle(body);
}

/** Applies every revocation page the server has. */
export async function syncRevocations(v) {
  try {
    let path;
    while ((path = v.nextRevocationsPath()) != null) {
      v.applyRevocations(await get(path));
    }
  } catch (e) {
    v.endRevocations();
    throw e;
  }
}

/**
 * The whole sync: trust bundle, revocations, then the batch chain. `save` stores the snapshot
 * (after each batch), `progress({ done, total, records })` reports each batch.
 * Returns `{ chainStatus, newExposures }`.
 */
export async function syncAll(v, now, save, progress) {
  await syncTrust(v);
  await syncRevocations(v);
  await save();
  v.beginSync(now);
  const found = [];
  let ended = false;
  try {
    v.applyCheckpoint(await get(v.checkpointPath()));
    v.applyBatchList(await get(v.batchListPath()));
    const paths = [];
    let done = 0;
    let path;
    while ((path = v.nextBatchPath()) != null) {
      paths.push(path);
      const resp = await fetch(path, { credentials: "omit" });
      if (!resp.ok) {
        throw httpError(resp.status, new Uint8Array(await resp.arrayBuffer()));
      }
      const length = Number(resp.headers.get("content-length") ?? NaN);
      const r = await matchBatch(v, resp.body, length);
      found.push(...r.newExposures);
      done += 1;
      await save();
      progress({ done, total: Math.max(done, r.latest - r.sequence + done), records: r.records });
    }
    const end = v.endSync(now);
    ended = true;
    found.push(...end.newExposures);
    await save();
    // A batch's new exposures may be listed again at the end: count each once.
    const unique = [...new Map(found.map((x) => [x.id, x])).values()];
    return { chainStatus: end.chainStatus, newExposures: unique };
  } finally {
    if (!ended) {
      try {
        v.endSync(now);
        await save();
      } catch {
        // The sync already failed; its error is the one to show.
      }
    }
  }
}
