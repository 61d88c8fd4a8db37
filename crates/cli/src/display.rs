//! `venue display`: a local web page that shows the venue's current rotating code full-screen and
//! swaps it before it expires.
//!
//! Each request for `/code.svg` signs a fresh rotating code for the current minute, valid for
//! [`DEFAULT_DISPLAY_VALIDITY_MINUTES`]. The page fetches a new one every
//! [`REFRESH_SECONDS`], so the code on screen always has minutes of validity left, and a
//! photograph of it stops working soon after.
//!
//! After `venue update` the running display signs under the new certificate (see
//! [`router_with_reload`]), and the page reloads itself when the serial changes.

use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use venuecode_protocol::time::{UnixMinute, DEFAULT_DISPLAY_VALIDITY_MINUTES};
use venuecode_protocol::{MasterSeed, SigningKey, VenueCertificate, VenueCode};

use crate::qr;

/// How often the page fetches a new code. Far below the display validity, so the code on
/// screen is never stale.
pub const REFRESH_SECONDS: u32 = 30;

/// What the display needs: the venue's certificate, master seed and key.
pub struct DisplayVenue {
    /// The venue's certificate.
    pub certificate: VenueCertificate,
    /// The master seed the day seeds derive from.
    pub master: MasterSeed,
    /// The venue key that signs each code.
    pub venue_key: SigningKey,
    /// The base URL codes point at.
    pub base_url: String,
}

impl core::fmt::Debug for DisplayVenue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DisplayVenue")
            .field("serial", &self.certificate.serial())
            .finish_non_exhaustive()
    }
}

/// The clock the display signs codes with, in Unix minutes.
pub type Clock = Arc<dyn Fn() -> UnixMinute + Send + Sync>;

/// Asked before each code is signed: a newer certificate of this venue, if there is one (after
/// `venue update`), or `None` to keep the current one.
pub type Reload = Arc<dyn Fn() -> Option<VenueCertificate> + Send + Sync>;

#[derive(Clone)]
struct DisplayState {
    venue: Arc<DisplayVenue>,
    /// The certificate codes are signed under: the venue's, or a newer one from `reload`.
    certificate: Arc<RwLock<VenueCertificate>>,
    reload: Option<Reload>,
    now: Clock,
}

impl DisplayState {
    /// The certificate to sign under now. A newer certificate from `reload` replaces the
    /// current one only if it is for the same venue key (the display signs with that key).
    fn certificate(&self) -> VenueCertificate {
        if let Some(newer) = self.reload.as_ref().and_then(|reload| reload()) {
            let mut current = self
                .certificate
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if newer.body().venue_key == self.venue.venue_key.public_key()
                && newer.serial() != current.serial()
            {
                eprintln!(
                    "venue display: now signing under certificate serial {} (was {})",
                    newer.serial(),
                    current.serial()
                );
                *current = newer;
            }
        }
        self.certificate
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The display's routes: `/` (the page), `/code.svg` (the current code), `/code.url` (its URL,
/// for kiosks that render their own QR) and `/serial` (the certificate serial codes are signed
/// under; the page reloads itself when it changes).
pub fn router(venue: Arc<DisplayVenue>, now: Clock) -> Router {
    router_with_reload(venue, now, None)
}

/// [`router`], asking `reload` for a newer certificate before each code, so that a running
/// screen follows `venue update` without a restart.
pub fn router_with_reload(venue: Arc<DisplayVenue>, now: Clock, reload: Option<Reload>) -> Router {
    let certificate = Arc::new(RwLock::new(venue.certificate.clone()));
    Router::new()
        .route("/", get(page))
        .route("/code.svg", get(code_svg))
        .route("/code.url", get(code_url))
        .route("/serial", get(serial))
        .with_state(DisplayState {
            venue,
            certificate,
            reload,
            now,
        })
}

fn current_code(state: &DisplayState) -> Result<VenueCode, venuecode_protocol::Error> {
    let v = &state.venue;
    VenueCode::new_rotating(state.certificate(), &v.master, &v.venue_key, (state.now)())
}

fn internal_error(e: impl core::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

fn no_store(mut resp: Response, content_type: &'static str) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

async fn code_svg(State(state): State<DisplayState>) -> Response {
    let code = match current_code(&state) {
        Ok(c) => c,
        Err(e) => return internal_error(e),
    };
    match qr::encode_code(&code, &state.venue.base_url) {
        Ok(m) => no_store(qr::to_svg(&m, 8).into_response(), "image/svg+xml"),
        Err(e) => internal_error(e),
    }
}

async fn code_url(State(state): State<DisplayState>) -> Response {
    match current_code(&state) {
        Ok(code) => no_store(
            code.to_url(&state.venue.base_url).into_response(),
            "text/plain; charset=utf-8",
        ),
        Err(e) => internal_error(e),
    }
}

async fn serial(State(state): State<DisplayState>) -> Response {
    no_store(
        state.certificate().serial().to_string().into_response(),
        "text/plain; charset=utf-8",
    )
}

async fn page(State(state): State<DisplayState>) -> Html<String> {
    let certificate = state.certificate();
    let info = certificate.info();
    Html(format!(
        r#"<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · 场所码</title>
<noscript><meta http-equiv="refresh" content="{refresh}"></noscript>
<style>
  html, body {{ margin: 0; height: 100%; background: #fff; color: #111;
    font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; }}
  main {{ height: 100%; display: flex; flex-direction: column; align-items: center;
    justify-content: center; gap: 2vmin; }}
  #qr {{ width: 78vmin; height: 78vmin; image-rendering: pixelated; }}
  h1 {{ margin: 0; font-size: 5vmin; }}
  p {{ margin: 0; font-size: 2.6vmin; color: #444; }}
</style>
</head>
<body>
<main>
  <h1>{name}</h1>
  <img id="qr" src="/code.svg" alt="venue code">
  <p>扫码登记 · Scan to check in. This code changes every few minutes.</p>
</main>
<script>
  // Swap only once the new code has loaded, so the screen never shows a blank square.
  const qr = document.getElementById("qr");
  const serial = "{serial}";
  setInterval(() => {{
    const next = new Image();
    next.onload = () => {{ qr.src = next.src; }};
    next.src = "/code.svg?t=" + Date.now();
    // After `venue update` the name or address may differ: show the new ones.
    fetch("/serial", {{ cache: "no-store" }})
      .then((r) => r.text())
      .then((s) => {{ if (s !== serial) location.reload(); }})
      .catch(() => {{}});
  }}, {refresh_ms});
</script>
</body>
</html>
"#,
        name = escape_html(info.name()),
        serial = certificate.serial(),
        refresh = REFRESH_SECONDS,
        refresh_ms = REFRESH_SECONDS * 1000,
    ))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The display validity each served code carries, for documentation and `--help`.
pub const DISPLAY_VALIDITY_MINUTES: u32 = DEFAULT_DISPLAY_VALIDITY_MINUTES;

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<b>\"面馆\" & 'x'</b>"),
            "&lt;b&gt;&quot;面馆&quot; &amp; &#39;x&#39;&lt;/b&gt;"
        );
    }
}
