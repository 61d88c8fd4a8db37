//! The visitor web app (`--web-app DIR`), served at the path of the code base URL.
//!
//! A venue code is `<code_base_url>#<payload>`; a phone camera opens that URL, so the server
//! answers its path (`--web-app-path`, default `/c`) with the built app (`scripts/build-web.sh`
//! writes `web/dist/`). The browser never sends the fragment, so the server sees only that the
//! app was loaded.
//!
//! Every file is read once at start-up into memory, with a gzip copy made then and a brotli copy
//! taken from a `NAME.br` sibling the build wrote; a request can only name one of those files
//! (a map lookup), so no request path ever reaches the file system. `index.html` has
//! `%VENUECODE_BASE%` replaced by the base path, so that it links its assets absolutely whether
//! it is opened as `/c` or `/c/`. Files under `assets/` carry a content hash in their names and
//! are cached for a year; everything else must be revalidated. Every answer carries a strict
//! Content-Security-Policy (no inline script, nothing from another origin).

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::io::Write as _;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::Shared;
use crate::ServerError;

/// The placeholder in `index.html` replaced by the base path (no trailing slash).
pub const BASE_PLACEHOLDER: &str = "%VENUECODE_BASE%";
/// The name the trust bundle is served under, in the app's directory.
pub const TRUST_BUNDLE_NAME: &str = "trust.bundle";
/// Most files the app directory may hold.
const MAX_FILES: usize = 1000;
/// Most bytes the app directory may hold (every file, before compression).
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Deepest directory nesting read.
const MAX_DEPTH: usize = 8;

/// The Content-Security-Policy of every answer under the app's path: scripts only from this
/// origin (and WebAssembly compiled from them), no inline script or style, requests only to
/// this origin, no plugins, no `<base>`, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' \
'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One file of the app, with its compressed forms.
struct Asset {
    content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    etag: HeaderValue,
    immutable: bool,
}

/// The app as served: its base path and its files by path relative to it.
pub(crate) struct WebApp {
    files: HashMap<String, Asset>,
}

impl std::fmt::Debug for WebApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebApp")
            .field("files", &self.files.len())
            .finish()
    }
}

/// Checks `--web-app-path`: `/` followed by path segments of letters, digits, `-`, `_` and `.`
/// (no `.` or `..` segment), without a trailing slash.
pub fn check_base_path(base: &str) -> Result<(), ServerError> {
    let bad = |why: &str| ServerError::Config(format!("--web-app-path {base:?}: {why}"));
    let rest = base
        .strip_prefix('/')
        .ok_or_else(|| bad("must start with /"))?;
    if rest.is_empty() {
        return Err(bad("must name a path below / (for example /c)"));
    }
    for seg in rest.split('/') {
        if !safe_segment(seg) {
            return Err(bad(
                "segments are letters, digits, '-', '_' and '.', not empty, '.' or '..'",
            ));
        }
    }
    if base.starts_with("/v1/") || base == "/v1" || base == "/healthz" || base == "/metrics" {
        return Err(bad("is taken by the API"));
    }
    Ok(())
}

fn safe_segment(seg: &str) -> bool {
    !seg.is_empty()
        && seg != "."
        && seg != ".."
        && seg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl WebApp {
    /// Reads the app directory. `trust_bundle`, when given, is served as `trust.bundle` (over a
    /// file of that name in the directory).
    pub(crate) fn load(
        dir: &Path,
        base: &str,
        trust_bundle: Option<&Bytes>,
    ) -> Result<Self, ServerError> {
        check_base_path(base)?;
        let fail = |what: String| ServerError::Config(format!("web app {}: {what}", dir.display()));
        let mut raw: HashMap<String, Vec<u8>> = HashMap::new();
        let mut total = 0u64;
        walk(dir, String::new(), 0, &mut raw, &mut total).map_err(fail)?;
        if !raw.contains_key("index.html") {
            return Err(fail(
                "has no index.html (build it with scripts/build-web.sh)".into(),
            ));
        }
        let mut files = HashMap::new();
        let names: Vec<String> = raw
            .keys()
            .filter(|k| !k.ends_with(".br") && !k.ends_with(".gz"))
            .cloned()
            .collect();
        for name in names {
            let Some(mut bytes) = raw.get(&name).cloned() else {
                continue;
            };
            let templated = name == "index.html";
            if templated {
                let text =
                    String::from_utf8(bytes).map_err(|_| fail("index.html is not UTF-8".into()))?;
                bytes = text.replace(BASE_PLACEHOLDER, base).into_bytes();
            }
            // A precompressed sibling of a file changed here would be stale.
            let brotli = if templated {
                None
            } else {
                raw.get(&format!("{name}.br")).cloned().map(Bytes::from)
            };
            files.insert(
                name.clone(),
                Asset::new(&name, bytes, brotli).map_err(fail)?,
            );
        }
        if let Some(bundle) = trust_bundle {
            files.insert(
                TRUST_BUNDLE_NAME.into(),
                Asset::new(TRUST_BUNDLE_NAME, bundle.to_vec(), None).map_err(fail)?,
            );
        }
        Ok(Self { files })
    }

    /// How many files are served.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }
}

impl Asset {
    fn new(name: &str, identity: Vec<u8>, brotli: Option<Bytes>) -> Result<Self, String> {
        let content_type = content_type(name);
        let compressible = matches!(
            content_type,
            "text/html; charset=utf-8"
                | "text/javascript; charset=utf-8"
                | "text/css; charset=utf-8"
                | "application/wasm"
                | "application/manifest+json"
                | "application/json"
                | "image/svg+xml"
                | "text/plain; charset=utf-8"
        );
        let gzip = if compressible && identity.len() > 256 {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&identity)
                .and_then(|()| enc.finish())
                .map(|z| (z.len() < identity.len()).then(|| Bytes::from(z)))
                .map_err(|e| format!("gzip of {name}: {e}"))?
        } else {
            None
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        identity.hash(&mut h);
        let etag = HeaderValue::from_str(&format!("\"{:016x}-{:x}\"", h.finish(), identity.len()))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            content_type,
            identity: Bytes::from(identity),
            gzip,
            brotli: brotli.filter(|_| compressible),
            etag,
            immutable: name.starts_with("assets/"),
        })
    }
}

/// Reads every regular file below `dir` (symbolic links and hidden names are skipped).
fn walk(
    dir: &Path,
    prefix: String,
    depth: usize,
    out: &mut HashMap<String, Vec<u8>>,
    total: &mut u64,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} directories"));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || !safe_segment(&name) {
            continue;
        }
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if kind.is_dir() {
            walk(&entry.path(), rel, depth + 1, out, total)?;
        } else if kind.is_file() {
            if out.len() >= MAX_FILES {
                return Err(format!("holds more than {MAX_FILES} files"));
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| format!("{rel}: {e}"))?;
            *total = total.saturating_add(bytes.len() as u64);
            if *total > MAX_TOTAL_BYTES {
                return Err(format!("holds more than {MAX_TOTAL_BYTES} bytes"));
            }
            out.insert(rel, bytes);
        }
    }
    Ok(())
}

/// The media type of a file, by its extension.
fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Which encodings the client accepts (a token with `q=0` is refused).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// The headers every answer under the app's path carries.
fn security_headers(h: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(self), microphone=(), geolocation=()",
    );
}

/// A plain HTML page with the security headers.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    security_headers(h);
    resp
}

/// Answers every request under the app's path (`GET`/`HEAD` base, base/, base/FILE).
pub(crate) async fn serve(State(s): State<Shared>, req: Request) -> Response {
    let base = s.config.web_app_path.as_str();
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix(base) else {
        return page(StatusCode::NOT_FOUND, "Not found", "No such file.");
    };
    let name = match rest {
        "" | "/" => "index.html",
        r => match r.strip_prefix('/') {
            Some(n) => n,
            None => return page(StatusCode::NOT_FOUND, "Not found", "No such file."),
        },
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut resp = page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "The app's files are only read.",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    let Some(app) = s.web_app.as_ref() else {
        return page(
            StatusCode::NOT_FOUND,
            "Venuecode web app not installed",
            "This server does not serve the visitor web app (start it with --web-app DIR). \
             Scan the venue code with the Venuecode app instead.",
        );
    };
    let Some(asset) = app.files.get(name) else {
        return page(StatusCode::NOT_FOUND, "Not found", "No such file.");
    };
    let headers = req.headers();
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes());
    let (body, encoding) = if not_modified {
        (Bytes::new(), None)
    } else if let Some(br) = asset.brotli.as_ref().filter(|_| accepts(headers, "br")) {
        (br.clone(), Some("br"))
    } else if let Some(gz) = asset.gzip.as_ref().filter(|_| accepts(headers, "gzip")) {
        (gz.clone(), Some("gzip"))
    } else {
        (asset.identity.clone(), None)
    };
    let len = body.len();
    let body = if req.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    let mut resp = Response::new(body);
    if not_modified {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let h = resp.headers_mut();
    security_headers(h);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if !not_modified {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some(e) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    if asset.gzip.is_some() || asset.brotli.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    h.insert(header::ETAG, asset.etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    if name == "sw.js" {
        // The service worker lives at BASE/sw.js but controls BASE itself (the code URL).
        if let Ok(v) = HeaderValue::from_str(base) {
            h.insert("service-worker-allowed", v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        for ok in ["/c", "/venue-code", "/a/b.c"] {
            assert!(check_base_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "/", "c", "/c/", "/a//b", "/../x", "/a/./b", "/v1", "/v1/x", "/c d",
        ] {
            assert!(check_base_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accept_encoding_parsing() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).expect("value"),
            );
            m
        };
        assert!(accepts(&h("gzip, deflate, br"), "br"));
        assert!(accepts(&h("gzip;q=0.5"), "gzip"));
        assert!(!accepts(&h("gzip;q=0, br"), "gzip"));
        assert!(!accepts(&h("identity"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("assets/app-ABC.wasm"), "application/wasm");
        assert_eq!(
            content_type("assets/app-ABC.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(content_type("trust.bundle"), "application/octet-stream");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
