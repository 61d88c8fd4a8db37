//! Shared checks for the fuzz targets: whatever a decoder accepts must re-encode to exactly the
//! bytes it came from (the canonical-encoding rule), and nothing may panic.
#![forbid(unsafe_code)]

use venuecode_protocol::Codec;

/// Decodes `data` as `T`; if that succeeds, asserts that the re-encoding is byte-identical.
/// Returns the decoded value for target-specific checks.
pub fn canonical<T: Codec>(data: &[u8]) -> Option<T> {
    let value = T::decode(data).ok()?;
    assert_eq!(
        value.encode(),
        data,
        "{} accepted a non-canonical encoding",
        core::any::type_name::<T>()
    );
    Some(value)
}

/// Fixed keys, so targets can also run the verification and opening paths on what decodes:
/// those must refuse forged input without panicking.
pub struct FuzzKeys {
    /// RA and HA signing keys as trust anchors.
    pub anchors: venuecode_protocol::TrustAnchors,
    /// The HA's decryption key.
    pub ha_enc: venuecode_protocol::DecryptionKey,
    /// A venue's public key.
    pub venue: venuecode_protocol::PublicKey,
}

/// The fixed keys, derived once (the same seeds as the seed corpus uses).
pub fn keys() -> &'static FuzzKeys {
    use venuecode_protocol::{DecryptionKey, SigningKey, TrustAnchors};
    static KEYS: std::sync::OnceLock<FuzzKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let key = |b: u8| SigningKey::from_seed(&[b; 32]).expect("valid seed");
        FuzzKeys {
            anchors: TrustAnchors::new(key(1).public_key(), key(2).public_key()),
            ha_enc: DecryptionKey::derive(&[3; 32]).expect("valid ikm"),
            venue: key(4).public_key(),
        }
    })
}
