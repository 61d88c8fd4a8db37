//! [`Storage`] on redb, with every write transaction committed with `Durability::Immediate`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use redb::{Database, Durability, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::{
    check_checkpoint, BatchMeta, CountStatRow, ExposureStatRow, NewBatch, NewCheckpoint, NewTan,
    PendingRegistration, PurgeReport, ReviewState, RevocationEntry, Storage, StorageError,
    StorageResult, StoredHead, TanRecord, UploadMeta, UploadPurpose, VenueRecord, VenueStatRow,
};

/// Counters: next serial, last revocation sequence, the chain head's sequence, last upload id.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// key id || nonce → expiry (Unix seconds).
const NONCES: TableDefinition<[u8; 24], u64> = TableDefinition::new("nonces");
/// serial → certificate bytes.
const VENUES: TableDefinition<u64, &[u8]> = TableDefinition::new("venues");
/// serial → (venue key, region, category, issued_at, revocation sequence or 0, reason,
/// superseded_by or 0).
type VenueState = ([u8; 32], u32, u8, u64, u64, u8, u64);
const VENUE_STATE: TableDefinition<u64, VenueState> = TableDefinition::new("venue_state");
/// venue key → newest serial issued for it (the head of its update chain).
const VENUE_KEYS: TableDefinition<[u8; 32], u64> = TableDefinition::new("venue_keys");
/// venue identity (`venue_identity`) → newest serial with it.
const VENUE_IDENTITIES: TableDefinition<[u8; 32], u64> = TableDefinition::new("venue_identities");
/// registration held for review: id → (received_at, state, serial once approved).
const PENDING: TableDefinition<u64, (u64, u8, u64)> = TableDefinition::new("pending");
/// id → the `RegistrationRequest` bytes held for review.
const PENDING_REQUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("pending_requests");
/// sequence → (serial, revoked_at minute, reason).
const REVOCATIONS: TableDefinition<u64, (u64, u32, u8)> = TableDefinition::new("revocations");
/// sequence → batch bytes.
const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
/// sequence → (digest, size, records, received_at).
const BATCH_META: TableDefinition<u64, ([u8; 32], u64, u32, u64)> =
    TableDefinition::new("batch_meta");
/// sequence → link of every accepted batch; kept after the batch expires.
const BATCH_LINKS: TableDefinition<u64, [u8; 32]> = TableDefinition::new("batch_links");
/// batch id → sequence of every accepted batch; kept after the batch expires.
const BATCH_IDS: TableDefinition<[u8; 16], u64> = TableDefinition::new("batch_ids");
/// 0 → (issued_at, sequence) of the newest checkpoint.
const CHECKPOINT_META: TableDefinition<u8, (u32, u64)> = TableDefinition::new("checkpoint_meta");
/// 0 → the newest checkpoint's bytes.
const CHECKPOINT: TableDefinition<u8, &[u8]> = TableDefinition::new("checkpoint");
/// day → (batches, records); aggregate statistics, kept after the batches are purged.
const EXPOSURE_DAYS: TableDefinition<u32, (u64, u64)> = TableDefinition::new("exposure_days");
/// TAN hash → (expires_at, purpose, registered_at, used).
const TANS: TableDefinition<[u8; 32], (u64, u8, u64, bool)> = TableDefinition::new("tans");
/// TAN hash → 1, for the TANs the HA cancelled (a table of its own, so that stores written
/// before cancelling existed keep their `tans` table's type). Purged with their TAN.
const TANS_CANCELLED: TableDefinition<[u8; 32], u8> = TableDefinition::new("tans_cancelled");
/// id → upload bytes.
const UPLOADS: TableDefinition<u64, &[u8]> = TableDefinition::new("uploads");
/// id → (purpose, received_at, size).
const UPLOAD_META: TableDefinition<u64, (u8, u64, u64)> = TableDefinition::new("upload_meta");
/// (venue key id, tag, receiving day) → count.
const COUNTS: TableDefinition<([u8; 8], [u8; 16], u32), u64> = TableDefinition::new("counts_v2");
/// (venue key id, tag) → (serial, venue-local epoch).
const COUNT_TAGS: TableDefinition<([u8; 8], [u8; 16]), (u64, u32)> =
    TableDefinition::new("count_tags_v2");

/// (region, category) → (active, revoked) current certificates, kept at write time.
const VENUE_TOTALS: TableDefinition<(u32, u8), (u64, u64)> = TableDefinition::new("venue_totals");
/// (region, category, epoch) → pings counted, kept at write time.
const COUNT_TOTALS: TableDefinition<(u32, u8, u32), u64> = TableDefinition::new("count_totals");

const NEXT_SERIAL: &str = "next_serial";
/// Set once the statistics totals were filled from the stored venues and counts.
const STATS_TOTALS: &str = "stats_totals";
const REVOCATION_SEQ: &str = "revocation_seq";
const BATCH_SEQ: &str = "batch_seq";
const UPLOAD_ID: &str = "upload_id";
const PENDING_ID: &str = "pending_id";

macro_rules! backend_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StorageError {
            fn from(e: $t) -> Self {
                Self::Backend(e.to_string())
            }
        }
    )*};
}

backend_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Most write operations committed together in one group.
const MAX_GROUP: usize = 256;

/// Runs one operation inside the group's write transaction. It returns whether it failed in a
/// way that may have left partial writes (a backend error), and a completion to call with the
/// outcome of the commit.
type Job = Box<dyn FnOnce(&redb::WriteTransaction) -> (bool, Completion) + Send>;
type Completion = Box<dyn FnOnce(Option<&StorageError>) + Send>;

/// The embedded store: one redb file in the data directory.
///
/// Writes go through one writer thread that **group-commits**: operations queued while a commit
/// is in progress run together in the next write transaction, which is committed once with
/// `Durability::Immediate`. Each caller gets its answer only after that commit returned, so the
/// promise holds that an acknowledged write is on disk, while concurrent writers share one
/// fsync. An operation that refuses (a used TAN, a duplicate batch, ...) does so before it
/// writes anything, so refusals never leave partial writes in a group; a backend error aborts
/// the whole group, and every operation in it fails.
pub struct RedbStorage {
    db: Arc<Database>,
    stats_rows_read: AtomicU64,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for RedbStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStorage").finish_non_exhaustive()
    }
}

impl Drop for RedbStorage {
    fn drop(&mut self) {
        // Closing the queue ends the writer after the jobs already queued; joining it closes
        // the database before the drop returns, so the file can be opened again at once.
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        if let Some(writer) = self.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = writer.join();
        }
    }
}

fn writer_loop(db: Arc<Database>, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut txn = match db.begin_write() {
            Ok(txn) => txn,
            Err(e) => {
                let e = StorageError::from(e);
                for job in group {
                    fail_unrun(job, &e);
                }
                continue;
            }
        };
        txn.set_durability(Durability::Immediate);
        let mut completions = Vec::with_capacity(group.len());
        let mut broken = false;
        for job in group {
            let (failed, done) = job(&txn);
            broken |= failed;
            completions.push(done);
        }
        let outcome = if broken {
            let _ = txn.abort();
            Some(StorageError::Backend(
                "a write in the same commit group failed; nothing was written".into(),
            ))
        } else {
            txn.commit().err().map(StorageError::from)
        };
        for done in completions {
            done(outcome.as_ref());
        }
    }
}

/// Creates `dir` and its missing parents with mode 0700.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        builder.mode(0o700);
        builder.create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                mode = format!("{:o}", mode & 0o777),
                "the data directory is open to other users; make it mode 0700"
            );
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// Opens or creates `path` for the database: mode 0600 from creation, narrowed if wider.
fn open_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        opts.mode(0o600);
        let file = opts.open(path)?;
        let mut perms = file.metadata()?.permissions();
        if perms.mode() & 0o777 != 0o600 {
            perms.set_mode(0o600);
            file.set_permissions(perms)?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    opts.open(path)
}

/// Opens the database at `path`, or makes a new one whole under a temporary name beside it and
/// renames it into place once it is on disk: a server killed while redb lays out a new file
/// (during its first start) leaves no half-made file that redb would refuse, or panic on, at
/// every later start.
fn open_or_make(path: &Path) -> StorageResult<redb::Database> {
    let io = |what: &str, e: std::io::Error| {
        StorageError::Backend(format!("cannot {what} the database file: {e}"))
    };
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let file = open_private_file(path).map_err(|e| io("open", e))?;
            return Ok(redb::Builder::new().create_file(file)?);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("open", e)),
    }
    let making = path.with_extension("redb.creating");
    // Left by a server killed while making it: never used, so it goes.
    if let Err(e) = std::fs::remove_file(&making) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(io("create", e));
        }
    }
    let file = open_private_file(&making).map_err(|e| io("create", e))?;
    let on_disk = file.try_clone().map_err(|e| io("create", e))?;
    let db = redb::Builder::new().create_file(file)?;
    on_disk.sync_all().map_err(|e| io("create", e))?;
    std::fs::rename(&making, path).map_err(|e| io("create", e))?;
    // The rename itself is durable once the directory is.
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("create", e))?;
    }
    Ok(db)
}

/// Gives up on a job whose transaction could not begin. Dropping it closes its reply channel,
/// which its caller reports as an uncommitted write.
fn fail_unrun(job: Job, e: &StorageError) {
    drop(job);
    tracing::error!(error = %e, "write transaction could not begin");
}

impl RedbStorage {
    /// The file name inside the data directory.
    pub const FILE_NAME: &'static str = "venuecode.redb";

    /// Opens (or creates) the store in `dir`, creating the directory (mode 0700) and every
    /// table. The database file is created mode 0600 before anything is written to it, and an
    /// existing one is narrowed to 0600; an existing directory open to others is logged, not
    /// changed (it may be shared).
    pub fn open(dir: &Path) -> StorageResult<Self> {
        create_private_dir(dir)
            .map_err(|e| StorageError::Backend(format!("cannot create data directory: {e}")))?;
        let db = Arc::new(open_or_make(&dir.join(Self::FILE_NAME))?);
        let (tx, rx) = mpsc::channel();
        let writer_db = Arc::clone(&db);
        let writer = std::thread::Builder::new()
            .name("venuecode-redb-writer".into())
            .spawn(move || writer_loop(writer_db, rx))
            .map_err(|e| StorageError::Backend(format!("cannot start the writer thread: {e}")))?;
        let store = Self {
            db,
            stats_rows_read: AtomicU64::new(0),
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        };
        store.write(|txn| {
            txn.open_table(META)?;
            txn.open_table(NONCES)?;
            txn.open_table(VENUES)?;
            txn.open_table(VENUE_STATE)?;
            txn.open_table(REVOCATIONS)?;
            txn.open_table(BATCHES)?;
            txn.open_table(BATCH_META)?;
            txn.open_table(BATCH_LINKS)?;
            txn.open_table(BATCH_IDS)?;
            txn.open_table(CHECKPOINT_META)?;
            txn.open_table(CHECKPOINT)?;
            txn.open_table(EXPOSURE_DAYS)?;
            txn.open_table(TANS)?;
            txn.open_table(TANS_CANCELLED)?;
            txn.open_table(UPLOADS)?;
            txn.open_table(UPLOAD_META)?;
            txn.open_table(COUNTS)?;
            txn.open_table(COUNT_TAGS)?;
            txn.open_table(VENUE_TOTALS)?;
            txn.open_table(COUNT_TOTALS)?;
            txn.open_table(PENDING)?;
            txn.open_table(PENDING_REQUESTS)?;
            index_existing_venues(txn)?;
            fill_totals(txn)?;
            Ok(())
        })?;
        Ok(store)
    }

    fn read_rows(&self, n: usize) {
        self.stats_rows_read.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Runs `f` in the next group's write transaction and returns its result once that
    /// transaction is durably committed. `f` must not write anything before it returns a
    /// refusal (any error but [`StorageError::Backend`]).
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> StorageResult<T> + Send + 'static,
    ) -> StorageResult<T> {
        let (reply_tx, reply_rx) = mpsc::sync_channel::<StorageResult<T>>(1);
        let job: Job = Box::new(move |txn| {
            let out = f(txn);
            let failed = matches!(out, Err(StorageError::Backend(_)));
            let done: Completion = Box::new(move |commit| {
                let _ = reply_tx.send(match commit {
                    Some(e) => Err(e.clone()),
                    None => out,
                });
            });
            (failed, done)
        });
        let sender = self
            .jobs
            .lock()
            .map_err(|_| StorageError::Backend("writer queue poisoned".into()))?
            .clone()
            .ok_or_else(|| StorageError::Backend("store is closing".into()))?;
        sender
            .send(job)
            .map_err(|_| StorageError::Backend("writer thread stopped".into()))?;
        reply_rx.recv().map_err(|_| {
            StorageError::Backend("the write was not committed (see the log)".into())
        })?
    }
}

fn after_bound<K>(after: Option<K>) -> Bound<K> {
    after.map_or(Bound::Unbounded, Bound::Excluded)
}

fn bump(meta: &mut redb::Table<'_, &str, u64>, key: &str) -> StorageResult<u64> {
    let current = meta.get(key)?.map(|v| v.value()).unwrap_or(0);
    let next = current
        .checked_add(1)
        .ok_or_else(|| StorageError::Backend(format!("counter {key} overflowed")))?;
    meta.insert(key, next)?;
    Ok(next)
}

fn read_counter(meta: &impl ReadableTable<&'static str, u64>, key: &str) -> StorageResult<u64> {
    Ok(meta.get(key)?.map(|v| v.value()).unwrap_or(0))
}

fn day_of(unix_seconds: u64) -> u32 {
    u32::try_from(unix_seconds / 86_400).unwrap_or(u32::MAX)
}

fn venue_state(v: &VenueRecord) -> VenueState {
    let (seq, reason) = v.revoked.unwrap_or((0, 0));
    (
        v.venue_key,
        v.region,
        v.category,
        v.issued_at,
        seq,
        reason,
        v.superseded_by.unwrap_or(0),
    )
}

fn nonzero(v: u64) -> Option<u64> {
    (v != 0).then_some(v)
}

fn purpose(b: u8) -> StorageResult<UploadPurpose> {
    UploadPurpose::from_byte(b)
        .ok_or_else(|| StorageError::Backend("unknown stored purpose".into()))
}

/// Revocation reason byte of a certificate the RA disabled.
const DISABLED: u8 = venuecode_protocol::RevocationReason::DISABLED_BY_AUTHORITY.0;

/// Adds `active` and `revoked` (each −1, 0 or 1) to the totals of `(region, category)`; a row
/// that falls to zero is removed, so a statistics page reads only rows it returns.
fn tally_venue(
    txn: &redb::WriteTransaction,
    region: u32,
    category: u8,
    active: i8,
    revoked: i8,
) -> StorageResult<()> {
    let mut t = txn.open_table(VENUE_TOTALS)?;
    let (a, r) = t
        .get((region, category))?
        .map(|v| v.value())
        .unwrap_or((0, 0));
    let row = (
        a.saturating_add_signed(active.into()),
        r.saturating_add_signed(revoked.into()),
    );
    if row == (0, 0) {
        t.remove((region, category))?;
    } else {
        t.insert((region, category), row)?;
    }
    Ok(())
}

/// Counts a stored state into the venue totals: current certificates only.
fn tally_state(txn: &redb::WriteTransaction, s: &VenueState) -> StorageResult<()> {
    if s.6 == 0 {
        let revoked = i8::from(s.4 != 0);
        tally_venue(txn, s.1, s.2, 1 - revoked, revoked)?;
    }
    Ok(())
}

/// Fills the statistics totals of a store written before they existed, once: one pass over
/// the venues, count tags and counts.
fn fill_totals(txn: &redb::WriteTransaction) -> StorageResult<()> {
    let mut meta = txn.open_table(META)?;
    if read_counter(&meta, STATS_TOTALS)? != 0 {
        return Ok(());
    }
    meta.insert(STATS_TOTALS, 1)?;
    drop(meta);
    let states: Vec<VenueState> = {
        let t = txn.open_table(VENUE_STATE)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(row?.1.value());
        }
        out
    };
    for s in &states {
        tally_state(txn, s)?;
    }
    let mut totals: BTreeMap<(u32, u8, u32), u64> = BTreeMap::new();
    {
        let counts = txn.open_table(COUNTS)?;
        let states = txn.open_table(VENUE_STATE)?;
        for row in txn.open_table(COUNT_TAGS)?.iter()? {
            let (k, v) = row?;
            let (key_id, tag) = k.value();
            let (serial, epoch) = v.value();
            let Some(state) = states.get(serial)?.map(|v| v.value()) else {
                continue;
            };
            let mut total = 0u64;
            for c in counts.range((key_id, tag, 0)..=(key_id, tag, u32::MAX))? {
                total = total.saturating_add(c?.1.value());
            }
            let e = totals.entry((state.1, state.2, epoch)).or_default();
            *e = e.saturating_add(total);
        }
    }
    let mut t = txn.open_table(COUNT_TOTALS)?;
    for (k, n) in totals {
        t.insert(k, n)?;
    }
    Ok(())
}

/// Fills the venue key and identity indexes of a store written before they existed.
fn index_existing_venues(txn: &redb::WriteTransaction) -> StorageResult<()> {
    let mut keys = txn.open_table(VENUE_KEYS)?;
    let mut identities = txn.open_table(VENUE_IDENTITIES)?;
    if !keys.is_empty()? {
        return Ok(());
    }
    let states = txn.open_table(VENUE_STATE)?;
    let certs = txn.open_table(VENUES)?;
    for row in states.iter()? {
        let (serial, state) = row?;
        let (serial, state) = (serial.value(), state.value());
        let head = keys.get(state.0)?.map(|v| v.value()).unwrap_or(0);
        keys.insert(state.0, head.max(serial))?;
        if state.4 == 0 {
            let id = certs
                .get(serial)?
                .and_then(|c| super::venue_identity(c.value()));
            if let Some(id) = id {
                identities.insert(id, serial)?;
            }
        }
    }
    Ok(())
}

/// The identity of `venue`, refused when an active venue other than `replacing` has it.
fn unique_identity(
    txn: &redb::WriteTransaction,
    venue: &VenueRecord,
    replacing: Option<u64>,
) -> StorageResult<Option<[u8; 32]>> {
    let identity = super::venue_identity(&venue.certificate);
    let Some(id) = identity else {
        return Ok(None);
    };
    if let Some(serial) = txn
        .open_table(VENUE_IDENTITIES)?
        .get(id)?
        .map(|v| v.value())
    {
        let active = txn
            .open_table(VENUE_STATE)?
            .get(serial)?
            .is_some_and(|s| s.value().4 == 0);
        if active && Some(serial) != replacing {
            return Err(StorageError::DuplicateVenue);
        }
    }
    Ok(identity)
}

fn index_venue(
    txn: &redb::WriteTransaction,
    venue: &VenueRecord,
    identity: Option<[u8; 32]>,
) -> StorageResult<()> {
    let mut keys = txn.open_table(VENUE_KEYS)?;
    let head = keys.get(venue.venue_key)?.map(|v| v.value()).unwrap_or(0);
    keys.insert(venue.venue_key, head.max(venue.serial))?;
    if let Some(id) = identity {
        txn.open_table(VENUE_IDENTITIES)?.insert(id, venue.serial)?;
    }
    Ok(())
}

/// Stores a new venue, refusing a key registered before and a duplicate of an active venue.
fn insert_new(txn: &redb::WriteTransaction, venue: &VenueRecord) -> StorageResult<()> {
    let head = txn
        .open_table(VENUE_KEYS)?
        .get(venue.venue_key)?
        .map(|v| v.value());
    if let Some(head) = head {
        let state = txn.open_table(VENUE_STATE)?.get(head)?.map(|v| v.value());
        let disabled = state.is_some_and(|s| s.4 != 0 && s.5 == DISABLED);
        return Err(if disabled {
            StorageError::VenueKeyDisabled
        } else {
            StorageError::VenueKeyRegistered
        });
    }
    let identity = unique_identity(txn, venue, None)?;
    index_venue(txn, venue, identity)?;
    txn.open_table(VENUES)?
        .insert(venue.serial, venue.certificate.as_slice())?;
    txn.open_table(VENUE_STATE)?
        .insert(venue.serial, venue_state(venue))?;
    tally_state(txn, &venue_state(venue))?;
    Ok(())
}

/// The record of certificate `serial` from its bytes and its stored state.
fn venue_record(serial: u64, certificate: Vec<u8>, s: VenueState) -> VenueRecord {
    VenueRecord {
        serial,
        certificate,
        venue_key: s.0,
        region: s.1,
        category: s.2,
        issued_at: s.3,
        revoked: nonzero(s.4).map(|seq| (seq, s.5)),
        superseded_by: nonzero(s.6),
    }
}

/// The stored review row of `id`, if it is still waiting.
fn waiting(txn: &redb::WriteTransaction, id: u64) -> StorageResult<(u64, u8, u64)> {
    let row = txn
        .open_table(PENDING)?
        .get(id)?
        .map(|v| v.value())
        .ok_or(StorageError::NotFound)?;
    if row.1 == 0 {
        Ok(row)
    } else {
        Err(StorageError::ReviewDecided)
    }
}

fn pending_record(
    id: u64,
    (received_at, state, serial): (u64, u8, u64),
    request: Vec<u8>,
) -> StorageResult<PendingRegistration> {
    Ok(PendingRegistration {
        id,
        request,
        received_at,
        state: ReviewState::from_parts(state, serial)
            .ok_or_else(|| StorageError::Backend("unknown stored review state".into()))?,
    })
}

fn revoke_in(txn: &redb::WriteTransaction, serial: u64, reason: u8, at: u32) -> StorageResult<u64> {
    let mut states = txn.open_table(VENUE_STATE)?;
    let mut state = states
        .get(serial)?
        .map(|v| v.value())
        .ok_or(StorageError::NotFound)?;
    if state.4 != 0 {
        return Err(StorageError::Revoked);
    }
    let mut meta = txn.open_table(META)?;
    let seq = bump(&mut meta, REVOCATION_SEQ)?;
    state.4 = seq;
    state.5 = reason;
    states.insert(serial, state)?;
    drop(states);
    txn.open_table(REVOCATIONS)?
        .insert(seq, (serial, at, reason))?;
    tally_venue(txn, state.1, state.2, -1, 1)?;
    Ok(seq)
}

impl Storage for RedbStorage {
    fn record_nonce(
        &self,
        key_id: [u8; 8],
        nonce: [u8; 16],
        expires_at: u64,
    ) -> StorageResult<bool> {
        let mut key = [0u8; 24];
        key[..8].copy_from_slice(&key_id);
        key[8..].copy_from_slice(&nonce);
        self.write(move |txn| {
            let mut t = txn.open_table(NONCES)?;
            if t.get(key)?.is_some() {
                return Ok(false);
            }
            t.insert(key, expires_at)?;
            Ok(true)
        })
    }

    fn allocate_serial(&self) -> StorageResult<u64> {
        self.write(|txn| bump(&mut txn.open_table(META)?, NEXT_SERIAL))
    }

    fn insert_venue(&self, venue: &VenueRecord) -> StorageResult<()> {
        let venue = venue.clone();
        self.write(move |txn| insert_new(txn, &venue))
    }

    fn add_pending(&self, request: &[u8], received_at: u64) -> StorageResult<u64> {
        let request = request.to_vec();
        self.write(move |txn| {
            let id = bump(&mut txn.open_table(META)?, PENDING_ID)?;
            txn.open_table(PENDING)?.insert(id, (received_at, 0, 0))?;
            txn.open_table(PENDING_REQUESTS)?
                .insert(id, request.as_slice())?;
            Ok(id)
        })
    }

    fn pending(&self, id: u64) -> StorageResult<Option<PendingRegistration>> {
        let txn = self.db.begin_read()?;
        let Some(row) = txn.open_table(PENDING)?.get(id)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let request = txn
            .open_table(PENDING_REQUESTS)?
            .get(id)?
            .map(|v| v.value().to_vec())
            .unwrap_or_default();
        Ok(Some(pending_record(id, row, request)?))
    }

    fn pending_waiting(&self) -> StorageResult<Vec<PendingRegistration>> {
        let txn = self.db.begin_read()?;
        let requests = txn.open_table(PENDING_REQUESTS)?;
        let mut out = Vec::new();
        for row in txn.open_table(PENDING)?.iter()? {
            let (id, row) = row?;
            let (id, row) = (id.value(), row.value());
            if row.1 == 0 {
                let request = requests
                    .get(id)?
                    .map(|v| v.value().to_vec())
                    .unwrap_or_default();
                out.push(pending_record(id, row, request)?);
            }
        }
        Ok(out)
    }

    fn approve_pending(&self, id: u64, venue: &VenueRecord) -> StorageResult<()> {
        let venue = venue.clone();
        self.write(move |txn| {
            let row = waiting(txn, id)?;
            insert_new(txn, &venue)?;
            txn.open_table(PENDING)?
                .insert(id, (row.0, 1, venue.serial))?;
            Ok(())
        })
    }

    fn refuse_pending(&self, id: u64) -> StorageResult<()> {
        self.write(move |txn| {
            let row = waiting(txn, id)?;
            txn.open_table(PENDING)?.insert(id, (row.0, 2, 0))?;
            Ok(())
        })
    }

    fn venue(&self, serial: u64) -> StorageResult<Option<VenueRecord>> {
        let txn = self.db.begin_read()?;
        let Some(cert) = txn
            .open_table(VENUES)?
            .get(serial)?
            .map(|v| v.value().to_vec())
        else {
            return Ok(None);
        };
        let Some(s) = txn.open_table(VENUE_STATE)?.get(serial)?.map(|v| v.value()) else {
            return Ok(None);
        };
        Ok(Some(venue_record(serial, cert, s)))
    }

    fn current_venues_page(&self, after: u64, limit: usize) -> StorageResult<Vec<VenueRecord>> {
        let mut out = Vec::new();
        if after == u64::MAX {
            return Ok(out);
        }
        let txn = self.db.begin_read()?;
        let states = txn.open_table(VENUE_STATE)?;
        let certs = txn.open_table(VENUES)?;
        for row in states.range(after + 1..)? {
            if out.len() >= limit {
                break;
            }
            let (serial, s) = row?;
            let (serial, s) = (serial.value(), s.value());
            if s.6 != 0 {
                continue;
            }
            let Some(cert) = certs.get(serial)?.map(|v| v.value().to_vec()) else {
                continue;
            };
            out.push(venue_record(serial, cert, s));
        }
        Ok(out)
    }

    fn newest_venue(&self, venue_key: &[u8; 32]) -> StorageResult<Option<VenueRecord>> {
        let head = self
            .db
            .begin_read()?
            .open_table(VENUE_KEYS)?
            .get(*venue_key)?
            .map(|v| v.value());
        match head {
            Some(serial) => self.venue(serial),
            None => Ok(None),
        }
    }

    fn supersede_venue(
        &self,
        old: u64,
        new: &VenueRecord,
        reason: u8,
        at: u32,
    ) -> StorageResult<u64> {
        let new = new.clone();
        self.write(move |txn| {
            let identity = unique_identity(txn, &new, Some(old))?;
            let seq = revoke_in(txn, old, reason, at)?;
            index_venue(txn, &new, identity)?;
            let mut states = txn.open_table(VENUE_STATE)?;
            let mut state = states
                .get(old)?
                .map(|v| v.value())
                .ok_or(StorageError::NotFound)?;
            state.6 = new.serial;
            states.insert(old, state)?;
            states.insert(new.serial, venue_state(&new))?;
            drop(states);
            txn.open_table(VENUES)?
                .insert(new.serial, new.certificate.as_slice())?;
            tally_venue(txn, state.1, state.2, 0, -1)?;
            tally_state(txn, &venue_state(&new))?;
            Ok(seq)
        })
    }

    fn revoke_venue(&self, serial: u64, reason: u8, at: u32) -> StorageResult<u64> {
        self.write(move |txn| revoke_in(txn, serial, reason, at))
    }

    fn revocation_page(
        &self,
        after: u64,
        limit: usize,
    ) -> StorageResult<(Vec<RevocationEntry>, u64)> {
        let txn = self.db.begin_read()?;
        let latest = read_counter(&txn.open_table(META)?, REVOCATION_SEQ)?;
        let mut out = Vec::new();
        if let Some(start) = after.checked_add(1) {
            for row in txn.open_table(REVOCATIONS)?.range(start..)?.take(limit) {
                let (k, v) = row?;
                let (serial, revoked_at, reason) = v.value();
                out.push(RevocationEntry {
                    sequence: k.value(),
                    serial,
                    revoked_at,
                    reason,
                });
            }
        }
        Ok((out, latest))
    }

    fn insert_venues(&self, venues: &[VenueRecord]) -> StorageResult<()> {
        let venues = venues.to_vec();
        self.write(move |txn| {
            let mut certs = txn.open_table(VENUES)?;
            let mut states = txn.open_table(VENUE_STATE)?;
            let mut totals: BTreeMap<(u32, u8), (u64, u64)> = BTreeMap::new();
            for v in &venues {
                certs.insert(v.serial, v.certificate.as_slice())?;
                states.insert(v.serial, venue_state(v))?;
                if v.superseded_by.is_none() {
                    let e = totals.entry((v.region, v.category)).or_default();
                    if v.revoked.is_some() {
                        e.1 += 1;
                    } else {
                        e.0 += 1;
                    }
                }
            }
            let mut t = txn.open_table(VENUE_TOTALS)?;
            for (k, (a, r)) in totals {
                let (a0, r0) = t.get(k)?.map(|v| v.value()).unwrap_or((0, 0));
                t.insert(k, (a0.saturating_add(a), r0.saturating_add(r)))?;
            }
            Ok(())
        })
    }

    fn revoke_many(&self, serials: &[u64], reason: u8, at: u32) -> StorageResult<u64> {
        let serials = serials.to_vec();
        self.write(move |txn| {
            // Check every serial before writing, so that a refusal writes nothing (it would be
            // committed with the rest of the group); a repeated serial would be revoked twice.
            {
                let states = txn.open_table(VENUE_STATE)?;
                let mut seen = std::collections::HashSet::new();
                for s in &serials {
                    if !seen.insert(*s) {
                        return Err(StorageError::Revoked);
                    }
                    let state = states
                        .get(*s)?
                        .map(|v| v.value())
                        .ok_or(StorageError::NotFound)?;
                    if state.4 != 0 {
                        return Err(StorageError::Revoked);
                    }
                }
            }
            let mut last = 0;
            for s in &serials {
                last = revoke_in(txn, *s, reason, at)?;
            }
            Ok(last)
        })
    }

    fn insert_batch(&self, b: &NewBatch<'_>) -> StorageResult<u64> {
        let (sequence, previous, link, batch_id) = (b.sequence, b.previous, b.link, b.batch_id);
        let (digest, records, received_at) = (b.digest, b.records, b.received_at);
        let bytes = b.bytes.to_vec();
        self.write(move |txn| {
            let mut ids = txn.open_table(BATCH_IDS)?;
            if ids.get(batch_id)?.is_some() {
                return Err(StorageError::DuplicateBatch);
            }
            let mut links = txn.open_table(BATCH_LINKS)?;
            let mut meta = txn.open_table(META)?;
            let head = read_counter(&meta, BATCH_SEQ)?;
            let head_link = match head {
                0 => [0u8; 32],
                n => links.get(n)?.map(|v| v.value()).ok_or_else(|| {
                    StorageError::Backend("the chain head's link is missing".into())
                })?,
            };
            if Some(sequence) != head.checked_add(1) || previous != head_link {
                return Err(StorageError::ChainMismatch);
            }
            meta.insert(BATCH_SEQ, sequence)?;
            ids.insert(batch_id, sequence)?;
            links.insert(sequence, link)?;
            txn.open_table(BATCHES)?
                .insert(sequence, bytes.as_slice())?;
            txn.open_table(BATCH_META)?
                .insert(sequence, (digest, bytes.len() as u64, records, received_at))?;
            let mut days = txn.open_table(EXPOSURE_DAYS)?;
            let day = day_of(received_at);
            let (b, r) = days.get(day)?.map(|v| v.value()).unwrap_or((0, 0));
            days.insert(day, (b + 1, r + u64::from(records)))?;
            Ok(sequence)
        })
    }

    fn chain_head(&self) -> StorageResult<StoredHead> {
        let txn = self.db.begin_read()?;
        let sequence = read_counter(&txn.open_table(META)?, BATCH_SEQ)?;
        let link = match sequence {
            0 => [0u8; 32],
            n => txn
                .open_table(BATCH_LINKS)?
                .get(n)?
                .map(|v| v.value())
                .ok_or_else(|| StorageError::Backend("the chain head's link is missing".into()))?,
        };
        Ok(StoredHead { sequence, link })
    }

    fn batches_after(&self, after: u64, limit: usize) -> StorageResult<(Vec<BatchMeta>, u64)> {
        let txn = self.db.begin_read()?;
        let latest = read_counter(&txn.open_table(META)?, BATCH_SEQ)?;
        let mut out = Vec::new();
        if let Some(start) = after.checked_add(1) {
            for row in txn.open_table(BATCH_META)?.range(start..)?.take(limit) {
                let (k, v) = row?;
                let (digest, size, records, received_at) = v.value();
                out.push(BatchMeta {
                    sequence: k.value(),
                    digest,
                    size,
                    records,
                    received_at,
                });
            }
        }
        Ok((out, latest))
    }

    fn put_checkpoint(&self, cp: &NewCheckpoint<'_>) -> StorageResult<()> {
        let (issued_at, sequence, head, retained_from, retained_previous) = (
            cp.issued_at,
            cp.sequence,
            cp.head,
            cp.retained_from,
            cp.retained_previous,
        );
        let bytes = cp.bytes.to_vec();
        self.write(move |txn| {
            let cp = NewCheckpoint {
                issued_at,
                sequence,
                head,
                retained_from,
                retained_previous,
                bytes: &bytes,
            };
            let mut cmeta = txn.open_table(CHECKPOINT_META)?;
            let stored = cmeta.get(0)?.map(|v| v.value());
            let chain_seq = read_counter(&txn.open_table(META)?, BATCH_SEQ)?;
            let links = txn.open_table(BATCH_LINKS)?;
            let link_at = |n: u64| -> StorageResult<Option<[u8; 32]>> {
                Ok(links.get(n)?.map(|v| v.value()))
            };
            let chain_head = StoredHead {
                sequence: chain_seq,
                link: link_at(chain_seq)?.unwrap_or([0u8; 32]),
            };
            check_checkpoint(&cp, stored, chain_head, link_at)?;
            cmeta.insert(0, (issued_at, sequence))?;
            txn.open_table(CHECKPOINT)?.insert(0, bytes.as_slice())?;
            Ok(())
        })
    }

    fn checkpoint(&self) -> StorageResult<Option<Vec<u8>>> {
        let txn = self.db.begin_read()?;
        let bytes = txn
            .open_table(CHECKPOINT)?
            .get(0)?
            .map(|v| v.value().to_vec());
        Ok(bytes)
    }

    fn batch(&self, sequence: u64) -> StorageResult<Option<(BatchMeta, Vec<u8>)>> {
        let txn = self.db.begin_read()?;
        let Some((digest, size, records, received_at)) = txn
            .open_table(BATCH_META)?
            .get(sequence)?
            .map(|v| v.value())
        else {
            return Ok(None);
        };
        let Some(bytes) = txn
            .open_table(BATCHES)?
            .get(sequence)?
            .map(|v| v.value().to_vec())
        else {
            return Ok(None);
        };
        let meta = BatchMeta {
            sequence,
            digest,
            size,
            records,
            received_at,
        };
        Ok(Some((meta, bytes)))
    }

    fn register_tans(&self, tans: &[NewTan], registered_at: u64) -> StorageResult<usize> {
        let tans = tans.to_vec();
        self.write(move |txn| {
            let mut t = txn.open_table(TANS)?;
            let mut new = 0;
            for tan in &tans {
                if t.get(tan.hash)?.is_none() {
                    t.insert(
                        tan.hash,
                        (tan.expires_at, tan.purpose.to_byte(), registered_at, false),
                    )?;
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    fn tan(&self, hash: &[u8; 32]) -> StorageResult<Option<TanRecord>> {
        let txn = self.db.begin_read()?;
        let Some((expires_at, p, registered_at, used)) =
            txn.open_table(TANS)?.get(*hash)?.map(|v| v.value())
        else {
            return Ok(None);
        };
        let cancelled = txn.open_table(TANS_CANCELLED)?.get(*hash)?.is_some();
        Ok(Some(TanRecord {
            expires_at,
            purpose: purpose(p)?,
            registered_at,
            used,
            cancelled,
        }))
    }

    fn cancel_tan(&self, hash: &[u8; 32]) -> StorageResult<()> {
        let hash = *hash;
        // One write transaction at a time: the check and the mark cannot interleave with a
        // consume_tan of the same TAN.
        self.write(move |txn| {
            let used = txn
                .open_table(TANS)?
                .get(hash)?
                .map(|v| v.value().3)
                .ok_or(StorageError::TanUnknown)?;
            if used {
                return Err(StorageError::TanUsed);
            }
            let mut cancelled = txn.open_table(TANS_CANCELLED)?;
            if cancelled.get(hash)?.is_some() {
                return Err(StorageError::TanCancelled);
            }
            cancelled.insert(hash, 1)?;
            Ok(())
        })
    }

    fn consume_tan(&self, hash: &[u8; 32], now: u64, bytes: &[u8]) -> StorageResult<u64> {
        let (hash, bytes) = (*hash, bytes.to_vec());
        // redb admits one write transaction at a time, so the check and the mark below cannot
        // interleave with another consumer of the same TAN.
        self.write(move |txn| {
            let mut tans = txn.open_table(TANS)?;
            let (expires_at, p, registered_at, used) = tans
                .get(hash)?
                .map(|v| v.value())
                .ok_or(StorageError::TanUnknown)?;
            if used {
                return Err(StorageError::TanUsed);
            }
            if txn.open_table(TANS_CANCELLED)?.get(hash)?.is_some() {
                return Err(StorageError::TanCancelled);
            }
            if now >= expires_at {
                return Err(StorageError::TanExpired);
            }
            tans.insert(hash, (expires_at, p, registered_at, true))?;
            let id = bump(&mut txn.open_table(META)?, UPLOAD_ID)?;
            txn.open_table(UPLOADS)?.insert(id, bytes.as_slice())?;
            txn.open_table(UPLOAD_META)?
                .insert(id, (p, now, bytes.len() as u64))?;
            Ok(id)
        })
    }

    fn uploads(&self) -> StorageResult<Vec<UploadMeta>> {
        let txn = self.db.begin_read()?;
        let mut out = Vec::new();
        for row in txn.open_table(UPLOAD_META)?.iter()? {
            let (k, v) = row?;
            let (p, received_at, size) = v.value();
            out.push(UploadMeta {
                id: k.value(),
                purpose: purpose(p)?,
                received_at,
                size,
            });
        }
        Ok(out)
    }

    fn upload(&self, id: u64) -> StorageResult<Option<(UploadMeta, Vec<u8>)>> {
        let txn = self.db.begin_read()?;
        let Some((p, received_at, size)) = txn.open_table(UPLOAD_META)?.get(id)?.map(|v| v.value())
        else {
            return Ok(None);
        };
        let Some(bytes) = txn
            .open_table(UPLOADS)?
            .get(id)?
            .map(|v| v.value().to_vec())
        else {
            return Ok(None);
        };
        let meta = UploadMeta {
            id,
            purpose: purpose(p)?,
            received_at,
            size,
        };
        Ok(Some((meta, bytes)))
    }

    fn delete_upload(&self, id: u64) -> StorageResult<bool> {
        self.write(move |txn| {
            let existed = txn.open_table(UPLOAD_META)?.remove(id)?.is_some();
            txn.open_table(UPLOADS)?.remove(id)?;
            Ok(existed)
        })
    }

    fn add_count(&self, day: u32, key_id: [u8; 8], tag: [u8; 16]) -> StorageResult<bool> {
        self.write(move |txn| {
            let Some((serial, epoch)) = txn
                .open_table(COUNT_TAGS)?
                .get((key_id, tag))?
                .map(|v| v.value())
            else {
                return Ok(false);
            };
            let mut t = txn.open_table(COUNTS)?;
            let n = t.get((key_id, tag, day))?.map(|v| v.value()).unwrap_or(0);
            t.insert((key_id, tag, day), n.saturating_add(1))?;
            if let Some(s) = txn.open_table(VENUE_STATE)?.get(serial)?.map(|v| v.value()) {
                let mut totals = txn.open_table(COUNT_TOTALS)?;
                let k = (s.1, s.2, epoch);
                let n = totals.get(k)?.map(|v| v.value()).unwrap_or(0);
                totals.insert(k, n.saturating_add(1))?;
            }
            Ok(true)
        })
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
        let txn = self.db.begin_read()?;
        let mut out = Vec::new();
        for row in txn
            .open_table(COUNTS)?
            .range((key_id, tag, from)..=(key_id, tag, to))?
        {
            let (k, v) = row?;
            out.push((k.value().2, v.value()));
        }
        Ok(out)
    }

    fn register_count_tags(
        &self,
        key_id: [u8; 8],
        serial: u64,
        tags: &[(u32, [u8; 16])],
    ) -> StorageResult<usize> {
        let tags = tags.to_vec();
        self.write(move |txn| {
            let place = txn
                .open_table(VENUE_STATE)?
                .get(serial)?
                .map(|v| (v.value().1, v.value().2));
            let mut t = txn.open_table(COUNT_TAGS)?;
            let mut totals = txn.open_table(COUNT_TOTALS)?;
            let mut new = 0;
            for (epoch, tag) in &tags {
                if t.get((key_id, *tag))?.is_none() {
                    t.insert((key_id, *tag), (serial, *epoch))?;
                    new += 1;
                    if let Some((region, category)) = place {
                        if totals.get((region, category, *epoch))?.is_none() {
                            totals.insert((region, category, *epoch), 0)?;
                        }
                    }
                }
            }
            Ok(new)
        })
    }

    fn venue_stats_page(
        &self,
        after: Option<(u32, u8)>,
        limit: usize,
    ) -> StorageResult<Vec<VenueStatRow>> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(VENUE_TOTALS)?;
        let mut out = Vec::new();
        for row in t.range((after_bound(after), Bound::Unbounded))?.take(limit) {
            let (k, v) = row?;
            let ((region, category), (active, revoked)) = (k.value(), v.value());
            out.push(VenueStatRow {
                region,
                category,
                active,
                revoked,
            });
        }
        self.read_rows(out.len());
        Ok(out)
    }

    fn exposure_stats_page(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> StorageResult<Vec<ExposureStatRow>> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(EXPOSURE_DAYS)?;
        let mut out = Vec::new();
        for row in t.range((after_bound(after), Bound::Unbounded))?.take(limit) {
            let (k, v) = row?;
            let (batches, records) = v.value();
            out.push(ExposureStatRow {
                day: k.value(),
                batches,
                records,
            });
        }
        self.read_rows(out.len());
        Ok(out)
    }

    fn count_stats_page(
        &self,
        after: Option<(u32, u8, u32)>,
        limit: usize,
    ) -> StorageResult<Vec<CountStatRow>> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(COUNT_TOTALS)?;
        let mut out = Vec::new();
        for row in t.range((after_bound(after), Bound::Unbounded))?.take(limit) {
            let (k, v) = row?;
            let (region, category, epoch) = k.value();
            out.push(CountStatRow {
                region,
                category,
                epoch,
                count: v.value(),
            });
        }
        self.read_rows(out.len());
        Ok(out)
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
        self.write(move |txn| {
            let mut report = PurgeReport::default();
            let mut meta = txn.open_table(BATCH_META)?;
            // The batches' links and ids stay, and so does the chain head.
            let mut old: Vec<u64> = Vec::new();
            for row in meta.iter()? {
                let (k, v) = row?;
                let (_, _, _, received_at) = v.value();
                if received_at < batch_cutoff {
                    old.push(k.value());
                }
            }
            let mut batches = txn.open_table(BATCHES)?;
            for seq in &old {
                meta.remove(*seq)?;
                batches.remove(*seq)?;
                report.batches += 1;
            }

            let mut umeta = txn.open_table(UPLOAD_META)?;
            let mut old: Vec<u64> = Vec::new();
            for row in umeta.iter()? {
                let (k, v) = row?;
                if v.value().1 < cutoff {
                    old.push(k.value());
                }
            }
            let mut uploads = txn.open_table(UPLOADS)?;
            for id in &old {
                umeta.remove(*id)?;
                uploads.remove(*id)?;
                report.uploads += 1;
            }

            let mut tans = txn.open_table(TANS)?;
            let before = tans.len()?;
            tans.retain(|_, (_, _, registered_at, _)| registered_at >= cutoff)?;
            report.tans = before - tans.len()?;
            let mut cancelled = txn.open_table(TANS_CANCELLED)?;
            let mut gone = Vec::new();
            for row in cancelled.iter()? {
                let hash = row?.0.value();
                if tans.get(hash)?.is_none() {
                    gone.push(hash);
                }
            }
            for hash in &gone {
                cancelled.remove(*hash)?;
            }

            let mut counts = txn.open_table(COUNTS)?;
            let before = counts.len()?;
            counts.retain(|(_, _, day), _| day >= cutoff_day)?;
            report.counts = before - counts.len()?;
            let mut tags = txn.open_table(COUNT_TAGS)?;
            let before = tags.len()?;
            tags.retain(|_, (_, epoch)| epoch >= cutoff_day)?;
            report.counts += before - tags.len()?;
            txn.open_table(COUNT_TOTALS)?
                .retain(|(_, _, epoch), _| epoch >= cutoff_day)?;

            let mut nonces = txn.open_table(NONCES)?;
            let before = nonces.len()?;
            nonces.retain(|_, expires_at| expires_at > now)?;
            report.nonces = before - nonces.len()?;
            Ok(report)
        })
    }
}
