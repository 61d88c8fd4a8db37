//! Rendering for the `venuecode` command: QR codes of venue codes, and the printed A4 poster
//! (PDF, SVG and PNG) that a venue posts at its entrances.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authority;
pub mod demo;
pub mod display;
pub mod errors;
pub mod home;
pub mod i18n;
pub mod output;
pub mod poster;
pub mod qr;
pub mod scan_image;
pub mod timefmt;
pub mod venue;

pub use poster::{CjkFont, Poster, PosterInput};
pub use qr::QrMatrix;

use std::path::PathBuf;

/// What can go wrong while rendering a QR code or a poster. Messages name files and packages,
/// never venue data.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderError {
    /// The text to encode is not `prefix#digits`, the form of a venue-code URL.
    NotAVenueCodeUrl,
    /// The URL does not fit in the largest QR code (version 40) at the requested level.
    QrTooLong,
    /// The QR encoder refused the data for another reason.
    Qr(qrcode::types::QrError),
    /// A poster is printed once and must carry a static code; a rotating code expires in minutes.
    RotatingCode,
    /// No CJK font was found at `VENUECODE_CJK_FONT` or any known path.
    FontNotFound {
        /// Every path that was tried, in order.
        tried: Vec<PathBuf>,
    },
    /// The font file could not be read.
    FontUnreadable {
        /// The font file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The font file holds no face that covers common Chinese characters.
    FontUnusable {
        /// The font file.
        path: PathBuf,
    },
    /// The poster SVG did not parse; a bug in the poster layout.
    Svg(String),
    /// The PDF conversion failed.
    Pdf(String),
    /// The PNG could not be produced.
    Png(String),
    /// An output file could not be written.
    Write {
        /// The output file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAVenueCodeUrl => {
                f.write_str("not a venue-code URL: expected a prefix, '#', then decimal digits")
            }
            Self::QrTooLong => f.write_str("the venue code is too long for a QR code"),
            Self::Qr(e) => write!(f, "QR encoding failed: {e}"),
            Self::RotatingCode => f.write_str(
                "a poster needs the venue's static code; rotating codes are for screens",
            ),
            Self::FontNotFound { tried } => {
                write!(
                    f,
                    "no CJK font found; install Debian's fonts-noto-cjk \
                     (apt-get install fonts-noto-cjk) or set {} to a .ttf, .otf or .ttc file; tried: ",
                    poster::CJK_FONT_ENV
                )?;
                for (i, p) in tried.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", p.display())?;
                }
                Ok(())
            }
            Self::FontUnreadable { path, source } => {
                write!(f, "cannot read font {}: {source}", path.display())
            }
            Self::FontUnusable { path } => write!(
                f,
                "font {} has no face covering Chinese characters",
                path.display()
            ),
            Self::Svg(e) => write!(f, "poster SVG is invalid: {e}"),
            Self::Pdf(e) => write!(f, "PDF conversion failed: {e}"),
            Self::Png(e) => write!(f, "PNG rendering failed: {e}"),
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::FontUnreadable { source, .. } | Self::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}
