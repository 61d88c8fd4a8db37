//! The sans-I/O core of Venuecode: types, the canonical binary codec, key and token derivation,
//! sealing and signatures. No networking, no files, no async runtime.
//!
//! The byte layouts, labels and checks implemented here are specified in
//! `protocol-spec/SPEC.md`, and the JSON vectors in `protocol-spec/vectors/` pin them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "api")]
pub mod api;
pub mod certificate;
pub mod chain;
pub mod code;
pub mod codec;
pub mod count;
pub mod envelope;
pub mod error;
pub mod exposure;
pub mod keyfile;
pub mod keys;
pub mod mask;
pub mod merkle;
mod primitives;
pub mod purpose;
pub mod revocation;
pub mod sealed;
pub mod seed;
pub mod time;
pub mod trust;
#[cfg(feature = "vectors")]
pub mod vectors;
pub mod venue;
#[cfg(test)]
mod wycheproof_tests;

/// SHA-256, over parts or in steps.
pub mod hash {
    pub use crate::primitives::{sha256, Sha256Stream};
}

/// Randomness from the operating system's CSPRNG.
pub mod rand {
    pub use crate::primitives::{random_array, random_bytes};
}

/// ChaCha20-Poly1305 (RFC 8439) with a 32-byte key and a 12-byte nonce.
pub mod aead {
    pub use crate::primitives::{aead_open, aead_seal};
}

/// HKDF-SHA256 (RFC 5869): extract to an opaque [`Prk`](kdf::Prk), expand to 1 to 32 bytes.
pub mod kdf {
    pub use crate::primitives::{hkdf_expand, hkdf_extract, Prk};
}

pub use certificate::{CertificateBody, RegistrationRequest, VenueCertificate};
pub use chain::{ChainHead, ChainState, ChainStatus, Checkpoint, CheckpointBody};
pub use code::{CodeKind, VenueCode};
pub use codec::Codec;
pub use count::{CountPing, CountTag, CountTagRegistration};
pub use envelope::RequestEnvelope;
pub use error::{Error, Result};
pub use exposure::{
    plan_trace, BatchBuilder, BatchMatcher, BatchReader, ExposureBatch, ExposureNotice,
    ExposureRecord, ExposureWindow, Hit, RiskLevel, SignedBatchHeader, TokenIndex, TracePart,
    TracePlan,
};
pub use keys::{DecryptionKey, EncryptionKey, KeyId, PublicKey, SigningKey, TrustAnchors};
pub use purpose::{UploadBody, UploadPurpose};
pub use revocation::{
    Revocation, RevocationList, RevocationListBody, RevocationReason, RevocationSet,
};
pub use sealed::{GuestBookEntry, SealedBundle, SealedMessage, SeedRelease, Upload, UploadEntry};
pub use seed::{MasterSeed, Seed, SlotKeys, SlotToken};
pub use trust::{TrustBundle, TrustBundleBody};
pub use venue::{FieldError, FieldProblem, RegionCode, VenueCategory, VenueInfo};
