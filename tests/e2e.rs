//! End-to-end tests: the real `venuecode` binary, run as separate processes the way users run
//! it. Each test has its own temporary directories and its own server subprocess on a free
//! loopback port, killed when the test ends. What each scenario covers is in `tests/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use venuecode::output::{
    CaseOpened, ChainState, CheckedIn, CheckpointPosted, CodeUrl, CountTagsRegistered, Counts,
    Diary, DiaryRow, Dismissed, EntryEdited, ExposureRow, Exposures, Failure, GuestBookOpened,
    GuestList, GuestsDisclosed, Notified, PosterFiles, ProfileUpdated, Published,
    RegistrationApproved, RegistrationPending, RegistrationReview, ScanPreview, ScanRefused,
    SeedsReleased, Shared, SyncPart, Synced, TansIssued, TrustInstalled, TrustShown,
    VenueRegistered, VenueRestored, VenueRevoked, VenueUpdated,
};
use venuecode_protocol::api::PendingRegistrations;
use venuecode_protocol::code::{encode_decimal, DEFAULT_BASE_URL};
use venuecode_protocol::time::{Epoch, UnixMinute};
use venuecode_protocol::{Codec, MasterSeed, SigningKey, VenueCertificate, VenueCode};
use venuecode_testkit::cli::{self, run, tomorrow, Output, ServerProcess as Server, START_TIMEOUT};
use venuecode_testkit::fixture::{certificate, restaurant};
use venuecode_testkit::pki::TestCa;

const BIN: &str = env!("CARGO_BIN_EXE_venuecode");
/// Exit status of `visitor scan` when a code is refused.
const SCAN_REFUSED: i32 = 3;

// ------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------

/// The binary with a clean environment (see [`cli::command`]).
fn base_command() -> Command {
    cli::command(BIN)
}

/// A `venuecode venue display` subprocess on a free port; killed on drop.
struct Display {
    child: Child,
    addr: String,
}

impl Display {
    fn start(home: &Path) -> Self {
        Self::start_on(home, "127.0.0.1:0").0
    }

    /// A display listening on `listen`, and the screen's URL it printed.
    fn start_on(home: &Path, listen: &str) -> (Self, String) {
        let mut cmd = base_command();
        cmd.arg("--home")
            .arg(home)
            .args(["venue", "display", "--listen", listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("venue display starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .expect("venue display prints its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        let port = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .and_then(|hostport| hostport.rsplit(':').next())
            .unwrap_or_else(|| panic!("no port in {url:?}"))
            .to_owned();
        let addr = format!("127.0.0.1:{port}");
        (Self { child, addr }, url)
    }

    /// Status and body of `GET path` sent with this `Host` header.
    fn fetch(&self, path: &str, host: &str) -> (u16, String) {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(&self.addr).expect("connect to the display");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = venuecode_testkit::server::raw::status_of(&text);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// The body of `GET path`, which must answer 200.
    fn get(&self, path: &str) -> String {
        let (status, body) = self.fetch(path, &self.addr);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The serial of the certificate the current code is signed under.
    fn code_serial(&self) -> u64 {
        VenueCode::parse(self.get("/code.url").trim())
            .expect("the display's code parses")
            .certificate()
            .serial()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a server certificate and key it issued for `names`: PEM texts (CA, certificate,
/// key).
fn test_pki(names: &[&str]) -> (String, String, String) {
    let ca = TestCa::new("Test health authority CA");
    let (cert, key) = ca.issue(names);
    (ca.pem, cert, key)
}

/// `YYYY-MM-DD` of a UTC day number.
fn day_str(day: u32) -> String {
    venuecode::timefmt::format_day(day)
}

/// `YYYY-MM-DD HH:MM UTC` of a UTC day number and clock time (typed times without a zone are
/// read in the device's or the venue's zone).
fn at(day: u32, h: u32, m: u32) -> String {
    format!("{} {h:02}:{m:02} UTC", day_str(day))
}

/// One scenario's world: temporary directories, the authorities' home and a running server.
struct World {
    // Fields drop in order: the server stops before its directory is removed.
    server: Server,
    dir: tempfile::TempDir,
    ha: PathBuf,
    data: PathBuf,
    /// The simulated day (tomorrow).
    day: u32,
    starts: u32,
    /// Extra flags of every server start (TLS files).
    server_args: Vec<OsString>,
    /// Extra flags of every CLI command (the CA to trust).
    client_args: Vec<OsString>,
}

impl World {
    /// Creates the authorities' keys with `authority init` and starts a server on them.
    fn new() -> Self {
        Self::with_args(
            tempfile::tempdir().expect("tempdir"),
            Vec::new(),
            Vec::new(),
        )
    }

    /// A world whose server terminates TLS with a certificate for 127.0.0.1 and localhost from
    /// a test CA (`--tls-cert`/`--tls-key`), and whose commands trust that CA (`--ca-file`).
    fn new_tls() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = dir.path().join("pki");
        std::fs::create_dir_all(&pki).unwrap();
        let (ca, cert, key) = test_pki(&["127.0.0.1", "localhost"]);
        for (name, pem) in [("ca.pem", ca), ("server.crt", cert), ("server.key", key)] {
            std::fs::write(pki.join(name), pem).unwrap();
        }
        let server_args = vec![
            "--tls-cert".into(),
            pki.join("server.crt").into(),
            "--tls-key".into(),
            pki.join("server.key").into(),
        ];
        let client_args = vec!["--ca-file".into(), pki.join("ca.pem").into()];
        Self::with_args(dir, server_args, client_args)
    }

    fn with_args(
        dir: tempfile::TempDir,
        server_args: Vec<OsString>,
        client_args: Vec<OsString>,
    ) -> Self {
        let ha = dir.path().join("ha");
        let data = dir.path().join("server-data");
        let mut init = base_command();
        init.arg("--home").arg(&ha).args(["authority", "init"]);
        let out = run(init).ok();
        // The printed server command names the key files the harness passes.
        for f in [
            "ra/ra.key",
            "ra/admin.pub",
            "authority/ha-signing.pub",
            "authority/ha-encryption.pub",
            "authority/trust-bundle.bin",
        ] {
            assert!(out.stdout.contains(f), "init does not name {f}: {out:#?}");
            assert!(ha.join(f).is_file(), "init did not write {f}");
        }
        // It says how to install the bundle in the other homes, and installed it in its own.
        assert!(out.stdout.contains("trust install"), "{out:#?}");
        assert!(ha.join("trust-bundle.bin").is_file());
        let server = Server::start(
            BIN,
            &data,
            &ha,
            dir.path().join("server-1.log"),
            &server_args,
        );
        Self {
            dir,
            ha,
            data,
            server,
            day: tomorrow(),
            starts: 1,
            server_args,
            client_args,
        }
    }

    /// A home directory for one role, with the authority's trust bundle installed
    /// (`trust install`), as an app ships it.
    fn home(&self, name: &str) -> PathBuf {
        let home = self.bare_home(name);
        if !home.join("trust-bundle.bin").exists() {
            let mut cmd = base_command();
            cmd.arg("--home")
                .arg(&home)
                .args(["--json", "trust", "install"])
                .arg(self.bundle());
            let v: TrustInstalled = run(cmd).ok().parse();
            assert_eq!(v.sequence, 1, "{v:?}");
        }
        home
    }

    /// A home directory with nothing installed.
    fn bare_home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The trust bundle `authority init` wrote.
    fn bundle(&self) -> PathBuf {
        self.ha.join("authority/trust-bundle.bin")
    }

    /// Stops the server with SIGTERM (asserting a clean exit) and starts a new one on the same
    /// data directory, on a new port.
    fn restart_server(&mut self) {
        let status = self.server.stop();
        assert!(
            status.success(),
            "the server did not exit cleanly on SIGTERM ({status}); log:\n{}",
            self.server.log_text()
        );
        self.starts += 1;
        let log = self.dir.path().join(format!("server-{}.log", self.starts));
        self.server = Server::start(BIN, &self.data, &self.ha, log, &self.server_args);
    }

    /// `venuecode --home HOME --server URL [--now NOW] --json ARGS…`, not started.
    fn command(&self, home: &Path, now: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = base_command();
        cmd.arg("--home")
            .arg(home)
            .arg("--server")
            .arg(&self.server.url);
        if let Some(now) = now {
            cmd.arg("--now").arg(now);
        }
        cmd.args(&self.client_args).arg("--json").args(args);
        cmd
    }

    /// Runs `venuecode --home HOME --server URL [--now NOW] --json ARGS…`.
    fn cli(&self, home: &Path, now: Option<&str>, args: &[&str]) -> Output {
        run(self.command(home, now, args))
    }

    /// Runs a command that must succeed and returns its JSON output.
    fn ok(&self, home: &Path, now: Option<&str>, args: &[&str]) -> Value {
        self.cli(home, now, args).ok().json()
    }

    /// Runs a command that must succeed and reads its JSON output as `T` (a struct of
    /// `venuecode::output`).
    fn okt<T: serde::de::DeserializeOwned>(
        &self,
        home: &Path,
        now: Option<&str>,
        args: &[&str],
    ) -> T {
        self.cli(home, now, args).ok().parse()
    }

    /// Registers a venue (`venue register --pledge`) and returns its serial.
    fn register(&self, home: &Path, name: &str, category: &str) -> u64 {
        self.register_at(home, name, "甘肃省兰州市安宁区北滨河西路1号", category)
    }

    /// A venue at home `home`, registered as a restaurant named `name`, and its static poster
    /// URL.
    fn restaurant(&self, home: &str, name: &str) -> (PathBuf, String) {
        let venue = self.home(home);
        self.register(&venue, name, "restaurant");
        let url = self.static_url(&venue);
        (venue, url)
    }

    /// A visitor at home `home` who checks in with `code` at `from` and out at `until`; the
    /// home and the check-in's id.
    fn visit(&self, home: &str, code: &str, from: &str, until: &str) -> (PathBuf, u64) {
        let visitor = self.home(home);
        let id = self.scan(&visitor, from, code);
        self.checkout(&visitor, until);
        (visitor, id)
    }

    /// [`World::register`] at `address`.
    fn register_at(&self, home: &Path, name: &str, address: &str, category: &str) -> u64 {
        let args = [
            "venue",
            "register",
            "--name",
            name,
            "--address",
            address,
            "--region",
            "620105",
            "--category",
            category,
            "--pledge",
        ];
        let v: VenueRegistered = self.cli(home, None, &args).ok().parse();
        v.serial
    }

    /// The venue's static code URL (`venue code --json`).
    fn static_url(&self, venue: &Path) -> String {
        let v: CodeUrl = self.cli(venue, None, &["venue", "code"]).ok().parse();
        v.url
    }

    /// The rotating code a screen shows at `now` (`venue code --rotating --json`).
    fn rotating_url(&self, venue: &Path, now: &str) -> String {
        let v: CodeUrl = self
            .cli(venue, Some(now), &["venue", "code", "--rotating"])
            .ok()
            .parse();
        v.url
    }

    /// Scans a code that must be accepted; returns the new diary entry id.
    fn scan(&self, visitor: &Path, now: &str, code: &str) -> u64 {
        let v: CheckedIn = self
            .cli(visitor, Some(now), &["visitor", "scan", code])
            .ok()
            .parse();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.status, "CheckedIn", "{v:?}");
        v.entry
    }

    /// Shares (`--yes`) with `tan`, which must be refused saying `why`.
    fn share_refused(&self, visitor: &Path, now: &str, tan: &str, why: &str) {
        self.cli(
            visitor,
            Some(now),
            &["visitor", "share", "--tan", tan, "--yes"],
        )
        .failed()
        .mentions(&[why]);
    }

    /// Scans a code that must be refused (exit 3); returns the error message.
    fn scan_refused(&self, visitor: &Path, now: &str, code: &str) -> String {
        let out = self.cli(visitor, Some(now), &["visitor", "scan", code]);
        assert_eq!(
            out.code,
            Some(SCAN_REFUSED),
            "scan was not refused: {out:#?}"
        );
        let v: ScanRefused = out.parse();
        assert!(!v.ok, "{v:?}");
        assert_eq!(v.tone, "failure", "{v:?}");
        v.error
    }

    fn checkout(&self, visitor: &Path, now: &str) {
        self.ok(visitor, Some(now), &["visitor", "checkout"]);
    }

    /// Issues one TAN of a purpose (`authority tan --json`).
    fn tan(&self, purpose: &str) -> String {
        let v: TansIssued = self
            .cli(&self.ha, None, &["authority", "tan", "--purpose", purpose])
            .ok()
            .parse();
        assert_eq!(v.tans.len(), 1, "{v:?}");
        v.tans[0].clone()
    }

    /// `authority publish --json`.
    fn publish(&self, now: &str) -> Published {
        self.cli(&self.ha, Some(now), &["authority", "publish"])
            .ok()
            .parse()
    }

    /// `visitor sync --json`.
    fn sync(&self, visitor: &Path, now: &str) -> Synced {
        self.cli(visitor, Some(now), &["visitor", "sync"])
            .ok()
            .parse()
    }

    /// The visitor's diary entries (`visitor diary --all --json`).
    fn diary(&self, visitor: &Path, now: &str) -> Diary {
        self.cli(visitor, Some(now), &["visitor", "diary", "--all"])
            .ok()
            .parse()
    }

    /// `(active, revoked)` venues summed over the rows of `authority stats`.
    fn venue_stats(&self) -> (u64, u64) {
        let stats = self.ok(&self.ha, None, &["authority", "stats"]);
        let rows = stats["venues"]["by_region"]
            .as_array()
            .unwrap_or_else(|| panic!("no venue statistics: {stats}"));
        let sum = |k: &str| -> u64 {
            rows.iter()
                .map(|r| r[k].as_u64().unwrap_or_else(|| panic!("no `{k}` in {r}")))
                .sum()
        };
        (sum("active"), sum("revoked"))
    }

    /// The uploads in the health authority's mailbox.
    fn mailbox(&self) -> Vec<Value> {
        let v = self.ok(&self.ha, None, &["authority", "uploads", "list"]);
        v["uploads"].as_array().expect("uploads").clone()
    }
}

fn new_exposures(sync: &Synced) -> &Vec<ExposureRow> {
    &sync.new_exposures
}

fn chain_status(c: &ChainState) -> &'static str {
    match c {
        ChainState::Complete { .. } => "complete",
        ChainState::Withheld { .. } => "withheld",
        ChainState::Stale { .. } => "stale",
    }
}

fn chain_up_to(c: &ChainState) -> u64 {
    match c {
        ChainState::Complete { up_to }
        | ChainState::Withheld { up_to, .. }
        | ChainState::Stale { up_to, .. } => *up_to,
    }
}

fn entries(diary: &Diary) -> &Vec<DiaryRow> {
    &diary.entries
}

// ------------------------------------------------------------------------------------------
// 1. The demo's flow
// ------------------------------------------------------------------------------------------

#[test]
fn poster_checkins_case_share_publish_and_sync_notify_only_the_overlapping_visitor() {
    let w = World::new();
    let d = w.day;
    let shop = w.home("noodle-house");
    let serial = w.register(&shop, "兰州牛肉面馆", "restaurant");

    // The poster: PDF, SVG and PNG.
    let out_base = w.dir.path().join("out/poster");
    let files: PosterFiles = w.okt(
        &shop,
        None,
        &["venue", "poster", "--out", out_base.to_str().unwrap()],
    );
    let png = files.png.clone();
    assert_eq!(png, w.dir.path().join("out/poster.png"));
    for (k, p) in [
        ("pdf", &files.pdf),
        ("svg", &files.svg),
        ("png", &files.png),
    ] {
        assert!(std::fs::metadata(p).unwrap().len() > 1000, "{k} is tiny");
    }
    let url = w.static_url(&shop);

    let carol = w.home("carol");
    let alice = w.home("alice");
    let bob = w.home("bob");

    // Carol (the future case) scans a photo of the printed poster.
    let v: CheckedIn = w.okt(
        &carol,
        Some(&at(d, 10, 0)),
        &["visitor", "scan", "--image", png.to_str().unwrap()],
    );
    assert!(v.ok, "{v:?}");
    assert_eq!(v.venue, "兰州牛肉面馆");
    // Alice and Bob scan the URL.
    w.scan(&alice, &at(d, 10, 30), &url);
    w.checkout(&carol, &at(d, 10, 50));
    w.checkout(&alice, &at(d, 11, 15));
    // Bob arrives after Carol left, in the same hour: his phone holds tokens for that hour, but
    // his stay does not overlap hers.
    w.scan(&bob, &at(d, 10, 55), &url);

    let carol_diary = w.diary(&carol, &at(d, 15, 0));
    let ce = entries(&carol_diary);
    assert_eq!(ce.len(), 1, "{carol_diary:?}");
    assert_eq!(ce[0].venue, "兰州牛肉面馆");

    // Staff record a guest without a smartphone: the venue keeps only a masked label.
    w.ok(
        &shop,
        Some(&at(d, 10, 15)),
        &[
            "venue",
            "guestbook",
            "add",
            "--name",
            "王芳",
            "--phone",
            "18212341234",
            "--arrival",
            &at(d, 10, 15),
            "--departure",
            &at(d, 11, 15),
        ],
    );
    let guests: GuestList = w.okt(&shop, Some(&at(d, 15, 0)), &["venue", "guestbook", "list"]);
    let guests = guests.guests.clone();
    assert_eq!(guests.len(), 1);
    let label = guests[0].label.as_str();
    assert!(
        !label.contains("王芳") && !label.contains("18212341234"),
        "the guest book shows unmasked data: {label}"
    );

    // Carol tests positive and shares with a case TAN.
    let tan = w.tan("case");
    let shared: Shared = w.okt(
        &carol,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    assert_eq!(shared.shared, 1, "{shared:?}");
    // The upload shows in the metrics the server printed it serves apart, never on its public
    // address, which anyone can poll.
    let metrics = w
        .server
        .metrics_url
        .as_deref()
        .expect("the server names its metrics");
    let (status, text) = http_get(metrics);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("venuecode_events_total{event=\"upload_stored\"} 1\n"),
        "{text}"
    );
    let (status, text) = http_get(&format!("{}/metrics", w.server.url));
    assert_eq!(status, 404, "{text}");
    assert!(!text.contains("upload_stored"), "{text}");

    // The authority asks the venue for its guest book with a guest-book TAN and reads it.
    let gtan = w.tan("guestbook");
    let disclosed: GuestsDisclosed = w.okt(
        &shop,
        Some(&at(d, 15, 0)),
        &[
            "venue",
            "guestbook",
            "disclose",
            "--tan",
            &gtan,
            "--from",
            &at(d, 10, 0),
            "--until",
            &at(d, 10, 50),
        ],
    );
    assert_eq!(disclosed.entries, 1, "{disclosed:?}");
    let upload_id = disclosed.upload_id;
    let opened: GuestBookOpened = w.okt(
        &w.ha,
        None,
        &["authority", "uploads", "open", &upload_id.to_string()],
    );
    let book = &opened.guestbook;
    assert_eq!(book.len(), 1, "{opened:?}");
    assert_eq!(book[0].name, "王芳");
    assert_eq!(book[0].phone, "18212341234");
    assert_eq!(book[0].serial, serial);

    // The authority publishes.
    let published = w.publish(&at(d, 15, 5));
    assert_eq!(published.stays, 1, "{published:?}");
    assert!(published.records > 0, "{published:?}");
    assert_eq!(published.missing_seeds, Vec::new());
    let seq = published.sequence;

    // Alice overlapped Carol from 10:30 to 10:50: she is notified, with the venue and 20 minutes.
    let a = w.sync(&alice, &at(d, 15, 10));
    assert_eq!(a.cursor, seq, "{a:?}");
    assert_eq!(chain_status(&a.chain), "complete", "{a:?}");
    assert_eq!(chain_up_to(&a.chain), seq, "{a:?}");
    let ax = new_exposures(&a);
    assert_eq!(ax.len(), 1, "{a:?}");
    assert_eq!(ax[0].venue, "兰州牛肉面馆");
    assert_eq!(ax[0].overlap_minutes, 20);
    let adiary = w.diary(&alice, &at(d, 15, 11));
    assert_eq!(adiary.exposures.len(), 1, "{adiary:?}");

    // Bob fetched the same batch and is not notified.
    let b = w.sync(&bob, &at(d, 15, 10));
    assert_eq!(b.batches, 1, "{b:?}");
    assert_eq!(b.cursor, seq, "{b:?}");
    assert!(new_exposures(&b).is_empty(), "Bob did not overlap: {b:?}");
    let bdiary = w.diary(&bob, &at(d, 15, 11));
    assert!(bdiary.exposures.is_empty(), "{bdiary:?}");

    // Every secret or private file the flow wrote is readable by its owner only.
    let sheet = w.dir.path().join("sheets/recovery.txt");
    w.ok(
        &shop,
        None,
        &["venue", "recovery-sheet", "--out", sheet.to_str().unwrap()],
    );
    #[cfg(unix)]
    assert_private_files(&w, &sheet);
}

/// Status and whole answer of `GET url` (`http://HOST:PORT/PATH`), on a connection of its own.
fn http_get(url: &str) -> (u16, String) {
    use std::io::Write;
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    (venuecode_testkit::server::raw::status_of(&text), text)
}

/// Every key, seed, database and the recovery sheet under the world's directory is mode 0600,
/// and the server's data directory 0700.
#[cfg(unix)]
fn assert_private_files(w: &World, sheet: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    let mut files = Vec::new();
    walk(w.dir.path(), &mut files);
    let private: Vec<&PathBuf> = files
        .iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            [".key", ".seed", ".redb"].iter().any(|x| name.ends_with(x)) || *p == sheet
        })
        .collect();
    for p in &private {
        assert_eq!(mode(p), 0o600, "{} is mode {:o}", p.display(), mode(p));
    }
    let names: Vec<String> = private
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    for expected in [
        "ra.key",
        "admin.key",
        "ha-signing.key",
        "ha-encryption.key",
        "venue.key",
        "master.seed",
        "guestbook.key",
        "guestbook.redb",
        "diary.key",
        "diary.redb",
        "venuecode.redb",
        "recovery.txt",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected} among {names:?}"
        );
    }
    assert_eq!(mode(&w.data), 0o700, "the server's data directory");
}

// ------------------------------------------------------------------------------------------
// 2. Revoked and disabled venues
// ------------------------------------------------------------------------------------------

#[test]
fn revoked_and_disabled_venues_are_refused_after_sync() {
    let w = World::new();
    let d = w.day;
    let revoking = w.home("revoking-venue");
    let disabled = w.home("disabled-venue");
    let serial_a = w.register(&revoking, "自行注销的面馆", "restaurant");
    let serial_b = w.register(&disabled, "被停用的超市", "supermarket");
    assert_ne!(serial_a, serial_b);
    let url_a = w.static_url(&revoking);
    let url_b = w.static_url(&disabled);
    let visitor = w.home("visitor");

    assert_eq!(w.venue_stats(), (2, 0), "two active venues");

    // Both codes are accepted before anything is revoked (preview: nothing stored).
    for url in [&url_a, &url_b] {
        let p: ScanPreview = w.okt(
            &visitor,
            Some(&at(d, 9, 0)),
            &["visitor", "scan", "--preview", url],
        );
        assert!(!p.venue.is_empty(), "{p:?}");
    }

    // The venue deactivates its own code.
    let r: VenueRevoked = w.okt(&revoking, None, &["venue", "revoke", "--yes"]);
    assert_eq!(r.serial, serial_a, "{r:?}");
    assert!(!r.already_revoked, "{r:?}");
    // Revoking twice is not an error.
    let r: VenueRevoked = w.okt(&revoking, None, &["venue", "revoke", "--yes"]);
    assert!(r.already_revoked, "{r:?}");
    // No new code, poster or screen for it: the venue is told why.
    let poster = w.dir.path().join("revoked/poster");
    for args in [
        &["venue", "code"][..],
        &["venue", "code", "--rotating"],
        &["venue", "poster", "--out", poster.to_str().unwrap()],
        &["venue", "display", "--listen", "127.0.0.1:0"],
    ] {
        w.cli(&revoking, None, args)
            .failed()
            .mentions(&["deactivated its code"]);
    }
    w.sync(&visitor, &at(d, 10, 0));
    let err = w.scan_refused(&visitor, &at(d, 10, 5), &url_a);
    assert!(err.contains("deactivated"), "{err}");
    // The other venue still works: the refusal is about the revoked serial only.
    w.ok(
        &visitor,
        Some(&at(d, 10, 5)),
        &["visitor", "scan", "--preview", &url_b],
    );

    // The registration authority's admin disables the other venue.
    let r = w.ok(
        &w.ha,
        None,
        &["authority", "disable", &serial_b.to_string(), "--yes"],
    );
    assert_eq!(r["disabled"], serial_b, "{r}");
    w.cli(&disabled, None, &["venue", "code"])
        .failed()
        .mentions(&["disabled this venue"]);
    w.sync(&visitor, &at(d, 11, 0));
    let err = w.scan_refused(&visitor, &at(d, 11, 5), &url_b);
    assert!(err.contains("deactivated"), "{err}");

    // Nothing was stored for the refused scans.
    let diary = w.diary(&visitor, &at(d, 11, 10));
    assert!(entries(&diary).is_empty(), "{diary:?}");

    // The registry's statistics now count both venues as revoked, none as active.
    assert_eq!(w.venue_stats(), (0, 2));
}

#[test]
fn a_venue_that_updates_its_information_replaces_its_posters() {
    let w = World::new();
    let d = w.day;
    let venue = w.home("moving-venue");
    let visitor = w.home("visitor");
    let old_serial = w.register(&venue, "搬家的面馆", "restaurant");
    let old_url = w.static_url(&venue);
    w.ok(
        &visitor,
        Some(&at(d, 9, 0)),
        &["visitor", "scan", "--preview", &old_url],
    );

    // Nothing to change is refused, and so is a bad field, with the state untouched.
    let err = w
        .cli(&venue, None, &["venue", "update", "--pledge"])
        .failed()
        .stderr;
    assert!(err.contains("nothing to update"), "{err}");
    let err = w
        .cli(
            &venue,
            None,
            &["venue", "update", "--region", "1234", "--pledge"],
        )
        .failed()
        .stderr;
    assert!(err.contains("six-digit"), "{err}");
    assert_eq!(w.static_url(&venue), old_url);
    // The poster's English lines alone need no new certificate.
    let r: ProfileUpdated = w.okt(
        &venue,
        None,
        &["venue", "update", "--english-name", "Moving Noodles"],
    );
    assert!(!r.new_certificate, "{r:?}");
    assert_eq!(r.serial, old_serial, "{r:?}");
    assert_eq!(w.static_url(&venue), old_url);
    let err = w
        .cli(
            &venue,
            None,
            &["venue", "update", "--english-name", "Moving Noodles"],
        )
        .failed()
        .stderr;
    assert!(err.contains("nothing to update"), "{err}");

    // The entrance screen is running.
    let screen = Display::start(&venue);
    assert_eq!(screen.code_serial(), old_serial);
    assert_eq!(screen.get("/serial"), old_serial.to_string());

    // The venue moves: a new certificate supersedes the old one.
    let r: VenueUpdated = w.okt(
        &venue,
        None,
        &[
            "venue",
            "update",
            "--address",
            "甘肃省兰州市安宁区北滨河西路2号",
            "--stay",
            "45",
            "--pledge",
        ],
    );
    assert_eq!(r.superseded, old_serial, "{r:?}");
    assert!(r.new_certificate, "{r:?}");
    let new_serial = r.serial;
    assert_ne!(new_serial, old_serial);
    let new_url = w.static_url(&venue);
    assert_ne!(new_url, old_url);
    let code = VenueCode::parse(&new_url).unwrap();
    assert_eq!(code.certificate().serial(), new_serial);
    assert_eq!(
        code.certificate().info().address(),
        "甘肃省兰州市安宁区北滨河西路2号"
    );
    assert_eq!(code.certificate().info().default_stay_minutes(), 45);
    // The name and the rest stay as registered.
    assert_eq!(code.certificate().info().name(), "搬家的面馆");
    // The running screen signs under the new certificate without a restart, and its page
    // learns the new serial (it reloads itself to show the new details).
    assert_eq!(screen.code_serial(), new_serial);
    assert_eq!(screen.get("/serial"), new_serial.to_string());
    assert!(screen
        .get("/")
        .contains(&format!("const serial = \"{new_serial}\"")));

    // After a sync, the old poster is refused with a message that points to the new one; the
    // new poster checks in.
    w.sync(&visitor, &at(d, 10, 0));
    let err = w.scan_refused(&visitor, &at(d, 10, 5), &old_url);
    assert!(err.contains("current poster"), "{err}");
    let p: CheckedIn = w.okt(
        &visitor,
        Some(&at(d, 10, 5)),
        &["visitor", "scan", &new_url],
    );
    assert_eq!(p.venue, "搬家的面馆", "{p:?}");
    // One venue in the registry, still active.
    assert_eq!(w.venue_stats(), (1, 0));

    // Renewing with nothing changed issues yet another certificate, valid from now.
    let r: VenueUpdated = w.okt(&venue, None, &["venue", "update", "--renew", "--pledge"]);
    assert_eq!(r.superseded, new_serial, "{r:?}");
    let renewed = r.serial;
    assert!(renewed > new_serial, "{r:?}");
    // RFC 3339 in the venue's zone: the same offset, so the strings order as the times do.
    let old_until = venuecode::timefmt::rfc3339(
        code.certificate().body().valid_until,
        &venuecode::timefmt::Zone::venue(code.utc_offset()),
    );
    assert!(r.valid_until.as_str() >= old_until.as_str(), "{r:?}");
    assert_eq!(screen.code_serial(), renewed);
    assert_eq!(w.venue_stats(), (1, 0));

    // Venue commands warn in the certificate's last month, and once it has ended.
    let fresh = w.cli(&venue, None, &["venue", "code"]).ok();
    assert!(!fresh.stderr.contains("warning"), "{fresh:#?}");
    let late = w
        .cli(&venue, Some(&at(d + 350, 12, 0)), &["venue", "code"])
        .ok();
    assert!(
        late.stderr.contains("expires on") && late.stderr.contains("--renew"),
        "{late:#?}"
    );
    let ended = w
        .cli(&venue, Some(&at(d + 400, 12, 0)), &["venue", "code"])
        .ok();
    assert!(ended.stderr.contains("expired on"), "{ended:#?}");
}

#[test]
fn a_venue_that_updates_its_information_is_still_traced_from_its_old_poster() {
    let w = World::new();
    let d = w.day;
    let venue = w.home("moving-noodles");
    let old_serial = w.register(&venue, "搬家的面馆", "restaurant");
    let old_url = w.static_url(&venue);
    let case = w.home("case");
    let old_visitor = w.home("old-poster-visitor");
    let new_visitor = w.home("new-poster-visitor");
    // The case and a visitor check in at the old poster.
    w.scan(&case, &at(d, 10, 0), &old_url);
    w.scan(&old_visitor, &at(d, 10, 10), &old_url);
    w.checkout(&case, &at(d, 10, 50));
    w.checkout(&old_visitor, &at(d, 11, 0));
    // The venue then corrects its address: a new certificate supersedes the old poster.
    let r: VenueUpdated = w.okt(
        &venue,
        None,
        &[
            "venue",
            "update",
            "--address",
            "甘肃省兰州市安宁区北滨河西路2号",
            "--pledge",
        ],
    );
    assert_eq!(r.superseded, old_serial, "{r:?}");
    let new_url = w.static_url(&venue);
    assert_ne!(new_url, old_url);
    w.sync(&new_visitor, &at(d, 10, 15));
    w.scan(&new_visitor, &at(d, 10, 20), &new_url);
    w.checkout(&new_visitor, &at(d, 11, 10));

    // The case shares the old poster's check-in after the update: the HA still checks and
    // publishes it (the old certificate was genuine when scanned).
    w.share(&case, &at(d, 12, 0));
    let p = w.publish(&at(d, 12, 10));
    assert_eq!(p.skipped, Vec::new(), "{p:?}");
    assert_eq!(p.stays, 1, "{p:?}");
    // The old poster's visitor is told; the venue, under its new certificate, learns that
    // it was notified.
    let s = w.sync(&old_visitor, &at(d, 12, 30));
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    assert_eq!(new_exposures(&s)[0].overlap_minutes, 40, "{s:?}");
    let n: Notified = w.okt(&venue, Some(&at(d, 12, 30)), &["venue", "notified"]);
    assert!(n.notified, "{n:?}");
    // The static seed is the venue's, not the certificate's, and so is the key: the new
    // poster yields the same tokens, and its visitor who overlapped is told as well.
    assert_eq!(
        VenueCode::parse(&new_url).unwrap().seed(),
        VenueCode::parse(&old_url).unwrap().seed()
    );
    let s = w.sync(&new_visitor, &at(d, 12, 30));
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
}

// ------------------------------------------------------------------------------------------
// 3. Forged posters
// ------------------------------------------------------------------------------------------

#[test]
fn registration_abuse_review_mode_holds_venues_until_the_ra_approves() {
    let w = World::with_args(
        tempfile::tempdir().expect("tempdir"),
        vec!["--review-registrations".into()],
        Vec::new(),
    );
    let venue = w.home("reviewed-venue");
    let spam = w.home("spam-venue");
    let register = |home: &Path, name: &str| -> RegistrationPending {
        w.okt(
            home,
            None,
            &[
                "venue",
                "register",
                "--name",
                name,
                "--address",
                "安宁区北滨河西路9号",
                "--region",
                "620105",
                "--category",
                "restaurant",
                "--pledge",
            ],
        )
    };
    let id = register(&venue, "待审核的面馆").pending;
    let spam_id = register(&spam, "广告店").pending;
    // Nothing is issued yet: no code, and collecting says it waits.
    let err = w.cli(&venue, None, &["venue", "code"]).failed().stderr;
    assert!(
        err.contains("waiting for the registration authority"),
        "{err}"
    );
    let r: RegistrationReview = w.okt(&venue, None, &["venue", "collect"]);
    assert_eq!(r.state, "waiting", "{r:?}");

    // The RA administrator lists, approves one and refuses the other.
    let list: PendingRegistrations = w.okt(&w.ha, None, &["authority", "registrations"]);
    let names: Vec<_> = list.registrations.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["待审核的面馆", "广告店"], "{list:?}");
    let r: RegistrationApproved = w.okt(&w.ha, None, &["authority", "approve", &id.to_string()]);
    let serial = r.serial;
    w.ok(&w.ha, None, &["authority", "refuse", &spam_id.to_string()]);
    let err = w
        .cli(&w.ha, None, &["authority", "approve", &spam_id.to_string()])
        .failed()
        .stderr;
    assert!(err.contains("already_reviewed"), "{err}");

    // The venue collects its certificate and works as if registered directly.
    let r: VenueRegistered = w.okt(&venue, None, &["venue", "collect"]);
    assert_eq!(r.serial, serial, "{r:?}");
    assert!(w.static_url(&venue).starts_with("https://"));
    let r: RegistrationReview = w.okt(&spam, None, &["venue", "collect"]);
    assert_eq!(r.state, "refused", "{r:?}");
    let list: PendingRegistrations = w.okt(&w.ha, None, &["authority", "registrations"]);
    assert!(list.registrations.is_empty(), "{list:?}");
}

#[test]
fn display_access_is_loopback_or_token_and_the_page_owns_up_when_the_display_stops() {
    let w = World::new();
    let venue = w.home("screened-venue");
    w.register(&venue, "屏幕面馆", "restaurant");

    // On loopback (the default) no token is needed, but the request must name a loopback host:
    // a web page elsewhere cannot read codes through DNS rebinding.
    let local = Display::start(&venue);
    assert_eq!(local.fetch("/code.url", &local.addr).0, 200);
    assert_eq!(local.fetch("/code.url", "localhost:8090").0, 200);
    assert_eq!(local.fetch("/code.url", "evil.example:8090").0, 403);
    assert_eq!(local.fetch("/", "evil.example").0, 403);
    drop(local);

    // Anywhere else, the printed URL carries an unguessable token, and nothing is served
    // without it: not the page, not a code, not its URL.
    let (remote, url) = Display::start_on(&venue, "0.0.0.0:0");
    let token = url
        .split("?t=")
        .nth(1)
        .unwrap_or_else(|| panic!("no token in {url}"))
        .to_owned();
    assert_eq!(token.len(), 32, "{url}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
    for path in [
        "/",
        "/code.svg",
        "/code.url",
        "/serial",
        "/code.url?t=",
        "/code.url?t=00",
    ] {
        let (status, body) = remote.fetch(path, "192.0.2.7:8090");
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains("http"), "{path} leaked {body}");
    }
    let wrong = format!("/code.url?t={}", "0".repeat(32));
    assert_eq!(remote.fetch(&wrong, "192.0.2.7:8090").0, 403);
    let (status, code) = remote.fetch(&format!("/code.url?t={token}"), "192.0.2.7:8090");
    assert_eq!(status, 200);
    assert!(VenueCode::parse(code.trim()).is_ok(), "{code}");
    // The page asks for its codes with the token, and carries the notice it shows instead of a
    // code once the display has stopped and the last code has expired.
    let (status, page) = remote.fetch(&format!("/?t={token}"), "192.0.2.7:8090");
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("const query = \"t={token}&\"")),
        "{page}"
    );
    assert!(page.contains("This code has expired"), "{page}");
    assert!(page.contains("The display has stopped"), "{page}");
    assert!(page.contains("const validMs = 240000;"), "{page}");

    // The help no longer suggests listening everywhere without a word.
    let help = run({
        let mut cmd = base_command();
        cmd.args(["venue", "display", "--help"]);
        cmd
    })
    .ok()
    .stdout;
    assert!(!help.contains("0.0.0.0"), "{help}");
    assert!(help.contains("token"), "{help}");
}

/// A complete code from a registration authority the visitor does not trust.
fn code_from_untrusted_authority(now_minute: u32) -> String {
    let fake_ra = SigningKey::from_seed(&[0x11; 32]).unwrap();
    let venue_key = SigningKey::from_seed(&[0x22; 32]).unwrap();
    let master = MasterSeed::from_bytes([0x33; 32]);
    let info = restaurant("兰州牛肉面馆");
    let cert = certificate(
        &fake_ra,
        1,
        &venue_key,
        info,
        UnixMinute::new(now_minute.saturating_sub(60)),
        UnixMinute::new(now_minute + 365 * 1440),
    );
    VenueCode::new_static(cert, &master, &venue_key)
        .unwrap()
        .to_url(DEFAULT_BASE_URL)
}

/// The URL of a code whose raw encoding was changed by `tamper`, signatures untouched.
fn tampered(url: &str, tamper: impl FnOnce(&mut Vec<u8>)) -> String {
    let code = VenueCode::parse(url).expect("the genuine code parses");
    let mut raw = code.encode();
    let before = raw.clone();
    tamper(&mut raw);
    assert_ne!(raw, before, "the tamper changed nothing");
    let (base, _) = url.split_once('#').unwrap();
    format!("{base}#{}", encode_decimal(&raw))
}

#[test]
fn forged_posters_are_refused_and_nothing_is_stored() {
    let w = World::new();
    let d = w.day;
    let (_, genuine) = w.restaurant("shop", "兰州牛肉面馆");
    let visitor = w.home("visitor");
    let now = at(d, 12, 0);
    let now_minute = d * 1440 + 12 * 60;

    // (a) A certificate signed by a key the visitor does not trust.
    let forged = code_from_untrusted_authority(now_minute);
    let err = w.scan_refused(&visitor, &now, &forged);
    assert!(err.contains("unknown authority"), "{err}");

    // (a') A genuine certificate whose venue name was altered: the RA signature breaks.
    let renamed = tampered(&genuine, |raw| {
        let from = "牛肉".as_bytes();
        let to = "羊肉".as_bytes();
        let at = raw
            .windows(from.len())
            .position(|w| w == from)
            .expect("the name is in the code");
        raw[at..at + to.len()].copy_from_slice(to);
    });
    let err = w.scan_refused(&visitor, &now, &renamed);
    assert!(err.contains("certificate is forged"), "{err}");

    // (b) The genuine poster with its seed swapped: the seed is the 32 bytes before the
    // venue's 64-byte signature at the end of the static code.
    let swapped = tampered(&genuine, |raw| {
        let seed_start = raw.len() - 64 - 32;
        raw[seed_start] ^= 0x01;
    });
    assert_eq!(
        VenueCode::parse(&swapped).unwrap().certificate(),
        VenueCode::parse(&genuine).unwrap().certificate(),
        "the swapped-seed code keeps the genuine certificate"
    );
    let err = w.scan_refused(&visitor, &now, &swapped);
    assert!(
        err.contains("signature is invalid") && err.contains("swapped seed"),
        "{err}"
    );

    // Nothing was added to the diary.
    let diary = w.diary(&visitor, &now);
    assert!(entries(&diary).is_empty(), "{diary:?}");

    // The genuine poster still checks in, so the refusals above were about the codes.
    w.scan(&visitor, &now, &genuine);
    let diary = w.diary(&visitor, &now);
    assert_eq!(entries(&diary).len(), 1, "{diary:?}");
}

// ------------------------------------------------------------------------------------------
// 4. Reused and expired TANs
// ------------------------------------------------------------------------------------------

#[test]
fn reused_and_expired_tans_are_refused() {
    let w = World::new();
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let first = w.home("first-case");
    let second = w.home("second-case");
    w.scan(&first, &at(d, 10, 0), &url);
    w.scan(&second, &at(d, 10, 10), &url);
    let share_at = at(d, 14, 0);

    // The first case went back at noon and hid that visit: the share leaves it out, and says
    // so before sending.
    let hidden = w.scan(&first, &at(d, 12, 0), &url);
    w.ok(
        &first,
        Some(&at(d, 12, 5)),
        &["visitor", "hide", &hidden.to_string()],
    );
    let tan = w.tan("case");
    let preview: Shared = w.okt(
        &first,
        Some(&share_at),
        &["visitor", "share", "--tan", &tan, "--preview"],
    );
    assert_eq!(preview.shared, 0, "{preview:?}");
    assert_eq!(preview.lists.to_send.len(), 1);
    assert_eq!(preview.lists.hidden[0].id, hidden, "{preview:?}");
    assert!(w.mailbox().is_empty(), "a preview sent something");
    let out = w
        .cli(
            &first,
            Some(&share_at),
            &["visitor", "share", "--tan", &tan, "--yes"],
        )
        .ok();
    let ok: Shared = out.parse();
    assert_eq!(ok.shared, 1, "{ok:?}");
    assert_eq!(ok.lists.to_send[0].venue, "兰州牛肉面馆", "{ok:?}");
    assert!(
        out.stderr.contains("will send 1 check-in(s)")
            && out.stderr.contains("兰州牛肉面馆")
            && out.stderr.contains("left out, hidden (1"),
        "{out:#?}"
    );
    assert_eq!(w.mailbox().len(), 1);

    // The second visitor's share with `tan` is refused, saying `why`, and stores nothing.
    let refused = |tan: &str, why: &str| {
        w.share_refused(&second, &share_at, tan, why);
        assert_eq!(w.mailbox().len(), 1, "a refused upload ({why}) was stored");
    };
    // The second visitor uses the same TAN.
    refused(&tan, "TAN was already used");

    // `authority tan --valid-hours 0` cannot produce a TAN: the command refuses it with a
    // clear error (and, under --json, an error object rather than a TAN).
    let out = w
        .cli(&w.ha, None, &["authority", "tan", "--valid-hours", "0"])
        .failed();
    assert!(
        out.stderr.contains("--valid-hours must be between 1 and"),
        "{out:#?}"
    );
    // Under --json the failure is one JSON object on stderr (`venuecode::output::Failure`),
    // with a stable code.
    let answer: serde_json::Value = serde_json::from_str(out.stderr.trim()).expect("JSON error");
    assert!(answer.get("tans").is_none(), "a TAN was printed: {out:#?}");
    let answer: Failure = serde_json::from_str(out.stderr.trim()).expect("JSON error");
    assert!(!answer.error.code.is_empty(), "{out:#?}");
    assert!(!out.stdout.contains("tans"), "a TAN was printed: {out:#?}");

    // An expired TAN: issued for a few seconds with the authority's own keys (as
    // `authority tan` does), then used after it expired. The CLI issues TANs by the hour, so
    // the test registers this one itself. The server refuses a TAN already expired when it
    // arrives: its life must outlast the request on a loaded machine (three seconds, counted
    // in whole seconds, could be under two).
    const SHORT_VALIDITY_SECS: u64 = 8;
    let ha = venuecode::authority::load_ha(&venuecode::home::Home::new(&w.ha)).expect("HA keys");
    let transport = venuecode_client::HttpTransport::new(&w.server.url).unwrap();
    let short = venuecode::authority::fresh_tans(1).unwrap().remove(0);
    venuecode::authority::issue_tans(
        &transport,
        &ha,
        &venuecode::home::Home::new(&w.ha),
        std::slice::from_ref(&short),
        venuecode::authority::UploadPurpose::Case,
        SHORT_VALIDITY_SECS,
    )
    .expect("registering a short-lived TAN");
    // Its expiry was computed before the request went out, so it is at most this.
    let expires_by = venuecode::authority::now_seconds() + SHORT_VALIDITY_SECS;
    // Wait for the real clock to pass it (the server judges TANs by the real clock).
    while venuecode::authority::now_seconds() <= expires_by {
        std::thread::sleep(Duration::from_millis(100));
    }
    refused(&short, "TAN has expired");

    // A fresh TAN still works for the second visitor.
    let fresh = w.tan("case");
    w.ok(
        &second,
        Some(&share_at),
        &["visitor", "share", "--tan", &fresh, "--yes"],
    );
    assert_eq!(w.mailbox().len(), 2);
}

// ------------------------------------------------------------------------------------------
// 5. A rotating venue and its seed release
// ------------------------------------------------------------------------------------------

/// `YYYY-MM-DD HH:MM` (UTC) of a clock time in UTC+08:00 (the venues' default offset) on local
/// day `day`: local midnight is 16:00 UTC the day before.
fn local_at(day: u32, h: u32, m: u32) -> String {
    let minute = day * 1440 + h * 60 + m - 8 * 60;
    venuecode::timefmt::format_minute(UnixMinute::new(minute))
}

#[test]
fn rotating_venue_across_midnight_needs_the_seed_release() {
    let w = World::new();
    let d = w.day;
    let d1 = d + 1;
    let lib = w.home("library");
    // Registered with the default offset, +08:00: its rotating code changes at local midnight,
    // 16:00 UTC, and the days below are its local days.
    let serial = w.register(&lib, "安宁区图书馆", "culture-entertainment");
    let cert_code = VenueCode::parse(&w.static_url(&lib)).unwrap();
    assert_eq!(cert_code.utc_offset(), 32, "the default offset is +08:00");
    let case = w.home("case");
    let x = w.home("visitor-x");
    let y = w.home("visitor-y");

    // The case checks in at 23:00 local on day D from the screen.
    let t = local_at(d, 23, 0);
    let case_entry = w.scan(&case, &t, &w.rotating_url(&lib, &t));
    // X scans at 23:30 on day D (day D's seed).
    let t = local_at(d, 23, 30);
    let x_code = w.rotating_url(&lib, &t);
    match VenueCode::parse(&x_code).unwrap().kind() {
        venuecode_protocol::CodeKind::Rotating { epoch, .. } => assert_eq!(epoch.get(), d),
        other => panic!("not a rotating code: {other:?}"),
    }
    w.scan(&x, &t, &x_code);
    // Y scans at 00:45 local on day D+1 (16:45 UTC on day D): the screen now shows day D+1's
    // seed, although the UTC day has not changed.
    let t = local_at(d1, 0, 45);
    let y_code = w.rotating_url(&lib, &t);
    match VenueCode::parse(&y_code).unwrap().kind() {
        venuecode_protocol::CodeKind::Rotating { epoch, .. } => assert_eq!(epoch.get(), d1),
        other => panic!("not a rotating code: {other:?}"),
    }
    w.scan(&y, &t, &y_code);

    // A rotating code is refused long after it was shown.
    let stale = w.scan_refused(&x, &local_at(d1, 1, 0), &x_code);
    assert!(stale.contains("expired"), "{stale}");

    // The case stayed until 01:30 local on day D+1.
    let edited: EntryEdited = w.okt(
        &case,
        Some(&local_at(d1, 2, 0)),
        &[
            "visitor",
            "edit",
            &case_entry.to_string(),
            "--arrival",
            &local_at(d, 23, 0),
            "--departure",
            &local_at(d1, 1, 30),
        ],
    );
    assert_eq!(
        edited.departure,
        format!("{}T01:30:00+08:00", day_str(d1)),
        "{edited:?}"
    );

    let tan = w.tan("case");
    w.ok(
        &case,
        Some(&local_at(d1, 2, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );

    // Without the venue's help the authority has only day D's seed.
    let p1 = w.publish(&local_at(d1, 2, 10));
    let missing = &p1.missing_seeds;
    assert_eq!(missing.len(), 1, "{p1:?}");
    assert_eq!(missing[0].serial, serial, "{p1:?}");
    assert_eq!(missing[0].day, day_str(d1), "{p1:?}");
    assert_eq!(p1.skipped, Vec::new(), "{p1:?}");

    let sx = w.sync(&x, &local_at(d1, 2, 20));
    let xx = new_exposures(&sx);
    assert_eq!(xx.len(), 1, "{sx:?}");
    assert_eq!(xx[0].venue, "安宁区图书馆");
    // X stayed 23:30–00:30 (the venue's default hour), inside the case's 23:00–01:30.
    assert_eq!(xx[0].overlap_minutes, 60);
    let sy = w.sync(&y, &local_at(d1, 2, 20));
    assert_eq!(sy.batches, 1, "{sy:?}");
    assert!(
        new_exposures(&sy).is_empty(),
        "Y cannot be notified yet: {sy:?}"
    );

    // The library corrects its address before it helps: it now holds a new certificate, and
    // its release comes under the new serial. Seeds belong to the venue key, so the release
    // still covers the codes the visitors scanned under the old serial.
    let upd: VenueUpdated = w.okt(
        &lib,
        None,
        &[
            "venue",
            "update",
            "--address",
            "甘肃省兰州市安宁区北滨河西路3号",
            "--pledge",
        ],
    );
    assert_eq!(upd.superseded, serial, "{upd:?}");
    assert_ne!(upd.serial, serial, "{upd:?}");

    // The venue releases day D+1's seed with a seeds TAN; the authority publishes again.
    let stan = w.tan("seeds");
    let rel: SeedsReleased = w.okt(
        &lib,
        Some(&local_at(d1, 3, 0)),
        &[
            "venue",
            "release-seeds",
            "--tan",
            &stan,
            "--days",
            &day_str(d1),
        ],
    );
    assert_eq!(rel.days, vec![day_str(d1)], "{rel:?}");
    let p2 = w.publish(&local_at(d1, 3, 10));
    assert_eq!(p2.missing_seeds, Vec::new(), "{p2:?}");
    assert_eq!(p2.sequence, p1.sequence + 1, "{p2:?}");
    // Day D's seed covered the stay's three slots in the first batch; the second adds only day
    // D+1's seed, for the two slots after local midnight where a visitor can hold it (SPEC
    // §12.3). Republishing everything would have made it five.
    let (r1, r2) = (p1.records, p2.records);
    assert_eq!((r1, r2), (3, 2), "{p1:?} {p2:?}");
    // With nothing new in the mailbox, a third publish refuses instead of repeating itself.
    let again = w
        .cli(&w.ha, Some(&local_at(d1, 3, 15)), &["authority", "publish"])
        .failed();
    assert!(
        again.stderr.contains("nothing new to publish"),
        "{again:#?}"
    );

    // Y stayed 00:45–01:45: 45 minutes inside the case's window.
    let sy = w.sync(&y, &local_at(d1, 3, 20));
    let yx = new_exposures(&sy);
    assert_eq!(yx.len(), 1, "{sy:?}");
    assert_eq!(yx[0].venue, "安宁区图书馆");
    assert_eq!(yx[0].overlap_minutes, 45);
    assert_eq!(chain_status(&sy.chain), "complete", "{sy:?}");
    // X sees the second batch but is not alerted twice for the same stay.
    let sx = w.sync(&x, &local_at(d1, 3, 20));
    assert_eq!(sx.batches, 1, "{sx:?}");
    assert!(new_exposures(&sx).is_empty(), "duplicate alert: {sx:?}");
}

// ------------------------------------------------------------------------------------------
// 6. A server restart between publish and sync
// ------------------------------------------------------------------------------------------

#[test]
fn exposures_survive_a_server_restart_between_publish_and_sync() {
    let mut w = World::new();
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let case = w.home("case");
    let visitor = w.home("visitor");
    w.scan(&case, &at(d, 10, 0), &url);
    w.scan(&visitor, &at(d, 10, 20), &url);
    w.checkout(&case, &at(d, 10, 50));
    w.checkout(&visitor, &at(d, 11, 0));
    // The visitor has synced before: nothing yet.
    let s0 = w.sync(&visitor, &at(d, 11, 30));
    assert_eq!(s0.batches, 0, "{s0:?}");

    let tan = w.tan("case");
    w.ok(
        &case,
        Some(&at(d, 12, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    let published = w.publish(&at(d, 12, 10));
    let seq = published.sequence;

    w.restart_server();

    let s = w.sync(&visitor, &at(d, 12, 30));
    assert_eq!(s.batches, 1, "{s:?}");
    assert_eq!(s.cursor, seq, "{s:?}");
    let ex = new_exposures(&s);
    assert_eq!(ex.len(), 1, "{s:?}");
    assert_eq!(ex[0].venue, "兰州牛肉面馆");
    assert_eq!(ex[0].overlap_minutes, 30);

    // The used TAN is still used after the restart.
    w.share_refused(&case, &at(d, 12, 40), &tan, "TAN was already used");
}

// ------------------------------------------------------------------------------------------
// 7. The server on TLS, visitors trusting a private CA
// ------------------------------------------------------------------------------------------

#[test]
fn tls_server_with_a_private_ca_serves_the_whole_flow_and_refuses_untrusting_clients() {
    let mut w = World::new_tls();
    assert!(
        w.server.url.starts_with("https://127.0.0.1:"),
        "{}",
        w.server.url
    );
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let case = w.home("case");
    let visitor = w.home("visitor");
    w.scan(&case, &at(d, 10, 0), &url);
    w.scan(&visitor, &at(d, 10, 20), &url);
    w.checkout(&case, &at(d, 10, 50));
    w.checkout(&visitor, &at(d, 11, 0));
    let tan = w.tan("case");
    w.ok(
        &case,
        Some(&at(d, 12, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    w.publish(&at(d, 12, 10));

    // SIGTERM drains and stops the TLS server cleanly; it comes back on TLS.
    w.restart_server();
    assert!(w.server.url.starts_with("https://"), "{}", w.server.url);

    // By host name as well as by address.
    let port = w.server.url.rsplit(':').next().unwrap().to_owned();
    let by_name = format!("https://localhost:{port}");
    let mut sync = base_command();
    sync.arg("--home")
        .arg(&visitor)
        .args(["--server", &by_name, "--now", &at(d, 12, 30)])
        .args(&w.client_args)
        .args(["--json", "visitor", "sync"]);
    let s: Synced = run(sync).ok().parse();
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");

    // Without --ca-file the certificate is refused: nothing is fetched, the keys stay those of
    // the installed bundle.
    let stranger = w.home("stranger");
    let bundle_before = std::fs::read(stranger.join("trust-bundle.bin")).unwrap();
    let mut untrusting = base_command();
    untrusting.arg("--home").arg(&stranger).args([
        "--server",
        &w.server.url,
        "--json",
        "visitor",
        "sync",
    ]);
    let out = run(untrusting).failed();
    assert!(
        out.stderr.contains("certificate is not trusted") && out.stderr.contains(&w.server.url),
        "{out:#?}"
    );
    assert_eq!(
        std::fs::read(stranger.join("trust-bundle.bin")).unwrap(),
        bundle_before,
        "the stranger's trust bundle changed: {out:#?}"
    );

    // Plain HTTP to another machine is refused before any connection; the opt-in is loud.
    let mut plain = base_command();
    plain.arg("--home").arg(&stranger).args([
        "--server",
        "http://192.0.2.1:8080",
        "visitor",
        "sync",
    ]);
    run(plain).failed().mentions(&["--insecure-http"]);
    let mut opted_in = base_command();
    opted_in.arg("--home").arg(&stranger).args([
        "--server",
        "http://127.0.0.1:9",
        "--insecure-http",
        "visitor",
        "sync",
    ]);
    let out = run(opted_in).failed();
    assert!(
        out.stderr.starts_with("WARNING: --insecure-http"),
        "{out:#?}"
    );
}

// ------------------------------------------------------------------------------------------
// A loopback HTTP forwarder that can change what one client is told
// ------------------------------------------------------------------------------------------

/// A request the proxy received.
#[derive(Debug, Clone)]
struct ProxyRequest {
    method: String,
    path: String,
}

/// An answer, from the server or made up by the proxy.
#[derive(Debug, Clone)]
struct ProxyResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Decides the answer to a request; `upstream` forwards it to the real server.
type ProxyHook =
    dyn Fn(&ProxyRequest, &mut dyn FnMut() -> ProxyResponse) -> ProxyResponse + Send + Sync;

/// A small HTTP/1.1 forwarder on a free loopback port, in front of the test's server: every
/// request goes to `hook`, which forwards it (possibly changing the answer) or answers itself.
/// One request per connection (`Connection: close`).
struct Proxy {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    fn start(upstream: &str, hook: std::sync::Arc<ProxyHook>) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("the proxy forwards plain HTTP")
            .trim_end_matches('/')
            .to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let hook = std::sync::Arc::clone(&hook);
                        let upstream = upstream.clone();
                        std::thread::spawn(move || {
                            let _ = Self::serve(conn, &upstream, &*hook);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { url, stop }
    }

    fn serve(
        mut conn: std::net::TcpStream,
        upstream: &str,
        hook: &ProxyHook,
    ) -> std::io::Result<()> {
        use std::io::Write;
        conn.set_nonblocking(false)?;
        conn.set_read_timeout(Some(Duration::from_secs(30)))?;
        let (head, body) = read_message(&mut conn, true)?;
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let mut parts = request_line.split(' ');
        let req = ProxyRequest {
            method: parts.next().unwrap_or_default().to_owned(),
            path: parts.next().unwrap_or_default().to_owned(),
        };
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .filter(|(k, _)| {
                !["host", "connection", "content-length", "transfer-encoding"]
                    .contains(&k.to_ascii_lowercase().as_str())
            })
            .collect();
        let mut forward = || -> ProxyResponse {
            let mut up = std::net::TcpStream::connect(upstream).expect("the server is up");
            up.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut out = format!(
                "{} {} HTTP/1.1\r\nHost: {upstream}\r\nConnection: close\r\nContent-Length: {}\r\n",
                req.method,
                req.path,
                body.len()
            );
            for (k, v) in &headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            up.write_all(out.as_bytes()).unwrap();
            up.write_all(&body).unwrap();
            let (head, body) = read_message(&mut up, false).expect("the server answers");
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
                .expect("a status line");
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| {
                    !["connection", "content-length", "transfer-encoding"]
                        .contains(&k.to_ascii_lowercase().as_str())
                })
                .collect();
            ProxyResponse {
                status,
                headers,
                body,
            }
        };
        let resp = hook(&req, &mut forward);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nConnection: close\r\nContent-Length: {}\r\n",
            resp.status,
            resp.body.len()
        );
        for (k, v) in &resp.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        conn.write_all(out.as_bytes())?;
        conn.write_all(&resp.body)?;
        conn.flush()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Reads one HTTP message: the head (up to the blank line) and the body, by Content-Length,
/// chunked encoding, or (for an answer) up to the end of the connection.
fn read_message(s: &mut std::net::TcpStream, request: bool) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf[..buf.len() - 4]).into_owned();
    let header = |name: &str| -> Option<String> {
        head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let mut body = Vec::new();
    if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        s.read_exact(&mut body)?;
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest)?;
        let mut at = 0;
        loop {
            let line_end = at + rest[at..].windows(2).position(|w| w == b"\r\n").unwrap();
            let size_text = String::from_utf8_lossy(&rest[at..line_end]).into_owned();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
            at = line_end + 2;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[at..at + size]);
            at += size + 2;
        }
    } else if !request {
        s.read_to_end(&mut body)?;
    }
    Ok((head, body))
}

/// A world whose visitors can also be pointed at a proxy: `cli` with another server URL.
impl World {
    fn cli_via(&self, url: &str, home: &Path, now: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = base_command();
        cmd.arg("--home").arg(home).arg("--server").arg(url);
        if let Some(now) = now {
            cmd.arg("--now").arg(now);
        }
        cmd.args(&self.client_args).arg("--json").args(args);
        run(cmd)
    }

    /// The authority's trust bundle as installed in `home` (`trust show --json`).
    fn trust_show(&self, home: &Path) -> TrustShown {
        self.okt(home, None, &["trust", "show"])
    }

    /// Shares every check-in of `case` with a fresh case TAN at `now`.
    fn share(&self, case: &Path, now: &str) -> Shared {
        let tan = self.tan("case");
        self.okt(
            case,
            Some(now),
            &["visitor", "share", "--tan", &tan, "--yes"],
        )
    }
}

// ------------------------------------------------------------------------------------------
// 8. The impostor: a genuine certificate of their own, paired with a real venue's seed
// ------------------------------------------------------------------------------------------

#[test]
fn impostor_poster_with_a_copied_seed_notifies_only_the_impostors_own_visitors() {
    use venuecode_server::keyfile::KeyKind;
    let w = World::new();
    let d = w.day;
    let real = w.home("real-noodle-house");
    let real_serial = w.register(&real, "兰州牛肉面馆", "restaurant");
    let real_url = w.static_url(&real);

    // A stranger registers a venue of their own (registration is open), under the same name,
    // one door down (an exact copy of the real venue's name, address and region is refused).
    let stranger = w.home("stranger");
    let impostor_serial = w.register_at(
        &stranger,
        "兰州牛肉面馆",
        "甘肃省兰州市安宁区北滨河西路3号",
        "restaurant",
    );
    assert_ne!(real_serial, impostor_serial);
    // They copy the static seed off the real venue's public poster and sign a code that pairs
    // their own genuine certificate with it.
    let key = venuecode::home::read_key(&stranger.join("venue/venue.key"), KeyKind::Ed25519Secret)
        .unwrap();
    let key = SigningKey::from_seed(&key).unwrap();
    let cert_hex = std::fs::read_to_string(stranger.join("venue/certificate.hex")).unwrap();
    let cert = VenueCertificate::decode(&hex::decode(cert_hex.trim()).unwrap()).unwrap();
    let copied_seed = VenueCode::parse(&real_url).unwrap().seed().clone();
    let forged = VenueCode::signed(
        cert,
        venuecode_protocol::CodeKind::Static,
        copied_seed,
        &key,
    )
    .unwrap();
    let forged_url = forged.to_url(DEFAULT_BASE_URL);

    // The real venue's visitor, a case and a visitor of the impostor's poster.
    let real_visitor = w.home("real-visitor");
    let case = w.home("case");
    let fooled = w.home("fooled-visitor");
    w.scan(&real_visitor, &at(d, 10, 20), &real_url);
    // The forged poster checks in: its certificate and signature are genuine.
    w.scan(&case, &at(d, 10, 0), &forged_url);
    w.scan(&fooled, &at(d, 10, 10), &forged_url);
    w.checkout(&case, &at(d, 10, 50));
    w.checkout(&fooled, &at(d, 11, 0));
    w.checkout(&real_visitor, &at(d, 11, 0));

    // The case shares; the HA publishes the stay under the key of the code the case scanned.
    w.share(&case, &at(d, 12, 0));
    let p = w.publish(&at(d, 12, 10));
    assert_eq!(p.stays, 1, "{p:?}");
    assert_eq!(p.skipped, Vec::new(), "{p:?}");

    // Tokens are bound to the venue key: the real venue's visitor is not notified, and the
    // list is complete, so "no exposure" is a real answer.
    let s = w.sync(&real_visitor, &at(d, 12, 30));
    assert!(new_exposures(&s).is_empty(), "real visitor notified: {s:?}");
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    let n: Notified = w.okt(&real, Some(&at(d, 12, 30)), &["venue", "notified"]);
    assert!(!n.notified, "{n:?}");
    // The impostor's own visitor is notified.
    let s = w.sync(&fooled, &at(d, 12, 30));
    let ex = new_exposures(&s);
    assert_eq!(ex.len(), 1, "{s:?}");
    assert_eq!(ex[0].overlap_minutes, 40, "{s:?}");
    // The stranger's own venue check looks for its own seeds, which were not published.
    let n: Notified = w.okt(&stranger, Some(&at(d, 12, 30)), &["venue", "notified"]);
    assert!(!n.notified, "{n:?}");
}

/// The stranger's venue key and genuine certificate, read from their home.
fn stranger_identity(home: &Path) -> (SigningKey, VenueCertificate) {
    use venuecode_server::keyfile::KeyKind;
    let key =
        venuecode::home::read_key(&home.join("venue/venue.key"), KeyKind::Ed25519Secret).unwrap();
    let key = SigningKey::from_seed(&key).unwrap();
    let cert_hex = std::fs::read_to_string(home.join("venue/certificate.hex")).unwrap();
    let cert = VenueCertificate::decode(&hex::decode(cert_hex.trim()).unwrap()).unwrap();
    (key, cert)
}

/// A rotating code pairing the stranger's certificate with the seed, day and validity copied
/// from a real screen's code, signed with the stranger's own key.
fn impostor_rotating(real_url: &str, key: &SigningKey, cert: &VenueCertificate) -> String {
    let real = VenueCode::parse(real_url).unwrap();
    VenueCode::signed(cert.clone(), real.kind(), real.seed().clone(), key)
        .unwrap()
        .to_url(DEFAULT_BASE_URL)
}

#[test]
fn impostor_rotating_code_copied_from_a_screen_and_seeds_released_under_the_strangers_key() {
    let w = World::new();
    let (d, d1) = (w.day, w.day + 1);
    let lib = w.home("real-library");
    let real_serial = w.register(&lib, "安宁区图书馆", "culture-entertainment");
    let stranger = w.home("stranger");
    w.register_at(
        &stranger,
        "安宁区图书馆",
        "甘肃省兰州市安宁区北滨河西路3号",
        "culture-entertainment",
    );
    let (key, cert) = stranger_identity(&stranger);

    // The stranger photographs the real screen at 23:00 local on day D and at 00:45 on D+1
    // and shows each day's seed in a code of their own.
    let t23 = local_at(d, 23, 0);
    let t0045 = local_at(d1, 0, 45);
    let real_d = w.rotating_url(&lib, &t23);
    let real_d1 = w.rotating_url(&lib, &t0045);
    let fake_d = impostor_rotating(&real_d, &key, &cert);
    let fake_d1 = impostor_rotating(&real_d1, &key, &cert);

    let case = w.home("case");
    let fooled_d = w.home("fooled-d");
    let fooled_d1 = w.home("fooled-d1");
    let x = w.home("real-x");
    let y = w.home("real-y");
    // The impostor's codes scan: certificate and signature are genuine.
    let case_entry = w.scan(&case, &t23, &fake_d);
    w.scan(&fooled_d, &t23, &fake_d);
    w.scan(&x, &t23, &real_d);
    w.scan(&fooled_d1, &t0045, &fake_d1);
    w.scan(&y, &t0045, &real_d1);
    w.ok(
        &case,
        Some(&local_at(d1, 2, 0)),
        &[
            "visitor",
            "edit",
            &case_entry.to_string(),
            "--arrival",
            &t23,
            "--departure",
            &local_at(d1, 1, 30),
        ],
    );
    w.share(&case, &local_at(d1, 2, 0));

    // The stranger "releases" the real venue's day D+1 seed, signed with their own key, as a
    // venue would with a seeds TAN.
    let trust =
        venuecode_protocol::TrustBundle::decode(&std::fs::read(w.bundle()).unwrap()).unwrap();
    let release = venuecode_protocol::SeedRelease::create(
        &key,
        vec![(
            Epoch::new(d1),
            VenueCode::parse(&real_d1).unwrap().seed().clone(),
        )],
        &trust.ha_encryption_key(),
    )
    .unwrap();
    let transport = venuecode_client::HttpTransport::new(&w.server.url).unwrap();
    venuecode_client::api::upload(&transport, &w.tan("seeds"), release.encode()).unwrap();

    // The HA publishes the case's stay under the key of the code the case scanned; the
    // stranger's release fills day D+1 for the stranger's key only.
    let p = w.publish(&local_at(d1, 2, 10));
    assert_eq!(p.missing_seeds, Vec::new(), "{p:?}");
    assert_eq!(p.skipped, Vec::new(), "{p:?}");

    // No visitor of the real screen is told, on either day, and the list is complete.
    for v in [&x, &y] {
        let s = w.sync(v, &local_at(d1, 2, 30));
        assert!(new_exposures(&s).is_empty(), "real visitor notified: {s:?}");
        assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    }
    let n: Notified = w.okt(&lib, Some(&local_at(d1, 2, 30)), &["venue", "notified"]);
    assert!(!n.notified, "{n:?}");
    // The impostor's own visitors are, on both days.
    for v in [&fooled_d, &fooled_d1] {
        let s = w.sync(v, &local_at(d1, 2, 30));
        assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    }

    // Vice versa: a genuine case at the real screen on day D, staying past local midnight.
    // The stranger's release of the real D+1 seed does not stand in for the real venue's:
    // the HA reports the real venue's D+1 seed missing, and Y (day D+1) is not told yet.
    let real_case = w.home("real-case");
    let e = w.scan(&real_case, &t23, &real_d);
    w.ok(
        &real_case,
        Some(&local_at(d1, 3, 0)),
        &[
            "visitor",
            "edit",
            &e.to_string(),
            "--arrival",
            &t23,
            "--departure",
            &local_at(d1, 1, 30),
        ],
    );
    w.share(&real_case, &local_at(d1, 3, 0));
    let p = w.publish(&local_at(d1, 3, 10));
    let missing = &p.missing_seeds;
    assert_eq!(missing.len(), 1, "{p:?}");
    assert_eq!(missing[0].serial, real_serial, "{p:?}");
    assert_eq!(missing[0].day, day_str(d1), "{p:?}");
    let s = w.sync(&x, &local_at(d1, 3, 30));
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    let s = w.sync(&y, &local_at(d1, 3, 30));
    assert!(new_exposures(&s).is_empty(), "{s:?}");
    let n: Notified = w.okt(&lib, Some(&local_at(d1, 3, 30)), &["venue", "notified"]);
    assert!(n.notified, "{n:?}");
}

// ------------------------------------------------------------------------------------------
// 9. The trust bundle: installed, never replaced by keys from the network
// ------------------------------------------------------------------------------------------

/// A bundle like `genuine` whose keys are swapped for `ra`'s and `ha`'s, signed by `signer`,
/// with sequence `sequence`.
fn substituted_bundle(
    genuine: &venuecode_protocol::TrustBundle,
    sequence: u64,
    ra: &SigningKey,
    ha: &SigningKey,
    signer: &SigningKey,
) -> Vec<u8> {
    let mut body = genuine.body().clone();
    body.sequence = sequence;
    body.ra_keys = vec![ra.public_key()];
    body.ha_signing_keys = vec![ha.public_key()];
    venuecode_protocol::TrustBundle::sign(body, signer)
        .unwrap()
        .encode()
}

#[test]
fn trust_bundle_with_substituted_keys_is_refused_on_install_and_on_sync() {
    use venuecode_protocol::TrustBundle;
    let w = World::new();
    let d = w.day;
    let genuine_bytes = std::fs::read(w.bundle()).unwrap();
    let genuine = TrustBundle::decode(&genuine_bytes).unwrap();

    // No bundle, no trust: a bare home refuses to work and says how to install one.
    let bare = w.bare_home("bare");
    let out = w
        .cli(&bare, Some(&at(d, 9, 0)), &["visitor", "sync"])
        .failed();
    assert!(
        out.stderr.contains("no trust bundle installed") && out.stderr.contains("trust install"),
        "{out:#?}"
    );
    // `--trust-bundle FILE` installs it for the command.
    let path = w.bundle();
    let v: Diary = w.okt(
        &bare,
        Some(&at(d, 9, 0)),
        &["visitor", "--trust-bundle", path.to_str().unwrap(), "diary"],
    );
    assert!(v.entries.is_empty(), "{v:?}");
    assert_eq!(
        std::fs::read(bare.join("trust-bundle.bin")).unwrap(),
        genuine_bytes
    );

    let visitor = w.home("visitor");
    let shown = w.trust_show(&visitor);
    assert_eq!(shown.sequence, 1, "{shown:?}");

    // An attacker's bundle: their own keys, signed by their own RA key (it verifies on its
    // own), with a higher sequence.
    let evil_ra = SigningKey::from_seed(&[0x66; 32]).unwrap();
    let evil_ha = SigningKey::from_seed(&[0x67; 32]).unwrap();
    let evil = substituted_bundle(&genuine, 9, &evil_ra, &evil_ha, &evil_ra);
    let evil_path = w.dir.path().join("evil-bundle.bin");
    std::fs::write(&evil_path, &evil).unwrap();
    let out = w
        .cli(
            &visitor,
            None,
            &["trust", "install", evil_path.to_str().unwrap()],
        )
        .failed();
    assert!(
        out.stderr.contains("refused the trust bundle") && out.stderr.contains("not trusted"),
        "{out:#?}"
    );
    assert_eq!(
        w.trust_show(&visitor),
        shown,
        "the install changed the keys"
    );

    // A proxy serves the substituted bundle at /v1/trust-bundle: the sync reports the refusal
    // and keeps the installed keys.
    let served = std::sync::Arc::new(std::sync::Mutex::new(evil.clone()));
    let offered = std::sync::Arc::clone(&served);
    let hook: std::sync::Arc<ProxyHook> = std::sync::Arc::new(move |req, upstream| {
        if req.path == "/v1/trust-bundle" {
            ProxyResponse {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                body: offered.lock().unwrap().clone(),
            }
        } else {
            upstream()
        }
    });
    let proxy = Proxy::start(&w.server.url, hook);
    let s = w
        .cli_via(
            &proxy.url,
            &visitor,
            Some(&at(d, 9, 30)),
            &["visitor", "sync"],
        )
        .ok();
    let v: Synced = s.parse();
    assert!(matches!(v.trust_bundle, SyncPart::Refused { .. }), "{v:?}");
    assert_eq!(w.trust_show(&visitor), shown, "the sync changed the keys");
    assert_eq!(
        std::fs::read(visitor.join("trust-bundle.bin")).unwrap(),
        genuine_bytes
    );
    // The real server's own bundle (the same one) changes nothing either.
    let v = w.sync(&visitor, &at(d, 9, 40));
    assert_eq!(v.trust_bundle, SyncPart::Unchanged, "{v:?}");

    // A genuine rotation, signed by the installed RA key with a higher sequence, is taken.
    let ra = venuecode::authority::load_ra(&venuecode::home::Home::new(&w.ha)).unwrap();
    let ha = venuecode::authority::load_ha(&venuecode::home::Home::new(&w.ha)).unwrap();
    let mut body = genuine.body().clone();
    body.sequence = 2;
    body.ha_signing_keys = vec![ha.signing.public_key(), evil_ha.public_key()];
    *served.lock().unwrap() = TrustBundle::sign(body, &ra.signing).unwrap().encode();
    let v: Synced = w
        .cli_via(
            &proxy.url,
            &visitor,
            Some(&at(d, 9, 50)),
            &["visitor", "sync"],
        )
        .ok()
        .parse();
    assert_eq!(v.trust_bundle, SyncPart::Updated, "{v:?}");
    assert_eq!(w.trust_show(&visitor).sequence, 2);
    // And the old bundle cannot be installed over it (rollback).
    w.cli(
        &visitor,
        None,
        &["trust", "install", w.bundle().to_str().unwrap()],
    )
    .failed()
    .mentions(&["rollback"]);
}

// ------------------------------------------------------------------------------------------
// 10. A replayed old revocation list
// ------------------------------------------------------------------------------------------

#[test]
fn rollback_of_the_revocation_list_by_a_proxy_is_refused_and_the_venue_stays_revoked() {
    let w = World::new();
    let d = w.day;
    let (shop, url) = w.restaurant("shop", "自行注销的面馆");
    let visitor = w.home("visitor");

    // A proxy that records every revocation answer, and can replay the first one.
    let recorded: std::sync::Arc<std::sync::Mutex<Vec<ProxyResponse>>> = Default::default();
    let replay = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (rec, rep) = (
        std::sync::Arc::clone(&recorded),
        std::sync::Arc::clone(&replay),
    );
    let hook: std::sync::Arc<ProxyHook> = std::sync::Arc::new(move |req, upstream| {
        if !req.path.starts_with("/v1/revocations") {
            return upstream();
        }
        if rep.load(std::sync::atomic::Ordering::SeqCst) {
            return rec.lock().unwrap()[0].clone();
        }
        let resp = upstream();
        rec.lock().unwrap().push(resp.clone());
        resp
    });
    let proxy = Proxy::start(&w.server.url, hook);

    // The visitor syncs through the proxy before anything is revoked: the proxy keeps that
    // genuinely signed (full, empty) list.
    let s: Synced = w
        .cli_via(
            &proxy.url,
            &visitor,
            Some(&at(d, 9, 0)),
            &["visitor", "sync"],
        )
        .ok()
        .parse();
    assert!(!matches!(s.revocations, SyncPart::Refused { .. }), "{s:?}");
    assert!(!recorded.lock().unwrap().is_empty());

    // The venue deactivates its code; the visitor learns it.
    w.ok(&shop, None, &["venue", "revoke", "--yes"]);
    w.sync(&visitor, &at(d, 10, 0));
    let err = w.scan_refused(&visitor, &at(d, 10, 5), &url);
    assert!(err.contains("deactivated"), "{err}");

    // The proxy now replays the old list: refused as a rollback, and the venue stays revoked.
    replay.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = w
        .cli_via(
            &proxy.url,
            &visitor,
            Some(&at(d, 11, 0)),
            &["visitor", "sync"],
        )
        .ok();
    let s: Synced = out.parse();
    assert!(
        matches!(&s.revocations, SyncPart::Refused { error } if error.contains("rollback")),
        "{s:?}"
    );
    let err = w.scan_refused(&visitor, &at(d, 11, 5), &url);
    assert!(err.contains("deactivated"), "{err}");
    let mut text = base_command();
    text.arg("--home").arg(&visitor).args([
        "--server",
        &proxy.url,
        "--now",
        &at(d, 11, 10),
        "visitor",
        "sync",
    ]);
    let out = run(text).ok();
    assert!(
        out.stdout.contains("revocations refused") && out.stdout.contains("stay in force"),
        "{out:#?}"
    );
}

// ------------------------------------------------------------------------------------------
// 11. Poisoned uploads: a TAN and a photographed screen code do not let a case claim anything
// ------------------------------------------------------------------------------------------

#[test]
fn poisoned_uploads_are_reported_and_skipped_and_the_good_one_is_published() {
    use venuecode_protocol::{EncryptionKey, Upload, UploadEntry};
    use venuecode_server::keyfile::KeyKind;
    let w = World::new();
    let d = w.day;
    let lib = w.home("library");
    w.register(&lib, "安宁区图书馆", "culture-entertainment");
    let (_, shop_url) = w.restaurant("shop", "兰州牛肉面馆");

    // The poisoner photographed the library's screen at 10:00 and holds a case TAN.
    let photo = VenueCode::parse(&w.rotating_url(&lib, &at(d, 10, 0))).unwrap();
    let minute = |h: u32, m: u32| UnixMinute::new(d * 1440 + h * 60 + m);
    let ha_pub = venuecode::home::read_key(
        &w.ha.join("authority/ha-encryption.pub"),
        KeyKind::X25519Public,
    )
    .unwrap();
    let ha_pub = EncryptionKey::from_bytes(&ha_pub).unwrap();
    // Sealed in canonical form, as a phone seals what a person types (`authority tan` shows
    // the TAN in groups; the HA's ledger keeps the hash of the canonical form).
    let tan = venuecode_client::tan::normalize(&w.tan("case")).unwrap();
    let poisoned = Upload::new(
        &tan,
        vec![
            // The photo claimed for the afternoon: outside the code's display window.
            UploadEntry::new(photo.clone(), minute(14, 0), minute(15, 0)).unwrap(),
            // A 721-minute stay from when it was shown.
            UploadEntry::new(photo.clone(), minute(10, 0), minute(10, 0) + 721).unwrap(),
        ],
    )
    .unwrap();
    let transport = venuecode_client::HttpTransport::new(&w.server.url).unwrap();
    let poisoned_id =
        venuecode_client::api::upload(&transport, &tan, poisoned.seal(&ha_pub).unwrap().encode())
            .unwrap();
    // An upload sealed to some other key: it does not open.
    let other = venuecode_protocol::DecryptionKey::generate().unwrap();
    let tan = w.tan("case");
    let unopenable_id = venuecode_client::api::upload(
        &transport,
        &tan,
        Upload::new(
            &tan,
            vec![UploadEntry::new(photo, minute(10, 0), minute(10, 30)).unwrap()],
        )
        .unwrap()
        .seal(&other.public_key())
        .unwrap()
        .encode(),
    )
    .unwrap();

    // A genuine case at the shop, and a visitor who overlapped.
    let case = w.home("case");
    let visitor = w.home("visitor");
    let library_visitor = w.home("library-visitor");
    w.scan(&case, &at(d, 10, 0), &shop_url);
    w.scan(&visitor, &at(d, 10, 20), &shop_url);
    w.checkout(&case, &at(d, 10, 50));
    w.checkout(&visitor, &at(d, 11, 0));
    // Someone really at the library in the afternoon (what the poisoner wanted to hit).
    let t = at(d, 14, 0);
    w.scan(&library_visitor, &t, &w.rotating_url(&lib, &t));
    let shared = w.share(&case, &at(d, 15, 0));
    let good_id = shared.receipt.clone();

    // Opening the poisoned upload shows each claim with what is wrong with it.
    let opened: CaseOpened = w.okt(
        &w.ha,
        Some(&at(d, 15, 5)),
        &["authority", "uploads", "open", &poisoned_id.to_string()],
    );
    let rows = &opened.case;
    assert_eq!(rows.len(), 2, "{opened:?}");
    assert!(
        rows.iter().all(|r| r.problem.is_some()),
        "a poisoned claim shows no problem: {opened:?}"
    );

    let out = w
        .cli(&w.ha, Some(&at(d, 15, 5)), &["authority", "publish"])
        .ok();
    let p: Published = out.parse();
    assert_eq!(p.stays, 1, "{p:?}");
    assert_eq!(p.used_uploads.len(), 1, "{p:?}");
    let skipped = &p.skipped;
    assert_eq!(skipped.len(), 3, "{p:?}");
    let reason = |upload: u64, entry: Option<usize>| -> String {
        skipped
            .iter()
            .find(|s| s.upload == upload && s.entry == entry)
            .unwrap_or_else(|| panic!("upload {upload} entry {entry:?} not skipped: {p:?}"))
            .reason
            .clone()
    };
    assert!(
        reason(poisoned_id, Some(0)).contains("display window"),
        "{p:?}"
    );
    assert!(
        reason(poisoned_id, Some(1)).contains("out of its allowed range"),
        "{p:?}"
    );
    assert!(
        reason(unopenable_id, None).contains("does not open"),
        "{p:?}"
    );
    // The tracer sees the reasons on standard error too.
    assert!(out.stderr.contains("SKIPPED"), "{out:#?}");
    let _ = good_id;

    // The good upload's visitor is notified; the library's afternoon visitor is not.
    let s = w.sync(&visitor, &at(d, 15, 30));
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    assert_eq!(new_exposures(&s)[0].venue, "兰州牛肉面馆", "{s:?}");
    let s = w.sync(&library_visitor, &at(d, 15, 30));
    assert!(
        new_exposures(&s).is_empty(),
        "poisoned claim notified: {s:?}"
    );
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
}

/// Stops the server, lets `plant` write to its store (as whoever controls the server can), and
/// starts it again.
fn with_server_store(w: &mut World, plant: impl FnOnce(&venuecode_server::RedbStorage)) {
    let status = w.server.stop();
    assert!(status.success(), "{}", w.server.log_text());
    {
        let store = venuecode_server::RedbStorage::open(&w.data).unwrap();
        plant(&store);
    }
    w.starts += 1;
    let log = w.dir.path().join(format!("server-{}.log", w.starts));
    w.server = Server::start(BIN, &w.data, &w.ha, log, &w.server_args);
}

/// Registers `tan` as a case TAN directly in the server's store and stores `body` under it, as
/// the server's operator could: the HA never issued it.
fn plant_upload(store: &venuecode_server::RedbStorage, tan: &str, body: &[u8]) -> u64 {
    use venuecode_server::storage::{NewTan, UploadPurpose};
    use venuecode_server::Storage;
    let hash = venuecode_protocol::envelope::tan_hash(tan).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    store
        .register_tans(
            &[NewTan {
                hash,
                expires_at: now + 3600,
                purpose: UploadPurpose::Case,
            }],
            now,
        )
        .unwrap();
    store.consume_tan(&hash, now, body).unwrap()
}

/// Whoever controls the server's store plants a "case" upload sealed to the HA's public key
/// (anyone can), under a TAN of their own (the TAN sealed inside, and its hash registered in the
/// store). The HA never issued that TAN: the upload is reported and skipped, nothing of it is
/// published, and a genuine case's upload next to it still is (SECURITY.md).
#[test]
fn poisoned_upload_planted_in_the_servers_store_without_an_ha_tan_is_not_published() {
    use venuecode_protocol::{EncryptionKey, Upload, UploadEntry};
    use venuecode_server::keyfile::KeyKind;
    let mut w = World::new();
    let d = w.day;
    let (_, shop_url) = w.restaurant("shop", "兰州牛肉面馆");
    let lib = w.home("library");
    w.register(&lib, "安宁区图书馆", "culture-entertainment");
    let lib_url = w.static_url(&lib);
    let (visitor, _) = w.visit("visitor", &lib_url, &at(d, 10, 0), &at(d, 10, 50));
    // A genuine case at the shop, and someone who overlapped there.
    let case = w.home("case");
    let shop_visitor = w.home("shop-visitor");
    w.scan(&case, &at(d, 9, 0), &shop_url);
    w.scan(&shop_visitor, &at(d, 9, 10), &shop_url);
    w.checkout(&case, &at(d, 9, 40));
    w.checkout(&shop_visitor, &at(d, 9, 50));
    w.share(&case, &at(d, 11, 30));

    // The server's operator stores an upload sealed to the HA's public key, claiming the
    // library for the visitor's hour, under a TAN of their own.
    let ha_pub = venuecode::home::read_key(
        &w.ha.join("authority/ha-encryption.pub"),
        KeyKind::X25519Public,
    )
    .unwrap();
    let ha_pub = EncryptionKey::from_bytes(&ha_pub).unwrap();
    let minute = |h: u32, m: u32| UnixMinute::new(d * 1440 + h * 60 + m);
    let planted = Upload::new(
        "PLANTED-BY-THE-SERVER",
        vec![UploadEntry::new(
            VenueCode::parse(&lib_url).unwrap(),
            minute(10, 0),
            minute(11, 0),
        )
        .unwrap()],
    )
    .unwrap()
    .seal(&ha_pub)
    .unwrap()
    .encode();
    let mut planted_id = 0;
    with_server_store(&mut w, |store| {
        planted_id = plant_upload(store, "PLANTED-BY-THE-SERVER", &planted);
    });

    // Opening it shows the TAN check's result.
    let opened: CaseOpened = w.okt(
        &w.ha,
        Some(&at(d, 12, 5)),
        &["authority", "uploads", "open", &planted_id.to_string()],
    );
    assert!(!opened.tan.authorised, "{opened:?}");
    assert!(
        opened
            .tan
            .check
            .contains("not authorised by a TAN this authority issued"),
        "{opened:?}"
    );

    let out = w
        .cli(&w.ha, Some(&at(d, 12, 10)), &["authority", "publish"])
        .ok();
    let p: Published = out.parse();
    let skipped = &p.skipped;
    assert!(
        skipped.iter().any(|s| s.upload == planted_id
            && s.entry.is_none()
            && s.reason
                .contains("not authorised by a TAN this authority issued")),
        "the planted upload was not reported: {p:?}"
    );
    assert!(!p.used_uploads.contains(&planted_id), "{p:?}");
    assert_eq!(p.stays, 1, "only the genuine stay: {p:?}");
    assert!(out.stderr.contains("SKIPPED"), "{out:#?}");

    // The visitor at the library is not told; the one at the shop is.
    let s = w.sync(&visitor, &at(d, 12, 30));
    assert!(
        new_exposures(&s).is_empty(),
        "a planted upload raised an alarm: {p:#?} {s:?}"
    );
    let s = w.sync(&shop_visitor, &at(d, 12, 30));
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    assert_eq!(new_exposures(&s)[0].venue, "兰州牛肉面馆", "{s:?}");
}

/// The server re-posts a genuine case's sealed upload under a second TAN of its own (it
/// cannot open or re-seal it): the TAN sealed inside was already used by the first upload, so
/// the HA refuses the copy, in the same publish run or a later one.
#[test]
fn case_upload_replayed_by_the_server_under_a_second_tan_is_refused_by_the_ha() {
    let mut w = World::new();
    let d = w.day;
    let (_, shop_url) = w.restaurant("shop", "兰州牛肉面馆");
    let case = w.home("case");
    let visitor = w.home("visitor");
    w.scan(&case, &at(d, 9, 0), &shop_url);
    w.scan(&visitor, &at(d, 9, 10), &shop_url);
    w.checkout(&case, &at(d, 9, 40));
    w.checkout(&visitor, &at(d, 9, 50));
    w.share(&case, &at(d, 11, 30));
    let list = w.ok(&w.ha, None, &["authority", "uploads", "list"]);
    let genuine_id = list["uploads"][0]["id"].as_u64().expect("upload id");

    // The server copies the sealed bytes under a TAN of its own.
    let mut replay_id = 0;
    with_server_store(&mut w, |store| {
        use venuecode_server::Storage;
        let (_, bytes) = store
            .upload(genuine_id)
            .unwrap()
            .expect("the genuine upload");
        replay_id = plant_upload(store, "REPLAYED-BY-THE-SERVER", &bytes);
    });
    let refused = |p: &Published| {
        p.skipped.iter().any(|s| {
            s.upload == replay_id
                && s.reason
                    .contains(&format!("already used by upload {genuine_id}"))
        })
    };

    // One run: the genuine upload is published, the copy refused.
    let p = w.publish(&at(d, 12, 0));
    assert!(refused(&p), "{p:?}");
    assert_eq!(p.used_uploads, vec![genuine_id], "{p:?}");
    let s = w.sync(&visitor, &at(d, 12, 30));
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");

    // The genuine upload deleted, a later run still refuses the copy: nothing to publish.
    w.ok(
        &w.ha,
        None,
        &["authority", "uploads", "delete", &genuine_id.to_string()],
    );
    let out = w
        .cli(&w.ha, Some(&at(d, 13, 0)), &["authority", "publish"])
        .failed();
    assert!(
        out.stderr
            .contains(&format!("already used by upload {genuine_id}")),
        "{out:#?}"
    );
    // `uploads open` says so too.
    let opened: CaseOpened = w.okt(
        &w.ha,
        Some(&at(d, 13, 5)),
        &["authority", "uploads", "open", &replay_id.to_string()],
    );
    assert!(!opened.tan.authorised, "{opened:?}");
}

// ------------------------------------------------------------------------------------------
// 12. Withheld batches and a stale checkpoint
// ------------------------------------------------------------------------------------------

#[test]
fn withheld_batch_for_one_client_is_reported_and_a_stale_checkpoint_is_reported_stale() {
    let w = World::new();
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let case1 = w.home("case-1");
    let case2 = w.home("case-2");
    let visitor = w.home("visitor");
    let other = w.home("other-visitor");
    w.scan(&case1, &at(d, 9, 0), &url);
    w.checkout(&case1, &at(d, 9, 30));
    w.scan(&visitor, &at(d, 9, 10), &url);
    w.checkout(&visitor, &at(d, 9, 40));
    w.scan(&case2, &at(d, 11, 0), &url);
    w.checkout(&case2, &at(d, 11, 30));
    w.scan(&other, &at(d, 11, 10), &url);
    w.checkout(&other, &at(d, 11, 40));

    w.share(&case1, &at(d, 12, 0));
    let p1 = w.publish(&at(d, 12, 5));
    assert_eq!(p1.sequence, 1, "{p1:?}");
    assert_eq!(p1.checkpoint.sequence, 1, "{p1:?}");
    w.share(&case2, &at(d, 12, 10));
    let p2 = w.publish(&at(d, 12, 15));
    assert_eq!(p2.sequence, 2, "{p2:?}");
    let log = std::fs::read_to_string(w.ha.join("authority/chain.json")).unwrap();
    let chain: Value = serde_json::from_str(&log).unwrap();
    assert_eq!(chain["sequence"], 2, "{chain}");
    assert_eq!(chain["ledger"].as_array().map(Vec::len), Some(2), "{chain}");

    // A proxy hides batch 1 from this client: not listed, and 404 if asked for.
    let hook: std::sync::Arc<ProxyHook> = std::sync::Arc::new(|req, upstream| {
        if req.path == "/v1/batches/1" {
            return ProxyResponse {
                status: 404,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"error":"not_found","message":"no such batch"}"#.to_vec(),
            };
        }
        let mut resp = upstream();
        if req.path.starts_with("/v1/batches?") {
            let mut listing: Value = serde_json::from_slice(&resp.body).unwrap();
            if let Some(list) = listing["batches"].as_array_mut() {
                list.retain(|b| b["sequence"] != 1);
            }
            resp.body = serde_json::to_vec(&listing).unwrap();
        }
        resp
    });
    let proxy = Proxy::start(&w.server.url, hook);
    let out = w.cli_via(
        &proxy.url,
        &visitor,
        Some(&at(d, 12, 30)),
        &["visitor", "sync"],
    );
    assert_eq!(out.code, Some(4), "withheld must exit 4: {out:#?}");
    let s: Synced = out.parse();
    assert!(
        matches!(s.chain, ChainState::Withheld { from: 1, to: 2, .. }),
        "{s:?}"
    );
    assert!(new_exposures(&s).is_empty(), "{s:?}");
    let mut text = base_command();
    text.arg("--home").arg(&visitor).args([
        "--server",
        &proxy.url,
        "--now",
        &at(d, 12, 35),
        "visitor",
        "sync",
    ]);
    let out = run(text);
    assert_eq!(out.code, Some(4), "{out:#?}");
    assert!(
        out.stdout.contains(
            "WARNING: batches 1–2 were withheld by the server; exposures in them cannot be checked"
        ),
        "{out:#?}"
    );

    // The other client, talking to the server itself, gets both.
    let s = w.sync(&other, &at(d, 12, 30));
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");
    // So does this visitor once it reaches the real server: notified, and complete.
    let s = w.sync(&visitor, &at(d, 12, 40));
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    assert_eq!(chain_up_to(&s.chain), 2, "{s:?}");
    assert_eq!(new_exposures(&s).len(), 1, "{s:?}");

    // Three days later nothing new was signed: the list may be stale.
    let later = at(d + 3, 9, 0);
    let out = w.cli(&visitor, Some(&later), &["visitor", "sync"]).ok();
    let s: Synced = out.parse();
    assert_eq!(chain_status(&s.chain), "stale", "{s:?}");
    assert!(
        matches!(
            &s.chain,
            ChainState::Stale {
                last_checkpoint: Some(_),
                ..
            }
        ),
        "{s:?}"
    );
    let mut text = base_command();
    text.arg("--home").arg(&visitor).args([
        "--server",
        &w.server.url,
        "--now",
        &later,
        "visitor",
        "sync",
    ]);
    let out = run(text).ok();
    assert!(
        out.stdout
            .contains("the list may be stale (last checkpoint at"),
        "{out:#?}"
    );
    // The HA's scheduled checkpoint (no batch) makes it current again.
    let cp: CheckpointPosted = w.okt(&w.ha, Some(&at(d + 3, 9, 5)), &["authority", "checkpoint"]);
    assert_eq!(cp.sequence, 2, "{cp:?}");
    assert_eq!(cp.retained_from, 1, "14 days by default: {cp:?}");
    let s = w.sync(&visitor, &at(d + 3, 9, 10));
    assert_eq!(chain_status(&s.chain), "complete", "{s:?}");
    // Told that the server keeps batches two days, the HA would declare batches 1–2,
    // published three days ago, no longer served; but this server keeps them 14 days (it says
    // so in GET /v1/authority), so the phones would skip batches it still serves. Refused in
    // both languages, and nothing is posted: the phone still sees batches 1–2 as served.
    let code = w.same_failure(
        &w.server.url,
        &w.ha,
        Some(&at(d + 3, 9, 15)),
        &["authority", "checkpoint", "--retention-days", "2"],
        "the server keeps exposure batches for 14 days but this authority was told 2",
        "服务器保留暴露批次 14 天，而本机构设置的是 2 天",
    );
    assert_eq!(code, "retention_mismatch");
    let code = w.same_failure(
        &w.server.url,
        &w.ha,
        Some(&at(d + 3, 9, 20)),
        &["authority", "publish", "--retention-days", "30"],
        "--retention-days 14",
        "--retention-days 14",
    );
    assert_eq!(code, "retention_mismatch");
    let cp: CheckpointPosted = w.okt(
        &w.ha,
        Some(&at(d + 3, 9, 25)),
        &["authority", "checkpoint", "--retention-days", "14"],
    );
    assert_eq!((cp.sequence, cp.retained_from), (2, 1), "{cp:?}");
    w.cli(
        &w.ha,
        None,
        &["authority", "checkpoint", "--retention-days", "0"],
    )
    .failed();
    // A checkpoint takes the HA's state lock, as publish does: while another caller holds it
    // (here the library's lock, taken by this test as a publish in another process would),
    // the command says it waits and goes no further; once the lock is free, it reads the
    // head and posts. (Without the lock, a checkpoint read while a publish ran could declare
    // the head before that publish's batch, after its newer checkpoint.)
    let held = venuecode_authority::AuthorityHome::new(&w.ha)
        .lock(|| {})
        .unwrap();
    let mut child = w
        .command(&w.ha, Some(&at(d + 3, 9, 30)), &["authority", "checkpoint"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut waiting = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut waiting)
        .unwrap();
    assert!(
        waiting.contains("waiting for another authority command in this home"),
        "{waiting:?}"
    );
    // Still waiting: it cannot have gone on while the lock is held.
    assert!(
        child.try_wait().unwrap().is_none(),
        "it went on without the lock"
    );
    drop(held);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let cp: CheckpointPosted = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((cp.sequence, cp.retained_from), (2, 1), "{cp:?}");
}

// ------------------------------------------------------------------------------------------
// 13. Count pings: one per request, sent by a later sync; counted by the venue's local day
// ------------------------------------------------------------------------------------------

#[test]
fn count_pings_are_sent_by_sync_and_counted_for_the_venues_local_day() {
    let w = World::with_args(
        tempfile::tempdir().expect("tempdir"),
        vec!["--counts".into()],
        Vec::new(),
    );
    let d = w.day;
    let (shop, url) = w.restaurant("shop", "兰州牛肉面馆");
    // The server accepts tags for its own today and tomorrow (the simulated day), on the real
    // clock.
    let tags: CountTagsRegistered = w.okt(&shop, None, &["venue", "count-tags"]);
    assert!(!tags.registered_until.is_empty(), "{tags:?}");
    let (visitor, _) = w.visit("visitor", &url, &at(d, 10, 0), &at(d, 10, 30));
    // Each ping waits a random time of up to a day; two days later it is due and the sync
    // sends it, one request.
    let s = w.sync(&visitor, &at(d + 2, 10, 0));
    assert_eq!(s.pings_sent, 1, "{s:?}");
    assert_eq!(s.pings, SyncPart::Updated, "{s:?}");
    let s = w.sync(&visitor, &at(d + 2, 10, 5));
    assert_eq!(s.pings_sent, 0, "sent twice: {s:?}");
    // The venue's local day of the check-in (10:00 UTC is 18:00 at +08:00, the same day).
    let c: Counts = w.okt(&shop, Some(&at(d, 12, 0)), &["venue", "counts"]);
    assert_eq!(c.today, 1, "{c:?}");
    assert_eq!(c.cumulative, 1, "{c:?}");
}

// ------------------------------------------------------------------------------------------
// 14. Local time: shown in the venue's zone, typed times read in the local zone, offsets
//     honoured, abbreviations refused
// ------------------------------------------------------------------------------------------

#[test]
fn local_time_shows_the_venues_zone_and_honours_typed_offsets() {
    let w = World::new();
    let d = w.day;
    let day = day_str(d);
    let shop = w.home("shop");
    // The default offset, +08:00.
    w.register(&shop, "兰州牛肉面馆", "restaurant");
    let url = w.static_url(&shop);
    let visitor = w.home("visitor");
    // 01:30 UTC is 09:30 at the venue.
    let id = w.scan(&visitor, &at(d, 1, 30), &url);
    let diary = w.diary(&visitor, &at(d, 2, 0));
    assert_eq!(
        diary.entries[0].arrival,
        format!("{day}T09:30:00+08:00"),
        "JSON times are RFC 3339 in the venue's zone: {diary:?}"
    );
    // The text names the zone.
    let mut cmd = base_command();
    cmd.arg("--home").arg(&visitor).args([
        "--server",
        &w.server.url,
        "--now",
        &at(d, 2, 0),
        "visitor",
        "diary",
    ]);
    let out = run(cmd).ok();
    assert!(
        out.stdout.contains(&format!("{day} 09:30 – ")) && out.stdout.contains("UTC+08:00"),
        "{out:#?}"
    );

    // An offset typed with the time is honoured, whatever the device's zone (UTC here).
    let now = format!("{day} 12:00+08:00");
    let e: EntryEdited = w.okt(
        &visitor,
        Some(&now),
        &[
            "visitor",
            "edit",
            &id.to_string(),
            "--arrival",
            "09:00+08:00",
            "--departure",
            &format!("{day}T03:15Z"),
        ],
    );
    assert_eq!(e.arrival, format!("{day}T09:00:00+08:00"), "{e:?}");
    assert_eq!(e.departure, format!("{day}T11:15:00+08:00"), "{e:?}");
    // Without an offset a typed time is local: the device's zone, here set by --tz.
    let e: EntryEdited = w.okt(
        &visitor,
        Some(&now),
        &[
            "--tz",
            "+08:00",
            "visitor",
            "edit",
            &id.to_string(),
            "--arrival",
            "09:10",
            "--departure",
            "10:40",
        ],
    );
    assert_eq!(e.arrival, format!("{day}T09:10:00+08:00"), "{e:?}");
    assert_eq!(e.departure, format!("{day}T10:40:00+08:00"), "{e:?}");
    // A zone abbreviation names several zones: refused, and nothing changes.
    w.cli(
        &visitor,
        Some(&now),
        &[
            "visitor",
            "edit",
            &id.to_string(),
            "--arrival",
            "09:30 CST",
            "--departure",
            "10:30 CST",
        ],
    )
    .failed()
    .mentions(&["ambiguous"]);
    let diary = w.diary(&visitor, &now);
    assert_eq!(
        diary.entries[0].arrival,
        format!("{day}T09:10:00+08:00"),
        "{diary:?}"
    );

    // Staff type the guest book's times in the venue's zone.
    w.ok(
        &shop,
        Some(&now),
        &[
            "venue",
            "guestbook",
            "add",
            "--name",
            "王芳",
            "--phone",
            "18212341234",
            "--arrival",
            "09:30",
            "--departure",
            "10:45",
        ],
    );
    let guests: GuestList = w.okt(&shop, Some(&now), &["venue", "guestbook", "list"]);
    assert_eq!(
        guests.guests[0].arrival,
        format!("{day}T09:30:00+08:00"),
        "{guests:?}"
    );
    assert_eq!(
        guests.guests[0].departure,
        format!("{day}T10:45:00+08:00"),
        "{guests:?}"
    );
}

// ------------------------------------------------------------------------------------------
// 15. Alerts: no noise without a match, listed until dismissed, never about one's own shared
//     visits, high and low risk told apart
// ------------------------------------------------------------------------------------------

/// `visitor sync` as text (no `--json`): the output a person reads.
fn sync_text(w: &World, home: &Path, now: &str) -> Output {
    let mut cmd = base_command();
    cmd.arg("--home")
        .arg(home)
        .args(["--server", &w.server.url, "--now", now, "visitor", "sync"]);
    run(cmd).ok()
}

#[test]
fn alerts_stay_until_dismissed_spare_the_case_and_tell_high_from_low_risk() {
    let w = World::new();
    let d = w.day;
    let shop = w.home("shop");
    let lib = w.home("library");
    w.register(&shop, "兰州牛肉面馆", "restaurant");
    w.register(&lib, "安宁区图书馆", "culture-entertainment");
    let shop_url = w.static_url(&shop);
    let lib_url = w.static_url(&lib);
    let carol = w.home("carol");
    let dave = w.home("dave");
    let alice = w.home("alice");
    let bob = w.home("bob");

    // Carol and Alice overlap at the shop; Dave and Alice at the library later.
    w.scan(&carol, &at(d, 10, 0), &shop_url);
    w.scan(&alice, &at(d, 10, 10), &shop_url);
    w.checkout(&carol, &at(d, 10, 40));
    w.checkout(&alice, &at(d, 10, 40));
    w.scan(&dave, &at(d, 12, 0), &lib_url);
    w.scan(&alice, &at(d, 12, 5), &lib_url);
    w.checkout(&dave, &at(d, 12, 30));
    w.checkout(&alice, &at(d, 12, 20));
    // Bob was somewhere else entirely.
    w.scan(&bob, &at(d, 14, 0), &shop_url);
    w.checkout(&bob, &at(d, 14, 30));

    // Carol is a case and shares; the authority publishes her stay as high risk.
    let tan = w.tan("case");
    w.ok(
        &carol,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    w.publish(&at(d, 15, 5));

    // Bob's phone checked the batch and matched nothing: no talk of matches.
    let out = sync_text(&w, &bob, &at(d, 15, 10));
    assert!(!out.stderr.contains("matched"), "{out:#?}");
    assert!(out.stdout.contains("no exposure"), "{out:#?}");

    // Carol is not alerted about her own shared visit.
    let c = w.sync(&carol, &at(d, 15, 10));
    assert!(new_exposures(&c).is_empty(), "the case was alerted: {c:?}");
    let cx: Exposures = w.okt(&carol, Some(&at(d, 15, 11)), &["visitor", "exposures"]);
    assert!(cx.exposures.is_empty(), "{cx:?}");

    // Alice is alerted, high risk, with the overlap's length and local start.
    let a = w.sync(&alice, &at(d, 15, 10));
    let ax = new_exposures(&a);
    assert_eq!(ax.len(), 1, "{a:?}");
    assert_eq!(ax[0].risk_level, "high", "{a:?}");
    assert_eq!(ax[0].overlap_minutes, 30, "{a:?}");
    let high_id = ax[0].id;
    // A second sync raises nothing new but does not say "no exposure": it is still listed.
    let out = sync_text(&w, &alice, &at(d, 15, 20));
    assert!(out.stdout.contains("no new exposure"), "{out:#?}");
    assert!(
        out.stdout.contains("1 earlier exposure(s) still listed"),
        "{out:#?}"
    );
    let listed: Exposures = w.okt(&alice, Some(&at(d, 15, 21)), &["visitor", "exposures"]);
    assert_eq!(listed.exposures.len(), 1, "{listed:?}");

    // Dave shares; the tracer rates the library low risk.
    let tan = w.tan("case");
    w.ok(
        &dave,
        Some(&at(d, 16, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );
    w.ok(
        &w.ha,
        Some(&at(d, 16, 5)),
        &["authority", "publish", "--risk", "low"],
    );
    let out = sync_text(&w, &alice, &at(d, 16, 10));
    assert!(out.stdout.contains("Low-risk exposure"), "{out:#?}");
    assert!(out.stdout.contains("15 minute(s) of overlap"), "{out:#?}");
    let mut cmd = base_command();
    cmd.arg("--home").arg(&alice).args([
        "--server",
        &w.server.url,
        "--now",
        &at(d, 16, 11),
        "visitor",
        "exposures",
    ]);
    let text = run(cmd).ok().stdout;
    assert!(
        text.contains("⚠ HIGH RISK EXPOSURE") && text.contains("Low-risk exposure"),
        "{text}"
    );
    assert_eq!(text.matches("HIGH RISK").count(), 1, "{text}");

    // Dismissed: no longer listed, not raised again, still in `--all`.
    let dis: Dismissed = w.okt(
        &alice,
        Some(&at(d, 16, 12)),
        &["visitor", "dismiss", &high_id.to_string()],
    );
    assert_eq!(dis.dismissed, high_id, "{dis:?}");
    let listed: Exposures = w.okt(&alice, Some(&at(d, 16, 13)), &["visitor", "exposures"]);
    let rows = &listed.exposures;
    assert_eq!(rows.len(), 1, "{listed:?}");
    assert_eq!(rows[0].risk_level, "low", "{listed:?}");
    let all: Exposures = w.okt(
        &alice,
        Some(&at(d, 16, 13)),
        &["visitor", "exposures", "--all"],
    );
    assert_eq!(all.exposures.len(), 2, "{all:?}");
    let s = w.sync(&alice, &at(d, 16, 20));
    assert!(new_exposures(&s).is_empty(), "{s:?}");
    // An unknown id is an error.
    w.cli(&alice, Some(&at(d, 16, 21)), &["visitor", "dismiss", "999"])
        .failed();
}

// ------------------------------------------------------------------------------------------
// 16. A venue restored from its recovery sheet and the server; base URLs checked
// ------------------------------------------------------------------------------------------

#[test]
fn a_venue_is_restored_from_its_recovery_sheet_and_the_server() {
    // The server runs in Chinese: the harness still finds the URL on its listening line.
    let w = World::with_args(
        tempfile::tempdir().expect("tempdir"),
        vec!["--lang".into(), "zh-CN".into()],
        Vec::new(),
    );
    let d = w.day;
    let shop = w.home("shop");
    let serial = w.register(&shop, "兰州牛肉面馆", "restaurant");
    // Unscannable base URLs are refused before anything is sent.
    for bad in [
        "not a url",
        "http://codes.example.cn/v",
        "https://codes.example.cn",
        "https:///v",
        "https://codes.example.cn/v#x",
        "https://user@codes.example.cn/v",
    ] {
        let out = w
            .cli(&shop, None, &["venue", "update", "--base-url", bad])
            .failed();
        assert!(out.stderr.contains("base URL"), "{bad}: {out:#?}");
    }
    // `update` changes the base URL (and the English name) without a new certificate.
    let u: ProfileUpdated = w.okt(
        &shop,
        None,
        &[
            "venue",
            "update",
            "--english-name",
            "Lanzhou Beef Noodles",
            "--base-url",
            "https://codes.example.cn/v",
        ],
    );
    assert!(!u.new_certificate, "{u:?}");
    // A drill on one machine: plain http to a loopback host is a base URL phones scan (SPEC
    // §10.3), as a trust bundle may name one; http to another host is not (above).
    w.ok(
        &shop,
        None,
        &["venue", "update", "--base-url", "http://127.0.0.1:8080/v"],
    );
    let drill = w.static_url(&shop);
    assert!(drill.starts_with("http://127.0.0.1:8080/v#"), "{drill}");
    w.scan(&w.home("drill-phone"), &at(d, 9, 0), &drill);
    w.ok(
        &shop,
        None,
        &[
            "venue",
            "update",
            "--base-url",
            "https://codes.example.cn/v",
        ],
    );
    let url = w.static_url(&shop);
    assert!(url.starts_with("https://codes.example.cn/v#"), "{url}");
    // A guest recorded, then the sheet printed.
    w.ok(
        &shop,
        Some(&at(d, 10, 0)),
        &[
            "venue",
            "guestbook",
            "add",
            "--name",
            "王芳",
            "--phone",
            "18212341234",
        ],
    );
    let sheet = w.dir.path().join("recovery.txt");
    w.ok(
        &shop,
        None,
        &["venue", "recovery-sheet", "--out", sheet.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&sheet).unwrap();
    for line in [
        "English name: Lanzhou Beef Noodles",
        "Code base URL: https://codes.example.cn/v",
        &format!("Serial: {serial}"),
        "Guest book key",
        "venue restore --sheet",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    // The same sheet in Chinese: Chinese labels and instructions; typed back with full-width
    // colons, it restores as well (below).
    let sheet_zh = w.dir.path().join("recovery-zh.txt");
    w.ok(
        &shop,
        None,
        &[
            "--lang",
            "zh-CN",
            "venue",
            "recovery-sheet",
            "--out",
            sheet_zh.to_str().unwrap(),
        ],
    );
    let text_zh = std::fs::read_to_string(&sheet_zh).unwrap();
    for line in [
        "场所: 兰州牛肉面馆",
        "英文名称: Lanzhou Beef Noodles",
        "场所码网址: https://codes.example.cn/v",
        &format!("证书序号: {serial}"),
        "主种子",
        "访客登记簿密钥",
        "在新设备上恢复",
    ] {
        assert!(text_zh.contains(line), "{line} missing:\n{text_zh}");
    }
    for english in ["Master seed", "Venue key", "RECOVERY SHEET", "To restore"] {
        assert!(!text_zh.contains(english), "{english} in:\n{text_zh}");
    }
    let typed_zh = w.dir.path().join("recovery-zh-typed.txt");
    std::fs::write(&typed_zh, text_zh.replace(": ", "：")).unwrap();

    // The device is lost: a new home with only the trust bundle restores from the sheet.
    let new = w.home("new-shop");
    w.cli(&new, None, &["venue", "code"])
        .failed()
        .mentions(&["no venue registered"]);
    // A typo in the key is caught before anything is written.
    let typo = text.replacen(
        "Venue key (RFC 8032 seed; signs codes and requests): ",
        "Venue key: 00",
        1,
    );
    let typo_file = w.dir.path().join("typo.txt");
    std::fs::write(&typo_file, typo).unwrap();
    w.cli(
        &new,
        None,
        &["venue", "restore", "--sheet", typo_file.to_str().unwrap()],
    )
    .failed()
    .mentions(&["typo"]);
    assert!(!new.join("venue/venue.key").exists());

    let r: VenueRestored = w.okt(
        &new,
        None,
        &["venue", "restore", "--sheet", sheet.to_str().unwrap()],
    );
    assert_eq!(r.serial, serial, "{r:?}");
    assert_eq!(r.base_url, "https://codes.example.cn/v", "{r:?}");
    // The same code as before, and the guest book key is back.
    assert_eq!(w.static_url(&new), url);
    assert_eq!(
        std::fs::read(new.join("venue/guestbook.key")).unwrap(),
        std::fs::read(shop.join("venue/guestbook.key")).unwrap()
    );
    let poster = w.dir.path().join("restored/poster");
    w.ok(
        &new,
        None,
        &["venue", "poster", "--out", poster.to_str().unwrap()],
    );
    // A phone checks in with the restored venue's rotating code.
    let visitor = w.home("visitor");
    let rotating = w.rotating_url(&new, &at(d, 11, 0));
    w.scan(&visitor, &at(d, 11, 0), &rotating);
    // Restoring over an existing venue is refused.
    w.cli(
        &new,
        None,
        &["venue", "restore", "--sheet", sheet.to_str().unwrap()],
    )
    .failed()
    .mentions(&["already exists"]);
    // The Chinese sheet, typed with full-width colons, restores the same venue in an English run.
    let other = w.home("new-shop-zh");
    let r: VenueRestored = w.okt(
        &other,
        None,
        &["venue", "restore", "--sheet", typed_zh.to_str().unwrap()],
    );
    assert_eq!(r.serial, serial, "{r:?}");
    assert_eq!(w.static_url(&other), url);
}

// ------------------------------------------------------------------------------------------
// 17. TANs people can type, and sharing with consent
// ------------------------------------------------------------------------------------------

#[test]
fn tans_are_grouped_checked_and_a_share_needs_consent() {
    let w = World::new();
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let (case, id) = w.visit("case", &url, &at(d, 10, 0), &at(d, 10, 30));

    // The tracer sees the TAN in groups, its purpose and when it expires.
    let issued: TansIssued = w.okt(
        &w.ha,
        None,
        &[
            "authority",
            "tan",
            "--purpose",
            "case",
            "--valid-hours",
            "48",
        ],
    );
    assert_eq!(issued.purpose, "case", "{issued:?}");
    assert!(!issued.expires_at.is_empty(), "{issued:?}");
    let tan = issued.tans[0].as_str().to_owned();
    assert_eq!(tan.len(), 19, "{tan}");
    assert_eq!(tan.matches('-').count(), 3, "{tan}");
    let mut cmd = base_command();
    cmd.arg("--home").arg(&w.ha).args([
        "--server",
        &w.server.url,
        "authority",
        "tan",
        "--purpose",
        "guestbook",
    ]);
    let text = run(cmd).ok().stdout;
    assert!(
        text.contains("purpose: guestbook (a venue discloses its guest book); expires"),
        "{text}"
    );

    // One wrong character is a typo, caught before any request: nothing reaches the mailbox.
    let mut chars: Vec<char> = tan.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.into_iter().collect();
    w.share_refused(&case, &at(d, 15, 0), &typo, "typo");
    assert!(w.mailbox().is_empty());
    // An id that is not an entry of the window is refused.
    w.cli(
        &case,
        Some(&at(d, 15, 0)),
        &[
            "visitor",
            "share",
            "--tan",
            &tan,
            "--exclude",
            "999",
            "--yes",
        ],
    )
    .failed()
    .mentions(&["--exclude"]);
    // Without a terminal to confirm on and without --yes, nothing is sent.
    w.cli(
        &case,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tan],
    )
    .failed()
    .mentions(&["--yes", "will send 1 check-in(s)"]);
    assert!(w.mailbox().is_empty());
    // Lower case, spaces instead of dashes: the same TAN.
    let typed = tan.to_lowercase().replace('-', " ");
    let shared: Shared = w.okt(
        &case,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &typed, "--yes"],
    );
    assert_eq!(shared.shared, 1, "{shared:?}");
    assert_eq!(shared.lists.to_send[0].id, id, "{shared:?}");
    let mailbox = w.mailbox();
    assert_eq!(mailbox.len(), 1);
    // The TAN sealed inside is the canonical one the HA issued and keeps in its ledger, though
    // it was typed in lower case with spaces.
    let upload_id = mailbox[0]["id"].as_u64().expect("id");
    let opened: CaseOpened = w.okt(
        &w.ha,
        None,
        &["authority", "uploads", "open", &upload_id.to_string()],
    );
    assert!(opened.tan.authorised, "{opened:?}");
    assert_eq!(opened.case.len(), 1, "{opened:?}");
    let published = w.publish(&at(d, 15, 5));
    assert_eq!(published.stays, 1, "{published:?}");
    assert_eq!(published.skipped, Vec::new(), "{published:?}");
}

// ------------------------------------------------------------------------------------------
// 18. A fresh phone fetches the revocation list before its first check-in
// ------------------------------------------------------------------------------------------

#[test]
fn a_fresh_phone_refuses_a_deactivated_or_replaced_poster_before_any_sync() {
    let w = World::new();
    let d = w.day;
    let gone = w.home("gone");
    let moved = w.home("moved");
    w.register(&gone, "自行注销的面馆", "restaurant");
    w.register(&moved, "搬家的面馆", "restaurant");
    let gone_url = w.static_url(&gone);
    let old_url = w.static_url(&moved);
    w.ok(&gone, None, &["venue", "revoke", "--yes"]);
    w.ok(
        &moved,
        None,
        &[
            "venue",
            "update",
            "--address",
            "甘肃省兰州市安宁区北滨河西路2号",
            "--pledge",
        ],
    );
    // Phones that never synced: the first scan fetches the list.
    let first = w.home("first-phone");
    let err = w.scan_refused(&first, &at(d, 10, 0), &gone_url);
    assert!(err.contains("deactivated"), "{err}");
    let second = w.home("second-phone");
    let err = w.scan_refused(&second, &at(d, 10, 0), &old_url);
    assert!(err.contains("replaced"), "{err}");
    // The current poster works.
    let url = w.static_url(&moved);
    w.scan(&second, &at(d, 10, 1), &url);
}

// ------------------------------------------------------------------------------------------
// 19. Check-in choices: the stay chosen at check-in, a reminder, a hint when check-out is late
// ------------------------------------------------------------------------------------------

#[test]
fn the_stay_is_chosen_at_check_in_and_a_late_checkout_points_to_edit() {
    let w = World::new();
    let d = w.day;
    let day = day_str(d);
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let visitor = w.home("visitor");
    // 02:00 UTC is 10:00 at the venue.
    let c: CheckedIn = w.okt(
        &visitor,
        Some(&at(d, 2, 0)),
        &["visitor", "scan", &url, "--stay", "30"],
    );
    assert_eq!(c.auto_checkout, format!("{day}T10:30:00+08:00"), "{c:?}");
    assert_eq!(
        c.checkout_reminder,
        format!("{day}T10:20:00+08:00"),
        "{c:?}"
    );
    w.cli(
        &visitor,
        Some(&at(d, 2, 0)),
        &["visitor", "scan", &url, "--stay", "5"],
    )
    .failed()
    .mentions(&["15 to 720"]);
    // After the automatic check-out, `checkout` says what happened and how to correct it.
    let out = w
        .cli(&visitor, Some(&at(d, 3, 0)), &["visitor", "checkout"])
        .failed();
    assert!(
        out.stderr.contains("automatic check-out ended your stay"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("visitor edit"), "{out:#?}");
}

impl World {
    /// Runs a command in `lang` (`VENUECODE_LANG`), as text, or as JSON with `json`.
    fn cli_lang(
        &self,
        lang: &str,
        json: bool,
        home: &Path,
        now: Option<&str>,
        args: &[&str],
    ) -> Output {
        self.cli_lang_at(&self.server.url, lang, json, home, now, args)
    }

    /// [`World::cli_lang`] with another server.
    fn cli_lang_at(
        &self,
        server: &str,
        lang: &str,
        json: bool,
        home: &Path,
        now: Option<&str>,
        args: &[&str],
    ) -> Output {
        let mut cmd = base_command();
        cmd.env("VENUECODE_LANG", lang)
            .arg("--home")
            .arg(home)
            .arg("--server")
            .arg(server);
        if let Some(now) = now {
            cmd.arg("--now").arg(now);
        }
        cmd.args(&self.client_args);
        if json {
            cmd.arg("--json");
        }
        cmd.args(args);
        run(cmd)
    }

    /// One failure in English, in Chinese and as JSON (in Chinese): the same code, and each
    /// sentence printed once. Returns the code.
    fn same_failure(
        &self,
        server: &str,
        home: &Path,
        now: Option<&str>,
        args: &[&str],
        english: &str,
        chinese: &str,
    ) -> String {
        let en = self
            .cli_lang_at(server, "en", false, home, now, args)
            .failed()
            .mentions(&[english]);
        assert_eq!(en.stderr.matches(english).count(), 1, "said twice: {en:#?}");
        let zh = self
            .cli_lang_at(server, "zh-CN", false, home, now, args)
            .failed()
            .mentions(&[chinese]);
        assert!(zh.stderr.starts_with("错误: "), "{zh:#?}");
        assert_ne!(zh.stderr, en.stderr, "not translated: {zh:#?}");
        let json = self
            .cli_lang_at(server, "zh-CN", true, home, now, args)
            .failed();
        let v: Value = serde_json::from_str(json.stderr.trim()).expect("one JSON error object");
        let code = v["error"]["code"].as_str().expect("code").to_owned();
        assert!(
            v["error"]["message"].as_str().unwrap().contains(chinese),
            "{v}"
        );
        let json_en = self
            .cli_lang_at(server, "en", true, home, now, args)
            .failed();
        let v_en: Value = serde_json::from_str(json_en.stderr.trim()).expect("JSON error");
        assert_eq!(v_en["error"]["code"], code.as_str(), "{v_en}");
        assert!(
            v_en["error"]["message"].as_str().unwrap().contains(english),
            "{v_en}"
        );
        code
    }
}

#[test]
fn authority_and_guest_book_commands_and_help_speak_chinese_or_english() {
    let w = World::new();
    let shop = w.home("shop");
    w.register(&shop, "兰州牛肉面", "restaurant");

    // A guest-book command.
    let add = |lang: &str, name: &str| {
        w.cli_lang(
            lang,
            false,
            &shop,
            None,
            &[
                "venue",
                "guestbook",
                "add",
                "--name",
                name,
                "--phone",
                "18212341234",
            ],
        )
        .ok()
        .stdout
    };
    let zh = add("zh-CN", "王芳");
    assert!(
        zh.contains("已登记访客 1") && zh.contains("卫生部门"),
        "{zh}"
    );
    let en = add("en", "李雷");
    assert!(
        en.contains("recorded guest 2") && en.contains("sealed to the health authority"),
        "{en}"
    );
    let list = |lang: &str| {
        w.cli_lang(lang, false, &shop, None, &["venue", "guestbook", "list"])
            .ok()
            .stdout
    };
    assert!(
        list("zh-CN").starts_with("共 2 位访客"),
        "{}",
        list("zh-CN")
    );
    assert!(list("en").starts_with("2 guests:"), "{}", list("en"));

    // An authority command: the statistics tables, headers included.
    let stats = |lang: &str| {
        w.cli_lang(lang, false, &w.ha, None, &["authority", "stats"])
            .ok()
            .stdout
    };
    let zh = stats("zh-CN");
    assert!(
        zh.contains("场所（现行证书）") && zh.contains("地区") && zh.contains("有效"),
        "{zh}"
    );
    let en = stats("en");
    assert!(
        en.contains("Venues (current certificates)") && en.contains("active"),
        "{en}"
    );
    let none = w
        .cli_lang(
            "zh-CN",
            false,
            &w.ha,
            None,
            &["authority", "tan", "list", "--offline"],
        )
        .ok();
    assert!(none.stdout.contains("尚未签发任何 TAN"), "{none:#?}");

    // --help: the command descriptions, in the language asked for.
    let help = |lang: &str| {
        let mut cmd = base_command();
        cmd.args(["--lang", lang, "authority", "--help"]);
        run(cmd).ok().stdout
    };
    let zh = help("zh-CN");
    assert!(
        zh.contains("永久停用场所码") && zh.contains("签发 TAN"),
        "{zh}"
    );
    let en = help("en");
    assert!(
        en.contains("Disable a venue's code for good") && en.contains("Issue TANs"),
        "{en}"
    );
    let mut cmd = base_command();
    cmd.env("VENUECODE_LANG", "zh-CN")
        .args(["venue", "guestbook", "--help"]);
    let zh = run(cmd).ok().stdout;
    assert!(zh.contains("为没有智能手机的人代为登记"), "{zh}");
}

#[test]
fn check_in_check_out_and_sync_speak_chinese_or_english() {
    let w = World::new();
    let d = w.day;
    let shop = w.home("shop");
    w.register(&shop, "兰州牛肉面", "restaurant");
    let url = w.static_url(&shop);
    let alice = w.home("alice");

    let scan = w
        .cli_lang(
            "zh-CN",
            false,
            &alice,
            Some(&at(d, 10, 0)),
            &["visitor", "scan", &url],
        )
        .ok();
    assert!(scan.stdout.contains("✓ 兰州牛肉面"), "{scan:#?}");
    assert!(scan.stdout.contains("登记于"), "{scan:#?}");
    assert!(scan.stdout.contains("自动离开"), "{scan:#?}");
    let diary = w
        .cli_lang(
            "en",
            false,
            &alice,
            Some(&at(d, 10, 5)),
            &["visitor", "diary"],
        )
        .ok();
    assert!(diary.stdout.contains("1 check-in(s):"), "{diary:#?}");
    let out = w
        .cli_lang(
            "zh-CN",
            false,
            &alice,
            Some(&at(d, 10, 30)),
            &["visitor", "checkout"],
        )
        .ok();
    assert!(out.stdout.contains("离开兰州牛肉面"), "{out:#?}");
    let sync = w
        .cli_lang(
            "zh-CN",
            false,
            &alice,
            Some(&at(d, 10, 35)),
            &["visitor", "sync"],
        )
        .ok();
    assert!(sync.stdout.contains("已同步"), "{sync:#?}");
    // No checkpoint published yet: the list may be stale.
    assert!(sync.stdout.contains("列表可能已过时"), "{sync:#?}");
    let exposures = w
        .cli_lang("zh-CN", false, &alice, None, &["visitor", "exposures"])
        .ok();
    assert!(exposures.stdout.contains("没有暴露提醒"), "{exposures:#?}");

    // The locale picks the language when neither --lang nor VENUECODE_LANG does.
    let mut cmd = base_command();
    cmd.env_remove("VENUECODE_LANG")
        .env("LC_ALL", "zh_CN.UTF-8")
        .arg("--home")
        .arg(&alice)
        .args(["--server", &w.server.url, "visitor", "exposures"]);
    let by_locale = run(cmd).ok();
    assert!(by_locale.stdout.contains("没有暴露提醒"), "{by_locale:#?}");
    // --lang wins over the environment.
    let by_flag = w
        .cli_lang(
            "zh-CN",
            false,
            &alice,
            None,
            &["--lang", "en", "visitor", "exposures"],
        )
        .ok();
    assert!(
        by_flag.stdout.contains("no exposure listed"),
        "{by_flag:#?}"
    );

    // The same failure in both languages, with one code.
    let code = w.same_failure(
        &w.server.url,
        &alice,
        Some(&at(d, 12, 0)),
        &["visitor", "checkout"],
        "not checked in anywhere",
        "您目前没有在任何场所登记",
    );
    assert_eq!(code, "not_checked_in");
    // A mistyped TAN (a character missing) is caught before any request.
    let code = w.same_failure(
        &w.server.url,
        &alice,
        Some(&at(d, 12, 0)),
        &["visitor", "share", "--tan", "7K2M-9XR4-TPLW-3NB", "--yes"],
        "this TAN has a typo",
        "此 TAN 有输入错误",
    );
    assert_eq!(code, "tan_typo");
    // A home without a venue.
    let code = w.same_failure(
        &w.server.url,
        &alice,
        None,
        &["venue", "code"],
        "no venue registered",
        "没有已登记的场所",
    );
    assert_eq!(code, "no_venue");
}

/// The URL of a port on this machine that nothing listens on, held (bound, never listening) for
/// as long as the returned socket lives, so that no other test's server can take it meanwhile.
fn dead_server() -> (tokio::net::TcpSocket, String) {
    let (held, addr) = venuecode_testkit::server::raw::refusing_addr();
    (held, format!("http://{addr}"))
}

#[test]
fn an_unreachable_server_is_named_in_both_languages() {
    let w = World::new();
    let home = w.home("offline");
    let (_held, dead) = dead_server();
    let args = ["visitor", "sync"];
    let code = w.same_failure(
        &dead,
        &home,
        None,
        &args,
        "cannot reach the server",
        "无法连接服务器",
    );
    assert_eq!(code, "network");
    let out = w
        .cli_lang_at(&dead, "zh-CN", false, &home, None, &args)
        .failed();
    assert!(
        out.stderr.contains(&dead),
        "the server is not named: {out:#?}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
}

/// The words of `text` that are English: runs of 4 or more ASCII letters, once URLs, paths,
/// `--flags` and `backticked` command lines are taken out.
fn english_words(text: &str) -> Vec<String> {
    let mut kept = String::new();
    for (i, part) in text.split('`').enumerate() {
        // Odd parts are inside backticks: a command line.
        if i % 2 == 0 {
            kept.push_str(part);
        }
        kept.push(' ');
    }
    kept.split(|c: char| c.is_whitespace() || "（）()，：；。、".contains(c))
        .filter(|t| !t.contains("://") && !t.contains('/') && !t.starts_with("--"))
        .flat_map(|t| {
            t.split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() >= 4)
                // Names of formats and standards, written so in Chinese too.
                .filter(|w| !["JPEG", "HTTPS"].contains(w))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn library_reasons_are_worded_in_chinese_not_quoted_in_english() {
    let w = World::new();
    let d = w.day;
    let (_, url) = w.restaurant("shop", "兰州牛肉面馆");
    let visitor = w.home("visitor");
    let zh = |server: &str, now: &str, args: &[&str]| {
        let out = w
            .cli_lang_at(server, "zh-CN", false, &visitor, Some(now), args)
            .failed();
        // A refused scan says why on standard output, other failures on standard error.
        let said = format!("{}{}", out.stdout, out.stderr);
        let english = english_words(&said);
        assert!(english.is_empty(), "English {english:?} in {out:#?}");
        said
    };

    // A garbled venue code: the URL cut short.
    let cut = &url[..url.len() - 12];
    let said = zh(&w.server.url, &at(d, 2, 0), &["visitor", "scan", cut]);
    assert!(said.contains("这不是有效的场所码"), "{said}");

    // A server that refuses connections.
    let (_held, dead) = dead_server();
    let said = zh(&dead, &at(d, 2, 0), &["visitor", "sync"]);
    assert!(said.contains(&format!("{dead}（连接被拒绝）")), "{said}");

    // An edit out of bounds: an arrival in the future.
    let id = w.scan(&visitor, &at(d, 2, 0), &url).to_string();
    let edit = [
        "visitor",
        "edit",
        id.as_str(),
        "--arrival",
        &at(d, 5, 0),
        "--departure",
        &at(d, 6, 0),
    ];
    let said = zh(&w.server.url, &at(d, 2, 10), &edit);
    assert!(said.contains("修改超出范围（到达时间在将来）"), "{said}");
    // English keeps the library's own words.
    let en = w
        .cli_lang("en", false, &visitor, Some(&at(d, 2, 10)), &edit)
        .failed();
    assert!(
        en.stderr
            .contains("out of bounds (arrival is in the future)"),
        "{en:#?}"
    );
    // The JSON code stays, the reason is in the message.
    let json = w
        .cli_lang("zh-CN", true, &visitor, Some(&at(d, 2, 10)), &edit)
        .failed();
    let v: Value = serde_json::from_str(json.stderr.trim()).expect("one JSON error object");
    assert_eq!(v["error"]["code"], "edit_out_of_bounds", "{v}");

    // A photo that is no image: the decoder's own English is left out in Chinese.
    let photo = w.dir.path().join("not-a-photo.jpg");
    std::fs::write(&photo, b"this is text, not a JPEG").unwrap();
    let scan_photo = ["visitor", "scan", "--image", photo.to_str().unwrap()];
    let said = zh(&w.server.url, &at(d, 2, 20), &scan_photo);
    assert!(said.contains("不是 PNG 或 JPEG 图像"), "{said}");
    let en = w
        .cli_lang("en", false, &visitor, Some(&at(d, 2, 20)), &scan_photo)
        .failed();
    assert!(en.stderr.contains("not a PNG or JPEG image ("), "{en:#?}");
}

#[test]
fn a_server_refusal_keeps_the_server_code_in_both_languages() {
    let w = World::new();
    let shop = w.home("shop");
    w.register(&shop, "兰州牛肉面", "restaurant");
    w.ok(&shop, None, &["venue", "revoke", "--yes"]);
    // Updating a revoked venue: the server answers 409 revoked.
    let code = w.same_failure(
        &w.server.url,
        &shop,
        None,
        &["venue", "update", "--name", "兰州拉面", "--pledge"],
        "409 revoked",
        "服务器拒绝了请求（409 revoked",
    );
    assert_eq!(code, "revoked");
}

#[test]
fn a_venue_prints_its_poster_in_the_language_it_registered_with() {
    let w = World::new();
    let poster_text = |home: &Path, lang: Option<&str>| -> String {
        let out = w.dir.path().join(format!(
            "poster-{}-{}",
            home.file_name().unwrap().to_string_lossy(),
            lang.unwrap_or("stored")
        ));
        let mut cmd = base_command();
        cmd.env_remove("VENUECODE_LANG")
            .env("LC_ALL", "C")
            .arg("--home")
            .arg(home)
            .args(["--server", &w.server.url, "venue", "poster", "--out"])
            .arg(&out);
        if let Some(lang) = lang {
            cmd.args(["--lang", lang]);
        }
        run(cmd).ok();
        std::fs::read_to_string(out.with_extension("svg")).expect("poster SVG")
    };
    // Registered under zh-CN: the poster is Chinese first, whatever the locale.
    let zh = w.home("zh-shop");
    let out = w
        .cli_lang(
            "zh-CN",
            false,
            &zh,
            None,
            &[
                "venue",
                "register",
                "--name",
                "兰州牛肉面",
                "--address",
                "安宁区1号",
                "--region",
                "620105",
                "--category",
                "restaurant",
                "--pledge",
            ],
        )
        .ok();
    assert!(out.stdout.contains("已登记兰州牛肉面"), "{out:#?}");
    assert!(poster_text(&zh, None).contains("扫码登记 · Scan to check in"));
    // Registered under en (the test kit's language): English first; --lang overrides it.
    let en = w.home("en-shop");
    w.register(&en, "北滨河面馆", "restaurant");
    assert!(poster_text(&en, None).contains("Scan to check in · 扫码登记"));
    assert!(poster_text(&en, Some("zh-CN")).contains("扫码登记 · Scan to check in"));
}

// ------------------------------------------------------------------------------------------
// The tracer's everyday commands
// ------------------------------------------------------------------------------------------

/// Runs an authority command as a person types it: text output, no `--json`.
fn text(w: &World, args: &[&str]) -> Output {
    let mut cmd = base_command();
    cmd.arg("--home")
        .arg(&w.ha)
        .arg("--server")
        .arg(&w.server.url)
        .args(&w.client_args)
        .args(args);
    run(cmd)
}

#[test]
fn tans_issued_by_tracers_at_the_same_moment_are_all_in_the_ledger() {
    let w = World::new();
    // Four tracers issue TANs from the same authority home at once: each command loads the
    // ledger, registers its TANs with the server and saves; without the home's lock one
    // command's save drops another's TANs, whose holders' uploads the HA would then refuse.
    let children: Vec<_> = (0..4)
        .map(|_| {
            w.command(&w.ha, None, &["authority", "tan", "--count", "25"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut issued = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{out:?}");
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        issued.extend(
            v["ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|id| id.as_str().expect("id").to_owned()),
        );
    }
    assert_eq!(issued.len(), 100);
    let listed: std::collections::BTreeSet<String> =
        w.ok(&w.ha, None, &["authority", "tan", "list", "--offline"])["tans"]
            .as_array()
            .expect("tans")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect();
    let missing: Vec<_> = issued.iter().filter(|id| !listed.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "issued but not in the ledger: {missing:?}"
    );
    assert_eq!(listed.len(), 100);
}

#[test]
fn the_tracer_lists_and_cancels_tans_and_a_cancelled_or_used_one_cannot_be_cancelled() {
    let w = World::new();
    let d = w.day;
    let shop = w.home("tan-shop");
    w.register(&shop, "黄河边茶馆", "restaurant");
    let url = w.static_url(&shop);
    let carol = w.home("tan-carol");
    w.scan(&carol, &at(d, 10, 0), &url);

    // Two TANs, each shown with its id.
    let v = w.ok(&w.ha, None, &["authority", "tan", "--count", "2"]);
    let strs = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap_or_else(|| panic!("no {k}: {v}"))
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    let (tans, ids) = (strs("tans"), strs("ids"));
    assert_eq!((tans.len(), ids.len()), (2, 2), "{v}");
    let listed = |w: &World| -> Vec<Value> {
        w.ok(&w.ha, None, &["authority", "tan", "list"])["tans"]
            .as_array()
            .expect("tans")
            .clone()
    };
    let row = |rows: &[Value], id: &str| -> Value {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {rows:?}"))
            .clone()
    };
    let rows = listed(&w);
    assert_eq!(rows.len(), 2);
    for id in &ids {
        let r = row(&rows, id);
        assert_eq!(
            (&r["purpose"], &r["state"], &r["server_state"]),
            (&json!("case"), &json!("unused"), &json!("unused")),
            "{r}"
        );
        assert!(r["expires_at"].as_str().unwrap() > r["issued_at"].as_str().unwrap());
    }
    // The TAN itself is never listed.
    let shown = text(&w, &["authority", "tan", "list"]).ok().stdout;
    assert!(
        shown.contains(&ids[0]) && shown.contains("unused"),
        "{shown}"
    );
    for t in &tans {
        assert!(!shown.contains(t.as_str()), "{shown}");
    }

    // Cancelled by its id: the visitor's share with it is refused, nothing is uploaded.
    let c = w.ok(&w.ha, None, &["authority", "tan", "cancel", &ids[0]]);
    assert_eq!(c["cancelled"], ids[0].as_str(), "{c}");
    w.cli(
        &carol,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tans[0], "--yes"],
    )
    .failed()
    .mentions(&["cancelled"]);
    assert!(w.mailbox().is_empty());
    assert_eq!(row(&listed(&w), &ids[0])["state"], "cancelled");
    // Twice, and a mistyped id: clear errors.
    w.cli(&w.ha, None, &["authority", "tan", "cancel", &ids[0]])
        .failed()
        .mentions(&["cancelled before"]);
    let out = w
        .cli(&w.ha, None, &["authority", "tan", "cancel", "0123456789"])
        .failed();
    assert!(
        out.stderr.contains("`0123456789`") && out.stderr.contains("tan list"),
        "{out:#?}"
    );

    // Used by an upload not published yet: the server says so, and it cannot be cancelled.
    w.ok(
        &carol,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tans[1], "--yes"],
    );
    let r = row(&listed(&w), &ids[1]);
    assert_eq!(
        (&r["state"], &r["server_state"]),
        (&json!("unused"), &json!("used"))
    );
    w.cli(&w.ha, None, &["authority", "tan", "cancel", &ids[1]])
        .failed()
        .mentions(&["already used"]);
    assert_eq!(row(&listed(&w), &ids[1])["cancelled_at"], Value::Null);
}

#[test]
fn uploads_name_their_venues_publish_refuses_a_missing_id_stats_read_as_tables_disable_asks() {
    let w = World::new();
    let d = w.day;
    let shop = w.home("ux-shop");
    let serial = w.register(&shop, "黄河边茶馆", "restaurant");
    let url = w.static_url(&shop);
    let carol = w.home("ux-carol");
    w.scan(&carol, &at(d, 10, 0), &url);
    let tan = w.tan("case");
    w.ok(
        &carol,
        Some(&at(d, 15, 0)),
        &["visitor", "share", "--tan", &tan, "--yes"],
    );

    // The mailbox: when each arrived, and the venues a case names.
    let mailbox = w.mailbox();
    assert_eq!(mailbox.len(), 1);
    let c = &mailbox[0]["contents"];
    assert_eq!(c["kind"], "case", "{c}");
    assert_eq!(c["venues"], json!([[serial, "黄河边茶馆"]]), "{c}");
    let shown = text(&w, &["authority", "uploads", "list"]).ok().stdout;
    assert!(
        shown.contains("arrived") && shown.contains("黄河边茶馆") && shown.contains("UTC"),
        "{shown}"
    );
    // An id the mailbox does not hold: an error naming it, and nothing published.
    let id = mailbox[0]["id"].as_u64().unwrap();
    let out = w
        .cli(
            &w.ha,
            Some(&at(d, 15, 5)),
            &["authority", "publish", "--uploads", &format!("{id},999")],
        )
        .failed();
    assert!(
        out.stderr.contains("999") && out.stderr.contains("nothing published"),
        "{out:#?}"
    );
    assert!(!w.ha.join("authority/chain.json").exists());
    assert!(!w.ha.join("authority/pending-batch.bin").exists());

    // Statistics: filtered by region (a province or a prefecture of the table), category and
    // dates; a region not in the table and a reversed range are refused.
    let rows = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["authority", "stats"];
        all.extend_from_slice(args);
        w.ok(&w.ha, None, &all)["venues"]["by_region"]
            .as_array()
            .expect("by_region")
            .clone()
    };
    assert_eq!(rows(&["--region", "62"]).len(), 1);
    assert_eq!(
        rows(&["--region", "620100", "--category", "restaurant"]).len(),
        1
    );
    assert!(rows(&["--region", "4403"]).is_empty());
    assert!(rows(&["--category", "pharmacy"]).is_empty());
    let out = w
        .cli(&w.ha, None, &["authority", "stats", "--region", "99"])
        .failed();
    assert!(
        out.stderr.contains("990000") && out.stderr.contains("GB/T 2260"),
        "{out:#?}"
    );
    w.cli(
        &w.ha,
        None,
        &[
            "authority",
            "stats",
            "--from",
            "2026-12-02",
            "--until",
            "2026-12-01",
        ],
    )
    .failed()
    .mentions(&["starts after it ends"]);
    let shown = text(&w, &["authority", "stats"]).ok().stdout;
    assert!(
        shown.contains("620105 甘肃省 兰州市 (Lanzhou, Gansu)") && shown.contains("restaurant"),
        "{shown}"
    );
    assert!(!shown.contains('{'), "not a table: {shown}");
    // In Chinese the category is the programme's name, with the slug `--category` takes.
    let shown = text(&w, &["--lang", "zh-CN", "authority", "stats"])
        .ok()
        .stdout;
    assert!(shown.contains("餐饮 (restaurant)"), "{shown}");

    // Disable: without a terminal and without --yes, refused and nothing done.
    text(&w, &["authority", "disable", &serial.to_string()])
        .failed()
        .mentions(&["--yes"]);
    assert_eq!(w.venue_stats(), (1, 0));
    text(&w, &["authority", "disable", "424242", "--yes"])
        .failed()
        .mentions(&["424242"]);

    // By name: several matches are listed and nothing is done; none is an error of its own.
    let noodles = w.home("noodles-by-the-river");
    let other = w.register(&noodles, "黄河边面馆", "restaurant");
    let out = text(&w, &["authority", "disable", "--name", "黄河边", "--yes"]).failed();
    for shown in [
        "黄河边茶馆",
        "黄河边面馆",
        "兰州市",
        &serial.to_string(),
        &other.to_string(),
    ] {
        assert!(out.stderr.contains(shown), "{shown}: {out:#?}");
    }
    let failure: venuecode::output::Failure = w
        .cli(
            &w.ha,
            None,
            &["authority", "disable", "--name", "咖啡", "--yes"],
        )
        .failed()
        .parse_stderr();
    assert_eq!(failure.error.code, "venue_name_not_found");
    assert_eq!(w.venue_stats(), (2, 0));
    let v = w.ok(
        &w.ha,
        None,
        &["authority", "disable", "--name", "茶馆", "--yes"],
    );
    assert_eq!(
        (&v["disabled"], &v["name"], &v["already"]),
        (&json!(serial), &json!("黄河边茶馆"), &json!(false))
    );
    assert_eq!(v["key_id"].as_str().map(str::len), Some(16));
    assert_eq!(w.venue_stats(), (1, 1));
    // Disabling twice is not an error: it says so and changes nothing.
    let v = w.ok(
        &w.ha,
        None,
        &["authority", "disable", &serial.to_string(), "--yes"],
    );
    assert_eq!(
        (&v["disabled"], &v["already"]),
        (&json!(serial), &json!(true))
    );
    assert_eq!(w.venue_stats(), (1, 1));
    let zh = text(
        &w,
        &[
            "--lang",
            "zh-CN",
            "authority",
            "disable",
            "--name",
            "茶馆",
            "--yes",
        ],
    )
    .ok();
    assert!(zh.stdout.contains("已被撤销"), "{zh:#?}");
}

// ------------------------------------------------------------------------------------------
// Guest book: check-out, edit and delete as staff do them
// ------------------------------------------------------------------------------------------

#[test]
fn guest_book_checkout_edit_and_delete_as_staff_do_them() {
    use venuecode::output::{
        Failure, GuestAdded, GuestChanged, GuestDeleted, GuestList, GuestsDisclosed,
    };
    let w = World::new();
    let d = w.day;
    let day = day_str(d);
    let shop = w.home("library");
    w.register(&shop, "兰州图书馆", "culture-entertainment");
    let now = format!("{day} 09:30+08:00");
    // Recorded on arrival without a departure: open until checked out.
    let g: GuestAdded = w
        .cli(
            &shop,
            Some(&now),
            &[
                "venue",
                "guestbook",
                "add",
                "--name",
                "王芳",
                "--phone",
                "+86 182 1234 1234",
            ],
        )
        .ok()
        .parse();
    assert_eq!(g.label, "王* +86 182****1234");
    let list: GuestList = w
        .cli(&shop, Some(&now), &["venue", "guestbook", "list"])
        .ok()
        .parse();
    assert_eq!(list.guests.len(), 1);
    assert!(list.guests[0].open);
    assert_eq!(list.guests[0].arrival, format!("{day}T09:30:00+08:00"));
    let id = g.id.to_string();

    // A mistyped id: one clear error, naming how to see the ids, said once.
    let out = w
        .cli(&shop, Some(&now), &["venue", "guestbook", "checkout", "99"])
        .failed();
    let failure: Failure = out.parse_stderr();
    assert_eq!(failure.error.code, "guest_not_found", "{out:#?}");
    assert!(
        failure.error.message.contains("no guest 99")
            && failure.error.message.contains("guestbook list"),
        "{out:#?}"
    );
    assert_eq!(out.stderr.matches("no guest 99").count(), 1, "{out:#?}");

    // Check-out at a local time in the venue's zone, then a second check-out is refused.
    let c: GuestChanged = w
        .cli(
            &shop,
            Some(&format!("{day} 11:00+08:00")),
            &[
                "venue",
                "guestbook",
                "checkout",
                &id,
                "--departure",
                "10:40",
            ],
        )
        .ok()
        .parse();
    assert!(!c.guest.open);
    assert_eq!(c.guest.departure, format!("{day}T10:40:00+08:00"));
    assert!(!c.disclosed_copy_unchanged);
    let out = w
        .cli(&shop, Some(&now), &["venue", "guestbook", "checkout", &id])
        .failed();
    assert_eq!(
        out.stderr.matches("already checked out").count(),
        1,
        "{out:#?}"
    );

    // An edit of the departure with the name and phone typed again.
    let edit_with_identity = |departure: &'static str| {
        [
            "venue",
            "guestbook",
            "edit",
            id.as_str(),
            "--departure",
            departure,
            "--name",
            "王芳",
            "--phone",
            "18212341234",
        ]
    };
    // A departure before the arrival is refused and changes nothing.
    w.cli(&shop, Some(&now), &edit_with_identity("09:00"))
        .failed()
        .mentions(&["after the arrival"]);
    // A checked-out guest's times change only with name and phone typed again.
    w.cli(
        &shop,
        Some(&now),
        &["venue", "guestbook", "edit", &id, "--departure", "10:50"],
    )
    .failed()
    .mentions(&["name and the phone"]);
    let e: GuestChanged = w
        .cli(&shop, Some(&now), &edit_with_identity("10:50"))
        .ok()
        .parse();
    assert_eq!(e.guest.label, "王* 182****1234");
    assert_eq!(e.guest.departure, format!("{day}T10:50:00+08:00"));

    // Disclosed to the HA, then deleted: allowed, and the disclosed copy is said to stay.
    let gtan = w.tan("guestbook");
    let later = format!("{day} 15:00+08:00");
    let disclosed: GuestsDisclosed = w
        .cli(
            &shop,
            Some(&later),
            &[
                "venue",
                "guestbook",
                "disclose",
                "--tan",
                &gtan,
                "--from",
                &format!("{day} 09:00+08:00"),
                "--until",
                &format!("{day} 12:00+08:00"),
            ],
        )
        .ok()
        .parse();
    assert_eq!(disclosed.entries, 1);
    // Without a terminal and without --yes nothing is deleted.
    w.cli(&shop, Some(&later), &["venue", "guestbook", "delete", &id])
        .failed()
        .mentions(&["--yes"]);
    let list: GuestList = w
        .cli(&shop, Some(&later), &["venue", "guestbook", "list"])
        .ok()
        .parse();
    assert_eq!(list.guests[0].disclosed_in, Some(disclosed.upload_id));
    let del: GuestDeleted = w
        .cli(
            &shop,
            Some(&later),
            &["venue", "guestbook", "delete", &id, "--yes"],
        )
        .ok()
        .parse();
    assert_eq!(del.deleted, g.id);
    assert_eq!(del.disclosed_in, Some(disclosed.upload_id));
    let mut cmd = base_command();
    cmd.arg("--home")
        .arg(&shop)
        .args(["--server", &w.server.url, "--now", &later])
        .args(&w.client_args)
        .args(["venue", "guestbook", "list"]);
    assert!(run(cmd).ok().stdout.starts_with("0 guests"));
    // The HA still reads the disclosed entry, as it was sent.
    let opened: GuestBookOpened = w.okt(
        &w.ha,
        None,
        &[
            "authority",
            "uploads",
            "open",
            &disclosed.upload_id.to_string(),
        ],
    );
    assert_eq!(opened.guestbook[0].phone, "18212341234", "{opened:?}");
    assert_eq!(opened.guestbook[0].name, "王芳", "{opened:?}");
}
