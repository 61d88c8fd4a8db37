//! The rotating display, as a venue runs it: headless Chromium loads the page, a screenshot is
//! decoded with an independent QR decoder, the code checks in, and the same code presented after
//! its display validity is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use resvg::tiny_skia;
use venuecode::display::{router, DisplayVenue};
use venuecode_client::{
    CheckInStatus, DiaryKey, ManualClock, MemoryServer, SystemClock, Venue, Visitor, VisitorConfig,
};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::{UnixMinute, CLOCK_SKEW_MINUTES, DEFAULT_DISPLAY_VALIDITY_MINUTES};
use venuecode_protocol::*;
use venuecode_testkit::fixture::{certificate, trust_bundle, venue_info};

fn now_minutes() -> UnixMinute {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    UnixMinute::new(u32::try_from(secs / 60).unwrap())
}

fn venue() -> (DisplayVenue, TrustBundle) {
    let ra = SigningKey::from_seed(&[11; 32]).unwrap();
    let ha = SigningKey::from_seed(&[12; 32]).unwrap();
    let venue_key = SigningKey::from_seed(&[13; 32]).unwrap();
    let now = now_minutes();
    let info = venue_info(
        "安宁区体育馆",
        "甘肃省兰州市安宁区万新路88号",
        VenueCategory::SPORTS,
        120,
        32,
    );
    let certificate = certificate(&ra, 42, &venue_key, info, now - 60, now + 60 * 24 * 365);
    let bundle = trust_bundle(
        1,
        now,
        &[&ra],
        &[&ha],
        &DecryptionKey::derive(&[15; 32]).unwrap(),
        "http://127.0.0.1:8080",
        &ra,
    );
    let venue = Venue::new(
        certificate,
        MasterSeed::from_bytes([14; 32]),
        venue_key,
        &bundle,
    )
    .unwrap();
    (
        DisplayVenue {
            venue,
            base_url: DEFAULT_BASE_URL.to_owned(),
            lang: venuecode::i18n::Lang::ZhCn,
        },
        bundle,
    )
}

fn phone(dir: &std::path::Path, bundle: &TrustBundle, at: Option<UnixMinute>) -> Visitor {
    let config = VisitorConfig::new(bundle.clone()).unwrap();
    let key = DiaryKey::from_bytes([16; 32]);
    let path = dir.join("diary.redb");
    match at {
        None => Visitor::open(path, key, config, SystemClock, MemoryServer::new()),
        Some(m) => Visitor::open(
            path,
            key,
            config,
            ManualClock::at_minute(m),
            MemoryServer::new(),
        ),
    }
    .unwrap()
}

fn screenshot(url: &str) -> Vec<u8> {
    chromium(url, 3_000, false)
}

/// Loads `url` in headless Chromium for `virtual_ms` of virtual time (timers run without the
/// wait), then returns a PNG screenshot or, with `dom`, the page's DOM at that moment.
fn chromium(url: &str, virtual_ms: u32, dom: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shot.png");
    let dom_file = std::fs::File::create(dir.path().join("dom.html")).unwrap();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=900,900",
        ])
        .arg(format!("--virtual-time-budget={virtual_ms}"))
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(if dom {
            "--dump-dom".to_owned()
        } else {
            format!("--screenshot={}", out.display())
        })
        .arg(url)
        .stdout(Stdio::from(dom_file))
        .stderr(Stdio::null())
        .spawn()
        .expect("headless Chromium is needed: install Debian's `chromium` (scripts/test.sh does)");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if dom {
        return std::fs::read(dir.path().join("dom.html")).unwrap();
    }
    std::fs::read(&out).expect("chromium wrote no screenshot")
}

fn decode_qr(png: &[u8]) -> Vec<String> {
    let pixmap = tiny_skia::Pixmap::decode_png(png).unwrap();
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let data = pixmap.data();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * 4;
        let (r, g, b) = (
            u32::from(data[i]),
            u32::from(data[i + 1]),
            u32::from(data[i + 2]),
        );
        ((r * 299 + g * 587 + b * 114) / 1000) as u8
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[test]
fn chromium_screenshot_checks_in_and_an_old_capture_is_refused() {
    let (venue, bundle) = venue();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(Arc::new(venue), Arc::new(now_minutes));
    rt.spawn(async move { axum::serve(listener, app).await });

    // Read before the display mints its code, so the validity is checked against a minute no
    // later than the one it used, however long Chromium takes on a loaded machine.
    let shown_from = now_minutes();
    let png = screenshot(&format!("http://{addr}/"));
    let texts = decode_qr(&png);
    assert_eq!(texts.len(), 1, "exactly one QR code on the screen");
    let code = VenueCode::parse(&texts[0]).unwrap();
    assert!(matches!(code.kind(), CodeKind::Rotating { .. }));
    assert_eq!(code.certificate().info().name(), "安宁区体育馆");

    // The phone checks in with what it read off the screen.
    let dir = tempfile::tempdir().unwrap();
    let visitor = phone(dir.path(), &bundle, None);
    let checked = visitor.scan_and_check_in(&texts[0]).unwrap();
    assert_eq!(checked.status, CheckInStatus::CheckedIn);
    assert_eq!(checked.entry.venue_name(), "安宁区体育馆");
    drop(visitor);

    // The same capture presented after its display validity (plus the tolerated skew) is
    // refused as stale, and nothing is added to the diary.
    let CodeKind::Rotating { valid_until, .. } = code.kind() else {
        unreachable!()
    };
    assert!(valid_until >= shown_from + DEFAULT_DISPLAY_VALIDITY_MINUTES);
    let later = valid_until + CLOCK_SKEW_MINUTES;
    let late = phone(dir.path(), &bundle, Some(later));
    assert!(matches!(
        late.scan_and_check_in(&texts[0]),
        Err(venuecode_client::Error::StaleCode)
    ));
    assert_eq!(late.all_entries().unwrap().len(), 1);
}

#[test]
fn display_access_a_stopped_display_shows_that_its_code_expired_instead_of_the_code() {
    use axum::response::IntoResponse as _;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (venue, _) = venue();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    // The display answers the page and its first code, then is gone: every later request
    // fails, as when the process died. Each browser run loads the page afresh.
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let app = router(Arc::new(venue), Arc::new(now_minutes)).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            async move {
                if req.uri().path() == "/" {
                    counter.store(0, Ordering::SeqCst);
                }
                if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                    next.run(req).await
                } else {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                }
            }
        },
    ));
    rt.spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/");

    // Two minutes on: the last code still works; the screen shows it, and that contact is lost.
    let dom = String::from_utf8(chromium(&url, 120_000, true)).unwrap();
    assert!(dom.contains(r#"<main id="stopped" hidden="">"#), "{dom}");
    assert!(dom.contains(r#"<p id="lost">"#), "{dom}");
    // Five minutes on, the code has expired: the notice replaces it.
    let dom = String::from_utf8(chromium(&url, 300_000, true)).unwrap();
    assert!(dom.contains(r#"<main id="live" hidden="">"#), "{dom}");
    assert!(dom.contains(r#"<main id="stopped">"#), "{dom}");
    let png = chromium(&url, 300_000, false);
    assert!(
        decode_qr(&png).is_empty(),
        "an expired code is still on the screen"
    );
    assert!(
        served.load(Ordering::SeqCst) > 2,
        "the page never asked again"
    );
}
