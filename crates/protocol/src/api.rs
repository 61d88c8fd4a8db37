//! The HTTP contract of protocol-spec/API.md in one place (feature `api`): header names, the
//! error codes, the JSON bodies of requests and answers, and the limits a client must know.
//!
//! The server builds its answers from these types and the client library, the CLI and the
//! in-memory test server read them, so a field renamed here is renamed for every party at
//! once. Protocol artefacts (certificates, batches, lists, checkpoints) are not here: they
//! travel as their binary encoding (SPEC.md).

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::{Epoch, UnixMinute};

pub use crate::envelope::SIGNATURE_HEADER;

/// Header carrying an upload's TAN hash (64 lowercase hex digits of
/// [`tan_hash`](crate::envelope::tan_hash)): the server never sees the TAN itself.
pub const TAN_HEADER: &str = "venuecode-tan-hash";

/// Most TANs in one `POST /v1/tans`.
pub const MAX_TANS_PER_REQUEST: usize = 10_000;
/// Most batches listed in one `GET /v1/batches` answer; `latest` tells whether to ask again.
pub const MAX_BATCHES_LISTED: usize = 1_000;
/// Longest day range of a `GET /v1/counts` query (its answer has at most this many rows plus
/// one).
pub const MAX_COUNT_DAYS: u32 = 366;
/// Rows of a statistics page when the query gives no `limit`.
pub const DEFAULT_STATS_PAGE: usize = 500;
/// Most rows of a statistics page (`limit`).
pub const MAX_STATS_PAGE: usize = 1_000;
/// Body limit of the small signed control requests: registration, update, count tags.
pub const MAX_CONTROL_BODY: usize = 16 * 1024;
/// Body limit of `POST /v1/tans`.
pub const MAX_TANS_BODY: usize = 2 * 1024 * 1024;
/// Body limit of the routes that take no body (revoke, disable, checkpoints, signed reads).
pub const MAX_EMPTY_BODY: usize = 1024;

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = ($status:literal, $code:literal, $hint:literal),)*) => {
        /// Every error code the server answers with, in the JSON body
        /// `{"error": "<code>", "message": "<text>"}` ([`ErrorBody`]). This enum is the one list
        /// of codes: protocol-spec/API.md's error table is checked against it by a test.
        ///
        /// Each variant's [`ErrorCode::status`] is the HTTP status the server answers it with,
        /// and [`ErrorCode::hint`] one sentence telling the caller what to do.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
            /// A code this version does not know, as received (from a newer server). This
            /// server never sends it.
            Unknown(String),
        }

        impl ErrorCode {
            /// Every code the server sends, in the order of API.md's table.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code on the wire (snake_case).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(code) => code,
                }
            }

            /// The code for its wire text; [`ErrorCode::Unknown`] for any other text.
            pub fn parse(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// The HTTP status the server answers this code with (0 for
            /// [`ErrorCode::Unknown`]).
            pub fn status(&self) -> u16 {
                match self {
                    $(Self::$variant => $status,)*
                    Self::Unknown(_) => 0,
                }
            }

            /// One sentence saying what the caller should do about it.
            pub fn hint(&self) -> &'static str {
                match self {
                    $(Self::$variant => $hint,)*
                    Self::Unknown(_) => "this version does not know this error; update the app, \
                                         or report it with the server's message",
                }
            }
        }
    };
}

error_codes! {
    /// The body, a path or a query parameter does not decode or breaks a rule of the route
    /// (the message names which); also a batch or checkpoint whose HA signature does not verify.
    Malformed = (400, "malformed",
        "fix the request as the message says; sending it again unchanged fails the same way"),
    /// A signed route was called without the `Venuecode-Signature` header.
    SignatureMissing = (401, "signature_missing",
        "sign the request with the key the route needs"),
    /// The envelope does not parse or verify, or is signed by a key the route does not take.
    SignatureInvalid = (401, "signature_invalid",
        "sign with the key this route takes (venue, HA or RA administrator key) over the exact method, path and body"),
    /// The envelope's timestamp is more than 300 s from the server's clock.
    TimestampOutOfWindow = (401, "timestamp_out_of_window",
        "set this machine's clock automatically, then sign the request again"),
    /// The envelope's nonce was seen before: a replay.
    Replayed = (401, "replayed",
        "sign every request afresh, with a new nonce"),
    /// A registration without the truthfulness pledge.
    PledgeMissing = (403, "pledge_missing",
        "the manager must pledge that the venue information is true"),
    /// The RA administrator disabled this venue key; it cannot register again.
    VenueDisabled = (403, "venue_disabled",
        "contact the registration authority; this venue key cannot be used again"),
    /// The RA administrator refused this registration.
    RegistrationRefused = (403, "registration_refused",
        "contact the registration authority before registering again"),
    /// The upload's TAN hash is not registered, or the `Venuecode-Tan-Hash` header is missing or
    /// not 64 lowercase hex digits.
    TanUnknown = (403, "tan_unknown",
        "check the TAN for a typo, or ask the health authority for a new one"),
    /// No such venue, registration, batch, checkpoint, trust bundle, upload or route.
    NotFound = (404, "not_found",
        "check the number or path; the item may have expired"),
    /// The count routes were called on a server that does not accept counts.
    CountsDisabled = (404, "counts_disabled",
        "this server does not count visits; do not send counts to it"),
    /// The route exists, but not with this method.
    MethodNotAllowed = (405, "method_not_allowed",
        "use the method API.md gives for this route"),
    /// The request took longer than the server allows, or its body arrived too slowly.
    Timeout = (408, "timeout",
        "retry on a better connection; a write may have been applied (a retried upload then answers tan_used)"),
    /// An exposure batch whose batch id the server has seen before.
    Duplicate = (409, "duplicate",
        "nothing to do: this batch was posted before"),
    /// A batch or checkpoint that does not extend or match the stored chain.
    ChainMismatch = (409, "chain_mismatch",
        "post the batches in sequence order, each linking to the stored head"),
    /// A checkpoint older than the stored one.
    StaleCheckpoint = (409, "stale_checkpoint",
        "post a checkpoint newer than the stored one"),
    /// The TAN was already used; each TAN works once.
    TanUsed = (409, "tan_used",
        "ask the health authority for a new TAN if this upload was not yours"),
    /// The venue certificate is revoked: it can be neither updated nor revoked again.
    Revoked = (409, "revoked",
        "register the venue again with a new key to get a new certificate"),
    /// A registration with a venue key that has a certificate already.
    VenueKeyRegistered = (409, "venue_key_registered",
        "change the venue's details with an update, or register with a new key"),
    /// Another active venue has the same name, address and region.
    DuplicateVenue = (409, "duplicate_venue",
        "the venue is registered already; update that registration instead"),
    /// The registration was approved or refused already.
    AlreadyReviewed = (409, "already_reviewed",
        "nothing to do: the registration was decided already"),
    /// The TAN has expired.
    TanExpired = (410, "tan_expired",
        "ask the health authority for a new TAN"),
    /// The health authority cancelled the TAN (`DELETE /v1/tans/{hash}`); cancelling it again
    /// answers this too.
    TanCancelled = (410, "tan_cancelled",
        "ask the health authority for a new TAN; this one was cancelled"),
    /// The body is over the route's limit.
    TooLarge = (413, "too_large",
        "send a smaller body, within the route's limit in API.md"),
    /// Too many requests from this address, or registrations in all.
    RateLimited = (429, "rate_limited",
        "wait the seconds the Retry-After header gives, then retry"),
    /// The server is at its limit of concurrent requests or body bytes in flight.
    Overloaded = (503, "overloaded",
        "retry later, after a pause"),
    /// A fault of the server; the details are in its log only.
    Internal = (500, "internal",
        "retry later; if it persists, tell the server's operator"),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(Self::parse(&code))
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code.
    pub error: ErrorCode,
    /// Text for people, without user data. The server always sends it; a reader takes an
    /// answer without it (a proxy's or a test server's) as empty.
    #[serde(default)]
    pub message: String,
}

/// `GET /v1/authority`: the server's keys, informative only (no client takes keys from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityInfo {
    /// The RA public key, hex.
    pub ra_public_key: String,
    /// The RA key id, hex.
    pub ra_key_id: String,
    /// The trusted HA signing keys, hex.
    pub ha_signing_keys: Vec<String>,
    /// The HA encryption key, hex, when configured.
    pub ha_encryption_key: Option<String>,
    /// Whether the server accepts counts.
    pub counts_enabled: bool,
    /// The server's retention period in days (`--retention-days`): the HA's checkpoints must
    /// declare batches expired by the same period. Absent from servers before it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// `202` of `POST /v1/venues` in review mode: the registration is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationHeld {
    /// The number of the held registration.
    pub pending: u64,
    /// The path to poll: `/v1/registrations/{pending}`.
    pub status: String,
}

/// The state of a held registration in [`RegistrationWaiting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PendingState {
    /// Not decided yet.
    Waiting,
}

/// `202` of `GET /v1/registrations/{id}` while the registration waits for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationWaiting {
    /// The registration's number.
    pub pending: u64,
    /// Always [`PendingState::Waiting`].
    pub state: PendingState,
}

/// One registration waiting for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistration {
    /// Its number.
    pub id: u64,
    /// When it arrived, Unix seconds.
    pub received_at: u64,
    /// The venue name.
    pub name: String,
    /// The venue address.
    pub address: String,
    /// The region code.
    pub region: u32,
    /// The category slug.
    pub category: String,
    /// The default stay, minutes.
    pub default_stay_minutes: u16,
    /// The venue's UTC offset, quarter hours.
    pub utc_offset: i8,
    /// The venue key, hex.
    pub venue_key: String,
}

/// `GET /v1/admin/registrations`: the registrations waiting, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistrations {
    /// The registrations.
    pub registrations: Vec<PendingRegistration>,
}

/// `POST /v1/admin/registrations/{id}/refuse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRefused {
    /// The refused registration's number.
    pub refused: u64,
}

/// Most current certificates one `GET /v1/admin/venues?name=` request reads: a page of the
/// search covers this many serials, whatever it matched; `next` says where to go on.
pub const MAX_VENUE_SCAN: usize = 1_000;

/// One certificate found by `GET /v1/admin/venues?name=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueMatch {
    /// The certificate serial.
    pub serial: u64,
    /// The venue key's id, hex.
    pub key_id: String,
    /// The venue name.
    pub name: String,
    /// The venue address.
    pub address: String,
    /// The region code.
    pub region: u32,
    /// The category slug.
    pub category: String,
    /// Whether the certificate is revoked (deactivated by the venue or disabled by the RA).
    pub revoked: bool,
}

/// `GET /v1/admin/venues?name=text&after=serial`: the current certificates whose name holds
/// `text` (both NFC, compared without case) among the next [`MAX_VENUE_SCAN`] current
/// certificates after `after`, in serial order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueSearch {
    /// The matches on this page.
    pub venues: Vec<VenueMatch>,
    /// The `after` of the next page; `None` when the search reached the last serial.
    pub next: Option<u64>,
}

/// `POST /v1/venues/{serial}/revoke` and `POST /v1/admin/venues/{serial}/disable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationAdded {
    /// The revocation's sequence in the RA's log.
    pub sequence: u64,
}

/// `201` of `POST /v1/batches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStored {
    /// The batch's own (HA) sequence.
    pub sequence: u64,
    /// Its number of records.
    pub records: u64,
}

/// One entry of the batch listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// The batch's sequence number in the HA's chain.
    pub sequence: u64,
    /// Size in bytes.
    pub size: u64,
    /// Number of records.
    pub records: u64,
    /// The strong entity tag `GET /v1/batches/{sequence}` answers with (quoted).
    pub etag: String,
}

/// `GET /v1/batches?after=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchListing {
    /// Batches after the cursor, in sequence order, at most [`MAX_BATCHES_LISTED`].
    pub batches: Vec<BatchInfo>,
    /// The highest sequence number the server has (unsigned: the checkpoint is what counts).
    pub latest: u64,
}

/// `201` of `POST /v1/checkpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointStored {
    /// The checkpoint's sequence.
    pub sequence: u64,
    /// Its issue minute (a bare number in JSON).
    pub issued_at: UnixMinute,
}

/// One TAN of a [`TanRegistration`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanEntry {
    /// Hex of [`tan_hash`](crate::envelope::tan_hash).
    pub hash: String,
    /// Expiry, Unix seconds: after now and within the retention period.
    pub expires_at: u64,
    /// `case`, `guestbook` or `seeds`.
    pub purpose: String,
}

impl fmt::Debug for TanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash would let whoever reads a log match an upload to its TAN's entry.
        f.debug_struct("TanEntry")
            .field("expires_at", &self.expires_at)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/tans`: at most [`MAX_TANS_PER_REQUEST`] TANs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanRegistration {
    /// The TANs.
    pub tans: Vec<TanEntry>,
}

/// `200` of `GET /v1/tans/{hash}`: what the server knows of one registered TAN (only the HA
/// that registered it may ask).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanStatus {
    /// `case`, `guestbook` or `seeds`.
    pub purpose: String,
    /// Unix seconds when it was registered.
    pub registered_at: u64,
    /// Unix seconds after which it no longer works.
    pub expires_at: u64,
    /// Whether an upload used it.
    pub used: bool,
    /// Whether the HA cancelled it (`DELETE /v1/tans/{hash}`).
    pub cancelled: bool,
}

/// `201` of `POST /v1/tans` and of `POST /v1/venues/{serial}/count-tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// How many were new.
    pub registered: u64,
}

/// `201` of `POST /v1/uploads`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStored {
    /// The upload's id.
    pub id: u64,
}

/// One entry of the upload listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadInfo {
    /// The upload's id.
    pub id: u64,
    /// The purpose of its TAN: `case`, `guestbook` or `seeds`.
    pub purpose: String,
    /// When it arrived, Unix seconds.
    pub received_at: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// `GET /v1/uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadListing {
    /// The stored uploads.
    pub uploads: Vec<UploadInfo>,
}

/// `202` of `POST /v1/counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountAccepted {
    /// 1 when the ping was counted, else 0.
    pub accepted: u8,
}

/// One row of [`CountListing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRow {
    /// The UTC day the pings were received (a bare number in JSON).
    pub epoch: Epoch,
    /// How many.
    pub count: u64,
}

/// `GET /v1/counts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountListing {
    /// The rows, by day.
    pub counts: Vec<CountRow>,
}

/// One row of [`VenueStats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueStatsRow {
    /// The region code.
    pub region: u32,
    /// The category slug.
    pub category: String,
    /// Current certificates not revoked.
    pub active: u64,
    /// Current certificates revoked.
    pub revoked: u64,
}

/// `GET /v1/stats/venues`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueStats {
    /// The rows.
    pub by_region: Vec<VenueStatsRow>,
    /// The cursor of the next page, `None` on the last.
    pub next: Option<String>,
}

/// One row of [`ExposureStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureStatsRow {
    /// The UTC day the batches arrived.
    pub day: Epoch,
    /// Batches that day.
    pub batches: u64,
    /// Records in them.
    pub records: u64,
}

/// `GET /v1/stats/exposures`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureStats {
    /// The rows.
    pub by_day: Vec<ExposureStatsRow>,
    /// The cursor of the next page, `None` on the last.
    pub next: Option<String>,
}

/// One row of [`CountStats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountStatsRow {
    /// The region code.
    pub region: u32,
    /// The category slug.
    pub category: String,
    /// The venue-local day of the tags.
    pub epoch: Epoch,
    /// Pings counted.
    pub count: u64,
}

/// `GET /v1/stats/counts`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountStats {
    /// The rows.
    pub rows: Vec<CountStatsRow>,
    /// The cursor of the next page, `None` on the last.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for code in ErrorCode::ALL {
            let text = serde_json::to_string(code).expect("serializes");
            assert_eq!(text, format!("\"{}\"", code.as_str()));
            assert_eq!(
                &serde_json::from_str::<ErrorCode>(&text).expect("parses"),
                code
            );
            assert!(code.status() >= 400, "{code}");
            assert!(!matches!(code, ErrorCode::Unknown(_)));
        }
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"brand_new","message":"m"}"#).expect("parses");
        assert_eq!(body.error, ErrorCode::Unknown("brand_new".into()));
        assert_eq!(body.error.as_str(), "brand_new");
        let bare: ErrorBody = serde_json::from_str(r#"{"error":"duplicate"}"#).expect("parses");
        assert_eq!(
            (bare.error, bare.message.as_str()),
            (ErrorCode::Duplicate, "")
        );
    }

    #[test]
    fn tan_entries_keep_their_hash_out_of_debug() {
        let e = TanEntry {
            hash: "ab".repeat(32),
            expires_at: 1,
            purpose: "case".into(),
        };
        assert!(!format!("{e:?}").contains("abab"));
    }
}
