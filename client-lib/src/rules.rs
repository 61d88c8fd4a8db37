//! The visitor's rules, sans I/O: verifying a scanned code, check-in and check-out, editing,
//! hiding and deleting, purging, the trust bundle, exposures, the share preview and sealing,
//! count pings. Each rule is a method of [`DiaryState`] that takes the time as an argument and
//! neither reads a clock, touches storage nor the network: the native [`crate::Visitor`] runs it
//! inside one redb transaction, the browser (crates/wasm) on the state it keeps in memory.
//! Sync's rules are in [`crate::sync_core`].

use core::fmt;

use venuecode_protocol::chain::DEFAULT_STALE_MINUTES;
use venuecode_protocol::time::{
    local_epoch, overlap_minutes, UnixMinute, EPOCH_MINUTES, MAX_STAY_MINUTES, MIN_STAY_MINUTES,
    RETENTION_DAYS,
};
use venuecode_protocol::{
    CodeKind, Codec, CountPing, RegionCode, TrustAnchors, TrustBundle, Upload, UploadEntry,
    VenueCategory, VenueCode,
};
use zeroize::Zeroizing;

use crate::error::{Error, ProtocolError, Reason, Result};
use crate::state::{DiaryEntry, DiaryState, EntryId, Exposure, PendingPing, PendingUpload};
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
    pub(crate) fn for_entry(e: &DiaryEntry) -> Self {
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

/// A delay drawn uniformly from `0..=max` minutes.
fn random_delay(max: u32) -> Result<u32> {
    let r = u64::from_be_bytes(venuecode_protocol::rand::random_array()?);
    // The bias of the modulo is below 2^-32 for any u32 bound.
    Ok(u32::try_from(r % (u64::from(max) + 1)).unwrap_or(max))
}

/// What the user chose among the entries of the infectious window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareSelection {
    /// Entries the user deselected: never sent.
    pub exclude: Vec<EntryId>,
    /// Hidden entries the user chose to send after all. A hidden entry not named here is left
    /// out.
    pub include_hidden: Vec<EntryId>,
}

/// What a share will send, before anything is sealed or sent: the entries of the infectious
/// window split into those to send, the hidden ones left out, and those the user excluded.
#[derive(Clone)]
pub struct SharePreview {
    window: (UnixMinute, UnixMinute),
    to_send: Vec<DiaryEntry>,
    hidden: Vec<DiaryEntry>,
    excluded: Vec<DiaryEntry>,
    include_hidden: Vec<EntryId>,
}

impl fmt::Debug for SharePreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Which venues and when is the user's history: only the counts are printed.
        f.debug_struct("SharePreview")
            .field("to_send", &self.to_send.len())
            .field("hidden", &self.hidden.len())
            .field("excluded", &self.excluded.len())
            .finish_non_exhaustive()
    }
}

impl SharePreview {
    /// The infectious window `[from, until)` the preview covers.
    pub fn window(&self) -> (UnixMinute, UnixMinute) {
        self.window
    }
    /// The entries that will be sealed and sent, oldest first.
    pub fn to_send(&self) -> &[DiaryEntry] {
        &self.to_send
    }
    /// Hidden entries of the window that stay out, because the user did not include them.
    pub fn hidden(&self) -> &[DiaryEntry] {
        &self.hidden
    }
    /// Entries of the window the user excluded.
    pub fn excluded(&self) -> &[DiaryEntry] {
        &self.excluded
    }
}

/// A sealed share ready to send: the body of `POST /v1/uploads` and the TAN it is authorised by
/// (canonical form; only its hash is sent).
#[derive(Clone)]
pub struct SealedShare {
    /// The canonical TAN, sealed inside and hashed for the request header.
    pub tan: Zeroizing<String>,
    /// The sealed upload, padded.
    pub body: Vec<u8>,
    /// How many entries it holds.
    pub entries: usize,
}

impl fmt::Debug for SealedShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedShare")
            .field("entries", &self.entries)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl SealedShare {
    fn of(p: &PendingUpload) -> Self {
        Self {
            tan: p.tan.clone(),
            body: p.sealed.clone(),
            entries: usize::from(p.entries),
        }
    }
}

impl DiaryState {
    /// The trust bundle the library trusts now: the one installed, or a later one a sync
    /// verified against it; the configuration's before any was stored.
    pub fn trust_bundle(&self, config: &VisitorConfig) -> TrustBundle {
        self.trust.clone().unwrap_or_else(|| config.trust.clone())
    }

    /// The RA and HA signing keys of the held trust bundle.
    pub fn anchors(&self, config: &VisitorConfig) -> TrustAnchors {
        self.trust_bundle(config).anchors()
    }

    /// Installs the app's bundle on opening: a new diary stores it; a held bundle is replaced
    /// only by a newer app bundle that is a genuine update of it. Returns why a newer app bundle
    /// was refused, if it was.
    pub fn install_app_trust(&mut self, config: &VisitorConfig) -> Option<ProtocolError> {
        match &self.trust {
            None => {
                self.trust = Some(config.trust.clone());
                None
            }
            Some(h) if h.sequence() < config.trust.sequence() => {
                match config.trust.verify_update(h) {
                    Ok(()) => {
                        self.trust = Some(config.trust.clone());
                        None
                    }
                    Err(e) => Some(e),
                }
            }
            Some(_) => None,
        }
    }

    /// Replaces the held trust bundle with `bundle` if it is a genuine update (signed by an RA
    /// key of the held bundle, higher sequence). A bundle that fails changes nothing.
    pub fn update_trust_bundle(
        &mut self,
        config: &VisitorConfig,
        bundle: &TrustBundle,
    ) -> Result<()> {
        bundle.verify_update(&self.trust_bundle(config))?;
        self.trust = Some(bundle.clone());
        Ok(())
    }

    /// A bundle a server offered: `Ok(false)` when it is the held one, `Ok(true)` when it was a
    /// genuine update and replaced it, an error (nothing changed) otherwise.
    pub fn offer_trust_bundle(
        &mut self,
        config: &VisitorConfig,
        offered: &TrustBundle,
    ) -> Result<bool> {
        if *offered == self.trust_bundle(config) {
            return Ok(false);
        }
        self.update_trust_bundle(config, offered)?;
        Ok(true)
    }

    /// The cut-off of the retention period at `now`.
    fn retention_cutoff(config: &VisitorConfig, now: UnixMinute) -> UnixMinute {
        now.saturating_sub(config.retention_days.saturating_mul(EPOCH_MINUTES))
    }

    /// Whether [`Self::purge`] would delete anything at `now`.
    pub fn needs_purge(&self, config: &VisitorConfig, now: UnixMinute) -> bool {
        self.has_before(Self::retention_cutoff(config, now))
    }

    /// Deletes entries and exposures older than the retention period; returns how many.
    pub fn purge(&mut self, config: &VisitorConfig, now: UnixMinute) -> usize {
        self.purge_before(Self::retention_cutoff(config, now))
    }

    /// Whether no revocation list was ever applied: a fresh phone fetches one before its first
    /// check-in, so that it does not accept deactivated posters until its first sync.
    pub fn needs_revocations(&self) -> bool {
        self.revocations.issued_at() == UnixMinute::MIN
    }

    /// Verifies a code against the held anchors, `now` and the cached revocation list.
    pub fn verify_code(
        &self,
        config: &VisitorConfig,
        code: &VenueCode,
        now: UnixMinute,
    ) -> Result<()> {
        code.verify(&self.anchors(config), now, Some(&self.revocations))
            .map_err(Error::from_scan)
    }

    /// Parses and verifies a scanned code (a URL or the raw digits). Nothing changes.
    pub fn scan(&self, config: &VisitorConfig, text: &str, now: UnixMinute) -> Result<ScanPreview> {
        let code = VenueCode::parse(text).map_err(Error::MalformedCode)?;
        self.preview(config, code, now)
    }

    /// Verifies a parsed code at `now`: the preview of a scan. Nothing changes.
    pub fn preview(
        &self,
        config: &VisitorConfig,
        code: VenueCode,
        now: UnixMinute,
    ) -> Result<ScanPreview> {
        self.verify_code(config, &code, now)?;
        Ok(ScanPreview {
            code,
            scanned_at: now,
        })
    }

    /// Checks in with a previewed code at `now`, verified again now (a rotating code may have
    /// gone stale), with the stay the person chose (15 to 720 minutes) or the automatic one.
    /// Rescanning the venue the user is checked in at adds nothing; checking in elsewhere checks
    /// out of the current venue first. Purges first.
    pub fn check_in(
        &mut self,
        config: &VisitorConfig,
        preview: &ScanPreview,
        now: UnixMinute,
        stay_minutes: Option<u16>,
    ) -> Result<CheckIn> {
        if let Some(s) = stay_minutes {
            if !(MIN_STAY_MINUTES..=MAX_STAY_MINUTES).contains(&s) {
                return Err(Error::InvalidArgument(Reason::StayLength));
            }
        }
        self.verify_code(config, &preview.code, now)?;
        self.purge(config, now);
        let serial = preview.code.certificate().serial();
        let ra = preview.code.certificate().body().ra_key_id;
        let open: Vec<DiaryEntry> = self
            .sorted_entries()
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
        let stay = stay_minutes.map_or_else(|| auto_stay(config, &preview.code), u32::from);
        let ping = if config.count_pings {
            let code = &preview.code;
            let epoch = local_epoch(now, code.utc_offset());
            let delay = random_delay(config.ping_delay_max_minutes)?;
            Some(PendingPing {
                ping: CountPing {
                    venue_key_id: code.certificate().body().venue_key.key_id(),
                    tag: code.slot_keys().count_tag(epoch),
                },
                send_after: now.saturating_add(delay),
            })
        } else {
            None
        };
        let entry = self.insert_entry(
            DiaryEntry {
                id: EntryId(0),
                code: preview.code.clone(),
                scanned_at: now,
                arrival: now,
                departure: now.saturating_add(stay),
                checked_out: false,
                hidden: false,
                shared: false,
            },
            &closed,
        );
        self.pending_pings.extend(ping);
        Ok(CheckIn {
            entry,
            status: CheckInStatus::CheckedIn,
            checked_out_of: closed.last().map(|e| e.id),
        })
    }

    /// The entry the user is checked in with at `now`, if any.
    pub fn current(&self, now: UnixMinute) -> Option<DiaryEntry> {
        self.entries
            .iter()
            .filter(|e| e.is_open_at(now))
            .max_by_key(|e| (e.arrival, e.id))
            .cloned()
    }

    /// The entries, oldest first; hidden ones only with `include_hidden`.
    pub fn list_entries(&self, include_hidden: bool) -> Vec<DiaryEntry> {
        let mut out = self.sorted_entries();
        out.retain(|e| include_hidden || !e.hidden);
        out
    }

    /// One entry.
    pub fn get_entry(&self, id: EntryId) -> Result<DiaryEntry> {
        self.entry(id).cloned()
    }

    /// Checks out of an open entry at `now`.
    pub fn check_out(&mut self, id: EntryId, now: UnixMinute) -> Result<DiaryEntry> {
        let e = self.entry_mut(id)?;
        if !e.is_open_at(now) {
            return Err(Error::NotCheckedIn);
        }
        e.departure = now.max(e.arrival.saturating_add(1));
        e.checked_out = true;
        Ok(e.clone())
    }

    /// Edits arrival and departure. Bounds: arrival before departure and not in the future;
    /// arrival at most [`MAX_ARRIVAL_BEFORE_SCAN_MINUTES`] before the scan; a stay of at most
    /// `MAX_STAY_MINUTES`. A departure not after `now` checks the entry out. Tokens still derive
    /// from the seed that was scanned: for a rotating code, slots moved before that seed's day
    /// are never published with it, so such an edit widens nothing.
    pub fn edit_times(
        &mut self,
        id: EntryId,
        arrival: UnixMinute,
        departure: UnixMinute,
        now: UnixMinute,
    ) -> Result<DiaryEntry> {
        let e = self.entry_mut(id)?;
        if departure <= arrival {
            return Err(Error::EditOutOfBounds(Reason::DepartureBeforeArrival));
        }
        if arrival > now {
            return Err(Error::EditOutOfBounds(Reason::ArrivalInFuture));
        }
        if arrival < e.scanned_at.saturating_sub(MAX_ARRIVAL_BEFORE_SCAN_MINUTES) {
            return Err(Error::EditOutOfBounds(Reason::ArrivalTooEarly));
        }
        if departure - arrival > u32::from(MAX_STAY_MINUTES) {
            return Err(Error::EditOutOfBounds(Reason::StayTooLong));
        }
        e.arrival = arrival;
        e.departure = departure;
        if departure <= now {
            e.checked_out = true;
        }
        Ok(e.clone())
    }

    /// Hides an entry from the list (or shows it again). Hidden entries are still matched.
    pub fn set_hidden(&mut self, id: EntryId, hidden: bool) -> Result<DiaryEntry> {
        let e = self.entry_mut(id)?;
        e.hidden = hidden;
        Ok(e.clone())
    }

    /// Deletes an entry for good: it is no longer matched or shared.
    pub fn delete(&mut self, id: EntryId) -> Result<()> {
        self.delete_entry(id)
    }

    /// The exposures held, oldest first; dismissed ones only with `include_dismissed`.
    pub fn list_exposures(&self, include_dismissed: bool) -> Vec<Exposure> {
        self.exposures
            .iter()
            .filter(|x| include_dismissed || !x.dismissed)
            .cloned()
            .collect()
    }

    /// Dismisses an exposure: no longer listed as current, and the same match is not raised
    /// again.
    pub fn dismiss(&mut self, id: u64) -> Result<Exposure> {
        self.dismiss_exposure(id)
    }

    /// The count pings held, due or not.
    pub fn pending_ping_count(&self) -> usize {
        self.pending_pings.len()
    }

    /// The first count ping due at `now` (its random send time has come): the body of
    /// `POST /v1/counts`.
    pub fn next_due_ping(&self, now: UnixMinute) -> Option<CountPing> {
        self.due_pings(now).first().map(|p| p.ping)
    }

    /// The pending pings due at `now`, in order.
    pub(crate) fn due_pings(&self, now: UnixMinute) -> Vec<PendingPing> {
        self.pending_pings
            .iter()
            .filter(|p| p.send_after <= now)
            .copied()
            .collect()
    }

    /// Removes one pending count ping (the first equal to `ping`), once it was sent.
    pub(crate) fn remove_pending_ping(&mut self, ping: &PendingPing) {
        if let Some(i) = self.pending_pings.iter().position(|p| p == ping) {
            self.pending_pings.remove(i);
        }
    }

    /// Removes the count ping [`Self::next_due_ping`] returned at `now`, once the server took
    /// it.
    pub fn due_ping_sent(&mut self, now: UnixMinute) {
        if let Some(p) = self.due_pings(now).first().copied() {
            self.remove_pending_ping(&p);
        }
    }

    /// The entries whose stay at `now` overlaps the infectious window `[from, until)`, hidden
    /// ones included, oldest first.
    pub fn share_candidates(
        &self,
        from: UnixMinute,
        until: UnixMinute,
        now: UnixMinute,
    ) -> Result<Vec<DiaryEntry>> {
        if until <= from {
            return Err(Error::InvalidArgument(Reason::InfectiousWindowEmpty));
        }
        Ok(self
            .sorted_entries()
            .into_iter()
            .filter(|e| {
                let (a, d) = e.stay_at(now);
                overlap_minutes(a, d, from, until) > 0
            })
            .collect())
    }

    /// Splits the entries of the infectious window `[from, until)` by the user's choice: what
    /// will be sent, hidden entries left out, excluded entries. An id in the selection that is
    /// not an entry of the window is an error, so that a typo never passes for a choice.
    pub fn preview_share(
        &self,
        from: UnixMinute,
        until: UnixMinute,
        now: UnixMinute,
        selection: &ShareSelection,
    ) -> Result<SharePreview> {
        let candidates = self.share_candidates(from, until, now)?;
        for id in selection.exclude.iter().chain(&selection.include_hidden) {
            if !candidates.iter().any(|e| e.id() == *id) {
                return Err(Error::InvalidArgument(Reason::EntryOutsideWindow));
            }
        }
        let mut preview = SharePreview {
            window: (from, until),
            to_send: Vec::new(),
            hidden: Vec::new(),
            excluded: Vec::new(),
            include_hidden: selection.include_hidden.clone(),
        };
        for e in candidates {
            if selection.exclude.contains(&e.id()) {
                preview.excluded.push(e);
            } else if e.hidden() && !selection.include_hidden.contains(&e.id()) {
                preview.hidden.push(e);
            } else {
                preview.to_send.push(e);
            }
        }
        Ok(preview)
    }

    /// Seals the selected entries to the HA (padded to a size bucket) with the TAN inside, and
    /// stores the sealed upload as pending, replacing any earlier one. Hidden entries among
    /// `selected` are left out unless named in `include_hidden`. The TAN is read as typed
    /// ([`crate::tan::normalize`]).
    pub fn seal_share(
        &mut self,
        config: &VisitorConfig,
        tan: &str,
        selected: &[EntryId],
        include_hidden: &[EntryId],
        now: UnixMinute,
    ) -> Result<SealedShare> {
        // Sealed and stored in canonical form: the form the HA generated, hashed and kept.
        let tan = Zeroizing::new(crate::tan::normalize(tan)?);
        let mut ids = selected.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut entries = Vec::with_capacity(ids.len());
        let mut sent = Vec::with_capacity(ids.len());
        for id in ids {
            let e = self.entry(id)?;
            if e.hidden() && !include_hidden.contains(&id) {
                continue;
            }
            sent.push(id);
            let (arrival, departure) = e.stay_at(now);
            entries.push(UploadEntry::new(
                e.code().clone(),
                arrival,
                departure.max(arrival.saturating_add(1)),
            )?);
        }
        if entries.is_empty() {
            return Err(Error::NothingSelected);
        }
        let count = entries.len();
        // The TAN goes inside the seal, for the HA alone; the server sees only its hash.
        let upload = Upload::new(&tan, entries)?;
        let sealed = upload
            .seal(&self.trust_bundle(config).ha_encryption_key())?
            .encode();
        let pending = PendingUpload {
            tan,
            sealed,
            plain: Zeroizing::new(upload.encode()),
            entries: u16::try_from(count)
                .map_err(|_| Error::InvalidArgument(Reason::TooManyEntries))?,
            ids: sent,
        };
        let out = SealedShare::of(&pending);
        self.pending_upload = Some(pending);
        Ok(out)
    }

    /// Seals the entries a preview lists to send, as [`Self::seal_share`] does.
    pub fn seal_previewed(
        &mut self,
        config: &VisitorConfig,
        tan: &str,
        preview: &SharePreview,
        now: UnixMinute,
    ) -> Result<SealedShare> {
        let ids: Vec<EntryId> = preview.to_send.iter().map(DiaryEntry::id).collect();
        self.seal_share(config, tan, &ids, &preview.include_hidden, now)
    }

    /// The pending upload, to send again with the same TAN and bytes.
    pub fn pending_share(&self) -> Option<SealedShare> {
        self.pending_upload.as_ref().map(SealedShare::of)
    }

    /// Seals the pending upload's entries again around a new TAN (after the old one expired or
    /// was refused), since the HA accepts an upload only under the TAN sealed in it.
    pub fn reseal_share(&mut self, config: &VisitorConfig, tan: &str) -> Result<SealedShare> {
        let tan = Zeroizing::new(crate::tan::normalize(tan)?);
        let key = self.trust_bundle(config).ha_encryption_key();
        let pending = self.pending_upload.as_mut().ok_or(Error::NoPendingUpload)?;
        let old = Upload::decode(&pending.plain).map_err(|_| Error::Corrupt)?;
        let upload = Upload::new(&tan, old.entries().to_vec())?;
        pending.sealed = upload.seal(&key)?.encode();
        pending.plain = Zeroizing::new(upload.encode());
        pending.tan = tan;
        Ok(SealedShare::of(pending))
    }

    /// Drops the pending upload without sending it.
    pub fn discard_pending_share(&mut self) {
        self.pending_upload = None;
    }

    /// The server accepted the pending upload: it is cleared and its entries are marked shared
    /// (the person is the case for these check-ins and is not alerted about them). Returns how
    /// many entries it held.
    pub fn share_accepted(&mut self) -> Result<usize> {
        let pending = self.pending_upload.take().ok_or(Error::NoPendingUpload)?;
        self.finish_share(&pending.ids);
        Ok(usize::from(pending.entries))
    }
}

/// The automatic stay for a venue: the user's choice or the venue's default, clamped.
fn auto_stay(config: &VisitorConfig, code: &VenueCode) -> u32 {
    let wanted = config
        .auto_checkout_minutes
        .unwrap_or_else(|| code.certificate().info().default_stay_minutes());
    u32::from(wanted.clamp(MIN_STAY_MINUTES, MAX_STAY_MINUTES))
}
