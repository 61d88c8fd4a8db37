//! The visitor's app-facing API over the redb diary: scanning, check-in, check-out, editing,
//! hiding and deleting. The rules are [`crate::rules`]' (sans I/O, shared with the browser
//! build); this handle runs each in one diary transaction, with the clock and the transport.
//! Sync and matching live in [`crate::sync`], sharing in [`crate::share`].

use core::fmt;
use std::path::Path;

use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{TrustAnchors, TrustBundle, VenueCode};

use crate::clock::Clock;
use crate::diary::Diary;
use crate::error::{Error, ProtocolError, Result};
use crate::key::DiaryKey;
pub use crate::rules::{
    CheckIn, CheckInStatus, CheckoutReminder, CodeType, ScanPreview, VisitorConfig,
    CHECKOUT_REMINDER_LEAD_MINUTES, DEFAULT_MIN_OVERLAP_MINUTES, DEFAULT_PING_DELAY_MAX_MINUTES,
    MAX_ARRIVAL_BEFORE_SCAN_MINUTES,
};
use crate::state::{DiaryEntry, EntryId, Exposure};
use crate::transport::Transport;

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
    /// A wrong key fails with [`Error::WrongKey`](crate::Error::WrongKey) and leaves the diary
    /// untouched.
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
        let held = diary.load()?;
        let mut app_trust_refused = None;
        // Written only when it changes something.
        if held.trust.as_ref() != Some(config.trust_bundle()) {
            app_trust_refused = diary.update(|s| Ok(s.install_app_trust(&config)))?;
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
        Ok(self.diary.load()?.trust_bundle(&self.config))
    }

    /// The RA and HA signing keys of the held trust bundle.
    pub fn anchors(&self) -> Result<TrustAnchors> {
        Ok(self.trust_bundle()?.anchors())
    }

    /// Replaces the held trust bundle with `bundle` if it is a genuine update: signed by an RA
    /// key of the held bundle, with a higher sequence (`TrustBundle::verify_update`). A bundle
    /// that fails changes nothing.
    pub fn update_trust_bundle(&self, bundle: &TrustBundle) -> Result<()> {
        self.diary
            .update(|s| s.update_trust_bundle(&self.config, bundle))
    }

    pub(crate) fn now(&self) -> UnixMinute {
        self.clock.now_minute()
    }

    /// The whole diary state as the WebAssembly build stores it
    /// ([`DiaryState::to_padded`](crate::DiaryState::to_padded)): to move a diary into the
    /// browser build, and for benchmarks. It is the person's whole history in clear: encrypt it
    /// before it leaves memory.
    pub fn export_state(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.diary.load()?.to_padded()
    }

    /// Deletes entries and exposures older than the retention period; returns how many.
    pub fn purge(&self) -> Result<usize> {
        let now = self.now();
        // Most opens purge nothing: only read then.
        if !self.diary.load()?.needs_purge(&self.config, now) {
            return Ok(0);
        }
        self.diary.update(|s| Ok(s.purge(&self.config, now)))
    }

    /// A fresh phone has never held a revocation list: it fetches one before its first
    /// check-in, so that it does not accept deactivated or replaced posters until its first
    /// sync. Offline, the scan goes on as before (the next sync fetches the list).
    fn revocations_before_scan(&self) -> Result<()> {
        if self.diary.load()?.needs_revocations() {
            let _ = self.refresh_revocations();
        }
        Ok(())
    }

    /// Parses and verifies a scanned code (a URL or the raw digits) against the trust anchors,
    /// the clock and the cached revocation list (fetched first on a phone that never held one).
    /// Nothing is stored.
    pub fn scan(&self, text: &str) -> Result<ScanPreview> {
        // A malformed code is refused before any request.
        let code = VenueCode::parse(text).map_err(Error::MalformedCode)?;
        self.revocations_before_scan()?;
        self.diary.load()?.preview(&self.config, code, self.now())
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
        self.check_in_for(preview, Some(stay_minutes))
    }

    /// The reminder for the current check-in, if the person is checked in now.
    pub fn checkout_reminder(&self) -> Result<Option<CheckoutReminder>> {
        Ok(self.current()?.as_ref().map(CheckoutReminder::for_entry))
    }

    fn check_in_for(&self, preview: &ScanPreview, stay: Option<u16>) -> Result<CheckIn> {
        self.revocations_before_scan()?;
        let now = self.now();
        self.diary
            .update(|s| s.check_in(&self.config, preview, now, stay))
    }

    /// Scans and checks in in one step.
    pub fn scan_and_check_in(&self, text: &str) -> Result<CheckIn> {
        let preview = self.scan(text)?;
        self.check_in(&preview)
    }

    /// The entry the user is checked in with now, if any.
    pub fn current(&self) -> Result<Option<DiaryEntry>> {
        Ok(self.diary.load()?.current(self.now()))
    }

    /// Checks out of an open entry now.
    pub fn check_out(&self, id: EntryId) -> Result<DiaryEntry> {
        let now = self.now();
        self.diary.update(|s| s.check_out(id, now))
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
        self.diary
            .update(|s| s.edit_times(id, arrival, departure, now))
    }

    /// Hides an entry from [`Self::entries`] (or shows it again). Hidden entries are still
    /// matched against exposures.
    pub fn set_hidden(&self, id: EntryId, hidden: bool) -> Result<DiaryEntry> {
        self.diary.update(|s| s.set_hidden(id, hidden))
    }

    /// Deletes an entry for good: it is no longer matched or shared.
    pub fn delete(&self, id: EntryId) -> Result<()> {
        self.diary.update(|s| s.delete(id))
    }

    /// The entries the user has not hidden, oldest first.
    pub fn entries(&self) -> Result<Vec<DiaryEntry>> {
        Ok(self.diary.load()?.list_entries(false))
    }

    /// Every entry, hidden ones included, oldest first.
    pub fn all_entries(&self) -> Result<Vec<DiaryEntry>> {
        Ok(self.diary.load()?.list_entries(true))
    }

    /// One entry.
    pub fn entry(&self, id: EntryId) -> Result<DiaryEntry> {
        self.diary.load()?.get_entry(id)
    }

    /// The current exposures: raised and not dismissed, oldest first. They stay listed, sync
    /// after sync, until the person dismisses them ([`Self::dismiss_exposure`]).
    pub fn exposures(&self) -> Result<Vec<Exposure>> {
        Ok(self.diary.load()?.list_exposures(false))
    }

    /// Every exposure held, dismissed ones included, oldest first.
    pub fn all_exposures(&self) -> Result<Vec<Exposure>> {
        Ok(self.diary.load()?.list_exposures(true))
    }

    /// Dismisses an exposure (the person has read it and acted): it is no longer listed by
    /// [`Self::exposures`], and the same match is not raised again.
    pub fn dismiss_exposure(&self, id: u64) -> Result<Exposure> {
        self.diary.update(|s| s.dismiss(id))
    }

    /// How many count pings wait to be sent.
    pub fn pending_count_pings(&self) -> Result<usize> {
        Ok(self.diary.load()?.pending_ping_count())
    }

    /// How many count pings are due now (their random send time has come).
    pub fn due_count_pings(&self) -> Result<usize> {
        Ok(self.diary.load()?.due_pings(self.now()).len())
    }

    /// Sends the count pings whose random send time has come, one request each, removing each
    /// from the diary once the server took it. Pings not yet due wait. Stops at the first
    /// failure, keeping that ping and the rest for later. Returns how many were sent.
    pub fn send_due_pings(&self) -> Result<usize> {
        let now = self.now();
        let mut sent = 0;
        for p in self.diary.load()?.due_pings(now) {
            crate::api::post_count_ping(&*self.transport, &p.ping)?;
            self.diary.update(|s| {
                s.remove_pending_ping(&p);
                Ok(())
            })?;
            sent += 1;
        }
        Ok(sent)
    }
}
