//! The encrypted diary: a redb file in which every record is sealed with ChaCha20-Poly1305 under
//! a key derived from the app's diary key.
//!
//! What an attacker with the file sees: table names, the number of records, sequential record
//! ids, a random nonce and a ciphertext per record. No venue, address, seed, token or time is
//! stored in clear, and table keys are sequential ids, never times.

use core::fmt;
use std::path::Path;

use redb::{Database, Durability, ReadableTable, ReadableTableMetadata, TableDefinition};
use venuecode_protocol::codec::{Put, Reader};
use venuecode_protocol::primitives::{aead_open, aead_seal, random_array};
use venuecode_protocol::time::{epoch_of, UnixMinute};
use venuecode_protocol::{
    CodeKind, Codec, CountTag, RevocationReason, RevocationSet, RiskLevel, VenueCategory, VenueCode,
};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::DiaryKey;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
const EXPOSURES: TableDefinition<u64, &[u8]> = TableDefinition::new("exposures");

const KEY_CHECK: &str = "key_check";
const NEXT_ID: &str = "next_id";
const BATCH_CURSOR: &str = "batch_cursor";
const REVOCATIONS: &str = "revocations";
const PENDING_UPLOAD: &str = "pending_upload";
const PENDING_PINGS: &str = "pending_pings";

/// The constant sealed under the check key; opening it proves the key is right.
const KEY_CHECK_PLAINTEXT: &[u8] = b"venuecode diary v1";
const RECORD_VERSION: u8 = 1;

/// The id of a diary entry: sequential, never derived from a time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct EntryId(pub u64);

/// One check-in in the diary.
#[derive(Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    pub(crate) id: EntryId,
    pub(crate) code: VenueCode,
    pub(crate) scanned_at: UnixMinute,
    pub(crate) arrival: UnixMinute,
    pub(crate) departure: UnixMinute,
    pub(crate) checked_out: bool,
    pub(crate) hidden: bool,
}

impl fmt::Debug for DiaryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Venue and times are the user's private history: only the id is printed.
        f.debug_struct("DiaryEntry")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DiaryEntry {
    /// The entry's id.
    pub fn id(&self) -> EntryId {
        self.id
    }
    /// The venue code exactly as scanned.
    pub fn code(&self) -> &VenueCode {
        &self.code
    }
    /// The venue's name.
    pub fn venue_name(&self) -> &str {
        self.code.certificate().info().name()
    }
    /// The venue's detailed address.
    pub fn venue_address(&self) -> &str {
        self.code.certificate().info().address()
    }
    /// The venue's category.
    pub fn category(&self) -> VenueCategory {
        self.code.certificate().info().category()
    }
    /// The venue's certificate serial.
    pub fn serial(&self) -> u64 {
        self.code.certificate().serial()
    }
    /// Static poster or rotating screen.
    pub fn kind(&self) -> CodeKind {
        self.code.kind()
    }
    /// When the code was scanned.
    pub fn scanned_at(&self) -> UnixMinute {
        self.scanned_at
    }
    /// Arrival minute.
    pub fn arrival(&self) -> UnixMinute {
        self.arrival
    }
    /// Departure minute: the actual check-out, or the automatic one while still checked in.
    pub fn departure(&self) -> UnixMinute {
        self.departure
    }
    /// Whether the user checked out by hand (or by scanning elsewhere).
    pub fn checked_out(&self) -> bool {
        self.checked_out
    }
    /// Whether the user hid the entry from the list. Hidden entries are still matched.
    pub fn hidden(&self) -> bool {
        self.hidden
    }
    /// Whether the user is still checked in at `now`.
    pub fn is_open_at(&self, now: UnixMinute) -> bool {
        !self.checked_out && now < self.departure
    }
    /// The stay as it stands at `now`: `[arrival, departure)`, cut at `now` while still open.
    pub fn stay_at(&self, now: UnixMinute) -> (UnixMinute, UnixMinute) {
        let end = if self.is_open_at(now) {
            now.max(self.arrival.saturating_add(1))
        } else {
            self.departure
        };
        (self.arrival, end)
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(RECORD_VERSION);
        let code = Zeroizing::new(self.code.encode());
        // A decoded code is at most MAX_CODE_BYTES long, well under u16.
        let _ = out.put_bytes_u16(&code, u16::MAX as usize);
        out.put_u32(self.scanned_at);
        out.put_u32(self.arrival);
        out.put_u32(self.departure);
        out.push(u8::from(self.checked_out) | (u8::from(self.hidden) << 1));
        out
    }

    fn decode(id: EntryId, bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let parse = |r: &mut Reader<'_>| -> venuecode_protocol::Result<Self> {
            venuecode_protocol::codec::read_version(r, RECORD_VERSION)?;
            let code = VenueCode::decode(r.bytes_u16(u16::MAX as usize)?)?;
            let scanned_at = r.u32()?;
            let arrival = r.u32()?;
            let departure = r.u32()?;
            let flags = r.u8()?;
            Ok(Self {
                id,
                code,
                scanned_at,
                arrival,
                departure,
                checked_out: flags & 1 != 0,
                hidden: flags & 2 != 0,
            })
        };
        let e = parse(&mut r).map_err(|_| Error::Corrupt)?;
        r.finish().map_err(|_| Error::Corrupt)?;
        Ok(e)
    }
}

/// An exposure the phone raised: the user's stay overlapped a published exposure window.
#[derive(Clone, PartialEq, Eq)]
pub struct Exposure {
    pub(crate) id: u64,
    pub(crate) entry_id: EntryId,
    pub(crate) venue_name: String,
    pub(crate) venue_address: String,
    pub(crate) category: VenueCategory,
    pub(crate) window_start: UnixMinute,
    pub(crate) window_end: UnixMinute,
    pub(crate) overlap_start: UnixMinute,
    pub(crate) overlap_minutes: u32,
    pub(crate) risk: RiskLevel,
    pub(crate) message: String,
    pub(crate) raised_at: UnixMinute,
}

impl fmt::Debug for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exposure")
            .field("id", &self.id)
            .field("risk", &self.risk)
            .finish_non_exhaustive()
    }
}

impl Exposure {
    /// The exposure's id.
    pub fn id(&self) -> u64 {
        self.id
    }
    /// The diary entry that matched.
    pub fn entry_id(&self) -> EntryId {
        self.entry_id
    }
    /// The venue's name.
    pub fn venue_name(&self) -> &str {
        &self.venue_name
    }
    /// The venue's address.
    pub fn venue_address(&self) -> &str {
        &self.venue_address
    }
    /// The venue's category.
    pub fn category(&self) -> VenueCategory {
        self.category
    }
    /// The UTC day (Unix days) on which the overlap began.
    pub fn date(&self) -> u32 {
        epoch_of(self.overlap_start)
    }
    /// The published window `[start, end)`.
    pub fn window(&self) -> (UnixMinute, UnixMinute) {
        (self.window_start, self.window_end)
    }
    /// First minute of the overlap between the user's stay and the window.
    pub fn overlap_start(&self) -> UnixMinute {
        self.overlap_start
    }
    /// Minutes of overlap.
    pub fn overlap_minutes(&self) -> u32 {
        self.overlap_minutes
    }
    /// The risk level the HA assigned.
    pub fn risk(&self) -> RiskLevel {
        self.risk
    }
    /// The HA's message (generic advice), empty when the batch had none for this record.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// When the phone raised the exposure.
    pub fn raised_at(&self) -> UnixMinute {
        self.raised_at
    }

    /// Whether `other` reports the same exposure (same entry and window).
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        self.entry_id == other.entry_id
            && self.window_start == other.window_start
            && self.window_end == other.window_end
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(RECORD_VERSION);
        out.put_u64(self.entry_id.0);
        let _ = out.put_bytes_u16(self.venue_name.as_bytes(), u16::MAX as usize);
        let _ = out.put_bytes_u16(self.venue_address.as_bytes(), u16::MAX as usize);
        out.push(self.category.0);
        out.put_u32(self.window_start);
        out.put_u32(self.window_end);
        out.put_u32(self.overlap_start);
        out.put_u32(self.overlap_minutes);
        out.push(self.risk.0);
        let _ = out.put_bytes_u16(self.message.as_bytes(), u16::MAX as usize);
        out.put_u32(self.raised_at);
        out
    }

    fn decode(id: u64, bytes: &[u8]) -> Result<Self> {
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| Error::Corrupt);
        let mut r = Reader::new(bytes);
        let c = |_| Error::Corrupt;
        venuecode_protocol::codec::read_version(&mut r, RECORD_VERSION).map_err(c)?;
        let e = Self {
            id,
            entry_id: EntryId(r.u64().map_err(c)?),
            venue_name: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            venue_address: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            category: VenueCategory(r.u8().map_err(c)?),
            window_start: r.u32().map_err(c)?,
            window_end: r.u32().map_err(c)?,
            overlap_start: r.u32().map_err(c)?,
            overlap_minutes: r.u32().map_err(c)?,
            risk: RiskLevel(r.u8().map_err(c)?),
            message: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            raised_at: r.u32().map_err(c)?,
        };
        r.finish().map_err(c)?;
        Ok(e)
    }
}

/// A sealed upload waiting to be sent: kept until the server accepts it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PendingUpload {
    pub(crate) tan: Zeroizing<String>,
    pub(crate) sealed: Vec<u8>,
    pub(crate) entries: u16,
}

impl PendingUpload {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(RECORD_VERSION);
        let _ = out.put_bytes_u8(self.tan.as_bytes(), 255);
        out.put_u16(self.entries);
        let _ = out.put_bytes_u32(&self.sealed, u32::MAX as usize);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(bytes);
        venuecode_protocol::codec::read_version(&mut r, RECORD_VERSION).map_err(c)?;
        let tan = Zeroizing::new(r.text_u8(255).map_err(c)?);
        let entries = r.u16().map_err(c)?;
        let sealed = r.bytes_u32(u32::MAX as usize).map_err(c)?.to_vec();
        r.finish().map_err(c)?;
        Ok(Self {
            tan,
            sealed,
            entries,
        })
    }
}

/// The storage layer: sealing, tables and transactions. The flows live in [`crate::Visitor`].
pub(crate) struct Diary {
    db: Database,
    record_key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Diary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Diary(..)")
    }
}

fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce: [u8; 12] = random_array()?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&aead_seal(key, &nonce, aad, plaintext)?);
    Ok(out)
}

fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let (nonce, ct) = sealed.split_at_checked(12).ok_or(Error::Corrupt)?;
    aead_open(key, nonce, aad, ct)
        .map(Zeroizing::new)
        .map_err(|_| Error::Corrupt)
}

fn aad(table: &str, id: &[u8]) -> Vec<u8> {
    let mut a = b"venuecode/client/v1/".to_vec();
    a.extend_from_slice(table.as_bytes());
    a.push(0);
    a.extend_from_slice(id);
    a
}

/// What one sync step commits: new exposures and the cursor, in one transaction.
pub(crate) struct SyncCommit {
    pub(crate) exposures: Vec<Exposure>,
    pub(crate) cursor: u64,
}

impl Diary {
    /// Opens or creates the diary at `path`. A wrong key is detected from the key-check record
    /// before anything is written.
    pub(crate) fn open(path: &Path, key: &DiaryKey) -> Result<Self> {
        let db = Database::create(path)?;
        let check_key = key.derive(b"key-check");
        let record_key = key.derive(b"records");
        let check_aad = aad("meta", KEY_CHECK.as_bytes());
        let existing = {
            let rtx = db.begin_read()?;
            match rtx.open_table(META) {
                Ok(t) => t.get(KEY_CHECK)?.map(|v| v.value().to_vec()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(e.into()),
            }
        };
        match existing {
            Some(sealed) => {
                let pt = open(&check_key, &check_aad, &sealed).map_err(|_| Error::WrongKey)?;
                if pt.as_slice() != KEY_CHECK_PLAINTEXT {
                    return Err(Error::WrongKey);
                }
            }
            None => {
                let sealed = seal(&check_key, &check_aad, KEY_CHECK_PLAINTEXT)?;
                let mut tx = db.begin_write()?;
                tx.set_durability(Durability::Immediate);
                {
                    let mut meta = tx.open_table(META)?;
                    if meta.get(KEY_CHECK)?.is_some() {
                        return Err(Error::Corrupt);
                    }
                    meta.insert(KEY_CHECK, sealed.as_slice())?;
                    tx.open_table(ENTRIES)?;
                    tx.open_table(EXPOSURES)?;
                }
                tx.commit()?;
            }
        }
        Ok(Self { db, record_key })
    }

    fn write(&self) -> Result<redb::WriteTransaction> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate);
        Ok(tx)
    }

    fn next_id(meta: &mut redb::Table<'_, &str, &[u8]>) -> Result<u64> {
        let current = match meta.get(NEXT_ID)? {
            Some(v) => {
                let b: [u8; 8] = v.value().try_into().map_err(|_| Error::Corrupt)?;
                u64::from_be_bytes(b)
            }
            None => 1,
        };
        meta.insert(NEXT_ID, current.saturating_add(1).to_be_bytes().as_slice())?;
        Ok(current)
    }

    fn seal_entry(&self, e: &DiaryEntry) -> Result<Vec<u8>> {
        seal(
            &self.record_key,
            &aad("entries", &e.id.0.to_be_bytes()),
            &e.encode(),
        )
    }

    /// Stores a new entry (its id is assigned here) after closing the entries in `close`, all in
    /// one transaction.
    pub(crate) fn insert_entry(
        &self,
        mut e: DiaryEntry,
        close: &[DiaryEntry],
    ) -> Result<DiaryEntry> {
        let tx = self.write()?;
        {
            let mut meta = tx.open_table(META)?;
            let mut entries = tx.open_table(ENTRIES)?;
            e.id = EntryId(Self::next_id(&mut meta)?);
            for c in close {
                entries.insert(c.id.0, self.seal_entry(c)?.as_slice())?;
            }
            entries.insert(e.id.0, self.seal_entry(&e)?.as_slice())?;
        }
        tx.commit()?;
        Ok(e)
    }

    /// Replaces an existing entry.
    pub(crate) fn update_entry(&self, e: &DiaryEntry) -> Result<()> {
        let tx = self.write()?;
        {
            let mut entries = tx.open_table(ENTRIES)?;
            if entries.get(e.id.0)?.is_none() {
                return Err(Error::EntryNotFound);
            }
            entries.insert(e.id.0, self.seal_entry(e)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes an entry.
    pub(crate) fn delete_entry(&self, id: EntryId) -> Result<()> {
        let tx = self.write()?;
        {
            let mut entries = tx.open_table(ENTRIES)?;
            if entries.remove(id.0)?.is_none() {
                return Err(Error::EntryNotFound);
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every entry, oldest arrival first; a record that fails to open is an error.
    pub(crate) fn entries(&self) -> Result<Vec<DiaryEntry>> {
        self.read_entries(true)
    }

    /// Reads entries; when not `strict`, records that fail to open are skipped (purging must
    /// not be blocked by one damaged record, which stays for the app to see and delete).
    fn read_entries(&self, strict: bool) -> Result<Vec<DiaryEntry>> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(ENTRIES)?;
        let mut out = Vec::with_capacity(t.len()? as usize);
        for row in t.iter()? {
            let (k, v) = row?;
            let id = k.value();
            let entry = open(
                &self.record_key,
                &aad("entries", &id.to_be_bytes()),
                v.value(),
            )
            .and_then(|pt| DiaryEntry::decode(EntryId(id), &pt));
            match entry {
                Ok(e) => out.push(e),
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        out.sort_by_key(|e| (e.arrival, e.id));
        Ok(out)
    }

    /// One entry.
    pub(crate) fn entry(&self, id: EntryId) -> Result<DiaryEntry> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(ENTRIES)?;
        let v = t.get(id.0)?.ok_or(Error::EntryNotFound)?;
        let pt = open(
            &self.record_key,
            &aad("entries", &id.0.to_be_bytes()),
            v.value(),
        )?;
        DiaryEntry::decode(id, &pt)
    }

    /// Every stored exposure, oldest first.
    pub(crate) fn exposures(&self) -> Result<Vec<Exposure>> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(EXPOSURES)?;
        Self::read_exposures(&self.record_key, &t, true)
    }

    fn read_exposures(
        key: &[u8; 32],
        t: &impl ReadableTable<u64, &'static [u8]>,
        strict: bool,
    ) -> Result<Vec<Exposure>> {
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let id = k.value();
            let e = open(key, &aad("exposures", &id.to_be_bytes()), v.value())
                .and_then(|pt| Exposure::decode(id, &pt));
            match e {
                Ok(e) => out.push(e),
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        Ok(out)
    }

    /// Stores the exposures not already stored and advances the cursor, in one transaction.
    /// Returns the exposures that were new.
    pub(crate) fn commit_sync(&self, commit: SyncCommit) -> Result<Vec<Exposure>> {
        let tx = self.write()?;
        let mut added = Vec::new();
        {
            let mut meta = tx.open_table(META)?;
            let mut table = tx.open_table(EXPOSURES)?;
            let mut known = Self::read_exposures(&self.record_key, &table, true)?;
            for mut e in commit.exposures {
                if known.iter().any(|k| k.same_as(&e)) {
                    continue;
                }
                e.id = Self::next_id(&mut meta)?;
                let sealed = seal(
                    &self.record_key,
                    &aad("exposures", &e.id.to_be_bytes()),
                    &e.encode(),
                )?;
                table.insert(e.id, sealed.as_slice())?;
                known.push(e.clone());
                added.push(e);
            }
            self.put_meta(&mut meta, BATCH_CURSOR, &commit.cursor.to_be_bytes())?;
        }
        tx.commit()?;
        Ok(added)
    }

    fn put_meta(
        &self,
        meta: &mut redb::Table<'_, &str, &[u8]>,
        name: &str,
        value: &[u8],
    ) -> Result<()> {
        let sealed = seal(&self.record_key, &aad("meta", name.as_bytes()), value)?;
        meta.insert(name, sealed.as_slice())?;
        Ok(())
    }

    fn get_meta(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(META)?;
        match t.get(name)? {
            Some(v) => Ok(Some(open(
                &self.record_key,
                &aad("meta", name.as_bytes()),
                v.value(),
            )?)),
            None => Ok(None),
        }
    }

    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<()> {
        let tx = self.write()?;
        {
            let mut meta = tx.open_table(META)?;
            match value {
                Some(v) => self.put_meta(&mut meta, name, v)?,
                None => {
                    meta.remove(name)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The sequence number of the last exposure batch processed.
    pub(crate) fn batch_cursor(&self) -> Result<u64> {
        match self.get_meta(BATCH_CURSOR)? {
            Some(v) => {
                let b: [u8; 8] = v.as_slice().try_into().map_err(|_| Error::Corrupt)?;
                Ok(u64::from_be_bytes(b))
            }
            None => Ok(0),
        }
    }

    /// The cached revocation set: the cursor, then each revoked serial with its reason.
    pub(crate) fn revocations(&self) -> Result<RevocationSet> {
        let Some(v) = self.get_meta(REVOCATIONS)? else {
            return Ok(RevocationSet::new());
        };
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(&v);
        let cursor = r.u64().map_err(c)?;
        let n = r.u32().map_err(c)? as usize;
        let mut entries = Vec::with_capacity(n.min(r.remaining() / 9));
        for _ in 0..n {
            let serial = r.u64().map_err(c)?;
            entries.push((serial, RevocationReason(r.u8().map_err(c)?)));
        }
        r.finish().map_err(c)?;
        Ok(RevocationSet::from_parts(entries, cursor))
    }

    /// Replaces the cached revocation set.
    pub(crate) fn set_revocations(&self, set: &RevocationSet) -> Result<()> {
        let mut entries: Vec<_> = set.entries().collect();
        entries.sort_unstable_by_key(|(serial, _)| *serial);
        let mut v = Vec::with_capacity(12 + entries.len() * 9);
        v.put_u64(set.cursor());
        v.put_u32(entries.len() as u32);
        for (serial, reason) in entries {
            v.put_u64(serial);
            v.push(reason.0);
        }
        self.set_meta(REVOCATIONS, Some(&v))
    }

    /// The upload waiting to be sent, if any.
    pub(crate) fn pending_upload(&self) -> Result<Option<PendingUpload>> {
        self.get_meta(PENDING_UPLOAD)?
            .map(|v| PendingUpload::decode(&v))
            .transpose()
    }

    /// Stores or clears the pending upload.
    pub(crate) fn set_pending_upload(&self, p: Option<&PendingUpload>) -> Result<()> {
        match p {
            Some(p) => self.set_meta(PENDING_UPLOAD, Some(&p.encode())),
            None => self.set_meta(PENDING_UPLOAD, None),
        }
    }

    /// Count pings waiting to be sent: `(epoch, tag)`.
    pub(crate) fn pending_pings(&self) -> Result<Vec<(u32, CountTag)>> {
        let Some(v) = self.get_meta(PENDING_PINGS)? else {
            return Ok(Vec::new());
        };
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(&v);
        let mut out = Vec::new();
        while r.remaining() > 0 {
            out.push((r.u32().map_err(c)?, CountTag(r.array().map_err(c)?)));
        }
        Ok(out)
    }

    /// Replaces the pending count pings.
    pub(crate) fn set_pending_pings(&self, pings: &[(u32, CountTag)]) -> Result<()> {
        if pings.is_empty() {
            return self.set_meta(PENDING_PINGS, None);
        }
        let mut v = Vec::with_capacity(pings.len() * 20);
        for (epoch, tag) in pings {
            v.put_u32(*epoch);
            v.extend_from_slice(&tag.0);
        }
        self.set_meta(PENDING_PINGS, Some(&v))
    }

    /// Deletes entries that ended, and exposures whose window ended, before `cutoff`.
    /// Returns how many records were deleted.
    pub(crate) fn purge_before(&self, cutoff: UnixMinute) -> Result<usize> {
        let old_entries: Vec<EntryId> = self
            .read_entries(false)?
            .into_iter()
            .filter(|e| e.departure < cutoff)
            .map(|e| e.id)
            .collect();
        let old_exposures: Vec<u64> = {
            let rtx = self.db.begin_read()?;
            let t = rtx.open_table(EXPOSURES)?;
            Self::read_exposures(&self.record_key, &t, false)?
        }
        .into_iter()
        .filter(|e| e.window_end.max(e.raised_at) < cutoff)
        .map(|e| e.id)
        .collect();
        let pings = self.pending_pings().unwrap_or_default();
        let cutoff_epoch = epoch_of(cutoff);
        let kept_pings: Vec<_> = pings
            .iter()
            .copied()
            .filter(|(e, _)| *e >= cutoff_epoch)
            .collect();
        if old_entries.is_empty() && old_exposures.is_empty() && kept_pings.len() == pings.len() {
            return Ok(0);
        }
        let tx = self.write()?;
        {
            let mut entries = tx.open_table(ENTRIES)?;
            for id in &old_entries {
                entries.remove(id.0)?;
            }
            let mut exposures = tx.open_table(EXPOSURES)?;
            for id in &old_exposures {
                exposures.remove(*id)?;
            }
        }
        tx.commit()?;
        if kept_pings.len() != pings.len() {
            self.set_pending_pings(&kept_pings)?;
        }
        Ok(old_entries.len() + old_exposures.len())
    }
}
