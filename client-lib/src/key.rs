//! The diary key the app supplies from the platform keystore, and the keys derived from it.

use core::fmt;

use venuecode_protocol::kdf::{hkdf_expand, hkdf_extract};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// HKDF salt for the keys derived from a diary key.
pub const DIARY_KEY_SALT: &[u8] = b"venuecode/client/v1/diary";

/// The 32-byte key that opens a diary. The library never writes it anywhere; it is zeroized on
/// drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DiaryKey([u8; 32]);

impl DiaryKey {
    /// Wraps key bytes from the platform keystore.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key, for an app creating its first diary.
    pub fn generate() -> crate::Result<Self> {
        Ok(Self(venuecode_protocol::rand::random_array()?))
    }

    /// The key bytes, for the app to store in its keystore.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Derives the purpose-bound subkey `info`.
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    pub(crate) fn derive(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let prk = hkdf_extract(DIARY_KEY_SALT, &self.0);
        Zeroizing::new(hkdf_expand(&prk, &[info]))
    }
}

impl From<[u8; 32]> for DiaryKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for DiaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DiaryKey(..)")
    }
}
