//! [`Storage`] in memory, for tests and demonstrations: nothing survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{
    check_checkpoint, BatchMeta, CountStatRow, ExposureStatRow, NewBatch, NewCheckpoint, NewTan,
    PendingRegistration, PurgeReport, ReviewState, RevocationEntry, Storage, StorageError,
    StorageResult, StoredHead, TanRecord, UploadMeta, UploadPurpose, VenueRecord, VenueStatRow,
};

#[derive(Default)]
struct Inner {
    nonces: HashMap<([u8; 8], [u8; 16]), u64>,
    next_serial: u64,
    venues: BTreeMap<u64, VenueRecord>,
    /// venue key → newest serial.
    venue_keys: HashMap<[u8; 32], u64>,
    /// venue identity → newest serial with it.
    identities: HashMap<[u8; 32], u64>,
    pending: BTreeMap<u64, PendingRegistration>,
    revocations: BTreeMap<u64, RevocationEntry>,
    head: StoredHead,
    batches: BTreeMap<u64, (BatchMeta, Vec<u8>)>,
    /// sequence → link of every accepted batch, kept after expiry.
    links: BTreeMap<u64, [u8; 32]>,
    /// Every batch id ever accepted.
    batch_ids: HashMap<[u8; 16], u64>,
    /// The newest checkpoint: (issued_at, sequence, bytes).
    checkpoint: Option<(u32, u64, Vec<u8>)>,
    exposure_days: BTreeMap<u32, (u64, u64)>,
    tans: HashMap<[u8; 32], TanRecord>,
    last_upload: u64,
    uploads: BTreeMap<u64, (UploadMeta, Vec<u8>)>,
    /// (venue key id, tag, receiving day) → pings.
    counts: BTreeMap<([u8; 8], [u8; 16], u32), u64>,
    /// (venue key id, tag) → (serial, epoch).
    count_tags: BTreeMap<([u8; 8], [u8; 16]), (u64, u32)>,
    /// (region, category) → (active, revoked) current certificates, kept at write time.
    venue_totals: BTreeMap<(u32, u8), (u64, u64)>,
    /// (region, category, epoch) → pings counted, kept at write time.
    count_totals: BTreeMap<(u32, u8, u32), u64>,
}

/// The whole store behind one mutex; every method is atomic because it holds the lock.
#[derive(Default)]
pub struct MemoryStorage {
    inner: Mutex<Inner>,
    stats_rows_read: AtomicU64,
}

impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage").finish_non_exhaustive()
    }
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read_rows(&self, n: usize) {
        self.stats_rows_read.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn lock(&self) -> StorageResult<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| StorageError::Backend("memory store poisoned".into()))
    }
}

/// At most `limit` entries of `map` after the key `after` (from the first without one), reading
/// only those.
fn page<K: Ord + Copy, V>(
    map: &BTreeMap<K, V>,
    after: Option<K>,
    limit: usize,
) -> impl Iterator<Item = (&K, &V)> {
    use std::ops::Bound;
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    map.range((lower, Bound::Unbounded)).take(limit)
}

/// Revocation reason byte of a certificate the RA disabled.
const DISABLED: u8 = venuecode_protocol::RevocationReason::DISABLED_BY_AUTHORITY.0;

/// The identity of `venue`, refused when an active venue other than `replacing` has it.
fn unique_identity(
    inner: &Inner,
    venue: &VenueRecord,
    replacing: Option<u64>,
) -> StorageResult<Option<[u8; 32]>> {
    let identity = super::venue_identity(&venue.certificate);
    if let Some(serial) = identity.and_then(|id| inner.identities.get(&id)) {
        let active = inner
            .venues
            .get(serial)
            .is_some_and(|v| v.revoked.is_none());
        if active && Some(*serial) != replacing {
            return Err(StorageError::DuplicateVenue);
        }
    }
    Ok(identity)
}

fn waiting(inner: &Inner, id: u64) -> StorageResult<()> {
    match inner.pending.get(&id).map(|p| p.state) {
        None => Err(StorageError::NotFound),
        Some(ReviewState::Waiting) => Ok(()),
        Some(_) => Err(StorageError::ReviewDecided),
    }
}

fn insert_new(inner: &mut Inner, venue: &VenueRecord) -> StorageResult<()> {
    if let Some(serial) = inner.venue_keys.get(&venue.venue_key) {
        let disabled = inner
            .venues
            .get(serial)
            .is_some_and(|v| matches!(v.revoked, Some((_, r)) if r == DISABLED));
        return Err(if disabled {
            StorageError::VenueKeyDisabled
        } else {
            StorageError::VenueKeyRegistered
        });
    }
    let identity = unique_identity(inner, venue, None)?;
    index_venue(inner, venue, identity);
    inner.venues.insert(venue.serial, venue.clone());
    if venue.superseded_by.is_none() {
        let revoked = i8::from(venue.revoked.is_some());
        tally_venue(inner, venue.region, venue.category, 1 - revoked, revoked);
    }
    Ok(())
}

/// Adds `active` and `revoked` (each −1, 0 or 1) to the totals of `(region, category)`; a row
/// that falls to zero is removed, so a statistics page reads only rows it returns.
fn tally_venue(inner: &mut Inner, region: u32, category: u8, active: i8, revoked: i8) {
    let e = inner.venue_totals.entry((region, category)).or_default();
    e.0 = e.0.saturating_add_signed(active.into());
    e.1 = e.1.saturating_add_signed(revoked.into());
    if *e == (0, 0) {
        inner.venue_totals.remove(&(region, category));
    }
}

fn index_venue(inner: &mut Inner, venue: &VenueRecord, identity: Option<[u8; 32]>) {
    let head = inner.venue_keys.entry(venue.venue_key).or_insert(0);
    *head = (*head).max(venue.serial);
    if let Some(id) = identity {
        inner.identities.insert(id, venue.serial);
    }
}

fn revoke(inner: &mut Inner, serial: u64, reason: u8, at: u32) -> StorageResult<u64> {
    let next = inner.revocations.len() as u64 + 1;
    let venue = inner
        .venues
        .get_mut(&serial)
        .ok_or(StorageError::NotFound)?;
    if venue.revoked.is_some() {
        return Err(StorageError::Revoked);
    }
    venue.revoked = Some((next, reason));
    let (region, category) = (venue.region, venue.category);
    tally_venue(inner, region, category, -1, 1);
    inner.revocations.insert(
        next,
        RevocationEntry {
            sequence: next,
            serial,
            revoked_at: at,
            reason,
        },
    );
    Ok(next)
}

impl Storage for MemoryStorage {
    fn record_nonce(
        &self,
        key_id: [u8; 8],
        nonce: [u8; 16],
        expires_at: u64,
    ) -> StorageResult<bool> {
        let mut inner = self.lock()?;
        if inner.nonces.contains_key(&(key_id, nonce)) {
            return Ok(false);
        }
        inner.nonces.insert((key_id, nonce), expires_at);
        Ok(true)
    }

    fn allocate_serial(&self) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        inner.next_serial += 1;
        Ok(inner.next_serial)
    }

    fn insert_venue(&self, venue: &VenueRecord) -> StorageResult<()> {
        insert_new(&mut *self.lock()?, venue)
    }

    fn add_pending(&self, request: &[u8], received_at: u64) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        let id = inner.pending.keys().next_back().map_or(1, |last| last + 1);
        inner.pending.insert(
            id,
            PendingRegistration {
                id,
                request: request.to_vec(),
                received_at,
                state: ReviewState::Waiting,
            },
        );
        Ok(id)
    }

    fn pending(&self, id: u64) -> StorageResult<Option<PendingRegistration>> {
        Ok(self.lock()?.pending.get(&id).cloned())
    }

    fn pending_waiting(&self) -> StorageResult<Vec<PendingRegistration>> {
        Ok(self
            .lock()?
            .pending
            .values()
            .filter(|p| p.state == ReviewState::Waiting)
            .cloned()
            .collect())
    }

    fn approve_pending(&self, id: u64, venue: &VenueRecord) -> StorageResult<()> {
        let mut inner = self.lock()?;
        waiting(&inner, id)?;
        insert_new(&mut inner, venue)?;
        if let Some(p) = inner.pending.get_mut(&id) {
            p.state = ReviewState::Approved(venue.serial);
        }
        Ok(())
    }

    fn refuse_pending(&self, id: u64) -> StorageResult<()> {
        let mut inner = self.lock()?;
        waiting(&inner, id)?;
        if let Some(p) = inner.pending.get_mut(&id) {
            p.state = ReviewState::Refused;
        }
        Ok(())
    }

    fn venue(&self, serial: u64) -> StorageResult<Option<VenueRecord>> {
        Ok(self.lock()?.venues.get(&serial).cloned())
    }

    fn current_venues_page(&self, after: u64, limit: usize) -> StorageResult<Vec<VenueRecord>> {
        Ok(self
            .lock()?
            .venues
            .range(after.saturating_add(1)..)
            .map(|(_, v)| v)
            .filter(|v| v.superseded_by.is_none())
            .take(limit)
            .cloned()
            .collect())
    }

    fn newest_venue(&self, venue_key: &[u8; 32]) -> StorageResult<Option<VenueRecord>> {
        let inner = self.lock()?;
        Ok(inner
            .venue_keys
            .get(venue_key)
            .and_then(|serial| inner.venues.get(serial))
            .cloned())
    }

    fn supersede_venue(
        &self,
        old: u64,
        new: &VenueRecord,
        reason: u8,
        at: u32,
    ) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        let identity = unique_identity(&inner, new, Some(old))?;
        let seq = revoke(&mut inner, old, reason, at)?;
        let mut replaced = None;
        if let Some(v) = inner.venues.get_mut(&old) {
            v.superseded_by = Some(new.serial);
            replaced = Some((v.region, v.category));
        }
        if let Some((region, category)) = replaced {
            tally_venue(&mut inner, region, category, 0, -1);
        }
        index_venue(&mut inner, new, identity);
        inner.venues.insert(new.serial, new.clone());
        if new.superseded_by.is_none() {
            let revoked = i8::from(new.revoked.is_some());
            tally_venue(&mut inner, new.region, new.category, 1 - revoked, revoked);
        }
        Ok(seq)
    }

    fn revoke_venue(&self, serial: u64, reason: u8, at: u32) -> StorageResult<u64> {
        revoke(&mut *self.lock()?, serial, reason, at)
    }

    fn revocation_page(
        &self,
        after: u64,
        limit: usize,
    ) -> StorageResult<(Vec<RevocationEntry>, u64)> {
        let inner = self.lock()?;
        let latest = inner.revocations.len() as u64;
        let entries = inner
            .revocations
            .range(after.saturating_add(1)..)
            .take(limit)
            .map(|(_, e)| *e)
            .collect();
        Ok((entries, latest))
    }

    fn revoke_many(&self, serials: &[u64], reason: u8, at: u32) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        // Check every serial first, so that a refusal changes nothing; a repeated serial would
        // be revoked twice.
        let mut seen = std::collections::HashSet::new();
        for s in serials {
            if !seen.insert(*s) {
                return Err(StorageError::Revoked);
            }
            match inner.venues.get(s) {
                None => return Err(StorageError::NotFound),
                Some(v) if v.revoked.is_some() => return Err(StorageError::Revoked),
                Some(_) => {}
            }
        }
        let mut last = 0;
        for s in serials {
            last = revoke(&mut inner, *s, reason, at)?;
        }
        Ok(last)
    }

    fn insert_batch(&self, b: &NewBatch<'_>) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        if inner.batch_ids.contains_key(&b.batch_id) {
            return Err(StorageError::DuplicateBatch);
        }
        if Some(b.sequence) != inner.head.sequence.checked_add(1) || b.previous != inner.head.link {
            return Err(StorageError::ChainMismatch);
        }
        inner.batch_ids.insert(b.batch_id, b.sequence);
        inner.links.insert(b.sequence, b.link);
        inner.head = StoredHead {
            sequence: b.sequence,
            link: b.link,
        };
        let meta = BatchMeta {
            sequence: b.sequence,
            digest: b.digest,
            size: b.bytes.len() as u64,
            records: b.records,
            received_at: b.received_at,
        };
        inner.batches.insert(b.sequence, (meta, b.bytes.to_vec()));
        let day = u32::try_from(b.received_at / 86_400).unwrap_or(u32::MAX);
        let e = inner.exposure_days.entry(day).or_default();
        e.0 += 1;
        e.1 += u64::from(b.records);
        Ok(b.sequence)
    }

    fn chain_head(&self) -> StorageResult<StoredHead> {
        Ok(self.lock()?.head)
    }

    fn batches_after(&self, after: u64, limit: usize) -> StorageResult<(Vec<BatchMeta>, u64)> {
        let inner = self.lock()?;
        let list = inner
            .batches
            .range(after.saturating_add(1)..)
            .take(limit)
            .map(|(_, (m, _))| *m)
            .collect();
        Ok((list, inner.head.sequence))
    }

    fn batch(&self, sequence: u64) -> StorageResult<Option<(BatchMeta, Vec<u8>)>> {
        Ok(self.lock()?.batches.get(&sequence).cloned())
    }

    fn put_checkpoint(&self, cp: &NewCheckpoint<'_>) -> StorageResult<()> {
        let mut inner = self.lock()?;
        let stored = inner.checkpoint.as_ref().map(|(i, s, _)| (*i, *s));
        check_checkpoint(cp, stored, inner.head, |seq| {
            Ok(inner.links.get(&seq).copied())
        })?;
        inner.checkpoint = Some((cp.issued_at, cp.sequence, cp.bytes.to_vec()));
        Ok(())
    }

    fn checkpoint(&self) -> StorageResult<Option<Vec<u8>>> {
        Ok(self.lock()?.checkpoint.as_ref().map(|(_, _, b)| b.clone()))
    }

    fn register_tans(&self, tans: &[NewTan], registered_at: u64) -> StorageResult<usize> {
        let mut inner = self.lock()?;
        let mut new = 0;
        for t in tans {
            inner.tans.entry(t.hash).or_insert_with(|| {
                new += 1;
                TanRecord {
                    expires_at: t.expires_at,
                    purpose: t.purpose,
                    registered_at,
                    used: false,
                    cancelled: false,
                }
            });
        }
        Ok(new)
    }

    fn tan(&self, hash: &[u8; 32]) -> StorageResult<Option<TanRecord>> {
        Ok(self.lock()?.tans.get(hash).copied())
    }

    fn cancel_tan(&self, hash: &[u8; 32]) -> StorageResult<()> {
        let mut inner = self.lock()?;
        let tan = inner.tans.get_mut(hash).ok_or(StorageError::TanUnknown)?;
        if tan.used {
            return Err(StorageError::TanUsed);
        }
        if tan.cancelled {
            return Err(StorageError::TanCancelled);
        }
        tan.cancelled = true;
        Ok(())
    }

    fn consume_tan(&self, hash: &[u8; 32], now: u64, bytes: &[u8]) -> StorageResult<u64> {
        let mut inner = self.lock()?;
        let tan = inner.tans.get_mut(hash).ok_or(StorageError::TanUnknown)?;
        if tan.used {
            return Err(StorageError::TanUsed);
        }
        if tan.cancelled {
            return Err(StorageError::TanCancelled);
        }
        if now >= tan.expires_at {
            return Err(StorageError::TanExpired);
        }
        tan.used = true;
        let purpose: UploadPurpose = tan.purpose;
        inner.last_upload += 1;
        let id = inner.last_upload;
        let meta = UploadMeta {
            id,
            purpose,
            received_at: now,
            size: bytes.len() as u64,
        };
        inner.uploads.insert(id, (meta, bytes.to_vec()));
        Ok(id)
    }

    fn uploads(&self) -> StorageResult<Vec<UploadMeta>> {
        Ok(self.lock()?.uploads.values().map(|(m, _)| *m).collect())
    }

    fn upload(&self, id: u64) -> StorageResult<Option<(UploadMeta, Vec<u8>)>> {
        Ok(self.lock()?.uploads.get(&id).cloned())
    }

    fn delete_upload(&self, id: u64) -> StorageResult<bool> {
        Ok(self.lock()?.uploads.remove(&id).is_some())
    }

    fn add_count(&self, day: u32, key_id: [u8; 8], tag: [u8; 16]) -> StorageResult<bool> {
        let mut inner = self.lock()?;
        let Some(&(serial, epoch)) = inner.count_tags.get(&(key_id, tag)) else {
            return Ok(false);
        };
        let n = inner.counts.entry((key_id, tag, day)).or_default();
        *n = n.saturating_add(1);
        if let Some((region, category)) = inner.venues.get(&serial).map(|v| (v.region, v.category))
        {
            let t = inner
                .count_totals
                .entry((region, category, epoch))
                .or_default();
            *t = t.saturating_add(1);
        }
        Ok(true)
    }

    fn counts(
        &self,
        key_id: [u8; 8],
        tag: [u8; 16],
        from: u32,
        to: u32,
    ) -> StorageResult<Vec<(u32, u64)>> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(self
            .lock()?
            .counts
            .range((key_id, tag, from)..=(key_id, tag, to))
            .map(|((_, _, day), n)| (*day, *n))
            .collect())
    }

    fn register_count_tags(
        &self,
        key_id: [u8; 8],
        serial: u64,
        tags: &[(u32, [u8; 16])],
    ) -> StorageResult<usize> {
        let mut inner = self.lock()?;
        let place = inner.venues.get(&serial).map(|v| (v.region, v.category));
        let mut new = 0;
        for (epoch, tag) in tags {
            let mut added = false;
            inner.count_tags.entry((key_id, *tag)).or_insert_with(|| {
                added = true;
                (serial, *epoch)
            });
            if added {
                new += 1;
                if let Some((region, category)) = place {
                    inner
                        .count_totals
                        .entry((region, category, *epoch))
                        .or_default();
                }
            }
        }
        Ok(new)
    }

    fn venue_stats_page(
        &self,
        after: Option<(u32, u8)>,
        limit: usize,
    ) -> StorageResult<Vec<VenueStatRow>> {
        let inner = self.lock()?;
        let rows: Vec<_> = page(&inner.venue_totals, after, limit)
            .map(|((region, category), (active, revoked))| VenueStatRow {
                region: *region,
                category: *category,
                active: *active,
                revoked: *revoked,
            })
            .collect();
        self.read_rows(rows.len());
        Ok(rows)
    }

    fn exposure_stats_page(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> StorageResult<Vec<ExposureStatRow>> {
        let inner = self.lock()?;
        let rows: Vec<_> = page(&inner.exposure_days, after, limit)
            .map(|(day, (batches, records))| ExposureStatRow {
                day: *day,
                batches: *batches,
                records: *records,
            })
            .collect();
        self.read_rows(rows.len());
        Ok(rows)
    }

    fn count_stats_page(
        &self,
        after: Option<(u32, u8, u32)>,
        limit: usize,
    ) -> StorageResult<Vec<CountStatRow>> {
        let inner = self.lock()?;
        let rows: Vec<_> = page(&inner.count_totals, after, limit)
            .map(|((region, category, epoch), count)| CountStatRow {
                region: *region,
                category: *category,
                epoch: *epoch,
                count: *count,
            })
            .collect();
        self.read_rows(rows.len());
        Ok(rows)
    }

    fn stats_rows_read(&self) -> u64 {
        self.stats_rows_read.load(Ordering::Relaxed)
    }

    fn purge(
        &self,
        cutoff: u64,
        batch_cutoff: u64,
        cutoff_day: u32,
        now: u64,
    ) -> StorageResult<PurgeReport> {
        let mut inner = self.lock()?;
        let mut r = PurgeReport::default();
        let before = inner.batches.len();
        inner
            .batches
            .retain(|_, (m, _)| m.received_at >= batch_cutoff);
        r.batches = (before - inner.batches.len()) as u64;
        let before = inner.uploads.len();
        inner.uploads.retain(|_, (m, _)| m.received_at >= cutoff);
        r.uploads = (before - inner.uploads.len()) as u64;
        let before = inner.tans.len();
        inner.tans.retain(|_, t| t.registered_at >= cutoff);
        r.tans = (before - inner.tans.len()) as u64;
        let before = inner.counts.len() + inner.count_tags.len();
        inner.counts.retain(|(_, _, day), _| *day >= cutoff_day);
        inner
            .count_tags
            .retain(|_, (_, epoch)| *epoch >= cutoff_day);
        r.counts = (before - inner.counts.len() - inner.count_tags.len()) as u64;
        inner
            .count_totals
            .retain(|(_, _, epoch), _| *epoch >= cutoff_day);
        let before = inner.nonces.len();
        inner.nonces.retain(|_, expires| *expires > now);
        r.nonces = (before - inner.nonces.len()) as u64;
        Ok(r)
    }
}
