//! The health authority's and the registration authority's side of Venuecode, as a library:
//! TANs and their ledger, the upload mailbox (listing, fetching, opening, checking each shared
//! check-in), planning the exposure windows and applying the tracer's choices, the batch chain
//! and its pending batch, publishing signed batches and checkpoints, registrations waiting for
//! review, disabling venues, and statistics.
//!
//! The library owns the authority's state files (the chain, the TAN ledger, the publish ledger,
//! a pending batch) in an [`AuthorityHome`] and writes them atomically (a temporary file, then a
//! rename); the app decides where the home is. It changes them only under the home's lock: a
//! state file is loaded for changing through the [`StateLock`] guard and borrows it
//! ([`Locked`]), so that callers at the same time (threads, processes, a command line and an
//! app) never overwrite each other's TANs or batches ([`home`] says more). Keys are given to it
//! ([`HealthAuthority`], [`RegistrationAuthority`]); errors are [`AuthorityError`]s.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod home;
mod stats;

pub use error::{AuthorityError, Result};
pub use home::{AuthorityHome, BundleUrls, Locked, StateLock};
pub use stats::{day_text, fetch_statistics, RegionFilter, Statistics, StatsFilter};
pub use venuecode_protocol::UploadPurpose;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use venuecode_client::api;
use venuecode_client::error::ErrorCode;
use venuecode_client::transport::{Method, Request, Transport};
use venuecode_protocol::api::{
    AuthorityInfo, BatchStored, PendingRegistrations, TanEntry, TanRegistration, UploadListing,
    VenueSearch,
};
use venuecode_protocol::chain::retained_range;
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::exposure::plan_trace;
use venuecode_protocol::time::{Epoch, UnixMinute};
use venuecode_protocol::{
    BatchBuilder, ChainHead, Checkpoint, CheckpointBody, Codec, DecryptionKey, ExposureBatch,
    ExposureWindow, GuestBookEntry, PublicKey, RiskLevel, SealedBundle, SealedMessage, Seed,
    SeedRelease, SigningKey, TrustAnchors, Upload, UploadEntry, VenueCode,
};

/// The message every record points at unless the tracer gives another.
pub const DEFAULT_MESSAGE: &str = "您曾与确诊病例在同一场所同一时段停留，请尽快进行核酸检测并留意症状。 \
You were at a venue at the same time as a confirmed case: please get tested and watch for symptoms.";

/// The HA's keys, as stored under `authority/`.
#[derive(Debug)]
pub struct HealthAuthority {
    /// Signs exposure batches and HA requests.
    pub signing: SigningKey,
    /// Opens uploads, guest-book entries and seed releases.
    pub decryption: DecryptionKey,
}

/// The RA's keys, as stored under `ra/`.
#[derive(Debug)]
pub struct RegistrationAuthority {
    /// Signs certificates and revocation lists (held by the server).
    pub signing: SigningKey,
    /// Signs disable requests.
    pub admin: SigningKey,
}

/// The server's default retention period in days (`venuecode server --retention-days`): batches
/// older than the period are no longer served, and the HA's checkpoint says so
/// (`retained_from`). The HA must use the server's value ([`HaChain::checkpoint`]).
pub const DEFAULT_RETENTION_DAYS: u32 = 14;

/// Seconds since the Unix epoch, from the system clock (signed requests always use it).
pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Sends a request signed with `key` (real clock) and returns the body of a 2xx answer.
pub fn send_signed(t: &dyn Transport, req: Request, key: &SigningKey) -> Result<Vec<u8>> {
    let resp = api::check(t.send(api::sign(req, key, now_seconds())?)?)?;
    Ok(api::read_body(resp, 512 * 1024 * 1024)?)
}

/// What a TAN of this purpose lets its holder do, for the tracer.
pub fn describe(purpose: UploadPurpose) -> &'static str {
    match purpose {
        UploadPurpose::Case => "a confirmed case shares her check-ins",
        UploadPurpose::GuestBook => "a venue discloses its guest book",
        UploadPurpose::Seeds => "a venue releases its rotating-code seeds",
    }
}

/// Makes `count` fresh TANs in canonical form: 16 Crockford base32 characters, the last a
/// check character (75 random bits); [`venuecode_client::tan::display`] groups them for people.
pub fn fresh_tans(count: usize) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(venuecode_client::tan::generate()?);
    }
    Ok(out)
}

/// One TAN the HA issued, as its ledger keeps it (keyed by the hex of its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedTan {
    /// `case`, `guestbook` or `seeds`.
    pub purpose: String,
    /// When it was issued (Unix seconds, real clock).
    pub issued_at: u64,
    /// When it expires (Unix seconds, real clock).
    pub expires_at: u64,
    /// Whether a case upload sealing it was processed.
    pub used: bool,
    /// The upload that used it: its id and the SHA-256 of its sealed bytes (hex). The same
    /// upload may be processed again (a second publish); any other is a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by: Option<(u64, String)>,
    /// When the HA cancelled it (Unix seconds, real clock; [`cancel_tan`]): an upload sealing
    /// it is never published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<u64>,
}

impl IssuedTan {
    /// Where it stands at `now` (Unix seconds), as far as the ledger knows: cancelled, used
    /// by a published upload, expired or unused. The server may know more
    /// ([`tan_status`]): an upload it stored but the HA has not published yet.
    pub fn state(&self, now: u64) -> TanState {
        if self.cancelled_at.is_some() {
            TanState::Cancelled
        } else if self.used {
            TanState::Used
        } else if now >= self.expires_at {
            TanState::Expired
        } else {
            TanState::Unused
        }
    }
}

/// Where a TAN stands ([`IssuedTan::state`], [`server_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TanState {
    /// Not used, not expired, not cancelled: it still authorises one upload.
    Unused,
    /// An upload used it.
    Used,
    /// Past its expiry, unused.
    Expired,
    /// The HA cancelled it.
    Cancelled,
}

impl TanState {
    /// `unused`, `used`, `expired` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unused => "unused",
            Self::Used => "used",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// How many hex digits of a TAN's hash name it for people ([`TanLedger::short_id`]).
pub const TAN_ID_LEN: usize = 10;

/// The fewest hex digits [`TanLedger::find`] takes, so that a slip of the keyboard does not
/// pick a TAN by chance.
pub const TAN_ID_MIN: usize = 6;

/// The TANs this HA issued (`authority tan`), by the hex of their hash: a case upload is
/// published only if the TAN sealed inside it is one of them, issued for a case and not used by
/// another upload. The server never learns a TAN (only its hash), so whoever controls it cannot
/// seal an upload the HA accepts.
///
/// Loaded read-only with [`AuthorityHome::tan_ledger`]; issued to, cancelled, used and saved
/// only as a [`Locked`] ledger ([`StateLock::tan_ledger`]).
#[derive(Debug)]
pub struct TanLedger {
    path: PathBuf,
    tans: BTreeMap<String, IssuedTan>,
}

impl TanLedger {
    /// Loads the ledger kept in `path` (empty if there is none yet).
    pub(crate) fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let tans = read_json(&path)?.unwrap_or_default();
        Ok(Self { path, tans })
    }

    /// The entry of a TAN hash, if this HA issued it.
    pub fn get(&self, hash: &[u8; 32]) -> Option<&IssuedTan> {
        self.tans.get(&hex::encode(hash))
    }

    /// The short id people see for a TAN: the first [`TAN_ID_LEN`] hex digits of its hash
    /// (the TAN itself is shown only when it is issued and kept nowhere).
    pub fn short_id(tan: &str) -> Result<String> {
        let hash = hex::encode(tan_hash(tan)?);
        Ok(hash.get(..TAN_ID_LEN).unwrap_or(&hash).to_owned())
    }

    /// Every TAN issued, by the hex of its hash, oldest issue first.
    pub fn entries(&self) -> Vec<(&str, &IssuedTan)> {
        let mut out: Vec<(&str, &IssuedTan)> =
            self.tans.iter().map(|(h, t)| (h.as_str(), t)).collect();
        out.sort_by(|a, b| (a.1.issued_at, a.0).cmp(&(b.1.issued_at, b.0)));
        out
    }

    /// The TAN named by `id`: a prefix of the hex of its hash ([`Self::short_id`], at least
    /// [`TAN_ID_MIN`] digits, any case), or the TAN itself (with or without its dashes).
    /// Returns the full hash hex and the entry. [`AuthorityError::TanIdUnknown`] when no TAN
    /// of this ledger matches, [`AuthorityError::TanIdAmbiguous`] when several do.
    pub fn find(&self, id: &str) -> Result<(String, IssuedTan)> {
        let id = id.trim();
        if let Ok(canonical) = venuecode_client::tan::normalize(id) {
            if let Ok(hash) = tan_hash(&canonical) {
                let hex = hex::encode(hash);
                if let Some(t) = self.tans.get(&hex) {
                    return Ok((hex, t.clone()));
                }
            }
        }
        let prefix = id.to_ascii_lowercase();
        if prefix.len() < TAN_ID_MIN || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AuthorityError::TanIdUnknown { id: id.to_owned() });
        }
        let mut found = self
            .tans
            .iter()
            .filter(|(h, _)| h.starts_with(&prefix))
            .map(|(h, t)| (h.clone(), t.clone()));
        match (found.next(), found.next()) {
            (None, _) => Err(AuthorityError::TanIdUnknown { id: id.to_owned() }),
            (Some(one), None) => Ok(one),
            (Some(a), Some(b)) => {
                let mut matches: Vec<String> = [a.0, b.0]
                    .into_iter()
                    .chain(found.map(|(h, _)| h))
                    .collect();
                matches.sort_unstable();
                Err(AuthorityError::TanIdAmbiguous {
                    id: id.to_owned(),
                    matches,
                })
            }
        }
    }

    /// Checks the TAN sealed inside case upload `id` (sealed bytes `bytes`): this HA issued it,
    /// for a case, and no other upload used it. Returns the ledger's entry; the error is the
    /// reason to report.
    pub fn check_case(&self, upload: &Upload, id: u64, bytes: &[u8]) -> Result<IssuedTan> {
        let hash = upload.tan_hash()?;
        let Some(issued) = self.get(&hash) else {
            return Err(AuthorityError::TanUnknown);
        };
        if issued.cancelled_at.is_some() {
            return Err(AuthorityError::TanCancelled);
        }
        if issued.purpose != UploadPurpose::Case.as_str() {
            return Err(AuthorityError::TanNotForCase {
                purpose: issued.purpose.clone(),
            });
        }
        if issued.used {
            let fingerprint = hex::encode(venuecode_protocol::hash::sha256(&[bytes]));
            match &issued.used_by {
                Some((by, fp)) if *by == id && *fp == fingerprint => {}
                Some((by, _)) => return Err(AuthorityError::TanReplayed { by: *by }),
                None => return Err(AuthorityError::TanUsed),
            }
        }
        Ok(issued.clone())
    }
}

impl Locked<'_, TanLedger> {
    /// Writes the ledger (mode 0600: it is the HA's own record).
    pub fn save(&self) -> Result<()> {
        write_json(&self.value.path, &self.value.tans)
    }

    /// Records newly issued TANs; [`Self::save`] writes them.
    pub fn issue(
        &mut self,
        tans: &[String],
        purpose: UploadPurpose,
        issued_at: u64,
        expires_at: u64,
    ) -> Result<()> {
        for tan in tans {
            self.value.tans.insert(
                hex::encode(tan_hash(tan)?),
                IssuedTan {
                    purpose: purpose.as_str().to_owned(),
                    issued_at,
                    expires_at,
                    used: false,
                    used_by: None,
                    cancelled_at: None,
                },
            );
        }
        Ok(())
    }

    /// Marks the TAN with hash hex `hash` cancelled at `at` (Unix seconds); [`Self::save`]
    /// writes it.
    pub fn mark_cancelled(&mut self, hash: &str, at: u64) -> Result<()> {
        let issued = self
            .value
            .tans
            .get_mut(hash)
            .ok_or_else(|| AuthorityError::TanIdUnknown {
                id: hash.to_owned(),
            })?;
        issued.cancelled_at.get_or_insert(at);
        Ok(())
    }

    /// Marks the TAN of case upload `id` used by it (call after [`TanLedger::check_case`]);
    /// [`Self::save`] writes it.
    pub fn mark_used(&mut self, upload: &Upload, id: u64, bytes: &[u8]) -> Result<()> {
        let key = hex::encode(upload.tan_hash()?);
        let issued = self
            .value
            .tans
            .get_mut(&key)
            .ok_or(AuthorityError::TanUnknown)?;
        issued.used = true;
        issued.used_by = Some((id, hex::encode(venuecode_protocol::hash::sha256(&[bytes]))));
        Ok(())
    }
}

/// The latest minute a case upload may claim a departure in, before the clock skew: the
/// earlier of the server's `received_at` and the expiry of the TAN this HA issued (both shifted
/// by `shift_seconds`, see [`received_minute`]). The server's time alone is not trusted.
pub fn claim_bound(received_at: u64, tan: &IssuedTan, shift_seconds: i64) -> UnixMinute {
    received_minute(received_at.min(tan.expires_at), shift_seconds)
}

/// Issues TANs: records them in the HA's ledger ([`TanLedger`], saved before anything is sent)
/// and registers their hashes with the server, valid for `valid_seconds`. The ledger is loaded
/// under the home's lock ([`StateLock::tan_ledger`]), held until this returns.
pub fn register_tans(
    t: &dyn Transport,
    ha: &HealthAuthority,
    ledger: &mut Locked<'_, TanLedger>,
    tans: &[String],
    purpose: UploadPurpose,
    valid_seconds: u64,
) -> Result<()> {
    let issued_at = now_seconds();
    let expires_at = issued_at + valid_seconds;
    ledger.issue(tans, purpose, issued_at, expires_at)?;
    ledger.save()?;
    let mut list = Vec::with_capacity(tans.len());
    for tan in tans {
        list.push(TanEntry {
            hash: hex::encode(tan_hash(tan)?),
            expires_at,
            purpose: purpose.as_str().to_owned(),
        });
    }
    // Strings and integers only: serialising cannot fail.
    let body = serde_json::to_vec(&TanRegistration { tans: list }).unwrap_or_default();
    send_signed(
        t,
        Request::post("/v1/tans", body, "application/json"),
        &ha.signing,
    )
    .map_err(AuthorityError::request("registering TANs"))?;
    Ok(())
}

/// The server's view of a TAN this HA registered (`GET /v1/tans/{hash}`); `None` when the
/// server does not hold it (never registered there, or purged after the retention period).
pub fn tan_status(
    t: &dyn Transport,
    ha: &HealthAuthority,
    hash: &str,
) -> Result<Option<venuecode_protocol::api::TanStatus>> {
    match send_signed(t, Request::get(format!("/v1/tans/{hash}")), &ha.signing) {
        Ok(body) => Ok(Some(parse_answer(&body, "TAN status")?)),
        Err(e) if e.server_code() == Some(&ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The state a TAN's server view gives ([`tan_status`]).
pub fn server_state(status: &venuecode_protocol::api::TanStatus, now: u64) -> TanState {
    if status.cancelled {
        TanState::Cancelled
    } else if status.used {
        TanState::Used
    } else if now >= status.expires_at {
        TanState::Expired
    } else {
        TanState::Unused
    }
}

/// Cancels the TAN this HA issued named by `id` ([`TanLedger::find`]): refuses one the ledger
/// knows as used or cancelled, asks the server to cancel it (`DELETE /v1/tans/{hash}`, so that
/// no upload can use it any more), then marks it cancelled in the ledger and saves it. Returns
/// the full hash hex. The server's refusals become [`AuthorityError::TanAlreadyUsed`] (an
/// upload used it) and [`AuthorityError::TanAlreadyCancelled`]; a TAN the server no longer
/// holds (purged) is marked cancelled in the ledger all the same. The ledger is loaded under
/// the home's lock ([`StateLock::tan_ledger`]).
pub fn cancel_tan(
    t: &dyn Transport,
    ha: &HealthAuthority,
    ledger: &mut Locked<'_, TanLedger>,
    id: &str,
) -> Result<String> {
    let (hash, issued) = ledger.find(id)?;
    let short = hash.get(..TAN_ID_LEN).unwrap_or(&hash).to_owned();
    if issued.cancelled_at.is_some() {
        return Err(AuthorityError::TanAlreadyCancelled { id: short });
    }
    if issued.used {
        return Err(AuthorityError::TanAlreadyUsed { id: short });
    }
    let req = Request {
        method: Method::Delete,
        path: format!("/v1/tans/{hash}"),
        headers: Vec::new(),
        body: Vec::new(),
        content_type: None,
    };
    match send_signed(t, req, &ha.signing) {
        Ok(_) => {}
        Err(AuthorityError::Client(venuecode_client::Error::TanUsed)) => {
            return Err(AuthorityError::TanAlreadyUsed { id: short })
        }
        // Cancelled on the server before (an earlier cancel whose ledger write failed), or
        // purged from it after the retention period: record it here too.
        Err(e)
            if matches!(
                e.server_code(),
                Some(ErrorCode::TanCancelled | ErrorCode::NotFound)
            ) => {}
        Err(e) => return Err(AuthorityError::request("cancelling the TAN")(e)),
    }
    ledger.mark_cancelled(&hash, now_seconds())?;
    ledger.save()?;
    Ok(hash)
}

/// One upload in the HA's mailbox: the server's listing entry (`GET /v1/uploads`).
pub use venuecode_protocol::api::UploadInfo;

/// The purpose of a listed upload, read.
pub trait ListedPurpose {
    /// The purpose the server lists the upload under; an unknown one is an error.
    fn purpose(&self) -> Result<UploadPurpose>;
}

impl ListedPurpose for UploadInfo {
    fn purpose(&self) -> Result<UploadPurpose> {
        UploadPurpose::parse(&self.purpose)
            .ok_or_else(|| AuthorityError::UnknownPurpose(self.purpose.clone()))
    }
}

/// Lists the mailbox.
pub fn list_uploads(t: &dyn Transport, ha: &HealthAuthority) -> Result<Vec<UploadInfo>> {
    let body = send_signed(t, Request::get("/v1/uploads"), &ha.signing)?;
    let listing: UploadListing = parse_answer(&body, "upload listing")?;
    Ok(listing.uploads)
}

/// Fetches one upload's bytes.
pub fn fetch_upload(t: &dyn Transport, ha: &HealthAuthority, id: u64) -> Result<Vec<u8>> {
    send_signed(t, Request::get(format!("/v1/uploads/{id}")), &ha.signing)
}

/// Deletes one upload.
pub fn delete_upload(t: &dyn Transport, ha: &HealthAuthority, id: u64) -> Result<()> {
    let req = Request {
        method: Method::Delete,
        path: format!("/v1/uploads/{id}"),
        headers: Vec::new(),
        body: Vec::new(),
        content_type: None,
    };
    send_signed(t, req, &ha.signing)?;
    Ok(())
}

/// What the HA can tell of an upload without publishing it ([`summarize_upload`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UploadSummary {
    /// A case's shared check-ins.
    Case {
        /// How many check-ins.
        entries: usize,
        /// The venues named in the check-ins' certificates, `(serial, name)`, in order, each
        /// once.
        venues: Vec<(u64, String)>,
    },
    /// A venue's guest-book entries (the entries name the venue by serial only).
    GuestBook {
        /// How many entries.
        entries: usize,
        /// The serials, each once.
        serials: Vec<u64>,
    },
    /// A venue's seed release. It names the venue by its key only, which the summary leaves
    /// out: a listing says what kind of upload each is, [`open_upload`] shows the key.
    Seeds {
        /// How many days of seeds.
        days: usize,
    },
    /// It does not decode or open with this HA's key.
    Unreadable {
        /// Why, in English (the error's text).
        reason: String,
        /// The error's code ([`AuthorityError::code`]).
        code: String,
        /// The error, for an app to word in its language (not serialized).
        #[serde(skip)]
        error: Option<Cause>,
    },
}

impl UploadSummary {
    /// The summary of an upload that could not be fetched, decoded or opened.
    pub fn unreadable(e: AuthorityError) -> Self {
        let cause = Cause::from(e);
        UploadSummary::Unreadable {
            reason: cause.to_string(),
            code: cause.code().to_owned(),
            error: Some(cause),
        }
    }
}

/// An [`AuthorityError`] kept to be worded later, shared so that what holds it can be cloned;
/// two are equal when their codes and texts are.
#[derive(Debug, Clone)]
pub struct Cause(std::sync::Arc<AuthorityError>);

impl From<AuthorityError> for Cause {
    fn from(e: AuthorityError) -> Self {
        Cause(std::sync::Arc::new(e))
    }
}

impl std::ops::Deref for Cause {
    type Target = AuthorityError;
    fn deref(&self) -> &AuthorityError {
        &self.0
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code() && self.to_string() == other.to_string()
    }
}

impl Eq for Cause {}

/// Opens an upload to say what it holds (venue names for a case), without checking or
/// publishing anything.
pub fn summarize_upload(ha: &HealthAuthority, info: &UploadInfo, bytes: &[u8]) -> UploadSummary {
    let opened = info
        .purpose()
        .and_then(|purpose| open_upload(ha, purpose, bytes));
    match opened {
        Ok(Opened::Case(upload)) => {
            let mut venues: Vec<(u64, String)> = Vec::new();
            for e in upload.entries() {
                let cert = e.code().certificate();
                if !venues.iter().any(|(s, _)| *s == cert.serial()) {
                    venues.push((cert.serial(), cert.info().name().to_owned()));
                }
            }
            UploadSummary::Case {
                entries: upload.entries().len(),
                venues,
            }
        }
        Ok(Opened::GuestBook(entries)) => {
            let mut serials: Vec<u64> = entries.iter().map(|g| g.venue_serial()).collect();
            serials.sort_unstable();
            serials.dedup();
            UploadSummary::GuestBook {
                entries: entries.len(),
                serials,
            }
        }
        Ok(Opened::Seeds { seeds, .. }) => UploadSummary::Seeds { days: seeds.len() },
        Err(e) => UploadSummary::unreadable(e),
    }
}

/// An opened upload.
#[derive(Debug)]
pub enum Opened {
    /// A case's shared check-ins, not yet checked one by one (see [`check_entry`]).
    Case(Upload),
    /// A venue's guest-book entries.
    GuestBook(Vec<GuestBookEntry>),
    /// A venue's released seeds, verified with the venue key inside the sealed release.
    Seeds {
        /// The venue key that signed the release: seeds are matched to traces by it. Seeds
        /// belong to the venue key, not to one certificate, so a venue that updated its
        /// information (a new serial) still releases the seeds its older codes carry. As bytes.
        venue_key: [u8; 32],
        /// The released seeds.
        seeds: Vec<(u32, Seed)>,
    },
}

/// Opens an upload the server lists under `purpose`: decodes it, opens the seal and, for a
/// seed release, verifies the venue's signature. The server's purpose is not trusted for case
/// uploads: a sealed message listed as `case` or `seeds` that opens as a case's upload is one
/// ([`Opened::Case`]), whatever the label. A case's upload is returned as shared: check its
/// sealed TAN with [`TanLedger::check_case`] and each entry with [`check_entry`] before using
/// it.
pub fn open_upload(ha: &HealthAuthority, purpose: UploadPurpose, bytes: &[u8]) -> Result<Opened> {
    match purpose {
        UploadPurpose::Case | UploadPurpose::Seeds => {
            let sealed = SealedMessage::decode(bytes).map_err(AuthorityError::UploadUndecodable)?;
            let as_case = Upload::open(&ha.decryption, &sealed);
            if purpose == UploadPurpose::Case || as_case.is_ok() {
                return Ok(Opened::Case(
                    as_case.map_err(AuthorityError::UploadUnopenable)?,
                ));
            }
            let release = SeedRelease::open(&ha.decryption, &sealed)
                .map_err(AuthorityError::SeedReleaseInvalid)?;
            Ok(Opened::Seeds {
                venue_key: *release.venue_key().as_bytes(),
                seeds: release
                    .seeds()
                    .iter()
                    .map(|(e, s)| (e.get(), s.clone()))
                    .collect(),
            })
        }
        UploadPurpose::GuestBook => {
            let bundle = SealedBundle::decode(bytes).map_err(AuthorityError::UploadUndecodable)?;
            let mut out = Vec::with_capacity(bundle.items().len());
            for item in bundle.items() {
                out.push(
                    GuestBookEntry::open(&ha.decryption, item)
                        .map_err(AuthorityError::UploadUnopenable)?,
                );
            }
            Ok(Opened::GuestBook(out))
        }
    }
}

/// Checks one shared check-in before it is published: the code's signatures (a genuine
/// certificate and a seed signed by its venue key) and the claim itself against the minute
/// the upload arrived (`UploadEntry::check_claim`): at most 720 minutes, not after the upload,
/// and within a rotating code's display window or a static code's certificate validity.
pub fn check_entry(e: &UploadEntry, anchors: &TrustAnchors, received_at: UnixMinute) -> Result<()> {
    e.code()
        .verify_signatures(anchors)
        .map_err(AuthorityError::CodeInvalid)?;
    e.check_claim(received_at)
        .map_err(|reason| AuthorityError::ClaimInvalid {
            reason,
            minutes: e.departure().saturating_since(e.arrival()),
            arrival: e.arrival().get(),
            received_at: received_at.get(),
        })
}

/// The minute an upload arrived, from the server's `received_at` (Unix seconds), shifted by
/// `shift_seconds` (non-zero only when `--now` pretends another time, so a drill's times and
/// the server's stay on one timeline).
pub fn received_minute(received_at: u64, shift_seconds: i64) -> UnixMinute {
    let shifted = i64::try_from(received_at)
        .unwrap_or(i64::MAX)
        .saturating_add(shift_seconds)
        .max(0);
    UnixMinute::new(u32::try_from(shifted / 60).unwrap_or(u32::MAX))
}

/// One stay the tracer decided to publish, per venue code.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The code the case scanned (its certificate names the venue and its key).
    pub code: VenueCode,
    /// Window start.
    pub start: UnixMinute,
    /// Window end.
    pub end: UnixMinute,
}

impl Trace {
    /// The venue's serial, as in the code the case scanned.
    pub fn serial(&self) -> u64 {
        self.code.certificate().serial()
    }

    /// The venue's name.
    pub fn venue_name(&self) -> &str {
        self.code.certificate().info().name()
    }

    /// The venue key of the code's certificate: tokens derive from it, and seed releases are
    /// matched on it.
    pub fn venue_key(&self) -> PublicKey {
        self.code.certificate().body().venue_key
    }
}

/// What a publication covers and what it could not.
#[derive(Debug, Default)]
pub struct Plan {
    /// Windows to publish.
    pub windows: Vec<ExposureWindow>,
    /// `(serial, venue name, epoch)` of rotating seeds needed but not released: visitors who
    /// scanned that venue on that (venue-local) day cannot be notified.
    pub missing_seeds: Vec<(u64, String, u32)>,
    /// Traces that could not be planned, with the reason.
    pub refused: Vec<(u64, venuecode_protocol::Error)>,
}

/// Seeds released by venues: venue key → venue-local epoch → seed.
pub type Released = BTreeMap<[u8; 32], BTreeMap<u32, Seed>>;

/// Turns traces into windows with the protocol's `plan_trace`: a static code needs only its
/// seed; a rotating code needs the seeds of every local day a visitor present could have
/// scanned on. The scanned day's seed comes with the upload; the others from the venue's seed
/// release, found by the venue key of the scanned code (whatever serial it was released under).
pub fn plan(traces: &[Trace], released: &Released, risk: RiskLevel) -> Plan {
    let mut plan = Plan::default();
    let none = BTreeMap::new();
    for tr in traces {
        let seeds: BTreeMap<Epoch, Seed> = released
            .get(tr.venue_key().as_bytes())
            .unwrap_or(&none)
            .iter()
            .map(|(e, s)| (Epoch::new(*e), s.clone()))
            .collect();
        match plan_trace(&tr.code, tr.start, tr.end, &seeds) {
            Ok(p) => {
                plan.windows.extend(p.windows(risk, 0));
                for e in p.missing_epochs {
                    plan.missing_seeds
                        .push((tr.serial(), tr.venue_name().to_owned(), e.get()));
                }
            }
            Err(e) => plan.refused.push((tr.serial(), e)),
        }
    }
    plan
}

/// Replaces the shared stays of every venue named in `chosen` with the chosen windows, using
/// the code the case scanned there.
pub fn apply_chosen_windows(
    traces: Vec<Trace>,
    chosen: &[(u64, UnixMinute, UnixMinute)],
) -> Result<Vec<Trace>> {
    if chosen.is_empty() {
        return Ok(traces);
    }
    let mut out: Vec<Trace> = traces
        .iter()
        .filter(|t| !chosen.iter().any(|(s, _, _)| *s == t.serial()))
        .cloned()
        .collect();
    for (serial, start, end) in chosen {
        if end <= start {
            return Err(AuthorityError::EmptyWindow { serial: *serial });
        }
        // One trace per distinct code seed the case scanned at that venue (a rotating venue
        // may have several days' seeds).
        let mut matched = false;
        let mut seen: Vec<&Seed> = Vec::new();
        for t in traces.iter().filter(|t| t.serial() == *serial) {
            if seen.contains(&t.code.seed()) {
                continue;
            }
            seen.push(t.code.seed());
            matched = true;
            out.push(Trace {
                start: *start,
                end: *end,
                ..t.clone()
            });
        }
        if !matched {
            return Err(AuthorityError::NoCheckInAtVenue { serial: *serial });
        }
    }
    Ok(out)
}

/// One published batch in the HA's ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The batch's sequence.
    pub sequence: u64,
    /// Its link, hex.
    pub link: String,
    /// When it was created (Unix minute).
    pub created_at: UnixMinute,
}

/// The HA's own record of its batch chain, kept in [`CHAIN_FILE`](home::CHAIN_FILE): the head,
/// the published batches (for the checkpoint's retained range) and every batch id ever used
/// (never reused).
///
/// Loaded read-only with [`AuthorityHome::chain`] (its head, a checkpoint of it); batches are
/// posted on it, and it is saved, only as a [`Locked`] chain ([`StateLock::chain`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HaChain {
    /// Sequence of the latest published batch (0: none).
    pub sequence: u64,
    /// Its link, hex (zeros when none).
    pub link: String,
    /// Published batches.
    pub ledger: Vec<LedgerEntry>,
    /// Every batch id used, hex.
    pub batch_ids: Vec<String>,
    #[serde(skip)]
    path: PathBuf,
    #[serde(skip)]
    pending: PathBuf,
}

impl HaChain {
    /// Loads the chain kept in `path` (a new HA starts at the genesis head); a batch signed
    /// but not yet known to be stored by the server is kept in `pending`.
    pub(crate) fn load(path: impl Into<PathBuf>, pending: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let mut chain: Self = read_json(&path)?.unwrap_or_else(|| Self {
            link: hex::encode([0u8; 32]),
            ..Self::default()
        });
        chain.path = path;
        chain.pending = pending.into();
        chain.head()?;
        Ok(chain)
    }

    /// The head: the latest published batch.
    pub fn head(&self) -> Result<ChainHead> {
        let head = ChainHead {
            sequence: self.sequence,
            link: hex32(&self.link).map_err(|reason| AuthorityError::Corrupt {
                path: self.path.clone(),
                reason: format!("link: {reason}"),
            })?,
        };
        head.check()?;
        Ok(head)
    }

    fn ledger(&self) -> Result<Vec<(u64, [u8; 32], UnixMinute)>> {
        self.ledger
            .iter()
            .map(|e| {
                let link = hex32(&e.link).map_err(|reason| AuthorityError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("ledger: {reason}"),
                })?;
                Ok((e.sequence, link, e.created_at))
            })
            .collect()
    }

    /// A builder for the next batch (`BatchBuilder` after the head), with a fresh random batch
    /// id this HA never used.
    pub fn next_builder(&self, created_at: UnixMinute, message: &str) -> Result<BatchBuilder> {
        loop {
            let id: [u8; 16] = venuecode_protocol::rand::random_array()?;
            if !self.batch_ids.contains(&hex::encode(id)) {
                return Ok(BatchBuilder::with_id(
                    self.head()?,
                    id,
                    created_at,
                    vec![message.to_owned()],
                )?);
            }
        }
    }
}

/// Refuses, with [`AuthorityError::RetentionMismatch`], when the server says (`GET
/// /v1/authority`, `retention_days`) that it keeps batches for another period than
/// `retention_days`: a checkpoint declaring a shorter period makes phones skip batches still
/// served (and miss their exposures), a longer one makes them warn that batches are withheld.
/// The server's value is never taken in place of the HA's own (a server that lied about a
/// shorter period could then make phones skip batches); a server that does not say its period
/// (older than this field) is not checked.
pub fn check_server_retention(t: &dyn Transport, retention_days: u32) -> Result<()> {
    let info: AuthorityInfo = (|| {
        let resp = api::check(t.send(Request::get("/v1/authority"))?)?;
        parse_answer(&api::read_body(resp, 64 * 1024)?, "authority information")
    })()
    .map_err(AuthorityError::request(
        "asking the server for its retention period",
    ))?;
    match info.retention_days {
        Some(server) if server != retention_days => Err(AuthorityError::RetentionMismatch {
            ours: retention_days,
            server,
        }),
        _ => Ok(()),
    }
}

impl Locked<'_, HaChain> {
    /// Signs a checkpoint of the current head at `now`, with the retained range from the
    /// ledger, and posts it. `retention_days` is the server's retention period (its
    /// `--retention-days`): batches published before it are declared no longer served. A
    /// shorter period than the server's makes phones skip batches the server still serves
    /// (missing their exposures); a longer one makes them warn that batches are withheld.
    ///
    /// It first asks the server for its period ([`check_server_retention`]) and posts nothing
    /// when the two differ. Under the state lock ([`StateLock::chain`]): a checkpoint of a head
    /// read while another caller publishes would declare the head before that caller's batch.
    pub fn checkpoint(
        &self,
        t: &dyn Transport,
        ha: &HealthAuthority,
        now: UnixMinute,
        retention_days: u32,
    ) -> Result<Checkpoint> {
        check_server_retention(t, retention_days)?;
        self.post_checkpoint(t, ha, now, retention_days)
    }

    /// [`Self::checkpoint`] once the server's retention period is known to be the same
    /// (publish checks it before it posts anything).
    fn post_checkpoint(
        &self,
        t: &dyn Transport,
        ha: &HealthAuthority,
        now: UnixMinute,
        retention_days: u32,
    ) -> Result<Checkpoint> {
        let retention = retention_days.saturating_mul(1440);
        let retained = retained_range(&self.ledger()?, now.saturating_sub(retention))?;
        let cp = Checkpoint::sign(
            CheckpointBody::new(ha.signing.key_id(), now, self.head()?, retained),
            &ha.signing,
        )?;
        send_signed(
            t,
            Request::post("/v1/checkpoints", cp.encode(), "application/octet-stream"),
            &ha.signing,
        )
        .map_err(AuthorityError::request("posting the checkpoint"))?;
        Ok(cp)
    }

    fn save(&self) -> Result<()> {
        write_json(&self.value.path, &self.value)
    }

    fn record(&mut self, batch: &ExposureBatch) -> Result<()> {
        let h = batch.header().header();
        let head = batch.chain_head();
        let chain = &mut self.value;
        chain.sequence = head.sequence;
        chain.link = hex::encode(head.link);
        chain.ledger.push(LedgerEntry {
            sequence: head.sequence,
            link: chain.link.clone(),
            created_at: h.created_at,
        });
        let id = hex::encode(h.batch_id);
        if !chain.batch_ids.contains(&id) {
            chain.batch_ids.push(id);
        }
        self.save()
    }

    /// Posts a batch that extends this chain: written to
    /// [`PENDING_BATCH_FILE`](home::PENDING_BATCH_FILE) first, so a batch the server stored
    /// while the answer was lost is posted again (answered `duplicate`) rather than replaced by
    /// another batch of the same sequence; then records it in the chain and saves it.
    pub fn post(
        &mut self,
        t: &dyn Transport,
        ha: &HealthAuthority,
        batch: &ExposureBatch,
    ) -> Result<u64> {
        let head = self.head()?;
        let h = batch.header().header();
        if h.sequence != head.sequence + 1 || h.previous != head.link {
            return Err(AuthorityError::ChainMismatch);
        }
        write_atomic(&self.value.pending, &batch.encode(), true)
            .map_err(AuthorityError::file(&self.value.pending))?;
        match post_batch(t, ha, batch) {
            Ok(_) => {}
            Err(e) if e.server_code() == Some(&ErrorCode::Duplicate) => {}
            Err(e) => {
                return Err(AuthorityError::BatchKeptPending {
                    path: self.value.pending.clone(),
                    source: Box::new(e),
                })
            }
        }
        self.record(batch)?;
        let _ = std::fs::remove_file(&self.value.pending);
        Ok(h.sequence)
    }

    /// Posts a batch left pending by an interrupted publish, if any; its sequence.
    pub fn post_pending(&mut self, t: &dyn Transport, ha: &HealthAuthority) -> Result<Option<u64>> {
        let bytes = match std::fs::read(&self.value.pending) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(AuthorityError::file(&self.value.pending)(e)),
        };
        let batch = ExposureBatch::decode(&bytes).map_err(|e| AuthorityError::Corrupt {
            path: self.value.pending.clone(),
            reason: e.to_string(),
        })?;
        let head = self.head()?;
        if batch.header().header().sequence <= head.sequence {
            // Recorded already: the file outlived its post.
            let _ = std::fs::remove_file(&self.value.pending);
            return Ok(None);
        }
        self.post(t, ha, &batch).map(Some)
    }
}

/// Posts a batch; returns its sequence number.
pub fn post_batch(t: &dyn Transport, ha: &HealthAuthority, batch: &ExposureBatch) -> Result<u64> {
    let body = send_signed(
        t,
        Request::post("/v1/batches", batch.encode(), "application/octet-stream"),
        &ha.signing,
    )?;
    let posted: BatchStored = parse_answer(&body, "batch response")?;
    Ok(posted.sequence)
}

/// Disables a venue's code with the RA administrator key. `Ok(false)` when the certificate
/// was revoked already (disabled before, deactivated by its venue or replaced by an update):
/// nothing changes, and disabling twice is not an error.
pub fn disable(t: &dyn Transport, admin: &SigningKey, serial: u64) -> Result<bool> {
    let req = Request::post(
        format!("/v1/admin/venues/{serial}/disable"),
        Vec::new(),
        "application/octet-stream",
    );
    match send_signed(t, req, admin) {
        Ok(_) => Ok(true),
        Err(e) if e.server_code() == Some(&ErrorCode::Revoked) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The current certificate of serial `serial` (`GET /v1/venues/{serial}`), to show the
/// person what a command is about to act on; `None` when the server has no such serial.
pub fn venue_certificate(
    t: &dyn Transport,
    serial: u64,
) -> Result<Option<venuecode_protocol::VenueCertificate>> {
    let resp = match api::check(t.send(Request::get(format!("/v1/venues/{serial}")))?) {
        Ok(r) => r,
        Err(venuecode_client::Error::Server {
            code: ErrorCode::NotFound,
            ..
        }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let body = api::read_body(resp, 64 * 1024)?;
    venuecode_protocol::VenueCertificate::decode(&body)
        .map(Some)
        .map_err(|e| AuthorityError::BadAnswer {
            what: "certificate",
            reason: e.to_string(),
        })
}

pub use venuecode_protocol::api::VenueMatch;

/// The current certificates whose name holds `name` (`GET /v1/admin/venues?name=`, compared
/// in NFC without case by the server), in serial order, following the server's pages to the
/// last. Stops early once it has found more than `most`, so the caller can ask the person to
/// narrow the name; the answer then holds `most + 1` matches.
pub fn find_venues(
    t: &dyn Transport,
    admin: &SigningKey,
    name: &str,
    most: usize,
) -> Result<Vec<VenueMatch>> {
    let encoded: String = form_urlencoded::byte_serialize(name.trim().as_bytes()).collect();
    let mut found = Vec::new();
    let mut after = 0u64;
    loop {
        let path = format!("/v1/admin/venues?name={encoded}&after={after}");
        let body = send_signed(t, Request::get(path), admin)?;
        let page: VenueSearch = parse_answer(&body, "venue search")?;
        found.extend(page.venues);
        if found.len() > most {
            found.truncate(most.saturating_add(1));
            return Ok(found);
        }
        match page.next {
            // The server's cursor only moves forward; one that does not would loop forever.
            Some(next) if next > after => after = next,
            _ => return Ok(found),
        }
    }
}

/// The registrations waiting for review (`GET /v1/admin/registrations`), as the server lists
/// them.
pub fn pending_registrations(
    t: &dyn Transport,
    admin: &SigningKey,
) -> Result<PendingRegistrations> {
    let body = send_signed(t, Request::get("/v1/admin/registrations"), admin)?;
    parse_answer(&body, "registrations")
}

/// Approves a registration held for review; returns the serial of the certificate issued.
pub fn approve_registration(t: &dyn Transport, admin: &SigningKey, id: u64) -> Result<u64> {
    let req = Request::post(
        format!("/v1/admin/registrations/{id}/approve"),
        Vec::new(),
        "application/octet-stream",
    );
    let body = send_signed(t, req, admin)?;
    let cert = venuecode_protocol::VenueCertificate::decode(&body).map_err(|e| {
        AuthorityError::BadAnswer {
            what: "certificate",
            reason: e.to_string(),
        }
    })?;
    Ok(cert.serial())
}

/// Refuses a registration held for review.
pub fn refuse_registration(t: &dyn Transport, admin: &SigningKey, id: u64) -> Result<()> {
    let req = Request::post(
        format!("/v1/admin/registrations/{id}/refuse"),
        Vec::new(),
        "application/octet-stream",
    );
    send_signed(t, req, admin)?;
    Ok(())
}

/// Fetches a statistics document (`venues`, `exposures` or `counts`), following its pages (the
/// server answers at most 1,000 rows a page and names the next with `next`) into one document.
pub fn stats(t: &dyn Transport, which: &str) -> Result<serde_json::Value> {
    let mut doc: Option<serde_json::Value> = None;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/stats/{which}?limit=1000&after={a}"),
            None => format!("/v1/stats/{which}?limit=1000"),
        };
        let resp = api::check(t.send(Request::get(path))?)?;
        let body = api::read_body(resp, 1024 * 1024)?;
        let mut page: serde_json::Value = parse_answer(&body, "statistics")?;
        let next = page
            .get("next")
            .and_then(|n| n.as_str())
            .filter(|n| Some(*n) != after.as_deref())
            .map(str::to_owned);
        if let Some(obj) = page.as_object_mut() {
            obj.remove("next");
        }
        match (&mut doc, page) {
            (Some(serde_json::Value::Object(acc)), serde_json::Value::Object(more)) => {
                for (k, v) in more {
                    if let (Some(serde_json::Value::Array(rows)), serde_json::Value::Array(v)) =
                        (acc.get_mut(&k), v)
                    {
                        rows.extend(v);
                    }
                }
            }
            (d, page) => *d = Some(page),
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(doc.unwrap_or(serde_json::Value::Null))
}

/// An upload or a shared check-in the publication left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The upload.
    pub upload: u64,
    /// The check-in within it (0-based), or `None` for the whole upload.
    pub entry: Option<usize>,
    /// The venue of that check-in: its name and certificate serial.
    pub venue: Option<(String, u64)>,
    /// Why.
    pub reason: Cause,
}

impl Skipped {
    /// Why, in English: `name (serial 7): reason` for a check-in, the reason for an upload.
    pub fn reason_text(&self) -> String {
        match &self.venue {
            Some((name, serial)) => format!("{name} (serial {serial}): {}", self.reason),
            None => self.reason.to_string(),
        }
    }

    /// The code of why ([`AuthorityError::code`]).
    pub fn code(&self) -> &str {
        self.reason.code()
    }
}

/// What a publication did.
#[derive(Debug)]
pub struct Published {
    /// The batch's sequence number (the HA's chain).
    pub sequence: u64,
    /// Records in the batch.
    pub records: usize,
    /// Stays the records cover.
    pub stays: usize,
    /// The case uploads it used.
    pub used_uploads: Vec<u64>,
    /// Rotating seeds that were needed but not released.
    pub missing_seeds: Vec<(u64, String, u32)>,
    /// Uploads and check-ins left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// Fingerprints of the windows this batch published, to add to the ledger.
    pub fingerprints: Vec<[u8; 32]>,
    /// The checkpoint posted after the batch.
    pub checkpoint: Checkpoint,
}

/// A window's identity for the publication ledger: SHA-256 over a label, the venue key, the
/// seed, start and end. The ledger lets a second `publish` add only what is new (another case,
/// a seed the venue released since) instead of republishing every upload still in the mailbox.
pub fn window_fingerprint(w: &ExposureWindow) -> [u8; 32] {
    venuecode_protocol::hash::sha256(&[
        b"venuecode-cli/v2/published-window",
        w.venue_key.as_bytes(),
        w.seed.expose(),
        &w.start.get().to_be_bytes(),
        &w.end.get().to_be_bytes(),
    ])
}

/// The windows this authority published, by [`window_fingerprint`], kept in a file (a JSON
/// array of hex strings, mode 0600: like its keys, it is the authority's own record). A second
/// publication leaves out what is in it, so that it adds only what is new.
///
/// Loaded read-only with [`AuthorityHome::publish_ledger`]; recorded in and saved only as a
/// [`Locked`] ledger ([`StateLock::publish_ledger`]).
#[derive(Debug)]
pub struct PublishLedger {
    path: PathBuf,
    windows: HashSet<[u8; 32]>,
}

impl PublishLedger {
    /// Loads the ledger kept in `path` (empty if there is none yet).
    pub(crate) fn load(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let list: Vec<String> = read_json(&path)?.unwrap_or_default();
        let windows = list
            .iter()
            .map(|h| {
                hex32(h).map_err(|reason| AuthorityError::Corrupt {
                    path: path.clone(),
                    reason,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self { path, windows })
    }

    /// The fingerprints of the windows published.
    pub fn windows(&self) -> &HashSet<[u8; 32]> {
        &self.windows
    }
}

impl Locked<'_, PublishLedger> {
    /// Records windows a publication added ([`Published::fingerprints`]); [`Self::save`]
    /// writes them.
    pub fn record(&mut self, fingerprints: &[[u8; 32]]) {
        self.value.windows.extend(fingerprints.iter().copied());
    }

    /// Writes the ledger atomically, sorted, mode 0600.
    pub fn save(&self) -> Result<()> {
        let mut list: Vec<String> = self.value.windows.iter().map(hex::encode).collect();
        list.sort_unstable();
        let json = serde_json::Value::from(list).to_string();
        let path = &self.value.path;
        write_atomic(path, json.as_bytes(), true).map_err(AuthorityError::file(path))
    }
}

/// The mailbox publication's inputs besides the transport and keys.
#[derive(Debug, Clone)]
pub struct PublishRequest<'a> {
    /// Case upload ids to publish (empty: every case upload).
    pub ids: &'a [u64],
    /// Windows the tracer chose: `(serial, start, end)`.
    pub windows: &'a [(u64, UnixMinute, UnixMinute)],
    /// Risk level of the records.
    pub risk: RiskLevel,
    /// The message phones show.
    pub message: &'a str,
    /// The batch's creation minute and the checkpoint's.
    pub now: UnixMinute,
    /// Added to the server's `received_at` seconds (see [`received_minute`]).
    pub received_shift_seconds: i64,
    /// The server's retention period in days, for the checkpoint ([`HaChain::checkpoint`]).
    pub retention_days: u32,
}

/// What [`publish_mailbox`] is doing, as it goes: the caller words each event (in its own
/// language) for the tracer watching a long publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishEvent<'a> {
    /// A batch an interrupted publication left pending was posted first.
    PostedPending {
        /// Its sequence number.
        sequence: u64,
    },
    /// An upload is fetched and opened.
    Opening {
        /// The upload's id.
        upload: u64,
        /// Its purpose as the mailbox lists it (`case`, `seeds`).
        purpose: &'a str,
    },
    /// An upload, or one check-in of it, is left out (also in [`Published::skipped`]).
    Skipped(&'a Skipped),
    /// A shared stay could not be planned and is left out.
    StayRefused {
        /// The venue's certificate serial.
        serial: u64,
        /// Why.
        reason: venuecode_protocol::Error,
    },
    /// Records are derived and sealed for the windows not published before.
    Sealing {
        /// New windows.
        windows: usize,
        /// Windows left out because an earlier publication published them.
        published_before: usize,
    },
    /// The batch builder refused a window, which is left out.
    WindowRefused {
        /// The window's start.
        start: UnixMinute,
        /// Its end.
        end: UnixMinute,
        /// Why.
        reason: venuecode_protocol::Error,
    },
    /// The batch is signed and about to be posted.
    Signed {
        /// Its sequence number.
        sequence: u64,
        /// Its records.
        records: usize,
    },
    /// The batch and a fresh checkpoint at it were posted.
    CheckpointPosted {
        /// The batch's sequence number.
        sequence: u64,
    },
}

/// Records an upload, or one check-in of it (`entry`), left out of a publish, and says so.
fn skip(
    skipped: &mut Vec<Skipped>,
    progress: &mut dyn FnMut(PublishEvent<'_>),
    upload: u64,
    entry: Option<(usize, &UploadEntry)>,
    reason: AuthorityError,
) {
    let s = Skipped {
        upload,
        entry: entry.map(|(i, _)| i),
        venue: entry.map(|(_, e)| {
            let cert = e.code().certificate();
            (cert.info().name().to_owned(), cert.serial())
        }),
        reason: Cause::from(reason),
    };
    progress(PublishEvent::Skipped(&s));
    skipped.push(s);
}

/// Opens the mailbox's case uploads (all, or those in `ids`) and every seed release, each on
/// its own: an upload that does not decode or open, a case upload whose sealed TAN this HA did
/// not issue for a case or that another upload already used ([`TanLedger::check_case`]), and a
/// check-in that fails [`check_entry`] (its departure bounded by [`claim_bound`]) are reported
/// ([`PublishEvent::Skipped`] and [`Published::skipped`]) and left out, and the rest is
/// published; `progress` hears each step ([`PublishEvent`]). The TAN
/// of each case upload that passes is marked used in `tans` (saved before the batch is
/// posted). Plans the windows, signs the next batch of the HA's chain, posts it,
/// then signs and posts a fresh checkpoint.
///
/// `windows`, when not empty, are the windows the tracer chose: `(serial, start, end)`; the
/// stays a case shared at a venue listed there are replaced by these windows (a venue not listed
/// keeps the shared stays).
///
/// `chain` and `tans` are loaded under the home's lock ([`StateLock::chain`],
/// [`StateLock::tan_ledger`]), and so should `published` be (from [`StateLock::publish_ledger`],
/// recording [`Published::fingerprints`] in it before the lock is let go).
#[allow(clippy::too_many_arguments)]
pub fn publish_mailbox(
    t: &dyn Transport,
    ha: &HealthAuthority,
    anchors: &TrustAnchors,
    chain: &mut Locked<'_, HaChain>,
    req: &PublishRequest<'_>,
    published: &HashSet<[u8; 32]>,
    tans: &mut Locked<'_, TanLedger>,
    progress: &mut dyn FnMut(PublishEvent<'_>),
) -> Result<Published> {
    // Before anything is posted: a batch posted without its checkpoint would wait for the next.
    check_server_retention(t, req.retention_days)?;
    let list = list_uploads(t, ha)?;
    let mut missing: Vec<u64> = req
        .ids
        .iter()
        .copied()
        .filter(|id| !list.iter().any(|u| u.id == *id))
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        missing.dedup();
        return Err(AuthorityError::UploadsMissing { ids: missing });
    }
    if let Some(seq) = chain.post_pending(t, ha)? {
        progress(PublishEvent::PostedPending { sequence: seq });
    }
    let mut traces = Vec::new();
    let mut released = Released::new();
    let mut used = Vec::new();
    let mut skipped = Vec::new();
    for info in &list {
        let purpose = match info.purpose() {
            Ok(p @ UploadPurpose::Case) if req.ids.is_empty() || req.ids.contains(&info.id) => p,
            Ok(p @ UploadPurpose::Seeds) => p,
            _ => continue,
        };
        progress(PublishEvent::Opening {
            upload: info.id,
            purpose: &info.purpose,
        });
        let opened = fetch_upload(t, ha, info.id)
            .and_then(|bytes| Ok((open_upload(ha, purpose, &bytes)?, bytes)));
        let (opened, bytes) = match opened {
            Ok(o) => o,
            Err(e) => {
                skip(&mut skipped, progress, info.id, None, e);
                continue;
            }
        };
        match opened {
            Opened::Case(upload) => {
                // Listed as `seeds` but a case's upload: only if the tracer asked for it.
                if !(req.ids.is_empty() || req.ids.contains(&info.id)) {
                    continue;
                }
                let issued = match tans.check_case(&upload, info.id, &bytes) {
                    Ok(issued) => issued,
                    Err(e) => {
                        skip(&mut skipped, progress, info.id, None, e);
                        continue;
                    }
                };
                tans.mark_used(&upload, info.id, &bytes)?;
                let received = claim_bound(info.received_at, &issued, req.received_shift_seconds);
                let mut any = false;
                for (i, e) in upload.entries().iter().enumerate() {
                    if let Err(err) = check_entry(e, anchors, received) {
                        skip(&mut skipped, progress, info.id, Some((i, e)), err);
                        continue;
                    }
                    any = true;
                    traces.push(Trace {
                        code: e.code().clone(),
                        start: e.arrival(),
                        end: e.departure(),
                    });
                }
                if any {
                    used.push(info.id);
                }
            }
            Opened::Seeds { venue_key, seeds } => {
                released.entry(venue_key).or_default().extend(seeds);
            }
            Opened::GuestBook(_) => {}
        }
    }
    tans.save()?;
    if traces.is_empty() {
        return Err(AuthorityError::NothingToPublish {
            skipped: skipped.len(),
        });
    }
    let traces = apply_chosen_windows(traces, req.windows)?;
    let mut plan = plan(&traces, &released, req.risk);
    for (serial, reason) in &plan.refused {
        progress(PublishEvent::StayRefused {
            serial: *serial,
            reason: *reason,
        });
    }
    let before = plan.windows.len();
    plan.windows
        .retain(|w| !published.contains(&window_fingerprint(w)));
    if plan.windows.is_empty() {
        return Err(AuthorityError::NothingNew { windows: before });
    }
    progress(PublishEvent::Sealing {
        windows: plan.windows.len(),
        published_before: before - plan.windows.len(),
    });
    let mut b = chain.next_builder(req.now, req.message)?;
    let mut added = Vec::new();
    for w in &plan.windows {
        match b.add(w) {
            Ok(()) => added.push(window_fingerprint(w)),
            Err(e) => progress(PublishEvent::WindowRefused {
                start: w.start,
                end: w.end,
                reason: e,
            }),
        }
    }
    if added.is_empty() {
        return Err(AuthorityError::AllWindowsRefused);
    }
    let batch = b.sign(&ha.signing)?;
    let records = batch.records().len();
    progress(PublishEvent::Signed {
        sequence: batch.header().header().sequence,
        records,
    });
    let sequence = chain.post(t, ha, &batch)?;
    // The server's retention period was checked before anything was posted.
    let checkpoint = chain.post_checkpoint(t, ha, req.now, req.retention_days)?;
    progress(PublishEvent::CheckpointPosted { sequence });
    Ok(Published {
        sequence,
        records,
        stays: traces.len(),
        used_uploads: used,
        missing_seeds: plan.missing_seeds,
        skipped,
        fingerprints: added,
        checkpoint,
    })
}

/// Parses a JSON answer of the server.
fn parse_answer<T: serde::de::DeserializeOwned>(body: &[u8], what: &'static str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| AuthorityError::BadAnswer {
        what,
        reason: e.to_string(),
    })
}

/// 32 bytes from 64 hex digits.
fn hex32(s: &str) -> core::result::Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).map_err(|_| format!("`{s}` is not 64 hex digits"))?;
    Ok(out)
}

/// Reads a JSON state file; `None` when there is none yet.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| AuthorityError::Corrupt {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AuthorityError::file(path)(e)),
    }
}

/// Writes a JSON state file atomically, mode 0600 (it is the authority's own record).
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| AuthorityError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_atomic(path, &json, true).map_err(AuthorityError::file(path))
}

/// Writes `contents` to `path` atomically: a temporary file beside it, synced, then renamed
/// over it, so an interrupted write never leaves half a file. `secret` files get mode 0600 from
/// their creation (and a stale temporary file is narrowed before it is written).
pub fn write_atomic(path: &Path, contents: &[u8], secret: bool) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} has no parent folder", path.display()),
        )
    })?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(contents)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::{
        CertificateBody, MasterSeed, RegionCode, VenueCategory, VenueCertificate, VenueInfo,
    };

    fn certificate(n: u8, serial: u64) -> (VenueCertificate, SigningKey) {
        let ra = SigningKey::from_seed(&[0xA0; 32]).unwrap();
        let key = SigningKey::from_seed(&[n; 32]).unwrap();
        let info = VenueInfo::new(
            &format!("venue {serial}"),
            "甘肃省兰州市安宁区北滨河西路1号",
            RegionCode::new(620105).unwrap(),
            VenueCategory::RESTAURANT,
            60,
            0,
        )
        .unwrap();
        let body = CertificateBody {
            ra_key_id: ra.key_id(),
            serial,
            venue_key: key.public_key(),
            info,
            valid_from: UnixMinute::new(0),
            valid_until: UnixMinute::new(u32::MAX / 2),
        };
        (VenueCertificate::sign(body, &ra).unwrap(), key)
    }

    fn trace(serial: u64, n: u8, start: u32, end: u32) -> Trace {
        let (cert, key) = certificate(n, serial);
        let code = VenueCode::new_static(cert, &MasterSeed::from_bytes([n; 32]), &key).unwrap();
        Trace {
            code,
            start: UnixMinute::new(start),
            end: UnixMinute::new(end),
        }
    }

    #[test]
    fn chosen_windows_replace_the_shared_stays_of_their_venue_only() {
        let traces = vec![trace(1, 1, 100, 200), trace(2, 2, 300, 400)];
        let m = UnixMinute::new;
        let out = apply_chosen_windows(traces.clone(), &[(1, m(120), m(150))]).unwrap();
        let mut got: Vec<(u64, u32, u32)> = out
            .iter()
            .map(|t| (t.serial(), t.start.get(), t.end.get()))
            .collect();
        got.sort_unstable();
        assert_eq!(got, vec![(1, 120, 150), (2, 300, 400)]);
        assert!(matches!(
            apply_chosen_windows(traces.clone(), &[(3, m(1), m(2))]),
            Err(AuthorityError::NoCheckInAtVenue { serial: 3 })
        ));
        assert!(matches!(
            apply_chosen_windows(traces, &[(1, m(150), m(150))]),
            Err(AuthorityError::EmptyWindow { serial: 1 })
        ));
    }

    #[test]
    fn rotating_stays_past_midnight_need_the_next_days_seed_released_under_the_venue_key() {
        let day = 20_000u32;
        let master = MasterSeed::from_bytes([9; 32]);
        let (cert, key) = certificate(9, 5);
        let m = UnixMinute::new;
        let code = VenueCode::new_rotating(cert, &master, &key, m(day * 1440 + 23 * 60)).unwrap();
        let tr = Trace {
            code,
            start: m(day * 1440 + 23 * 60),
            end: m((day + 1) * 1440 + 90),
        };
        let none = plan(std::slice::from_ref(&tr), &BTreeMap::new(), RiskLevel::HIGH);
        assert_eq!(none.missing_seeds, vec![(5, "venue 5".to_owned(), day + 1)]);
        assert_eq!(none.windows.len(), 1);
        // Another venue's release does not help.
        let mut released = Released::new();
        let other = SigningKey::from_seed(&[8; 32]).unwrap().public_key();
        released
            .entry(*other.as_bytes())
            .or_default()
            .insert(day + 1, master.rotating_seed(Epoch::new(day + 1)));
        let p = plan(std::slice::from_ref(&tr), &released, RiskLevel::HIGH);
        assert_eq!(p.missing_seeds, none.missing_seeds);
        // The venue's own release does, whatever serial it came under.
        released
            .entry(*key.public_key().as_bytes())
            .or_default()
            .insert(day + 1, master.rotating_seed(Epoch::new(day + 1)));
        let full = plan(&[tr], &released, RiskLevel::HIGH);
        assert!(full.missing_seeds.is_empty());
        let spans: Vec<(u32, u32)> = full
            .windows
            .iter()
            .map(|w| (w.start.get(), w.end.get()))
            .collect();
        // Day D's seed covers the whole stay; day D+1's only the part after midnight.
        assert_eq!(
            spans,
            vec![
                (day * 1440 + 23 * 60, (day + 1) * 1440 + 90),
                ((day + 1) * 1440, (day + 1) * 1440 + 90)
            ]
        );
    }

    /// A server that keeps the HA's chain like the real one (409 `duplicate` for a batch id
    /// seen before, 409 `chain_mismatch` for a batch that does not extend the head) and can
    /// lose the answer to the next batch post after storing it.
    #[derive(Default)]
    struct ChainServer {
        state: std::sync::Mutex<(Vec<ExposureBatch>, bool, usize)>,
        /// What `GET /v1/authority` says of the server's retention period (none: an older
        /// server that does not say it).
        retention_days: Option<u32>,
    }

    impl Transport for ChainServer {
        fn send(
            &self,
            req: Request,
        ) -> venuecode_client::Result<venuecode_client::transport::Response> {
            use venuecode_client::transport::Response;
            let mut st = self.state.lock().unwrap();
            let answer = |status: u16, body: &str| {
                Ok(Response::from_bytes(status, body.as_bytes().to_vec()))
            };
            match req.path.as_str() {
                "/v1/batches" => {
                    let b = ExposureBatch::decode(&req.body).unwrap();
                    let h = b.header().header().clone();
                    if st
                        .0
                        .iter()
                        .any(|s| s.header().header().batch_id == h.batch_id)
                    {
                        return answer(409, r#"{"error":"duplicate"}"#);
                    }
                    let head =
                        st.0.last()
                            .map_or(ChainHead::GENESIS, ExposureBatch::chain_head);
                    if h.sequence != head.sequence + 1 || h.previous != head.link {
                        return answer(409, r#"{"error":"chain_mismatch"}"#);
                    }
                    st.0.push(b);
                    if std::mem::take(&mut st.1) {
                        return Err(venuecode_client::Error::Network(
                            venuecode_client::NetworkError::from_io(std::io::Error::new(
                                std::io::ErrorKind::ConnectionReset,
                                "connection reset",
                            )),
                        ));
                    }
                    // As the server answers: `BatchStored`.
                    let stored = BatchStored {
                        sequence: h.sequence,
                        records: u64::from(h.record_count),
                    };
                    answer(201, &serde_json::to_string(&stored).unwrap())
                }
                "/v1/checkpoints" => {
                    st.2 += 1;
                    answer(201, "{}")
                }
                "/v1/authority" => {
                    let info = AuthorityInfo {
                        ra_public_key: "00".repeat(32),
                        ra_key_id: "00".repeat(8),
                        ha_signing_keys: Vec::new(),
                        ha_encryption_key: None,
                        counts_enabled: false,
                        retention_days: self.retention_days,
                    };
                    answer(200, &serde_json::to_string(&info).unwrap())
                }
                _ => answer(404, r#"{"error":"not_found"}"#),
            }
        }
    }

    fn window(n: u8) -> ExposureWindow {
        let tr = trace(1, n, 20_000 * 1440, 20_000 * 1440 + 30);
        plan(&[tr], &Released::new(), RiskLevel::HIGH)
            .windows
            .remove(0)
    }

    #[test]
    fn a_batch_whose_answer_was_lost_is_posted_again_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let pending = home.path(home::PENDING_BATCH_FILE);
        let ha = HealthAuthority {
            signing: SigningKey::from_seed(&[7; 32]).unwrap(),
            decryption: DecryptionKey::generate().unwrap(),
        };
        let server = ChainServer::default();
        let state = home.lock(|| {}).unwrap();
        let mut chain = state.chain().unwrap();
        let mut b = chain.next_builder(UnixMinute::new(100), "m").unwrap();
        b.add(&window(1)).unwrap();
        let first = b.sign(&ha.signing).unwrap();
        server.state.lock().unwrap().1 = true;
        assert!(chain.post(&server, &ha, &first).is_err());
        // Not recorded, kept pending.
        drop(chain);
        let mut chain = state.chain().unwrap();
        assert_eq!(chain.head().unwrap(), ChainHead::GENESIS);
        assert!(pending.exists());
        // The next publish posts the very same batch first (the server says duplicate).
        assert_eq!(chain.post_pending(&server, &ha).unwrap(), Some(1));
        assert!(!pending.exists());
        assert_eq!(chain.head().unwrap(), first.chain_head());
        let mut b = chain.next_builder(UnixMinute::new(200), "m").unwrap();
        b.add(&window(2)).unwrap();
        let second = b.sign(&ha.signing).unwrap();
        assert_eq!(chain.post(&server, &ha, &second).unwrap(), 2);
        chain
            .checkpoint(&server, &ha, UnixMinute::new(300), DEFAULT_RETENTION_DAYS)
            .unwrap();
        // Reloaded: head, ledger and both ids kept; the server holds one chain of two.
        drop(chain);
        drop(state);
        let chain = home.chain().unwrap();
        assert_eq!(chain.head().unwrap(), second.chain_head());
        assert_eq!(chain.ledger.len(), 2);
        assert_eq!(chain.batch_ids.len(), 2);
        let st = server.state.lock().unwrap();
        assert_eq!(st.0.len(), 2);
        assert_eq!(st.2, 1);
    }

    #[test]
    fn received_minutes_follow_the_drill_clock() {
        assert_eq!(received_minute(600, 0).get(), 10);
        assert_eq!(received_minute(600, 120).get(), 12);
        assert_eq!(received_minute(60, -600).get(), 0);
    }

    #[test]
    fn uploads_that_do_not_decode_or_name_an_unknown_purpose_are_typed_errors() {
        let ha = HealthAuthority {
            signing: SigningKey::from_seed(&[7; 32]).unwrap(),
            decryption: DecryptionKey::generate().unwrap(),
        };
        for purpose in UploadPurpose::ALL {
            assert!(matches!(
                open_upload(&ha, purpose, b"not sealed"),
                Err(AuthorityError::UploadUndecodable(_))
            ));
        }
        let info = UploadInfo {
            id: 1,
            purpose: "poster".to_owned(),
            received_at: 0,
            size: 0,
        };
        let err = info.purpose().unwrap_err();
        assert!(matches!(&err, AuthorityError::UnknownPurpose(p) if p == "poster"));
        assert_eq!(err.to_string(), "unknown upload purpose `poster`");
    }

    #[test]
    fn a_damaged_chain_file_is_reported_as_corrupt_and_a_lost_post_keeps_the_server_code() {
        let dir = tempfile::tempdir().unwrap();
        let chain_file = dir.path().join("chain.json");
        let pending = dir.path().join("pending.bin");
        write_atomic(
            &chain_file,
            br#"{"sequence":1,"link":"zz","ledger":[],"batch_ids":[]}"#,
            true,
        )
        .unwrap();
        let err = HaChain::load(&chain_file, &pending).unwrap_err();
        assert!(matches!(&err, AuthorityError::Corrupt { path, .. } if *path == chain_file));
        std::fs::write(&chain_file, b"not json").unwrap();
        assert!(matches!(
            HaChain::load(&chain_file, &pending),
            Err(AuthorityError::Corrupt { .. })
        ));
        let refused = AuthorityError::BatchKeptPending {
            path: pending,
            source: Box::new(AuthorityError::Client(venuecode_client::Error::Server {
                status: 409,
                code: ErrorCode::ChainMismatch,
                message: String::new(),
            })),
        };
        assert_eq!(refused.server_code(), Some(&ErrorCode::ChainMismatch));
        assert_eq!(AuthorityError::TanUsed.server_code(), None);
    }

    #[cfg(unix)]
    #[test]
    fn state_files_are_written_whole_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let path = home.path(home::TAN_LEDGER_FILE);
        let state = home.lock(|| {}).unwrap();
        let mut ledger = state.tan_ledger().unwrap();
        ledger
            .issue(&["7K2M9XR4TPLW3NBQ".to_owned()], UploadPurpose::Case, 1, 2)
            .unwrap();
        ledger.save().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = home.tan_ledger().unwrap();
        assert_eq!(again.tans, ledger.tans);
        assert_eq!(
            again.tans.values().next().map(|t| t.purpose.as_str()),
            Some("case")
        );
        assert!(!dir.path().join("authority/.tans.json.tmp").exists());
    }

    fn ha() -> HealthAuthority {
        HealthAuthority {
            signing: SigningKey::from_seed(&[7; 32]).unwrap(),
            decryption: DecryptionKey::generate().unwrap(),
        }
    }

    #[test]
    fn tans_are_found_by_id_prefix_or_by_the_tan_and_a_mistyped_id_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let state = home.lock(|| {}).unwrap();
        let mut ledger = state.tan_ledger().unwrap();
        let tans = fresh_tans(3).unwrap();
        ledger.issue(&tans, UploadPurpose::Case, 100, 200).unwrap();
        let id = TanLedger::short_id(&tans[0]).unwrap();
        assert_eq!(id.len(), TAN_ID_LEN);
        let full = hex::encode(tan_hash(&tans[0]).unwrap());
        assert_eq!(ledger.find(&id).unwrap().0, full);
        assert_eq!(ledger.find(&id.to_uppercase()).unwrap().0, full);
        assert_eq!(ledger.find(&full[..TAN_ID_MIN]).unwrap().0, full);
        // The TAN itself, as handed out (grouped) or canonical.
        let grouped = venuecode_client::tan::display(&tans[0]);
        assert_eq!(ledger.find(&grouped).unwrap().0, full);
        // A mistyped id, a too-short one and one that is not hex are errors naming the id.
        let mut wrong = id.clone().into_bytes();
        wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
        let wrong = String::from_utf8(wrong).unwrap();
        for bad in [wrong.as_str(), &id[..TAN_ID_MIN - 1], "zzzzzzzz"] {
            let err = ledger.find(bad).unwrap_err();
            assert!(
                matches!(&err, AuthorityError::TanIdUnknown { id } if id == bad),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains(bad), "{err}");
        }
        // An id two TANs share is refused, listing both.
        // Make two ledger keys share six digits to test the ambiguity itself.
        let (a, b) = (
            "abcdef01".to_owned() + &"0".repeat(56),
            "abcdef02".to_owned() + &"0".repeat(56),
        );
        let entry = ledger.tans.values().next().unwrap().clone();
        ledger.value.tans.insert(a.clone(), entry.clone());
        ledger.value.tans.insert(b.clone(), entry);
        let err = ledger.find("ABCDEF").unwrap_err();
        assert!(
            matches!(&err, AuthorityError::TanIdAmbiguous { matches, .. } if *matches == vec![a.clone(), b]),
            "{err}"
        );
        assert_eq!(ledger.find("abcdef01").unwrap().0, a);
    }

    #[test]
    fn a_cancelled_tan_is_refused_by_the_server_and_the_ledger_and_cancels_once() {
        use venuecode_client::transport::TanState as ServerTan;
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let server = venuecode_client::MemoryServer::new();
        let ha = ha();
        let tans = fresh_tans(2).unwrap();
        let state = home.lock(|| {}).unwrap();
        let mut ledger = state.tan_ledger().unwrap();
        let now = now_seconds();
        ledger
            .issue(&tans, UploadPurpose::Case, now, now + 3600)
            .unwrap();
        ledger.save().unwrap();
        server.register_tan(&tans[0], ServerTan::Fresh).unwrap();
        server.register_tan(&tans[1], ServerTan::Used).unwrap();
        let id = TanLedger::short_id(&tans[0]).unwrap();
        assert_eq!(ledger.find(&id).unwrap().1.state(now), TanState::Unused);
        let hash = cancel_tan(&server, &ha, &mut ledger, &id).unwrap();
        assert!(hash.starts_with(&id));
        // Saved: a fresh load sees it cancelled.
        drop(ledger);
        let mut again = state.tan_ledger().unwrap();
        let (_, issued) = again.find(&id).unwrap();
        assert_eq!(issued.state(now), TanState::Cancelled);
        assert!(issued.cancelled_at.is_some());
        // Twice: refused by the ledger before anything is sent.
        assert!(matches!(
            cancel_tan(&server, &ha, &mut again, &id),
            Err(AuthorityError::TanAlreadyCancelled { id: i }) if i == id
        ));
        // An upload sealing it is not published, even if a server stored one.
        let upload = Upload::new(&tans[0], Vec::new()).unwrap();
        assert!(matches!(
            again.check_case(&upload, 1, b"x"),
            Err(AuthorityError::TanCancelled)
        ));
        // The server says the other was used (an upload not published yet): not cancelled,
        // and the ledger keeps it as it was.
        let other = TanLedger::short_id(&tans[1]).unwrap();
        let err = cancel_tan(&server, &ha, &mut again, &other).unwrap_err();
        assert!(
            matches!(&err, AuthorityError::TanAlreadyUsed { id } if *id == other),
            "{err}"
        );
        assert!(err.to_string().contains("already used"), "{err}");
        assert_eq!(again.find(&other).unwrap().1.cancelled_at, None);
        // One the ledger knows as used is refused without asking the server.
        let used = Upload::new(&tans[1], Vec::new()).unwrap();
        again.mark_used(&used, 2, b"y").unwrap();
        assert!(matches!(
            cancel_tan(
                &venuecode_client::MemoryServer::new(),
                &ha,
                &mut again,
                &other
            ),
            Err(AuthorityError::TanAlreadyUsed { .. })
        ));
        // A mistyped id.
        assert!(matches!(
            cancel_tan(&server, &ha, &mut again, "0000000000"),
            Err(AuthorityError::TanIdUnknown { .. })
        ));
    }

    #[test]
    fn the_publish_ledger_keeps_what_was_published_across_loads() {
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let path = home.path(home::PUBLISH_LEDGER_FILE);
        let state = home.lock(|| {}).unwrap();
        let mut ledger = state.publish_ledger().unwrap();
        assert!(ledger.windows().is_empty());
        let (a, b) = (
            window_fingerprint(&window(1)),
            window_fingerprint(&window(2)),
        );
        assert_ne!(a, b);
        ledger.record(&[a]);
        ledger.save().unwrap();
        drop(ledger);
        let mut again = state.publish_ledger().unwrap();
        assert!(again.windows().contains(&a) && !again.windows().contains(&b));
        again.record(&[b, a]);
        again.save().unwrap();
        drop(again);
        drop(state);
        assert_eq!(home.publish_ledger().unwrap().windows().len(), 2);
        std::fs::write(&path, br#"["00"]"#).unwrap();
        assert!(matches!(
            home.publish_ledger(),
            Err(AuthorityError::Corrupt { .. })
        ));
    }

    /// The checkpoint declares expired what the HA's period says, but only when the server
    /// keeps batches for the same period: otherwise nothing is posted.
    #[test]
    fn a_checkpoint_is_posted_only_when_the_server_keeps_batches_as_long() {
        let dir = tempfile::tempdir().unwrap();
        let home = AuthorityHome::new(dir.path());
        let ha = HealthAuthority {
            signing: SigningKey::from_seed(&[7; 32]).unwrap(),
            decryption: DecryptionKey::generate().unwrap(),
        };
        let server = ChainServer {
            retention_days: Some(2),
            ..ChainServer::default()
        };
        let day = 20_000 * 1440;
        let state = home.lock(|| {}).unwrap();
        let mut chain = state.chain().unwrap();
        for (n, at) in [(1, day), (2, day + 1440), (3, day + 3 * 1440)] {
            let mut b = chain.next_builder(UnixMinute::new(at), "m").unwrap();
            b.add(&window(n)).unwrap();
            let batch = b.sign(&ha.signing).unwrap();
            chain.post(&server, &ha, &batch).unwrap();
        }
        let now = UnixMinute::new(day + 3 * 1440 + 60);
        // Told 14 days against a server that keeps two: refused, naming both, nothing posted.
        let e = chain.checkpoint(&server, &ha, now, 14).unwrap_err();
        assert!(
            matches!(
                e,
                AuthorityError::RetentionMismatch {
                    ours: 14,
                    server: 2
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.code(), "retention_mismatch");
        assert_eq!(server.state.lock().unwrap().2, 0);
        // So is a shorter period than the server's.
        let e = chain.checkpoint(&server, &ha, now, 1).unwrap_err();
        assert!(matches!(
            e,
            AuthorityError::RetentionMismatch { ours: 1, .. }
        ));
        assert_eq!(server.state.lock().unwrap().2, 0);
        // The same period: batches 1 and 2, made more than two days before, are declared gone.
        let cp = chain.checkpoint(&server, &ha, now, 2).unwrap();
        assert_eq!(cp.body().retained_from, 3);
        assert_eq!(server.state.lock().unwrap().2, 1);
        // A server that does not say its period is not checked.
        let old = ChainServer::default();
        let cp = chain.checkpoint(&old, &ha, now, 14).unwrap();
        assert_eq!(cp.body().retained_from, 1);
        assert_eq!(old.state.lock().unwrap().2, 1);
    }
}
