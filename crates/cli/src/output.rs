//! The `--json` output of `venuecode`: one line of JSON per command, each the serialisation of
//! one struct here. These structs are the CLI's machine contract — scripts and the end-to-end
//! tests read them — so a field is renamed or removed only with a note in README.md.
//!
//! Times are RFC 3339 strings with an offset (the venue's zone for a venue's times, the
//! device's otherwise). A failed command prints [`Failure`] on stderr.
//!
//! | command | struct |
//! |---|---|
//! | any, on error (stderr) | [`Failure`] |
//! | `venue guestbook add` | [`GuestAdded`] |
//! | `venue guestbook list` | [`GuestList`] of [`GuestRow`] |
//! | `venue guestbook checkout`, `edit` | [`GuestChanged`] |
//! | `venue guestbook delete` | [`GuestDeleted`] |
//! | `venue guestbook disclose` | [`GuestsDisclosed`] |
//! | `visitor scan` | [`CheckedIn`]; refused: [`ScanRefused`]; `--preview`: [`ScanPreview`] |
//! | `visitor checkout` | [`CheckedOut`] |
//! | `visitor diary` | [`Diary`] |
//! | `visitor edit` | [`EntryEdited`] |
//! | `visitor exposures` | [`Exposures`] |
//! | `visitor dismiss` | [`Dismissed`] |
//! | `visitor hide` | [`EntryHidden`]; `--delete`: [`EntryDeleted`] |
//! | `visitor sync` | [`Synced`] |
//! | `visitor share` | [`Shared`] |
//! | `venue register` | [`VenueRegistered`]; held for review: [`RegistrationPending`] |
//! | `venue collect` | [`VenueRegistered`]; not issued: [`RegistrationReview`] |
//! | `venue update` | [`VenueUpdated`]; poster details only: [`ProfileUpdated`] |
//! | `venue poster` | [`PosterFiles`] |
//! | `venue code` | [`CodeUrl`] |
//! | `venue recovery-sheet` | [`SheetWritten`] |
//! | `venue restore` | [`VenueRestored`] |
//! | `venue notified` | [`Notified`] |
//! | `venue release-seeds` | [`SeedsReleased`] |
//! | `venue counts` | [`Counts`] |
//! | `venue count-tags` | [`CountTagsRegistered`] |
//! | `venue revoke` | [`VenueRevoked`] |
//! | `trust install` | [`TrustInstalled`] |
//! | `trust show` | [`TrustShown`] |
//! | `authority init` | [`AuthorityInitialised`] |
//! | `authority tan` | [`TansIssued`] |
//! | `authority checkpoint` | [`CheckpointPosted`] |
//! | `authority approve` / `refuse` | [`RegistrationApproved`] / [`RegistrationRefused`] |
//! | `authority uploads open` | [`CaseOpened`], [`GuestBookOpened`] or [`SeedsOpened`] |
//! | `authority publish` | [`Published`] |
//!
//! Not yet typed here: `authority registrations` (the server's listing as it comes),
//! `authority stats`, `uploads list`, `uploads delete` and `disable`.

use serde::{Deserialize, Serialize};

/// Any command that failed, printed on **stderr** (stdout stays empty):
/// `{"error": {"code": "…", "message": "…"}}`, the code from `crates/cli/ERRORS.md` and one
/// sentence in the language of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The failure.
    pub error: crate::errors::ErrorReport,
}

/// `venue guestbook add`: the new guest's id and masked label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestAdded {
    /// The entry id (for `checkout`, `edit`, `delete`).
    pub id: u64,
    /// The masked label, such as `王* 182****1234`.
    pub label: String,
}

/// One guest of [`GuestList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestRow {
    /// The entry id.
    pub id: u64,
    /// The masked label.
    pub label: String,
    /// Arrival, in the venue's zone.
    pub arrival: String,
    /// Departure, in the venue's zone (expected, while `open`).
    pub departure: String,
    /// Not yet checked out.
    #[serde(default)]
    pub open: bool,
    /// The upload that disclosed it to the health authority, if any.
    #[serde(default)]
    pub disclosed_in: Option<u64>,
}

/// `venue guestbook list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestList {
    /// Every stored guest, by id.
    pub guests: Vec<GuestRow>,
}

/// `venue guestbook checkout` and `edit`: the entry as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestChanged {
    /// The entry.
    pub guest: GuestRow,
    /// When it had been disclosed: the health authority's copy keeps what was sent.
    pub disclosed_copy_unchanged: bool,
}

/// `venue guestbook delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestDeleted {
    /// The deleted entry's id.
    pub deleted: u64,
    /// The upload that had disclosed it, if any: that copy is not affected.
    pub disclosed_in: Option<u64>,
}

/// `venue guestbook disclose`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestsDisclosed {
    /// The server's upload id.
    pub upload_id: u64,
    /// How many sealed entries were sent.
    pub entries: usize,
}

// ---- visitor ----

/// `visitor scan` refused the code (exit 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRefused {
    /// Always `false`.
    pub ok: bool,
    /// Always `failure`: the tone the app shows.
    pub tone: String,
    /// Why the code was refused.
    pub error: String,
}

/// `visitor scan --preview`: what the code names, before checking in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanPreview {
    /// The venue's name.
    pub venue: String,
    /// Its address.
    pub address: String,
    /// Its category.
    pub category: String,
    /// `Static` or `Rotating`.
    #[serde(rename = "type")]
    pub code_type: String,
}

/// `visitor scan`: the check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedIn {
    /// Always `true`.
    pub ok: bool,
    /// Always `success`.
    pub tone: String,
    /// The diary entry id.
    pub entry: u64,
    /// The venue's name.
    pub venue: String,
    /// `CheckedIn` or `AlreadyCheckedIn`.
    pub status: String,
    /// The entry this check-in closed, if the visitor was checked in elsewhere.
    pub checked_out_of: Option<u64>,
    /// Arrival, in the venue's zone.
    pub arrival: String,
    /// The automatic check-out, in the venue's zone.
    pub auto_checkout: String,
    /// When the phone reminds the visitor to check out.
    pub checkout_reminder: String,
}

/// `visitor checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedOut {
    /// The diary entry id.
    pub entry: u64,
    /// The departure, in the venue's zone.
    pub departure: String,
}

/// One diary entry of [`Diary`] and of [`ShareLists`] (`hidden` only in the diary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryRow {
    /// The entry id.
    pub id: u64,
    /// The venue's name.
    pub venue: String,
    /// Arrival, in the venue's zone.
    pub arrival: String,
    /// Departure, in the venue's zone.
    pub departure: String,
    /// Hidden from shares unless named (`visitor diary` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
}

/// An exposure, as `visitor diary`, `exposures` and `sync` list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureRow {
    /// The exposure id (for `visitor dismiss`).
    pub id: u64,
    /// The venue's name.
    pub venue: String,
    /// The risk level the health authority gave (a number).
    pub risk: u8,
    /// `high` or `low`.
    pub risk_level: String,
    /// Start of the overlap, in the device's zone.
    pub overlap_start: String,
    /// Length of the overlap.
    pub overlap_minutes: u32,
    /// The health authority's message.
    pub message: String,
    /// Dismissed by the visitor.
    pub dismissed: bool,
}

/// `visitor diary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diary {
    /// The check-ins.
    pub entries: Vec<DiaryRow>,
    /// The exposures not dismissed.
    pub exposures: Vec<ExposureRow>,
}

/// `visitor edit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryEdited {
    /// The diary entry id.
    pub entry: u64,
    /// The new arrival, in the venue's zone.
    pub arrival: String,
    /// The new departure, in the venue's zone.
    pub departure: String,
}

/// `visitor exposures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposures {
    /// The exposures.
    pub exposures: Vec<ExposureRow>,
}

/// `visitor dismiss`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissed {
    /// The exposure id.
    pub dismissed: u64,
}

/// `visitor hide --delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDeleted {
    /// The diary entry id.
    pub deleted: u64,
}

/// `visitor hide` and `hide --unhide`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryHidden {
    /// The diary entry id.
    pub entry: u64,
    /// Hidden now.
    pub hidden: bool,
}

/// One part of a sync ([`Synced`]): `{"status": "updated"}`, `unchanged`, or `refused` /
/// `failed` with an `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum SyncPart {
    /// Something new was applied.
    Updated,
    /// Nothing new.
    Unchanged,
    /// The server's answer was refused (a signature, a rollback).
    Refused {
        /// Why.
        error: String,
    },
    /// The part could not be fetched (network or server).
    Failed {
        /// Why.
        error: String,
    },
}

/// The state of the exposure list after a sync ([`Synced::chain`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ChainState {
    /// Complete up to the newest checkpoint.
    Complete {
        /// The last batch read.
        up_to: u64,
    },
    /// The server withheld batches the health authority published (exit 4).
    Withheld {
        /// First withheld batch.
        from: u64,
        /// Last withheld batch.
        to: u64,
        /// The last batch read.
        up_to: u64,
    },
    /// No checkpoint recent enough: newer batches may exist.
    Stale {
        /// The newest verified checkpoint the server serves, in the device's zone.
        last_checkpoint: Option<String>,
        /// The last batch read.
        up_to: u64,
    },
}

/// `visitor sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synced {
    /// New batches read.
    pub batches: usize,
    /// The last batch read.
    pub cursor: u64,
    /// Exposures this sync raised.
    pub new_exposures: Vec<ExposureRow>,
    /// The state of the exposure list.
    pub chain: ChainState,
    /// The list is complete: only then may the app say "no exposure".
    pub up_to_date: bool,
    /// The trust bundle.
    pub trust_bundle: SyncPart,
    /// The revocation list.
    pub revocations: SyncPart,
    /// The health authority's checkpoint.
    pub checkpoint: SyncPart,
    /// The exposure batches.
    pub batch_sync: SyncPart,
    /// The anonymous count pings.
    pub pings: SyncPart,
    /// Count pings sent.
    pub pings_sent: usize,
    /// Every exposure listed (not dismissed).
    pub exposures: Vec<ExposureRow>,
}

/// The entries of a share's window, by what happens to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLists {
    /// Sent.
    pub to_send: Vec<DiaryRow>,
    /// Hidden, left out.
    pub hidden: Vec<DiaryRow>,
    /// Excluded with `--exclude`.
    pub excluded: Vec<DiaryRow>,
}

/// `visitor share` (and `--preview`, with `preview: true` and `shared: 0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shared {
    /// Present (`true`) only for `--preview`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<bool>,
    /// How many check-ins were sent.
    pub shared: usize,
    /// The window's entries.
    pub lists: ShareLists,
    /// The receipt, as debug text (no TAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

// ---- venue ----

/// `venue register` held for review by the registration authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationPending {
    /// The registration's id at the server.
    pub pending: u64,
}

/// `venue collect` while not issued: `state` is `waiting` or `refused`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationReview {
    /// The registration's id at the server.
    pub pending: u64,
    /// `waiting` or `refused`.
    pub state: String,
}

/// `venue register` and `venue collect` once the certificate is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRegistered {
    /// The certificate's serial.
    pub serial: u64,
    /// End of its validity, in the venue's zone.
    pub valid_until: String,
    /// The venue's UTC offset, such as `+08:00`.
    pub utc_offset: String,
}

/// `venue update` that changed only the poster's details (no new certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileUpdated {
    /// The (unchanged) certificate's serial.
    pub serial: u64,
    /// Always `false`.
    pub new_certificate: bool,
    /// The code base URL the posters carry.
    pub base_url: String,
}

/// `venue update` that issued a new certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueUpdated {
    /// The new certificate's serial.
    pub serial: u64,
    /// The serial it replaces.
    pub superseded: u64,
    /// Always `true`.
    pub new_certificate: bool,
    /// End of its validity, in the venue's zone.
    pub valid_until: String,
}

/// `venue poster`: the files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosterFiles {
    /// The PDF.
    pub pdf: std::path::PathBuf,
    /// The SVG.
    pub svg: std::path::PathBuf,
    /// The PNG.
    pub png: std::path::PathBuf,
}

/// `venue code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeUrl {
    /// The code's URL.
    pub url: String,
    /// The certificate's serial.
    pub serial: u64,
}

/// `venue recovery-sheet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetWritten {
    /// The sheet's file.
    pub path: std::path::PathBuf,
}

/// `venue restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRestored {
    /// The certificate's serial.
    pub serial: u64,
    /// The venue's name.
    pub name: String,
    /// The code base URL.
    pub base_url: String,
    /// End of the certificate's validity, in the venue's zone.
    pub valid_until: String,
}

/// One window of [`Notified`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifiedWindow {
    /// The batch that published it.
    pub batch: u64,
    /// Start, in the venue's zone.
    pub from: String,
    /// End, in the venue's zone.
    pub until: String,
    /// The risk level.
    pub risk: u8,
}

/// `venue notified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notified {
    /// Any window names this venue.
    pub notified: bool,
    /// The windows.
    pub windows: Vec<NotifiedWindow>,
}

/// `venue release-seeds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedsReleased {
    /// The server's upload id.
    pub upload_id: u64,
    /// The days released, as typed.
    pub days: Vec<String>,
}

/// One day of [`Counts`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The venue's local day, `YYYY-MM-DD`.
    pub day: String,
    /// Check-ins counted.
    pub count: u64,
}

/// `venue counts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Check-ins today (the venue's local day).
    pub today: u64,
    /// Over the last `days` days.
    pub cumulative: u64,
    /// How many days.
    pub days: u32,
    /// Day by day.
    pub by_day: Vec<DayCount>,
}

/// `venue count-tags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountTagsRegistered {
    /// First local day registered.
    pub registered_from: String,
    /// Last local day registered.
    pub registered_until: String,
}

/// `venue revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRevoked {
    /// The deactivated serial.
    pub serial: u64,
    /// The revocation list's sequence (absent when it was already revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// It was deactivated before.
    pub already_revoked: bool,
}

// ---- trust ----

/// `trust install` (and `--trust-bundle` when it reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustInstalled {
    /// The home's bundle changed.
    pub installed: bool,
    /// The bundle's sequence.
    pub sequence: u64,
    /// What happened, in words (`installed`, `updated`, `already installed`).
    pub outcome: String,
}

/// `trust show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustShown {
    /// The bundle's sequence.
    pub sequence: u64,
    /// When it was issued, in the device's zone.
    pub issued_at: String,
    /// The RA key that signed it, hex key id.
    pub signer_key_id: String,
    /// The RA keys, hex.
    pub ra_keys: Vec<String>,
    /// The HA signing keys, hex.
    pub ha_signing_keys: Vec<String>,
    /// The HA encryption key, hex.
    pub ha_encryption_key: String,
    /// The server URL.
    pub server_url: String,
    /// The base URL of venue codes.
    pub code_base_url: String,
}

// ---- authority ----

/// `authority init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityInitialised {
    /// The RA key's id, hex.
    pub ra_key_id: String,
    /// The HA signing key's id, hex.
    pub ha_key_id: String,
    /// The trust bundle written.
    pub trust_bundle: std::path::PathBuf,
    /// Its sequence.
    pub sequence: u64,
    /// The server URL it names.
    pub server_url: String,
    /// The base URL of venue codes it names.
    pub code_base_url: String,
}

/// `authority tan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TansIssued {
    /// The TANs, grouped for reading aloud.
    pub tans: Vec<String>,
    /// Each TAN's id (in the same order), by which `authority tan list` and `tan cancel`
    /// name it.
    pub ids: Vec<String>,
    /// Hours each stays valid.
    pub valid_hours: u64,
    /// `case`, `guestbook` or `seeds`.
    pub purpose: String,
    /// Expiry, in the device's zone.
    pub expires_at: String,
}

/// `authority checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointPosted {
    /// The batch it names.
    pub sequence: u64,
    /// When it was issued, in the device's zone.
    pub issued_at: String,
    /// The first batch still served.
    pub retained_from: u64,
}

/// `authority approve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationApproved {
    /// The registration's id.
    pub approved: u64,
    /// The serial of the certificate issued.
    pub serial: u64,
}

/// `authority refuse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRefused {
    /// The registration's id.
    pub refused: u64,
}

/// One shared check-in of [`CaseOpened`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEntry {
    /// The venue's serial.
    pub serial: u64,
    /// The venue's name.
    pub venue: String,
    /// Arrival, in the venue's zone.
    pub arrival: String,
    /// Departure, in the venue's zone.
    pub departure: String,
    /// Why it will not be published, if it will not.
    pub problem: Option<String>,
}

/// The TAN check of [`CaseOpened`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanCheck {
    /// Sealed under a case TAN this authority issued and no other upload used.
    pub authorised: bool,
    /// What the check found.
    pub check: String,
}

/// `authority uploads open` of a case's upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOpened {
    /// The shared check-ins.
    pub case: Vec<CaseEntry>,
    /// The TAN check.
    pub tan: TanCheck,
}

/// One entry of [`GuestBookOpened`]: the guest in clear (the authority's view only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedGuest {
    /// The venue's serial.
    pub serial: u64,
    /// The guest's name.
    pub name: String,
    /// The guest's phone.
    pub phone: String,
    /// Arrival, Unix minute.
    pub arrival: u32,
    /// Departure, Unix minute.
    pub departure: u32,
}

/// `authority uploads open` of a guest book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestBookOpened {
    /// The entries.
    pub guestbook: Vec<OpenedGuest>,
}

/// `authority uploads open` of a seed release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedsOpened {
    /// The venue key that signed the release, hex.
    pub venue_key: String,
    /// The venue's local days released.
    pub days: Vec<String>,
}

/// A seed missing for [`Published`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingSeed {
    /// The venue's serial.
    pub serial: u64,
    /// The venue's name.
    pub venue: String,
    /// The venue's local day.
    pub day: String,
}

/// An upload or check-in left out of [`Published`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedUpload {
    /// The upload id.
    pub upload: u64,
    /// The check-in's index in it, when only that one was left out.
    pub entry: Option<usize>,
    /// The code of why ([`venuecode_authority::AuthorityError::code`]).
    pub code: String,
    /// Why, in English.
    pub reason: String,
    /// Why, in the language of the run.
    pub message: String,
}

/// The checkpoint of [`Published`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCheckpoint {
    /// The batch it names.
    pub sequence: u64,
    /// When it was issued, in the device's zone.
    pub issued_at: String,
}

/// `authority publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The batch's sequence.
    pub sequence: u64,
    /// Its records.
    pub records: usize,
    /// The stays traced.
    pub stays: usize,
    /// Rotating-code days without a released seed.
    pub missing_seeds: Vec<MissingSeed>,
    /// What was left out.
    pub skipped: Vec<SkippedUpload>,
    /// The uploads published from.
    pub used_uploads: Vec<u64>,
    /// The checkpoint posted after it.
    pub checkpoint: PublishedCheckpoint,
}
