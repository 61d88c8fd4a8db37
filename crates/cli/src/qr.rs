//! QR codes of venue-code URLs, with mixed segments: the URL prefix up to and including `#` in
//! byte mode and the decimal payload in numeric mode, which takes 10 bits per 3 digits instead of
//! 24. Renderers for SVG and PNG draw the bare code with its quiet zone.

use qrcode::bits::Bits;
use qrcode::types::QrError;
use qrcode::{QrCode, Version};

pub use qrcode::EcLevel;
use resvg::tiny_skia;
use venuecode_protocol::VenueCode;

use crate::RenderError;

/// Width of the light border around the code, in modules, as ISO/IEC 18004 requires.
pub const QUIET_ZONE_MODULES: usize = 4;

/// The lowest error-correction level used: M restores about 15% of the codewords.
pub const MIN_EC_LEVEL: EcLevel = EcLevel::M;

/// Largest QR version (177 modules).
const MAX_VERSION: i16 = 40;

/// An encoded QR symbol: its dark and light modules, version and error-correction level.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
    version: i16,
    ec_level: EcLevel,
}

impl QrMatrix {
    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE_MODULES
    }

    /// The QR version, 1 to 40.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// The error-correction level actually used (M or higher).
    pub fn ec_level(&self) -> EcLevel {
        self.ec_level
    }

    /// Whether the module at column `x`, row `y` is dark; outside the symbol is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }

    /// Horizontal runs of dark modules as `(x, y, length)`, row by row; renderers draw one
    /// rectangle per run instead of one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// Encodes a venue code's URL (`base#digits`, see [`VenueCode::to_url`]) at level M or higher.
pub fn encode_code(code: &VenueCode, base_url: &str) -> Result<QrMatrix, RenderError> {
    encode_url(&code.to_url(base_url))
}

/// Encodes a venue-code URL at level M or higher, in the smallest version that fits at M.
///
/// When that version also holds the data at Q or H, the higher level is used: the symbol keeps
/// its size and gains robustness against dirt and glare.
pub fn encode_url(url: &str) -> Result<QrMatrix, RenderError> {
    encode_url_with(url, MIN_EC_LEVEL)
}

/// Encodes a venue-code URL at `min_level` or higher (a level below M is raised to M).
pub fn encode_url_with(url: &str, min_level: EcLevel) -> Result<QrMatrix, RenderError> {
    let hash = url.find('#').ok_or(RenderError::NotAVenueCodeUrl)?;
    let (prefix, digits) = url.split_at(hash + 1);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RenderError::NotAVenueCodeUrl);
    }
    let min_level = if min_level < MIN_EC_LEVEL {
        MIN_EC_LEVEL
    } else {
        min_level
    };

    let (version, bits) = smallest_fit(prefix.as_bytes(), digits.as_bytes(), min_level)?;
    let mut level = min_level;
    let mut chosen = bits;
    for higher in [EcLevel::Q, EcLevel::H] {
        if higher <= level {
            continue;
        }
        match segments(version, prefix.as_bytes(), digits.as_bytes(), higher) {
            Ok(bits) => {
                level = higher;
                chosen = bits;
            }
            Err(_) => break,
        }
    }

    let code = QrCode::with_bits(chosen, level).map_err(RenderError::Qr)?;
    Ok(QrMatrix {
        width: code.width(),
        dark: code
            .into_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        version,
        ec_level: level,
    })
}

/// Tries versions from 1 up and returns the first whose capacity at `level` holds the data.
fn smallest_fit(prefix: &[u8], digits: &[u8], level: EcLevel) -> Result<(i16, Bits), RenderError> {
    for version in 1..=MAX_VERSION {
        match segments(version, prefix, digits, level) {
            Ok(bits) => return Ok((version, bits)),
            Err(QrError::DataTooLong) => continue,
            Err(e) => return Err(RenderError::Qr(e)),
        }
    }
    Err(RenderError::QrTooLong)
}

/// The data bits of one version: a byte segment, a numeric segment, then terminator and padding.
fn segments(version: i16, prefix: &[u8], digits: &[u8], level: EcLevel) -> Result<Bits, QrError> {
    let mut bits = Bits::new(Version::Normal(version));
    bits.push_byte_data(prefix)?;
    bits.push_numeric_data(digits)?;
    bits.push_terminator(level)?;
    Ok(bits)
}

/// A standalone SVG of the code with its quiet zone, `module_px` user units per module, black
/// on white. Dark modules are one path so that the file stays small.
pub fn to_svg(qr: &QrMatrix, module_px: u32) -> String {
    let side = qr.width_with_quiet_zone();
    let px = u64::from(module_px.max(1)) * side as u64;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{px}\" height=\"{px}\" \
         viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#ffffff\"/>\
         <path fill=\"#000000\" d=\"{}\"/></svg>\n",
        svg_path_data(
            qr,
            QUIET_ZONE_MODULES as f64,
            QUIET_ZONE_MODULES as f64,
            1.0
        )
    )
}

/// SVG path data for the dark modules, with the symbol's top-left corner at (`x0`, `y0`) and
/// `module` user units per module. The quiet zone is not part of the path.
///
/// The path traces the outlines of the dark areas instead of drawing one square per module:
/// squares that merely touch leave hairline seams in anti-aliased viewers, which a PDF on a
/// screen shows. Outer outlines run clockwise and holes anticlockwise, so the default nonzero
/// fill rule leaves the holes light.
pub fn svg_path_data(qr: &QrMatrix, x0: f64, y0: f64, module: f64) -> String {
    let mut d = String::new();
    let point = |(x, y): (usize, usize)| {
        format!(
            "{} {}",
            num(x0 + x as f64 * module),
            num(y0 + y as f64 * module)
        )
    };
    for outline in outlines(qr) {
        let Some(&first) = outline.first() else {
            continue;
        };
        d.push('M');
        d.push_str(&point(first));
        for &corner in outline.get(1..).unwrap_or_default() {
            d.push('L');
            d.push_str(&point(corner));
        }
        d.push('z');
    }
    d
}

/// Closed outlines of the dark areas, as corner points in module coordinates (the corner
/// (x, y) is the top-left of module (x, y)), with straight runs merged.
fn outlines(qr: &QrMatrix) -> Vec<Vec<(usize, usize)>> {
    use std::collections::BTreeMap;

    // Every side of a dark module that borders a light one, directed clockwise around the
    // module (y grows downwards), keyed by its start corner.
    let mut edges: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
    let n = qr.width();
    let light = |x: Option<usize>, y: Option<usize>| match (x, y) {
        (Some(x), Some(y)) => !qr.is_dark(x, y),
        _ => true,
    };
    for y in 0..n {
        for x in 0..n {
            if !qr.is_dark(x, y) {
                continue;
            }
            if light(Some(x), y.checked_sub(1)) {
                edges.entry((x, y)).or_default().push((x + 1, y));
            }
            if light(Some(x + 1), Some(y)) {
                edges.entry((x + 1, y)).or_default().push((x + 1, y + 1));
            }
            if light(Some(x), Some(y + 1)) {
                edges.entry((x + 1, y + 1)).or_default().push((x, y + 1));
            }
            if light(x.checked_sub(1), Some(y)) {
                edges.entry((x, y + 1)).or_default().push((x, y));
            }
        }
    }

    // Each corner has as many sides leaving as arriving, so following sides from any start
    // comes back to it. Where two areas touch diagonally a corner has two ways out; either
    // choice gives the same filled area under the nonzero rule.
    let mut loops = Vec::new();
    while let Some((&start, _)) = edges.first_key_value() {
        let mut corners = vec![start];
        let mut at = start;
        while let Some(next) = take_edge(&mut edges, at) {
            corners.push(next);
            at = next;
            if at == start {
                break;
            }
        }
        loops.push(merge_straight(corners));
    }
    loops
}

/// Removes one side leaving `corner` and returns where it ends.
fn take_edge(
    edges: &mut std::collections::BTreeMap<(usize, usize), Vec<(usize, usize)>>,
    corner: (usize, usize),
) -> Option<(usize, usize)> {
    let outs = edges.get_mut(&corner)?;
    let next = outs.pop();
    if outs.is_empty() {
        edges.remove(&corner);
    }
    next
}

/// Drops corners where the outline goes straight on, and the closing repeat of the start.
fn merge_straight(corners: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut ring = corners;
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    let len = ring.len();
    let mut kept = Vec::with_capacity(len);
    for i in 0..len {
        let prev = ring[(i + len - 1) % len];
        let here = ring[i];
        let next = ring[(i + 1) % len];
        let straight =
            (prev.0 == here.0 && here.0 == next.0) || (prev.1 == here.1 && here.1 == next.1);
        if !straight {
            kept.push(here);
        }
    }
    kept
}

/// A number for SVG: at most four decimals, no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A PNG of the code with its quiet zone, `module_px` pixels per module (at least 1), black on
/// white, without anti-aliasing.
pub fn to_png(qr: &QrMatrix, module_px: u32) -> Result<Vec<u8>, RenderError> {
    let module = module_px.max(1);
    let side = u32::try_from(qr.width_with_quiet_zone())
        .ok()
        .and_then(|s| s.checked_mul(module))
        .ok_or_else(|| RenderError::Png("image too large".to_owned()))?;
    let mut pixmap = tiny_skia::Pixmap::new(side, side)
        .ok_or_else(|| RenderError::Png("image too large".to_owned()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut paint = tiny_skia::Paint::default();
    paint.set_color(tiny_skia::Color::BLACK);
    paint.anti_alias = false;
    let m = module as f32;
    let q = QUIET_ZONE_MODULES as f32;
    for (x, y, len) in qr.dark_runs() {
        let rect =
            tiny_skia::Rect::from_xywh((q + x as f32) * m, (q + y as f32) * m, len as f32 * m, m)
                .ok_or_else(|| RenderError::Png("invalid module rectangle".to_owned()))?;
        pixmap.fill_rect(rect, &paint, tiny_skia::Transform::identity(), None);
    }
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_urls_without_a_digit_fragment() {
        assert!(matches!(
            encode_url("https://vc.example/c"),
            Err(RenderError::NotAVenueCodeUrl)
        ));
        assert!(matches!(
            encode_url("https://vc.example/c#"),
            Err(RenderError::NotAVenueCodeUrl)
        ));
        assert!(matches!(
            encode_url("https://vc.example/c#12a"),
            Err(RenderError::NotAVenueCodeUrl)
        ));
    }

    #[test]
    fn mixed_segments_are_smaller_than_byte_mode() {
        let digits: String = (0..800)
            .map(|i| char::from(b'0' + (i % 10) as u8))
            .collect();
        let url = format!("https://vc.example/c#{digits}");
        let mixed = encode_url(&url).expect("fits");
        let byte_version = (1..=MAX_VERSION)
            .find(|&v| {
                let mut bits = Bits::new(Version::Normal(v));
                bits.push_byte_data(url.as_bytes()).is_ok()
                    && bits.push_terminator(EcLevel::M).is_ok()
            })
            .expect("fits in byte mode too");
        assert!(mixed.version() < byte_version);
        assert!(mixed.ec_level() >= EcLevel::M);
    }

    #[test]
    fn too_long_is_reported() {
        let digits = "1".repeat(8000);
        assert!(matches!(
            encode_url(&format!("https://x#{digits}")),
            Err(RenderError::QrTooLong)
        ));
    }

    #[test]
    fn svg_outlines_fill_exactly_the_dark_modules() {
        let digits: String = (0..300)
            .map(|i| char::from(b'0' + (i * 7 % 10) as u8))
            .collect();
        let qr = encode_url(&format!("https://vc.example/c#{digits}")).expect("fits");
        let module = 6u32;
        let svg = to_svg(&qr, module);
        let tree =
            resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("valid SVG");
        let side = module * qr.width_with_quiet_zone() as u32;
        let mut pixmap = tiny_skia::Pixmap::new(side, side).expect("size");
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        let q = QUIET_ZONE_MODULES;
        for y in 0..qr.width_with_quiet_zone() {
            for x in 0..qr.width_with_quiet_zone() {
                let px = (
                    x as u32 * module + module / 2,
                    y as u32 * module + module / 2,
                );
                let pixel = pixmap.pixel(px.0, px.1).expect("inside");
                let dark = x >= q && y >= q && qr.is_dark(x - q, y - q);
                assert_eq!(pixel.red() < 128, dark, "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.25), "1.25");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(-0.00001), "0");
    }
}
