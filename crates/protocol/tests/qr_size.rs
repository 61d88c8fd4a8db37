//! The QR size budget: a poster's code must stay scannable from an A4 sheet, which we take as
//! QR version 15 or less at error-correction level M.
//!
//! The URL is encoded in two segments: the prefix up to and including `#` in byte mode and the
//! decimal payload in numeric mode (3.33 bits per digit instead of 8), which is why the payload
//! is decimal at all. The rendered symbol is then read back by an independent decoder (rqrr)
//! and must give the identical venue code.
//!
//! The encoder lives here, not in the protocol crate, which must not depend on qrcode.
#![allow(clippy::unwrap_used)]

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::{UnixMinute, EPOCH_MINUTES};
use venuecode_protocol::venue::{MAX_ADDRESS_BYTES, MAX_NAME_BYTES};
use venuecode_protocol::*;

/// The poster budget.
const MAX_POSTER_VERSION: i16 = 15;
/// 2025-02-20 in Unix minutes.
const NOW: UnixMinute = UnixMinute::new(29_000_000);

/// A symbol with its version number and how many of that version's data bits it uses.
struct Fitted {
    qr: QrCode,
    version: i16,
    used_bits: usize,
    capacity_bits: usize,
}

/// Encodes a venue-code URL at level M in the smallest version that holds it: the prefix through
/// `#` as a byte segment, the digits after it as a numeric segment.
fn encode_mixed(url: &str) -> Fitted {
    let split = url.find('#').unwrap() + 1;
    let (prefix, digits) = url.split_at(split);
    assert!(
        digits.bytes().all(|b| b.is_ascii_digit()),
        "payload is digits"
    );
    smallest_version(|bits| {
        bits.push_byte_data(prefix.as_bytes())?;
        bits.push_numeric_data(digits.as_bytes())
    })
}

/// The same URL as one byte segment, for comparison.
fn encode_bytes_only(url: &str) -> Fitted {
    smallest_version(|bits| bits.push_byte_data(url.as_bytes()))
}

/// Tries versions 1 to 40 in order and keeps the first whose capacity at level M holds the
/// segments `push` writes (segment headers depend on the version, so each is tried anew).
fn smallest_version(push: impl Fn(&mut Bits) -> qrcode::types::QrResult<()>) -> Fitted {
    for v in 1..=40i16 {
        let mut bits = Bits::new(Version::Normal(v));
        if push(&mut bits).is_err() {
            continue;
        }
        let used_bits = bits.len();
        let capacity_bits = bits.max_len(EcLevel::M).unwrap();
        if bits.push_terminator(EcLevel::M).is_err() {
            continue;
        }
        return Fitted {
            qr: QrCode::with_bits(bits, EcLevel::M).unwrap(),
            version: v,
            used_bits,
            capacity_bits,
        };
    }
    panic!("does not fit in any QR version at level M");
}

/// Renders the symbol as a greyscale image (4-module quiet zone, `scale` pixels per module),
/// has rqrr find and decode it, and returns the text and the version rqrr read.
fn read_back(code: &QrCode, scale: usize) -> (String, usize) {
    let quiet = 4;
    let w = code.width();
    let colors = code.to_colors();
    let side = (w + 2 * quiet) * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let inside = (quiet..quiet + w).contains(&mx) && (quiet..quiet + w).contains(&my);
        if inside && colors[(my - quiet) * w + (mx - quiet)] == Color::Dark {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "rqrr finds exactly one symbol");
    let (meta, text) = grids[0].decode().unwrap();
    (text, meta.version.0)
}

struct Fixture {
    venue_key: SigningKey,
    ra: SigningKey,
    master: MasterSeed,
}

fn fixture() -> Fixture {
    Fixture {
        ra: SigningKey::from_seed(&[1; 32]).unwrap(),
        venue_key: SigningKey::from_seed(&[4; 32]).unwrap(),
        master: MasterSeed::from_bytes([5; 32]),
    }
}

fn certificate(f: &Fixture, name: &str, address: &str) -> VenueCertificate {
    let info = VenueInfo::new(
        name,
        address,
        RegionCode::new(620105).unwrap(),
        VenueCategory::RESTAURANT,
        60,
        32,
    )
    .unwrap();
    VenueCertificate::sign(
        CertificateBody {
            ra_key_id: f.ra.key_id(),
            // The widest values: sizes are fixed, but keep the test honest if that changes.
            serial: u64::MAX,
            venue_key: f.venue_key.public_key(),
            info,
            valid_from: NOW - EPOCH_MINUTES,
            valid_until: NOW + 365 * EPOCH_MINUTES,
        },
        &f.ra,
    )
    .unwrap()
}

/// 20 Chinese characters.
const NAME_20: &str = "兰州市安宁区马子禄牛肉面北滨河路旗舰总店";
/// 30 Chinese characters.
const ADDRESS_30: &str = "甘肃省兰州市安宁区北滨河西路与万新路交叉口东南角壹号楼一层铺";

/// Encodes `code` both ways, reads the mixed symbol back, checks it, and reports the sizes.
/// Returns the mixed and byte-only versions.
fn measure(label: &str, code: &VenueCode) -> (i16, i16) {
    let url = code.to_url(DEFAULT_BASE_URL);
    let fitted = encode_mixed(&url);
    let (qr, mixed) = (&fitted.qr, fitted.version);
    let bytes_only = encode_bytes_only(&url).version;
    // What the qrcode crate's own segment optimiser picks, for the record.
    let auto = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
    println!(
        "{label}: raw {} bytes, {} digits, URL {} chars -> mixed segments v{mixed} \
         ({}x{} modules, {} of {} data bits), byte mode v{bytes_only}, qrcode auto {:?}",
        code.encode().len(),
        code.to_digits().len(),
        url.len(),
        qr.width(),
        qr.width(),
        fitted.used_bits,
        fitted.capacity_bits,
        auto.version(),
    );
    assert_eq!(qr.version(), Version::Normal(mixed));
    assert_eq!(qr.error_correction_level(), EcLevel::M);

    // An independent decoder reads the rendered symbol and gets the same code back.
    let (text, read_version) = read_back(qr, 4);
    assert_eq!(read_version, mixed as usize);
    assert_eq!(text, url);
    let scanned = VenueCode::parse(&text).unwrap();
    assert_eq!(&scanned, code);
    assert_eq!(scanned.encode(), code.encode());
    (mixed, bytes_only)
}

#[test]
fn static_and_rotating_codes_with_chinese_name_fit_version_15() {
    assert_eq!(NAME_20.chars().count(), 20);
    assert_eq!(ADDRESS_30.chars().count(), 30);
    assert_eq!(DEFAULT_BASE_URL, "https://vc.example/c");
    let f = fixture();
    let cert = certificate(&f, NAME_20, ADDRESS_30);
    // Sizes from the spec: certificate 131 + name + address, static 98 + certificate,
    // rotating 103 + certificate.
    let cert_bytes = 131 + NAME_20.len() + ADDRESS_30.len();
    assert_eq!(cert.encode().len(), cert_bytes);
    let rot = VenueCode::new_rotating(cert.clone(), &f.master, &f.venue_key, NOW).unwrap();
    assert_eq!(rot.encode().len(), 103 + cert_bytes);
    let (r_mixed, r_bytes) = measure("rotating, 20-char name, 30-char address", &rot);
    assert!(
        r_mixed <= MAX_POSTER_VERSION,
        "rotating code needs v{r_mixed}, budget v{MAX_POSTER_VERSION}"
    );
    assert!(r_bytes > MAX_POSTER_VERSION);
    // The code shown in the last minutes before local midnight (epoch_back = 1) is as large.
    let midnight = time::epoch_start(time::local_epoch(NOW, 32) + 1, 32);
    let late =
        VenueCode::new_rotating(cert.clone(), &f.master, &f.venue_key, midnight - 3).unwrap();
    assert_eq!(late.encode().len(), rot.encode().len());
    assert!(measure("rotating before local midnight", &late).0 <= MAX_POSTER_VERSION);

    let code = VenueCode::new_static(cert, &f.master, &f.venue_key).unwrap();
    assert_eq!(code.encode().len(), 98 + cert_bytes);
    let (mixed, bytes_only) = measure("static, 20-char name, 30-char address", &code);
    assert!(
        mixed <= MAX_POSTER_VERSION,
        "static poster needs v{mixed}, budget v{MAX_POSTER_VERSION}"
    );
    // The numeric segment is what keeps it in budget.
    assert!(
        bytes_only > mixed,
        "byte mode v{bytes_only} vs mixed v{mixed}"
    );
    assert!(
        bytes_only > MAX_POSTER_VERSION,
        "byte mode alone would break the budget"
    );
}

#[test]
fn maximal_code_still_fits_a_qr_symbol() {
    let f = fixture();
    let name = "餐".repeat(MAX_NAME_BYTES / 3);
    let address = format!("{}12", "号".repeat(MAX_ADDRESS_BYTES / 3));
    assert_eq!(name.len(), MAX_NAME_BYTES);
    assert_eq!(address.len(), MAX_ADDRESS_BYTES);
    let cert = certificate(&f, &name, &address);
    let stat = VenueCode::new_static(cert.clone(), &f.master, &f.venue_key).unwrap();
    let rot = VenueCode::new_rotating(cert, &f.master, &f.venue_key, NOW).unwrap();
    let (s_mixed, s_bytes) = measure("static, maximal name and address", &stat);
    let (r_mixed, r_bytes) = measure("rotating, maximal name and address", &rot);
    // Over the poster budget (recorded, not required), but within QR's range.
    assert!(s_mixed <= 40 && r_mixed <= 40);
    assert!(s_bytes > s_mixed && r_bytes > r_mixed);
    assert_eq!((s_mixed, s_bytes, r_mixed, r_bytes), (19, 30, 19, 30));
}
