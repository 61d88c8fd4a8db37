//! The visitor's app-facing API: scanning, check-in, check-out, editing, hiding and deleting.
//! Sync and matching live in [`crate::sync`], sharing in [`crate::share`].

use core::fmt;
use std::path::Path;

use venuecode_protocol::time::{
    epoch_of, UnixMinute, EPOCH_MINUTES, MAX_STAY_MINUTES, MIN_STAY_MINUTES, RETENTION_DAYS,
};
use venuecode_protocol::{
    CodeKind, EncryptionKey, RegionCode, TrustAnchors, VenueCategory, VenueCode,
};

use crate::clock::Clock;
use crate::diary::{Diary, DiaryEntry, EntryId, Exposure};
use crate::error::{Error, Result};
use crate::key::DiaryKey;
use crate::transport::Transport;
use crate::Tone;

/// The overlap, in minutes, that an exposure needs by default before the phone raises it.
pub const DEFAULT_MIN_OVERLAP_MINUTES: u32 = 15;
/// How far before the scan an edited arrival may lie: one longest stay.
pub const MAX_ARRIVAL_BEFORE_SCAN_MINUTES: u32 = MAX_STAY_MINUTES as u32;

/// What the app configures once: trust anchors, the HA's key, and policy.
#[derive(Debug, Clone)]
pub struct VisitorConfig {
    /// The RA and HA signing keys the app ships with.
    pub anchors: TrustAnchors,
    /// The HA's encryption key, to which shared entries are sealed.
    pub ha_encryption_key: EncryptionKey,
    /// Minutes of overlap between the user's stay and a published window needed to raise an
    /// exposure.
    pub min_overlap_minutes: u32,
    /// Days after which entries and exposures are deleted.
    pub retention_days: u32,
    /// A user-chosen automatic check-out, replacing the venue's default stay; clamped to the
    /// protocol's bounds either way.
    pub auto_checkout_minutes: Option<u16>,
    /// Whether to send anonymous count pings after check-ins. Off by default.
    pub count_pings: bool,
}

impl VisitorConfig {
    /// The default policy for these trust anchors and HA key.
    pub fn new(anchors: TrustAnchors, ha_encryption_key: EncryptionKey) -> Self {
        Self {
            anchors,
            ha_encryption_key,
            min_overlap_minutes: DEFAULT_MIN_OVERLAP_MINUTES,
            retention_days: RETENTION_DAYS,
            auto_checkout_minutes: None,
            count_pings: false,
        }
    }
}

/// Static poster or rotating screen, as the preview shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeType {
    /// A printed poster.
    Static,
    /// A screen whose code changes each day and expires within minutes.
    Rotating,
}

/// What a scan shows before the user confirms: the venue and the kind of code. The code has
/// passed every check at the time of the scan.
#[derive(Clone)]
pub struct ScanPreview {
    code: VenueCode,
    scanned_at: UnixMinute,
}

impl fmt::Debug for ScanPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanPreview")
            .field("code_type", &self.code_type())
            .finish_non_exhaustive()
    }
}

impl ScanPreview {
    /// The verified code.
    pub fn code(&self) -> &VenueCode {
        &self.code
    }
    /// The venue's name.
    pub fn venue_name(&self) -> &str {
        self.code.certificate().info().name()
    }
    /// The venue's category.
    pub fn category(&self) -> VenueCategory {
        self.code.certificate().info().category()
    }
    /// The venue's detailed address.
    pub fn address(&self) -> &str {
        self.code.certificate().info().address()
    }
    /// The venue's region code.
    pub fn region(&self) -> RegionCode {
        self.code.certificate().info().region()
    }
    /// Static or rotating.
    pub fn code_type(&self) -> CodeType {
        match self.code.kind() {
            CodeKind::Static => CodeType::Static,
            CodeKind::Rotating { .. } => CodeType::Rotating,
        }
    }
    /// The venue's default stay, in minutes.
    pub fn default_stay_minutes(&self) -> u16 {
        self.code.certificate().info().default_stay_minutes()
    }
    /// When the code was scanned.
    pub fn scanned_at(&self) -> UnixMinute {
        self.scanned_at
    }
}

/// Whether a check-in created an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInStatus {
    /// A new entry was stored.
    CheckedIn,
    /// The user was already checked in at this venue; nothing was added.
    AlreadyCheckedIn,
}

/// The result of a check-in.
#[derive(Debug, Clone)]
pub struct CheckIn {
    /// The entry the user is now checked in with.
    pub entry: DiaryEntry,
    /// New, or a rescan of the current venue.
    pub status: CheckInStatus,
    /// The entry that scanning this venue checked out of, if the user was elsewhere.
    pub checked_out_of: Option<EntryId>,
}

impl CheckIn {
    /// The tone to play: a check-in, new or repeated, is a success.
    pub fn tone(&self) -> Tone {
        Tone::Success
    }
}

/// The visitor's library handle: a diary plus the configuration, clock and transport.
pub struct Visitor {
    pub(crate) diary: Diary,
    pub(crate) config: VisitorConfig,
    pub(crate) clock: Box<dyn Clock>,
    pub(crate) transport: Box<dyn Transport>,
}

impl fmt::Debug for Visitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Visitor").finish_non_exhaustive()
    }
}

impl Visitor {
    /// Opens (or creates) the diary at `path` with `key`, and purges what is past retention.
    /// A wrong key fails with [`Error::WrongKey`] and leaves the diary untouched.
    pub fn open(
        path: impl AsRef<Path>,
        key: DiaryKey,
        config: VisitorConfig,
        clock: impl Clock + 'static,
        transport: impl Transport + 'static,
    ) -> Result<Self> {
        let diary = Diary::open(path.as_ref(), &key)?;
        drop(key);
        let v = Self {
            diary,
            config,
            clock: Box::new(clock),
            transport: Box::new(transport),
        };
        v.purge()?;
        Ok(v)
    }

    /// The configuration.
    pub fn config(&self) -> &VisitorConfig {
        &self.config
    }

    pub(crate) fn now(&self) -> UnixMinute {
        self.clock.now_minute()
    }

    /// Deletes entries and exposures older than the retention period; returns how many.
    pub fn purge(&self) -> Result<usize> {
        let keep = self.config.retention_days.saturating_mul(EPOCH_MINUTES);
        self.diary.purge_before(self.now().saturating_sub(keep))
    }

    /// Parses and verifies a scanned code (a URL or the raw digits) against the trust anchors,
    /// the clock and the cached revocation list. Nothing is stored.
    pub fn scan(&self, text: &str) -> Result<ScanPreview> {
        let code = VenueCode::parse(text).map_err(Error::MalformedCode)?;
        let now = self.now();
        self.verify(&code, now)?;
        Ok(ScanPreview {
            code,
            scanned_at: now,
        })
    }

    fn verify(&self, code: &VenueCode, now: UnixMinute) -> Result<()> {
        let revoked = self.diary.revocations()?;
        code.verify(&self.config.anchors, now, Some(&revoked))
            .map_err(Error::from_scan)
    }

    /// The automatic stay for a venue: the user's choice or the venue's default, clamped.
    fn auto_stay(&self, code: &VenueCode) -> u32 {
        let wanted = self
            .config
            .auto_checkout_minutes
            .unwrap_or_else(|| code.certificate().info().default_stay_minutes());
        u32::from(wanted.clamp(MIN_STAY_MINUTES, MAX_STAY_MINUTES))
    }

    /// Checks in with a previewed code. The code is verified again now (a rotating code may have
    /// gone stale). Rescanning the venue the user is checked in at adds nothing; checking in
    /// elsewhere checks out of the current venue first.
    pub fn check_in(&self, preview: &ScanPreview) -> Result<CheckIn> {
        let now = self.now();
        self.verify(&preview.code, now)?;
        self.purge()?;
        let serial = preview.code.certificate().serial();
        let ra = preview.code.certificate().body().ra_key_id;
        let open: Vec<DiaryEntry> = self
            .diary
            .entries()?
            .into_iter()
            .filter(|e| e.is_open_at(now))
            .collect();
        if let Some(same) = open.iter().rev().find(|e| {
            e.code.certificate().serial() == serial && e.code.certificate().body().ra_key_id == ra
        }) {
            return Ok(CheckIn {
                entry: same.clone(),
                status: CheckInStatus::AlreadyCheckedIn,
                checked_out_of: None,
            });
        }
        let closed: Vec<DiaryEntry> = open
            .into_iter()
            .map(|mut e| {
                e.departure = now.max(e.arrival.saturating_add(1));
                e.checked_out = true;
                e
            })
            .collect();
        let entry = DiaryEntry {
            id: EntryId(0),
            code: preview.code.clone(),
            scanned_at: now,
            arrival: now,
            departure: now.saturating_add(self.auto_stay(&preview.code)),
            checked_out: false,
            hidden: false,
        };
        let entry = self.diary.insert_entry(entry, &closed)?;
        if self.config.count_pings {
            let epoch = epoch_of(now);
            let mut pings = self.diary.pending_pings()?;
            pings.push((epoch, preview.code.seed().slot_keys().count_tag(epoch)));
            self.diary.set_pending_pings(&pings)?;
        }
        Ok(CheckIn {
            entry,
            status: CheckInStatus::CheckedIn,
            checked_out_of: closed.last().map(|e| e.id),
        })
    }

    /// Scans and checks in in one step.
    pub fn scan_and_check_in(&self, text: &str) -> Result<CheckIn> {
        let preview = self.scan(text)?;
        self.check_in(&preview)
    }

    /// The entry the user is checked in with now, if any.
    pub fn current(&self) -> Result<Option<DiaryEntry>> {
        let now = self.now();
        Ok(self
            .diary
            .entries()?
            .into_iter()
            .filter(|e| e.is_open_at(now))
            .max_by_key(|e| (e.arrival, e.id)))
    }

    /// Checks out of an open entry now.
    pub fn check_out(&self, id: EntryId) -> Result<DiaryEntry> {
        let now = self.now();
        let mut e = self.diary.entry(id)?;
        if !e.is_open_at(now) {
            return Err(Error::NotCheckedIn);
        }
        e.departure = now.max(e.arrival.saturating_add(1));
        e.checked_out = true;
        self.diary.update_entry(&e)?;
        Ok(e)
    }

    /// Edits arrival and departure. Bounds: arrival before departure and not in the future;
    /// arrival at most [`MAX_ARRIVAL_BEFORE_SCAN_MINUTES`] before the scan; a stay of at most
    /// `MAX_STAY_MINUTES`. A departure not after now checks the entry out. Tokens still derive
    /// from the seed that was scanned: for a rotating code, slots moved before that seed's day
    /// are never published with it, so such an edit widens nothing.
    pub fn edit_times(
        &self,
        id: EntryId,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) -> Result<DiaryEntry> {
        let now = self.now();
        let mut e = self.diary.entry(id)?;
        if departure <= arrival {
            return Err(Error::EditOutOfBounds("departure must be after arrival"));
        }
        if arrival > now {
            return Err(Error::EditOutOfBounds("arrival is in the future"));
        }
        if arrival < e.scanned_at.saturating_sub(MAX_ARRIVAL_BEFORE_SCAN_MINUTES) {
            return Err(Error::EditOutOfBounds("arrival too long before the scan"));
        }
        if departure - arrival > u32::from(MAX_STAY_MINUTES) {
            return Err(Error::EditOutOfBounds("stay longer than the longest stay"));
        }
        e.arrival = arrival;
        e.departure = departure;
        if departure <= now {
            e.checked_out = true;
        }
        self.diary.update_entry(&e)?;
        Ok(e)
    }

    /// Hides an entry from [`Self::entries`] (or shows it again). Hidden entries are still
    /// matched against exposures.
    pub fn set_hidden(&self, id: EntryId, hidden: bool) -> Result<DiaryEntry> {
        let mut e = self.diary.entry(id)?;
        e.hidden = hidden;
        self.diary.update_entry(&e)?;
        Ok(e)
    }

    /// Deletes an entry for good: it is no longer matched or shared.
    pub fn delete(&self, id: EntryId) -> Result<()> {
        self.diary.delete_entry(id)
    }

    /// The entries the user has not hidden, oldest first.
    pub fn entries(&self) -> Result<Vec<DiaryEntry>> {
        Ok(self
            .diary
            .entries()?
            .into_iter()
            .filter(|e| !e.hidden)
            .collect())
    }

    /// Every entry, hidden ones included, oldest first.
    pub fn all_entries(&self) -> Result<Vec<DiaryEntry>> {
        self.diary.entries()
    }

    /// One entry.
    pub fn entry(&self, id: EntryId) -> Result<DiaryEntry> {
        self.diary.entry(id)
    }

    /// The exposures raised so far, oldest first.
    pub fn exposures(&self) -> Result<Vec<Exposure>> {
        self.diary.exposures()
    }

    /// How many count pings wait to be sent.
    pub fn pending_count_pings(&self) -> Result<usize> {
        Ok(self.diary.pending_pings()?.len())
    }

    /// Sends the count pings of past days in batches (pings of today wait, so that their
    /// timing says nothing about when the user was where). Returns how many were sent.
    pub fn send_count_pings(&self) -> Result<usize> {
        use venuecode_protocol::count::{CountPingBatch, MAX_PINGS};
        let today = epoch_of(self.now());
        let pings = self.diary.pending_pings()?;
        let (due, later): (Vec<_>, Vec<_>) = pings.into_iter().partition(|(e, _)| *e < today);
        let mut sent = 0;
        for chunk in due.chunks(MAX_PINGS) {
            let batch = CountPingBatch {
                tags: chunk.iter().map(|(_, t)| *t).collect(),
            };
            if let Err(e) = crate::api::post_count_pings(&*self.transport, &batch) {
                let mut keep: Vec<_> = due[sent..].to_vec();
                keep.extend(later);
                self.diary.set_pending_pings(&keep)?;
                return Err(e);
            }
            sent += chunk.len();
        }
        self.diary.set_pending_pings(&later)?;
        Ok(sent)
    }
}
