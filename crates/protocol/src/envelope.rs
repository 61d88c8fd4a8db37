//! Signed request envelopes: how the server authenticates RA, HA and venue requests.
//!
//! The envelope travels in the `Venuecode-Signature` header as unpadded base64url. It signs the
//! method, the path with query, the SHA-256 of the body, a timestamp and a random nonce. The
//! server checks the timestamp window and remembers nonces to refuse replays.

use base64::Engine as _;

use crate::codec::{read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::{KeyId, PublicKey, SigningKey};
use crate::primitives::sha256;

/// Wire version of [`RequestEnvelope`].
pub const ENVELOPE_VERSION: u8 = 2;
/// Domain label of a request signature.
pub const REQUEST_LABEL: &[u8] = b"venuecode/v2/request";
/// The HTTP header that carries the envelope.
pub const SIGNATURE_HEADER: &str = "venuecode-signature";
/// Seconds a request timestamp may differ from the server clock.
pub const REQUEST_SKEW_SECONDS: u64 = 300;
/// Longest method accepted.
pub const MAX_METHOD_BYTES: usize = 16;
/// Longest path (with query) accepted.
pub const MAX_PATH_BYTES: usize = 2048;

/// A signed request envelope.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RequestEnvelope {
    /// The signer's key id.
    pub key_id: KeyId,
    /// Unix seconds when the request was signed.
    pub timestamp: u64,
    /// A random nonce, unique per request.
    pub nonce: [u8; 16],
    /// The signature.
    pub signature: [u8; 64],
}

fn tbs(
    key_id: &KeyId,
    timestamp: u64,
    nonce: &[u8; 16],
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Vec<u8>> {
    tbs_digest(key_id, timestamp, nonce, method, path, &sha256(&[body]))
}

fn tbs_digest(
    key_id: &KeyId,
    timestamp: u64,
    nonce: &[u8; 16],
    method: &str,
    path: &str,
    body_digest: &[u8; 32],
) -> Result<Vec<u8>> {
    let mut m = Vec::with_capacity(96 + path.len());
    m.push(ENVELOPE_VERSION);
    m.extend_from_slice(&key_id.0);
    m.put_u64(timestamp);
    m.extend_from_slice(nonce);
    m.put_bytes_u8(method.as_bytes(), MAX_METHOD_BYTES)?;
    m.put_bytes_u16(path.as_bytes(), MAX_PATH_BYTES)?;
    m.extend_from_slice(body_digest);
    Ok(m)
}

impl RequestEnvelope {
    /// Signs a request with a given timestamp and nonce.
    pub fn sign_with(
        key: &SigningKey,
        method: &str,
        path: &str,
        body: &[u8],
        timestamp: u64,
        nonce: [u8; 16],
    ) -> Result<Self> {
        let key_id = key.key_id();
        let m = tbs(&key_id, timestamp, &nonce, method, path, body)?;
        Ok(Self {
            key_id,
            timestamp,
            nonce,
            signature: key.sign(REQUEST_LABEL, &m),
        })
    }

    /// Signs a request at `timestamp` with a fresh random nonce.
    pub fn sign(
        key: &SigningKey,
        method: &str,
        path: &str,
        body: &[u8],
        timestamp: u64,
    ) -> Result<Self> {
        Self::sign_with(
            key,
            method,
            path,
            body,
            timestamp,
            crate::primitives::random_array()?,
        )
    }

    /// Verifies in order: the key id names `key`, the timestamp is within the skew window of
    /// `now`, then the signature over this method, path and body. Replay is the caller's check.
    pub fn verify(
        &self,
        key: &PublicKey,
        method: &str,
        path: &str,
        body: &[u8],
        now: u64,
    ) -> Result<()> {
        self.verify_digest(key, method, path, &sha256(&[body]), now)
    }

    /// [`Self::verify`] given the SHA-256 of the body rather than the body, for a caller that
    /// hashed it as it arrived or in steps (a server hashing a large body).
    pub fn verify_digest(
        &self,
        key: &PublicKey,
        method: &str,
        path: &str,
        body_digest: &[u8; 32],
        now: u64,
    ) -> Result<()> {
        if self.key_id != key.key_id() {
            return Err(Error::UnknownKeyId);
        }
        if self.timestamp.abs_diff(now) > REQUEST_SKEW_SECONDS {
            return Err(Error::RequestTimestampOutOfWindow);
        }
        let m = tbs_digest(
            &self.key_id,
            self.timestamp,
            &self.nonce,
            method,
            path,
            body_digest,
        )
        .map_err(|_| Error::RequestSignatureInvalid)?;
        key.verify(
            REQUEST_LABEL,
            &m,
            &self.signature,
            Error::RequestSignatureInvalid,
        )
    }

    /// The header value: unpadded base64url of the encoding.
    pub fn to_header(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.encode())
    }

    /// Parses a header value.
    pub fn from_header(value: &str) -> Result<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value.trim())
            .map_err(|_| Error::NonCanonical)?;
        Self::decode(&bytes)
    }
}

impl Codec for RequestEnvelope {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(ENVELOPE_VERSION);
        out.extend_from_slice(&self.key_id.0);
        out.put_u64(self.timestamp);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, ENVELOPE_VERSION)?;
        Ok(Self {
            key_id: KeyId(r.array()?),
            timestamp: r.u64()?,
            nonce: r.array()?,
            signature: r.array()?,
        })
    }
}

/// Domain label of a TAN hash.
pub const TAN_LABEL: &[u8] = b"venuecode/v2/tan";
/// Shortest TAN accepted.
pub const MIN_TAN_CHARS: usize = 10;
/// Longest TAN accepted.
pub const MAX_TAN_CHARS: usize = 64;

/// Checks a TAN's text: 10 to 64 printable ASCII characters (`!` to `~`).
pub fn check_tan(tan: &str) -> Result<()> {
    let ok = (MIN_TAN_CHARS..=MAX_TAN_CHARS).contains(&tan.len())
        && tan.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(
            "a TAN is 10 to 64 printable ASCII characters",
        ))
    }
}

/// SHA-256(`TAN_LABEL` || 0x00 || tan): what the server stores instead of a TAN, and what an
/// upload's `Venuecode-Tan-Hash` header carries (as [`tan_hash_hex`]). Refuses a TAN that is
/// not 10 to 64 printable ASCII characters.
pub fn tan_hash(tan: &str) -> Result<[u8; 32]> {
    check_tan(tan)?;
    Ok(sha256(&[TAN_LABEL, &[0], tan.as_bytes()]))
}

/// The `Venuecode-Tan-Hash` header value: 64 lowercase hex digits of [`tan_hash`].
pub fn tan_hash_hex(tan: &str) -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in tan_hash(tan)? {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(out)
}

/// Parses a `Venuecode-Tan-Hash` header value: exactly 64 lowercase hex digits.
pub fn parse_tan_hash(value: &str) -> Result<[u8; 32]> {
    if value.len() != 64
        || !value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(Error::InvalidArgument(
            "a TAN hash is 64 lowercase hex digits",
        ));
    }
    let digit = |b: u8| {
        if b.is_ascii_digit() {
            b - b'0'
        } else {
            b - b'a' + 10
        }
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(value.as_bytes().chunks_exact(2)) {
        *o = (digit(pair[0]) << 4) | digit(pair[1]);
    }
    Ok(out)
}
