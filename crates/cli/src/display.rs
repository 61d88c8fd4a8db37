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
//!
//! Anyone who can fetch `/code.svg` can check in without being there, so the display answers
//! only its screen ([`DisplayAccess`]): on loopback, requests naming a loopback host (a web
//! page elsewhere cannot reach it through DNS rebinding); on any other address, requests
//! carrying the access token `venue display` prints in the screen's URL. When the display
//! stops, the page replaces the code with a notice once the last code has expired, instead of
//! showing a code that no longer works.

use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use venuecode_client::Venue;
use venuecode_protocol::time::{UnixMinute, DEFAULT_DISPLAY_VALIDITY_MINUTES};
use venuecode_protocol::{VenueCertificate, VenueCode};

use crate::i18n::{Lang, Localizer};
use crate::qr;
use crate::{t, tl};

/// How often the page fetches a new code. Far below the display validity, so the code on
/// screen is never stale.
pub const REFRESH_SECONDS: u32 = 30;

/// What the display needs: the venue (certificate, master seed and key, as the client library
/// holds them) and the base URL its codes point at.
#[derive(Debug)]
pub struct DisplayVenue {
    /// The venue whose rotating codes the display signs.
    pub venue: Venue,
    /// The base URL codes point at.
    pub base_url: String,
    /// The venue's language: the page's text comes first in it (the other follows).
    pub lang: Lang,
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
    access: Arc<DisplayAccess>,
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
            if newer.body().venue_key == self.venue.venue.key().public_key()
                && newer.serial() != current.serial()
            {
                eprintln!(
                    "{}",
                    t!(
                        "venue-display-new-cert",
                        serial = newer.serial(),
                        old = current.serial()
                    )
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

/// Who may fetch the display's page and codes.
#[derive(Clone, PartialEq, Eq)]
pub enum DisplayAccess {
    /// The display listens on loopback: requests must name a loopback host (`localhost`,
    /// `127.0.0.1`, `[::1]`), which a page on another site cannot make a browser send.
    Loopback,
    /// The display listens where other machines reach it: every request must carry this
    /// token as the `t` query parameter.
    Token(String),
}

impl core::fmt::Debug for DisplayAccess {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Loopback => f.write_str("Loopback"),
            Self::Token(_) => f.write_str("Token(..)"),
        }
    }
}

impl DisplayAccess {
    /// Loopback access on a loopback address; a fresh random token (128 bits, hex) otherwise.
    pub fn for_address(addr: std::net::SocketAddr) -> Result<Self, venuecode_protocol::Error> {
        if addr.ip().is_loopback() {
            Ok(Self::Loopback)
        } else {
            let token: [u8; 16] = venuecode_protocol::rand::random_array()?;
            Ok(Self::Token(hex::encode(token)))
        }
    }

    /// The screen's URL for a display listening on `addr`: with the token, if there is one.
    pub fn url(&self, addr: std::net::SocketAddr) -> String {
        match self {
            Self::Loopback => format!("http://{addr}"),
            Self::Token(t) => format!("http://{addr}/?t={t}"),
        }
    }

    /// The query prefix the page adds to its own requests (`t=…&`, or nothing).
    fn query_prefix(&self) -> String {
        match self {
            Self::Loopback => String::new(),
            Self::Token(t) => format!("t={t}&"),
        }
    }

    fn allows(&self, req: &Request) -> bool {
        match self {
            Self::Loopback => req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(loopback_host),
            Self::Token(token) => req.uri().query().is_some_and(|q| {
                q.split('&')
                    .filter_map(|pair| pair.strip_prefix("t="))
                    .any(|given| same(given.as_bytes(), token.as_bytes()))
            }),
        }
    }
}

/// Whether a `Host` header names this machine's loopback interface.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn guard(State(access): State<Arc<DisplayAccess>>, req: Request, next: Next) -> Response {
    if access.allows(&req) {
        return next.run(req).await;
    }
    let message = match *access {
        DisplayAccess::Loopback => crate::t!("venue-display-loopback-only"),
        DisplayAccess::Token(_) => crate::t!("venue-display-needs-token"),
    };
    no_store(
        (StatusCode::FORBIDDEN, message).into_response(),
        "text/plain; charset=utf-8",
    )
}

/// The display's routes: `/` (the page), `/code.svg` (the current code), `/code.url` (its URL,
/// for kiosks that render their own QR) and `/serial` (the certificate serial codes are signed
/// under; the page reloads itself when it changes). Loopback access ([`DisplayAccess`]).
pub fn router(venue: Arc<DisplayVenue>, now: Clock) -> Router {
    router_with_reload(venue, now, None)
}

/// [`router`], asking `reload` for a newer certificate before each code, so that a running
/// screen follows `venue update` without a restart.
pub fn router_with_reload(venue: Arc<DisplayVenue>, now: Clock, reload: Option<Reload>) -> Router {
    router_with_access(venue, now, reload, DisplayAccess::Loopback)
}

/// [`router_with_reload`], answering only requests that `access` allows (403 otherwise).
pub fn router_with_access(
    venue: Arc<DisplayVenue>,
    now: Clock,
    reload: Option<Reload>,
    access: DisplayAccess,
) -> Router {
    let certificate = Arc::new(RwLock::new(venue.venue.certificate().clone()));
    let access = Arc::new(access);
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
            access: Arc::clone(&access),
        })
        .layer(middleware::from_fn_with_state(access, guard))
}

fn current_code(state: &DisplayState) -> Result<VenueCode, venuecode_protocol::Error> {
    let v = &state.venue.venue;
    VenueCode::new_rotating(state.certificate(), v.master_seed(), v.key(), (state.now)())
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
    let loc = Localizer::get(state.venue.lang);
    Html(format!(
        r#"<!doctype html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · {title}</title>
<noscript><meta http-equiv="refresh" content="{refresh}"></noscript>
<style>
  html, body {{ margin: 0; height: 100%; background: #fff; color: #111;
    font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; }}
  main {{ height: 100%; display: flex; flex-direction: column; align-items: center;
    justify-content: center; gap: 2vmin; text-align: center; }}
  main[hidden] {{ display: none; }}
  #qr {{ width: 78vmin; height: 78vmin; image-rendering: pixelated; }}
  h1 {{ margin: 0; font-size: 5vmin; }}
  p {{ margin: 0; font-size: 2.6vmin; color: #444; }}
  #stopped {{ background: #b00020; color: #fff; }}
  #stopped h1 {{ font-size: 8vmin; }}
  #stopped p {{ font-size: 4vmin; color: #fff; }}
  #lost {{ color: #b00020; font-weight: bold; }}
</style>
</head>
<body>
<main id="live">
  <h1>{name}</h1>
  <img id="qr" src="/code.svg?{query_attr}n=0" alt="venue code">
  <p>{scan}</p>
  <p id="lost" hidden>{lost} <span id="left"></span></p>
</main>
<main id="stopped" hidden>
  <h1>{expired}</h1>
  <p>{stopped_first}</p>
  <p>{stopped_second}</p>
</main>
<script>
  // Swap only once the new code has loaded, so the screen never shows a blank square. Each
  // code works for {validity} minutes after it is signed: once the last one loaded is that old
  // (less a minute, for the signing minute), the screen says so instead of showing it.
  const query = "{query}";
  const validMs = {valid_ms};
  const qr = document.getElementById("qr");
  const live = document.getElementById("live");
  const stopped = document.getElementById("stopped");
  const lost = document.getElementById("lost");
  const left = document.getElementById("left");
  const serial = "{serial}";
  let expiresAt = Date.now() + validMs;
  function fresh() {{
    expiresAt = Date.now() + validMs;
    lost.hidden = true;
    stopped.hidden = true;
    live.hidden = false;
  }}
  qr.onerror = () => {{ lost.hidden = false; }};
  setInterval(() => {{
    const next = new Image();
    next.onload = () => {{ qr.src = next.src; fresh(); }};
    next.onerror = () => {{ lost.hidden = false; }};
    next.src = "/code.svg?" + query + "n=" + Date.now();
    // After `venue update` the name or address may differ: show the new ones.
    fetch("/serial?" + query, {{ cache: "no-store" }})
      .then((r) => r.text())
      .then((s) => {{ if (/^[0-9]+$/.test(s) && s !== serial) location.reload(); }})
      .catch(() => {{}});
  }}, {refresh_ms});
  setInterval(() => {{
    const ms = expiresAt - Date.now();
    if (ms <= 0) {{
      live.hidden = true;
      stopped.hidden = false;
    }} else {{
      left.textContent = Math.ceil(ms / 1000) + " s";
    }}
  }}, 1000);
</script>
</body>
</html>
"#,
        name = escape_html(info.name()),
        html_lang = state.venue.lang.tag(),
        title = escape_html(&tl!(loc, "display-title")),
        scan = escape_html(&tl!(loc, "display-scan")),
        lost = escape_html(&tl!(loc, "display-lost")),
        expired = escape_html(&tl!(loc, "display-expired")),
        stopped_first = escape_html(&tl!(loc, "display-stopped-first")),
        stopped_second = escape_html(&tl!(loc, "display-stopped-second")),
        serial = certificate.serial(),
        // The token is hex: nothing in it needs escaping in the script.
        query = state.access.query_prefix(),
        query_attr = escape_html(&state.access.query_prefix()),
        refresh = REFRESH_SECONDS,
        refresh_ms = REFRESH_SECONDS * 1000,
        validity = DEFAULT_DISPLAY_VALIDITY_MINUTES,
        valid_ms = u64::from(DEFAULT_DISPLAY_VALIDITY_MINUTES.saturating_sub(1)) * 60_000,
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
    use super::{escape_html, loopback_host, same};

    #[test]
    fn only_loopback_hosts_pass() {
        for ok in [
            "localhost",
            "localhost:8090",
            "127.0.0.1:8090",
            "127.1.2.3",
            "[::1]:8090",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8090",
            "192.168.1.5:8090",
            "[2001:db8::1]:80",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<b>\"面馆\" & 'x'</b>"),
            "&lt;b&gt;&quot;面馆&quot; &amp; &#39;x&#39;&lt;/b&gt;"
        );
    }
}
