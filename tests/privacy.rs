//! Privacy invariants after the whole flow, run with the real `venuecode` binary as separate
//! processes: venues register, visitors check in (a static poster and a rotating screen), staff
//! record two guests without smartphones, a case shares, the venue discloses its guest book,
//! the health authority publishes and visitors sync.
//!
//! Then every byte the server left behind (its data directory and its log, at trace level for
//! Venuecode's own modules) is searched for every visitor and guest name, phone number, venue
//! seed (master, static, rotating; raw and hex; and the code digits that carry them), TAN, and
//! every plaintext check-in time of the flow: each minute as a `u32` big-endian and
//! little-endian, in decimal, and as `YYYY-MM-DD HH:MM` and ISO `YYYY-MM-DDTHH:MM` text. Any
//! hit fails. The venues' data is searched the same way for everything but their own seeds:
//! only masked labels and ciphertexts may be there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use venuecode::output::{
    CodeUrl, GuestAdded, GuestBookOpened, GuestsDisclosed, Published, SeedsOpened, SeedsReleased,
    Shared, Synced, TansIssued, VenueRegistered,
};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::VenueCode;
use venuecode_testkit::cli::{self, ServerProcess};

const BIN: &str = env!("CARGO_BIN_EXE_venuecode");

/// The binary with a clean environment (see [`cli::command`]), without the poster font.
fn base_command() -> Command {
    let mut cmd = cli::command(BIN);
    cmd.env_remove("VENUECODE_CJK_FONT");
    cmd
}

/// Runs a command that must succeed; returns stdout parsed as JSON.
fn run_ok(cmd: Command) -> Value {
    cli::run(cmd).ok().json()
}

struct World {
    dir: tempfile::TempDir,
    url: String,
    day: u32,
    server: ServerProcess,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ha = dir.path().join("ha");
        let mut init = base_command();
        init.arg("--home")
            .arg(&ha)
            .args(["--json", "authority", "init"]);
        let _ = run_ok(init);
        let mut cmd = cli::server_command(BIN, &dir.path().join("server-data"), &ha);
        cmd.env("RUST_LOG", "info,venuecode_server=trace,venuecode=trace");
        // The log goes to stdout: every line is kept in server.log.
        let server = ServerProcess::spawn(
            cmd,
            dir.path().join("server-stderr.log"),
            Some(dir.path().join("server.log")),
        );
        let url = server.url.clone();
        Self {
            dir,
            url,
            day: cli::tomorrow(),
            server,
        }
    }

    fn home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn minute(&self, h: u32, m: u32) -> u32 {
        self.day * 1440 + h * 60 + m
    }

    fn at(&self, h: u32, m: u32) -> String {
        venuecode::timefmt::format_minute(UnixMinute::new(self.minute(h, m)))
    }

    fn cli(&self, home: &str, now: Option<(u32, u32)>, args: &[&str]) -> Value {
        let mut cmd = base_command();
        cmd.arg("--home")
            .arg(self.home(home))
            .arg("--server")
            .arg(&self.url);
        if let Some((h, m)) = now {
            cmd.arg("--now").arg(self.at(h, m));
        }
        // Every home installs the authority's trust bundle (as an app ships it).
        cmd.env(
            "VENUECODE_TRUST_BUNDLE",
            self.dir.path().join("ha/authority/trust-bundle.bin"),
        );
        cmd.arg("--json").args(args);
        run_ok(cmd)
    }

    /// [`World::cli`], its output read as `T` (a struct of `venuecode::output`).
    fn cli_as<T: serde::de::DeserializeOwned>(
        &self,
        home: &str,
        now: Option<(u32, u32)>,
        args: &[&str],
    ) -> T {
        serde_json::from_value(self.cli(home, now, args))
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}): {args:?}"))
    }
}

/// Every file under `dir`, read whole.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The encodings of a minute that must not appear.
fn time_needles(label: &str, minute: u32) -> Vec<(String, Vec<u8>)> {
    let text = venuecode::timefmt::format_minute(UnixMinute::new(minute));
    vec![
        (format!("{label} u32 BE"), minute.to_be_bytes().to_vec()),
        (format!("{label} u32 LE"), minute.to_le_bytes().to_vec()),
        (format!("{label} decimal"), minute.to_string().into_bytes()),
        (format!("{label} text"), text.clone().into_bytes()),
        (
            format!("{label} ISO"),
            text.replacen(' ', "T", 1).into_bytes(),
        ),
    ]
}

/// Fails listing every needle found in every file.
fn assert_absent(what: &str, files: &[(PathBuf, Vec<u8>)], needles: &[(String, Vec<u8>)]) {
    let mut hits = Vec::new();
    for (path, bytes) in files {
        for (name, n) in needles {
            if let Some(at) = find(bytes, n) {
                hits.push(format!("{name} in {} at byte {at}", path.display()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "{what} holds private data:\n{}",
        hits.join("\n")
    );
}

fn seed_needles(label: &str, seed: &[u8; 32]) -> Vec<(String, Vec<u8>)> {
    vec![
        (format!("{label} raw"), seed.to_vec()),
        (format!("{label} hex"), hex::encode(seed).into_bytes()),
        (format!("{label} HEX"), hex::encode_upper(seed).into_bytes()),
    ]
}

struct Flow {
    names_phones: Vec<(String, Vec<u8>)>,
    tans: Vec<(String, Vec<u8>)>,
    visit_times: Vec<(String, Vec<u8>)>,
    guest_times: Vec<(String, Vec<u8>)>,
    seeds: Vec<(String, Vec<u8>)>,
}

/// Runs the flow and collects what it used.
fn flow(w: &World) -> Flow {
    let shop: VenueRegistered = w.cli_as(
        "shop",
        None,
        &[
            "venue",
            "register",
            "--name",
            "兰州牛肉面馆",
            "--address",
            "甘肃省兰州市安宁区北滨河西路1号",
            "--region",
            "620105",
            "--category",
            "restaurant",
            "--pledge",
        ],
    );
    assert!(shop.serial > 0, "{shop:?}");
    w.cli(
        "library",
        None,
        &[
            "venue",
            "register",
            "--name",
            "安宁区图书馆",
            "--address",
            "甘肃省兰州市安宁区万新路88号",
            "--region",
            "620105",
            "--category",
            "culture-entertainment",
            "--stay",
            "120",
            "--pledge",
        ],
    );
    let poster = w.cli_as::<CodeUrl>("shop", None, &["venue", "code"]).url;
    let screen = w
        .cli_as::<CodeUrl>("library", Some((10, 5)), &["venue", "code", "--rotating"])
        .url;

    // Visits: Carol 10:00–10:50 and Alice 10:30–11:15 at the noodle house; Bob at the library
    // from 10:05 (automatic check-out after its 120-minute stay).
    w.cli("carol", Some((10, 0)), &["visitor", "scan", &poster]);
    w.cli("alice", Some((10, 30)), &["visitor", "scan", &poster]);
    w.cli("bob", Some((10, 5)), &["visitor", "scan", &screen]);
    w.cli("carol", Some((10, 50)), &["visitor", "checkout"]);
    w.cli("alice", Some((11, 15)), &["visitor", "checkout"]);

    // Two guests without smartphones, at times no visitor used.
    let guests = [
        ("王芳", "18212341234", (10, 17), (11, 7)),
        ("Zhang Wei", "+86 139-0000-2222", (10, 23), (10, 41)),
    ];
    for (name, phone, a, d) in guests {
        let r: GuestAdded = w.cli_as(
            "shop",
            Some(a),
            &[
                "venue",
                "guestbook",
                "add",
                "--name",
                name,
                "--phone",
                phone,
                "--arrival",
                &w.at(a.0, a.1),
                "--departure",
                &w.at(d.0, d.1),
            ],
        );
        let label = r.label.as_str();
        assert!(!label.contains(name) && !label.contains(phone), "{label}");
    }

    // Carol shares; the venue discloses its guest book; the HA reads both and publishes.
    let tan = w
        .cli_as::<TansIssued>("ha", None, &["authority", "tan", "--purpose", "case"])
        .tans[0]
        .clone();
    let shared: Shared = w.cli_as(
        "carol",
        Some((15, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    assert_eq!(shared.shared, 1, "{shared:?}");
    let gtan = w
        .cli_as::<TansIssued>("ha", None, &["authority", "tan", "--purpose", "guestbook"])
        .tans[0]
        .clone();
    let d: GuestsDisclosed = w.cli_as(
        "shop",
        Some((15, 0)),
        &[
            "venue",
            "guestbook",
            "disclose",
            "--tan",
            &gtan,
            "--from",
            &w.at(10, 0),
            "--until",
            &w.at(10, 50),
        ],
    );
    assert_eq!(d.entries, 2, "{d:?}");
    let opened: GuestBookOpened = w.cli_as(
        "ha",
        None,
        &["authority", "uploads", "open", &d.upload_id.to_string()],
    );
    // The HA, and only the HA, reads the guests: the data did travel, sealed.
    assert_eq!(opened.guestbook[0].name, "王芳", "{opened:?}");
    let published: Published = w.cli_as("ha", Some((15, 5)), &["authority", "publish"]);
    assert!(published.records > 0, "{published:?}");
    let alice: Synced = w.cli_as("alice", Some((15, 10)), &["visitor", "sync"]);
    assert_eq!(alice.new_exposures.len(), 1, "{alice:?}");
    let bob: Synced = w.cli_as("bob", Some((15, 10)), &["visitor", "sync"]);
    assert!(bob.new_exposures.is_empty(), "{bob:?}");

    // The library releases its rotating seed of the day (a seeds TAN, tied to no venue). What
    // the server keeps of the upload, and lists to the HA, names no venue: no serial, no venue
    // key or key id (the venue key is inside the sealed release).
    let stan = w
        .cli_as::<TansIssued>("ha", None, &["authority", "tan", "--purpose", "seeds"])
        .tans[0]
        .clone();
    let day = w.at(12, 0)[..10].to_owned();
    let rel: SeedsReleased = w.cli_as(
        "library",
        Some((15, 20)),
        &["venue", "release-seeds", "--tan", &stan, "--days", &day],
    );
    let rel_id = rel.upload_id;
    let code = VenueCode::parse(&screen).unwrap();
    let library_serial = code.certificate().serial();
    let library_key = code.certificate().body().venue_key;
    let listed = w.cli("ha", None, &["authority", "uploads", "list"]);
    let uploads = listed["uploads"].as_array().unwrap();
    let release = uploads
        .iter()
        .find(|u| u["id"].as_u64() == Some(rel_id))
        .unwrap_or_else(|| panic!("release not listed: {listed}"));
    for (k, v) in release.as_object().unwrap() {
        assert!(
            !k.contains("serial") && !k.contains("venue") && !k.contains("key"),
            "the stored upload names a venue: {k} = {v}"
        );
    }
    let text = listed.to_string();
    for needle in [
        hex::encode(library_key.as_bytes()),
        library_key.key_id().to_hex(),
        "安宁区图书馆".to_owned(),
    ] {
        assert!(!text.contains(&needle), "{needle} in {listed}");
    }
    // The HA, opening it, learns the venue from inside the seal.
    let opened: SeedsOpened = w.cli_as(
        "ha",
        None,
        &["authority", "uploads", "open", &rel_id.to_string()],
    );
    assert_eq!(
        opened.venue_key,
        hex::encode(library_key.as_bytes()),
        "{opened:?} (serial {library_serial})"
    );

    let mut names_phones = Vec::new();
    for (name, phone, _, _) in guests {
        names_phones.push((format!("name {name}"), name.as_bytes().to_vec()));
        names_phones.push((format!("phone {phone}"), phone.as_bytes().to_vec()));
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        names_phones.push((format!("phone digits {digits}"), digits.into_bytes()));
    }
    // As shown (grouped) and as sent (canonical, no dashes).
    let tans = [("case TAN", &tan), ("guest-book TAN", &gtan)]
        .iter()
        .flat_map(|(l, t)| {
            [
                ((*l).to_owned(), t.as_bytes().to_vec()),
                (format!("{l} canonical"), t.replace('-', "").into_bytes()),
            ]
        })
        .collect();
    let mut visit_times = Vec::new();
    let bob_out = w.minute(10, 5) + 120;
    for (label, minute) in [
        ("carol arrival", w.minute(10, 0)),
        ("carol departure", w.minute(10, 50)),
        ("alice arrival", w.minute(10, 30)),
        ("alice departure", w.minute(11, 15)),
        ("bob arrival", w.minute(10, 5)),
        ("bob departure", bob_out),
    ] {
        visit_times.extend(time_needles(label, minute));
    }
    let mut guest_times = Vec::new();
    for (_, _, a, d) in guests {
        guest_times.extend(time_needles("guest arrival", w.minute(a.0, a.1)));
        guest_times.extend(time_needles("guest departure", w.minute(d.0, d.1)));
    }
    let mut seeds = Vec::new();
    for (label, home) in [("noodle house", "shop"), ("library", "library")] {
        let master = venuecode::home::read_key(
            &w.home(home).join("venue/master.seed"),
            venuecode_server::keyfile::KeyKind::VenueMasterSeed,
        )
        .unwrap();
        seeds.extend(seed_needles(&format!("{label} master seed"), &master));
    }
    for (label, url) in [("static", &poster), ("rotating", &screen)] {
        let code = VenueCode::parse(url).unwrap();
        seeds.extend(seed_needles(&format!("{label} seed"), code.seed().expose()));
        seeds.push((
            format!("{label} code digits"),
            code.to_digits().into_bytes(),
        ));
    }
    Flow {
        names_phones,
        tans,
        visit_times,
        guest_times,
        seeds,
    }
}

#[test]
fn server_data_and_logs_and_venue_data_hold_no_private_data() {
    let mut w = World::new();
    let f = flow(&w);

    // Stop the server and wait until every line it wrote is in its logs: a fixed pause for the
    // log reader to catch up could end first on a loaded machine, and the scan below would
    // miss the last requests' lines.
    assert!(w.server.stop().success());
    let mut server = files(&w.home("server-data"));
    for log in ["server.log", "server-stderr.log"] {
        server.push((w.home(log), std::fs::read(w.home(log)).unwrap()));
    }
    // The scanner reads what is there: the public registry is in the store, the log has lines.
    assert!(
        server
            .iter()
            .any(|(_, b)| find(b, "兰州牛肉面馆".as_bytes()).is_some()),
        "the venue registry is not in the server's files"
    );
    assert!(server
        .iter()
        .any(|(p, b)| p.ends_with("server.log") && find(b, b"upload stored").is_some()));
    let mut all = Vec::new();
    for group in [
        &f.names_phones,
        &f.tans,
        &f.visit_times,
        &f.guest_times,
        &f.seeds,
    ] {
        all.extend(group.iter().cloned());
    }
    assert_absent("the server", &server, &all);

    // The venues keep their own seeds; nothing about visitors or guests but masked labels and
    // ciphertexts.
    let mut venue = files(&w.home("shop"));
    venue.extend(files(&w.home("library")));
    assert!(
        venue
            .iter()
            .any(|(_, b)| find(b, "王*".as_bytes()).is_some()),
        "no masked label"
    );
    let mut private = Vec::new();
    for group in [&f.names_phones, &f.tans, &f.visit_times, &f.guest_times] {
        private.extend(group.iter().cloned());
    }
    assert_absent("the venues' data", &venue, &private);
}
