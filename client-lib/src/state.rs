//! The visitor's whole state as one value, and its encoding: entries, exposures, the pending
//! share, the trust bundle, the batch chain state, the revocation set, count pings and the id
//! counter. No storage and no I/O: the native diary ([`crate::diary`], redb) seals the encoded
//! state in a file; the browser (crates/wasm) stores the same bytes encrypted in IndexedDB. The
//! rules that change it live in [`crate::rules`] and [`crate::sync_core`].

use core::fmt;

use venuecode_protocol::codec::{Put, Reader};
use venuecode_protocol::time::{epoch_of, Epoch, UnixMinute};
use venuecode_protocol::{
    ChainHead, Checkpoint, CodeKind, Codec, CountPing, RevocationReason, RevocationSet, RiskLevel,
    TrustBundle, VenueCategory, VenueCode,
};
use zeroize::Zeroizing;

use crate::error::{Error, Reason, Result};

/// Version byte of the encoded state inside the snapshot (3: wire v2, with the trust bundle,
/// the chain state and timed count pings).
const STATE_VERSION: u8 = 3;
/// Version byte of each record inside the state.
const RECORD_VERSION: u8 = 1;

/// Sizes the padded snapshot plaintext is rounded up to: the file reveals only which one.
pub const SNAPSHOT_BUCKETS: [usize; 6] = [
    64 * 1024,
    256 * 1024,
    1024 * 1024,
    4 * 1024 * 1024,
    16 * 1024 * 1024,
    64 * 1024 * 1024,
];
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
    /// The person shared this check-in with the health authority herself.
    pub(crate) shared: bool,
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
    /// Whether the person shared this check-in with the health authority herself (she is
    /// then not alerted about it).
    pub fn shared(&self) -> bool {
        self.shared
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
        out.put_minute(self.scanned_at);
        out.put_minute(self.arrival);
        out.put_minute(self.departure);
        out.push(
            u8::from(self.checked_out)
                | (u8::from(self.hidden) << 1)
                | (u8::from(self.shared) << 2),
        );
        out
    }

    fn decode(id: EntryId, bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let parse = |r: &mut Reader<'_>| -> venuecode_protocol::Result<Self> {
            venuecode_protocol::codec::read_version(r, RECORD_VERSION)?;
            let code = VenueCode::decode(r.bytes_u16(u16::MAX as usize)?)?;
            let scanned_at = r.minute()?;
            let arrival = r.minute()?;
            let departure = r.minute()?;
            let flags = r.u8()?;
            Ok(Self {
                id,
                code,
                scanned_at,
                arrival,
                departure,
                checked_out: flags & 1 != 0,
                hidden: flags & 2 != 0,
                shared: flags & 4 != 0,
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
    /// The person dismissed it: no longer listed as current.
    pub(crate) dismissed: bool,
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
    pub fn date(&self) -> Epoch {
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
    /// Whether the person dismissed it ([`crate::Visitor::dismiss_exposure`]).
    pub fn dismissed(&self) -> bool {
        self.dismissed
    }
    /// Whether the health authority rated it high risk (any level above low).
    pub fn is_high_risk(&self) -> bool {
        self.risk.0 >= RiskLevel::HIGH.0
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
        out.put_minute(self.window_start);
        out.put_minute(self.window_end);
        out.put_minute(self.overlap_start);
        out.put_u32(self.overlap_minutes);
        out.push(self.risk.0);
        let _ = out.put_bytes_u16(self.message.as_bytes(), u16::MAX as usize);
        out.put_minute(self.raised_at);
        // A flags byte after the first layout; a record without it was not dismissed.
        out.push(u8::from(self.dismissed));
        out
    }

    fn decode(id: u64, bytes: &[u8]) -> Result<Self> {
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| Error::Corrupt);
        let mut r = Reader::new(bytes);
        let c = |_| Error::Corrupt;
        venuecode_protocol::codec::read_version(&mut r, RECORD_VERSION).map_err(c)?;
        let mut e = Self {
            id,
            entry_id: EntryId(r.u64().map_err(c)?),
            venue_name: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            venue_address: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            category: VenueCategory(r.u8().map_err(c)?),
            window_start: r.minute().map_err(c)?,
            window_end: r.minute().map_err(c)?,
            overlap_start: r.minute().map_err(c)?,
            overlap_minutes: r.u32().map_err(c)?,
            risk: RiskLevel(r.u8().map_err(c)?),
            message: text(r.bytes_u16(u16::MAX as usize).map_err(c)?)?,
            raised_at: r.minute().map_err(c)?,
            dismissed: false,
        };
        if r.remaining() > 0 {
            e.dismissed = r.u8().map_err(c)? & 1 != 0;
        }
        r.finish().map_err(c)?;
        Ok(e)
    }
}

/// A sealed upload waiting to be sent: kept until the server accepts it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PendingUpload {
    pub(crate) tan: Zeroizing<String>,
    pub(crate) sealed: Vec<u8>,
    /// The encoded [`Upload`](venuecode_protocol::Upload) inside `sealed`, kept to seal the
    /// same entries again around a new TAN.
    pub(crate) plain: Zeroizing<Vec<u8>>,
    pub(crate) entries: u16,
    /// The diary entries sealed in it: marked shared once the server accepts the upload.
    pub(crate) ids: Vec<EntryId>,
}

impl PendingUpload {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(RECORD_VERSION);
        let _ = out.put_bytes_u8(self.tan.as_bytes(), 255);
        out.put_u16(self.entries);
        let _ = out.put_bytes_u32(&self.sealed, u32::MAX as usize);
        let _ = out.put_bytes_u32(&self.plain, u32::MAX as usize);
        // The diary entries sealed in it, after the plaintext (both required).
        out.put_u16(u16::try_from(self.ids.len()).unwrap_or(u16::MAX));
        for id in self.ids.iter().take(usize::from(u16::MAX)) {
            out.put_u64(id.0);
        }
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(bytes);
        venuecode_protocol::codec::read_version(&mut r, RECORD_VERSION).map_err(c)?;
        let tan = Zeroizing::new(r.text_u8(255).map_err(c)?);
        let entries = r.u16().map_err(c)?;
        let sealed = r.bytes_u32(u32::MAX as usize).map_err(c)?.to_vec();
        let plain = Zeroizing::new(r.bytes_u32(u32::MAX as usize).map_err(c)?.to_vec());
        let n = r.u16().map_err(c)?;
        let mut ids = Vec::with_capacity(usize::from(n).min(r.remaining() / 8));
        for _ in 0..n {
            ids.push(EntryId(r.u64().map_err(c)?));
        }
        r.finish().map_err(c)?;
        Ok(Self {
            tan,
            sealed,
            plain,
            entries,
            ids,
        })
    }
}

/// A count ping waiting for its own random send time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingPing {
    pub(crate) ping: CountPing,
    /// The minute from which it may be sent.
    pub(crate) send_after: UnixMinute,
}

/// The batch chain as stored: the head read so far and the newest accepted checkpoint.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct StoredChain {
    pub(crate) head: ChainHead,
    pub(crate) checkpoint: Option<Checkpoint>,
}

/// Everything the diary holds, as one value: what a snapshot seals natively, and what the
/// browser stores. Never printed: it is the person's whole history.
#[derive(Clone, Default)]
pub struct DiaryState {
    /// The next id handed to an entry or exposure.
    pub(crate) next_id: u64,
    pub(crate) chain: StoredChain,
    pub(crate) trust: Option<TrustBundle>,
    pub(crate) entries: Vec<DiaryEntry>,
    pub(crate) exposures: Vec<Exposure>,
    pub(crate) revocations: RevocationSet,
    pub(crate) pending_upload: Option<PendingUpload>,
    pub(crate) pending_pings: Vec<PendingPing>,
}

impl fmt::Debug for DiaryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiaryState")
            .field("entries", &self.entries.len())
            .field("exposures", &self.exposures.len())
            .finish_non_exhaustive()
    }
}

impl DiaryState {
    /// An empty diary.
    pub fn fresh() -> Self {
        Self {
            next_id: 1,
            ..Self::default()
        }
    }

    /// The state encoded and padded to its size bucket ([`SNAPSHOT_BUCKETS`]): the bytes a
    /// store seals. Their length shows only the bucket.
    pub fn to_padded(&self) -> Result<Zeroizing<Vec<u8>>> {
        pad(&self.encode()?)
    }

    /// The state from bytes of [`Self::to_padded`]; anything else is [`Error::Corrupt`].
    pub fn from_padded(padded: &[u8]) -> Result<Self> {
        Self::decode(unpad(padded)?)
    }

    /// Stores a new entry (its id is assigned here) after closing the entries in `close`.
    pub(crate) fn insert_entry(&mut self, mut e: DiaryEntry, close: &[DiaryEntry]) -> DiaryEntry {
        for c in close {
            if let Ok(stored) = self.entry_mut(c.id) {
                *stored = c.clone();
            }
        }
        e.id = EntryId(self.take_id());
        self.entries.push(e.clone());
        e
    }

    /// Every entry, oldest arrival first.
    pub(crate) fn sorted_entries(&self) -> Vec<DiaryEntry> {
        let mut out = self.entries.clone();
        out.sort_by_key(|e| (e.arrival, e.id));
        out
    }

    /// One entry.
    pub(crate) fn entry(&self, id: EntryId) -> Result<&DiaryEntry> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .ok_or(Error::EntryNotFound)
    }

    /// Deletes an entry.
    pub(crate) fn delete_entry(&mut self, id: EntryId) -> Result<()> {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id);
        if self.entries.len() == before {
            return Err(Error::EntryNotFound);
        }
        Ok(())
    }

    /// Marks an exposure dismissed; it stays stored (so the same match is not raised again)
    /// until purged.
    pub(crate) fn dismiss_exposure(&mut self, id: u64) -> Result<Exposure> {
        let x = self
            .exposures
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or(Error::ExposureNotFound)?;
        x.dismissed = true;
        Ok(x.clone())
    }

    /// Clears the upload the server accepted and marks the entries in it as shared by the
    /// person.
    pub(crate) fn finish_share(&mut self, ids: &[EntryId]) {
        self.pending_upload = None;
        for e in self.entries.iter_mut().filter(|e| ids.contains(&e.id)) {
            e.shared = true;
        }
    }

    /// Stores the exposures not already stored and the chain state. Returns the exposures that
    /// were new.
    pub fn commit_sync(&mut self, commit: SyncCommit) -> Vec<Exposure> {
        let mut added = Vec::new();
        for mut e in commit.exposures {
            if self.exposures.iter().any(|k| k.same_as(&e)) {
                continue;
            }
            e.id = self.take_id();
            self.exposures.push(e.clone());
            added.push(e);
        }
        self.chain = commit.chain;
        added
    }

    /// Whether anything is due for [`Self::purge_before`] `cutoff`.
    pub(crate) fn has_before(&self, cutoff: UnixMinute) -> bool {
        self.entries.iter().any(|e| e.departure < cutoff)
            || self
                .exposures
                .iter()
                .any(|e| e.window_end.max(e.raised_at) < cutoff)
            || self.pending_pings.iter().any(|p| p.send_after < cutoff)
    }

    /// Deletes entries that ended, and exposures whose window ended, before `cutoff`, and count
    /// pings due before it. Returns how many entries and exposures were deleted.
    pub(crate) fn purge_before(&mut self, cutoff: UnixMinute) -> usize {
        let before = self.entries.len() + self.exposures.len();
        self.entries.retain(|e| e.departure >= cutoff);
        self.exposures
            .retain(|e| e.window_end.max(e.raised_at) >= cutoff);
        self.pending_pings.retain(|p| p.send_after >= cutoff);
        before - self.entries.len() - self.exposures.len()
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    pub(crate) fn entry_mut(&mut self, id: EntryId) -> Result<&mut DiaryEntry> {
        self.entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(Error::EntryNotFound)
    }

    fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        let too_big = |_| Error::InvalidArgument(Reason::DiaryTooLarge);
        let mut out = Zeroizing::new(Vec::with_capacity(4096));
        out.push(STATE_VERSION);
        out.put_u64(self.next_id);
        out.put_u64(self.chain.head.sequence);
        out.extend_from_slice(&self.chain.head.link);
        match &self.chain.checkpoint {
            Some(cp) => {
                out.push(1);
                cp.encode_into(&mut out);
            }
            None => out.push(0),
        }
        match &self.trust {
            Some(t) => {
                out.push(1);
                out.put_bytes_u32(&t.encode(), u32::MAX as usize)
                    .map_err(too_big)?;
            }
            None => out.push(0),
        }
        out.put_u32(
            u32::try_from(self.entries.len())
                .map_err(|_| Error::InvalidArgument(Reason::TooManyEntries))?,
        );
        for e in &self.entries {
            out.put_u64(e.id.0);
            out.put_bytes_u32(&e.encode(), u32::MAX as usize)
                .map_err(too_big)?;
        }
        out.put_u32(
            u32::try_from(self.exposures.len())
                .map_err(|_| Error::InvalidArgument(Reason::TooManyExposures))?,
        );
        for x in &self.exposures {
            out.put_u64(x.id);
            out.put_bytes_u32(&x.encode(), u32::MAX as usize)
                .map_err(too_big)?;
        }
        let mut revoked: Vec<_> = self.revocations.entries().collect();
        revoked.sort_unstable_by_key(|(serial, _)| *serial);
        out.put_u64(self.revocations.cursor());
        out.put_minute(self.revocations.issued_at());
        out.put_u32(
            u32::try_from(revoked.len())
                .map_err(|_| Error::InvalidArgument(Reason::TooManyRevocations))?,
        );
        for (serial, reason) in revoked {
            out.put_u64(serial);
            out.push(reason.0);
        }
        match &self.pending_upload {
            Some(p) => {
                out.push(1);
                out.put_bytes_u32(&p.encode(), u32::MAX as usize)
                    .map_err(too_big)?;
            }
            None => out.push(0),
        }
        out.put_u32(
            u32::try_from(self.pending_pings.len())
                .map_err(|_| Error::InvalidArgument(Reason::TooManyCountPings))?,
        );
        for p in &self.pending_pings {
            p.ping.encode_into(&mut out);
            out.put_minute(p.send_after);
        }
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(bytes);
        venuecode_protocol::codec::read_version(&mut r, STATE_VERSION).map_err(c)?;
        let next_id = r.u64().map_err(c)?;
        let head = ChainHead {
            sequence: r.u64().map_err(c)?,
            link: r.array().map_err(c)?,
        };
        let checkpoint = match r.u8().map_err(c)? {
            0 => None,
            1 => Some(Checkpoint::read(&mut r).map_err(c)?),
            _ => return Err(Error::Corrupt),
        };
        let trust = match r.u8().map_err(c)? {
            0 => None,
            1 => Some(TrustBundle::decode(r.bytes_u32(u32::MAX as usize).map_err(c)?).map_err(c)?),
            _ => return Err(Error::Corrupt),
        };
        // Capacities are bounded by what the remaining bytes could hold, whatever a count says.
        let n = r.u32().map_err(c)? as usize;
        let mut entries = Vec::with_capacity(n.min(r.remaining() / 12));
        for _ in 0..n {
            let id = EntryId(r.u64().map_err(c)?);
            entries.push(DiaryEntry::decode(
                id,
                r.bytes_u32(u32::MAX as usize).map_err(c)?,
            )?);
        }
        let n = r.u32().map_err(c)? as usize;
        let mut exposures = Vec::with_capacity(n.min(r.remaining() / 12));
        for _ in 0..n {
            let id = r.u64().map_err(c)?;
            exposures.push(Exposure::decode(
                id,
                r.bytes_u32(u32::MAX as usize).map_err(c)?,
            )?);
        }
        let revocation_cursor = r.u64().map_err(c)?;
        let revocation_issued_at = r.minute().map_err(c)?;
        let n = r.u32().map_err(c)? as usize;
        let mut revoked = Vec::with_capacity(n.min(r.remaining() / 9));
        for _ in 0..n {
            let serial = r.u64().map_err(c)?;
            revoked.push((serial, RevocationReason(r.u8().map_err(c)?)));
        }
        let pending_upload = match r.u8().map_err(c)? {
            0 => None,
            1 => Some(PendingUpload::decode(
                r.bytes_u32(u32::MAX as usize).map_err(c)?,
            )?),
            _ => return Err(Error::Corrupt),
        };
        let n = r.u32().map_err(c)? as usize;
        let mut pending_pings = Vec::with_capacity(n.min(r.remaining() / 29));
        for _ in 0..n {
            pending_pings.push(PendingPing {
                ping: CountPing::read(&mut r).map_err(c)?,
                send_after: r.minute().map_err(c)?,
            });
        }
        r.finish().map_err(c)?;
        Ok(Self {
            next_id,
            chain: StoredChain { head, checkpoint },
            trust,
            entries,
            exposures,
            revocations: RevocationSet::from_parts(
                revoked,
                revocation_cursor,
                revocation_issued_at,
            ),
            pending_upload,
            pending_pings,
        })
    }
}

/// Pads an encoded state to its bucket: a 4-byte length, the state, then zeros.
fn pad(state: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let needed = state.len().saturating_add(4);
    let bucket = SNAPSHOT_BUCKETS
        .iter()
        .copied()
        .find(|b| *b >= needed)
        .ok_or(Error::InvalidArgument(Reason::DiaryTooLarge))?;
    let len =
        u32::try_from(state.len()).map_err(|_| Error::InvalidArgument(Reason::DiaryTooLarge))?;
    let mut out = Zeroizing::new(Vec::with_capacity(bucket));
    out.put_u32(len);
    out.extend_from_slice(state);
    out.resize(bucket, 0);
    Ok(out)
}

/// The state inside a padded plaintext; the padding must be a bucket of zeros.
fn unpad(padded: &[u8]) -> Result<&[u8]> {
    if !SNAPSHOT_BUCKETS.contains(&padded.len()) {
        return Err(Error::Corrupt);
    }
    let (len, rest) = padded.split_at_checked(4).ok_or(Error::Corrupt)?;
    let len = u32::from_be_bytes(len.try_into().map_err(|_| Error::Corrupt)?) as usize;
    let (state, zeros) = rest.split_at_checked(len).ok_or(Error::Corrupt)?;
    if zeros.iter().any(|b| *b != 0) {
        return Err(Error::Corrupt);
    }
    Ok(state)
}

/// What one sync step commits: new exposures and the chain state (head and checkpoint), in
/// one transaction ([`DiaryState::commit_sync`]).
pub struct SyncCommit {
    pub(crate) exposures: Vec<Exposure>,
    pub(crate) chain: StoredChain,
}

impl fmt::Debug for SyncCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncCommit")
            .field("exposures", &self.exposures.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_upload_keeps_its_plaintext_and_entry_ids_and_decodes_strictly() {
        let p = PendingUpload {
            tan: Zeroizing::new("7K2M9XR4TPLW3NBQ".to_owned()),
            sealed: vec![1, 2, 3],
            plain: Zeroizing::new(vec![4, 5]),
            entries: 2,
            ids: vec![EntryId(7), EntryId(9)],
        };
        let bytes = p.encode();
        let back = PendingUpload::decode(&bytes);
        assert!(back.as_ref().is_ok_and(|b| *b == p));
        // Both fields are required: no shorter layout is read, and nothing may follow.
        for cut in 1..bytes.len() {
            assert!(matches!(
                PendingUpload::decode(&bytes[..cut]),
                Err(Error::Corrupt)
            ));
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(matches!(
            PendingUpload::decode(&longer),
            Err(Error::Corrupt)
        ));
    }
}
