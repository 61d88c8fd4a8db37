//! The visitor's app-facing API: scanning, check-in, check-out, editing, hiding and deleting.
//! Sync and matching live in [`crate::sync`], sharing in [`crate::share`].

use core::fmt;
use std::path::Path;

use venuecode_protocol::chain::DEFAULT_STALE_MINUTES;
use venuecode_protocol::time::{
    local_epoch, UnixMinute, EPOCH_MINUTES, MAX_STAY_MINUTES, MIN_STAY_MINUTES, RETENTION_DAYS,
};
use venuecode_protocol::{
    CodeKind, CountPing, EncryptionKey, RegionCode, TrustAnchors, TrustBundle, VenueCategory,
    VenueCode,
};

use crate::clock::Clock;
use crate::diary::{Diary, DiaryEntry, EntryId, Exposure, PendingPing};
use crate::error::{Error, ProtocolError, Result};
use crate::key::DiaryKey;
use crate::transport::Transport;
use crate::Tone;

/// The overlap, in minutes, that an exposure needs by default before the phone raises it.
pub const DEFAULT_MIN_OVERLAP_MINUTES: u32 = 15;
/// How far before the scan an edited arrival may lie: one longest stay.
pub const MAX_ARRIVAL_BEFORE_SCAN_MINUTES: u32 = MAX_STAY_MINUTES as u32;

/// The longest random delay of a count ping by default: a day.
pub const DEFAULT_PING_DELAY_MAX_MINUTES: u32 = EPOCH_MINUTES;

/// What the app configures once: the trust bundle it ships with, and policy.
#[derive(Debug, Clone)]
pub struct VisitorConfig {
    /// The trust bundle the app ships with (or an operator installed from a file), verified by
    /// [`VisitorConfig::new`]. The keys the library trusts come from it, or from a later bundle
    /// that a sync verified against it; never from the network on first use.
    trust: TrustBundle,
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
    /// Each count ping is sent at its own time, drawn uniformly between the check-in and this
    /// many minutes later (default [`DEFAULT_PING_DELAY_MAX_MINUTES`]).
    pub ping_delay_max_minutes: u32,
    /// How old the newest checkpoint may be before the exposure check counts as stale
    /// (default `DEFAULT_STALE_MINUTES`, two days).
    pub stale_minutes: u32,
}

impl VisitorConfig {
    /// The default policy with the trust bundle shipped with the app. The bundle is verified
    /// as a first install (`TrustBundle::verify_initial`: signed by one of its own RA keys);
    /// a bundle that fails is refused.
    pub fn new(trust: TrustBundle) -> Result<Self> {
        trust.verify_initial()?;
        Ok(Self {
            trust,
            min_overlap_minutes: DEFAULT_MIN_OVERLAP_MINUTES,
            retention_days: RETENTION_DAYS,
            auto_checkout_minutes: None,
            count_pings: false,
            ping_delay_max_minutes: DEFAULT_PING_DELAY_MAX_MINUTES,
            stale_minutes: DEFAULT_STALE_MINUTES,
        })
    }

    /// The trust bundle shipped with the app.
    pub fn trust_bundle(&self) -> &TrustBundle {
        &self.trust
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

    /// The check-out reminder an app schedules for this check-in (a local notification).
    pub fn checkout_reminder(&self) -> CheckoutReminder {
        CheckoutReminder::for_entry(&self.entry)
    }
}

/// Minutes before the automatic check-out at which the reminder fires.
pub const CHECKOUT_REMINDER_LEAD_MINUTES: u32 = 10;

/// A check-out reminder: an event an app schedules as a local notification, so that the
/// person checks out when she leaves, or corrects the stay, before the automatic check-out
/// records a time that may be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutReminder {
    /// The entry to check out of.
    pub entry: EntryId,
    /// When to remind: a few minutes before the automatic check-out (never before arrival).
    pub remind_at: UnixMinute,
    /// The automatic check-out.
    pub auto_checkout_at: UnixMinute,
}

impl CheckoutReminder {
    fn for_entry(e: &DiaryEntry) -> Self {
        Self {
            entry: e.id(),
            remind_at: e
                .departure()
                .saturating_sub(CHECKOUT_REMINDER_LEAD_MINUTES)
                .max(e.arrival()),
            auto_checkout_at: e.departure(),
        }
    }
}

/// The visitor's library handle: a diary plus the configuration, clock and transport.
pub struct Visitor {
    pub(crate) diary: Diary,
    pub(crate) config: VisitorConfig,
    pub(crate) clock: Box<dyn Clock>,
    pub(crate) transport: Box<dyn Transport>,
    /// Why the app's bundle did not replace the held one at [`Visitor::open`], if it was
    /// newer but not a genuine update of it.
    pub(crate) app_trust_refused: Option<ProtocolError>,
}

impl fmt::Debug for Visitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Visitor").finish_non_exhaustive()
    }
}

impl Visitor {
    /// Opens (or creates) the diary at `path` with `key`, and purges what is past retention.
    /// A wrong key fails with [`Error::WrongKey`] and leaves the diary untouched.
    ///
    /// A new diary stores the configuration's trust bundle. A diary that holds one keeps it,
    /// unless the configuration's bundle has a higher sequence (an app update shipping a newer
    /// bundle) and is a genuine update of the held one (`TrustBundle::verify_update`: signed
    /// by an RA key of the held bundle), which then replaces it. A newer app bundle that is not
    /// is ignored, the held bundle kept, and the reason given by
    /// [`Self::app_trust_bundle_refused`]: a bundle only self-signed by keys it names itself
    /// could otherwise swap every key the phone trusts.
    pub fn open(
        path: impl AsRef<Path>,
        key: DiaryKey,
        config: VisitorConfig,
        clock: impl Clock + 'static,
        transport: impl Transport + 'static,
    ) -> Result<Self> {
        let diary = Diary::open(path.as_ref(), &key)?;
        drop(key);
        let held = diary.trust()?;
        let mut app_trust_refused = None;
        match &held {
            None => diary.set_trust(&config.trust)?,
            Some(h) if h.sequence() < config.trust.sequence() => {
                match config.trust.verify_update(h) {
                    Ok(()) => diary.set_trust(&config.trust)?,
                    Err(e) => app_trust_refused = Some(e),
                }
            }
            Some(_) => {}
        }
        let v = Self {
            diary,
            config,
            clock: Box::new(clock),
            transport: Box::new(transport),
            app_trust_refused,
        };
        v.purge()?;
        Ok(v)
    }

    /// Why the app's trust bundle did not replace the held one when the diary was opened: it
    /// had a higher sequence but was not signed by an RA key of the held bundle (or did not
    /// verify). `None` when it was installed, or was not newer. The app should report it.
    pub fn app_trust_bundle_refused(&self) -> Option<ProtocolError> {
        self.app_trust_refused
    }

    /// The configuration.
    pub fn config(&self) -> &VisitorConfig {
        &self.config
    }

    /// The trust bundle the library trusts now: the one installed, or a later one a sync
    /// verified against it.
    pub fn trust_bundle(&self) -> Result<TrustBundle> {
        Ok(self
            .diary
            .trust()?
            .unwrap_or_else(|| self.config.trust.clone()))
    }

    /// The RA and HA signing keys of the held trust bundle.
    pub fn anchors(&self) -> Result<TrustAnchors> {
        Ok(self.trust_bundle()?.anchors())
    }

    /// The HA encryption key of the held trust bundle, to which shares are sealed.
    pub(crate) fn ha_encryption_key(&self) -> Result<EncryptionKey> {
        Ok(self.trust_bundle()?.ha_encryption_key())
    }

    /// Replaces the held trust bundle with `bundle` if it is a genuine update: signed by an RA
    /// key of the held bundle, with a higher sequence (`TrustBundle::verify_update`). A bundle
    /// that fails changes nothing.
    pub fn update_trust_bundle(&self, bundle: &TrustBundle) -> Result<()> {
        bundle.verify_update(&self.trust_bundle()?)?;
        self.diary.set_trust(bundle)
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
    /// the clock and the cached revocation list (fetched first on a phone that never held one).
    /// Nothing is stored.
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
        let mut revoked = self.diary.revocations()?;
        // A fresh phone has never held a revocation list: it fetches one before its first
        // check-in, so that it does not accept deactivated or replaced posters until its first
        // sync. Offline, the scan goes on as before (the next sync fetches the list).
        if revoked.issued_at() == 0 && self.refresh_revocations().is_ok() {
            revoked = self.diary.revocations()?;
        }
        code.verify(&self.anchors()?, now, Some(&revoked))
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
        self.check_in_for(preview, None)
    }

    /// [`Self::check_in`] with the length of stay the person chose at check-in (15 to 720
    /// minutes), instead of the configured or the venue's default; `edit_times` still
    /// corrects it later.
    pub fn check_in_with_stay(&self, preview: &ScanPreview, stay_minutes: u16) -> Result<CheckIn> {
        if !(MIN_STAY_MINUTES..=MAX_STAY_MINUTES).contains(&stay_minutes) {
            return Err(Error::InvalidArgument(
                "the length of stay is 15 to 720 minutes",
            ));
        }
        self.check_in_for(preview, Some(u32::from(stay_minutes)))
    }

    /// The reminder for the current check-in, if the person is checked in now.
    pub fn checkout_reminder(&self) -> Result<Option<CheckoutReminder>> {
        Ok(self.current()?.as_ref().map(CheckoutReminder::for_entry))
    }

    fn check_in_for(&self, preview: &ScanPreview, stay: Option<u32>) -> Result<CheckIn> {
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
            departure: now.saturating_add(stay.unwrap_or_else(|| self.auto_stay(&preview.code))),
            checked_out: false,
            hidden: false,
            shared: false,
        };
        let entry = self.diary.insert_entry(entry, &closed)?;
        if self.config.count_pings {
            let code = &preview.code;
            let epoch = local_epoch(now, code.utc_offset());
            let delay = random_delay(self.config.ping_delay_max_minutes)?;
            self.diary.add_pending_ping(PendingPing {
                ping: CountPing {
                    venue_key_id: code.certificate().body().venue_key.key_id(),
                    tag: code.slot_keys().count_tag(epoch),
                },
                send_after: now.saturating_add(delay),
            })?;
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

    /// The current exposures: raised and not dismissed, oldest first. They stay listed, sync
    /// after sync, until the person dismisses them ([`Self::dismiss_exposure`]).
    pub fn exposures(&self) -> Result<Vec<Exposure>> {
        Ok(self
            .diary
            .exposures()?
            .into_iter()
            .filter(|x| !x.dismissed())
            .collect())
    }

    /// Every exposure held, dismissed ones included, oldest first.
    pub fn all_exposures(&self) -> Result<Vec<Exposure>> {
        self.diary.exposures()
    }

    /// Dismisses an exposure (the person has read it and acted): it is no longer listed by
    /// [`Self::exposures`], and the same match is not raised again.
    pub fn dismiss_exposure(&self, id: u64) -> Result<Exposure> {
        self.diary.dismiss_exposure(id)
    }

    /// How many count pings wait to be sent.
    pub fn pending_count_pings(&self) -> Result<usize> {
        Ok(self.diary.pending_pings()?.len())
    }

    /// How many count pings are due now (their random send time has come).
    pub fn due_count_pings(&self) -> Result<usize> {
        let now = self.now();
        Ok(self
            .diary
            .pending_pings()?
            .iter()
            .filter(|p| p.send_after <= now)
            .count())
    }

    /// Sends the count pings whose random send time has come, one request each, removing each
    /// from the diary once the server took it. Pings not yet due wait. Stops at the first
    /// failure, keeping that ping and the rest for later. Returns how many were sent.
    pub fn send_due_pings(&self) -> Result<usize> {
        let now = self.now();
        let mut sent = 0;
        for p in self.diary.pending_pings()? {
            if p.send_after > now {
                continue;
            }
            crate::api::post_count_ping(&*self.transport, &p.ping)?;
            self.diary.remove_pending_ping(&p)?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// A delay drawn uniformly from `0..=max` minutes.
fn random_delay(max: u32) -> Result<u32> {
    let r = u64::from_be_bytes(venuecode_protocol::rand::random_array()?);
    // The bias of the modulo is below 2^-32 for any u32 bound.
    Ok(u32::try_from(r % (u64::from(max) + 1)).unwrap_or(max))
}
