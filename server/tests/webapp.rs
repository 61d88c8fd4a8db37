//! The visitor web app at the code base path (`--web-app DIR`, `--web-app-path`): index at the
//! path itself, assets below it, with the security headers, media types, compression and
//! caching the app needs; no request path reaches a file outside the app; without the option
//! the path says the app is not installed.
#![allow(clippy::unwrap_used)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;

use venuecode_protocol::Codec as _;
use venuecode_testkit::fixture;
use venuecode_testkit::server::{Harness, Resp};

const INDEX: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
<link rel=\"manifest\" href=\"%VENUECODE_BASE%/manifest.webmanifest\">\
<script type=\"module\" src=\"%VENUECODE_BASE%/assets/app-ABCD1234.js\"></script>\
</head><body><main id=\"app\"></main></body></html>";

/// A small built app: index, a hashed script and wasm, a manifest, a service worker, and a
/// secret next to the directory that no path may reach.
fn app_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("dist");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    let js = "console.log('venuecode');\n".repeat(100);
    std::fs::write(dir.join("assets/app-ABCD1234.js"), &js).unwrap();
    std::fs::write(dir.join("assets/app-ABCD1234.js.br"), b"brotli bytes").unwrap();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(std::iter::repeat_n(7u8, 4000));
    std::fs::write(dir.join("assets/lib-EFGH5678.wasm"), &wasm).unwrap();
    std::fs::write(
        dir.join("manifest.webmanifest"),
        r#"{"name":"Venuecode","start_url":"./"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    std::fs::write(dir.join(".hidden"), "not served").unwrap();
    std::fs::write(root.join("secret.txt"), "SECRET-OUTSIDE-THE-APP").unwrap();
    dir
}

fn with_app(root: &Path) -> Harness {
    let dir = app_dir(root);
    Harness::start_with(|c| c.web_app = Some(dir))
}

fn get(h: &Harness, path: &str, encodings: &str) -> Resp {
    h.request(
        "GET",
        path,
        &[("accept-encoding", encodings.to_owned())],
        b"",
    )
}

fn assert_security_headers(r: &Resp) {
    let csp = r.header("content-security-policy").expect("a CSP");
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
}

#[test]
fn the_index_is_served_at_the_code_base_path_with_its_base_filled_in() {
    let root = tempfile::tempdir().unwrap();
    let h = with_app(root.path());
    for path in ["/c", "/c/", "/c/index.html"] {
        let r = get(&h, path, "identity");
        assert_eq!(r.status, 200, "{path}");
        assert_security_headers(&r);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
        let text = String::from_utf8(r.body).unwrap();
        assert!(text.contains("src=\"/c/assets/app-ABCD1234.js\""), "{text}");
        assert!(!text.contains("%VENUECODE_BASE%"));
    }
    // A HEAD has the headers and no body; a write is refused.
    let r = h.request("HEAD", "/c", &[], b"");
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_security_headers(&r);
    let r = h.request("POST", "/c", &[], b"x");
    assert_eq!(r.status, 405);
    // A revalidation with the ETag is answered 304 without a body.
    let etag = get(&h, "/c", "identity").header("etag").unwrap();
    let r = h.request("GET", "/c", &[("if-none-match", etag)], b"");
    assert_eq!((r.status, r.body.len()), (304, 0));
}

#[test]
fn assets_have_their_media_types_compression_and_caching() {
    let root = tempfile::tempdir().unwrap();
    let h = with_app(root.path());
    let r = get(&h, "/c/assets/lib-EFGH5678.wasm", "identity");
    assert_eq!(r.status, 200);
    assert_security_headers(&r);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/wasm")
    );
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert!(r.header("content-encoding").is_none());
    assert_eq!(&r.body[..4], b"\0asm");
    let plain = r.body;

    // gzip made at start-up, and it inflates to the same bytes.
    let r = get(&h, "/c/assets/lib-EFGH5678.wasm", "gzip, deflate");
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(r.header("vary").as_deref(), Some("accept-encoding"));
    assert!(r.body.len() < plain.len() / 4);
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain);

    // The build's brotli sibling when the client takes br; gzip when it refuses br.
    let r = get(&h, "/c/assets/app-ABCD1234.js", "gzip, br");
    assert_eq!(r.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(r.body, b"brotli bytes");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    let r = get(&h, "/c/assets/app-ABCD1234.js", "gzip, br;q=0");
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));

    let r = get(&h, "/c/manifest.webmanifest", "identity");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/manifest+json")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));

    // The service worker may control the code URL itself, one level above it.
    let r = get(&h, "/c/sw.js", "identity");
    assert_eq!(r.header("service-worker-allowed").as_deref(), Some("/c"));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
}

/// One raw request, so that no client library normalises the path.
fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn no_path_reaches_a_file_outside_the_app() {
    let root = tempfile::tempdir().unwrap();
    let h = with_app(root.path());
    for path in [
        "/c/../secret.txt",
        "/c/..%2fsecret.txt",
        "/c/%2e%2e/secret.txt",
        "/c/assets/../../secret.txt",
        "/c/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/c//etc/passwd",
        "/c/.hidden",
        "/c/assets/",
        "/c/assets",
        "/c/nope.js",
        "/c/index.html/",
    ] {
        let text = raw_get(h.addr, path);
        assert!(text.starts_with("HTTP/1.1 404"), "{path}: {text}");
        assert!(!text.contains("SECRET-OUTSIDE"), "{path}");
        assert!(!text.contains("not served"), "{path}");
        assert!(
            text.to_ascii_lowercase()
                .contains("content-security-policy: default-src 'none'"),
            "{path}"
        );
    }
    // The API is untouched by the app's routes.
    assert_eq!(h.get("/healthz").status, 200);
    assert_eq!(h.get("/v1/authority").status, 200);
}

#[test]
fn without_the_option_the_code_path_says_the_app_is_not_installed() {
    let h = Harness::start();
    for path in ["/c", "/c/", "/c/assets/app.js"] {
        let r = get(&h, path, "identity");
        assert_eq!(r.status, 404, "{path}");
        assert_security_headers(&r);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        let text = String::from_utf8(r.body).unwrap();
        assert!(text.contains("web app not installed"), "{text}");
    }
}

#[test]
fn the_trust_bundle_is_served_beside_the_app_and_another_path_can_be_chosen() {
    let root = tempfile::tempdir().unwrap();
    let dir = app_dir(root.path());
    let bundle_file = root.path().join("trust-bundle.bin");
    let bytes = std::cell::RefCell::new(Vec::new());
    let h = Harness::start_with(|c| {
        // The harness made the keys; sign a bundle with a fresh RA of its own (verify_initial
        // only needs it to be self-consistent).
        let ra = venuecode_protocol::SigningKey::generate().unwrap();
        let ha = venuecode_protocol::SigningKey::generate().unwrap();
        let enc = venuecode_protocol::DecryptionKey::generate().unwrap();
        let b = fixture::trust_bundle(
            1,
            venuecode_protocol::time::UnixMinute::new(1_700_000_000),
            &[&ra],
            &[&ha],
            &enc,
            "https://vc.example",
            &ra,
        );
        *bytes.borrow_mut() = b.encode();
        std::fs::write(&bundle_file, b.encode()).unwrap();
        c.trust_bundle = Some(bundle_file.clone());
        c.web_app = Some(dir);
        c.web_app_path = "/venue/code".into();
    });
    let r = get(&h, "/venue/code/trust.bundle", "identity");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, *bytes.borrow());
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
    let text = String::from_utf8(get(&h, "/venue/code", "identity").body).unwrap();
    assert!(text.contains("src=\"/venue/code/assets/app-ABCD1234.js\""));
    assert_eq!(get(&h, "/c", "identity").status, 404);
}

#[test]
fn a_missing_index_or_a_bad_path_stops_the_server_at_start() {
    let root = tempfile::tempdir().unwrap();
    let dir = app_dir(root.path());
    std::fs::remove_file(dir.join("index.html")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = Harness::start();
    let mut c = h.config.clone();
    c.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    c.data_dir = root.path().join("data2");
    c.web_app = Some(dir.clone());
    let err = rt
        .block_on(venuecode_server::Server::bind(c.clone()))
        .expect_err("no index");
    assert!(err.to_string().contains("no index.html"), "{err}");
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    c.web_app_path = "/c/../x".into();
    let err = rt
        .block_on(venuecode_server::Server::bind(c))
        .expect_err("bad path");
    assert!(err.to_string().contains("--web-app-path"), "{err}");
}
