//! `venuecode demo`: the whole flow on one machine, told as a story.
//!
//! An embedded server runs on a free loopback port with a temporary data directory. Two venues
//! register (a noodle house with a printed poster, a library with a rotating screen), visitors
//! check in at overlapping and non-overlapping times, library staff register a guest without a
//! smartphone, one visitor tests positive and shares, the health authority publishes, and
//! everyone syncs. The story runs on a simulated clock starting at the next full hour; requests
//! to the server are signed with the real clock.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use venuecode_client::{
    Clock, DiaryKey, GuestBook, HttpTransport, ManualClock, Visitor, VisitorConfig,
};
use venuecode_protocol::time::{epoch_of, epochs_for_slot, slot_of, Epoch, Slots, UnixMinute};
use venuecode_protocol::{ChainStatus, RegionCode, RiskLevel, VenueCategory, VenueInfo};

use crate::authority::{self, Opened, UploadPurpose};
use crate::home::Home;
use crate::timefmt::{format_clock, format_day};
use crate::venue::{self as venue_ops, Profile, VenueState};
use crate::{cli_error, fail, poster, qr, scan_image, t};

/// The venues' UTC offset: +08:00 (China), in quarter hours.
const CHINA: i8 = 32;

/// The demo's shared, simulated clock.
#[derive(Clone)]
struct StoryClock(Arc<ManualClock>);

impl Clock for StoryClock {
    fn now_seconds(&self) -> u64 {
        self.0.now_seconds()
    }
}

impl StoryClock {
    fn at(&self, minute: UnixMinute) {
        self.0.set_minute(minute);
    }
}

/// What the demo ended with, for tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Visitors who received an exposure, with the venue.
    pub notified: Vec<(String, String)>,
    /// Visitors who did not.
    pub not_notified: Vec<String>,
    /// Whether the noodle house saw itself notified.
    pub venue_notified: bool,
    /// Guest-book entries the health authority read.
    pub guests_read: usize,
    /// Whether every visitor's phone found the exposure list complete (chain up to date).
    pub list_complete: bool,
    /// The noodle house's poster code at the demo server's web app path
    /// (`http://127.0.0.1:PORT/c#DIGITS`).
    pub poster_app_url: String,
}

/// Where the demo's server listens and whether it serves the visitor web app.
#[derive(Debug, Clone)]
pub struct DemoServer {
    /// The address to listen on (port 0 picks a free port).
    pub listen: std::net::SocketAddr,
    /// The built web app (`scripts/build-web.sh` writes `web/dist/`), served at `/c`; with it
    /// the demo keeps its server running after the story, so that the printed poster URL opens
    /// in a browser.
    pub web_app: Option<std::path::PathBuf>,
}

impl Default for DemoServer {
    fn default() -> Self {
        Self {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            web_app: None,
        }
    }
}

/// Runs the demo, writing posters into `out`, and prints the story. With a web app, keeps the
/// server running (until Ctrl-C or SIGTERM) for the printed poster URL.
pub fn run(out: &Path, options: &DemoServer) -> Result<()> {
    let (outcome, server) = story(out, options, &mut |line| println!("{line}"))?;
    if outcome.notified.len() != 2 || !outcome.list_complete {
        fail!("error-demo-failed", detail = format!("{outcome:?}"));
    }
    if options.web_app.is_some() {
        println!(
            "\n{}",
            t!("demo-web-app-running", url = outcome.poster_app_url.clone())
        );
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| demo_server(e.to_string()))?
            .block_on(venuecode_server::shutdown_signal());
    } else {
        println!(
            "\n{}",
            t!("demo-web-app-stopped", url = outcome.poster_app_url.clone())
        );
    }
    drop(server);
    Ok(())
}

/// Runs the story on a free loopback port without the web app, passing each printed line to
/// `say`.
pub fn run_story(out: &Path, say: &mut dyn FnMut(&str)) -> Result<Outcome> {
    run_story_with(out, &DemoServer::default(), say)
}

/// Runs the story with `options`, passing each printed line to `say`; stops the server at the
/// end.
pub fn run_story_with(
    out: &Path,
    options: &DemoServer,
    say: &mut dyn FnMut(&str),
) -> Result<Outcome> {
    story(out, options, say).map(|(outcome, _server)| outcome)
}

/// The story; returns its outcome and the server, still running until the handle is dropped.
pub fn story(
    out: &Path,
    options: &DemoServer,
    say: &mut dyn FnMut(&str),
) -> Result<(Outcome, EmbeddedServer)> {
    let tmp = tempfile::tempdir().map_err(|e| {
        cli_error!(
            "error-cannot-create",
            path = "a temporary directory",
            detail = e.to_string()
        )
    })?;
    let root = tmp.path();
    std::fs::create_dir_all(out).map_err(|e| {
        cli_error!(
            "error-cannot-create",
            path = out.display().to_string(),
            detail = e.to_string()
        )
    })?;

    say(&t!("demo-title"));
    say("");

    // --- the authorities and the server -------------------------------------------------
    let auth_home = Home::new(root.join("authority-home"));
    // The bundle names the default server URL; the embedded server's port is only known once
    // it runs, and every client here is given that URL directly.
    let urls = authority::BundleUrls {
        server_url: "http://127.0.0.1:8080".into(),
        code_base_url: venuecode_protocol::code::DEFAULT_BASE_URL.into(),
    };
    let real_now = venuecode_client::SystemClock.now_minute();
    let (_ra, ha, bundle) = authority::init(&auth_home, &urls, real_now)?;
    let trust = crate::home::Trust::new(bundle.clone())?;
    let anchors = trust.anchors()?;
    let mut config = venuecode_server::Config::new(
        root.join("server-data"),
        auth_home.path("ra/ra.key"),
        vec![auth_home.path("authority/ha-signing.pub")],
    );
    config.admin_key = Some(auth_home.path("ra/admin.pub"));
    config.ha_encryption_key = Some(auth_home.path("authority/ha-encryption.pub"));
    config.trust_bundle = Some(auth_home.path(authority::TRUST_BUNDLE_OUT));
    config.listen = options.listen;
    config.web_app = options.web_app.clone();
    let server = EmbeddedServer::start(config)?;
    let url = server.url.clone();
    let t = HttpTransport::new(&url)?;
    say(&t!(
        "demo-authorities",
        sequence = bundle.sequence(),
        url = url.as_str()
    ));
    say("");

    // The story happens on a simulated day: tomorrow, from 10:00 UTC.
    let day0 = UnixMinute::new((epoch_of(real_now).get() + 1) * 1440 + 10 * 60);
    let clock = StoryClock(Arc::new(ManualClock::at_minute(day0)));
    let at = |h: u32, m: u32| day0 + h * 60 + m;
    let hhmm = |t: UnixMinute| format_clock(t);

    // --- venues ---------------------------------------------------------------------------
    let noodle_home = Home::new(root.join("noodle-house"));
    let library_home = Home::new(root.join("library"));
    crate::home::Trust::install(&noodle_home, &bundle)?;
    crate::home::Trust::install(&library_home, &bundle)?;
    let noodle = venue_ops::register(
        &noodle_home,
        &t,
        &trust,
        VenueInfo::new(
            "兰州牛肉面馆",
            "甘肃省兰州市安宁区北滨河西路1号",
            RegionCode::new(620105)?,
            VenueCategory::RESTAURANT,
            60,
            CHINA,
        )?,
        true,
        Profile {
            english_name: Some("Lanzhou Beef Noodle House".into()),
            english_address: Some("1 Beibinhe West Rd, Anning District, Lanzhou".into()),
            base_url: venuecode_protocol::code::DEFAULT_BASE_URL.into(),
            lang: Some(crate::i18n::language()),
        },
    )?;
    let library = venue_ops::register(
        &library_home,
        &t,
        &trust,
        VenueInfo::new(
            "安宁区图书馆",
            "甘肃省兰州市安宁区万新路88号",
            RegionCode::new(620105)?,
            VenueCategory::CULTURE_ENTERTAINMENT,
            120,
            CHINA,
        )?,
        true,
        Profile {
            english_name: Some("Anning District Library".into()),
            english_address: Some("88 Wanxin Rd, Anning District, Lanzhou".into()),
            base_url: venuecode_protocol::code::DEFAULT_BASE_URL.into(),
            lang: Some(crate::i18n::language()),
        },
    )?;
    say(&t!(
        "demo-venues",
        noodle = noodle.certificate().serial(),
        library = library.certificate().serial()
    ));
    let poster_url = write_poster(&noodle, out, "noodle-house", say)?;
    write_poster(&library, out, "library", say)?;
    say("");

    // --- visitors -------------------------------------------------------------------------
    let mut config = VisitorConfig::new(bundle.clone())?;
    config.count_pings = false;
    let phone = |name: &str| -> Result<Visitor> {
        let key: [u8; 32] = venuecode_protocol::rand::random_array()?;
        Ok(Visitor::open(
            root.join(format!("{name}.diary")),
            DiaryKey::from_bytes(key),
            config.clone(),
            clock.clone(),
            HttpTransport::new(&url)?,
        )?)
    };
    let carol = phone("carol")?;
    let alice = phone("alice")?;
    let bob = phone("bob")?;
    let dave = phone("dave")?;

    say(&t!(
        "demo-day-begins",
        day = format_day(epoch_of(day0).get())
    ));
    clock.at(at(0, 0));
    carol.check_in(&carol.scan(&poster_url)?)?;
    say(&t!("demo-carol-in", time = hhmm(at(0, 0))));
    clock.at(at(0, 30));
    alice.check_in(&alice.scan(&poster_url)?)?;
    say(&t!("demo-alice-in", time = hhmm(at(0, 30))));
    clock.at(at(0, 50));
    check_out(&carol)?;
    say(&t!(
        "demo-out",
        time = hhmm(at(0, 50)),
        who = t!("demo-carol")
    ));
    clock.at(at(1, 15));
    check_out(&alice)?;
    say(&t!(
        "demo-out",
        time = hhmm(at(1, 15)),
        who = t!("demo-alice")
    ));
    clock.at(at(1, 30));
    let bob_in = bob.check_in(&bob.scan(&poster_url)?)?;
    say(&t!(
        "demo-bob-in",
        time = hhmm(at(1, 30)),
        departure = hhmm(bob_in.entry.departure())
    ));

    clock.at(at(3, 0));
    let screen = library.venue.rotating_code(&clock)?;
    let screen_url = screen.to_url(&library.profile.base_url);
    carol.check_in(&carol.scan(&screen_url)?)?;
    say(&t!("demo-carol-library", time = hhmm(at(3, 0))));
    clock.at(at(3, 30));
    let guestbook = GuestBook::open(
        library_home.dir("venue")?.join("guestbook.redb"),
        DiaryKey::generate()?,
        library.certificate().serial(),
        &bundle,
        clock.clone(),
    )?;
    let guest = guestbook.add("王芳", "18212341234", at(3, 30), at(4, 30))?;
    say(&t!(
        "demo-guest",
        time = hhmm(at(3, 30)),
        label = guest.label.as_str()
    ));
    clock.at(at(4, 0));
    let screen2 = library.venue.rotating_code(&clock)?;
    dave.check_in(&dave.scan(&screen2.to_url(&library.profile.base_url))?)?;
    say(&t!("demo-dave-in", time = hhmm(at(4, 0))));
    clock.at(at(4, 40));
    check_out(&dave)?;
    say(&t!(
        "demo-out",
        time = hhmm(at(4, 40)),
        who = t!("demo-dave")
    ));
    clock.at(at(4, 50));
    check_out(&carol)?;
    say(&t!("demo-carol-out-library", time = hhmm(at(4, 50))));
    say("");

    // --- a positive test ------------------------------------------------------------------
    clock.at(at(8, 0));
    let case_tan = authority::fresh_tans(1)?.remove(0);
    authority::issue_tans(
        &t,
        &ha,
        &auth_home,
        std::slice::from_ref(&case_tan),
        UploadPurpose::Case,
        86_400,
    )?;
    let candidates = carol.share_candidates(at(0, 0).saturating_sub(14 * 1440), at(8, 0))?;
    let ids: Vec<_> = candidates.iter().map(|e| e.id()).collect();
    carol.share(&case_tan, &ids)?;
    say(&t!(
        "demo-positive",
        time = hhmm(at(8, 0)),
        count = ids.len()
    ));
    match carol.share(&case_tan, &ids) {
        Err(venuecode_client::Error::TanUsed) => say(&t!("demo-tan-once")),
        other => fail!(
            "error-demo-failed",
            detail = format!("a reused TAN was not refused: {other:?}")
        ),
    }

    // The HA reads the upload and asks the library, whose code rotates, to cooperate.
    let uploads = authority::list_uploads(&t, &ha)?;
    let case = uploads
        .iter()
        .find(|u| u.purpose == "case")
        .ok_or_else(|| cli_error!("error-demo-failed", detail = "the case upload is missing"))?;
    let bytes = authority::fetch_upload(&t, &ha, case.id)?;
    let Opened::Case(upload) = authority::open_upload(&ha, UploadPurpose::Case, &bytes)? else {
        fail!(
            "error-demo-failed",
            detail = "the case upload did not open as a case"
        );
    };
    say(&t!("demo-ha-opens"));
    for e in upload.entries() {
        say(&format!(
            "         {} {}–{}",
            e.code().certificate().info().name(),
            hhmm(e.arrival()),
            hhmm(e.departure())
        ));
    }
    let seeds_tan = authority::fresh_tans(1)?.remove(0);
    let guests_tan = authority::fresh_tans(1)?.remove(0);
    authority::issue_tans(
        &t,
        &ha,
        &auth_home,
        std::slice::from_ref(&seeds_tan),
        UploadPurpose::Seeds,
        86_400,
    )?;
    authority::issue_tans(
        &t,
        &ha,
        &auth_home,
        std::slice::from_ref(&guests_tan),
        UploadPurpose::GuestBook,
        86_400,
    )?;
    let (lib_from, lib_to) = (at(3, 0), at(4, 50));
    let mut days: Vec<Epoch> = Slots::new(slot_of(lib_from), slot_of(lib_to - 1))
        .flat_map(|slot| epochs_for_slot(slot, CHINA))
        .collect();
    days.sort_unstable();
    days.dedup();
    let release = library.venue.release_seeds(&days)?;
    library
        .venue
        .upload_seed_release(&t, &seeds_tan, &release)?;
    let disclosure = guestbook.disclose(&t, &guests_tan, lib_from, lib_to)?;
    say(&t!(
        "demo-library-cooperates",
        days = days.len(),
        entries = disclosure.entries,
        from = hhmm(lib_from),
        until = hhmm(lib_to)
    ));
    let mut guests_read = 0;
    for u in authority::list_uploads(&t, &ha)? {
        if u.purpose == "guestbook" {
            let b = authority::fetch_upload(&t, &ha, u.id)?;
            if let Opened::GuestBook(g) = authority::open_upload(&ha, UploadPurpose::GuestBook, &b)?
            {
                for entry in &g {
                    say(&t!(
                        "demo-ha-phones-guest",
                        name = entry.name(),
                        from = hhmm(entry.arrival()),
                        until = hhmm(entry.departure())
                    ));
                }
                guests_read += g.len();
            }
        }
    }
    let state = authority::lock(&auth_home)?;
    let mut chain = state.chain()?;
    // Drill timeline: the server stamps uploads with the real clock; shift them onto the story's.
    let shift = i64::from(at(8, 30).get()) * 60 - i64::from(real_now.get()) * 60;
    let published = authority::publish_mailbox(
        &t,
        &ha,
        &anchors,
        &mut chain,
        &authority::PublishRequest {
            ids: &[case.id],
            windows: &[],
            risk: RiskLevel::HIGH,
            message: authority::DEFAULT_MESSAGE,
            now: at(8, 30),
            received_shift_seconds: shift,
            retention_days: authority::DEFAULT_RETENTION_DAYS,
        },
        &std::collections::HashSet::new(),
        &mut state.tan_ledger()?,
        &mut |_| {},
    )?;
    drop(chain);
    drop(state);
    if !published.skipped.is_empty() {
        fail!(
            "error-demo-failed",
            detail = format!("the demo's upload was skipped: {:?}", published.skipped)
        );
    }
    say(&t!(
        "demo-published",
        time = hhmm(at(8, 30)),
        sequence = published.sequence,
        records = published.records
    ));
    say("");

    // --- everyone syncs -------------------------------------------------------------------
    clock.at(at(9, 0));
    let mut outcome = Outcome {
        guests_read,
        list_complete: true,
        ..Outcome::default()
    };
    let bob_why = t!("demo-bob-why", time = hhmm(at(0, 50)));
    for (name, shown, v, why_not) in [
        ("Alice", t!("demo-alice"), &alice, ""),
        ("Bob", t!("demo-bob"), &bob, bob_why.as_str()),
        ("Dave", t!("demo-dave"), &dave, ""),
    ] {
        let report = v.sync()?;
        if report.chain != ChainStatus::Ok || !report.is_up_to_date() {
            outcome.list_complete = false;
            say(&t!(
                "demo-list-unverified",
                who = shown.as_str(),
                detail = format!("{:?} {:?}", report.chain, report.first_error())
            ));
        }
        if let Some(x) = report.new_exposures.first() {
            say(&t!(
                "demo-exposure",
                time = hhmm(at(9, 0)),
                who = shown.as_str(),
                venue = x.venue_name(),
                minutes = x.overlap_minutes()
            ));
            outcome
                .notified
                .push((name.to_owned(), x.venue_name().to_owned()));
        } else {
            say(&t!(
                "demo-no-exposure",
                time = hhmm(at(9, 0)),
                who = shown.as_str(),
                why = why_not
            ));
            outcome.not_notified.push(name.to_owned());
        }
    }
    if outcome.list_complete {
        say(&t!("demo-list-complete", sequence = published.sequence));
    }
    let check = noodle.venue.check_notified(&t, 0, at(0, 0), at(9, 0))?;
    outcome.venue_notified = !check.notices.is_empty();
    say(&t!(
        "demo-venue-notified",
        answer = if outcome.venue_notified {
            t!("demo-yes")
        } else {
            t!("demo-no")
        }
    ));

    let venues = authority::stats(&t, "venues")?;
    let rows = venues["by_region"].as_array().cloned().unwrap_or_default();
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            t!(
                "demo-server-venues",
                active = r["active"].to_string(),
                category = crate::i18n::category_text(r["category"].as_str().unwrap_or("?")),
                region = r["region"]
                    .as_u64()
                    .and_then(|c| u32::try_from(c).ok())
                    .map_or_else(|| r["region"].to_string(), crate::i18n::region_text)
            )
        })
        .collect();
    say("");
    say(&t!(
        "demo-server-holds",
        venues = summary.join("; "),
        records = published.records
    ));
    say(&t!(
        "demo-summary",
        notified = outcome
            .notified
            .iter()
            .map(|(n, v)| format!("{} ({v})", demo_name(n)))
            .collect::<Vec<_>>()
            .join(", "),
        not_notified = outcome
            .not_notified
            .iter()
            .map(|n| demo_name(n))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    say(&t!("demo-posters", dir = out.display().to_string()));
    // The poster's code on this server's web app: the payload after `#` is what the poster
    // holds; the page at /c reads it in the browser and never sends it. (The bundle keeps the
    // https:// code base URL: a venue-code URL must be https://, SPEC.md §10.3.)
    let digits = poster_url
        .split_once('#')
        .map(|(_, d)| d)
        .ok_or_else(|| demo_server("the poster URL has no fragment".to_owned()))?;
    outcome.poster_app_url = format!("{}{}#{digits}", server.url, server.web_app_path);
    Ok((outcome, server))
}

/// A visitor's name in the language of the run.
fn demo_name(name: &str) -> String {
    match name {
        "Alice" => t!("demo-alice"),
        "Bob" => t!("demo-bob"),
        "Carol" => t!("demo-carol"),
        "Dave" => t!("demo-dave"),
        other => other.to_owned(),
    }
}

fn check_out(v: &Visitor) -> Result<()> {
    let cur = v
        .current()?
        .ok_or_else(|| cli_error!("error-not-checked-in"))?;
    v.check_out(cur.id())?;
    Ok(())
}

/// Writes the venue's poster (or, without a CJK font, its bare QR code) and returns the URL a
/// camera reads back from the PNG.
fn write_poster(
    venue: &VenueState,
    out: &Path,
    name: &str,
    say: &mut dyn FnMut(&str),
) -> Result<String> {
    let code = venue.venue.static_code()?;
    let png = match poster::CjkFont::find() {
        Ok(font) => {
            let mut input = poster::PosterInput::new(&code);
            input.english_name = venue.profile.english_name.as_deref();
            input.english_address = venue.profile.english_address.as_deref();
            let files = poster::Poster::build(&input, &font)?.write_files(&out.join(name), 150)?;
            say(&t!("demo-poster", path = files.pdf.display().to_string()));
            std::fs::read(&files.png)?
        }
        Err(e) => {
            let m = qr::encode_code(&code, &venue.profile.base_url)?;
            let png = qr::to_png(&m, 8)?;
            let path = out.join(format!("{name}-qr.png"));
            std::fs::write(&path, &png)?;
            say(&t!(
                "demo-bare-qr",
                detail = e.to_string(),
                path = path.display().to_string()
            ));
            png
        }
    };
    let mut found = scan_image::decode(&png)?;
    if found.len() != 1 {
        fail!(
            "error-demo-failed",
            detail = "the poster PNG does not scan back to one code"
        );
    }
    Ok(found.swap_remove(0))
}

/// The demo's own server could not start.
fn demo_server(detail: String) -> anyhow::Error {
    cli_error!("error-demo-server", detail = detail).into()
}

/// The demo's server on a loopback port, stopped when dropped.
pub struct EmbeddedServer {
    url: String,
    web_app_path: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl EmbeddedServer {
    /// `http://ADDR`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn start(config: venuecode_server::Config) -> Result<Self> {
        let web_app_path = config.web_app_path.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = addr_tx.send(Err(demo_server(format!("runtime: {e}"))));
                    return;
                }
            };
            rt.block_on(async move {
                match venuecode_server::Server::bind(config).await {
                    Ok(server) => {
                        let addr = server.local_addr().map_err(|e| demo_server(e.to_string()));
                        let _ = addr_tx.send(addr);
                        let _ = server
                            .run(async {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => {
                        let _ = addr_tx.send(Err(demo_server(e.to_string())));
                    }
                }
            });
        });
        let addr = addr_rx
            .recv()
            .map_err(|_| demo_server("the server thread stopped".to_owned()))??;
        Ok(Self {
            url: format!("http://{addr}"),
            web_app_path,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
