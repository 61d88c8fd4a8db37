//! The server, in process on 127.0.0.1, over real HTTP: durable write paths (exposure batches,
//! TAN uploads, venue registrations), the store's size per million records, and the read path
//! (one published batch) under `wrk`, against nginx serving the same bytes. When a PostgreSQL
//! server is available (`pg.rs`), the same write and read paths again on a server whose store
//! is a database created empty for the run, as ratios against redb.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use venuecode_client::transport::Request;
use venuecode_client::{api, HttpTransport, Transport};
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::{ChainHead, Codec, SigningKey, Upload, UploadEntry, VenueInfo};
use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
use venuecode_server::{Config, Server, ServerHandle};

use crate::fixture::{self, Authorities, BenchVenue, Filler, T0};
use crate::pg::{one_line, PgDb, PgInfo};
use crate::util::{dir_allocated, dir_size, percentile};
use crate::{BenchError, BenchResult};

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A server running on its own tokio runtime in this process.
pub struct InProcess {
    rt: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
    pub base: String,
    pub data: PathBuf,
    /// Most connections its PostgreSQL store opens (the configuration's default).
    pub postgres_connections: usize,
}

/// Which store an in-process server keeps its data in.
pub struct Store<'a> {
    /// Its data directory, under the work directory (required, but unused on PostgreSQL).
    pub dir: &'a str,
    /// PostgreSQL instead of redb.
    pub postgres_url: Option<&'a str>,
    /// The in-memory cache of served batches (on by default).
    pub batch_cache: bool,
}

impl InProcess {
    pub fn start(
        work: &Path,
        auth: &Authorities,
        threads: usize,
        store: &Store<'_>,
    ) -> BenchResult<Self> {
        Self::start_with_web_app(work, auth, threads, store, None)
    }

    /// [`InProcess::start`], also serving the directory `web_app` (if any) at `/c`, as
    /// `venuecode server --web-app` does.
    pub fn start_with_web_app(
        work: &Path,
        auth: &Authorities,
        threads: usize,
        store: &Store<'_>,
        web_app: Option<&Path>,
    ) -> BenchResult<Self> {
        let keys = work.join("keys");
        std::fs::create_dir_all(&keys)?;
        let ra = keys.join("ra.key");
        let ha = keys.join("ha.pub");
        let enc = keys.join("ha-enc.pub");
        write_signing_key(&ra, &auth.ra)?;
        write_public_key(&ha, &auth.ha.public_key())?;
        write_encryption_key(&enc, &auth.ha_enc.public_key())?;
        let data = work.join(store.dir);
        let mut config = Config::new(data.clone(), ra, vec![ha]);
        config.ha_encryption_key = Some(enc);
        config.postgres_url = store.postgres_url.map(str::to_owned);
        if !store.batch_cache {
            config.batch_cache_bytes = 0;
        }
        config.web_app = web_app.map(Path::to_path_buf);
        // The per-IP limit on public write routes protects a deployment; the bench sends every
        // request from 127.0.0.1, so it is lifted to measure the write path itself.
        config.rate_per_minute = 100_000_000;
        config.rate_burst = 10_000_000;
        config.registrations_per_ip_per_hour = 100_000_000;
        config.registrations_per_minute = 100_000_000;
        let postgres_connections = config.postgres_connections;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?;
        let handle = rt
            .block_on(Server::spawn(config))
            .map_err(|e| e.to_string())?;
        let base = format!("http://{}", handle.addr());
        Ok(Self {
            rt,
            handle: Some(handle),
            base,
            data,
            postgres_connections,
        })
    }

    pub fn stop(mut self) -> BenchResult<()> {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown()).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Drop for InProcess {
    /// A server left running on an error path is still stopped cleanly (its store closed).
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = self.rt.block_on(h.shutdown());
        }
    }
}

/// Latencies and throughput of one write path.
pub struct WritePath {
    pub requests: usize,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl WritePath {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends the prepared requests from `concurrency` threads, each with its own connection, and
/// times each one (sending until the 2xx answer is read).
fn drive(
    base: &str,
    requests: Vec<Request>,
    concurrency: usize,
    expect: u16,
) -> BenchResult<WritePath> {
    let n = requests.len();
    let queue = Mutex::new(requests);
    let lat = Mutex::new(Vec::with_capacity(n));
    let failures = Mutex::new(Vec::<String>::new());
    let transport = HttpTransport::builder(base).stall_timeout(Duration::from_secs(120));
    // Checks the URL once; each thread then builds its own agent, so its own connection.
    transport.clone().build()?;
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(|| {
                let Ok(t) = transport.clone().build() else {
                    return;
                };
                loop {
                    let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                    let Some(req) = next else { break };
                    let start = Instant::now();
                    let result = t.send(req).and_then(|r| {
                        let status = r.status;
                        let r = api::check(r)?;
                        let _ = api::read_body(r, 1 << 20)?;
                        Ok(status)
                    });
                    let took = start.elapsed();
                    match result {
                        Ok(status) if status == expect => {
                            if let Ok(mut l) = lat.lock() {
                                l.push(took);
                            }
                        }
                        Ok(status) => {
                            if let Ok(mut f) = failures.lock() {
                                f.push(format!("status {status}"));
                            }
                        }
                        Err(e) => {
                            if let Ok(mut f) = failures.lock() {
                                f.push(e.to_string());
                            }
                        }
                    }
                }
            });
        }
    });
    let elapsed = t0.elapsed();
    let failures = failures.into_inner().map_err(|e| e.to_string())?;
    if let Some(f) = failures.first() {
        return Err(format!("{} of {n} requests failed, first: {f}", failures.len()).into());
    }
    let lat = lat.into_inner().map_err(|e| e.to_string())?;
    Ok(WritePath {
        requests: n,
        concurrency,
        elapsed,
        p50: percentile(&lat, 50.0),
        p99: percentile(&lat, 99.0),
    })
}

fn signed_post(
    path: &str,
    body: Vec<u8>,
    ct: &'static str,
    key: &SigningKey,
) -> BenchResult<Request> {
    Ok(api::sign(Request::post(path, body, ct), key, now_secs())?)
}

pub struct ServerResults {
    pub ingest: WritePath,
    pub ingest_records: usize,
    pub batch_records: usize,
    pub tan_register: WritePath,
    pub tans_registered: usize,
    pub uploads: WritePath,
    pub upload_bytes: usize,
    pub registrations: WritePath,
    pub store_empty: u64,
    pub store_after: u64,
    pub store_after_allocated: u64,
    pub store_empty_allocated: u64,
    pub read: Option<ReadPath>,
    pub read_skipped: Option<String>,
    /// The same write paths on a server whose store is PostgreSQL, or why they were not
    /// measured (one line).
    pub pg: Result<PgResults, String>,
}

/// The write paths on a server whose store is a fresh PostgreSQL database.
pub struct PgResults {
    pub info: PgInfo,
    /// Most connections the server's store opens.
    pub connections: usize,
    pub ingest: WritePath,
    pub ingest_records: usize,
    pub uploads: WritePath,
    pub registrations: WritePath,
    /// Other client connections open on the PostgreSQL server when its runs ended.
    pub others_after: Option<i64>,
}

pub struct ReadPath {
    pub bytes: usize,
    pub records: usize,
    pub ours: Wrk,
    pub nginx: Wrk,
    pub health: Wrk,
    pub rounds: usize,
    pub seconds: u64,
    pub connections: usize,
    /// The same batch from servers on PostgreSQL, or why not measured (one line).
    pub pg: Result<PgRead, String>,
}

/// The read path on PostgreSQL, and what the batch cache hides.
pub struct PgRead {
    /// The server on PostgreSQL with the batch cache on (the default), as `ours` on redb.
    pub cached: Wrk,
    /// A server on redb with the batch cache off: every request reads the store.
    pub redb_uncached: Wrk,
    /// A second server on the same PostgreSQL database (a replica) with the batch cache off.
    pub uncached: Wrk,
}

pub fn run(quick: bool, work: &Path) -> BenchResult<ServerResults> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let auth = Authorities::fixed()?;
    let redb = Store {
        dir: "server-data",
        postgres_url: None,
        batch_cache: true,
    };
    let server = InProcess::start(work, &auth, threads, &redb)?;
    let base = server.base.clone();
    // Let the first retention pass and the store settle before measuring its size.
    std::thread::sleep(Duration::from_millis(300));
    let store_empty = dir_size(&server.data);
    let store_empty_allocated = dir_allocated(&server.data);

    // 1. Exposure batches: 10 (quick: 3) batches of 100,000 records, one at a time, as an HA
    // would post them.
    let nbatches = if quick { 3 } else { 10 };
    let batch_records = 100_000;
    let mut filler = Filler::new(0x5eed_0003);
    let mut batches = Vec::with_capacity(nbatches);
    let mut ingest_records = 0;
    // One chain, as the HA publishes it: each batch names the one before.
    let mut head = ChainHead::GENESIS;
    for _ in 0..nbatches {
        let (bytes, n, next) =
            fixture::make_batch(&auth.ha, head, &[], batch_records, &mut filler)?;
        head = next;
        ingest_records += n;
        batches.push(bytes);
    }
    eprintln!("  posting {nbatches} batches of {batch_records} records…");
    let ingest = post_batches(&base, &auth, &batches)?;
    let store_after = dir_size(&server.data);
    let store_after_allocated = dir_allocated(&server.data);

    // 2. TANs: registered in requests of 100, then each used for one upload of a case's
    // sealed check-ins (two entries), from 4 clients at once.
    let n_uploads = if quick { 100 } else { 400 };
    let (tan_register, uploads, upload_bytes) = tan_uploads(&base, &auth, n_uploads)?;

    // 3. Venue registrations, each signed by a fresh venue key, from 4 clients at once.
    let n_reg = if quick { 100 } else { 400 };
    let registrations = register_venues(&base, n_reg)?;

    // The same three write paths on a second server whose store is a database created empty
    // for this run on the PostgreSQL server the environment names.
    let (pg_db, mut pg, pg_server) = match PgDb::from_env() {
        Err(why) => (None, Err(why), None),
        Ok((db, info)) => {
            eprintln!("  the same on PostgreSQL ({})…", info.version);
            match pg_writes(work, &auth, threads, &db.url, &batches, n_uploads, n_reg) {
                Ok((srv, ingest, uploads, registrations)) => (
                    Some(db),
                    Ok(PgResults {
                        info,
                        connections: srv.postgres_connections,
                        ingest,
                        ingest_records,
                        uploads,
                        registrations,
                        others_after: None,
                    }),
                    Some(srv),
                ),
                Err(e) => (
                    Some(db),
                    Err(one_line(&format!("the PostgreSQL run failed: {e}"))),
                    None,
                ),
            }
        }
    };

    // 4. The read path.
    let pg_target = match (&pg, &pg_server, &pg_db) {
        (Ok(_), Some(srv), Some(db)) => Ok((srv.base.as_str(), db.url.as_str())),
        (Err(why), _, _) => Err(why.clone()),
        _ => Err("PostgreSQL not available".to_owned()),
    };
    let chain = (batches.as_slice(), head);
    let (read, read_skipped) = match read_path(quick, work, &auth, &base, threads, pg_target, chain)
    {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    server.stop()?;
    if let Some(srv) = pg_server {
        if let Err(e) = srv.stop() {
            eprintln!("venuecode-bench: the server on PostgreSQL did not stop cleanly: {e}");
        }
    }
    if let (Ok(p), Some(db)) = (&mut pg, &pg_db) {
        p.others_after = db.others().ok();
    }
    // Drops the run's database.
    drop(pg_db);
    Ok(ServerResults {
        ingest,
        ingest_records,
        batch_records,
        tan_register,
        tans_registered: n_uploads,
        uploads,
        upload_bytes,
        registrations,
        store_empty,
        store_after,
        store_after_allocated,
        store_empty_allocated,
        read,
        read_skipped,
        pg,
    })
}

/// Posts the batches to the server one at a time and in chain order, as an HA would, each
/// signed just before.
fn post_batches(base: &str, auth: &Authorities, batches: &[Vec<u8>]) -> BenchResult<WritePath> {
    let mut reqs = batches
        .iter()
        .map(|b| {
            signed_post(
                "/v1/batches",
                b.clone(),
                "application/octet-stream",
                &auth.ha,
            )
        })
        .collect::<BenchResult<Vec<_>>>()?;
    // `drive` takes requests from the end of its queue.
    reqs.reverse();
    drive(base, reqs, 1, 201)
}

/// Registers `n` TANs (requests of 100, one client), then uses each for one upload of a case's
/// sealed check-ins from 4 clients at once: the registrations, the uploads and an upload's size.
fn tan_uploads(
    base: &str,
    auth: &Authorities,
    n: usize,
) -> BenchResult<(WritePath, WritePath, usize)> {
    let mut tans = Vec::with_capacity(n);
    for i in 0..n {
        tans.push(format!("BENCH-TAN-{i:06}-{:08x}", now_secs()));
    }
    let expires = now_secs() + 86_400;
    let mut tan_reqs = Vec::new();
    for chunk in tans.chunks(100) {
        let list: Vec<_> = chunk
            .iter()
            .map(|t| {
                tan_hash(t).map(|h| {
                    serde_json::json!({"hash": hex::encode(h), "expires_at": expires,
                        "purpose": "case"})
                })
            })
            .collect::<Result<_, _>>()?;
        let body = serde_json::json!({ "tans": list }).to_string().into_bytes();
        tan_reqs.push(signed_post("/v1/tans", body, "application/json", &auth.ha)?);
    }
    let tan_register = drive(base, tan_reqs, 1, 201)?;
    let venue = BenchVenue::new(auth, 4000, fixture::typical_info()?)?;
    let code = venue.static_code()?;
    let entries = vec![
        UploadEntry::new(code.clone(), T0 + 600, T0 + 660)?,
        UploadEntry::new(code, T0 + 2000, T0 + 2090)?,
    ];
    let mut up_reqs = Vec::with_capacity(n);
    let mut upload_bytes = 0;
    for t in &tans {
        // The TAN inside the seal (for the HA), its hash in the header (for the server).
        let upload = Upload::new(t, entries.clone())?;
        let body = upload.seal(&auth.ha_enc.public_key())?.encode();
        upload_bytes = body.len();
        up_reqs.push(
            Request::post("/v1/uploads", body, "application/octet-stream").header(
                venuecode_server::TAN_HEADER,
                venuecode_protocol::envelope::tan_hash_hex(t)?,
            ),
        );
    }
    eprintln!("  {n} TAN uploads…");
    let uploads = drive(base, up_reqs, 4, 201)?;
    Ok((tan_register, uploads, upload_bytes))
}

/// `n` venue registrations, each signed by a fresh venue key and with its own name (the server
/// refuses a copy of an active venue), from 4 clients at once.
fn register_venues(base: &str, n: usize) -> BenchResult<WritePath> {
    let typical: VenueInfo = fixture::typical_info()?;
    let mut reg_reqs = Vec::with_capacity(n);
    for i in 0..n {
        let info = VenueInfo::new(
            &format!("{}{i}", typical.name()),
            typical.address(),
            typical.region(),
            typical.category(),
            typical.default_stay_minutes(),
            typical.utc_offset(),
        )?;
        let mut seed = [0x77u8; 32];
        seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
        seed[8..16].copy_from_slice(&now_secs().to_be_bytes());
        let key = SigningKey::from_seed(&seed)?;
        let body = venuecode_testkit::fixture::registration_request(&key, info, true).encode();
        reg_reqs.push(signed_post(
            "/v1/venues",
            body,
            "application/octet-stream",
            &key,
        )?);
    }
    eprintln!("  {n} venue registrations…");
    drive(base, reg_reqs, 4, 201)
}

/// The batch, TAN-upload and registration workloads, as on redb, against a server on
/// PostgreSQL (`url`, a database created empty for the run); the server is returned running,
/// for the read path.
fn pg_writes(
    work: &Path,
    auth: &Authorities,
    threads: usize,
    url: &str,
    batches: &[Vec<u8>],
    n_uploads: usize,
    n_reg: usize,
) -> BenchResult<(InProcess, WritePath, WritePath, WritePath)> {
    let store = Store {
        dir: "server-data-pg",
        postgres_url: Some(url),
        batch_cache: true,
    };
    let server = InProcess::start(work, auth, threads, &store)?;
    // As on redb: the first retention pass runs before the measurements.
    std::thread::sleep(Duration::from_millis(300));
    eprintln!("  posting {} batches on PostgreSQL…", batches.len());
    let ingest = post_batches(&server.base, auth, batches)?;
    let (_, uploads, _) = tan_uploads(&server.base, auth, n_uploads)?;
    let registrations = register_venues(&server.base, n_reg)?;
    Ok((server, ingest, uploads, registrations))
}

/// One `wrk` run.
#[derive(Debug, Clone, Default)]
pub struct Wrk {
    pub rps: f64,
    /// Requests wrk completed.
    pub requests: u64,
    /// CPU time the server under test used during the run (zero when not measured).
    pub cpu: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub transfer: String,
}

fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.parse().ok()?;
    let secs = match unit {
        "us" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" => v * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

pub(crate) fn run_wrk(url: &str, seconds: u64, connections: usize) -> BenchResult<Wrk> {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            url,
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("wrk failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx")) {
        return Err(format!("wrk saw errors against {url}: {}", line.trim()).into());
    }
    if let Some(line) = text.lines().find(|l| l.contains("Socket errors")) {
        return Err(format!("wrk saw socket errors against {url}: {}", line.trim()).into());
    }
    let mut w = Wrk::default();
    for line in text.lines() {
        let t = line.trim();
        if let Some((n, _)) = t.split_once(" requests in ") {
            w.requests = n.trim().parse().unwrap_or(0);
        } else if let Some(v) = t.strip_prefix("Requests/sec:") {
            w.rps = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = t.strip_prefix("Transfer/sec:") {
            v.trim().clone_into(&mut w.transfer);
        } else if let Some(v) = t.strip_prefix("50%") {
            w.p50 = parse_duration(v).unwrap_or_default();
        } else if let Some(v) = t.strip_prefix("99%") {
            w.p99 = parse_duration(v).unwrap_or_default();
        }
    }
    if w.rps <= 0.0 {
        return Err(format!("could not read wrk's output: {text}").into());
    }
    Ok(w)
}

/// [`run_wrk`], with the CPU time `cpu` says the server under test used meanwhile.
fn run_wrk_cpu(
    url: &str,
    seconds: u64,
    connections: usize,
    cpu: impl Fn() -> Duration,
) -> BenchResult<Wrk> {
    let before = cpu();
    let mut w = run_wrk(url, seconds, connections)?;
    w.cpu = cpu().saturating_sub(before);
    Ok(w)
}

impl Wrk {
    /// CPU time of the server under test per request, in microseconds.
    pub fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / (self.requests.max(1) as f64)
    }
}

/// CPU time of this process so far, every thread (the in-process servers'; while wrk runs,
/// the bench's own threads only wait).
fn own_cpu() -> Duration {
    crate::hostile::process_cpu(std::process::id())
}

/// CPU time so far of the processes whose parent is `parent` (nginx's workers).
fn children_cpu(parent: u32) -> Duration {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The parent's pid is the second field after the command name.
            let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
            rest.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u32>().ok())
                == Some(parent)
        })
        .map(crate::hostile::process_cpu)
        .sum()
}

fn free_port() -> BenchResult<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// nginx on a loopback port, as a child process with its own prefix, config and pid file;
/// stopped through its own pid file (`nginx -s stop`).
pub(crate) struct Nginx {
    child: Child,
    dir: PathBuf,
    conf: PathBuf,
}

impl Nginx {
    fn start(dir: &Path, file: &str, bytes: &[u8], workers: usize) -> BenchResult<(Self, u16)> {
        Self::start_with(dir, file, bytes, workers, None)
    }

    /// nginx serving the file over HTTPS (TLS 1.2 and 1.3) with this certificate and key (PEM
    /// files).
    pub(crate) fn start_tls(
        dir: &Path,
        file: &str,
        bytes: &[u8],
        workers: usize,
        (cert, key): (&Path, &Path),
    ) -> BenchResult<(Self, u16)> {
        Self::start_with(dir, file, bytes, workers, Some((cert, key)))
    }

    fn start_with(
        dir: &Path,
        file: &str,
        bytes: &[u8],
        workers: usize,
        tls: Option<(&Path, &Path)>,
    ) -> BenchResult<(Self, u16)> {
        use std::os::unix::fs::PermissionsExt as _;
        let www = dir.join("www");
        std::fs::create_dir_all(&www)?;
        std::fs::write(www.join(file), bytes)?;
        // Workers started by root run as an unprivileged user, who must be able to read.
        for p in [dir, www.as_path()] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))?;
        }
        if let Some(parent) = dir.parent() {
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))?;
        }
        std::fs::set_permissions(www.join(file), std::fs::Permissions::from_mode(0o644))?;
        let port = free_port()?;
        let d = dir.display();
        let conf = dir.join("nginx.conf");
        let listen = match tls {
            None => format!("listen 127.0.0.1:{port};"),
            Some((cert, key)) => format!(
                "listen 127.0.0.1:{port} ssl;\n    ssl_certificate {};\n    \
                 ssl_certificate_key {};\n    ssl_protocols TLSv1.2 TLSv1.3;",
                cert.display(),
                key.display()
            ),
        };
        std::fs::write(
            &conf,
            format!(
                "worker_processes {workers};\ndaemon off;\npid {d}/nginx.pid;\n\
                 error_log {d}/error.log warn;\nevents {{ worker_connections 1024; }}\n\
                 http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n\
                 keepalive_requests 1000000;\n  default_type application/octet-stream;\n\
                 client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n\
                 scgi_temp_path {d}/scgi;\n\
                 server {{\n    {listen}\n    root {d}/www;\n    location / {{ }}\n  }}\n}}\n"
            ),
        )?;
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut me = Self {
            child,
            dir: dir.to_path_buf(),
            conf,
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline || me.child.try_wait()?.is_some() {
                me.stop();
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                return Err(format!("nginx did not start: {log}").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok((me, port))
    }

    pub(crate) fn stop(&mut self) {
        let _ = Command::new("nginx")
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(&self.conf)
            .arg("-e")
            .arg(self.dir.join("error.log"))
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status();
        venuecode_testkit::server::process::reap_within(&mut self.child, Duration::from_secs(5));
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg(if tool == "nginx" { "-v" } else { "--version" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Posts the batch to the server, checks that it serves the same bytes, and returns its
/// sequence number.
fn publish(base: &str, auth: &Authorities, bytes: &[u8]) -> BenchResult<u64> {
    let t = HttpTransport::new(base)?;
    let r = t.send(signed_post(
        "/v1/batches",
        bytes.to_vec(),
        "application/octet-stream",
        &auth.ha,
    )?)?;
    let answer: serde_json::Value =
        serde_json::from_slice(&api::read_body(api::check(r)?, 1 << 16)?)?;
    let seq = answer
        .get("sequence")
        .and_then(|v| v.as_u64())
        .ok_or("no sequence in the answer")?;
    served_check(base, &batch_path(seq), bytes)?;
    Ok(seq)
}

fn batch_path(seq: u64) -> String {
    format!("/v1/batches/{seq}")
}

fn served_check(base: &str, path: &str, bytes: &[u8]) -> BenchResult<()> {
    let t = HttpTransport::new(base)?;
    let served = api::read_body(api::check(t.send(Request::get(path))?)?, 1 << 20)?;
    if served != bytes {
        return Err(format!("{base} did not serve the posted bytes at {path}").into());
    }
    Ok(())
}

/// The median run by requests/s.
pub(crate) fn median_wrk(mut v: Vec<Wrk>) -> Wrk {
    v.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    v.get(v.len() / 2).cloned().unwrap_or_default()
}

/// The PostgreSQL side of the read path: the batch on the server on PostgreSQL, and two more
/// servers with the batch cache off, one on redb and one a second replica on the same
/// PostgreSQL database.
struct PgTargets {
    cached_url: String,
    redb_uncached_url: String,
    uncached_url: String,
    cached: Vec<Wrk>,
    redb_uncached: Vec<Wrk>,
    uncached: Vec<Wrk>,
    servers: Vec<InProcess>,
}

impl PgTargets {
    fn start(
        work: &Path,
        auth: &Authorities,
        threads: usize,
        (pg_base, pg_url): (&str, &str),
        (prior, bytes): (&[Vec<u8>], &[u8]),
    ) -> BenchResult<Self> {
        let pg_path = batch_path(publish(pg_base, auth, bytes)?);
        let redb_uncached = InProcess::start(
            work,
            auth,
            threads,
            &Store {
                dir: "server-data-nocache",
                postgres_url: None,
                batch_cache: false,
            },
        )?;
        // A fresh store: the chain before the read-path batch first.
        post_batches(&redb_uncached.base, auth, prior)?;
        let redb_path = batch_path(publish(&redb_uncached.base, auth, bytes)?);
        let replica = InProcess::start(
            work,
            auth,
            threads,
            &Store {
                dir: "server-data-pg-nocache",
                postgres_url: Some(pg_url),
                batch_cache: false,
            },
        )?;
        served_check(&replica.base, &pg_path, bytes)?;
        Ok(Self {
            cached_url: format!("{pg_base}{pg_path}"),
            redb_uncached_url: format!("{}{redb_path}", redb_uncached.base),
            uncached_url: format!("{}{pg_path}", replica.base),
            cached: Vec::new(),
            redb_uncached: Vec::new(),
            uncached: Vec::new(),
            servers: vec![redb_uncached, replica],
        })
    }

    fn round(&mut self, seconds: u64, connections: usize) -> BenchResult<()> {
        self.cached
            .push(run_wrk(&self.cached_url, seconds, connections)?);
        self.redb_uncached
            .push(run_wrk(&self.redb_uncached_url, seconds, connections)?);
        self.uncached
            .push(run_wrk(&self.uncached_url, seconds, connections)?);
        Ok(())
    }

    fn finish(self) -> BenchResult<PgRead> {
        for s in self.servers {
            s.stop()?;
        }
        Ok(PgRead {
            cached: median_wrk(self.cached),
            redb_uncached: median_wrk(self.redb_uncached),
            uncached: median_wrk(self.uncached),
        })
    }
}

fn read_path(
    quick: bool,
    work: &Path,
    auth: &Authorities,
    base: &str,
    threads: usize,
    pg: Result<(&str, &str), String>,
    (prior, head): (&[Vec<u8>], ChainHead),
) -> BenchResult<ReadPath> {
    if !have("wrk") || !have("nginx") {
        return Err("wrk or nginx not installed: run bench/run.sh, which installs them".into());
    }
    let mut filler = Filler::new(0x5eed_0004);
    let (bytes, records, _) = fixture::make_batch(&auth.ha, head, &[], 1_600, &mut filler)?;
    let seq = publish(base, auth, &bytes)?;
    let path = batch_path(seq);
    let failed = |e: BenchError| one_line(&format!("the PostgreSQL read path failed: {e}"));
    let mut pg = pg.and_then(|target| {
        PgTargets::start(work, auth, threads, target, (prior, &bytes)).map_err(failed)
    });
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (mut nginx, port) = Nginx::start(&work.join("nginx"), &format!("{seq}"), &bytes, workers)?;
    let nginx_url = format!("http://127.0.0.1:{port}/{seq}");
    let check = ureq::get(&nginx_url).call()?.into_body().read_to_vec()?;
    if check != bytes {
        nginx.stop();
        return Err("nginx did not serve the same bytes".into());
    }
    let ours_url = format!("{base}{path}");
    let (rounds, seconds, connections) = if quick { (1, 2, 32) } else { (3, 5, 32) };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let nginx_pid = nginx.child.id();
    for _ in 0..rounds {
        ours.push(run_wrk_cpu(&ours_url, seconds, connections, own_cpu)?);
        theirs.push(run_wrk_cpu(&nginx_url, seconds, connections, || {
            children_cpu(nginx_pid)
        })?);
        let err = match &mut pg {
            Ok(p) => p.round(seconds, connections).err(),
            Err(_) => None,
        };
        if let Some(e) = err {
            pg = Err(failed(e));
        }
    }
    nginx.stop();
    let health = run_wrk_cpu(&format!("{base}/healthz"), seconds, connections, own_cpu)?;
    Ok(ReadPath {
        bytes: bytes.len(),
        records,
        ours: median_wrk(ours),
        nginx: median_wrk(theirs),
        health,
        rounds,
        seconds,
        connections,
        pg: pg.and_then(|p| p.finish().map_err(failed)),
    })
}
