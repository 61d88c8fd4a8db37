//! What can go wrong on the authority's side, as variants an app can act on.

use core::fmt;
use std::path::PathBuf;

/// An error of the health authority's or the registration authority's work.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthorityError {
    /// A state file (the chain, the TAN ledger, a pending batch) could not be read or written.
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A state file does not hold what this authority wrote there.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The server refused a request or could not be reached; [`Self::server_code`] names the
    /// server's error code.
    Client(venuecode_client::Error),
    /// A request failed in a step worth naming (`registering TANs`, `posting the checkpoint`).
    Request {
        /// The step.
        what: &'static str,
        /// Why.
        source: Box<AuthorityError>,
    },
    /// The server answered with a body that is not of the documented form.
    BadAnswer {
        /// Which answer.
        what: &'static str,
        /// Why it does not parse.
        reason: String,
    },
    /// Signing, sealing or encoding failed, or a value is out of the protocol's range.
    Protocol(venuecode_protocol::Error),
    /// The server listed an upload under a purpose this library does not know.
    UnknownPurpose(String),
    /// An upload does not decode as its purpose's wire type.
    UploadUndecodable(venuecode_protocol::Error),
    /// An upload does not open with this authority's key.
    UploadUnopenable(venuecode_protocol::Error),
    /// A sealed seed release does not open, or its venue signature does not verify.
    SeedReleaseInvalid(venuecode_protocol::Error),
    /// The TAN sealed in a case upload is not one this authority issued.
    TanUnknown,
    /// The TAN sealed in a case upload was issued for another purpose.
    TanNotForCase {
        /// The purpose it was issued for.
        purpose: String,
    },
    /// The TAN sealed in a case upload was already used by another upload: a replay.
    TanReplayed {
        /// The upload that used it first.
        by: u64,
    },
    /// The TAN sealed in a case upload was already used.
    TanUsed,
    /// The TAN sealed in a case upload was cancelled by this authority.
    TanCancelled,
    /// No TAN of this authority's ledger has this id (a prefix of its hash, or the TAN).
    TanIdUnknown {
        /// The id as typed.
        id: String,
    },
    /// Several TANs of the ledger start with this id.
    TanIdAmbiguous {
        /// The id as typed.
        id: String,
        /// The hashes (hex) that start with it.
        matches: Vec<String>,
    },
    /// The TAN to cancel was used by an upload already: cancelling it changes nothing.
    TanAlreadyUsed {
        /// Its short id.
        id: String,
    },
    /// The TAN to cancel was cancelled before.
    TanAlreadyCancelled {
        /// Its short id.
        id: String,
    },
    /// A shared check-in's venue code does not verify against the trust anchors.
    CodeInvalid(venuecode_protocol::Error),
    /// A shared check-in's claim does not hold against the minute the upload arrived.
    ClaimInvalid {
        /// Why.
        reason: venuecode_protocol::Error,
        /// The claimed stay in minutes.
        minutes: u32,
        /// The claimed arrival (Unix minute).
        arrival: u32,
        /// The minute the upload arrived.
        received_at: u32,
    },
    /// A window the tracer chose is empty.
    EmptyWindow {
        /// The venue's serial.
        serial: u64,
    },
    /// The tracer chose a window at a venue no case upload shares a check-in at.
    NoCheckInAtVenue {
        /// The venue's serial.
        serial: u64,
    },
    /// A batch does not extend this authority's chain.
    ChainMismatch,
    /// Posting a batch failed; it is kept in the pending file and posted again first by the
    /// next publication.
    BatchKeptPending {
        /// The pending file.
        path: PathBuf,
        /// Why the post failed.
        source: Box<AuthorityError>,
    },
    /// No case upload (or none of the ids asked for) had a check-in that passed the checks.
    NothingToPublish {
        /// Uploads and check-ins left out.
        skipped: usize,
    },
    /// Every window from these uploads was published before.
    NothingNew {
        /// The windows the uploads gave.
        windows: usize,
    },
    /// The batch builder refused every window.
    AllWindowsRefused,
    /// A region filter that is not a province-level or prefecture-level code or prefix.
    RegionNotAFilter {
        /// As typed.
        text: String,
    },
    /// A region code the GB/T 2260 table does not hold.
    RegionNotInTable {
        /// The six-digit code.
        code: u32,
    },
    /// A category that is not one of the protocol's slugs.
    UnknownCategory {
        /// As typed.
        slug: String,
    },
    /// A date range whose start is after its end (Unix days).
    DateRange {
        /// First day.
        from: u32,
        /// Last day.
        until: u32,
    },
    /// Upload ids asked for that the mailbox does not hold; nothing was published.
    UploadsMissing {
        /// The ids.
        ids: Vec<u64>,
    },
    /// The server keeps batches for another period than this authority declares in its
    /// checkpoints (`GET /v1/authority`, `retention_days`); nothing was posted.
    RetentionMismatch {
        /// The period this authority was given, in days.
        ours: u32,
        /// The server's.
        server: u32,
    },
    /// A key file of the authorities' home is missing, unreadable or not of the kind expected.
    KeyFile(venuecode_protocol::keyfile::KeyFileError),
    /// A key file already exists where new keys were to be written: keys are never replaced.
    KeyExists {
        /// The file.
        path: PathBuf,
    },
    /// A URL for the trust bundle is not https:// (or http:// to this machine) with a host.
    InvalidUrl {
        /// Which URL (`server URL`, `code base URL`).
        what: &'static str,
        /// As given.
        url: String,
        /// Why it is refused.
        reason: venuecode_protocol::Error,
    },
}

impl AuthorityError {
    /// The server's API error code when the server refused the request (`duplicate`,
    /// `chain_mismatch`, `not_found`, …).
    pub fn server_code(&self) -> Option<&venuecode_client::error::ErrorCode> {
        match self {
            Self::Client(venuecode_client::Error::Server { code, .. }) => Some(code),
            Self::Request { source, .. } | Self::BatchKeptPending { source, .. } => {
                source.server_code()
            }
            _ => None,
        }
    }

    /// Every code [`AuthorityError::code`] gives for a failure of its own (listed in
    /// crates/cli/ERRORS.md); a refused or failed request gives the client library's code.
    pub const CODES: &'static [&'static str] = &[
        "file",
        "corrupt_state",
        "bad_answer",
        "protocol",
        "unknown_purpose",
        "upload_undecodable",
        "upload_unopenable",
        "seed_release_invalid",
        "tan_unknown",
        "tan_not_for_case",
        "tan_replayed",
        "tan_used",
        "code_invalid",
        "claim_invalid",
        "empty_window",
        "no_check_in_at_venue",
        "chain_mismatch",
        "batch_kept_pending",
        "nothing_to_publish",
        "nothing_new",
        "all_windows_refused",
        "tan_cancelled",
        "tan_id_unknown",
        "tan_id_ambiguous",
        "tan_already_cancelled",
        "tan_already_used",
        "date_range",
        "region_not_a_filter",
        "region_not_in_table",
        "unknown_category",
        "uploads_missing",
        "retention_mismatch",
        "key_file",
        "key_exists",
        "invalid_url",
    ];

    /// A stable snake_case code for this failure: [`venuecode_client::Error::code`] for a
    /// request the server refused or that could not be sent (through [`Self::Request`]), one
    /// of [`AuthorityError::CODES`] otherwise.
    pub fn code(&self) -> &str {
        match self {
            Self::File { .. } => "file",
            Self::Corrupt { .. } => "corrupt_state",
            Self::Client(e) => e.code(),
            Self::Request { source, .. } => source.code(),
            Self::BadAnswer { .. } => "bad_answer",
            Self::Protocol(_) => "protocol",
            Self::UnknownPurpose(_) => "unknown_purpose",
            Self::UploadUndecodable(_) => "upload_undecodable",
            Self::UploadUnopenable(_) => "upload_unopenable",
            Self::SeedReleaseInvalid(_) => "seed_release_invalid",
            Self::TanUnknown => "tan_unknown",
            Self::TanNotForCase { .. } => "tan_not_for_case",
            Self::TanReplayed { .. } => "tan_replayed",
            Self::TanUsed => "tan_used",
            Self::CodeInvalid(_) => "code_invalid",
            Self::ClaimInvalid { .. } => "claim_invalid",
            Self::EmptyWindow { .. } => "empty_window",
            Self::NoCheckInAtVenue { .. } => "no_check_in_at_venue",
            Self::ChainMismatch => "chain_mismatch",
            Self::BatchKeptPending { .. } => "batch_kept_pending",
            Self::NothingToPublish { .. } => "nothing_to_publish",
            Self::NothingNew { .. } => "nothing_new",
            Self::AllWindowsRefused => "all_windows_refused",
            Self::TanCancelled => "tan_cancelled",
            Self::TanIdUnknown { .. } => "tan_id_unknown",
            Self::TanIdAmbiguous { .. } => "tan_id_ambiguous",
            Self::TanAlreadyCancelled { .. } => "tan_already_cancelled",
            Self::TanAlreadyUsed { .. } => "tan_already_used",
            Self::DateRange { .. } => "date_range",
            Self::RegionNotAFilter { .. } => "region_not_a_filter",
            Self::RegionNotInTable { .. } => "region_not_in_table",
            Self::UnknownCategory { .. } => "unknown_category",
            Self::UploadsMissing { .. } => "uploads_missing",
            Self::RetentionMismatch { .. } => "retention_mismatch",
            Self::KeyFile(_) => "key_file",
            Self::KeyExists { .. } => "key_exists",
            Self::InvalidUrl { .. } => "invalid_url",
        }
    }

    pub(crate) fn file(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::File { path, source }
    }

    pub(crate) fn request(what: &'static str) -> impl FnOnce(Self) -> Self {
        move |e| Self::Request {
            what,
            source: Box::new(e),
        }
    }
}

impl fmt::Display for AuthorityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Corrupt { path, reason } => write!(f, "{}: {reason}", path.display()),
            Self::Client(e) => write!(f, "{e}"),
            Self::Request { what, source } => write!(f, "{what}: {source}"),
            Self::BadAnswer { what, reason } => write!(f, "{what}: {reason}"),
            Self::Protocol(e) => write!(f, "{e}"),
            Self::UnknownPurpose(p) => write!(f, "unknown upload purpose `{p}`"),
            Self::UploadUndecodable(e) => write!(f, "does not decode: {e}"),
            Self::UploadUnopenable(e) => write!(f, "does not open: {e}"),
            Self::SeedReleaseInvalid(e) => write!(
                f,
                "does not open or its venue signature does not verify: {e}"
            ),
            Self::TanUnknown => f.write_str(
                "not authorised by a TAN this authority issued (the TAN sealed in it is unknown)",
            ),
            Self::TanNotForCase { purpose } => write!(
                f,
                "not authorised by a TAN this authority issued for a case (the TAN sealed in it was issued for {purpose})"
            ),
            Self::TanReplayed { by } => write!(
                f,
                "the TAN sealed in it was already used by upload {by}: a replay, not authorised by a TAN this authority issued"
            ),
            Self::TanUsed => f.write_str("the TAN sealed in it was already used"),
            Self::TanCancelled => f.write_str(
                "the TAN sealed in it was cancelled by this authority; nothing in it is published",
            ),
            Self::TanIdUnknown { id } => write!(
                f,
                "no TAN issued by this authority has the id `{id}` (give at least {} hex digits \
                 of an id from `authority tan list`, or the TAN itself)",
                crate::TAN_ID_MIN
            ),
            Self::TanIdAmbiguous { id, matches } => write!(
                f,
                "the id `{id}` matches {} TANs ({}): give more digits",
                matches.len(),
                matches
                    .iter()
                    .map(|m| m.get(..crate::TAN_ID_LEN + 4).unwrap_or(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::TanAlreadyUsed { id } => write!(
                f,
                "TAN {id} was already used by an upload; it cannot be cancelled (delete or leave \
                 out the upload instead)"
            ),
            Self::TanAlreadyCancelled { id } => write!(f, "TAN {id} was cancelled before"),
            Self::CodeInvalid(e) => write!(f, "the venue code does not verify: {e}"),
            Self::ClaimInvalid {
                reason,
                minutes,
                arrival,
                received_at,
            } => write!(
                f,
                "the claim does not hold ({reason}): {minutes} minutes from minute {arrival} received at minute {received_at}"
            ),
            Self::EmptyWindow { serial } => write!(f, "the window for venue {serial} is empty"),
            Self::NoCheckInAtVenue { serial } => {
                write!(f, "no case upload shares a check-in at venue {serial}")
            }
            Self::ChainMismatch => f.write_str("the batch does not extend this authority's chain"),
            Self::BatchKeptPending { path, source } => write!(
                f,
                "posting the batch (kept in {}; the next publish posts it again): {source}",
                path.display()
            ),
            Self::NothingToPublish { skipped: 0 } => f.write_str("no case upload to publish"),
            Self::NothingToPublish { skipped } => write!(
                f,
                "no case upload to publish ({skipped} upload(s) or check-in(s) skipped, see above)"
            ),
            Self::NothingNew { windows } => write!(
                f,
                "nothing new to publish: all {windows} window(s) from these uploads were published before"
            ),
            Self::AllWindowsRefused => f.write_str("every window was refused; nothing published"),
            Self::RegionNotAFilter { text } => write!(
                f,
                "`{text}` is not a region to filter by: give a province (44 or 440000) or a \
                 prefecture (4403 or 440300) of GB/T 2260"
            ),
            Self::RegionNotInTable { code } => write!(
                f,
                "region {code} is not in the GB/T 2260 table of provinces and prefectures"
            ),
            Self::UnknownCategory { slug } => write!(
                f,
                "`{slug}` is not a venue category (one of: {})",
                venuecode_protocol::VenueCategory::ALL
                    .iter()
                    .filter_map(|c| c.slug())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::DateRange { from, until } => write!(
                f,
                "the date range starts after it ends: from {} until {}",
                crate::stats::day_text(*from),
                crate::stats::day_text(*until)
            ),
            Self::UploadsMissing { ids } => write!(
                f,
                "the mailbox holds no upload {}; nothing published (see `authority uploads list`)",
                ids.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::RetentionMismatch { ours, server } => write!(
                f,
                "the server keeps exposure batches for {server} days but this authority was told \
                 {ours}; nothing was posted (give --retention-days {server}, or set \
                 VENUECODE_RETENTION_DAYS={server})"
            ),
            Self::KeyFile(e) => write!(f, "{e}"),
            Self::KeyExists { path } => write!(
                f,
                "{} already exists; refusing to overwrite a key (move it away first)",
                path.display()
            ),
            Self::InvalidUrl { what, url, reason } => write!(
                f,
                "the {what} `{url}` cannot go in the trust bundle: {reason} (https://…, or \
                 http:// only to 127.0.0.1, [::1] or localhost)"
            ),
        }
    }
}

impl std::error::Error for AuthorityError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::File { source, .. } => Some(source),
            Self::Client(e) => Some(e),
            Self::Request { source, .. } | Self::BatchKeptPending { source, .. } => Some(source),
            Self::Protocol(e)
            | Self::UploadUndecodable(e)
            | Self::UploadUnopenable(e)
            | Self::SeedReleaseInvalid(e)
            | Self::CodeInvalid(e) => Some(e),
            Self::ClaimInvalid { reason, .. } | Self::InvalidUrl { reason, .. } => Some(reason),
            Self::KeyFile(e) => Some(e),
            _ => None,
        }
    }
}

impl From<venuecode_client::Error> for AuthorityError {
    fn from(e: venuecode_client::Error) -> Self {
        Self::Client(e)
    }
}

impl From<venuecode_protocol::keyfile::KeyFileError> for AuthorityError {
    fn from(e: venuecode_protocol::keyfile::KeyFileError) -> Self {
        Self::KeyFile(e)
    }
}

impl From<venuecode_protocol::Error> for AuthorityError {
    fn from(e: venuecode_protocol::Error) -> Self {
        Self::Protocol(e)
    }
}

/// A result with an [`AuthorityError`].
pub type Result<T, E = AuthorityError> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_listed_code() {
        let p = || venuecode_protocol::Error::InvalidArgument("x");
        let io = || std::io::Error::other("x");
        let all = [
            AuthorityError::File {
                path: "f".into(),
                source: io(),
            },
            AuthorityError::Corrupt {
                path: "f".into(),
                reason: "x".into(),
            },
            AuthorityError::BadAnswer {
                what: "x",
                reason: "x".into(),
            },
            AuthorityError::Protocol(p()),
            AuthorityError::UnknownPurpose("x".into()),
            AuthorityError::UploadUndecodable(p()),
            AuthorityError::UploadUnopenable(p()),
            AuthorityError::SeedReleaseInvalid(p()),
            AuthorityError::TanUnknown,
            AuthorityError::TanNotForCase {
                purpose: "x".into(),
            },
            AuthorityError::TanReplayed { by: 1 },
            AuthorityError::TanUsed,
            AuthorityError::CodeInvalid(p()),
            AuthorityError::ClaimInvalid {
                reason: p(),
                minutes: 1,
                arrival: 1,
                received_at: 1,
            },
            AuthorityError::EmptyWindow { serial: 1 },
            AuthorityError::NoCheckInAtVenue { serial: 1 },
            AuthorityError::ChainMismatch,
            AuthorityError::BatchKeptPending {
                path: "f".into(),
                source: Box::new(AuthorityError::ChainMismatch),
            },
            AuthorityError::NothingToPublish { skipped: 0 },
            AuthorityError::NothingNew { windows: 1 },
            AuthorityError::AllWindowsRefused,
            AuthorityError::TanCancelled,
            AuthorityError::TanIdUnknown { id: "x".into() },
            AuthorityError::TanIdAmbiguous {
                id: "x".into(),
                matches: vec!["x".into()],
            },
            AuthorityError::TanAlreadyCancelled { id: "x".into() },
            AuthorityError::TanAlreadyUsed { id: "x".into() },
            AuthorityError::DateRange { from: 2, until: 1 },
            AuthorityError::RegionNotAFilter { text: "x".into() },
            AuthorityError::RegionNotInTable { code: 1 },
            AuthorityError::UnknownCategory { slug: "x".into() },
            AuthorityError::UploadsMissing { ids: vec![1] },
            AuthorityError::RetentionMismatch {
                ours: 14,
                server: 7,
            },
            AuthorityError::KeyFile(venuecode_protocol::keyfile::KeyFileError::Unreadable {
                path: "f".into(),
                reason: "x".into(),
            }),
            AuthorityError::KeyExists { path: "f".into() },
            AuthorityError::InvalidUrl {
                what: "server URL",
                url: "x".into(),
                reason: p(),
            },
        ];
        let codes: Vec<&str> = all.iter().map(AuthorityError::code).collect();
        assert_eq!(codes, AuthorityError::CODES);
        // A refused request keeps the client library's (the server's) code.
        let refused = AuthorityError::request("posting")(AuthorityError::Client(
            venuecode_client::Error::TanUsed,
        ));
        assert_eq!(refused.code(), "tan_used");
    }
}
