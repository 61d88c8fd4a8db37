//! The server binary (`venuecode-server`, a separate process with its default limits) on
//! loopback, twice:
//!
//! - **Hostile load.** Honest phones (the client library: check-in, a full `Visitor::sync`
//!   with the checkpoint and revocation pages, plus reads of published batches and revocation
//!   pages) from 127.0.0.1 for a fixed time with no attack, then for the same time while
//!   strangers on other loopback addresses hold slow heads (slowloris), trickle bodies under a
//!   copied HA key id, send large bodies with no or a copied envelope and flood registrations.
//!   Honest latency and throughput under attack are reported as ratios against the unattacked
//!   phase of the same run; the server's peak memory and descriptors are read from `/proc`.
//! - **The read path over TLS.** The same server on the same store restarted with
//!   `--tls-cert`/`--tls-key` (a CA and a certificate for 127.0.0.1 made here with rcgen), a
//!   published batch under `wrk` over HTTPS, against nginx serving the same bytes over HTTPS
//!   with the same certificate and key.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use venuecode_client::transport::{Request, Response};
use venuecode_client::{
    api, CheckInStatus, DiaryKey, HttpTransport, ManualClock, Transport, Visitor,
};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::{ChainHead, Codec, SigningKey, VenueInfo};
use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
use venuecode_server::storage::VenueRecord;
use venuecode_server::{RedbStorage, Storage};
use venuecode_testkit::server::process;

use crate::fixture::{self, Authorities, BenchVenue, Filler, DIARY_DAYS, T0};
use crate::server::{median_wrk, run_wrk, Nginx, Wrk};
use crate::util::percentile;
use crate::BenchResult;

/// Revocations in the store before the run: two pages (10,000 and 5,000 entries).
pub const REVOCATIONS: u64 = 15_000;
/// Published batches, each of this many records.
pub const BATCHES: usize = 5;
pub const BATCH_RECORDS: usize = 1_600;
/// Honest phones, each a thread with its own diary and connection.
pub const HONEST: usize = 4;
/// Rounds each phone runs before the measurements, so that its diary holds 14 days of
/// check-ins (five a day) in every phase.
pub const WARM_UP: usize = 80;
/// The bound the server's peak resident memory is held to, in MiB, set before the first
/// run: an idle server (about 14 MiB) plus the 64 MiB of head buffers that 1,024 connections
/// can hold, plus the bodies this attack has read at once (four of 8 MiB under a copied HA key
/// id). The server's configured limits allow more: 256 MiB of bodies in flight.
pub const RSS_BOUND_MIB: u64 = 128;

const SLOWLORIS: usize = 320;
const SLOWLORIS_ADDRS: u8 = 5; // 127.0.0.2 ..= 127.0.0.6
const SLOW_BODIES: usize = 100;
const SLOW_BODY_BYTES: usize = 1 << 20;
const LARGE_BODY_TASKS: usize = 8;
const FLOOD_TASKS: usize = 5;
/// Registrations a flooding task sends a second, at most.
const FLOOD_RATE: u64 = 100;

/// What one phase of honest load saw.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    pub elapsed: Duration,
    pub rounds: usize,
    pub requests: usize,
    pub failures: usize,
    pub first_failure: Option<String>,
    pub p50: Duration,
    pub p99: Duration,
    pub round_p50: Duration,
    pub round_p99: Duration,
    pub peak_rss_kib: u64,
    pub peak_fds: usize,
    /// CPU time the server process used in the phase (user + system).
    pub server_cpu: Duration,
    /// The rounds a second the phones were paced at, if they were.
    pub paced: Option<f64>,
}

impl Phase {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub fn rounds_per_second(&self) -> f64 {
        self.rounds as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// What the attackers did and how the server answered them.
#[derive(Debug, Default)]
pub struct Attacks {
    pub slowloris_opened: u64,
    pub slowloris_closed: u64,
    pub slow_bodies: u64,
    pub slow_body_answers: BTreeMap<u16, u64>,
    pub large_bodies: u64,
    pub large_body_bytes_sent: u64,
    pub large_answers: BTreeMap<u16, u64>,
    pub registrations: u64,
    pub registration_answers: BTreeMap<u16, u64>,
}

pub struct Hostile {
    pub seconds: u64,
    /// Paced phones, no attack and under attack: the goal's figures.
    pub calm: Phase,
    pub attacked: Phase,
    /// Phones as fast as they go (closed loop), no attack and under attack.
    pub calm_max: Phase,
    pub attacked_max: Phase,
    /// CPU time of the attackers' thread, over `attack_wall`.
    pub attacker_cpu: Duration,
    pub attack_wall: Duration,
    /// CPU time of the server while the attackers ran.
    pub server_cpu_attack: Duration,
    pub attacks: Attacks,
    pub idle_rss_kib: u64,
    pub idle_fds: usize,
    /// The server's `VmHWM` at the end of the run (peak over its whole life).
    pub hwm_kib: u64,
}

pub struct Tls {
    /// Requests/s of each round, ours and nginx's.
    pub ours_rounds: Vec<f64>,
    pub nginx_rounds: Vec<f64>,
    pub bytes: usize,
    pub records: usize,
    pub ours: Wrk,
    pub nginx: Wrk,
    pub rounds: usize,
    pub seconds: u64,
    pub connections: usize,
}

pub struct Results {
    pub hostile: Result<Hostile, String>,
    pub tls: Result<Tls, String>,
}

/// The server binary: next to this one (`cargo build --release -p venuecode-server`, which
/// `bench/run.sh` does), else built here.
fn server_binary() -> BenchResult<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .ok_or("no directory of the bench binary")?
        .join("venuecode-server");
    if !bin.exists() {
        eprintln!("  building venuecode-server (release)…");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let ok = Command::new(cargo)
            .args(["build", "--release", "-p", "venuecode-server", "--bin"])
            .arg("venuecode-server")
            .status()?
            .success();
        if !ok || !bin.exists() {
            return Err(format!("{} could not be built", bin.display()).into());
        }
    }
    Ok(bin)
}

/// The server process, stopped (SIGKILL after SIGTERM had no effect) when dropped.
struct Proc {
    child: Child,
    addr: SocketAddr,
}

impl Proc {
    fn start(bin: &Path, dir: &Path, extra: &[&std::ffi::OsStr]) -> BenchResult<Self> {
        let log = dir.join(format!("server-{}.log", now_secs()));
        let mut child = Command::new(bin)
            .args(process::key_dir_args(&dir.join("data"), dir))
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(addr) = text.lines().find_map(process::listening_addr) {
                return Ok(Self { addr, child });
            }
            if Instant::now() > deadline || child.try_wait()?.is_some() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the server did not start: {text}").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        process::reap_within(&mut self.child, Duration::from_secs(10));
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `VmRSS` and `VmHWM` of a process, in KiB (0 once it is gone).
fn memory_kib(pid: u32) -> (u64, u64) {
    let field = |name: &str| process::status_kib(pid, name).unwrap_or(0);
    (field("VmRSS:"), field("VmHWM:"))
}

/// User + system CPU time of a process so far (`/proc/{pid}/stat`, clock ticks of 10 ms).
pub(crate) fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which ends with the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// A transport that reads every answer whole, timing it from sending to the last byte, and
/// counts what failed: a network error, or a status a phone should not see (anything but 200
/// and 304, and 404 from `/v1/trust-bundle`, which this server does not publish).
struct Counting {
    inner: HttpTransport,
    log: Mutex<Vec<Duration>>,
    failures: AtomicU64,
    first_failure: Mutex<Option<String>>,
}

impl Counting {
    fn new(base: &str) -> BenchResult<Self> {
        Ok(Self {
            inner: HttpTransport::builder(base)
                .stall_timeout(Duration::from_secs(30))
                .build()?,
            log: Mutex::new(Vec::new()),
            failures: AtomicU64::new(0),
            first_failure: Mutex::new(None),
        })
    }

    fn fail(&self, why: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut f) = self.first_failure.lock() {
            f.get_or_insert(why);
        }
    }
}

impl Transport for Counting {
    fn send(&self, request: Request) -> venuecode_client::Result<Response> {
        let path = request.path.clone();
        let t0 = Instant::now();
        let result = self.inner.send(request).and_then(|mut r| {
            let mut body = Vec::new();
            r.body.read_to_end(&mut body).map_err(|e| {
                venuecode_client::Error::Network(venuecode_client::NetworkError::from_io(e))
            })?;
            Ok((r.status, body))
        });
        let took = t0.elapsed();
        if let Ok(mut l) = self.log.lock() {
            l.push(took);
        }
        match result {
            Ok((status, body)) => {
                let fine =
                    matches!(status, 200 | 304) || (status == 404 && path == "/v1/trust-bundle");
                if !fine {
                    self.fail(format!("{path}: status {status}"));
                }
                Ok(Response::from_bytes(status, body))
            }
            Err(e) => {
                self.fail(format!("{path}: {e}"));
                Err(e)
            }
        }
    }
}

/// One honest phone: its diary, clock and counting transport.
struct Phone {
    visitor: Visitor,
    clock: ManualClock,
    transport: Arc<Counting>,
}

/// Runs the phones for `seconds`: each round checks in at the next venue, syncs, and reads a
/// published batch, a revocation page and the checkpoint. Samples the server's memory and
/// descriptors meanwhile.
fn honest_phase(
    phones: &[Phone],
    urls: &[String],
    seqs: &[u64],
    seconds: u64,
    pid: u32,
    pace: Option<Duration>,
    cap: Option<usize>,
) -> BenchResult<Phase> {
    let cpu0 = process_cpu(pid);
    for p in phones {
        if let Ok(mut l) = p.transport.log.lock() {
            l.clear();
        }
        p.transport.failures.store(0, Ordering::Relaxed);
        if let Ok(mut f) = p.transport.first_failure.lock() {
            *f = None;
        }
    }
    let stop = AtomicBool::new(false);
    let rounds = Mutex::new(Vec::<Duration>::new());
    let other_failures = Mutex::new(Vec::<String>::new());
    let peak = Mutex::new((0u64, 0usize));
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(seconds);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let (rss, _) = memory_kib(pid);
                let fds = descriptors(pid);
                if let Ok(mut p) = peak.lock() {
                    p.0 = p.0.max(rss);
                    p.1 = p.1.max(fds);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let workers: Vec<_> = phones
            .iter()
            .enumerate()
            .map(|(w, phone)| {
                let (rounds, other_failures) = (&rounds, &other_failures);
                s.spawn(move || {
                    let mut i = w * 5;
                    let mut due = Instant::now();
                    let mut done = 0usize;
                    while Instant::now() < end && cap.is_none_or(|c| done < c) {
                        done += 1;
                        if let Some(p) = pace {
                            // Open loop: each round starts on its schedule, or at once when
                            // the one before ran late.
                            let now = Instant::now();
                            if due > now {
                                std::thread::sleep(due - now);
                            }
                            due += p;
                            if Instant::now() >= end {
                                break;
                            }
                        }
                        let r0 = Instant::now();
                        // Five check-ins a day, as in section 3: past the venue's default
                        // stay, so the previous entry has ended.
                        phone.clock.advance_minutes(288);
                        let url = &urls[i % urls.len()];
                        let mut failed = Vec::new();
                        match phone.visitor.scan_and_check_in(url) {
                            Ok(c) if c.status == CheckInStatus::CheckedIn => {}
                            Ok(c) => failed.push(format!("check-in: {:?}", c.status)),
                            Err(e) => failed.push(format!("check-in: {e}")),
                        }
                        match phone.visitor.sync() {
                            Ok(rep) if rep.is_up_to_date() => {}
                            Ok(rep) => failed.push(format!(
                                "sync: {}",
                                rep.first_error().map(|e| e.to_string()).unwrap_or_default()
                            )),
                            Err(e) => failed.push(format!("sync: {e}")),
                        }
                        let t: &dyn Transport = &*phone.transport;
                        let seq = seqs[i % seqs.len()];
                        let _ = t.send(Request::get(format!("/v1/batches/{seq}")));
                        let after = if i % 2 == 0 { 0 } else { 10_000 };
                        let _ = t.send(Request::get(format!("/v1/revocations?after={after}")));
                        let _ = t.send(Request::get("/v1/checkpoint"));
                        if let Ok(mut r) = rounds.lock() {
                            r.push(r0.elapsed());
                        }
                        if !failed.is_empty() {
                            if let Ok(mut f) = other_failures.lock() {
                                f.extend(failed);
                            }
                        }
                        i += 1;
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = t0.elapsed();
    let mut lat = Vec::new();
    let mut failures = 0;
    let mut first_failure = None;
    for p in phones {
        lat.extend(p.transport.log.lock().map_err(|e| e.to_string())?.iter());
        failures += p.transport.failures.load(Ordering::Relaxed) as usize;
        if first_failure.is_none() {
            first_failure = p
                .transport
                .first_failure
                .lock()
                .map_err(|e| e.to_string())?
                .clone();
        }
    }
    let others = other_failures.into_inner().map_err(|e| e.to_string())?;
    // A failed check-in is a failed honest operation; a failed sync already counted its request.
    failures += others.iter().filter(|f| f.starts_with("check-in")).count();
    if first_failure.is_none() {
        first_failure = others.first().cloned();
    }
    let rounds = rounds.into_inner().map_err(|e| e.to_string())?;
    let (peak_rss_kib, peak_fds) = peak.into_inner().map_err(|e| e.to_string())?;
    Ok(Phase {
        server_cpu: process_cpu(pid).saturating_sub(cpu0),
        paced: pace.map(|p| HONEST as f64 / p.as_secs_f64().max(1e-9)),
        elapsed,
        rounds: rounds.len(),
        requests: lat.len(),
        failures,
        first_failure,
        p50: percentile(&lat, 50.0),
        p99: percentile(&lat, 99.0),
        round_p50: percentile(&rounds, 50.0),
        round_p99: percentile(&rounds, 99.0),
        peak_rss_kib,
        peak_fds,
    })
}

/// Writes all of `buf` (tokio's `net` feature only: readiness, then `try_write`).
async fn write_all(s: &tokio::net::TcpStream, buf: &[u8]) -> std::io::Result<()> {
    let mut off = 0;
    while off < buf.len() {
        s.writable().await?;
        match s.try_write(&buf[off..]) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => off += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads what is there once it is readable.
async fn read_some(s: &tokio::net::TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        s.readable().await?;
        match s.try_read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// A connection to `addr` from the loopback address `local`.
async fn connect_from(local: [u8; 4], addr: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.bind(SocketAddr::from((local, 0)))?;
    sock.connect(addr).await
}

/// The status of an answer waiting on `s` (0 if the server closed without one), reading for
/// at most `wait`.
async fn status_of(s: &tokio::net::TcpStream, wait: Duration) -> u16 {
    let mut buf = [0u8; 512];
    match tokio::time::timeout(wait, read_some(s, &mut buf)).await {
        Ok(Ok(n)) if n > 0 => String::from_utf8_lossy(&buf[..n])
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

#[derive(Default)]
struct Tally {
    slowloris_opened: AtomicU64,
    slowloris_closed: AtomicU64,
    slow_bodies: AtomicU64,
    large_bodies: AtomicU64,
    large_bytes: AtomicU64,
    registrations: AtomicU64,
    answers: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Tally {
    fn answer(&self, kind: &'static str, status: u16) {
        if let Ok(mut a) = self.answers.lock() {
            *a.entry((kind, status)).or_default() += 1;
        }
    }
}

/// The attackers, on one thread (a current-thread runtime), until `stop`.
fn attack(
    addr: SocketAddr,
    auth: &Authorities,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) -> BenchResult<std::thread::JoinHandle<Duration>> {
    // A header as the HA signs it, over another body: what a stranger could copy from a
    // request it saw. Accepted from the headers (HA key id, fresh timestamp), so the body is
    // read before the signature fails.
    let copied = |len: usize| -> BenchResult<String> {
        let r = api::sign(
            Request::post("/v1/batches", vec![0; 16], "application/octet-stream"),
            &auth.ha,
            now_secs(),
        )?;
        let sig = r
            .header_value(venuecode_protocol::envelope::SIGNATURE_HEADER)
            .ok_or("no signature header")?;
        Ok(format!(
            "POST /v1/batches HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {len}\r\nVenuecode-Signature: {sig}\r\n\r\n"
        ))
    };
    let slow_heads: Vec<String> = (0..SLOW_BODIES)
        .map(|_| copied(SLOW_BODY_BYTES))
        .collect::<BenchResult<_>>()?;
    let large_copied: Vec<String> = (0..64)
        .map(|_| copied(8 << 20))
        .collect::<BenchResult<_>>()?;
    // Registrations, each signed by a fresh key.
    let typical = fixture::typical_info()?;
    let mut regs = Vec::new();
    for i in 0..2_000u64 {
        let info = VenueInfo::new(
            &format!("{}{i}", typical.name()),
            typical.address(),
            typical.region(),
            typical.category(),
            60,
            0,
        )?;
        let mut seed = [0x99u8; 32];
        seed[..8].copy_from_slice(&i.to_be_bytes());
        let key = SigningKey::from_seed(&seed)?;
        let body = venuecode_testkit::fixture::registration_request(&key, info, true).encode();
        let r = api::sign(
            Request::post("/v1/venues", body.clone(), "application/octet-stream"),
            &key,
            now_secs(),
        )?;
        let sig = r
            .header_value(venuecode_protocol::envelope::SIGNATURE_HEADER)
            .ok_or("no signature header")?
            .to_owned();
        let mut raw = format!(
            "POST /v1/venues HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\nVenuecode-Signature: {sig}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(&body);
        regs.push(raw);
    }
    let regs = Arc::new(regs);
    let handle = std::thread::Builder::new()
        .name("attackers".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return Duration::ZERO;
            };
            rt.block_on(async move {
                let mut tasks = Vec::new();
                // Slowloris: heads that never end, a header line every second, reopened when
                // the server closes them.
                for i in 0..SLOWLORIS {
                    let (stop, tally) = (stop.clone(), tally.clone());
                    let local = [127, 0, 0, 2 + (i % usize::from(SLOWLORIS_ADDRS)) as u8];
                    tasks.push(tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            let Ok(s) = connect_from(local, addr).await else {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                continue;
                            };
                            tally.slowloris_opened.fetch_add(1, Ordering::Relaxed);
                            let mut ok =
                                write_all(&s, b"GET /v1/revocations HTTP/1.1\r\nHost: bench\r\n")
                                    .await
                                    .is_ok();
                            while ok && !stop.load(Ordering::Relaxed) {
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                ok = write_all(&s, b"X-Slow: 1\r\n").await.is_ok();
                                if ok {
                                    let mut b = [0u8; 64];
                                    // The server closed: the read ends at once.
                                    if let Ok(Ok(0)) = tokio::time::timeout(
                                        Duration::from_millis(1),
                                        read_some(&s, &mut b),
                                    )
                                    .await
                                    {
                                        ok = false;
                                    }
                                }
                            }
                            if !stop.load(Ordering::Relaxed) {
                                tally.slowloris_closed.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                    }));
                }
                // Slow bodies under a copied HA key id: 1 MiB announced, 64 bytes every
                // 100 ms (640 B/s).
                for (i, head) in slow_heads.into_iter().enumerate() {
                    let (stop, tally) = (stop.clone(), tally.clone());
                    let local = [127, 0, 0, 10 + (i % 4) as u8];
                    tasks.push(tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            let Ok(s) = connect_from(local, addr).await else {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                continue;
                            };
                            tally.slow_bodies.fetch_add(1, Ordering::Relaxed);
                            let mut ok = write_all(&s, head.as_bytes()).await.is_ok();
                            let mut status = 0;
                            while ok && !stop.load(Ordering::Relaxed) {
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                ok = write_all(&s, &[0u8; 64]).await.is_ok();
                                let mut b = [0u8; 256];
                                match tokio::time::timeout(
                                    Duration::from_millis(1),
                                    read_some(&s, &mut b),
                                )
                                .await
                                {
                                    Ok(Ok(0)) | Ok(Err(_)) => ok = false,
                                    Ok(Ok(n)) => {
                                        status = String::from_utf8_lossy(&b[..n])
                                            .split_whitespace()
                                            .nth(1)
                                            .and_then(|c| c.parse().ok())
                                            .unwrap_or(0);
                                        ok = false;
                                    }
                                    Err(_) => {}
                                }
                            }
                            if !stop.load(Ordering::Relaxed) {
                                tally.answer("slow", status);
                            }
                        }
                    }));
                }
                // Large bodies: 64 MiB batches with no envelope (refused from the headers),
                // and 8 MiB ones under a copied HA key id (read, hashed, then refused; or
                // refused from the headers while the address owes what the server hashed in
                // vain), sent as fast as the server takes them.
                let large_copied = Arc::new(large_copied);
                for i in 0..LARGE_BODY_TASKS {
                    let (stop, tally, copied) = (stop.clone(), tally.clone(), large_copied.clone());
                    let local = [127, 0, 0, 20 + i as u8];
                    tasks.push(tokio::spawn(async move {
                        let chunk = vec![0u8; 64 * 1024];
                        let mut n = 0usize;
                        while !stop.load(Ordering::Relaxed) {
                            let Ok(s) = connect_from(local, addr).await else {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                continue;
                            };
                            n += 1;
                            tally.large_bodies.fetch_add(1, Ordering::Relaxed);
                            let (head, len) = if i % 2 == 0 {
                                (
                                    "POST /v1/batches HTTP/1.1\r\nHost: bench\r\nContent-Type: \
                                     application/octet-stream\r\nContent-Length: 67108864\r\n\r\n"
                                        .to_owned(),
                                    64usize << 20,
                                )
                            } else {
                                (copied[n % copied.len()].clone(), 8usize << 20)
                            };
                            let mut sent = 0usize;
                            let mut ok = write_all(&s, head.as_bytes()).await.is_ok();
                            while ok && sent < len && !stop.load(Ordering::Relaxed) {
                                match tokio::time::timeout(
                                    Duration::from_secs(2),
                                    write_all(&s, &chunk),
                                )
                                .await
                                {
                                    Ok(Ok(())) => sent += chunk.len(),
                                    _ => ok = false,
                                }
                            }
                            tally.large_bytes.fetch_add(sent as u64, Ordering::Relaxed);
                            let status = status_of(&s, Duration::from_secs(2)).await;
                            if !stop.load(Ordering::Relaxed) {
                                tally.answer("large", status);
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }));
                }
                // Registration flood: signed registrations, each from a fresh key, from five
                // addresses, FLOOD_RATE a second each.
                for i in 0..FLOOD_TASKS {
                    let (stop, tally, regs) = (stop.clone(), tally.clone(), regs.clone());
                    let local = [127, 0, 0, 30 + i as u8];
                    tasks.push(tokio::spawn(async move {
                        let mut k = i;
                        let mut tick =
                            tokio::time::interval(Duration::from_millis(1000 / FLOOD_RATE));
                        while !stop.load(Ordering::Relaxed) {
                            tick.tick().await;
                            let Ok(s) = connect_from(local, addr).await else {
                                continue;
                            };
                            let raw = &regs[k % regs.len()];
                            k += FLOOD_TASKS;
                            tally.registrations.fetch_add(1, Ordering::Relaxed);
                            let status = if write_all(&s, raw).await.is_ok() {
                                status_of(&s, Duration::from_secs(5)).await
                            } else {
                                0
                            };
                            tally.answer("registration", status);
                        }
                    }));
                }
                for t in tasks {
                    let _ = t.await;
                }
            });
            crate::util::thread_cpu()
        })?;
    Ok(handle)
}

fn write_keys(dir: &Path, auth: &Authorities) -> BenchResult<()> {
    write_signing_key(&dir.join("ra.key"), &auth.ra)?;
    write_public_key(&dir.join("ha.pub"), &auth.ha.public_key())?;
    write_encryption_key(&dir.join("ha-enc.pub"), &auth.ha_enc.public_key())?;
    Ok(())
}

/// The revocation log, written through the storage API before the server opens the store.
fn fill_revocations(dir: &Path) -> BenchResult<()> {
    let store = RedbStorage::open(&dir.join("data"))?;
    let venues: Vec<VenueRecord> = (0..REVOCATIONS)
        .map(|i| VenueRecord {
            serial: 1_000_000 + i,
            certificate: vec![1; 8],
            venue_key: [2; 32],
            region: 620_105,
            category: 9,
            issued_at: now_secs(),
            revoked: None,
            superseded_by: None,
        })
        .collect();
    store.insert_venues(&venues)?;
    let serials: Vec<u64> = venues.iter().map(|v| v.serial).collect();
    let minute = u32::try_from(now_secs() / 60).unwrap_or(u32::MAX);
    store.revoke_many(&serials, 2, minute)?;
    Ok(())
}

/// Posts the batches and a checkpoint naming the last; returns the batches' sequences, the
/// last batch's bytes and its record count.
fn publish(
    base: &str,
    auth: &Authorities,
    issued_at: venuecode_protocol::time::UnixMinute,
) -> BenchResult<(Vec<u64>, Vec<u8>, usize)> {
    let t = HttpTransport::builder(base)
        .stall_timeout(Duration::from_secs(30))
        .build()?;
    let mut filler = Filler::new(0x5eed_0011);
    let mut head = ChainHead::GENESIS;
    let mut seqs = Vec::new();
    let mut last = (Vec::new(), 0);
    for _ in 0..BATCHES {
        let (bytes, n, next) =
            fixture::make_batch(&auth.ha, head, &[], BATCH_RECORDS, &mut filler)?;
        head = next;
        let r = t.send(api::sign(
            Request::post("/v1/batches", bytes.clone(), "application/octet-stream"),
            &auth.ha,
            now_secs(),
        )?)?;
        let v: serde_json::Value =
            serde_json::from_slice(&api::read_body(api::check(r)?, 1 << 16)?)?;
        seqs.push(
            v.get("sequence")
                .and_then(|s| s.as_u64())
                .ok_or("no sequence")?,
        );
        last = (bytes, n);
    }
    let cp = auth.checkpoint(head, issued_at)?.encode();
    let r = t.send(api::sign(
        Request::post("/v1/checkpoints", cp, "application/octet-stream"),
        &auth.ha,
        now_secs(),
    )?)?;
    api::check(r)?;
    Ok((seqs, last.0, last.1))
}

pub fn run(quick: bool, work: &Path) -> Results {
    let dir = work.join("hostile");
    let auth = match Authorities::fixed() {
        Ok(a) => a,
        Err(e) => {
            return Results {
                hostile: Err(e.to_string()),
                tls: Err(e.to_string()),
            }
        }
    };
    let prepared = (|| -> BenchResult<_> {
        std::fs::create_dir_all(&dir)?;
        write_keys(&dir, &auth)?;
        fill_revocations(&dir)?;
        server_binary()
    })();
    let bin = match prepared {
        Ok(b) => b,
        Err(e) => {
            let why = crate::pg::one_line(&e.to_string());
            return Results {
                hostile: Err(why.clone()),
                tls: Err(why),
            };
        }
    };
    let seconds = if quick { 3 } else { 6 };
    let hostile =
        hostile_run(&bin, &dir, &auth, seconds).map_err(|e| crate::pg::one_line(&e.to_string()));
    let tls = tls_run(quick, &bin, &dir, work).map_err(|e| crate::pg::one_line(&e.to_string()));
    Results { hostile, tls }
}

fn hostile_run(bin: &Path, dir: &Path, auth: &Authorities, seconds: u64) -> BenchResult<Hostile> {
    let server = Proc::start(bin, dir, &[])?;
    let base = format!("http://{}", server.addr);
    let now = T0 + DIARY_DAYS * venuecode_protocol::time::EPOCH_MINUTES;
    let (seqs, _, _) = publish(&base, auth, now)?;
    let venues: Vec<BenchVenue> = (0..20)
        .map(|i| BenchVenue::new(auth, 2_000_000 + i, fixture::typical_info()?))
        .collect::<BenchResult<_>>()?;
    let urls: Vec<String> = venues
        .iter()
        .map(|v| v.static_code().map(|c| c.to_url(DEFAULT_BASE_URL)))
        .collect::<BenchResult<_>>()?;
    let mut phones = Vec::new();
    for i in 0..HONEST {
        let clock = ManualClock::at_minute(now);
        let transport = Arc::new(Counting::new(&base)?);
        let mut config = auth.visitor_config()?;
        // The clock moves 288 minutes a round (years over a fast run): the checkpoint counts as
        // fresh, and the certificates stay valid (fixture: ten years), for the whole run.
        config.stale_minutes = 4000 * venuecode_protocol::time::EPOCH_MINUTES;
        let visitor = Visitor::open(
            dir.join(format!("phone-{i}.redb")),
            DiaryKey::from_bytes(fixture::DIARY_KEY),
            config,
            clock.clone(),
            transport.clone(),
        )?;
        // The first sync reads every batch and both revocation pages.
        let first = visitor.sync()?;
        if !first.is_up_to_date() || first.batches != BATCHES {
            return Err(format!(
                "a phone's first sync failed: {:?}, {} batches",
                first.first_error().map(|e| e.to_string()),
                first.batches
            )
            .into());
        }
        phones.push(Phone {
            visitor,
            clock,
            transport,
        });
    }
    let pid = server.pid();
    let (idle_rss_kib, _) = memory_kib(pid);
    let idle_fds = descriptors(pid);
    // The diaries to their steady size first: 14 days of five check-ins a day.
    eprintln!("  warming up the phones…");
    honest_phase(&phones, &urls, &seqs, 120, pid, None, Some(WARM_UP))?;
    eprintln!("  honest load as fast as the phones go, no attack ({seconds} s)…");
    let calm_max = honest_phase(&phones, &urls, &seqs, seconds, pid, None, None)?;
    // Paced at half the rate the phones reached unpaced in this run.
    let per_phone = calm_max.rounds_per_second() / 2.0 / HONEST as f64;
    let pace = Duration::from_secs_f64(1.0 / per_phone.max(1.0));
    eprintln!("  honest load paced, no attack ({seconds} s)…");
    let calm = honest_phase(&phones, &urls, &seqs, seconds, pid, Some(pace), None)?;
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    eprintln!("  honest load paced, under attack ({seconds} s)…");
    let cpu_before = process_cpu(pid);
    let attack_start = Instant::now();
    let attackers = attack(server.addr, auth, stop.clone(), tally.clone())?;
    // The attackers in full force before the honest phase starts.
    std::thread::sleep(Duration::from_secs(1));
    let attacked = honest_phase(&phones, &urls, &seqs, seconds, pid, Some(pace), None);
    eprintln!("  honest load as fast as the phones go, under attack ({seconds} s)…");
    let attacked_max = honest_phase(&phones, &urls, &seqs, seconds, pid, None, None);
    stop.store(true, Ordering::Relaxed);
    let attacker_cpu = attackers.join().unwrap_or_default();
    let attack_wall = attack_start.elapsed();
    let server_cpu_attack = process_cpu(pid).saturating_sub(cpu_before);
    let attacked = attacked?;
    let attacked_max = attacked_max?;
    let (_, hwm_kib) = memory_kib(pid);
    drop(phones);
    server.stop();
    let answers = tally.answers.lock().map_err(|e| e.to_string())?.clone();
    let of = |kind: &str| -> BTreeMap<u16, u64> {
        answers
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, s), n)| (*s, *n))
            .collect()
    };
    Ok(Hostile {
        seconds,
        calm,
        attacked,
        calm_max,
        attacked_max,
        attacker_cpu,
        attack_wall,
        server_cpu_attack,
        attacks: Attacks {
            slowloris_opened: tally.slowloris_opened.load(Ordering::Relaxed),
            slowloris_closed: tally.slowloris_closed.load(Ordering::Relaxed),
            slow_bodies: tally.slow_bodies.load(Ordering::Relaxed),
            slow_body_answers: of("slow"),
            large_bodies: tally.large_bodies.load(Ordering::Relaxed),
            large_body_bytes_sent: tally.large_bytes.load(Ordering::Relaxed),
            large_answers: of("large"),
            registrations: tally.registrations.load(Ordering::Relaxed),
            registration_answers: of("registration"),
        },
        idle_rss_kib,
        idle_fds,
        hwm_kib,
    })
}

/// A CA and a certificate it issued for 127.0.0.1, as PEM files in `dir`; the CA's PEM.
fn pki(dir: &Path) -> BenchResult<(String, PathBuf, PathBuf)> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Venuecode bench CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate()?;
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let key = KeyPair::generate()?;
    let cert_pem = leaf.signed_by(&key, &issuer)?.pem();
    let cert = dir.join("tls-cert.pem");
    let key_path = dir.join("tls-key.pem");
    std::fs::write(&cert, cert_pem)?;
    std::fs::write(&key_path, key.serialize_pem())?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        // nginx's workers (an unprivileged user when started by root) read them too.
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok((ca_pem, cert, key_path))
}

fn tls_run(quick: bool, bin: &Path, dir: &Path, work: &Path) -> BenchResult<Tls> {
    let (ca_pem, cert, key) = pki(dir)?;
    let server = Proc::start(
        bin,
        dir,
        &[
            std::ffi::OsStr::new("--tls-cert"),
            cert.as_os_str(),
            std::ffi::OsStr::new("--tls-key"),
            key.as_os_str(),
        ],
    )?;
    let base = format!("https://127.0.0.1:{}", server.addr.port());
    let t = HttpTransport::builder(&base)
        .trust_ca_pem(ca_pem.as_bytes().to_vec())
        .build()?;
    let list: serde_json::Value = serde_json::from_slice(&api::read_body(
        api::check(t.send(Request::get("/v1/batches?after=0"))?)?,
        1 << 20,
    )?)?;
    let last = list
        .get("batches")
        .and_then(|b| b.as_array())
        .and_then(|b| b.last())
        .ok_or("no batch listed")?;
    let seq = last
        .get("sequence")
        .and_then(|s| s.as_u64())
        .ok_or("no sequence listed")?;
    let records = last
        .get("records")
        .and_then(|s| s.as_u64())
        .ok_or("no record count listed")? as usize;
    let path = format!("/v1/batches/{seq}");
    let bytes = api::read_body(api::check(t.send(Request::get(&path))?)?, 1 << 20)?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (mut nginx, port) = Nginx::start_tls(
        &work.join("nginx-tls"),
        &format!("{seq}"),
        &bytes,
        workers,
        (&cert, &key),
    )?;
    let nginx_base = format!("https://127.0.0.1:{port}");
    let nt = HttpTransport::builder(&nginx_base)
        .trust_ca_pem(ca_pem.as_bytes().to_vec())
        .build()?;
    let theirs = api::read_body(
        api::check(nt.send(Request::get(format!("/{seq}")))?)?,
        1 << 20,
    )?;
    if theirs != bytes {
        nginx.stop();
        return Err("nginx did not serve the same bytes over HTTPS".into());
    }
    let (rounds, seconds, connections) = if quick { (1, 2, 32) } else { (3, 5, 32) };
    let mut ours = Vec::new();
    let mut other = Vec::new();
    for _ in 0..rounds {
        ours.push(run_wrk(&format!("{base}{path}"), seconds, connections)?);
        other.push(run_wrk(
            &format!("{nginx_base}/{seq}"),
            seconds,
            connections,
        )?);
    }
    nginx.stop();
    server.stop();
    Ok(Tls {
        ours_rounds: ours.iter().map(|w| w.rps).collect(),
        nginx_rounds: other.iter().map(|w| w.rps).collect(),
        bytes: bytes.len(),
        records,
        ours: median_wrk(ours),
        nginx: median_wrk(other),
        rounds,
        seconds,
        connections,
    })
}
