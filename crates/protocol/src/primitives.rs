//! Thin wrappers over the standard primitives, each enforcing this protocol's policy. Everything
//! cryptographic in the crate goes through here, so the Wycheproof suites test exactly what the
//! protocol runs.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use ring::{digest, hkdf, rand::SecureRandom};
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

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Extract(salt, ikm) (RFC 5869) with SHA-256.
pub fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> hkdf::Prk {
    hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm)
}

/// HKDF-Expand(prk, info, N) with SHA-256; `info` is the concatenation of its parts.
pub fn hkdf_expand<const N: usize>(prk: &hkdf::Prk, info: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    // N is at most 32 everywhere in this crate, far under HKDF's 255 * 32 limit, so expand and
    // fill cannot fail; the fallback keeps the function total without a panic path.
    match prk.expand(info, Len(N)) {
        Ok(okm) => {
            if okm.fill(&mut out).is_err() {
                out = [0u8; N];
            }
        }
        Err(_) => out = [0u8; N],
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
