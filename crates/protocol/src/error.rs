//! The one error type of the protocol crate.
//!
//! No variant carries user data: a message names what failed, never a venue name, seed, token,
//! time or diary content, so errors can be logged as they are.

use core::fmt;

/// Every way a protocol operation can fail.
///
/// Variants fall into three groups: the peer sent malformed bytes (decoding), the peer sent
/// well-formed bytes that fail a check (verification), and the caller misused the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---- decoding ----
    /// The input ended before the structure was complete.
    Truncated,
    /// Bytes remained after a complete structure.
    TrailingBytes,
    /// The input is empty.
    Empty,
    /// A length prefix, count or total size exceeds its named limit.
    TooLarge,
    /// The version byte is one this implementation does not speak.
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The code kind byte names neither a static nor a rotating code.
    UnknownCodeKind {
        /// The kind byte found.
        found: u8,
    },
    /// A text field is not valid UTF-8.
    InvalidUtf8,
    /// The bytes decode, but not in the one canonical form the spec allows (unsorted or duplicate
    /// list entries, non-zero padding, a decimal chunk out of range, a zero-length field).
    NonCanonical,
    /// A field holds a value outside its allowed range (region code, stay length, time order).
    ValueOutOfRange,
    /// The URL is not of the form `https://host/path#digits` (or `http://` to a loopback host),
    /// or a trust bundle URL is not
    /// `https://` (nor `http://` to a loopback host) or holds white space or control characters.
    InvalidUrl,
    /// An Ed25519 public key is not a valid curve point encoding.
    InvalidPublicKey,

    // ---- verification ----
    /// An Ed25519 public key has small order and is refused.
    WeakPublicKey,
    /// An X25519 exchange produced the all-zero secret (a low-order point).
    NonContributory,
    /// A key id is not among the trusted keys for that role.
    UnknownKeyId,
    /// The registration authority's signature over a venue certificate does not verify.
    CertificateSignatureInvalid,
    /// The venue's signature binding the seed to the certificate does not verify (forged or
    /// swapped seed).
    VenueSignatureInvalid,
    /// The health authority's signature over an exposure batch does not verify.
    BatchSignatureInvalid,
    /// The exposure records do not match the digest the batch header signs.
    BatchDigestMismatch,
    /// The registration authority's signature over a revocation list does not verify.
    RevocationListSignatureInvalid,
    /// A signed request's signature does not verify.
    RequestSignatureInvalid,
    /// A signed request's timestamp lies outside the allowed clock-skew window.
    RequestTimestampOutOfWindow,
    /// A seed release's venue signature does not verify.
    SeedReleaseSignatureInvalid,
    /// The venue certificate's validity has not started yet.
    CertificateNotYetValid,
    /// The venue certificate has expired.
    CertificateExpired,
    /// A rotating code's display validity has passed: it was captured earlier.
    CodeStale,
    /// A rotating code claims a display validity further ahead than the spec allows, or an epoch
    /// that does not match it.
    CodeValidityInvalid,
    /// The venue's certificate is on the revocation list: deactivated or disabled.
    Revoked,
    /// The venue's certificate was replaced by a newer one when the venue updated its
    /// information: the code is from an old poster.
    Superseded,
    /// An AEAD or HPKE ciphertext failed to open: wrong key, or tampered.
    OpenFailed,
    /// A signed artefact is older than the one already held: a revocation list ending before
    /// the cursor or issued before the held list, a checkpoint older than the held one, or a
    /// trust bundle whose sequence does not increase. A server replaying old state.
    Rollback,
    /// A revocation list starts after the held cursor: applying it would miss revocations.
    RevocationGap,
    /// An exposure batch does not extend the phone's chain (a gap, a reordered or repeated
    /// batch, or a fork: two different batches or a checkpoint disagreeing for one sequence).
    /// The batch is refused and must not be matched.
    BatchChainBroken,
    /// The health authority's signature over a checkpoint does not verify.
    CheckpointSignatureInvalid,
    /// An uploaded check-in claims an arrival outside the time its rotating code was on
    /// display: a photographed code cannot claim other hours.
    ClaimOutsideDisplayWindow,
    /// A trust bundle's registration-authority signature does not verify.
    TrustBundleSignatureInvalid,

    // ---- API misuse ----
    /// An argument given by the caller is invalid; the text names which.
    InvalidArgument(&'static str),
    /// The system random number generator failed.
    RandomnessUnavailable,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Truncated => "input ended early",
            Self::TrailingBytes => "unexpected bytes after the end of the structure",
            Self::Empty => "input is empty",
            Self::TooLarge => "a length or count exceeds its limit",
            Self::UnsupportedVersion { found } => {
                return write!(f, "unsupported version {found}");
            }
            Self::UnknownCodeKind { found } => return write!(f, "unknown code kind {found}"),
            Self::InvalidUtf8 => "text field is not valid UTF-8",
            Self::NonCanonical => "encoding is not canonical",
            Self::ValueOutOfRange => "a field is out of its allowed range",
            Self::InvalidUrl => "not a venue code URL",
            Self::InvalidPublicKey => "invalid public key encoding",
            Self::WeakPublicKey => "public key has small order",
            Self::NonContributory => "key exchange with a low-order point",
            Self::UnknownKeyId => "key id is not trusted",
            Self::CertificateSignatureInvalid => "venue certificate signature is invalid",
            Self::VenueSignatureInvalid => {
                "venue code signature is invalid (forged or swapped seed)"
            }
            Self::BatchSignatureInvalid => "exposure batch signature is invalid",
            Self::BatchDigestMismatch => "exposure records do not match the signed digest",
            Self::RevocationListSignatureInvalid => "revocation list signature is invalid",
            Self::RequestSignatureInvalid => "request signature is invalid",
            Self::RequestTimestampOutOfWindow => "request timestamp outside the allowed window",
            Self::SeedReleaseSignatureInvalid => "seed release signature is invalid",
            Self::CertificateNotYetValid => "venue certificate is not yet valid",
            Self::CertificateExpired => "venue certificate has expired",
            Self::CodeStale => "rotating code has expired; scan the screen again",
            Self::CodeValidityInvalid => "rotating code validity is inconsistent",
            Self::Revoked => "venue code has been deactivated",
            Self::Superseded => "this poster was replaced by the venue; scan its current poster",
            Self::OpenFailed => "ciphertext failed to open",
            Self::Rollback => "refused an older version of data already held (rollback)",
            Self::RevocationGap => "revocation list does not continue from the held cursor",
            Self::BatchChainBroken => "exposure batch does not extend the batch chain",
            Self::CheckpointSignatureInvalid => "checkpoint signature is invalid",
            Self::ClaimOutsideDisplayWindow => {
                "check-in time lies outside the rotating code's display window"
            }
            Self::TrustBundleSignatureInvalid => "trust bundle signature is invalid",
            Self::InvalidArgument(what) => return write!(f, "invalid argument: {what}"),
            Self::RandomnessUnavailable => "system randomness unavailable",
        };
        f.write_str(text)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;
