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
pub mod keys;
pub mod mask;
pub mod primitives;
pub mod purpose;
pub mod revocation;
pub mod sealed;
pub mod seed;
pub mod time;
pub mod trust;
pub mod venue;

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
