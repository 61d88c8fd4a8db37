//! Keys and key ids for the registration authority (RA), the health authority (HA) and venues.

use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::primitives;
pub use crate::primitives::{signed_message, x25519_agree, x25519_is_low_order};

/// Label hashed into every key id.
pub const KEY_ID_LABEL: &[u8] = b"venuecode/v2/key-id";

/// An 8-byte key id: the first 8 bytes of SHA-256(`KEY_ID_LABEL` || 0x00 || algorithm || public
/// key), where algorithm is 0x01 for Ed25519 and 0x02 for X25519.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    fn derive(algorithm: u8, public: &[u8; 32]) -> Self {
        let d = primitives::sha256(&[KEY_ID_LABEL, &[0, algorithm], public]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&d[..8]);
        Self(id)
    }

    /// Lower-case hex, as shown to people and in file names.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// An Ed25519 public key that has passed the strict checks: a valid point, not of small order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; 32],
    key: ed25519_dalek::VerifyingKey,
}

impl PublicKey {
    /// Parses and checks a public key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        let key = primitives::ed25519_public(bytes)?;
        Ok(Self { bytes: *bytes, key })
    }

    /// The 32 encoded bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// This key's id.
    pub fn key_id(&self) -> KeyId {
        KeyId::derive(1, &self.bytes)
    }

    /// Strictly verifies `signature` over `label || 0x00 || body`, failing with `fail`.
    pub fn verify(
        &self,
        label: &[u8],
        body: &[u8],
        signature: &[u8; 64],
        fail: Error,
    ) -> Result<()> {
        let msg = primitives::signed_message(label, body);
        primitives::ed25519_verify(&self.key, &msg, signature, fail)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex(&self.bytes))
    }
}

/// An Ed25519 signing key: the RA's, the HA's, or a venue's. Zeroized on drop; `Debug` shows
/// only the key id.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// A fresh key from the system CSPRNG.
    pub fn generate() -> Result<Self> {
        let seed = Zeroizing::new(primitives::random_array::<32>()?);
        Self::from_seed(&seed)
    }

    /// The key whose RFC 8032 secret seed is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self> {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = PublicKey::from_bytes(key.verifying_key().as_bytes())?;
        Ok(Self { key, public })
    }

    /// The RFC 8032 secret seed, for storage by the owner only.
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The public key's id.
    pub fn key_id(&self) -> KeyId {
        self.public.key_id()
    }

    /// Signs `label || 0x00 || body`.
    pub fn sign(&self, label: &[u8], body: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        let msg = primitives::signed_message(label, body);
        self.key.sign(&msg).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// The health authority's X25519 public key, to which uploads, guest-book entries and seed
/// releases are sealed with HPKE.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncryptionKey {
    bytes: [u8; 32],
}

impl EncryptionKey {
    /// Parses a recipient key, refusing low-order points.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        if primitives::x25519_is_low_order(bytes) {
            return Err(Error::NonContributory);
        }
        Ok(Self { bytes: *bytes })
    }

    /// The 32 encoded bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// This key's id.
    pub fn key_id(&self) -> KeyId {
        KeyId::derive(2, &self.bytes)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey({})", hex(&self.bytes))
    }
}

/// The health authority's X25519 secret key. Zeroized on drop; `Debug` shows only the key id.
#[derive(Clone)]
pub struct DecryptionKey {
    secret: Zeroizing<[u8; 32]>,
    public: EncryptionKey,
}

impl DecryptionKey {
    /// A fresh key from the system CSPRNG.
    pub fn generate() -> Result<Self> {
        let ikm = Zeroizing::new(primitives::random_array::<32>()?);
        Self::derive(&ikm)
    }

    /// The key pair RFC 9180 `DeriveKeyPair(ikm)` gives for DHKEM(X25519, HKDF-SHA256).
    pub fn derive(ikm: &[u8; 32]) -> Result<Self> {
        use hpke::{Kem as _, Serializable};
        let (sk, _) = hpke::kem::X25519HkdfSha256::derive_keypair(ikm);
        let mut secret = Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(&sk.to_bytes());
        Self::from_secret(&secret)
    }

    /// The key with this X25519 secret scalar (as stored).
    pub fn from_secret(secret: &[u8; 32]) -> Result<Self> {
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret));
        Ok(Self {
            secret: Zeroizing::new(*secret),
            public: EncryptionKey::from_bytes(public.as_bytes())?,
        })
    }

    /// The secret scalar, for storage by the owner only.
    pub fn to_secret(&self) -> Zeroizing<[u8; 32]> {
        self.secret.clone()
    }

    /// The public half.
    pub fn public_key(&self) -> EncryptionKey {
        self.public
    }

    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

/// The keys a client or server trusts, by role, looked up by key id. Several keys per role let
/// authorities rotate keys.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    ra: Vec<PublicKey>,
    ha: Vec<PublicKey>,
}

impl TrustAnchors {
    /// Trust anchors with one RA key and one HA signing key.
    pub fn new(ra: PublicKey, ha: PublicKey) -> Self {
        Self {
            ra: vec![ra],
            ha: vec![ha],
        }
    }

    /// Adds another trusted RA key.
    pub fn add_ra(&mut self, key: PublicKey) {
        self.ra.push(key);
    }

    /// Adds another trusted HA signing key.
    pub fn add_ha(&mut self, key: PublicKey) {
        self.ha.push(key);
    }

    /// The RA key with this id.
    pub fn ra(&self, id: &KeyId) -> Result<&PublicKey> {
        self.ra
            .iter()
            .find(|k| k.key_id() == *id)
            .ok_or(Error::UnknownKeyId)
    }

    /// The HA signing key with this id.
    pub fn ha(&self, id: &KeyId) -> Result<&PublicKey> {
        self.ha
            .iter()
            .find(|k| k.key_id() == *id)
            .ok_or(Error::UnknownKeyId)
    }
}

/// A 32-byte secret (a venue master seed or a code seed). Zeroized on drop, compared in constant
/// time, never printed.
#[derive(Clone, Zeroize, zeroize::ZeroizeOnDrop)]
pub struct Secret32([u8; 32]);

impl Secret32 {
    /// Wraps secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Fresh random bytes.
    pub fn generate() -> Result<Self> {
        Ok(Self(primitives::random_array()?))
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for Secret32 {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Secret32 {}

impl fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret32(..)")
    }
}
