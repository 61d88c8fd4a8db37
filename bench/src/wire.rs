//! Wire and QR sizes: bytes per exposure record, and QR versions of venue codes against the
//! anchors' codes.

use qrcode::bits::Bits;
use qrcode::{EcLevel, Version};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::{Codec, ExposureRecord, SlotToken, VenueCode};

use crate::fixture::{self, Authorities, BenchVenue, Filler};
use crate::BenchResult;

/// One QR measurement.
pub struct QrSize {
    pub label: &'static str,
    pub code_bytes: usize,
    pub url_chars: usize,
    pub version: i16,
    /// The level the encoder settled on: M, or higher when that version also holds the data.
    pub ec_level: String,
}

/// The QR version of `url` as the CLI's encoder makes it for a poster or screen
/// (`venuecode::qr::encode_url`): the URL prefix up to `#` as a byte segment, the decimal
/// payload as a numeric segment, in the smallest version that holds them at level M.
pub fn version_mixed(url: &str) -> BenchResult<(i16, String)> {
    let qr = venuecode::qr::encode_url(url)?;
    Ok((qr.version(), format!("{:?}", qr.ec_level())))
}

/// The smallest QR version holding `text` as one byte-mode segment at level M.
pub fn version_bytes(text: &[u8]) -> BenchResult<i16> {
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        if bits
            .push_byte_data(text)
            .and_then(|()| bits.push_terminator(EcLevel::M))
            .is_ok()
        {
            return Ok(v);
        }
    }
    Err("does not fit version 40".into())
}

fn measure(label: &'static str, code: &VenueCode) -> BenchResult<QrSize> {
    let url = code.to_url(DEFAULT_BASE_URL);
    let (version, ec_level) = version_mixed(&url)?;
    Ok(QrSize {
        label,
        code_bytes: code.encode().len(),
        url_chars: url.len(),
        version,
        ec_level,
    })
}

/// A JWT-shaped string of `len` characters (base64url header, payload and signature), as the
/// NHS COVID-19 app's venue posters carried.
pub fn jwt_like(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = Filler::new(0x4e45_5300);
    let mut s = String::from("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.");
    let sig_at = len.saturating_sub(87);
    while s.len() < len {
        if s.len() == sig_at {
            s.push('.');
            continue;
        }
        let b: [u8; 1] = rng.array();
        s.push(char::from(ALPHABET[usize::from(b[0] & 63)]));
    }
    s
}

pub struct Wire {
    pub record_bytes: usize,
    pub qr: Vec<QrSize>,
    pub nhs_chars: usize,
    pub nhs_version: i16,
}

pub fn run() -> BenchResult<Wire> {
    let mut rng = Filler::new(7);
    let rec = ExposureRecord {
        token: SlotToken(rng.array()),
        sealed: rng.array(),
    };
    let mut v = Vec::new();
    rec.encode_into(&mut v);
    let auth = Authorities::fixed()?;
    let typical = BenchVenue::new(&auth, 1, fixture::typical_info()?)?;
    let maximal = BenchVenue::new(&auth, 2, fixture::maximal_info()?)?;
    let now = fixture::T0;
    let qr = vec![
        measure("typical, static", &typical.static_code()?)?,
        measure("typical, rotating", &typical.rotating_code(now)?)?,
        measure("maximal, static", &maximal.static_code()?)?,
        measure("maximal, rotating", &maximal.rotating_code(now)?)?,
    ];
    let nhs = jwt_like(251);
    Ok(Wire {
        record_bytes: v.len(),
        qr,
        nhs_chars: nhs.len(),
        nhs_version: version_bytes(nhs.as_bytes())?,
    })
}
