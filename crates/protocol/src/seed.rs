//! Venue seeds and everything derived from them: per-epoch seeds for rotating codes, slot tokens,
//! exposure-record seal keys and count tags.
//!
//! Every seed-derived value is bound to the venue's public key: the per-seed key is
//! `HKDF-Extract(salt = SLOT_SALT, ikm = seed || venue_public_key)`. A seed is public to anyone
//! who sees the poster; without the key in the derivation, a stranger could certify a venue of
//! their own, sign a code pairing their certificate with a real venue's seed, and get the real
//! venue's visitors notified for it (the impostor attack of wire version 1).

use core::fmt;

use crate::keys::{PublicKey, Secret32};
use crate::primitives::{hkdf_expand, hkdf_extract};
use crate::time::{Epoch, Slot};

/// HKDF salt for deriving code seeds from a venue master seed.
pub const SEED_SALT: &[u8] = b"venuecode/v2/seed";
/// HKDF info of the static (poster) seed.
pub const STATIC_SEED_INFO: &[u8] = b"static";
/// HKDF info prefix of a rotating seed; the epoch follows as a big-endian u32.
pub const ROTATING_SEED_INFO: &[u8] = b"rotating";
/// HKDF salt for the per-seed-and-venue-key key from which tokens, seal keys and count tags
/// expand.
pub const SLOT_SALT: &[u8] = b"venuecode/v2/slot";
/// HKDF info prefix of a slot token; the slot follows as a big-endian u32.
pub const TOKEN_INFO: &[u8] = b"token";
/// HKDF info prefix of a record seal key; the slot (u32) and the 16-byte batch id follow.
pub const SEAL_INFO: &[u8] = b"seal";
/// HKDF info prefix of a count tag; the epoch follows as a big-endian u32.
pub const COUNT_INFO: &[u8] = b"count";

/// A venue's 32-byte master seed. Only the venue (and its recovery sheet) holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterSeed(Secret32);

impl MasterSeed {
    /// Wraps stored bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Secret32::from_bytes(bytes))
    }

    /// A fresh random master seed.
    pub fn generate() -> crate::Result<Self> {
        Ok(Self(Secret32::generate()?))
    }

    /// The secret bytes, for the recovery sheet and the venue's own store.
    pub fn expose(&self) -> &[u8; 32] {
        self.0.expose()
    }

    /// The seed printed on the static poster.
    pub fn static_seed(&self) -> Seed {
        let prk = hkdf_extract(SEED_SALT, self.0.expose());
        Seed::from_bytes(hkdf_expand(&prk, &[STATIC_SEED_INFO]))
    }

    /// The seed a rotating display shows during `epoch`. One-way: a day's seed reveals neither
    /// the master seed nor any other day's seed.
    pub fn rotating_seed(&self, epoch: Epoch) -> Seed {
        let prk = hkdf_extract(SEED_SALT, self.0.expose());
        Seed::from_bytes(hkdf_expand(
            &prk,
            &[ROTATING_SEED_INFO, &epoch.get().to_be_bytes()],
        ))
    }
}

impl fmt::Debug for MasterSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSeed(..)")
    }
}

/// The 32-byte seed a venue code carries. Whoever holds it can compute and recognise that code's
/// slot tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed(Secret32);

impl Seed {
    /// Wraps seed bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Secret32::from_bytes(bytes))
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8; 32] {
        self.0.expose()
    }

    /// The key from which this seed's slot values expand under `venue_key`:
    /// HKDF-Extract(`SLOT_SALT`, seed || venue_key). The same seed under another venue key
    /// gives unrelated tokens, seal keys and count tags. Computing it once per (seed, key)
    /// keeps token derivation to one HKDF-Expand per slot.
    pub fn slot_keys(&self, venue_key: &PublicKey) -> SlotKeys {
        let mut ikm = zeroize::Zeroizing::new([0u8; 64]);
        ikm[..32].copy_from_slice(self.0.expose());
        ikm[32..].copy_from_slice(venue_key.as_bytes());
        SlotKeys(hkdf_extract(SLOT_SALT, ikm.as_slice()))
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(..)")
    }
}

/// A 128-bit slot token: the public half of an exposure record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotToken(pub [u8; 16]);

impl fmt::Debug for SlotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SlotToken({})", crate::keys::hex(&self.0))
    }
}

/// A 128-bit per-venue-per-epoch count tag.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountTag(pub [u8; 16]);

impl fmt::Debug for CountTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountTag({})", crate::keys::hex(&self.0))
    }
}

/// HKDF-Extract(`SLOT_SALT`, seed || venue_key): the key every slot value of one seed, under one
/// venue key, expands from.
pub struct SlotKeys(crate::primitives::Prk);

impl SlotKeys {
    /// The token for `slot`: HKDF-Expand(prk, "token" || slot, 16).
    pub fn token(&self, slot: Slot) -> SlotToken {
        SlotToken(hkdf_expand(
            &self.0,
            &[TOKEN_INFO, &slot.get().to_be_bytes()],
        ))
    }

    /// The key sealing the record for `slot` in batch `batch_id`: HKDF-Expand(prk, "seal" ||
    /// slot || batch_id, 32). Each (seed, slot, batch) key seals exactly one record, so the
    /// AEAD nonce can be fixed.
    pub fn seal_key(&self, slot: Slot, batch_id: &[u8; 16]) -> Secret32 {
        Secret32::from_bytes(hkdf_expand(
            &self.0,
            &[SEAL_INFO, &slot.get().to_be_bytes(), batch_id],
        ))
    }

    /// The count tag for `epoch`: HKDF-Expand(prk, "count" || epoch, 16).
    pub fn count_tag(&self, epoch: Epoch) -> CountTag {
        CountTag(hkdf_expand(
            &self.0,
            &[COUNT_INFO, &epoch.get().to_be_bytes()],
        ))
    }
}

impl fmt::Debug for SlotKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SlotKeys(..)")
    }
}
