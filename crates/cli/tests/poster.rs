//! The A4 poster, as a person would check it: the QR code in the PNG scans back to the same
//! verified venue code, the PDF carries its own CJK font, and the SVG holds the venue's text.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use resvg::tiny_skia;
use venuecode::poster::{CjkFont, Poster, PosterInput, DEFAULT_PNG_DPI, MIN_QR_MM};
use venuecode::qr;
use venuecode::RenderError;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::*;
use venuecode_testkit::fixture::{certificate, venue_info};

const NOW: UnixMinute = UnixMinute::new(29_000_000); // 2025-02-19 21:20 UTC
const NAME: &str = "兰州牛肉面馆（安宁店）";
const ADDRESS: &str = "甘肃省兰州市安宁区北滨河西路1号";

struct Venue {
    anchors: TrustAnchors,
    venue_key: SigningKey,
    master: MasterSeed,
    code: VenueCode,
}

fn venue() -> Venue {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let venue_key = SigningKey::from_seed(&[4; 32]).unwrap();
    let master = MasterSeed::from_bytes([5; 32]);
    let info = venue_info(NAME, ADDRESS, VenueCategory::RESTAURANT, 60, 32);
    let cert = certificate(&ra, 4711, &venue_key, info, NOW - 1000, NOW + 100_000);
    let code = VenueCode::new_static(cert, &master, &venue_key).unwrap();
    Venue {
        anchors: TrustAnchors::new(ra.public_key(), ha.public_key()),
        venue_key,
        master,
        code,
    }
}

fn font() -> CjkFont {
    CjkFont::find().unwrap_or_else(|e| panic!("{e}"))
}

/// Every QR code rqrr finds in a PNG, decoded.
fn decode_png(png: &[u8]) -> Vec<String> {
    let pixmap = tiny_skia::Pixmap::decode_png(png).unwrap();
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let pixels = pixmap.pixels();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let p = pixels[y * w + x];
        ((u16::from(p.red()) + u16::from(p.green()) + u16::from(p.blue())) / 3) as u8
    });
    image
        .detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}

/// The characters the PDF's ToUnicode maps name: every `<glyph> <utf16>` pair in the file.
fn to_unicode_chars(pdf: &[u8]) -> BTreeSet<char> {
    let text = String::from_utf8_lossy(pdf);
    let mut chars = BTreeSet::new();
    for line in text.lines() {
        let Some((glyph, unicode)) = line.split_once("> <") else {
            continue;
        };
        let (Some(glyph), Some(unicode)) = (glyph.strip_prefix('<'), unicode.strip_suffix('>'))
        else {
            continue;
        };
        if !glyph.bytes().all(|b| b.is_ascii_hexdigit()) || unicode.len() % 4 != 0 {
            continue;
        }
        let units: Option<Vec<u16>> = (0..unicode.len() / 4)
            .map(|i| u16::from_str_radix(&unicode[i * 4..i * 4 + 4], 16).ok())
            .collect();
        if let Some(units) = units {
            chars.extend(char::decode_utf16(units).filter_map(|r| r.ok()));
        }
    }
    chars
}

#[test]
fn poster_png_scans_back_to_the_verified_code() {
    let v = venue();
    let font = font();
    let mut input = PosterInput::new(&v.code);
    input.english_name = Some("Lanzhou Beef Noodles (Anning)");
    input.english_address = Some("1 Beibinhe West Road, Anning District, Lanzhou, Gansu");
    let poster = Poster::build(&input, &font).unwrap();

    let placement = poster.qr_placement();
    assert!(
        placement.symbol_mm >= MIN_QR_MM,
        "QR code is {:.1} mm, below {MIN_QR_MM} mm",
        placement.symbol_mm
    );

    if let Some(dir) = std::env::var_os("VENUECODE_POSTER_OUT") {
        poster
            .write_files(&std::path::Path::new(&dir).join("poster"), DEFAULT_PNG_DPI)
            .unwrap();
    }
    // Print quality, and the lower resolution a phone screen or a chat app would show.
    for dpi in [DEFAULT_PNG_DPI, 150] {
        let decoded = decode_png(&poster.to_png(dpi).unwrap());
        assert_eq!(decoded.len(), 1, "expected one QR code at {dpi} dpi");
        assert_eq!(decoded[0], v.code.to_url(DEFAULT_BASE_URL));
        let scanned = VenueCode::parse(&decoded[0]).unwrap();
        assert_eq!(scanned, v.code);
        scanned.verify(&v.anchors, NOW, None).unwrap();
    }
}

#[test]
fn poster_pdf_embeds_the_cjk_font_and_the_names_glyphs() {
    let v = venue();
    let poster = Poster::build(&PosterInput::new(&v.code), &font()).unwrap();
    let pdf = poster.to_pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/FontFile3") || text.contains("/FontFile2"),
        "no embedded font program"
    );
    assert!(text.contains("/Type0") && text.contains("/CIDFontType"));
    assert!(text.contains("/ToUnicode"));
    // A4 in points.
    let media_box: Vec<f64> = text
        .split_once("/MediaBox [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .unwrap()
        .0
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(media_box.len(), 4);
    assert!((media_box[2] - 595.28).abs() < 0.1 && (media_box[3] - 841.89).abs() < 0.1);
    let mapped = to_unicode_chars(&pdf);
    for c in NAME.chars().chain(ADDRESS.chars()) {
        assert!(mapped.contains(&c), "glyph for {c:?} is not in the PDF");
    }
}

#[test]
fn poster_svg_holds_the_venue_text() {
    let v = venue();
    let mut input = PosterInput::new(&v.code);
    input.english_name = Some("Lanzhou Beef Noodles & Co <Anning>");
    let poster = Poster::build(&input, &font()).unwrap();
    let svg = poster.svg();
    assert!(svg.contains(NAME));
    assert!(svg.contains(ADDRESS));
    assert!(svg.contains("Lanzhou Beef Noodles &amp; Co &lt;Anning&gt;"));
    assert!(svg.contains("620105"));
    assert!(svg.contains("4711"));
    assert!(svg.contains("餐饮"));
    assert!(svg.contains("2025-02-19"), "issue date missing");
    assert!(svg.contains("width=\"210mm\" height=\"297mm\""));
}

#[test]
fn poster_text_follows_the_venue_language() {
    let v = venue();
    let mut input = PosterInput::new(&v.code);
    // Chinese first by default, both languages on every poster.
    let zh = Poster::build(&input, &font()).unwrap().svg().to_owned();
    assert!(zh.contains("扫码登记 · Scan to check in"), "{zh}");
    assert!(zh.contains("证书序号 Certificate: 4711"), "{zh}");
    input.lang = venuecode::i18n::Lang::En;
    let en = Poster::build(&input, &font()).unwrap().svg().to_owned();
    assert!(en.contains("Scan to check in · 扫码登记"), "{en}");
    assert!(en.contains("Certificate: 4711"), "{en}");
    assert!(!en.contains("证书序号"), "{en}");
}

#[test]
fn rotating_codes_make_no_poster() {
    let v = venue();
    let rotating =
        VenueCode::new_rotating(v.code.certificate().clone(), &v.master, &v.venue_key, NOW)
            .unwrap();
    assert!(matches!(
        Poster::build(&PosterInput::new(&rotating), &font()),
        Err(RenderError::RotatingCode)
    ));
}

#[test]
fn bare_qr_png_and_svg_carry_the_url_in_mixed_segments() {
    let v = venue();
    let matrix = qr::encode_code(&v.code, DEFAULT_BASE_URL).unwrap();
    assert!(matrix.ec_level() >= qr::EcLevel::M);
    let png = qr::to_png(&matrix, 4).unwrap();
    assert_eq!(decode_png(&png), vec![v.code.to_url(DEFAULT_BASE_URL)]);

    let svg = qr::to_svg(&matrix, 4);
    let side = matrix.width_with_quiet_zone();
    assert_eq!(side, matrix.width() + 8);
    assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));

    // Mixed segments need a smaller symbol than the whole URL in byte mode.
    let url = v.code.to_url(DEFAULT_BASE_URL);
    let byte_version = (1..=40)
        .find(|&v| {
            let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(v));
            bits.push_byte_data(url.as_bytes()).is_ok()
                && bits.push_terminator(qr::EcLevel::M).is_ok()
        })
        .unwrap();
    assert!(matrix.version() < byte_version);
}

#[test]
fn missing_font_names_the_package() {
    let err = RenderError::FontNotFound {
        tried: vec!["/nonexistent/font.ttc".into()],
    };
    let message = err.to_string();
    assert!(message.contains("fonts-noto-cjk"));
    assert!(message.contains("VENUECODE_CJK_FONT"));
    assert!(message.contains("/nonexistent/font.ttc"));
}

#[test]
fn unusable_font_files_are_reported() {
    let missing = CjkFont::from_path("/nonexistent/font.ttc".as_ref()).unwrap_err();
    assert!(matches!(missing, RenderError::FontUnreadable { .. }));
    let not_a_font = CjkFont::from_path(env!("CARGO_MANIFEST_PATH").as_ref()).unwrap_err();
    assert!(matches!(not_a_font, RenderError::FontUnusable { .. }));
}

/// A static code for a venue with the given name and address, with the largest serial.
fn code_for(name: &str, address: &str) -> VenueCode {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let venue_key = SigningKey::from_seed(&[4; 32]).unwrap();
    let info = VenueInfo::new(
        name,
        address,
        RegionCode::new(620105).unwrap(),
        VenueCategory::SOCIAL_SERVICES,
        720,
        32,
    )
    .unwrap();
    let cert = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra.key_id(),
            serial: u64::MAX,
            venue_key: venue_key.public_key(),
            info,
            valid_from: NOW,
            valid_until: UnixMinute::MAX,
        },
        &ra,
    )
    .unwrap();
    VenueCode::new_static(cert, &MasterSeed::from_bytes([5; 32]), &venue_key).unwrap()
}

#[test]
fn longest_texts_still_leave_a_large_code() {
    let longest_name = "兰州市安宁区北滨河西路第一人民医院门诊部".repeat(2);
    assert_eq!(
        longest_name.len(),
        venuecode_protocol::venue::MAX_NAME_BYTES
    );
    // Seventeen characters take two lines at the largest size: the tallest name block.
    let tallest_name = "兰州市安宁区北滨河西路第一人民医院";
    let address: String = "甘肃省兰州市安宁区北滨河西路街道办事处"
        .repeat(4)
        .chars()
        .take(66)
        .collect();
    let long_english = "The First People's Hospital of Anning District, Outpatient Department, \
                        Beibinhe West Road, Lanzhou, Gansu Province, People's Republic of China";
    let font = font();
    for (i, name) in [longest_name.as_str(), tallest_name]
        .into_iter()
        .enumerate()
    {
        let code = code_for(name, &address);
        let mut input = PosterInput::new(&code);
        input.english_name = Some(long_english);
        input.english_address = Some(long_english);
        let poster = Poster::build(&input, &font).unwrap();
        let placement = poster.qr_placement();
        assert!(placement.symbol_mm >= MIN_QR_MM, "{placement:?}");
        if let Some(dir) = std::env::var_os("VENUECODE_POSTER_OUT") {
            let base = std::path::Path::new(&dir).join(format!("poster-long-{i}"));
            poster.write_files(&base, 150).unwrap();
            eprintln!("{placement:?}");
        }
        let decoded = decode_png(&poster.to_png(DEFAULT_PNG_DPI).unwrap());
        assert_eq!(decoded, vec![code.to_url(DEFAULT_BASE_URL)]);
    }
}
