//! Venue codes: what the QR code carries, as raw bytes and as a URL whose payload sits after `#`
//! in decimal digits (QR numeric mode).

use crate::certificate::VenueCertificate;
use crate::codec::{read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::{SigningKey, TrustAnchors};
use crate::revocation::{RevocationReason, RevocationSet};
use crate::seed::{MasterSeed, Seed, SlotKeys};
use crate::time::{
    local_epoch, Epoch, UnixMinute, CLOCK_SKEW_MINUTES, DEFAULT_DISPLAY_VALIDITY_MINUTES,
    MAX_DISPLAY_VALIDITY_MINUTES,
};

/// Wire version of [`VenueCode`].
pub const CODE_VERSION: u8 = 2;
/// Domain label of the venue's signature binding the seed to the certificate.
pub const CODE_LABEL: &[u8] = b"venuecode/v2/venue-code";
/// Kind byte of a static (poster) code.
pub const KIND_STATIC: u8 = 1;
/// Kind byte of a rotating (screen) code.
pub const KIND_ROTATING: u8 = 2;
/// Largest raw code accepted, in bytes.
pub const MAX_CODE_BYTES: usize = 1024;
/// The base URL used when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://vc.example/c";

/// Static or rotating, with the rotating code's epoch and signed display validity.
///
/// On the wire a rotating code carries `epoch_back u8 | valid_until u32` rather than the epoch:
/// `epoch = local_epoch(valid_until, utc_offset) − epoch_back`, with `epoch_back` 0 or 1 (any
/// other byte is [`Error::NonCanonical`]). `epoch_back = 1` is only valid for a code shown in
/// the last [`MAX_DISPLAY_VALIDITY_MINUTES`] before the venue's local midnight, whose validity
/// runs into the next local day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CodeKind {
    /// A printed poster: the static seed, valid for the certificate's lifetime.
    Static,
    /// A screen: the seed of `epoch`, shown until `valid_until`.
    Rotating {
        /// The venue-local day whose seed this is (computed from `valid_until`, the venue's UTC
        /// offset and the wire's `epoch_back`).
        epoch: Epoch,
        /// First minute at which the displayed code is no longer accepted.
        valid_until: UnixMinute,
    },
}

/// A venue code: certificate, seed and the venue's signature over both.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VenueCode {
    certificate: VenueCertificate,
    kind: CodeKind,
    seed: Seed,
    signature: [u8; 64],
}

impl VenueCode {
    /// The static code a poster carries.
    pub fn new_static(
        certificate: VenueCertificate,
        master: &MasterSeed,
        venue_key: &SigningKey,
    ) -> Result<Self> {
        Self::signed(
            certificate,
            CodeKind::Static,
            master.static_seed(),
            venue_key,
        )
    }

    /// The rotating code a screen shows at `now`, valid for the default display validity.
    pub fn new_rotating(
        certificate: VenueCertificate,
        master: &MasterSeed,
        venue_key: &SigningKey,
        now: UnixMinute,
    ) -> Result<Self> {
        let epoch = local_epoch(now, certificate.body().info.utc_offset());
        let kind = CodeKind::Rotating {
            epoch,
            valid_until: now.saturating_add(DEFAULT_DISPLAY_VALIDITY_MINUTES),
        };
        Self::signed(certificate, kind, master.rotating_seed(epoch), venue_key)
    }

    /// Signs a code with explicit parts; the key must be the certificate's venue key, and a
    /// rotating code's epoch must be the local day of `valid_until` or the day before.
    pub fn signed(
        certificate: VenueCertificate,
        kind: CodeKind,
        seed: Seed,
        venue_key: &SigningKey,
    ) -> Result<Self> {
        if venue_key.public_key() != certificate.body().venue_key {
            return Err(Error::InvalidArgument(
                "venue key does not match the certificate",
            ));
        }
        if epoch_back(&certificate, &kind).is_none() {
            return Err(Error::InvalidArgument(
                "a rotating code's epoch must be the local day of valid_until or the day before",
            ));
        }
        let mut tbs = Vec::new();
        encode_tbs(&certificate, &kind, &seed, &mut tbs);
        let signature = venue_key.sign(CODE_LABEL, &tbs);
        Ok(Self {
            certificate,
            kind,
            seed,
            signature,
        })
    }

    /// The venue certificate.
    pub fn certificate(&self) -> &VenueCertificate {
        &self.certificate
    }
    /// Static or rotating.
    pub fn kind(&self) -> CodeKind {
        self.kind
    }
    /// The seed the phone derives its tokens from.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The slot keys of this code: its seed bound to its certificate's venue key
    /// (`seed.slot_keys(venue_key)`), from which the check-in's tokens and count tags derive.
    pub fn slot_keys(&self) -> SlotKeys {
        self.seed.slot_keys(&self.certificate.body().venue_key)
    }

    /// The venue's UTC offset in quarter hours, from the certificate.
    pub fn utc_offset(&self) -> i8 {
        self.certificate.body().info.utc_offset()
    }

    /// Verifies the code for a check-in at `now`, in the spec's order: RA key id and
    /// certificate signature, venue signature, certificate validity, rotating display validity,
    /// then revocation.
    pub fn verify(
        &self,
        anchors: &TrustAnchors,
        now: UnixMinute,
        revoked: Option<&RevocationSet>,
    ) -> Result<()> {
        self.verify_signatures(anchors)?;
        self.certificate.check_validity(now)?;
        if let CodeKind::Rotating { epoch, valid_until } = self.kind {
            check_rotating(epoch, valid_until, now, self.utc_offset())?;
        }
        match revoked.and_then(|set| set.reason(self.certificate.serial())) {
            None => {}
            Some(RevocationReason::SUPERSEDED) => return Err(Error::Superseded),
            Some(_) => return Err(Error::Revoked),
        }
        Ok(())
    }

    /// Verifies only the two signatures; for the HA, which opens uploads long after the scan.
    pub fn verify_signatures(&self, anchors: &TrustAnchors) -> Result<()> {
        self.certificate.verify_signature(anchors)?;
        let mut tbs = Vec::new();
        encode_tbs(&self.certificate, &self.kind, &self.seed, &mut tbs);
        self.certificate.body().venue_key.verify(
            CODE_LABEL,
            &tbs,
            &self.signature,
            Error::VenueSignatureInvalid,
        )
    }

    /// The decimal digits of the raw encoding (see [`encode_decimal`]).
    pub fn to_digits(&self) -> String {
        encode_decimal(&self.encode())
    }

    /// The URL form: `base#digits`.
    pub fn to_url(&self, base: &str) -> String {
        format!("{base}#{}", self.to_digits())
    }

    /// Parses the URL form (SPEC §10.3), checking the part before `#` with [`is_code_base`]
    /// and that the fragment holds canonical digits.
    pub fn from_url(url: &str) -> Result<Self> {
        let (prefix, fragment) = url.split_once('#').ok_or(Error::InvalidUrl)?;
        if !is_code_base(prefix) {
            return Err(Error::InvalidUrl);
        }
        let bytes = decode_decimal(fragment)?;
        Self::decode(&bytes)
    }

    /// Accepts what a scanner hands over: a URL, or bare digits.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.contains('#') {
            Self::from_url(text)
        } else {
            Self::decode(&decode_decimal(text)?)
        }
    }
}

/// Whether `prefix` may stand before the `#` of a code URL (SPEC §10.3): no white space or
/// control characters, and `https://` (any case) followed by at least one character, or
/// `http://` (any case) to a loopback host (the loopback rule of a trust bundle's URLs, §4.5),
/// for drills and demos on one machine.
pub fn is_code_base(prefix: &str) -> bool {
    if prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let after = |scheme: &str| {
        prefix
            .get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .and_then(|_| prefix.get(scheme.len()..))
    };
    if let Some(rest) = after("https://") {
        !rest.is_empty()
    } else if let Some(rest) = after("http://") {
        crate::trust::is_loopback(rest.split(['/', '?']).next().unwrap_or_default())
    } else {
        false
    }
}

/// The display checks of a rotating code at `now`, in order: stale (`valid_until + skew <=
/// now`), too far ahead (`valid_until > now + 10 + skew`), then the epoch: the local day of
/// `valid_until`, or the day before only when `local_epoch(valid_until − 10) <
/// local_epoch(valid_until)` (a code shown in the ten minutes before local midnight).
fn check_rotating(
    epoch: Epoch,
    valid_until: UnixMinute,
    now: UnixMinute,
    offset_q: i8,
) -> Result<()> {
    if valid_until.saturating_add(CLOCK_SKEW_MINUTES) <= now {
        return Err(Error::CodeStale);
    }
    let latest = now.saturating_add(MAX_DISPLAY_VALIDITY_MINUTES + CLOCK_SKEW_MINUTES);
    if valid_until > latest {
        return Err(Error::CodeValidityInvalid);
    }
    let until_day = local_epoch(valid_until, offset_q);
    let shown_day = local_epoch(
        valid_until.saturating_sub(MAX_DISPLAY_VALIDITY_MINUTES),
        offset_q,
    );
    let ok =
        epoch == until_day || (epoch.checked_add(1) == Some(until_day) && shown_day < until_day);
    if !ok {
        return Err(Error::CodeValidityInvalid);
    }
    Ok(())
}

/// The wire's `epoch_back` of a code kind: 0 for static, `local_epoch(valid_until) − epoch`
/// for rotating, or `None` when that is not 0 or 1.
fn epoch_back(cert: &VenueCertificate, kind: &CodeKind) -> Option<u8> {
    match kind {
        CodeKind::Static => Some(0),
        CodeKind::Rotating { epoch, valid_until } => {
            let day = local_epoch(*valid_until, cert.body().info.utc_offset());
            match day.checked_since(*epoch)? {
                0 => Some(0),
                1 => Some(1),
                _ => None,
            }
        }
    }
}

fn encode_tbs(cert: &VenueCertificate, kind: &CodeKind, seed: &Seed, out: &mut Vec<u8>) {
    out.push(CODE_VERSION);
    match kind {
        CodeKind::Static => out.push(KIND_STATIC),
        CodeKind::Rotating { .. } => out.push(KIND_ROTATING),
    }
    cert.encode_into(out);
    if let CodeKind::Rotating { valid_until, .. } = kind {
        // Construction and decoding both refuse a kind without an epoch_back of 0 or 1.
        out.push(epoch_back(cert, kind).unwrap_or(0));
        out.put_minute(*valid_until);
    }
    out.extend_from_slice(seed.expose());
}

impl Codec for VenueCode {
    fn encode_into(&self, out: &mut Vec<u8>) {
        encode_tbs(&self.certificate, &self.kind, &self.seed, out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        if r.remaining() > MAX_CODE_BYTES {
            return Err(Error::TooLarge);
        }
        read_version(r, CODE_VERSION)?;
        let kind_byte = r.u8()?;
        if kind_byte != KIND_STATIC && kind_byte != KIND_ROTATING {
            return Err(Error::UnknownCodeKind { found: kind_byte });
        }
        let certificate = VenueCertificate::read(r)?;
        let kind = if kind_byte == KIND_ROTATING {
            let back = r.u8()?;
            if back > 1 {
                return Err(Error::NonCanonical);
            }
            let valid_until = r.minute()?;
            let day = local_epoch(valid_until, certificate.body().info.utc_offset());
            CodeKind::Rotating {
                // Day 0 with epoch_back 1 names a day before 1970: no such seed exists.
                epoch: day
                    .checked_sub(u32::from(back))
                    .ok_or(Error::ValueOutOfRange)?,
                valid_until,
            }
        } else {
            CodeKind::Static
        };
        let seed = Seed::from_bytes(r.array()?);
        let signature = r.array()?;
        Ok(Self {
            certificate,
            kind,
            seed,
            signature,
        })
    }
}

/// Bytes per full decimal chunk.
const CHUNK_BYTES: usize = 7;
/// Digits per full chunk: 256^7 < 10^17.
const CHUNK_DIGITS: usize = 17;
/// Digits for a final chunk of 0..=7 bytes: the fewest digits that hold 256^k - 1.
const DIGITS_FOR_BYTES: [usize; 8] = [0, 3, 5, 8, 10, 13, 15, 17];

/// Writes bytes as decimal digits for QR numeric mode: each 7-byte big-endian chunk becomes 17
/// zero-padded digits, and a final chunk of k < 7 bytes becomes `DIGITS_FOR_BYTES[k]` digits.
pub fn encode_decimal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 5 / 2 + CHUNK_DIGITS);
    for chunk in bytes.chunks(CHUNK_BYTES) {
        let mut value: u64 = 0;
        for b in chunk {
            value = (value << 8) | u64::from(*b);
        }
        let width = DIGITS_FOR_BYTES[chunk.len()];
        out.push_str(&format!("{value:0width$}"));
    }
    out
}

/// Reads the decimal form back, accepting only what [`encode_decimal`] produces: ASCII digits
/// only, a final chunk length in the table, and each chunk's value below 256^k.
pub fn decode_decimal(digits: &str) -> Result<Vec<u8>> {
    if digits.is_empty() {
        return Err(Error::Empty);
    }
    if digits.len() > MAX_CODE_BYTES * 3 {
        return Err(Error::TooLarge);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidUrl);
    }
    let full = digits.len() / CHUNK_DIGITS;
    let tail_digits = digits.len() % CHUNK_DIGITS;
    let tail_bytes = DIGITS_FOR_BYTES
        .iter()
        .position(|&d| d == tail_digits)
        .ok_or(Error::NonCanonical)?;
    let mut out = Vec::with_capacity(full * CHUNK_BYTES + tail_bytes);
    let mut rest = digits;
    for i in 0..=full {
        let (n_digits, n_bytes) = if i < full {
            (CHUNK_DIGITS, CHUNK_BYTES)
        } else {
            (tail_digits, tail_bytes)
        };
        if n_bytes == 0 {
            break;
        }
        let (chunk, tail) = rest.split_at_checked(n_digits).ok_or(Error::Truncated)?;
        rest = tail;
        let value: u64 = chunk.parse().map_err(|_| Error::NonCanonical)?;
        if n_bytes < 8 && value >> (8 * n_bytes) != 0 {
            return Err(Error::NonCanonical);
        }
        let be = value.to_be_bytes();
        let start = be.len() - n_bytes;
        out.extend_from_slice(be.get(start..).ok_or(Error::Truncated)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trips_every_tail_length() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255) as u8).collect();
            let digits = encode_decimal(&bytes);
            if len == 0 {
                assert_eq!(decode_decimal(&digits), Err(Error::Empty));
            } else {
                assert_eq!(decode_decimal(&digits).as_deref(), Ok(bytes.as_slice()));
            }
        }
    }

    #[test]
    fn decimal_rejects_out_of_range_chunks() {
        assert_eq!(decode_decimal("255"), Ok(vec![255]));
        assert_eq!(decode_decimal("256"), Err(Error::NonCanonical));
        assert_eq!(decode_decimal("1234"), Err(Error::NonCanonical));
        assert_eq!(decode_decimal("12a"), Err(Error::InvalidUrl));
        assert_eq!(
            decode_decimal("99999999999999999"),
            Err(Error::NonCanonical)
        );
    }
}
