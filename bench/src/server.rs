//! The server, in process on 127.0.0.1, over real HTTP: durable write paths (exposure batches,
//! TAN uploads, venue registrations), the store's size per million records, and the read path
//! (one published batch) under `wrk`, against nginx serving the same bytes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use venuecode_client::transport::Request;
use venuecode_client::{api, HttpTransport, Transport};
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::{Codec, RegistrationRequest, SigningKey, Upload, UploadEntry, VenueInfo};
use venuecode_server::config::{write_public_key, write_signing_key};
use venuecode_server::{Config, Server, ServerHandle};

use crate::fixture::{self, Authorities, BenchVenue, Filler, T0};
use crate::util::{dir_allocated, dir_size, percentile};
use crate::BenchResult;

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
}

impl InProcess {
    pub fn start(work: &Path, auth: &Authorities, threads: usize) -> BenchResult<Self> {
        let keys = work.join("keys");
        std::fs::create_dir_all(&keys)?;
        let ra = keys.join("ra.key");
        let ha = keys.join("ha.pub");
        let enc = keys.join("ha-enc.pub");
        write_signing_key(&ra, &auth.ra)?;
        write_public_key(&ha, &auth.ha.public_key())?;
        std::fs::write(
            &enc,
            format!("{}\n", hex::encode(auth.ha_enc.public_key().as_bytes())),
        )?;
        let data = work.join("server-data");
        let mut config = Config::new(data.clone(), ra, vec![ha]);
        config.ha_encryption_key = Some(enc);
        // The per-IP limit on public write routes protects a deployment; the bench sends every
        // request from 127.0.0.1, so it is lifted to measure the write path itself.
        config.rate_per_minute = 100_000_000;
        config.rate_burst = 10_000_000;
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
        })
    }

    pub fn stop(mut self) -> BenchResult<()> {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown()).map_err(|e| e.to_string())?;
        }
        Ok(())
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
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(|| {
                let t = HttpTransport::with_timeout(base, Duration::from_secs(120));
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
}

pub fn run(quick: bool, work: &Path) -> BenchResult<ServerResults> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let auth = Authorities::fixed()?;
    let server = InProcess::start(work, &auth, threads)?;
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
    let mut reqs = Vec::new();
    let mut ingest_records = 0;
    for _ in 0..nbatches {
        let (bytes, n) = fixture::make_batch(&auth.ha, &[], batch_records, &mut filler)?;
        ingest_records += n;
        reqs.push(signed_post(
            "/v1/batches",
            bytes,
            "application/octet-stream",
            &auth.ha,
        )?);
    }
    eprintln!("  posting {nbatches} batches of {batch_records} records…");
    let ingest = drive(&base, reqs, 1, 201)?;
    let store_after = dir_size(&server.data);
    let store_after_allocated = dir_allocated(&server.data);

    // 2. TANs: registered in requests of 100, then each used for one upload of a case's
    // sealed check-ins (two entries), from 4 clients at once.
    let n_uploads = if quick { 100 } else { 400 };
    let mut tans = Vec::with_capacity(n_uploads);
    for i in 0..n_uploads {
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
    let tan_register = drive(&base, tan_reqs, 1, 201)?;
    let venue = BenchVenue::new(&auth, 4000, fixture::typical_info()?)?;
    let code = venue.static_code()?;
    let upload = Upload {
        entries: vec![
            UploadEntry {
                code: code.clone(),
                arrival: T0 + 600,
                departure: T0 + 660,
            },
            UploadEntry {
                code,
                arrival: T0 + 2000,
                departure: T0 + 2090,
            },
        ],
    };
    let mut up_reqs = Vec::with_capacity(n_uploads);
    let mut upload_bytes = 0;
    for t in &tans {
        let body = upload.seal(&auth.ha_enc.public_key())?.encode();
        upload_bytes = body.len();
        up_reqs.push(
            Request::post("/v1/uploads", body, "application/octet-stream")
                .header(venuecode_server::TAN_HEADER, t.as_str()),
        );
    }
    eprintln!("  {n_uploads} TAN uploads…");
    let uploads = drive(&base, up_reqs, 4, 201)?;

    // 3. Venue registrations, each signed by a fresh venue key, from 4 clients at once.
    let n_reg = if quick { 100 } else { 400 };
    let info: VenueInfo = fixture::typical_info()?;
    let mut reg_reqs = Vec::with_capacity(n_reg);
    for i in 0..n_reg {
        let mut seed = [0x77u8; 32];
        seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
        seed[8..16].copy_from_slice(&now_secs().to_be_bytes());
        let key = SigningKey::from_seed(&seed)?;
        let body = RegistrationRequest {
            venue_key: key.public_key(),
            info: info.clone(),
            pledge: true,
        }
        .encode();
        reg_reqs.push(signed_post(
            "/v1/venues",
            body,
            "application/octet-stream",
            &key,
        )?);
    }
    eprintln!("  {n_reg} venue registrations…");
    let registrations = drive(&base, reg_reqs, 4, 201)?;

    // 4. The read path.
    let (read, read_skipped) = match read_path(quick, work, &auth, &base) {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    server.stop()?;
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
    })
}

/// One `wrk` run.
#[derive(Debug, Clone, Default)]
pub struct Wrk {
    pub rps: f64,
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

fn run_wrk(url: &str, seconds: u64, connections: usize) -> BenchResult<Wrk> {
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
        if let Some(v) = t.strip_prefix("Requests/sec:") {
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

fn free_port() -> BenchResult<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// nginx on a loopback port, as a child process with its own prefix, config and pid file;
/// stopped through its own pid file (`nginx -s stop`).
struct Nginx {
    child: Child,
    dir: PathBuf,
    conf: PathBuf,
}

impl Nginx {
    fn start(dir: &Path, file: &str, bytes: &[u8], workers: usize) -> BenchResult<(Self, u16)> {
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
                 server {{\n    listen 127.0.0.1:{port};\n    root {d}/www;\n    location / {{ }}\n  }}\n}}\n"
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

    fn stop(&mut self) {
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
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
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

fn read_path(quick: bool, work: &Path, auth: &Authorities, base: &str) -> BenchResult<ReadPath> {
    if !have("wrk") || !have("nginx") {
        return Err("wrk or nginx not installed: run bench/run.sh, which installs them".into());
    }
    let mut filler = Filler::new(0x5eed_0004);
    let (bytes, records) = fixture::make_batch(&auth.ha, &[], 1_600, &mut filler)?;
    let t = HttpTransport::new(base);
    let r = t.send(signed_post(
        "/v1/batches",
        bytes.clone(),
        "application/octet-stream",
        &auth.ha,
    )?)?;
    let answer: serde_json::Value =
        serde_json::from_slice(&api::read_body(api::check(r)?, 1 << 16)?)?;
    let seq = answer
        .get("sequence")
        .and_then(|v| v.as_u64())
        .ok_or("no sequence in the answer")?;
    let path = format!("/v1/batches/{seq}");
    let served = api::read_body(api::check(t.send(Request::get(path.as_str()))?)?, 1 << 20)?;
    if served != bytes {
        return Err("the server did not serve the posted bytes".into());
    }
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
    for _ in 0..rounds {
        ours.push(run_wrk(&ours_url, seconds, connections)?);
        theirs.push(run_wrk(&nginx_url, seconds, connections)?);
    }
    nginx.stop();
    let health = run_wrk(&format!("{base}/healthz"), seconds, connections)?;
    let med = |mut v: Vec<Wrk>| -> Wrk {
        v.sort_by(|a, b| a.rps.total_cmp(&b.rps));
        v.get(v.len() / 2).cloned().unwrap_or_default()
    };
    Ok(ReadPath {
        bytes: bytes.len(),
        records,
        ours: med(ours),
        nginx: med(theirs),
        health,
        rounds,
        seconds,
        connections,
    })
}
