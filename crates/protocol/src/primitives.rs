//! Thin wrappers over the standard primitives, each enforcing this protocol's policy. Everything
//! cryptographic in the crate goes through here, so the Wycheproof suites test exactly what the
//! protocol runs.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use ring::{digest, hmac, rand::SecureRandom};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// An incremental SHA-256, for digests over streams.
#[derive(Clone)]
pub struct Sha256Stream(digest::Context);

impl Sha256Stream {
    /// Starts an empty digest.
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }
    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// Finishes the digest.
    pub fn finish(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

impl Default for Sha256Stream {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Sha256Stream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sha256Stream")
    }
}

/// An HKDF pseudorandom key (RFC 5869, SHA-256), the output of [`hkdf_extract`]. Opaque: it
/// never leaves this crate's wrappers and is never printed.
#[derive(Clone)]
pub struct Prk(hmac::Key);

impl core::fmt::Debug for Prk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Prk(..)")
    }
}

/// HKDF-Extract(salt, ikm) (RFC 5869) with SHA-256: `PRK = HMAC(salt, ikm)`.
pub fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> Prk {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    Prk(hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()))
}

/// HKDF-Expand(prk, info, N) with SHA-256 for `N` of 1 to 32 bytes (checked at compile time);
/// `info` is the concatenation of its parts. One HMAC block, `T(1) = HMAC(PRK, info || 0x01)`,
/// truncated to `N`: total, with no failure path and so no fallback value.
pub fn hkdf_expand<const N: usize>(prk: &Prk, info: &[&[u8]]) -> [u8; N] {
    const {
        assert!(
            N >= 1 && N <= 32,
            "hkdf_expand outputs one SHA-256 block at most"
        )
    };
    let mut ctx = hmac::Context::with_key(&prk.0);
    for part in info {
        ctx.update(part);
    }
    ctx.update(&[1]);
    let tag = ctx.sign();
    let mut out = [0u8; N];
    for (o, t) in out.iter_mut().zip(tag.as_ref()) {
        *o = *t;
    }
    out
}

/// Fills `out` from the operating system's CSPRNG.
pub fn random_bytes(out: &mut [u8]) -> Result<()> {
    ring::rand::SystemRandom::new()
        .fill(out)
        .map_err(|_| Error::RandomnessUnavailable)
}

/// A fresh random array.
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    random_bytes(&mut out)?;
    Ok(out)
}

/// ChaCha20-Poly1305 (RFC 8439) encryption. `nonce` must be 12 bytes.
pub fn aead_seal(key: &[u8; 32], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    if nonce.len() != 12 {
        return Err(Error::InvalidArgument(
            "ChaCha20-Poly1305 nonce must be 12 bytes",
        ));
    }
    let cipher = ChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::TooLarge)
}

/// ChaCha20-Poly1305 decryption; any failure, including a nonce of the wrong size, is
/// [`Error::OpenFailed`].
pub fn aead_open(key: &[u8; 32], nonce: &[u8], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    if nonce.len() != 12 {
        return Err(Error::OpenFailed);
    }
    let cipher = ChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| Error::OpenFailed)
}

/// X25519 (RFC 7748) with the contributory check: an all-zero result, which every low-order
/// public point yields, is refused with [`Error::NonContributory`].
pub fn x25519_agree(secret: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32]> {
    let shared = x25519_dalek::x25519(*secret, *public);
    if bool::from(shared.ct_eq(&[0u8; 32])) {
        return Err(Error::NonContributory);
    }
    Ok(shared)
}

/// True when an X25519 public value lies in the small subgroup (its product with any clamped
/// scalar is zero). Such a recipient key or encapsulated key is refused.
pub fn x25519_is_low_order(public: &[u8; 32]) -> bool {
    // Clamping clears the low three bits, so any clamped scalar kills the 8-torsion component.
    const PROBE: [u8; 32] = [0x42; 32];
    x25519_agree(&PROBE, public).is_err()
}

/// Parses an Ed25519 public key, refusing invalid encodings and small-order (weak) keys.
/// Only the canonical encoding is accepted: a y-coordinate of p or more, which the point
/// decoder would silently reduce, is an invalid encoding.
pub fn ed25519_public(bytes: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey> {
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidPublicKey)?;
    if key.is_weak() {
        return Err(Error::WeakPublicKey);
    }
    if key.to_edwards().compress().as_bytes() != bytes {
        return Err(Error::InvalidPublicKey);
    }
    Ok(key)
}

/// Strict Ed25519 verification (`verify_strict`: canonical `s`, no small-order `R` or key).
/// Returns `Ok(())` or `Err(fail)`, so each caller names its own failure.
pub fn ed25519_verify(
    key: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    signature: &[u8; 64],
    fail: Error,
) -> Result<()> {
    let sig = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(message, &sig).map_err(|_| fail)
}

/// Builds the message a signature covers: the domain label, a zero byte, then the signed bytes.
pub fn signed_message(label: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(label.len() + 1 + body.len());
    m.extend_from_slice(label);
    m.push(0);
    m.extend_from_slice(body);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869 appendix A.1 (SHA-256), truncated to one block, and A.3 (empty salt and info).
    #[test]
    fn hkdf_matches_rfc_5869() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let okm: [u8; 32] = hkdf_expand(&hkdf_extract(&salt, &ikm), &[&info[..5], &info[5..]]);
        assert_eq!(
            hex_of(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
        let okm: [u8; 16] = hkdf_expand(&hkdf_extract(&[], &ikm), &[]);
        assert_eq!(hex_of(&okm), "8da4e775a563c18f715f802a063c5a31");
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
