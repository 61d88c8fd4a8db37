//! The printed A4 poster: the venue's static code as a QR code at least 10 cm square, the venue's
//! name and address in Chinese and English, a short instruction, and the certificate's category,
//! region, serial and dates.
//!
//! The poster is laid out once as SVG in millimetres. The PDF is converted from that SVG with the
//! CJK font subset and embedded, and the PNG is rasterised from the same SVG, so the three files
//! show the same thing.
//!
//! # Sizes
//!
//! The QR symbol aims for 140 mm square with a 4-module quiet zone; every text block has a
//! bounded number of lines, so it never drops under [`MIN_QR_MM`] (100 mm), so a typical venue code (version 15, 77 modules) has modules of about 1.8 mm, and
//! the largest one the protocol allows (version 19, 93 modules) about 1.4 mm, enough for a phone
//! at a metre or more.
//!
//! # Fonts
//!
//! Text needs a font with Chinese glyphs. [`CjkFont::find`] takes the file named by
//! `VENUECODE_CJK_FONT` if that is set, and otherwise the first of [`KNOWN_CJK_FONT_PATHS`]
//! that exists, led by Debian's `fonts-noto-cjk`
//! (`/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`). In a collection it picks the
//! Simplified Chinese face (Noto Sans CJK SC). The PDF embeds a subset of that face; the SVG
//! names the family, so a viewer of the SVG file needs the font installed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use resvg::tiny_skia;
use svg2pdf::usvg;
use svg2pdf::usvg::fontdb;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::{UnixMinute, EPOCH_MINUTES};
use venuecode_protocol::{CodeKind, VenueCode};

use crate::i18n::{Lang, Localizer};
use crate::qr::{self, num, QrMatrix, QUIET_ZONE_MODULES};
use crate::tl;
use crate::RenderError;

/// Environment variable naming the CJK font file to use; it is tried before the known paths.
pub const CJK_FONT_ENV: &str = "VENUECODE_CJK_FONT";

/// Where Debian and other distributions install CJK fonts, in order of preference. The first is
/// Debian's `fonts-noto-cjk`.
pub const KNOWN_CJK_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

// The poster's fixed text (title, call to action, privacy promise, the line for visitors
// without a smartphone, the certificate's details) is the catalogue's `poster-*` messages,
// both languages on every poster, the venue's language ([`PosterInput::lang`]) first.

/// Resolution of the PNG when none is given: print quality for A4.
pub const DEFAULT_PNG_DPI: u32 = 300;

/// Side of the QR symbol (without quiet zone) the layout aims for, in millimetres.
pub const TARGET_QR_MM: f64 = 140.0;
/// The smallest QR symbol side the layout allows, in millimetres: scanning from about a metre
/// needs about a tenth of the distance.
pub const MIN_QR_MM: f64 = 100.0;

/// Characters every usable face must have: the poster's own fixed Chinese text.
const PROBE: &str =
    "场所码扫登记录只保存在您的手机上没有智能请工作人员代为类别地区证书序号发布日期有效至";

/// Page size and layout constants, in millimetres.
const PAGE_W: f64 = 210.0;
const PAGE_H: f64 = 297.0;
const TEXT_W: f64 = 180.0;
const CENTER_X: f64 = PAGE_W / 2.0;
const HEADER_H: f64 = 30.0;
/// Space between the quiet zone and the frame around the code, and the frame's line width.
const FRAME_GAP: f64 = 1.5;
const FRAME_STROKE: f64 = 0.8;
const BRAND: &str = "#0a6e4f";
const INK: &str = "#111111";
const GREY: &str = "#444444";

/// A CJK font file and the face in it that the poster uses.
#[derive(Clone)]
pub struct CjkFont {
    path: PathBuf,
    data: Arc<Vec<u8>>,
    face_index: u32,
    family: String,
}

impl std::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CjkFont")
            .field("path", &self.path)
            .field("face_index", &self.face_index)
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

impl CjkFont {
    /// Finds a CJK font: the file named by `VENUECODE_CJK_FONT` if that is set (and then only
    /// that file), otherwise the first of [`KNOWN_CJK_FONT_PATHS`] that exists.
    pub fn find() -> Result<Self, RenderError> {
        if let Some(path) = std::env::var_os(CJK_FONT_ENV).filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            if !path.is_file() {
                return Err(RenderError::FontNotFound { tried: vec![path] });
            }
            return Self::from_path(&path);
        }
        let mut tried = Vec::new();
        for known in KNOWN_CJK_FONT_PATHS {
            let path = PathBuf::from(known);
            if path.is_file() {
                return Self::from_path(&path);
            }
            tried.push(path);
        }
        Err(RenderError::FontNotFound { tried })
    }

    /// Loads a `.ttf`, `.otf` or `.ttc` file and picks the face to use: one that covers the
    /// poster's Chinese text, preferring Simplified Chinese faces (`… SC`) and proportional ones.
    pub fn from_path(path: &Path) -> Result<Self, RenderError> {
        let data = std::fs::read(path).map_err(|source| RenderError::FontUnreadable {
            path: path.to_owned(),
            source,
        })?;
        let unusable = || RenderError::FontUnusable {
            path: path.to_owned(),
        };
        let mut db = fontdb::Database::new();
        let data = Arc::new(data);
        db.load_font_source(fontdb::Source::Binary(data.clone()));
        let mut best: Option<((bool, bool, u16), u32, String)> = None;
        for face in db.faces() {
            let Some((family, _)) = face.families.first() else {
                continue;
            };
            let Ok(parsed) = ttf_parser::Face::parse(&data, face.index) else {
                continue;
            };
            if !PROBE.chars().all(|c| parsed.glyph_index(c).is_some()) {
                continue;
            }
            let simplified = family.ends_with(" SC") || family.contains(" SC ");
            let proportional = !family.contains("Mono");
            let weight_fit = u16::MAX - face.weight.0.abs_diff(400);
            let score = (simplified, proportional, weight_fit);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, face.index, family.clone()));
            }
        }
        let (_, face_index, family) = best.ok_or_else(unusable)?;
        Ok(Self {
            path: path.to_owned(),
            data,
            face_index,
            family,
        })
    }

    /// The font file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The family name of the chosen face, as written in the SVG (`Noto Sans CJK SC`).
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The index of the chosen face in a collection (0 for a single font).
    pub fn face_index(&self) -> u32 {
        self.face_index
    }

    fn face(&self) -> Result<ttf_parser::Face<'_>, RenderError> {
        ttf_parser::Face::parse(&self.data, self.face_index).map_err(|_| {
            RenderError::FontUnusable {
                path: self.path.clone(),
            }
        })
    }

    fn database(&self) -> fontdb::Database {
        let mut db = fontdb::Database::new();
        db.load_font_source(fontdb::Source::Binary(self.data.clone()));
        db.set_sans_serif_family(self.family.clone());
        db
    }
}

/// What goes on a poster. Chinese name and address come from the certificate; the English ones
/// are optional extras that the RA has not signed.
#[derive(Clone, Debug)]
pub struct PosterInput<'a> {
    /// The venue's static code.
    pub code: &'a VenueCode,
    /// The URL the QR code carries before `#`.
    pub base_url: &'a str,
    /// The venue's name in English, printed under the Chinese name.
    pub english_name: Option<&'a str>,
    /// The venue's address in English, printed under the Chinese address.
    pub english_address: Option<&'a str>,
    /// When the code was issued; printed as a UTC date.
    pub issued: UnixMinute,
    /// The venue's language: its fixed text comes first in this language (the other follows).
    pub lang: Lang,
}

impl<'a> PosterInput<'a> {
    /// A poster for `code` with the default base URL, no English text, the certificate's
    /// start of validity as the issue date, in Chinese first.
    pub fn new(code: &'a VenueCode) -> Self {
        Self {
            code,
            base_url: DEFAULT_BASE_URL,
            english_name: None,
            english_address: None,
            issued: code.certificate().body().valid_from,
            lang: Lang::ZhCn,
        }
    }
}

/// The QR code's size on the printed poster.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct QrPlacement {
    /// The QR version, 1 to 40.
    pub version: i16,
    /// Modules per side, without the quiet zone.
    pub modules: usize,
    /// Side of one module, in millimetres.
    pub module_mm: f64,
    /// Side of the symbol without the quiet zone, in millimetres.
    pub symbol_mm: f64,
    /// Left edge of the symbol on the page, in millimetres.
    pub x_mm: f64,
    /// Top edge of the symbol on the page, in millimetres.
    pub y_mm: f64,
}

/// A laid-out poster, ready to be written as SVG, PDF or PNG.
pub struct Poster {
    svg: String,
    tree: usvg::Tree,
    qr: QrPlacement,
}

impl std::fmt::Debug for Poster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poster")
            .field("qr", &self.qr)
            .finish_non_exhaustive()
    }
}

/// The three files [`Poster::write_files`] writes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PosterFiles {
    /// The PDF, for printing.
    pub pdf: PathBuf,
    /// The SVG, for editing or display.
    pub svg: PathBuf,
    /// The PNG, for sharing as an image.
    pub png: PathBuf,
}

impl Poster {
    /// Lays out the poster. The code must be static: a poster is printed once.
    pub fn build(input: &PosterInput<'_>, font: &CjkFont) -> Result<Self, RenderError> {
        if !matches!(input.code.kind(), CodeKind::Static) {
            return Err(RenderError::RotatingCode);
        }
        let matrix = qr::encode_code(input.code, input.base_url)?;
        let face = font.face()?;
        let (svg, placement) = layout(input, &matrix, &face, font.family());

        let mut options = usvg::Options {
            font_family: font.family().to_owned(),
            fontdb: Arc::new(font.database()),
            ..usvg::Options::default()
        };
        options.languages = vec!["zh-CN".to_owned(), "en".to_owned()];
        let tree =
            usvg::Tree::from_str(&svg, &options).map_err(|e| RenderError::Svg(e.to_string()))?;
        Ok(Self {
            svg,
            tree,
            qr: placement,
        })
    }

    /// The poster as SVG, in millimetres on an A4 page. Text refers to the font by family name.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Where the QR code sits and how large its modules are.
    pub fn qr_placement(&self) -> QrPlacement {
        self.qr
    }

    /// The poster as a one-page A4 PDF, with a subset of the CJK font embedded and text kept as
    /// text (selectable, with a ToUnicode map).
    pub fn to_pdf(&self) -> Result<Vec<u8>, RenderError> {
        // usvg sizes the tree in CSS pixels (96 per inch); the PDF page must come out in
        // points, so the conversion is told that the tree is at 96 dpi.
        let page = svg2pdf::PageOptions { dpi: 96.0 };
        svg2pdf::to_pdf(&self.tree, svg2pdf::ConversionOptions::default(), page)
            .map_err(|e| RenderError::Pdf(e.to_string()))
    }

    /// The poster as a PNG at `dpi` dots per inch (300 is print quality; A4 is then
    /// 2480 × 3508 pixels).
    pub fn to_png(&self, dpi: u32) -> Result<Vec<u8>, RenderError> {
        let scale = dpi.clamp(10, 1200) as f32 / 96.0;
        let size = self.tree.size();
        let w = (size.width() * scale).round() as u32;
        let h = (size.height() * scale).round() as u32;
        let mut pixmap = tiny_skia::Pixmap::new(w, h)
            .ok_or_else(|| RenderError::Png("image size is invalid".to_owned()))?;
        pixmap.fill(tiny_skia::Color::WHITE);
        resvg::render(
            &self.tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap
            .encode_png()
            .map_err(|e| RenderError::Png(e.to_string()))
    }

    /// Writes `<base>.pdf`, `<base>.svg` and `<base>.png` (the PNG at `png_dpi`).
    pub fn write_files(&self, base: &Path, png_dpi: u32) -> Result<PosterFiles, RenderError> {
        let with_ext = |ext: &str| {
            let mut name = base.file_name().unwrap_or_default().to_owned();
            name.push(".");
            name.push(ext);
            base.with_file_name(name)
        };
        let files = PosterFiles {
            pdf: with_ext("pdf"),
            svg: with_ext("svg"),
            png: with_ext("png"),
        };
        let write = |path: &Path, bytes: &[u8]| {
            std::fs::write(path, bytes).map_err(|source| RenderError::Write {
                path: path.to_owned(),
                source,
            })
        };
        write(&files.pdf, &self.to_pdf()?)?;
        write(&files.svg, self.svg.as_bytes())?;
        write(&files.png, &self.to_png(png_dpi)?)?;
        Ok(files)
    }
}

/// One line of text to draw, centred on the page.
struct Line {
    text: String,
    size: f64,
    fill: &'static str,
    heavy: bool,
}

/// Lines of text stacked with a gap after them.
struct Block {
    lines: Vec<Line>,
    gap_after: f64,
}

/// Line pitch as a multiple of the font size, and where the baseline sits in the line box.
const LINE_PITCH: f64 = 1.3;
const BASELINE_IN_LINE: f64 = 1.02;

impl Block {
    fn height(&self) -> f64 {
        self.lines.iter().map(|l| l.size * LINE_PITCH).sum::<f64>() + self.gap_after
    }

    /// Draws the lines from `top` and returns the y after the block.
    fn draw(&self, out: &mut String, top: f64) -> f64 {
        let mut y = top;
        for line in &self.lines {
            let baseline = y + line.size * BASELINE_IN_LINE;
            text_element(out, line, baseline);
            y += line.size * LINE_PITCH;
        }
        y + self.gap_after
    }
}

fn text_element(out: &mut String, line: &Line, baseline: f64) {
    // A thin stroke in the fill colour thickens the regular face for headings, so that one
    // font file serves all weights.
    let stroke = if line.heavy {
        format!(
            " stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\"",
            line.fill,
            num(line.size * 0.035)
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"{stroke}>{}</text>\n",
        num(CENTER_X),
        num(baseline),
        num(line.size),
        line.fill,
        xml_escape(&line.text)
    ));
}

/// Builds the SVG and records where the QR code went.
fn layout(
    input: &PosterInput<'_>,
    matrix: &QrMatrix,
    face: &ttf_parser::Face<'_>,
    family: &str,
) -> (String, QrPlacement) {
    let loc = Localizer::get(input.lang);
    let cert = input.code.certificate();
    let info = cert.info();
    let measure = |text: &str, size: f64| text_width(face, text, size);

    // Top: the venue's names.
    let mut names = Block {
        lines: Vec::new(),
        gap_after: 2.0,
    };
    fit(
        &mut names.lines,
        info.name(),
        (12.0, 8.0),
        2,
        INK,
        true,
        &measure,
    );
    if let Some(en) = input.english_name.map(clean).filter(|s| !s.is_empty()) {
        fit(&mut names.lines, &en, (6.5, 4.5), 2, GREY, false, &measure);
    }

    // Bottom, from the QR code down: instruction, address, then the certificate's details.
    let mut instruction = Block {
        lines: Vec::new(),
        gap_after: 3.0,
    };
    fit(
        &mut instruction.lines,
        &tl!(loc, "poster-instruction"),
        (9.0, 6.0),
        1,
        BRAND,
        true,
        &measure,
    );
    fit(
        &mut instruction.lines,
        &tl!(loc, "poster-privacy"),
        (5.0, 3.5),
        1,
        INK,
        false,
        &measure,
    );

    let mut address = Block {
        lines: Vec::new(),
        gap_after: 3.0,
    };
    fit(
        &mut address.lines,
        &format!("地址：{}", info.address()),
        (5.5, 4.0),
        2,
        INK,
        false,
        &measure,
    );
    if let Some(en) = input.english_address.map(clean).filter(|s| !s.is_empty()) {
        fit(
            &mut address.lines,
            &format!("Address: {en}"),
            (4.5, 3.5),
            2,
            GREY,
            false,
            &measure,
        );
    }

    let category = info.category();
    let category_text = match (category.chinese(), category.slug()) {
        (Some(zh), Some(slug)) => format!("{zh} {slug}"),
        _ => category.to_string(),
    };
    let body = cert.body();
    let details = [
        tl!(
            loc,
            "poster-category",
            category = category_text,
            region = info.region().to_string()
        ),
        tl!(
            loc,
            "poster-footer",
            serial = body.serial.to_string(),
            issued = utc_date(input.issued),
            until = utc_date(body.valid_until.saturating_sub(1)),
        ),
        tl!(loc, "poster-no-phone"),
    ];
    let mut footer = Block {
        lines: Vec::new(),
        gap_after: 0.0,
    };
    for detail in &details {
        fit(
            &mut footer.lines,
            detail,
            (3.6, 2.6),
            1,
            GREY,
            false,
            &measure,
        );
    }

    // The QR code fills what is left between the names and the instruction, with its quiet
    // zone and frame, up to the target size.
    let top = HEADER_H + 7.0;
    let names_end = top + names.height();
    let footer_top = PAGE_H - 10.0 - footer.height();
    let address_top = footer_top - 4.0 - address.height();
    let instruction_top = address_top - instruction.height();
    let n = matrix.width() as f64;
    let with_quiet = (n + 2.0 * QUIET_ZONE_MODULES as f64) / n;
    let frame_room = 2.0 * (FRAME_GAP + FRAME_STROKE + 2.0);
    let room = (instruction_top - names_end).min(PAGE_W - 20.0) - frame_room;
    let symbol = (room / with_quiet).min(TARGET_QR_MM);
    let module = symbol / n;
    let quiet = module * QUIET_ZONE_MODULES as f64;
    let box_side = symbol + 2.0 * quiet;
    let box_top = names_end + (instruction_top - names_end - box_side) / 2.0;
    let qr_x = CENTER_X - symbol / 2.0;
    let qr_y = box_top + quiet;

    let mut svg = String::with_capacity(64 * 1024);
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{PAGE_W}mm\" \
         height=\"{PAGE_H}mm\" viewBox=\"0 0 {PAGE_W} {PAGE_H}\">\n\
         <rect width=\"{PAGE_W}\" height=\"{PAGE_H}\" fill=\"#ffffff\"/>\n\
         <rect width=\"{PAGE_W}\" height=\"{HEADER_H}\" fill=\"{BRAND}\"/>\n"
    ));
    svg.push_str(&format!(
        "<g font-family=\"{}\" text-anchor=\"middle\">\n",
        font_family_list(family)
    ));
    let header = Block {
        lines: vec![
            Line {
                text: tl!(loc, "poster-title"),
                size: 11.0,
                fill: "#ffffff",
                heavy: true,
            },
            Line {
                text: tl!(loc, "poster-subtitle"),
                size: 4.2,
                fill: "#ffffff",
                heavy: false,
            },
        ],
        gap_after: 0.0,
    };
    header.draw(&mut svg, (HEADER_H - header.height()) / 2.0);
    names.draw(&mut svg, top);
    instruction.draw(&mut svg, instruction_top);
    address.draw(&mut svg, address_top);
    svg.push_str(&format!(
        "<line x1=\"15\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#bbbbbb\" stroke-width=\"0.3\"/>\n",
        y = num(footer_top - 2.0),
        x2 = num(PAGE_W - 15.0)
    ));
    footer.draw(&mut svg, footer_top);
    svg.push_str("</g>\n");

    // A frame just outside the quiet zone, so the code stands out without touching it.
    let frame_offset = quiet + FRAME_GAP + FRAME_STROKE / 2.0;
    svg.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{s}\" height=\"{s}\" rx=\"3\" fill=\"none\" \
         stroke=\"{BRAND}\" stroke-width=\"{FRAME_STROKE}\"/>\n",
        num(qr_x - frame_offset),
        num(qr_y - frame_offset),
        s = num(symbol + 2.0 * frame_offset)
    ));
    svg.push_str(&format!(
        "<path fill=\"#000000\" shape-rendering=\"crispEdges\" d=\"{}\"/>\n</svg>\n",
        qr::svg_path_data(matrix, qr_x, qr_y, module)
    ));

    let placement = QrPlacement {
        version: matrix.version(),
        modules: matrix.width(),
        module_mm: module,
        symbol_mm: symbol,
        x_mm: qr_x,
        y_mm: qr_y,
    };
    (svg, placement)
}

/// Breaks `text` into at most `max_lines` lines of [`TEXT_W`], at the largest size in
/// `sizes = (largest, smallest)` that fits; at the smallest size, the last line is cut with `…`.
fn fit(
    out: &mut Vec<Line>,
    text: &str,
    sizes: (f64, f64),
    max_lines: usize,
    fill: &'static str,
    heavy: bool,
    measure: &dyn Fn(&str, f64) -> f64,
) {
    let (largest, smallest) = sizes;
    let mut size = largest;
    let lines = loop {
        let lines = wrap(text, TEXT_W / size, &|s| measure(s, 1.0));
        if lines.len() <= max_lines {
            break lines;
        }
        if size <= smallest {
            let mut kept: Vec<String> = lines.into_iter().take(max_lines).collect();
            if let Some(last) = kept.last_mut() {
                while !last.is_empty() && measure(&format!("{last}…"), size) > TEXT_W {
                    last.pop();
                }
                last.push('…');
            }
            break kept;
        }
        size = (size * 0.92).max(smallest);
    };
    out.extend(lines.into_iter().map(|text| Line {
        text,
        size,
        fill,
        heavy,
    }));
}

/// Greedy line breaking: CJK characters may break anywhere, other text at spaces; a word
/// longer than a line is broken by characters. `width_em` is the line width in ems.
fn wrap(text: &str, width_em: f64, em_width: &dyn Fn(&str) -> f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for token in tokens(text) {
        let candidate = if current.is_empty() {
            token.trim_start().to_owned()
        } else {
            format!("{current}{token}")
        };
        if em_width(candidate.trim_end()) <= width_em || current.is_empty() {
            if em_width(candidate.trim_end()) > width_em {
                // A single token wider than the line: break it by characters.
                let mut piece = String::new();
                for c in candidate.chars() {
                    piece.push(c);
                    if em_width(&piece) > width_em && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                current = piece;
            } else {
                current = candidate;
            }
        } else {
            lines.push(current.trim_end().to_owned());
            current = token.trim_start().to_owned();
        }
    }
    if !current.trim().is_empty() {
        lines.push(current.trim_end().to_owned());
    }
    lines
}

/// Splits text into breakable pieces: each CJK character alone (with closing punctuation kept
/// on the character before it), and each run of other text with the spaces before it.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_wide(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            match out.last_mut() {
                Some(prev) if is_closing(c) => prev.push(c),
                _ => out.push(c.to_string()),
            }
        } else if c == ' ' && !word.trim().is_empty() {
            out.push(std::mem::take(&mut word));
            word.push(c);
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

fn is_closing(c: char) -> bool {
    "，。、；：？！）》」』】〕,.;:?!)".contains(c)
}

/// Width of `text` at `size`, from the face's advances; a character the face lacks counts as
/// one em.
fn text_width(face: &ttf_parser::Face<'_>, text: &str, size: f64) -> f64 {
    let upem = f64::from(face.units_per_em().max(1));
    let units: f64 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(upem, f64::from)
        })
        .sum();
    units / upem * size
}

/// Replaces control characters with spaces and trims, for text the RA has not checked.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The font-family attribute: the chosen family first, then common CJK families for viewers of
/// the SVG file that lack it.
fn font_family_list(family: &str) -> String {
    let mut families = vec![family.replace(['\'', '"', '<', '>', '&'], "")];
    for fallback in [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Zen Hei",
    ] {
        if !families.iter().any(|f| f == fallback) {
            families.push(fallback.to_owned());
        }
    }
    let mut list: Vec<String> = families.iter().map(|f| format!("'{f}'")).collect();
    list.push("sans-serif".to_owned());
    list.join(", ")
}

/// The UTC date of a Unix minute, as `YYYY-MM-DD`.
fn utc_date(minute: UnixMinute) -> String {
    let (y, m, d) = civil_from_days(i64::from(minute.get() / EPOCH_MINUTES));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Gregorian calendar date of a day count since 1970-01-01, counting in 400-year eras that
/// start on 1 March so that the leap day falls at the end of each year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(20_138), (2025, 2, 19));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(utc_date(UnixMinute::new(29_000_000)), "2025-02-19");
    }

    #[test]
    fn wraps_cjk_anywhere_and_latin_at_spaces() {
        let em = |s: &str| s.chars().map(|c| if is_wide(c) { 1.0 } else { 0.5 }).sum();
        assert_eq!(wrap("兰州牛肉面馆", 4.0, &em), vec!["兰州牛肉", "面馆"]);
        assert_eq!(
            wrap("兰州，牛肉面馆", 3.0, &em),
            vec!["兰州，", "牛肉面", "馆"]
        );
        assert_eq!(
            wrap("Lanzhou beef noodles", 5.0, &em),
            vec!["Lanzhou", "beef", "noodles"]
        );
        assert_eq!(
            wrap("Lanzhou beef noodles", 7.0, &em),
            vec!["Lanzhou beef", "noodles"]
        );
        assert_eq!(wrap("abcdefgh", 2.0, &em), vec!["abcd", "efgh"]);
    }

    #[test]
    fn fit_shrinks_then_cuts_with_an_ellipsis() {
        let measure = |s: &str, size: f64| s.chars().count() as f64 * 0.5 * size;
        let mut lines = Vec::new();
        fit(
            &mut lines,
            &"word ".repeat(40),
            (5.0, 4.0),
            2,
            INK,
            false,
            &measure,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.size == 4.0));
        assert!(lines[1].text.ends_with('…'));
        assert!(lines
            .iter()
            .all(|l| measure(&l.text, l.size) <= TEXT_W + 1e-9));

        let mut short = Vec::new();
        fit(
            &mut short,
            "兰州牛肉面馆",
            (12.0, 8.0),
            2,
            INK,
            true,
            &measure,
        );
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].size, 12.0);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            xml_escape("A & B <c> \"d\""),
            "A &amp; B &lt;c&gt; &quot;d&quot;"
        );
        assert_eq!(clean(" a\u{7}b "), "a b");
    }
}
