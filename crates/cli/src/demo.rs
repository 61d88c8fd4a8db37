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

use anyhow::{anyhow, bail, Context, Result};
use venuecode_client::{
    Clock, DiaryKey, GuestBook, HttpTransport, ManualClock, Visitor, VisitorConfig,
};
use venuecode_protocol::time::{epoch_of, epochs_for_slot, slot_of, Epoch, Slots, UnixMinute};
use venuecode_protocol::{ChainStatus, RegionCode, RiskLevel, VenueCategory, VenueInfo};

use crate::authority::{self, Opened, UploadPurpose};
use crate::home::Home;
use crate::timefmt::{format_clock, format_day};
use crate::venue::{self as venue_ops, Profile, VenueState};
use crate::{poster, qr, scan_image};

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
}

/// Runs the demo, writing posters into `out`, and prints the story.
pub fn run(out: &Path) -> Result<()> {
    let outcome = run_story(out, &mut |line| println!("{line}"))?;
    if outcome.notified.len() != 2 || !outcome.list_complete {
        bail!("the demo ended differently than it should: {outcome:?}");
    }
    Ok(())
}

/// Runs the story, passing each printed line to `say`.
pub fn run_story(out: &Path, say: &mut dyn FnMut(&str)) -> Result<Outcome> {
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let root = tmp.path();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;

    say("Venuecode demo — one machine, every role.\n");

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
    let server = EmbeddedServer::start(config)?;
    let url = server.url.clone();
    let t = HttpTransport::new(&url)?;
    say(&format!(
        "The registration and health authorities made their keys and signed a trust bundle\n\
         (sequence {}): the RA and HA keys every phone and venue installs with the app, never\n\
         fetched from the server. The server runs at {url} with an empty data directory.\n\
         It will hold only venue certificates and opaque tokens.\n",
        bundle.sequence()
    ));

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
    say(&format!(
        "Two venues registered, each signing its request with a key made on its own device:\n\
         - 兰州牛肉面馆 (Lanzhou Beef Noodle House), serial {}, prints a poster;\n\
         - 安宁区图书馆 (Anning District Library), serial {}, shows a rotating code on a screen.",
        noodle.certificate().serial(),
        library.certificate().serial()
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

    say(&format!(
        "The day begins ({}; times are UTC on a simulated clock).",
        format_day(epoch_of(day0).get())
    ));
    clock.at(at(0, 0));
    carol.check_in(&carol.scan(&poster_url)?)?;
    say(&format!(
        "{}  Carol scans the noodle house poster and checks in.",
        hhmm(at(0, 0))
    ));
    clock.at(at(0, 30));
    alice.check_in(&alice.scan(&poster_url)?)?;
    say(&format!(
        "{}  Alice checks in at the noodle house.",
        hhmm(at(0, 30))
    ));
    clock.at(at(0, 50));
    check_out(&carol)?;
    say(&format!("{}  Carol checks out.", hhmm(at(0, 50))));
    clock.at(at(1, 15));
    check_out(&alice)?;
    say(&format!("{}  Alice checks out.", hhmm(at(1, 15))));
    clock.at(at(1, 30));
    let bob_in = bob.check_in(&bob.scan(&poster_url)?)?;
    say(&format!(
        "{}  Bob checks in at the noodle house, after Carol left. He does not check out; his\n\
         \x20      phone does it for him after the venue's default stay ({}).",
        hhmm(at(1, 30)),
        hhmm(bob_in.entry.departure())
    ));

    clock.at(at(3, 0));
    let screen = library.venue.rotating_code(&clock)?;
    let screen_url = screen.to_url(&library.profile.base_url);
    carol.check_in(&carol.scan(&screen_url)?)?;
    say(&format!(
        "{}  Carol scans the library's screen; the code on it changes every few minutes.",
        hhmm(at(3, 0))
    ));
    clock.at(at(3, 30));
    let guestbook = GuestBook::open(
        library_home.dir("venue")?.join("guestbook.redb"),
        DiaryKey::generate()?,
        library.certificate().serial(),
        &bundle,
        clock.clone(),
    )?;
    let guest = guestbook.add("王芳", "18212341234", at(3, 30), at(4, 30))?;
    say(&format!(
        "{}  Wang Fang has no smartphone; staff record her in the guest book. Her name and phone\n\
         \x20      are sealed to the health authority at once; the library keeps only \"{}\".",
        hhmm(at(3, 30)),
        guest.label
    ));
    clock.at(at(4, 0));
    let screen2 = library.venue.rotating_code(&clock)?;
    dave.check_in(&dave.scan(&screen2.to_url(&library.profile.base_url))?)?;
    say(&format!(
        "{}  Dave scans the library's screen.",
        hhmm(at(4, 0))
    ));
    clock.at(at(4, 40));
    check_out(&dave)?;
    say(&format!("{}  Dave checks out.", hhmm(at(4, 40))));
    clock.at(at(4, 50));
    check_out(&carol)?;
    say(&format!(
        "{}  Carol checks out of the library.\n",
        hhmm(at(4, 50))
    ));

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
    say(&format!(
        "{}  Carol tests positive. The health authority gives her a one-time TAN; her phone\n\
         \x20      seals her {} check-ins to the authority's key and uploads them with it.",
        hhmm(at(8, 0)),
        ids.len()
    ));
    match carol.share(&case_tan, &ids) {
        Err(venuecode_client::Error::TanUsed) => {
            say("       (Uploading again with the same TAN is refused: each TAN works once.)")
        }
        other => bail!("a reused TAN was not refused: {other:?}"),
    }

    // The HA reads the upload and asks the library, whose code rotates, to cooperate.
    let uploads = authority::list_uploads(&t, &ha)?;
    let case = uploads
        .iter()
        .find(|u| u.purpose == "case")
        .ok_or_else(|| anyhow!("the case upload is missing"))?;
    let bytes = authority::fetch_upload(&t, &ha, case.id)?;
    let Opened::Case(upload) = authority::open_upload(&ha, UploadPurpose::Case, &bytes)? else {
        bail!("the case upload did not open as a case");
    };
    say("       The health authority opens the upload offline and sees:");
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
    say(&format!(
        "       The library releases its screen seeds for {} day(s) and discloses {} guest-book\n\
         \x20      entr{} for {}–{}, each sealed to the authority.",
        days.len(),
        disclosure.entries,
        if disclosure.entries == 1 { "y" } else { "ies" },
        hhmm(lib_from),
        hhmm(lib_to)
    ));
    let mut guests_read = 0;
    for u in authority::list_uploads(&t, &ha)? {
        if u.purpose == "guestbook" {
            let b = authority::fetch_upload(&t, &ha, u.id)?;
            if let Opened::GuestBook(g) = authority::open_upload(&ha, UploadPurpose::GuestBook, &b)?
            {
                for entry in &g {
                    say(&format!(
                        "       The authority reads the guest book and phones {} directly ({}–{}).",
                        entry.name(),
                        hhmm(entry.arrival()),
                        hhmm(entry.departure())
                    ));
                }
                guests_read += g.len();
            }
        }
    }
    let mut chain = authority::chain(&auth_home)?;
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
        },
        &std::collections::HashSet::new(),
        &mut authority::tan_ledger(&auth_home)?,
        &mut |_| {},
    )?;
    if !published.skipped.is_empty() {
        bail!("the demo's upload was skipped: {:?}", published.skipped);
    }
    say(&format!(
        "{}  The authority checks each shared check-in (signatures; a stay of at most 12 hours,\n\
         \x20      not after the upload; a screen code only for the minutes it was shown), then\n\
         \x20      publishes batch {}: {} opaque records (16-byte tokens with 24-byte seals), chained to\n\
         \x20      the batch before it, and a signed checkpoint naming the newest batch.\n\
         \x20      The server sees neither the venues nor the times behind them.\n",
        hhmm(at(8, 30)),
        published.sequence,
        published.records
    ));

    // --- everyone syncs -------------------------------------------------------------------
    clock.at(at(9, 0));
    let mut outcome = Outcome {
        guests_read,
        list_complete: true,
        ..Outcome::default()
    };
    let bob_why = format!(
        "his phone may hold tokens for the hours around {}, but his stay began after Carol's \
         window ended, so the overlap is zero",
        hhmm(at(0, 50))
    );
    for (name, v, why_not) in [
        ("Alice", &alice, ""),
        ("Bob", &bob, bob_why.as_str()),
        ("Dave", &dave, ""),
    ] {
        let report = v.sync()?;
        if report.chain != ChainStatus::Ok || !report.is_up_to_date() {
            outcome.list_complete = false;
            say(&format!(
                "       {name}'s phone cannot vouch for the list: {:?} {:?}",
                report.chain,
                report.first_error()
            ));
        }
        if let Some(x) = report.new_exposures.first() {
            say(&format!(
                "{}  {name}'s phone matches the list locally: ⚠ exposure at {} — {} minutes of overlap.",
                hhmm(at(9, 0)),
                x.venue_name(),
                x.overlap_minutes()
            ));
            outcome
                .notified
                .push((name.to_owned(), x.venue_name().to_owned()));
        } else {
            say(&format!(
                "{}  {name}'s phone finds no exposure: {why_not}.",
                hhmm(at(9, 0))
            ));
            outcome.not_notified.push(name.to_owned());
        }
    }
    if outcome.list_complete {
        say(&format!(
            "       Every phone checked the HA's signed checkpoint: the exposure list is complete up to\n\
             \x20      batch {}, nothing withheld, nothing stale.",
            published.sequence
        ));
    }
    let check = noodle.venue.check_notified(&t, 0, at(0, 0), at(9, 0))?;
    outcome.venue_notified = !check.notices.is_empty();
    say(&format!(
        "       The noodle house asks \"has my venue been notified?\" on its own device: {}.",
        if outcome.venue_notified { "yes" } else { "no" }
    ));

    let venues = authority::stats(&t, "venues")?;
    let rows = venues["by_region"].as_array().cloned().unwrap_or_default();
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} active in {}",
                r["active"],
                r["category"].as_str().unwrap_or("?"),
                r["region"]
            )
        })
        .collect();
    say(&format!(
        "\nWhat the server holds: public venue certificates ({}), one batch of {} opaque\n\
         records, and sealed uploads only the health authority can open. No check-in, no name,\n\
         no time of any visit.",
        summary.join("; "),
        published.records
    ));
    say(&format!(
        "Notified: {}. Not notified: {} (no overlap with the case).",
        outcome
            .notified
            .iter()
            .map(|(n, v)| format!("{n} ({v})"))
            .collect::<Vec<_>>()
            .join(", "),
        outcome.not_notified.join(", ")
    ));
    say(&format!("Posters are in {}.", out.display()));
    drop(server);
    Ok(outcome)
}

fn check_out(v: &Visitor) -> Result<()> {
    let cur = v.current()?.ok_or_else(|| anyhow!("not checked in"))?;
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
            say(&format!("  poster: {}, .svg, .png", files.pdf.display()));
            std::fs::read(&files.png)?
        }
        Err(e) => {
            let m = qr::encode_code(&code, &venue.profile.base_url)?;
            let png = qr::to_png(&m, 8)?;
            let path = out.join(format!("{name}-qr.png"));
            std::fs::write(&path, &png)?;
            say(&format!(
                "  ({e}; wrote the bare QR code to {} instead of the poster)",
                path.display()
            ));
            png
        }
    };
    let mut found = scan_image::decode(&png)?;
    if found.len() != 1 {
        bail!("the poster PNG does not scan back to one code");
    }
    Ok(found.swap_remove(0))
}

/// A server on a free loopback port, stopped when dropped.
struct EmbeddedServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    fn start(config: venuecode_server::Config) -> Result<Self> {
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
                    let _ = addr_tx.send(Err(anyhow!("runtime: {e}")));
                    return;
                }
            };
            rt.block_on(async move {
                match venuecode_server::Server::bind(config).await {
                    Ok(server) => {
                        let addr = server.local_addr().map_err(|e| anyhow!("{e}"));
                        let _ = addr_tx.send(addr);
                        let _ = server
                            .run(async {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => {
                        let _ = addr_tx.send(Err(anyhow!("starting the server: {e}")));
                    }
                }
            });
        });
        let addr = addr_rx
            .recv()
            .map_err(|_| anyhow!("the server thread stopped"))??;
        Ok(Self {
            url: format!("http://{addr}"),
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
