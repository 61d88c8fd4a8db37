//! The trust bundle: the RA-signed list of the keys and URLs a client trusts.
//!
//! A bundle ships with the app (or is installed from a file); the client never takes keys from
//! the network on first use. A first install must be self-signed by one of the bundle's own RA
//! keys ([`TrustBundle::verify_initial`]); an update must be signed by an RA key of the bundle
//! the client already holds and carry a higher sequence ([`TrustBundle::verify_update`]).
//!
//! Wire: `version u8 = 2 | sequence u64 | issued_at u32 | ra_key_count u8 (1..=4) | ra_keys
//! [32]… | ha_key_count u8 (1..=4) | ha_signing_keys [32]… | ha_encryption_key [32] |
//! server_url (u8 length, 1..=200 bytes) | code_base_url (u8 length, 1..=200 bytes) |
//! signer_key_id [8] | signature [64]`, signed under label `"venuecode/v2/trust-bundle"` over
//! every byte before the signature.

use crate::codec::{count_u8, read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::{EncryptionKey, KeyId, PublicKey, SigningKey, TrustAnchors};
use crate::time::UnixMinute;

/// Wire version of [`TrustBundle`].
pub const TRUST_BUNDLE_VERSION: u8 = 2;
/// Domain label of the RA's trust-bundle signature.
pub const TRUST_BUNDLE_LABEL: &[u8] = b"venuecode/v2/trust-bundle";
/// Most RA keys, and most HA signing keys, in one bundle.
pub const MAX_BUNDLE_KEYS: usize = 4;
/// Longest URL in a bundle, in bytes.
pub const MAX_BUNDLE_URL_BYTES: usize = 200;

/// The fields of a trust bundle that the signature covers, besides the signer's key id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrustBundleBody {
    /// Increases with every bundle the RA issues, from 1 (0 is [`Error::ValueOutOfRange`]).
    pub sequence: u64,
    /// When the bundle was issued, in Unix minutes.
    pub issued_at: UnixMinute,
    /// The trusted RA keys: 1 to 4, no repeats.
    pub ra_keys: Vec<PublicKey>,
    /// The trusted HA signing keys: 1 to 4, no repeats.
    pub ha_signing_keys: Vec<PublicKey>,
    /// The HA's X25519 key, to which uploads, guest-book entries and seed releases are sealed.
    pub ha_encryption_key: EncryptionKey,
    /// The server's base URL (`https://…`; `http://` only to a loopback host).
    pub server_url: String,
    /// The base URL of venue-code QR URLs (same rule).
    pub code_base_url: String,
}

impl TrustBundleBody {
    fn check(&self) -> Result<()> {
        if self.sequence == 0 {
            return Err(Error::ValueOutOfRange);
        }
        check_keys(&self.ra_keys)?;
        check_keys(&self.ha_signing_keys)?;
        check_url(&self.server_url)?;
        check_url(&self.code_base_url)
    }

    fn encode_tbs(&self, signer: &KeyId, out: &mut Vec<u8>) {
        out.push(TRUST_BUNDLE_VERSION);
        out.put_u64(self.sequence);
        out.put_minute(self.issued_at);
        for keys in [&self.ra_keys, &self.ha_signing_keys] {
            // Invariant: `sign` (through `check`) and the decoder bound both lists by
            // MAX_BUNDLE_KEYS, and the URLs by MAX_BUNDLE_URL_BYTES.
            let n = count_u8(keys.len());
            out.push(n);
            for k in keys.iter().take(usize::from(n)) {
                out.extend_from_slice(k.as_bytes());
            }
        }
        out.extend_from_slice(self.ha_encryption_key.as_bytes());
        out.put_prefixed_u8(self.server_url.as_bytes());
        out.put_prefixed_u8(self.code_base_url.as_bytes());
        out.extend_from_slice(&signer.0);
    }
}

fn check_keys(keys: &[PublicKey]) -> Result<()> {
    if keys.is_empty() {
        return Err(Error::NonCanonical);
    }
    if keys.len() > MAX_BUNDLE_KEYS {
        return Err(Error::TooLarge);
    }
    for (i, k) in keys.iter().enumerate() {
        if keys.iter().skip(i + 1).any(|o| o == k) {
            return Err(Error::NonCanonical);
        }
    }
    Ok(())
}

/// Checks a bundle URL: 1 to 200 bytes of printable ASCII (no white space, no control
/// characters), `https://` followed by a host, or `http://` to a loopback host (`localhost`,
/// `127.0.0.0/8`, `[::1]`, with an optional port); no user info (`@`) and no fragment (`#`).
pub fn check_url(url: &str) -> Result<()> {
    if url.is_empty() {
        return Err(Error::NonCanonical);
    }
    if url.len() > MAX_BUNDLE_URL_BYTES {
        return Err(Error::TooLarge);
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) || url.contains('#') {
        return Err(Error::InvalidUrl);
    }
    let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(Error::InvalidUrl);
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(Error::InvalidUrl);
    }
    if secure || is_loopback(authority) {
        Ok(())
    } else {
        Err(Error::InvalidUrl)
    }
}

/// Whether an URL authority (`host` or `host:port`) names a loopback host.
pub(crate) fn is_loopback(authority: &str) -> bool {
    let host = if authority.starts_with('[') {
        match authority.split_once(']') {
            Some((h, port)) if port.is_empty() || is_port(port) => h.trim_start_matches('['),
            _ => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((h, port)) if is_port(&format!(":{port}")) => h,
            Some(_) => return false,
            None => authority,
        }
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Ok(v6) = host.parse::<std::net::Ipv6Addr>() {
        return authority.starts_with('[') && v6.is_loopback();
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|v4| v4.is_loopback())
}

fn is_port(s: &str) -> bool {
    s.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// An RA-signed trust bundle.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrustBundle {
    body: TrustBundleBody,
    signer_key_id: KeyId,
    signature: [u8; 64],
}

impl TrustBundle {
    /// Signs a bundle with an RA key: one of the body's own RA keys for a first bundle, or a
    /// key of the bundle it replaces for a rotation.
    pub fn sign(body: TrustBundleBody, ra: &SigningKey) -> Result<Self> {
        body.check()?;
        let signer_key_id = ra.key_id();
        let mut tbs = Vec::new();
        body.encode_tbs(&signer_key_id, &mut tbs);
        let signature = ra.sign(TRUST_BUNDLE_LABEL, &tbs);
        Ok(Self {
            body,
            signer_key_id,
            signature,
        })
    }

    /// The signed fields.
    pub fn body(&self) -> &TrustBundleBody {
        &self.body
    }

    /// The key id of the RA key that signed.
    pub fn signer_key_id(&self) -> KeyId {
        self.signer_key_id
    }

    /// The bundle's sequence.
    pub fn sequence(&self) -> u64 {
        self.body.sequence
    }

    fn verify_with(&self, keys: &[PublicKey]) -> Result<()> {
        let signer = keys
            .iter()
            .find(|k| k.key_id() == self.signer_key_id)
            .ok_or(Error::UnknownKeyId)?;
        let mut tbs = Vec::new();
        self.body.encode_tbs(&self.signer_key_id, &mut tbs);
        signer.verify(
            TRUST_BUNDLE_LABEL,
            &tbs,
            &self.signature,
            Error::TrustBundleSignatureInvalid,
        )
    }

    /// Verifies a bundle installed with nothing before it: the signer must be one of the
    /// bundle's own RA keys ([`Error::UnknownKeyId`]) and the signature must verify
    /// ([`Error::TrustBundleSignatureInvalid`]). Who may ship such a bundle is the app's
    /// decision; this only proves it is whole.
    pub fn verify_initial(&self) -> Result<()> {
        self.verify_with(&self.body.ra_keys)
    }

    /// Verifies a bundle replacing `current`: the signer must be an RA key of `current`
    /// ([`Error::UnknownKeyId`]), the signature must verify
    /// ([`Error::TrustBundleSignatureInvalid`]), and the sequence must be higher than
    /// `current`'s ([`Error::Rollback`]).
    pub fn verify_update(&self, current: &TrustBundle) -> Result<()> {
        self.verify_with(&current.body.ra_keys)?;
        if self.body.sequence <= current.body.sequence {
            return Err(Error::Rollback);
        }
        Ok(())
    }

    /// The RA and HA signing keys as trust anchors.
    pub fn anchors(&self) -> TrustAnchors {
        let mut anchors = TrustAnchors::default();
        for k in &self.body.ra_keys {
            anchors.add_ra(*k);
        }
        for k in &self.body.ha_signing_keys {
            anchors.add_ha(*k);
        }
        anchors
    }

    /// The HA's encryption key.
    pub fn ha_encryption_key(&self) -> EncryptionKey {
        self.body.ha_encryption_key
    }

    /// The server's base URL.
    pub fn server_url(&self) -> &str {
        &self.body.server_url
    }

    /// The base URL of venue-code QR URLs.
    pub fn code_base_url(&self) -> &str {
        &self.body.code_base_url
    }
}

fn read_keys(r: &mut Reader<'_>) -> Result<Vec<PublicKey>> {
    let n = usize::from(r.u8()?);
    if n == 0 {
        return Err(Error::NonCanonical);
    }
    if n > MAX_BUNDLE_KEYS {
        return Err(Error::TooLarge);
    }
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        keys.push(PublicKey::from_bytes(&r.array()?)?);
    }
    Ok(keys)
}

fn read_url(r: &mut Reader<'_>) -> Result<String> {
    let raw = r.bytes_u8(MAX_BUNDLE_URL_BYTES)?;
    let url = core::str::from_utf8(raw).map_err(|_| Error::InvalidUtf8)?;
    check_url(url)?;
    Ok(url.to_owned())
}

impl Codec for TrustBundle {
    fn encode_into(&self, out: &mut Vec<u8>) {
        self.body.encode_tbs(&self.signer_key_id, out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, TRUST_BUNDLE_VERSION)?;
        let sequence = r.u64()?;
        let issued_at = r.minute()?;
        let ra_keys = read_keys(r)?;
        let ha_signing_keys = read_keys(r)?;
        let ha_encryption_key = EncryptionKey::from_bytes(&r.array()?)?;
        let server_url = read_url(r)?;
        let code_base_url = read_url(r)?;
        let body = TrustBundleBody {
            sequence,
            issued_at,
            ra_keys,
            ha_signing_keys,
            ha_encryption_key,
            server_url,
            code_base_url,
        };
        body.check()?;
        let signer_key_id = KeyId(r.array()?);
        let signature = r.array()?;
        Ok(Self {
            body,
            signer_key_id,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;
    use crate::Error;

    #[test]
    fn bundle_urls() {
        for ok in [
            "https://vc.example",
            "https://vc.example/c",
            "https://vc.example:8443/api?x=1",
            "http://localhost:8080",
            "http://127.0.0.1:3000/",
            "http://127.8.9.10",
            "http://[::1]:8080/x",
            "http://LOCALHOST",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://vc.example",
            "http://127.0.0.1@vc.example",
            "http://localhost.vc.example",
            "http://128.0.0.1",
            "http://[::2]",
            "http://::1",
            "http://localhost:",
            "http://localhost:80a",
            "ftp://vc.example",
            "https://",
            "https:///path",
            "https://vc.example/c#x",
            "https://vc example",
            "https://vc.example/\u{85}",
            "HTTPS://vc.example",
        ] {
            assert_eq!(check_url(bad), Err(Error::InvalidUrl), "{bad}");
        }
        assert_eq!(check_url(""), Err(Error::NonCanonical));
        assert_eq!(
            check_url(&format!("https://{}", "a".repeat(200))),
            Err(Error::TooLarge)
        );
    }
}
