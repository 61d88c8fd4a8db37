//! [`Storage`] on PostgreSQL, shared by several server replicas.
//!
//! Every method that writes is one transaction, committed with `synchronous_commit = on`: a
//! `2xx` answer means the write is in PostgreSQL's durable WAL. Concurrency across replicas is
//! left to PostgreSQL's row locks and constraints:
//!
//! - **Counters** (certificate serials, revocation and batch sequence numbers, upload ids) are
//!   rows of the `counters` table, incremented with `UPDATE … RETURNING` inside the writing
//!   transaction. The row stays locked until that transaction commits, and a rolled-back
//!   transaction rolls the increment back, so the numbers are **gapless and unique**, as on redb,
//!   and transactions that take a number commit in the order of their numbers. A reader therefore
//!   never sees batch `n + 1` without batch `n`, so a client that polls `after=latest` misses
//!   nothing. (A plain sequence would leave gaps on rollback and could commit out of order.)
//! - **TANs** are consumed with a conditional `UPDATE … WHERE NOT used … RETURNING`: of
//!   concurrent consumers, across any number of replicas, exactly one updates the row; the others
//!   wait for its row lock, re-check the condition and find it used. The upload is stored in the
//!   same transaction.
//! - **Nonces** are rows under a primary key (`INSERT … ON CONFLICT DO NOTHING`): a nonce seen
//!   by one replica is a replay on every other.
//!
//! A transaction that PostgreSQL aborts as a deadlock or serialisation failure is retried. The
//! schema is created on open, under an advisory lock so that replicas starting together do not
//! race, and its version is kept in `venuecode_schema`.
//!
//! Connections come from a small pool of synchronous `postgres` clients (no TLS: keep the
//! database on a private network or a local socket).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, IsolationLevel, NoTls, Transaction};

use super::{
    check_checkpoint, BatchMeta, CountStatRow, ExposureStatRow, NewBatch, NewCheckpoint, NewTan,
    PendingRegistration, PurgeReport, ReviewState, RevocationEntry, Storage, StorageError,
    StorageResult, StoredHead, TanRecord, UploadMeta, UploadPurpose, VenueRecord, VenueStatRow,
};

/// The schema version this code creates and understands. Version 1 held wire-v1 data (batches
/// numbered by the server, counts by tag alone); a database of that version is refused.
const SCHEMA_VERSION: i32 = 2;

/// Key of the advisory lock held while the schema is created.
const SCHEMA_LOCK: i64 = 0x7665_6e75_6563_6f64; // "venuecod"

/// Key of the advisory lock that serialises checkpoint updates across replicas.
const CHECKPOINT_LOCK: i64 = 0x7665_6e75_6563_7063; // "venuecpc"

/// How often a transaction aborted as a deadlock or serialisation failure is tried again.
const MAX_ATTEMPTS: u32 = 5;

/// How long a caller waits for a free connection before giving up.
const POOL_WAIT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS venuecode_schema (
    version INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES
    ('next_serial', 0), ('revocation_seq', 0), ('batch_seq', 0), ('upload_id', 0),
    ('pending_id', 0)
    ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS nonces (
    key_id BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_expires_at ON nonces (expires_at);
CREATE TABLE IF NOT EXISTS venues (
    serial BIGINT PRIMARY KEY,
    certificate BYTEA NOT NULL,
    venue_key BYTEA NOT NULL,
    region BIGINT NOT NULL,
    category SMALLINT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_seq BIGINT,
    revoked_reason SMALLINT,
    superseded_by BIGINT,
    -- The duplicate check's identity (see `venue_identity`).
    identity BYTEA
);
-- The indexes that make the newest certificate of a venue key and an active venue's identity
-- one lookup each.
CREATE INDEX IF NOT EXISTS venues_by_key ON venues (venue_key, serial);
CREATE INDEX IF NOT EXISTS venues_active_identity ON venues (identity)
    WHERE revoked_seq IS NULL;
-- Registrations held for review: state 0 waiting, 1 approved (serial set), 2 refused.
CREATE TABLE IF NOT EXISTS pending_registrations (
    id BIGINT PRIMARY KEY,
    request BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    state SMALLINT NOT NULL,
    serial BIGINT
);
CREATE TABLE IF NOT EXISTS revocations (
    sequence BIGINT PRIMARY KEY,
    serial BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL,
    reason SMALLINT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    sequence BIGINT PRIMARY KEY,
    digest BYTEA NOT NULL,
    size BIGINT NOT NULL,
    records BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);
-- Batches are signed records, incompressible: store them out of line without trying to
-- compress them, so reads need no decompression pass. Altered once per database (the ALTER
-- locks the table), for rows written after.
DO $$
BEGIN
    IF (SELECT attstorage FROM pg_attribute
        WHERE attrelid = 'batches'::regclass AND attname = 'bytes') <> 'e' THEN
        ALTER TABLE batches ALTER COLUMN bytes SET STORAGE EXTERNAL;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS batches_received_at ON batches (received_at);
-- Every batch ever accepted, by the HA's sequence: its link and batch id. Kept after the batch
-- expires, so that the chain head survives and a batch id is never accepted twice.
CREATE TABLE IF NOT EXISTS batch_chain (
    sequence BIGINT PRIMARY KEY,
    link BYTEA NOT NULL,
    batch_id BYTEA NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS checkpoint (
    id SMALLINT PRIMARY KEY CHECK (id = 0),
    issued_at BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS exposure_days (
    day BIGINT PRIMARY KEY,
    batches BIGINT NOT NULL,
    records BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS tans (
    hash BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    purpose SMALLINT NOT NULL,
    registered_at BIGINT NOT NULL,
    used BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS tans_registered_at ON tans (registered_at);
-- Cancelled by the HA (DELETE /v1/tans/{hash}). Added once to a database created before it
-- (the ALTER locks the table, so it runs only when the column is missing).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
        WHERE attrelid = 'tans'::regclass AND attname = 'cancelled' AND NOT attisdropped) THEN
        ALTER TABLE tans ADD COLUMN cancelled BOOLEAN NOT NULL DEFAULT FALSE;
    END IF;
END
$$;
CREATE TABLE IF NOT EXISTS uploads (
    id BIGINT PRIMARY KEY,
    purpose SMALLINT NOT NULL,
    received_at BIGINT NOT NULL,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_received_at ON uploads (received_at);
CREATE TABLE IF NOT EXISTS counts (
    key_id BYTEA NOT NULL,
    tag BYTEA NOT NULL,
    day BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (key_id, tag, day)
);
CREATE INDEX IF NOT EXISTS counts_day ON counts (day);
CREATE TABLE IF NOT EXISTS count_tags (
    key_id BYTEA NOT NULL,
    tag BYTEA NOT NULL,
    serial BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    PRIMARY KEY (key_id, tag)
);
CREATE INDEX IF NOT EXISTS count_tags_epoch ON count_tags (epoch);
-- The statistics, kept at write time by the triggers below, so that a statistics page reads
-- only the rows it returns however many venues, tags and pings are stored.
CREATE TABLE IF NOT EXISTS venue_totals (
    region BIGINT NOT NULL,
    category SMALLINT NOT NULL,
    active BIGINT NOT NULL,
    revoked BIGINT NOT NULL,
    PRIMARY KEY (region, category)
);
CREATE TABLE IF NOT EXISTS count_totals (
    region BIGINT NOT NULL,
    category SMALLINT NOT NULL,
    epoch BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (region, category, epoch)
);
CREATE INDEX IF NOT EXISTS count_totals_epoch ON count_totals (epoch);
-- A current certificate (not superseded) counts as active or revoked in its region and
-- category; a row that falls to zero is removed.
CREATE OR REPLACE FUNCTION venuecode_venue_totals() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.superseded_by IS NULL THEN
            UPDATE venue_totals
                SET active = active - (OLD.revoked_seq IS NULL)::int,
                    revoked = revoked - (OLD.revoked_seq IS NOT NULL)::int
                WHERE region = OLD.region AND category = OLD.category;
        END IF;
    END IF;
    IF NEW.superseded_by IS NULL THEN
        INSERT INTO venue_totals (region, category, active, revoked)
            VALUES (NEW.region, NEW.category, (NEW.revoked_seq IS NULL)::int,
                    (NEW.revoked_seq IS NOT NULL)::int)
            ON CONFLICT (region, category) DO UPDATE
            SET active = venue_totals.active + EXCLUDED.active,
                revoked = venue_totals.revoked + EXCLUDED.revoked;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM venue_totals
            WHERE region = OLD.region AND category = OLD.category AND active = 0 AND revoked = 0;
    END IF;
    RETURN NULL;
END
$f$;
DROP TRIGGER IF EXISTS venues_totals ON venues;
CREATE TRIGGER venues_totals AFTER INSERT OR UPDATE ON venues
    FOR EACH ROW EXECUTE FUNCTION venuecode_venue_totals();
-- A registered tag opens its (region, category, epoch) row; a counted ping adds to it.
CREATE OR REPLACE FUNCTION venuecode_tag_totals() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO count_totals (region, category, epoch, count)
        SELECT v.region, v.category, NEW.epoch, 0 FROM venues v WHERE v.serial = NEW.serial
        ON CONFLICT (region, category, epoch) DO NOTHING;
    RETURN NULL;
END
$f$;
DROP TRIGGER IF EXISTS count_tags_totals ON count_tags;
CREATE TRIGGER count_tags_totals AFTER INSERT ON count_tags
    FOR EACH ROW EXECUTE FUNCTION venuecode_tag_totals();
CREATE OR REPLACE FUNCTION venuecode_count_totals() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    d BIGINT := NEW.count;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        d := NEW.count - OLD.count;
    END IF;
    INSERT INTO count_totals (region, category, epoch, count)
        SELECT v.region, v.category, ct.epoch, d
        FROM count_tags ct JOIN venues v ON v.serial = ct.serial
        WHERE ct.key_id = NEW.key_id AND ct.tag = NEW.tag
        ON CONFLICT (region, category, epoch) DO UPDATE
        SET count = count_totals.count + EXCLUDED.count;
    RETURN NULL;
END
$f$;
DROP TRIGGER IF EXISTS counts_totals ON counts;
CREATE TRIGGER counts_totals AFTER INSERT OR UPDATE ON counts
    FOR EACH ROW EXECUTE FUNCTION venuecode_count_totals();
-- A database written before the totals existed is counted into them once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM counters WHERE name = 'stats_totals') THEN
        INSERT INTO venue_totals (region, category, active, revoked)
            SELECT region, category, count(*) FILTER (WHERE revoked_seq IS NULL),
                   count(*) FILTER (WHERE revoked_seq IS NOT NULL)
            FROM venues WHERE superseded_by IS NULL GROUP BY region, category
            ON CONFLICT DO NOTHING;
        INSERT INTO count_totals (region, category, epoch, count)
            SELECT v.region, v.category, ct.epoch, COALESCE(sum(c.count), 0)::bigint
            FROM count_tags ct JOIN venues v ON v.serial = ct.serial
            LEFT JOIN counts c ON c.key_id = ct.key_id AND c.tag = ct.tag
            GROUP BY v.region, v.category, ct.epoch
            ON CONFLICT DO NOTHING;
        INSERT INTO counters (name, value) VALUES ('stats_totals', 1);
    END IF;
END
$$;
";

/// Why a transaction body stopped: an outcome to return as it is (after rolling back), or a
/// database error, which may be retried.
enum Fail {
    Stop(StorageError),
    Db(postgres::Error),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Self {
        Self::Db(e)
    }
}

impl From<StorageError> for Fail {
    fn from(e: StorageError) -> Self {
        Self::Stop(e)
    }
}

type TxResult<T> = Result<T, Fail>;

/// The error for the operator's log: PostgreSQL's message and SQLSTATE, never its detail
/// (which can quote stored values).
fn backend(e: &postgres::Error) -> StorageError {
    StorageError::Backend(match e.as_db_error() {
        Some(db) => format!("postgres: {} (SQLSTATE {})", db.message(), db.code().code()),
        None => format!("postgres: {e}"),
    })
}

fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// The connection broke or the server ended it (a restart, a failover, a terminated backend):
/// an idempotent statement can run again on another connection.
fn connection_lost(e: &postgres::Error) -> bool {
    e.is_closed()
        // SQLSTATE class 08: connection exception; 57: operator intervention (admin shutdown,
        // crash recovery).
        || e
            .code()
            .and_then(|c| c.code().get(..2))
            .is_some_and(|class| class == "08" || class == "57")
}

/// A `u64` as a stored `BIGINT`; values past `i64::MAX` cannot be stored.
fn big(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v)
        .map_err(|_| StorageError::Backend(format!("{v} does not fit a PostgreSQL BIGINT")))
}

/// A `u64` query bound as a `BIGINT`, saturating: every stored value is at most `i64::MAX`.
/// The columns [`venue_row`] reads, in its order.
const VENUE_COLUMNS: &str = "serial, certificate, venue_key, region, category, issued_at, \
                             revoked_seq, revoked_reason, superseded_by";

/// A `venues` row selected as [`VENUE_COLUMNS`].
fn venue_row(r: &postgres::Row) -> Result<VenueRecord, StorageError> {
    let revoked = match (r.get::<_, Option<i64>>(6), r.get::<_, Option<i16>>(7)) {
        (Some(seq), reason) => Some((unsigned(seq)?, small(reason.unwrap_or(0))?)),
        (None, _) => None,
    };
    Ok(VenueRecord {
        serial: unsigned(r.get::<_, i64>(0))?,
        certificate: r.get(1),
        venue_key: array(r.get::<_, &[u8]>(2))?,
        region: unsigned(r.get::<_, i64>(3))?,
        category: small(r.get::<_, i16>(4))?,
        issued_at: unsigned(r.get::<_, i64>(5))?,
        revoked,
        superseded_by: r.get::<_, Option<i64>>(8).map(unsigned).transpose()?,
    })
}

fn bound(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unsigned<T: TryFrom<i64>>(v: i64) -> Result<T, StorageError> {
    T::try_from(v).map_err(|_| StorageError::Backend(format!("stored value {v} out of range")))
}

fn small<T: TryFrom<i16>>(v: i16) -> Result<T, StorageError> {
    T::try_from(v).map_err(|_| StorageError::Backend(format!("stored value {v} out of range")))
}

fn array<const N: usize>(v: &[u8]) -> Result<[u8; N], StorageError> {
    v.try_into()
        .map_err(|_| StorageError::Backend(format!("stored value is not {N} bytes")))
}

fn purpose(b: i16) -> Result<UploadPurpose, StorageError> {
    u8::try_from(b)
        .ok()
        .and_then(UploadPurpose::from_byte)
        .ok_or_else(|| StorageError::Backend("unknown stored purpose".into()))
}

fn day_of(unix_seconds: u64) -> i64 {
    i64::from(u32::try_from(unix_seconds / 86_400).unwrap_or(u32::MAX))
}

/// Increments a counter row and returns the new value; the row stays locked until the
/// transaction ends.
fn bump(tx: &mut Transaction<'_>, name: &str) -> TxResult<u64> {
    let row = tx.query_one(
        "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value",
        &[&name],
    )?;
    Ok(unsigned(row.get::<_, i64>(0))?)
}

fn counter(tx: &mut Transaction<'_>, name: &str) -> TxResult<u64> {
    let row = tx.query_opt("SELECT value FROM counters WHERE name = $1", &[&name])?;
    Ok(match row {
        Some(r) => unsigned(r.get::<_, i64>(0))?,
        None => 0,
    })
}

/// The link of accepted batch `sequence` (kept after expiry), if any.
fn link_at(tx: &mut Transaction<'_>, sequence: u64) -> Result<Option<[u8; 32]>, postgres::Error> {
    let row = tx.query_opt(
        "SELECT link FROM batch_chain WHERE sequence = $1",
        &[&bound(sequence)],
    )?;
    Ok(row.and_then(|r| <[u8; 32]>::try_from(r.get::<_, &[u8]>(0)).ok()))
}

/// The link of the chain head at `sequence`: zeros before the first batch.
fn head_link(tx: &mut Transaction<'_>, sequence: u64) -> TxResult<[u8; 32]> {
    if sequence == 0 {
        return Ok([0u8; 32]);
    }
    link_at(tx, sequence)?
        .ok_or_else(|| StorageError::Backend("the chain head's link is missing".into()).into())
}

fn upsert_venue(tx: &mut Transaction<'_>, v: &VenueRecord) -> TxResult<()> {
    let (seq, reason) = match v.revoked {
        Some((seq, reason)) => (Some(big(seq)?), Some(i16::from(reason))),
        None => (None, None),
    };
    let superseded = v.superseded_by.map(big).transpose()?;
    let identity = super::venue_identity(&v.certificate).map(|id| id.to_vec());
    tx.execute(
        "INSERT INTO venues (serial, certificate, venue_key, region, category, issued_at,
                             revoked_seq, revoked_reason, superseded_by, identity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (serial) DO UPDATE SET
             certificate = EXCLUDED.certificate, venue_key = EXCLUDED.venue_key,
             region = EXCLUDED.region, category = EXCLUDED.category,
             issued_at = EXCLUDED.issued_at, revoked_seq = EXCLUDED.revoked_seq,
             revoked_reason = EXCLUDED.revoked_reason, superseded_by = EXCLUDED.superseded_by,
             identity = EXCLUDED.identity",
        &[
            &big(v.serial)?,
            &v.certificate,
            &v.venue_key.as_slice(),
            &i64::from(v.region),
            &i16::from(v.category),
            &big(v.issued_at)?,
            &seq,
            &reason,
            &superseded,
            &identity,
        ],
    )?;
    Ok(())
}

/// Revocation reason byte of a certificate the RA disabled.
const DISABLED: i16 = venuecode_protocol::RevocationReason::DISABLED_BY_AUTHORITY.0 as i16;

/// Serialises the writers of venues, so that two registrations of one key or one identity
/// cannot both pass their checks, on any replica.
fn lock_venues(tx: &mut Transaction<'_>) -> TxResult<()> {
    tx.batch_execute("LOCK TABLE venues IN SHARE ROW EXCLUSIVE MODE")?;
    Ok(())
}

/// Stores a new venue (the venues table locked), refusing a key registered before and a
/// duplicate of an active venue.
fn insert_new(tx: &mut Transaction<'_>, venue: &VenueRecord) -> TxResult<()> {
    let head = tx.query_opt(
        "SELECT revoked_reason FROM venues WHERE venue_key = $1
         ORDER BY serial DESC LIMIT 1",
        &[&venue.venue_key.as_slice()],
    )?;
    if let Some(row) = head {
        return Err(if row.get::<_, Option<i16>>(0) == Some(DISABLED) {
            StorageError::VenueKeyDisabled.into()
        } else {
            StorageError::VenueKeyRegistered.into()
        });
    }
    unique_identity(tx, venue, 0)?;
    upsert_venue(tx, venue)
}

/// Locks the review row of `id`, refusing one that is missing or decided.
fn waiting(tx: &mut Transaction<'_>, id: u64) -> TxResult<()> {
    let row = tx.query_opt(
        "SELECT state FROM pending_registrations WHERE id = $1 FOR UPDATE",
        &[&bound(id)],
    )?;
    match row.map(|r| r.get::<_, i16>(0)) {
        None => Err(StorageError::NotFound.into()),
        Some(0) => Ok(()),
        Some(_) => Err(StorageError::ReviewDecided.into()),
    }
}

fn pending_row(r: &postgres::Row) -> Result<PendingRegistration, StorageError> {
    let state = small::<u8>(r.get::<_, i16>(3))?;
    let serial = r.get::<_, Option<i64>>(4).map(unsigned).transpose()?;
    Ok(PendingRegistration {
        id: unsigned(r.get::<_, i64>(0))?,
        request: r.get(1),
        received_at: unsigned(r.get::<_, i64>(2))?,
        state: ReviewState::from_parts(state, serial.unwrap_or(0))
            .ok_or_else(|| StorageError::Backend("unknown stored review state".into()))?,
    })
}

/// Refuses `v` when an active venue other than `replacing` has its identity.
fn unique_identity(tx: &mut Transaction<'_>, v: &VenueRecord, replacing: u64) -> TxResult<()> {
    if let Some(id) = super::venue_identity(&v.certificate) {
        let taken = tx.query_opt(
            "SELECT 1 FROM venues WHERE identity = $1 AND revoked_seq IS NULL AND serial <> $2
             LIMIT 1",
            &[&id.as_slice(), &bound(replacing)],
        )?;
        if taken.is_some() {
            return Err(StorageError::DuplicateVenue.into());
        }
    }
    Ok(())
}

/// Revokes `serial` (locking its row) and appends to the revocation log.
fn revoke_in(
    tx: &mut Transaction<'_>,
    serial: u64,
    reason: u8,
    at: u32,
    superseded_by: Option<u64>,
) -> TxResult<u64> {
    let row = tx.query_opt(
        "SELECT revoked_seq FROM venues WHERE serial = $1 FOR UPDATE",
        &[&bound(serial)],
    )?;
    let Some(row) = row else {
        return Err(StorageError::NotFound.into());
    };
    if row.get::<_, Option<i64>>(0).is_some() {
        return Err(StorageError::Revoked.into());
    }
    let seq = bump(tx, "revocation_seq")?;
    let superseded = superseded_by.map(big).transpose()?;
    tx.execute(
        "UPDATE venues SET revoked_seq = $2, revoked_reason = $3,
                           superseded_by = COALESCE($4, superseded_by)
         WHERE serial = $1",
        &[&big(serial)?, &big(seq)?, &i16::from(reason), &superseded],
    )?;
    tx.execute(
        "INSERT INTO revocations (sequence, serial, revoked_at, reason) VALUES ($1, $2, $3, $4)",
        &[
            &big(seq)?,
            &big(serial)?,
            &i64::from(at),
            &i16::from(reason),
        ],
    )?;
    Ok(seq)
}

struct PoolState {
    idle: Vec<Client>,
    open: usize,
}

/// At most `max` connections; a caller waits for a free one.
struct Pool {
    config: postgres::Config,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

/// A connection on loan from the pool; returned when dropped, unless it broke.
struct Conn<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Conn<'_> {
    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a loaned connection is present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut state = self.pool.lock();
        if client.is_closed() {
            state.open = state.open.saturating_sub(1);
            drop(state);
            drop(client);
        } else {
            state.idle.push(client);
        }
        self.pool.freed.notify_one();
    }
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn connect(&self) -> Result<Client, StorageError> {
        let mut client = self.config.connect(NoTls).map_err(|e| backend(&e))?;
        // A `2xx` must mean committed: whatever the server's default, wait for the WAL flush.
        // A transaction never waits on anything but the database, so one left idle belongs to a
        // replica that hung or lost its network; end it, releasing the counter rows it locked.
        client
            .batch_execute(
                "SET synchronous_commit = on;
                 SET idle_in_transaction_session_timeout = '60s';
                 SET application_name = 'venuecode-server'",
            )
            .map_err(|e| backend(&e))?;
        Ok(client)
    }

    fn get(&self) -> Result<Conn<'_>, StorageError> {
        let mut state = self.lock();
        loop {
            if let Some(client) = state.idle.pop() {
                if client.is_closed() {
                    state.open = state.open.saturating_sub(1);
                    continue;
                }
                return Ok(Conn {
                    pool: self,
                    client: Some(client),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(client) => Ok(Conn {
                        pool: self,
                        client: Some(client),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self
                .freed
                .wait_timeout(state, POOL_WAIT)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state = next;
            if timeout.timed_out() && state.idle.is_empty() && state.open >= self.max {
                return Err(StorageError::Backend(
                    "no PostgreSQL connection became free in time".into(),
                ));
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Each client closes its connection on a runtime of its own, which must not happen on a
        // thread that drives async tasks (the server drops its store on one); close them on a
        // plain thread.
        let idle = std::mem::take(&mut self.lock().idle);
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

/// The PostgreSQL store. See the module documentation for its guarantees.
pub struct PgStorage {
    pool: Pool,
    stats_rows_read: AtomicU64,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage")
            .field("max_connections", &self.pool.max)
            .finish_non_exhaustive()
    }
}

impl PgStorage {
    /// Connections a store opens at most unless told otherwise.
    pub const DEFAULT_CONNECTIONS: usize = 16;

    /// Connects to `url` (a `postgres://` URL or `key=value` connection string), creating the
    /// schema if it is missing, with at most `max_connections` connections (at least one).
    /// Fails if the database holds a schema of a newer version than this server knows.
    pub fn open(url: &str, max_connections: usize) -> StorageResult<Self> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let store = Self {
            stats_rows_read: AtomicU64::new(0),
            pool: Pool {
                config,
                max: max_connections.max(1),
                state: Mutex::new(PoolState {
                    idle: Vec::new(),
                    open: 0,
                }),
                freed: Condvar::new(),
            },
        };
        let version = store.write(|tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            let exists: bool = tx
                .query_one("SELECT to_regclass('venuecode_schema') IS NOT NULL", &[])?
                .get(0);
            let oldest = if exists {
                tx.query_one("SELECT min(version) FROM venuecode_schema", &[])?
                    .get::<_, Option<i32>>(0)
            } else {
                None
            };
            if let Some(v) = oldest {
                if v < SCHEMA_VERSION {
                    return Err(StorageError::Backend(format!(
                        "the database holds schema version {v} (wire v1 data); this server \
                         needs a new, empty database"
                    ))
                    .into());
                }
            }
            tx.batch_execute(SCHEMA)?;
            tx.execute(
                "INSERT INTO venuecode_schema (version) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&SCHEMA_VERSION],
            )?;
            let row = tx.query_one("SELECT max(version) FROM venuecode_schema", &[])?;
            Ok(row.get::<_, Option<i32>>(0).unwrap_or(0))
        })?;
        if version > SCHEMA_VERSION {
            return Err(StorageError::Backend(format!(
                "the database schema is version {version}; this server knows up to {SCHEMA_VERSION}"
            )));
        }
        Ok(store)
    }

    /// Runs `f` in a read-write transaction and commits it. A refusal (any [`Fail::Stop`])
    /// rolls back; a deadlock or serialisation failure is retried.
    fn write<T>(&self, f: impl FnMut(&mut Transaction<'_>) -> TxResult<T>) -> StorageResult<T> {
        self.run(IsolationLevel::ReadCommitted, false, f)
    }

    /// Runs `f` in a read-only snapshot: every statement sees the same committed state.
    fn read_rows(&self, n: usize) {
        self.stats_rows_read.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn read<T>(&self, f: impl FnMut(&mut Transaction<'_>) -> TxResult<T>) -> StorageResult<T> {
        self.run(IsolationLevel::RepeatableRead, true, f)
    }

    /// Runs `f`, one read-only statement, on its own (autocommit, no surrounding
    /// transaction): half the round trips of [`Self::read`], for single-row lookups on the
    /// read path. A statement is idempotent, so a broken connection is retried.
    fn single<T>(&self, mut f: impl FnMut(&mut Client) -> TxResult<T>) -> StorageResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get()?;
            match f(conn.client()) {
                Ok(v) => return Ok(v),
                Err(Fail::Stop(e)) => return Err(e),
                Err(Fail::Db(e)) if connection_lost(&e) && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "statement retried");
                }
                Err(Fail::Db(e)) => return Err(backend(&e)),
            }
        }
    }

    fn run<T>(
        &self,
        isolation: IsolationLevel,
        read_only: bool,
        mut f: impl FnMut(&mut Transaction<'_>) -> TxResult<T>,
    ) -> StorageResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get()?;
            let started = conn
                .client()
                .build_transaction()
                .isolation_level(isolation)
                .read_only(read_only)
                .start();
            let mut tx = match started {
                Ok(tx) => tx,
                // Typically an idle connection that the server closed (a restart, a failover, a
                // terminated backend). Nothing was done yet, so it is safe to try again; the
                // closed connection is not returned to the pool.
                Err(e) if attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, "could not begin a transaction; trying again");
                    continue;
                }
                Err(e) => return Err(backend(&e)),
            };
            let out = match f(&mut tx) {
                Ok(v) => tx.commit().map(|()| v).map_err(Fail::Db),
                Err(e) => {
                    drop(tx);
                    Err(e)
                }
            };
            match out {
                Ok(v) => return Ok(v),
                Err(Fail::Stop(e)) => return Err(e),
                Err(Fail::Db(e)) if retryable(&e) && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "transaction retried");
                    std::thread::sleep(Duration::from_millis(u64::from(attempt) * 5));
                }
                Err(Fail::Db(e)) => return Err(backend(&e)),
            }
        }
    }
}

/// Deletes the count totals of epochs out of the window; they are not counted as rows.
fn purge_totals(tx: &mut Transaction<'_>, cutoff_day: i64) -> TxResult<u64> {
    tx.execute("DELETE FROM count_totals WHERE epoch < $1", &[&cutoff_day])?;
    Ok(0)
}

impl Storage for PgStorage {
    fn record_nonce(
        &self,
        key_id: [u8; 8],
        nonce: [u8; 16],
        expires_at: u64,
    ) -> StorageResult<bool> {
        let expires_at = big(expires_at)?;
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&key_id.as_slice(), &nonce.as_slice(), &expires_at],
            )?;
            Ok(n == 1)
        })
    }

    fn allocate_serial(&self) -> StorageResult<u64> {
        self.write(|tx| bump(tx, "next_serial"))
    }

    fn insert_venue(&self, venue: &VenueRecord) -> StorageResult<()> {
        self.write(|tx| {
            lock_venues(tx)?;
            insert_new(tx, venue)
        })
    }

    fn add_pending(&self, request: &[u8], received_at: u64) -> StorageResult<u64> {
        self.write(|tx| {
            let id = bump(tx, "pending_id")?;
            tx.execute(
                "INSERT INTO pending_registrations (id, request, received_at, state)
                 VALUES ($1, $2, $3, 0)",
                &[&big(id)?, &request, &big(received_at)?],
            )?;
            Ok(id)
        })
    }

    fn pending(&self, id: u64) -> StorageResult<Option<PendingRegistration>> {
        self.read(|tx| {
            let row = tx.query_opt(
                "SELECT id, request, received_at, state, serial FROM pending_registrations
                 WHERE id = $1",
                &[&bound(id)],
            )?;
            Ok(row.as_ref().map(pending_row).transpose()?)
        })
    }

    fn pending_waiting(&self) -> StorageResult<Vec<PendingRegistration>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT id, request, received_at, state, serial FROM pending_registrations
                 WHERE state = 0 ORDER BY id",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(pending_row)
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn approve_pending(&self, id: u64, venue: &VenueRecord) -> StorageResult<()> {
        self.write(|tx| {
            lock_venues(tx)?;
            waiting(tx, id)?;
            insert_new(tx, venue)?;
            tx.execute(
                "UPDATE pending_registrations SET state = 1, serial = $2 WHERE id = $1",
                &[&big(id)?, &big(venue.serial)?],
            )?;
            Ok(())
        })
    }

    fn refuse_pending(&self, id: u64) -> StorageResult<()> {
        self.write(|tx| {
            waiting(tx, id)?;
            tx.execute(
                "UPDATE pending_registrations SET state = 2 WHERE id = $1",
                &[&big(id)?],
            )?;
            Ok(())
        })
    }

    fn newest_venue(&self, venue_key: &[u8; 32]) -> StorageResult<Option<VenueRecord>> {
        let head = self.read(|tx| {
            let row = tx.query_opt(
                "SELECT serial FROM venues WHERE venue_key = $1 ORDER BY serial DESC LIMIT 1",
                &[&venue_key.as_slice()],
            )?;
            Ok(match row {
                Some(r) => Some(unsigned::<u64>(r.get::<_, i64>(0))?),
                None => None,
            })
        })?;
        match head {
            Some(serial) => self.venue(serial),
            None => Ok(None),
        }
    }

    fn current_venues_page(&self, after: u64, limit: usize) -> StorageResult<Vec<VenueRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT {VENUE_COLUMNS} FROM venues
                     WHERE serial > $1 AND superseded_by IS NULL ORDER BY serial LIMIT $2"
                ),
                &[&after, &limit],
            )?;
            Ok(rows.iter().map(venue_row).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn venue(&self, serial: u64) -> StorageResult<Option<VenueRecord>> {
        self.read(|tx| {
            let row = tx.query_opt(
                &format!("SELECT {VENUE_COLUMNS} FROM venues WHERE serial = $1"),
                &[&bound(serial)],
            )?;
            Ok(row.as_ref().map(venue_row).transpose()?)
        })
    }

    fn supersede_venue(
        &self,
        old: u64,
        new: &VenueRecord,
        reason: u8,
        at: u32,
    ) -> StorageResult<u64> {
        self.write(|tx| {
            lock_venues(tx)?;
            unique_identity(tx, new, old)?;
            let seq = revoke_in(tx, old, reason, at, Some(new.serial))?;
            upsert_venue(tx, new)?;
            Ok(seq)
        })
    }

    fn revoke_venue(&self, serial: u64, reason: u8, at: u32) -> StorageResult<u64> {
        self.write(|tx| revoke_in(tx, serial, reason, at, None))
    }

    fn revocation_page(
        &self,
        after: u64,
        limit: usize,
    ) -> StorageResult<(Vec<RevocationEntry>, u64)> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|tx| {
            let latest = counter(tx, "revocation_seq")?;
            let mut out = Vec::new();
            for r in tx.query(
                "SELECT sequence, serial, revoked_at, reason FROM revocations
                 WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                &[&bound(after), &limit],
            )? {
                out.push(RevocationEntry {
                    sequence: unsigned(r.get::<_, i64>(0))?,
                    serial: unsigned(r.get::<_, i64>(1))?,
                    revoked_at: unsigned(r.get::<_, i64>(2))?,
                    reason: small(r.get::<_, i16>(3))?,
                });
            }
            Ok((out, latest))
        })
    }

    fn insert_venues(&self, venues: &[VenueRecord]) -> StorageResult<()> {
        self.write(|tx| {
            for v in venues {
                upsert_venue(tx, v)?;
            }
            Ok(())
        })
    }

    fn revoke_many(&self, serials: &[u64], reason: u8, at: u32) -> StorageResult<u64> {
        self.write(|tx| {
            let mut last = 0;
            for s in serials {
                last = revoke_in(tx, *s, reason, at, None)?;
            }
            Ok(last)
        })
    }

    fn insert_batch(&self, b: &NewBatch<'_>) -> StorageResult<u64> {
        let received = big(b.received_at)?;
        let size = big(b.bytes.len() as u64)?;
        let sequence = big(b.sequence)?;
        self.write(|tx| {
            // Locking the head first serialises every batch insert across replicas: from here
            // on the checks below see every committed batch.
            let head = unsigned::<u64>(
                tx.query_one(
                    "SELECT value FROM counters WHERE name = 'batch_seq' FOR UPDATE",
                    &[],
                )?
                .get::<_, i64>(0),
            )?;
            if tx
                .query_opt(
                    "SELECT 1 FROM batch_chain WHERE batch_id = $1",
                    &[&b.batch_id.as_slice()],
                )?
                .is_some()
            {
                return Err(StorageError::DuplicateBatch.into());
            }
            let head_link = head_link(tx, head)?;
            if Some(b.sequence) != head.checked_add(1) || b.previous != head_link {
                return Err(StorageError::ChainMismatch.into());
            }
            tx.execute(
                "UPDATE counters SET value = $1 WHERE name = 'batch_seq'",
                &[&sequence],
            )?;
            tx.execute(
                "INSERT INTO batch_chain (sequence, link, batch_id) VALUES ($1, $2, $3)",
                &[&sequence, &b.link.as_slice(), &b.batch_id.as_slice()],
            )?;
            tx.execute(
                "INSERT INTO batches (sequence, digest, size, records, received_at, bytes)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &sequence,
                    &b.digest.as_slice(),
                    &size,
                    &i64::from(b.records),
                    &received,
                    &b.bytes,
                ],
            )?;
            tx.execute(
                "INSERT INTO exposure_days (day, batches, records) VALUES ($1, 1, $2)
                 ON CONFLICT (day) DO UPDATE SET batches = exposure_days.batches + 1,
                     records = exposure_days.records + EXCLUDED.records",
                &[&day_of(b.received_at), &i64::from(b.records)],
            )?;
            Ok(b.sequence)
        })
    }

    fn chain_head(&self) -> StorageResult<StoredHead> {
        self.read(|tx| {
            let sequence = counter(tx, "batch_seq")?;
            let link = head_link(tx, sequence)?;
            Ok(StoredHead { sequence, link })
        })
    }

    fn batches_after(&self, after: u64, limit: usize) -> StorageResult<(Vec<BatchMeta>, u64)> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|tx| {
            let latest = counter(tx, "batch_seq")?;
            let mut out = Vec::new();
            for r in tx.query(
                "SELECT sequence, digest, size, records, received_at FROM batches
                 WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                &[&bound(after), &limit],
            )? {
                out.push(BatchMeta {
                    sequence: unsigned(r.get::<_, i64>(0))?,
                    digest: array(r.get::<_, &[u8]>(1))?,
                    size: unsigned(r.get::<_, i64>(2))?,
                    records: unsigned(r.get::<_, i64>(3))?,
                    received_at: unsigned(r.get::<_, i64>(4))?,
                });
            }
            Ok((out, latest))
        })
    }

    fn put_checkpoint(&self, cp: &NewCheckpoint<'_>) -> StorageResult<()> {
        self.write(|tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHECKPOINT_LOCK])?;
            let stored = match tx.query_opt(
                "SELECT issued_at, sequence FROM checkpoint WHERE id = 0",
                &[],
            )? {
                Some(r) => Some((
                    unsigned::<u32>(r.get::<_, i64>(0))?,
                    unsigned::<u64>(r.get::<_, i64>(1))?,
                )),
                None => None,
            };
            let sequence = counter(tx, "batch_seq")?;
            let head = StoredHead {
                sequence,
                link: head_link(tx, sequence)?,
            };
            let mut lookup_failed = None;
            let checked = check_checkpoint(cp, stored, head, |n| match link_at(tx, n) {
                Ok(v) => Ok(v),
                Err(e) => {
                    lookup_failed = Some(e);
                    Err(StorageError::Backend("link lookup failed".into()))
                }
            });
            if let Some(e) = lookup_failed {
                return Err(Fail::Db(e));
            }
            checked?;
            tx.execute(
                "INSERT INTO checkpoint (id, issued_at, sequence, bytes) VALUES (0, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET issued_at = EXCLUDED.issued_at,
                     sequence = EXCLUDED.sequence, bytes = EXCLUDED.bytes",
                &[&i64::from(cp.issued_at), &big(cp.sequence)?, &cp.bytes],
            )?;
            Ok(())
        })
    }

    fn checkpoint(&self) -> StorageResult<Option<Vec<u8>>> {
        self.single(|c| {
            Ok(
                c.query_opt("SELECT bytes FROM checkpoint WHERE id = 0", &[])?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn batch(&self, sequence: u64) -> StorageResult<Option<(BatchMeta, Vec<u8>)>> {
        // One row of an immutable table: no snapshot needed.
        self.single(|c| {
            let Some(r) = c.query_opt(
                "SELECT digest, size, records, received_at, bytes FROM batches
                 WHERE sequence = $1",
                &[&bound(sequence)],
            )?
            else {
                return Ok(None);
            };
            let meta = BatchMeta {
                sequence,
                digest: array(r.get::<_, &[u8]>(0))?,
                size: unsigned(r.get::<_, i64>(1))?,
                records: unsigned(r.get::<_, i64>(2))?,
                received_at: unsigned(r.get::<_, i64>(3))?,
            };
            Ok(Some((meta, r.get(4))))
        })
    }

    fn register_tans(&self, tans: &[NewTan], registered_at: u64) -> StorageResult<usize> {
        let registered_at = big(registered_at)?;
        let hashes: Vec<&[u8]> = tans.iter().map(|t| t.hash.as_slice()).collect();
        let expiries = tans
            .iter()
            .map(|t| big(t.expires_at))
            .collect::<StorageResult<Vec<i64>>>()?;
        let purposes: Vec<i16> = tans
            .iter()
            .map(|t| i16::from(t.purpose.to_byte()))
            .collect();
        self.write(|tx| {
            // In input order, so that concurrent registrations lock rows in the same order.
            let n = tx.execute(
                "INSERT INTO tans (hash, expires_at, purpose, registered_at, used)
                 SELECT h, e, p, $4, FALSE
                 FROM unnest($1::bytea[], $2::bigint[], $3::smallint[])
                      WITH ORDINALITY AS t(h, e, p, i)
                 ORDER BY i
                 ON CONFLICT (hash) DO NOTHING",
                &[&hashes, &expiries, &purposes, &registered_at],
            )?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn tan(&self, hash: &[u8; 32]) -> StorageResult<Option<TanRecord>> {
        self.read(|tx| {
            let Some(r) = tx.query_opt(
                "SELECT expires_at, purpose, registered_at, used, cancelled FROM tans
                 WHERE hash = $1",
                &[&hash.as_slice()],
            )?
            else {
                return Ok(None);
            };
            Ok(Some(TanRecord {
                expires_at: unsigned(r.get::<_, i64>(0))?,
                purpose: purpose(r.get(1))?,
                registered_at: unsigned(r.get::<_, i64>(2))?,
                used: r.get(3),
                cancelled: r.get(4),
            }))
        })
    }

    fn cancel_tan(&self, hash: &[u8; 32]) -> StorageResult<()> {
        self.write(|tx| {
            // The row lock taken here orders a cancel and a concurrent consume_tan: whichever
            // updates second re-checks the committed row and updates nothing.
            let n = tx.execute(
                "UPDATE tans SET cancelled = TRUE WHERE hash = $1 AND NOT used AND NOT cancelled",
                &[&hash.as_slice()],
            )?;
            if n == 1 {
                return Ok(());
            }
            let state =
                tx.query_opt("SELECT used FROM tans WHERE hash = $1", &[&hash.as_slice()])?;
            Err(match state {
                None => StorageError::TanUnknown,
                Some(r) if r.get::<_, bool>(0) => StorageError::TanUsed,
                Some(_) => StorageError::TanCancelled,
            }
            .into())
        })
    }

    fn consume_tan(&self, hash: &[u8; 32], now: u64, bytes: &[u8]) -> StorageResult<u64> {
        let now_db = bound(now);
        let size = big(bytes.len() as u64)?;
        self.write(|tx| {
            // Of concurrent consumers, the first to lock the row updates it; the others wait for
            // its commit, re-check `NOT used` on the new row version, and update nothing.
            let claimed = tx.query_opt(
                "UPDATE tans SET used = TRUE
                 WHERE hash = $1 AND NOT used AND NOT cancelled AND expires_at > $2
                 RETURNING purpose",
                &[&hash.as_slice(), &now_db],
            )?;
            let Some(row) = claimed else {
                let state = tx.query_opt(
                    "SELECT used, cancelled FROM tans WHERE hash = $1",
                    &[&hash.as_slice()],
                )?;
                return Err(match state {
                    None => StorageError::TanUnknown,
                    Some(r) if r.get::<_, bool>(0) => StorageError::TanUsed,
                    Some(r) if r.get::<_, bool>(1) => StorageError::TanCancelled,
                    Some(_) => StorageError::TanExpired,
                }
                .into());
            };
            let p: i16 = row.get(0);
            let id = bump(tx, "upload_id")?;
            tx.execute(
                "INSERT INTO uploads (id, purpose, received_at, size, bytes)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&big(id)?, &p, &big(now)?, &size, &bytes],
            )?;
            Ok(id)
        })
    }

    fn uploads(&self) -> StorageResult<Vec<UploadMeta>> {
        self.read(|tx| {
            let mut out = Vec::new();
            for r in tx.query(
                "SELECT id, purpose, received_at, size FROM uploads ORDER BY id",
                &[],
            )? {
                out.push(UploadMeta {
                    id: unsigned(r.get::<_, i64>(0))?,
                    purpose: purpose(r.get(1))?,
                    received_at: unsigned(r.get::<_, i64>(2))?,
                    size: unsigned(r.get::<_, i64>(3))?,
                });
            }
            Ok(out)
        })
    }

    fn upload(&self, id: u64) -> StorageResult<Option<(UploadMeta, Vec<u8>)>> {
        self.read(|tx| {
            let Some(r) = tx.query_opt(
                "SELECT purpose, received_at, size, bytes FROM uploads WHERE id = $1",
                &[&bound(id)],
            )?
            else {
                return Ok(None);
            };
            let meta = UploadMeta {
                id,
                purpose: purpose(r.get(0))?,
                received_at: unsigned(r.get::<_, i64>(1))?,
                size: unsigned(r.get::<_, i64>(2))?,
            };
            Ok(Some((meta, r.get(3))))
        })
    }

    fn delete_upload(&self, id: u64) -> StorageResult<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM uploads WHERE id = $1", &[&bound(id)])? > 0))
    }

    fn add_count(&self, day: u32, key_id: [u8; 8], tag: [u8; 16]) -> StorageResult<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO counts (key_id, tag, day, count)
                 SELECT $1, $2, $3, 1
                 WHERE EXISTS (SELECT 1 FROM count_tags WHERE key_id = $1 AND tag = $2)
                 ON CONFLICT (key_id, tag, day) DO UPDATE SET count = counts.count + 1",
                &[&key_id.as_slice(), &tag.as_slice(), &i64::from(day)],
            )?;
            Ok(n > 0)
        })
    }

    fn counts(
        &self,
        key_id: [u8; 8],
        tag: [u8; 16],
        from: u32,
        to: u32,
    ) -> StorageResult<Vec<(u32, u64)>> {
        self.read(|tx| {
            let mut out = Vec::new();
            for r in tx.query(
                "SELECT day, count FROM counts
                 WHERE key_id = $1 AND tag = $2 AND day BETWEEN $3 AND $4
                 ORDER BY day",
                &[
                    &key_id.as_slice(),
                    &tag.as_slice(),
                    &i64::from(from),
                    &i64::from(to),
                ],
            )? {
                out.push((unsigned(r.get::<_, i64>(0))?, unsigned(r.get::<_, i64>(1))?));
            }
            Ok(out)
        })
    }

    fn register_count_tags(
        &self,
        key_id: [u8; 8],
        serial: u64,
        tags: &[(u32, [u8; 16])],
    ) -> StorageResult<usize> {
        let serial = big(serial)?;
        let epochs: Vec<i64> = tags.iter().map(|(e, _)| i64::from(*e)).collect();
        let tags: Vec<&[u8]> = tags.iter().map(|(_, t)| t.as_slice()).collect();
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO count_tags (key_id, tag, serial, epoch)
                 SELECT $4, t, $3, e FROM unnest($1::bytea[], $2::bigint[])
                      WITH ORDINALITY AS u(t, e, i)
                 ORDER BY i
                 ON CONFLICT (key_id, tag) DO NOTHING",
                &[&tags, &epochs, &serial, &key_id.as_slice()],
            )?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn venue_stats_page(
        &self,
        after: Option<(u32, u8)>,
        limit: usize,
    ) -> StorageResult<Vec<VenueStatRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (region, category) = after.unwrap_or((0, 0));
        let (region, category) = (i64::from(region), i16::from(category));
        let out = self.read(|tx| {
            let rows = if after.is_some() {
                tx.query(
                    "SELECT region, category, active, revoked FROM venue_totals
                     WHERE (region, category) > ($1, $2)
                     ORDER BY region, category LIMIT $3",
                    &[&region, &category, &limit],
                )?
            } else {
                tx.query(
                    "SELECT region, category, active, revoked FROM venue_totals
                     ORDER BY region, category LIMIT $1",
                    &[&limit],
                )?
            };
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(VenueStatRow {
                    region: unsigned(r.get::<_, i64>(0))?,
                    category: small(r.get::<_, i16>(1))?,
                    active: unsigned(r.get::<_, i64>(2))?,
                    revoked: unsigned(r.get::<_, i64>(3))?,
                });
            }
            Ok(out)
        })?;
        self.read_rows(out.len());
        Ok(out)
    }

    fn exposure_stats_page(
        &self,
        after: Option<u32>,
        limit: usize,
    ) -> StorageResult<Vec<ExposureStatRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let after = after.map_or(-1, i64::from);
        let out = self.read(|tx| {
            let mut out = Vec::new();
            for r in tx.query(
                "SELECT day, batches, records FROM exposure_days WHERE day > $1
                 ORDER BY day LIMIT $2",
                &[&after, &limit],
            )? {
                out.push(ExposureStatRow {
                    day: unsigned(r.get::<_, i64>(0))?,
                    batches: unsigned(r.get::<_, i64>(1))?,
                    records: unsigned(r.get::<_, i64>(2))?,
                });
            }
            Ok(out)
        })?;
        self.read_rows(out.len());
        Ok(out)
    }

    fn count_stats_page(
        &self,
        after: Option<(u32, u8, u32)>,
        limit: usize,
    ) -> StorageResult<Vec<CountStatRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (region, category, epoch) = after.unwrap_or((0, 0, 0));
        let key = (i64::from(region), i16::from(category), i64::from(epoch));
        let out = self.read(|tx| {
            let rows = if after.is_some() {
                tx.query(
                    "SELECT region, category, epoch, count FROM count_totals
                     WHERE (region, category, epoch) > ($1, $2, $3)
                     ORDER BY region, category, epoch LIMIT $4",
                    &[&key.0, &key.1, &key.2, &limit],
                )?
            } else {
                tx.query(
                    "SELECT region, category, epoch, count FROM count_totals
                     ORDER BY region, category, epoch LIMIT $1",
                    &[&limit],
                )?
            };
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(CountStatRow {
                    region: unsigned(r.get::<_, i64>(0))?,
                    category: small(r.get::<_, i16>(1))?,
                    epoch: unsigned(r.get::<_, i64>(2))?,
                    count: unsigned(r.get::<_, i64>(3))?,
                });
            }
            Ok(out)
        })?;
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
        let (cutoff, cutoff_day, now) = (bound(cutoff), i64::from(cutoff_day), bound(now));
        let batch_cutoff = bound(batch_cutoff);
        self.write(|tx| {
            Ok(PurgeReport {
                batches: tx.execute(
                    "DELETE FROM batches WHERE received_at < $1",
                    &[&batch_cutoff],
                )?,
                uploads: tx.execute("DELETE FROM uploads WHERE received_at < $1", &[&cutoff])?,
                tans: tx.execute("DELETE FROM tans WHERE registered_at < $1", &[&cutoff])?,
                counts: tx.execute("DELETE FROM counts WHERE day < $1", &[&cutoff_day])?
                    + tx.execute("DELETE FROM count_tags WHERE epoch < $1", &[&cutoff_day])?
                    + purge_totals(tx, cutoff_day)?,
                nonces: tx.execute("DELETE FROM nonces WHERE expires_at <= $1", &[&now])?,
            })
        })
    }
}
