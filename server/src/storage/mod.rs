//! The storage trait the HTTP layer talks to, and its implementations: [`RedbStorage`] (the
//! embedded default), [`PgStorage`] (PostgreSQL, shared by several server replicas) and
//! [`MemoryStorage`] (tests and demonstrations).
//!
//! Every method is synchronous and runs on a blocking thread. Each method that changes state is
//! one transaction, committed durably before it returns: a `2xx` answer means the write is on
//! disk. A method that refuses (a used TAN, a duplicate batch, a revoked venue) writes nothing.
//! Where several servers share one backend, as on PostgreSQL, these promises hold across all of
//! them: a TAN is consumed once, a nonce is recorded once, and sequence numbers are assigned
//! once, without gaps, in commit order.

mod memory;
mod postgres;
mod redb_store;

pub use memory::MemoryStorage;
pub use postgres::PgStorage;
pub use redb_store::RedbStorage;

use core::fmt;

/// What the server stores about one venue certificate. All of it is public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueRecord {
    /// The certificate serial.
    pub serial: u64,
    /// The canonical certificate bytes.
    pub certificate: Vec<u8>,
    /// The venue key the certificate names.
    pub venue_key: [u8; 32],
    /// Region code, for statistics.
    pub region: u32,
    /// Category byte, for statistics.
    pub category: u8,
    /// Unix seconds when the certificate was issued.
    pub issued_at: u64,
    /// The revocation, if any: sequence number and reason byte.
    pub revoked: Option<(u64, u8)>,
    /// The serial of the certificate that replaced this one, if it was updated.
    pub superseded_by: Option<u64>,
}

/// One entry of the revocation log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationEntry {
    /// Position in the log, from 1.
    pub sequence: u64,
    /// The revoked serial.
    pub serial: u64,
    /// Unix minute of the revocation.
    pub revoked_at: u32,
    /// Reason byte.
    pub reason: u8,
}

/// What the server keeps about a stored exposure batch, apart from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMeta {
    /// The batch's own sequence in the HA's chain, from 1.
    pub sequence: u64,
    /// SHA-256 of the batch bytes (the strong ETag).
    pub digest: [u8; 32],
    /// Size in bytes.
    pub size: u64,
    /// Number of records.
    pub records: u32,
    /// Unix seconds when the server accepted it.
    pub received_at: u64,
}

/// A verified exposure batch to store at the head of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewBatch<'a> {
    /// The batch's sequence in the HA's chain (`header.sequence`).
    pub sequence: u64,
    /// The link of the batch before it (`header.previous`; zeros for sequence 1).
    pub previous: [u8; 32],
    /// The batch's own link (`ExposureBatch::link`).
    pub link: [u8; 32],
    /// The HA's batch id; never accepted twice.
    pub batch_id: [u8; 16],
    /// SHA-256 of the batch bytes (the strong ETag).
    pub digest: [u8; 32],
    /// Number of records.
    pub records: u32,
    /// Unix seconds when the server accepted it.
    pub received_at: u64,
    /// The canonical batch bytes.
    pub bytes: &'a [u8],
}

/// The stored head of the batch chain: the latest batch's sequence and link, or sequence 0 and
/// a zero link before the first batch. Kept after the batches expire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredHead {
    /// Sequence of the latest accepted batch; 0 before the first.
    pub sequence: u64,
    /// Its link; zeros before the first.
    pub link: [u8; 32],
}

/// A verified checkpoint to store, with the fields the storage checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewCheckpoint<'a> {
    /// Unix minute it was issued.
    pub issued_at: u32,
    /// The latest batch it names (0: none).
    pub sequence: u64,
    /// The link of that batch (zeros when `sequence` is 0).
    pub head: [u8; 32],
    /// Lowest sequence it says is still served.
    pub retained_from: u64,
    /// The link of batch `retained_from − 1` (zeros when `retained_from` is 1).
    pub retained_previous: [u8; 32],
    /// The canonical checkpoint bytes.
    pub bytes: &'a [u8],
}

/// Checks a checkpoint against the stored one and the chain, the same way on every backend.
/// `stored` is the stored checkpoint's `(issued_at, sequence)`; `head` the stored chain head;
/// `link_at` looks up the link of an accepted batch by sequence (kept after expiry).
pub fn check_checkpoint(
    cp: &NewCheckpoint<'_>,
    stored: Option<(u32, u64)>,
    head: StoredHead,
    mut link_at: impl FnMut(u64) -> StorageResult<Option<[u8; 32]>>,
) -> StorageResult<()> {
    if let Some((issued_at, sequence)) = stored {
        if cp.issued_at < issued_at || cp.sequence < sequence {
            return Err(StorageError::StaleCheckpoint);
        }
    }
    if cp.sequence > head.sequence {
        return Err(StorageError::ChainMismatch);
    }
    if cp.sequence > 0 && link_at(cp.sequence)? != Some(cp.head) {
        return Err(StorageError::ChainMismatch);
    }
    if cp.retained_from > 1 && link_at(cp.retained_from - 1)? != Some(cp.retained_previous) {
        return Err(StorageError::ChainMismatch);
    }
    Ok(())
}

/// What a TAN authorises an upload of: the protocol's [`UploadPurpose`], stored as its byte.
pub use venuecode_protocol::UploadPurpose;

/// A TAN as the HA registers it: only its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewTan {
    /// `tan_hash(tan)`.
    pub hash: [u8; 32],
    /// Unix seconds after which the TAN no longer works.
    pub expires_at: u64,
    /// What it authorises.
    pub purpose: UploadPurpose,
}

/// A stored TAN's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TanRecord {
    /// Unix seconds after which the TAN no longer works.
    pub expires_at: u64,
    /// What it authorises.
    pub purpose: UploadPurpose,
    /// Unix seconds when it was registered.
    pub registered_at: u64,
    /// Whether it was used.
    pub used: bool,
    /// Whether the HA cancelled it ([`Storage::cancel_tan`]): it no longer authorises anything.
    pub cancelled: bool,
}

/// What the server keeps about an upload, apart from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadMeta {
    /// The upload id, from 1.
    pub id: u64,
    /// The TAN purpose it came with.
    pub purpose: UploadPurpose,
    /// Unix seconds when it arrived.
    pub received_at: u64,
    /// Size in bytes.
    pub size: u64,
}

/// One row of the venue statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VenueStatRow {
    /// Region code.
    pub region: u32,
    /// Category byte.
    pub category: u8,
    /// Current certificates not revoked.
    pub active: u64,
    /// Current certificates revoked by the venue or disabled by the RA.
    pub revoked: u64,
}

/// One row of the exposure statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExposureStatRow {
    /// UTC day (Unix day number) the batches arrived.
    pub day: u32,
    /// Batches that arrived that day.
    pub batches: u64,
    /// Records in them.
    pub records: u64,
}

/// One row of the count statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountStatRow {
    /// Region code.
    pub region: u32,
    /// Category byte.
    pub category: u8,
    /// The epoch (the venue's local day) the venue registered the tag for.
    pub epoch: u32,
    /// Pings counted.
    pub count: u64,
}

/// Where a registration held for review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewState {
    /// Waiting for the RA administrator.
    Waiting,
    /// Approved: the certificate issued has this serial.
    Approved(u64),
    /// Refused by the RA administrator.
    Refused,
}

impl ReviewState {
    /// The state as two stored numbers: a byte (0 waiting, 1 approved, 2 refused) and the
    /// serial (0 unless approved).
    pub fn to_parts(self) -> (u8, u64) {
        match self {
            Self::Waiting => (0, 0),
            Self::Approved(serial) => (1, serial),
            Self::Refused => (2, 0),
        }
    }

    /// The state stored as [`ReviewState::to_parts`] gave it.
    pub fn from_parts(state: u8, serial: u64) -> Option<Self> {
        match state {
            0 => Some(Self::Waiting),
            1 => Some(Self::Approved(serial)),
            2 => Some(Self::Refused),
            _ => None,
        }
    }
}

/// A registration held for review (`--review-registrations`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRegistration {
    /// Its number, from 1.
    pub id: u64,
    /// The `RegistrationRequest` to certify, as the server will issue it (names in NFC).
    pub request: Vec<u8>,
    /// Unix seconds when it arrived.
    pub received_at: u64,
    /// Where it stands.
    pub state: ReviewState,
}

/// How much a retention pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Exposure batches.
    pub batches: u64,
    /// Uploads.
    pub uploads: u64,
    /// TANs.
    pub tans: u64,
    /// Count rows and count-tag registrations.
    pub counts: u64,
    /// Expired request nonces.
    pub nonces: u64,
}

/// What makes two venues the same for the duplicate check: SHA-256 over the certificate's
/// name, address (each length-prefixed) and region. `None` when the bytes are not a
/// certificate (test fixtures), which then take part in no duplicate check.
pub fn venue_identity(certificate: &[u8]) -> Option<[u8; 32]> {
    use venuecode_protocol::Codec as _;
    let cert = venuecode_protocol::VenueCertificate::decode(certificate).ok()?;
    let info = cert.info();
    let name = info.name().as_bytes();
    let address = info.address().as_bytes();
    let len = |b: &[u8]| u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes();
    Some(venuecode_protocol::hash::sha256(&[
        b"venuecode/venue-identity",
        &len(name),
        name,
        &len(address),
        address,
        &info.region().get().to_be_bytes(),
    ]))
}

/// Why a storage operation did not happen. Variants other than [`StorageError::Backend`] are
/// outcomes the API reports to the client; none carries user data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// No such venue, batch or upload.
    NotFound,
    /// The venue certificate is already revoked (or superseded).
    Revoked,
    /// An exposure batch with this batch id was accepted before (stored or expired).
    DuplicateBatch,
    /// The batch does not extend the stored chain head, or the checkpoint names a batch the
    /// chain does not hold.
    ChainMismatch,
    /// The checkpoint is older than the stored one.
    StaleCheckpoint,
    /// The TAN was never registered (or has been deleted by retention).
    TanUnknown,
    /// The TAN was used before.
    TanUsed,
    /// The TAN has expired.
    TanExpired,
    /// The HA cancelled the TAN.
    TanCancelled,
    /// A certificate was issued for this venue key before: a venue registers once and then
    /// updates its certificate.
    VenueKeyRegistered,
    /// The RA administrator disabled this venue key's certificate; it cannot register again.
    VenueKeyDisabled,
    /// An active venue has the same name, address and region.
    DuplicateVenue,
    /// The registration held for review was approved or refused already.
    ReviewDecided,
    /// The database failed; the text is for the operator's log.
    Backend(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("not found"),
            Self::Revoked => f.write_str("venue certificate is revoked"),
            Self::DuplicateBatch => f.write_str("exposure batch id seen before"),
            Self::ChainMismatch => f.write_str("does not match the stored batch chain"),
            Self::StaleCheckpoint => f.write_str("checkpoint older than the stored one"),
            Self::TanUnknown => f.write_str("TAN unknown"),
            Self::TanUsed => f.write_str("TAN already used"),
            Self::TanExpired => f.write_str("TAN expired"),
            Self::TanCancelled => f.write_str("TAN cancelled"),
            Self::VenueKeyRegistered => f.write_str("venue key registered before"),
            Self::VenueKeyDisabled => f.write_str("venue key disabled"),
            Self::DuplicateVenue => f.write_str("duplicate of an active venue"),
            Self::ReviewDecided => f.write_str("registration already reviewed"),
            Self::Backend(e) => write!(f, "storage backend: {e}"),
        }
    }
}

impl std::error::Error for StorageError {}

/// Shorthand for storage results.
pub type StorageResult<T> = Result<T, StorageError>;

/// Everything the server stores. Implementations must make each method atomic and durable.
///
/// Implementations shared by several server processes (PostgreSQL) must keep every promise
/// below across processes: [`Storage::consume_tan`] has one winner among all replicas,
/// [`Storage::record_nonce`] refuses a nonce any replica recorded, and the batch and
/// revocation sequence numbers are gapless, unique and visible in order (a reader that sees
/// number `n` sees every number below it).
pub trait Storage: Send + Sync + 'static {
    /// Records a request nonce of `key_id` until `expires_at` (Unix seconds). Returns `false`
    /// when it was already recorded: the request is a replay.
    fn record_nonce(
        &self,
        key_id: [u8; 8],
        nonce: [u8; 16],
        expires_at: u64,
    ) -> StorageResult<bool>;

    /// Reserves the next certificate serial (from 1). A reserved serial that is never used
    /// leaves a gap, which is harmless.
    fn allocate_serial(&self) -> StorageResult<u64>;

    /// Stores a newly issued certificate. Refuses, writing nothing, a venue key that has a
    /// certificate already ([`StorageError::VenueKeyDisabled`] when the RA disabled it, else
    /// [`StorageError::VenueKeyRegistered`]) and a certificate whose [`venue_identity`] is that
    /// of an active (unrevoked) venue ([`StorageError::DuplicateVenue`]).
    fn insert_venue(&self, venue: &VenueRecord) -> StorageResult<()>;

    /// The stored record of a serial.
    fn venue(&self, serial: u64) -> StorageResult<Option<VenueRecord>>;

    /// At most `limit` current certificates (not superseded by an update; revoked ones
    /// included) with a serial above `after`, in serial order: the pages the RA administrator's
    /// search by name reads.
    fn current_venues_page(&self, after: u64, limit: usize) -> StorageResult<Vec<VenueRecord>>;

    /// The newest certificate issued for a venue key (the one with the highest serial): the
    /// head of its update chain. One indexed lookup, whatever the chain's length.
    fn newest_venue(&self, venue_key: &[u8; 32]) -> StorageResult<Option<VenueRecord>>;

    /// Stores `new` and revokes `old` with `reason` at `at` (Unix minute), atomically. Fails
    /// with [`StorageError::Revoked`] if `old` is already revoked, [`StorageError::NotFound`]
    /// if it does not exist and [`StorageError::DuplicateVenue`] if `new` has the identity of an
    /// active venue other than `old`. Returns the revocation sequence number.
    fn supersede_venue(
        &self,
        old: u64,
        new: &VenueRecord,
        reason: u8,
        at: u32,
    ) -> StorageResult<u64>;

    /// Holds a registration for review. Returns its number.
    fn add_pending(&self, request: &[u8], received_at: u64) -> StorageResult<u64>;

    /// A registration held for review, whatever its state.
    fn pending(&self, id: u64) -> StorageResult<Option<PendingRegistration>>;

    /// The registrations waiting for review, oldest first.
    fn pending_waiting(&self) -> StorageResult<Vec<PendingRegistration>>;

    /// Stores `venue` as [`Storage::insert_venue`] does (with its refusals) and marks the
    /// registration `id` approved with its serial, atomically. Fails with
    /// [`StorageError::NotFound`] or [`StorageError::ReviewDecided`], writing nothing.
    fn approve_pending(&self, id: u64, venue: &VenueRecord) -> StorageResult<()>;

    /// Marks the registration `id` refused. Fails with [`StorageError::NotFound`] or
    /// [`StorageError::ReviewDecided`].
    fn refuse_pending(&self, id: u64) -> StorageResult<()>;

    /// Revokes a serial with `reason` at `at` (Unix minute). Returns the sequence number.
    fn revoke_venue(&self, serial: u64, reason: u8, at: u32) -> StorageResult<u64>;

    /// At most `limit` revocation entries after `after`, in order, and the latest sequence
    /// number (the head). Reads only the entries it returns.
    fn revocation_page(
        &self,
        after: u64,
        limit: usize,
    ) -> StorageResult<(Vec<RevocationEntry>, u64)>;

    /// Every revocation entry after `after`, and the latest sequence number. For tests and
    /// tools; the API pages with [`Storage::revocation_page`].
    fn revocations_after(&self, after: u64) -> StorageResult<(Vec<RevocationEntry>, u64)> {
        self.revocation_page(after, usize::MAX)
    }

    /// Stores many newly issued certificates; backends do it in one transaction. For tests,
    /// benchmarks and imports.
    fn insert_venues(&self, venues: &[VenueRecord]) -> StorageResult<()> {
        for v in venues {
            self.insert_venue(v)?;
        }
        Ok(())
    }

    /// Revokes many certificates for tests and benchmarks: revokes each serial (which must exist
    /// and not be revoked) with `reason` at `at`; backends do it in one transaction. Returns the
    /// last sequence.
    fn revoke_many(&self, serials: &[u64], reason: u8, at: u32) -> StorageResult<u64> {
        let mut last = 0;
        for s in serials {
            last = self.revoke_venue(*s, reason, at)?;
        }
        Ok(last)
    }

    /// Stores a verified batch at the head of the chain, atomically. Refuses with
    /// [`StorageError::DuplicateBatch`] a batch id accepted before (even if that batch expired),
    /// then with [`StorageError::ChainMismatch`] a batch whose sequence is not the head's plus
    /// one or whose `previous` is not the head's link. Returns the sequence.
    fn insert_batch(&self, batch: &NewBatch<'_>) -> StorageResult<u64>;

    /// The chain head: kept after every batch expired.
    fn chain_head(&self) -> StorageResult<StoredHead>;

    /// Up to `limit` stored batches after `after`, and the head's sequence.
    fn batches_after(&self, after: u64, limit: usize) -> StorageResult<(Vec<BatchMeta>, u64)>;

    /// One batch's metadata and bytes.
    fn batch(&self, sequence: u64) -> StorageResult<Option<(BatchMeta, Vec<u8>)>>;

    /// Stores `cp` as the newest checkpoint, atomically with the checks of
    /// [`check_checkpoint`] ([`StorageError::StaleCheckpoint`], [`StorageError::ChainMismatch`]).
    fn put_checkpoint(&self, cp: &NewCheckpoint<'_>) -> StorageResult<()>;

    /// The newest checkpoint's bytes.
    fn checkpoint(&self) -> StorageResult<Option<Vec<u8>>>;

    /// Registers TANs; a hash already registered is left as it is. Returns how many were new.
    fn register_tans(&self, tans: &[NewTan], registered_at: u64) -> StorageResult<usize>;

    /// A TAN's state.
    fn tan(&self, hash: &[u8; 32]) -> StorageResult<Option<TanRecord>>;

    /// Marks the TAN used and stores the upload, in one transaction: of concurrent calls with
    /// one TAN, exactly one succeeds; a cancelled TAN is refused ([`StorageError::TanCancelled`]).
    /// Returns the upload id.
    fn consume_tan(&self, hash: &[u8; 32], now: u64, bytes: &[u8]) -> StorageResult<u64>;

    /// Cancels an unused TAN, in one transaction with [`Storage::consume_tan`]'s check: of a
    /// cancel and an upload racing for one TAN, exactly one wins. [`StorageError::TanUnknown`]
    /// when it is not registered, [`StorageError::TanUsed`] when an upload used it,
    /// [`StorageError::TanCancelled`] when it was cancelled before. An expired TAN can be
    /// cancelled.
    fn cancel_tan(&self, hash: &[u8; 32]) -> StorageResult<()>;

    /// All stored uploads' metadata, oldest first.
    fn uploads(&self) -> StorageResult<Vec<UploadMeta>>;

    /// One upload's metadata and bytes.
    fn upload(&self, id: u64) -> StorageResult<Option<(UploadMeta, Vec<u8>)>>;

    /// Deletes an upload; `false` if there was none.
    fn delete_upload(&self, id: u64) -> StorageResult<bool>;

    /// Counts one ping of `(key_id, tag)` on `day` (the UTC day the server received it) if the
    /// venue key `key_id` registered `tag`; returns whether it counted.
    fn add_count(&self, day: u32, key_id: [u8; 8], tag: [u8; 16]) -> StorageResult<bool>;

    /// Counts of `(key_id, tag)` per receiving day in `from..=to`.
    fn counts(
        &self,
        key_id: [u8; 8],
        tag: [u8; 16],
        from: u32,
        to: u32,
    ) -> StorageResult<Vec<(u32, u64)>>;

    /// Files count tags under the venue key `key_id` (of certificate `serial`, for statistics),
    /// each for its venue-local epoch. A pair already registered by that key is left as it is;
    /// other keys' registrations are never touched. Returns how many were new.
    fn register_count_tags(
        &self,
        key_id: [u8; 8],
        serial: u64,
        tags: &[(u32, [u8; 16])],
    ) -> StorageResult<usize>;

    /// At most `limit` rows of current certificates by region and category, after the key
    /// `after` (from the first when `None`), in key order. Answered from totals kept at write
    /// time: it reads only the rows it returns, however many venues are stored.
    fn venue_stats_page(
        &self,
        after: Option<(u32, u8)>,
        limit: usize,
    ) -> StorageResult<Vec<VenueStatRow>>;

    /// At most `limit` days of batches and records after the day `after`, in order; reads only
    /// the rows it returns.
    fn exposure_stats_page(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> StorageResult<Vec<ExposureStatRow>>;

    /// At most `limit` rows of pings counted by region, category and epoch, after the key
    /// `after`, in key order. Answered from totals kept as pings are counted (a row appears when
    /// a tag is registered for it): it reads only the rows it returns, however many tags and
    /// pings are stored.
    fn count_stats_page(
        &self,
        after: Option<(u32, u8, u32)>,
        limit: usize,
    ) -> StorageResult<Vec<CountStatRow>>;

    /// How many statistics rows the `*_stats_page` methods of this store read so far: the work
    /// they did, for tests that hold them to it. 0 where not measured.
    fn stats_rows_read(&self) -> u64 {
        0
    }

    /// Every venue statistics row. For tests and tools; the API pages.
    fn venue_stats(&self) -> StorageResult<Vec<VenueStatRow>> {
        self.venue_stats_page(None, usize::MAX)
    }

    /// Every exposure statistics row. For tests and tools; the API pages.
    fn exposure_stats(&self) -> StorageResult<Vec<ExposureStatRow>> {
        self.exposure_stats_page(None, usize::MAX)
    }

    /// Every count statistics row. For tests and tools; the API pages.
    fn count_stats(&self) -> StorageResult<Vec<CountStatRow>> {
        self.count_stats_page(None, usize::MAX)
    }

    /// Deletes batches received before `batch_cutoff`, uploads and TANs received or registered
    /// before `cutoff` (Unix seconds), counts of receiving days and count tags of epochs before
    /// `cutoff_day` (with their statistics totals), and nonces expired at `now`. The chain head,
    /// batch links and batch ids stay.
    fn purge(
        &self,
        cutoff: u64,
        batch_cutoff: u64,
        cutoff_day: u32,
        now: u64,
    ) -> StorageResult<PurgeReport>;
}
