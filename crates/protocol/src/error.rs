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

impl Error {
    /// Every code [`Error::code`] gives, in the order of the variants (listed in
    /// crates/cli/ERRORS.md).
    pub const CODES: &'static [&'static str] = &[
        "truncated",
        "trailing_bytes",
        "empty",
        "too_large",
        "unsupported_version",
        "unknown_code_kind",
        "invalid_utf8",
        "non_canonical",
        "value_out_of_range",
        "invalid_url",
        "invalid_public_key",
        "weak_public_key",
        "non_contributory",
        "unknown_key_id",
        "certificate_signature_invalid",
        "venue_signature_invalid",
        "batch_signature_invalid",
        "batch_digest_mismatch",
        "revocation_list_signature_invalid",
        "request_signature_invalid",
        "request_timestamp_out_of_window",
        "seed_release_signature_invalid",
        "certificate_not_yet_valid",
        "certificate_expired",
        "code_stale",
        "code_validity_invalid",
        "revoked",
        "superseded",
        "open_failed",
        "rollback",
        "revocation_gap",
        "batch_chain_broken",
        "checkpoint_signature_invalid",
        "claim_outside_display_window",
        "trust_bundle_signature_invalid",
        "invalid_argument",
        "randomness_unavailable",
    ];

    /// A stable snake_case code for this failure, one per variant, for an app to word it in
    /// its language (the [`fmt::Display`] text is English).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::TrailingBytes => "trailing_bytes",
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::UnknownCodeKind { .. } => "unknown_code_kind",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::NonCanonical => "non_canonical",
            Self::ValueOutOfRange => "value_out_of_range",
            Self::InvalidUrl => "invalid_url",
            Self::InvalidPublicKey => "invalid_public_key",
            Self::WeakPublicKey => "weak_public_key",
            Self::NonContributory => "non_contributory",
            Self::UnknownKeyId => "unknown_key_id",
            Self::CertificateSignatureInvalid => "certificate_signature_invalid",
            Self::VenueSignatureInvalid => "venue_signature_invalid",
            Self::BatchSignatureInvalid => "batch_signature_invalid",
            Self::BatchDigestMismatch => "batch_digest_mismatch",
            Self::RevocationListSignatureInvalid => "revocation_list_signature_invalid",
            Self::RequestSignatureInvalid => "request_signature_invalid",
            Self::RequestTimestampOutOfWindow => "request_timestamp_out_of_window",
            Self::SeedReleaseSignatureInvalid => "seed_release_signature_invalid",
            Self::CertificateNotYetValid => "certificate_not_yet_valid",
            Self::CertificateExpired => "certificate_expired",
            Self::CodeStale => "code_stale",
            Self::CodeValidityInvalid => "code_validity_invalid",
            Self::Revoked => "revoked",
            Self::Superseded => "superseded",
            Self::OpenFailed => "open_failed",
            Self::Rollback => "rollback",
            Self::RevocationGap => "revocation_gap",
            Self::BatchChainBroken => "batch_chain_broken",
            Self::CheckpointSignatureInvalid => "checkpoint_signature_invalid",
            Self::ClaimOutsideDisplayWindow => "claim_outside_display_window",
            Self::TrustBundleSignatureInvalid => "trust_bundle_signature_invalid",
            Self::InvalidArgument(_) => "invalid_argument",
            Self::RandomnessUnavailable => "randomness_unavailable",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_listed_code_and_every_listed_code_a_variant() {
        let all = [
            Error::Truncated,
            Error::TrailingBytes,
            Error::Empty,
            Error::TooLarge,
            Error::UnsupportedVersion { found: 9 },
            Error::UnknownCodeKind { found: 9 },
            Error::InvalidUtf8,
            Error::NonCanonical,
            Error::ValueOutOfRange,
            Error::InvalidUrl,
            Error::InvalidPublicKey,
            Error::WeakPublicKey,
            Error::NonContributory,
            Error::UnknownKeyId,
            Error::CertificateSignatureInvalid,
            Error::VenueSignatureInvalid,
            Error::BatchSignatureInvalid,
            Error::BatchDigestMismatch,
            Error::RevocationListSignatureInvalid,
            Error::RequestSignatureInvalid,
            Error::RequestTimestampOutOfWindow,
            Error::SeedReleaseSignatureInvalid,
            Error::CertificateNotYetValid,
            Error::CertificateExpired,
            Error::CodeStale,
            Error::CodeValidityInvalid,
            Error::Revoked,
            Error::Superseded,
            Error::OpenFailed,
            Error::Rollback,
            Error::RevocationGap,
            Error::BatchChainBroken,
            Error::CheckpointSignatureInvalid,
            Error::ClaimOutsideDisplayWindow,
            Error::TrustBundleSignatureInvalid,
            Error::InvalidArgument("x"),
            Error::RandomnessUnavailable,
        ];
        let codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }
}
