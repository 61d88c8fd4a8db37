//! Matching on the phone: a 14-day diary against exposure batches of 1,000 to 1,000,000
//! records, through the client library's public sync path (`Visitor::sync_exposures`), in a
//! child process so that its peak RSS is the match's alone.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use venuecode_client::transport::{Method, Request, Response};
use venuecode_client::{
    api, DiaryKey, HttpTransport, ManualClock, MemoryServer, Transport, Visitor,
};
use venuecode_protocol::codec::Reader;
use venuecode_protocol::exposure::{MAX_BATCH_HEADER_BYTES, RECORD_BYTES};
use venuecode_protocol::time::{slot_of, Slots, UnixMinute};
use venuecode_protocol::{
    ChainHead, Codec, ExposureWindow, SignedBatchHeader, TokenIndex, TrustAnchors,
};

use crate::fixture::{self, Authorities, BenchVenue, Filler, Visit};
use crate::util::{median, thread_cpu, vm_hwm_kib};
use crate::BenchResult;

/// A transport that serves batch files from disk as streams, as a phone receives a batch from
/// the network: the body is read in 64 KiB chunks and never held whole in memory.
/// (`MemoryServer` keeps every batch in memory and clones it per request, which would count
/// the whole list against the phone's peak memory.) It also serves the HA's checkpoint of the
/// last file's batch, signed at `now`, as the server would.
pub struct FileTransport {
    batches: Vec<(PathBuf, u64, u64)>,
    checkpoint: Vec<u8>,
}

impl FileTransport {
    pub fn new(files: &[PathBuf], auth: &Authorities, now: UnixMinute) -> BenchResult<Self> {
        use std::io::Read as _;
        let mut batches = Vec::new();
        let mut head = ChainHead::GENESIS;
        for f in files {
            let size = std::fs::metadata(f)?.len();
            let mut start = Vec::with_capacity(MAX_BATCH_HEADER_BYTES);
            std::fs::File::open(f)?
                .take(MAX_BATCH_HEADER_BYTES as u64)
                .read_to_end(&mut start)?;
            let header = SignedBatchHeader::read(&mut Reader::new(&start))?;
            head = header.chain_head();
            batches.push((f.clone(), size, u64::from(header.header().record_count)));
        }
        let checkpoint = auth.checkpoint(head, now)?.encode();
        Ok(Self {
            batches,
            checkpoint,
        })
    }
}

fn not_found() -> Response {
    Response::from_bytes(
        404,
        br#"{"error":"not_found","message":"not_found"}"#.to_vec(),
    )
}

impl Transport for FileTransport {
    fn send(&self, request: Request) -> venuecode_client::Result<Response> {
        if request.method != Method::Get {
            return Ok(not_found());
        }
        let path = request.path.split('?').next().unwrap_or("");
        if path == "/v1/checkpoint" {
            return Ok(Response::from_bytes(200, self.checkpoint.clone()));
        }
        if path == "/v1/batches" {
            let list: Vec<_> = self
                .batches
                .iter()
                .enumerate()
                .map(|(i, (_, size, records))| {
                    serde_json::json!({"sequence": i + 1, "size": size, "records": records,
                        "etag": "\"bench\""})
                })
                .collect();
            let body = serde_json::json!({"batches": list, "latest": self.batches.len()});
            return Ok(Response::from_bytes(200, body.to_string().into_bytes()));
        }
        let Some(seq) = path
            .strip_prefix("/v1/batches/")
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return Ok(not_found());
        };
        let Some((file, _, _)) = seq.checked_sub(1).and_then(|i| self.batches.get(i)) else {
            return Ok(not_found());
        };
        let f = std::fs::File::open(file).map_err(|e| {
            venuecode_client::Error::Network(venuecode_client::NetworkError::from_io(e))
        })?;
        Ok(Response {
            status: 200,
            body: Box::new(BufReader::with_capacity(64 * 1024, f)),
        })
    }
}

/// What a matching child reports on stdout, one line of JSON.
#[derive(Debug, Clone, Default)]
pub struct ChildReport {
    pub wall: Duration,
    pub cpu: Duration,
    pub hwm_kib: u64,
    pub exposures: u64,
    pub tokens: u64,
}

fn print_report(r: &ChildReport) {
    println!(
        "{}",
        serde_json::json!({
            "wall_ns": r.wall.as_nanos() as u64,
            "cpu_ns": r.cpu.as_nanos() as u64,
            "hwm_kib": r.hwm_kib,
            "exposures": r.exposures,
            "tokens": r.tokens,
        })
    );
}

fn parse_report(out: &[u8]) -> BenchResult<ChildReport> {
    let text = String::from_utf8_lossy(out);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or("child printed no report")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let get = |k: &str| v.get(k).and_then(|x| x.as_u64()).unwrap_or(0);
    Ok(ChildReport {
        wall: Duration::from_nanos(get("wall_ns")),
        cpu: Duration::from_nanos(get("cpu_ns")),
        hwm_kib: get("hwm_kib"),
        exposures: get("exposures"),
        tokens: get("tokens"),
    })
}

/// Hidden subcommands run in child processes: `__baseline`, `__open <diary> <now>`,
/// `__match <diary> <now> <batch>` (the batch streamed from the file) and
/// `__match_http <diary> <now> <server URL> <batches>` (synced from a server over HTTP with the
/// client library's `HttpTransport`).
pub fn child_main(args: &[String]) -> BenchResult<()> {
    let mode = args.first().map(String::as_str).unwrap_or("");
    if mode == "__baseline" {
        print_report(&ChildReport {
            hwm_kib: vm_hwm_kib(),
            ..ChildReport::default()
        });
        return Ok(());
    }
    let diary = args.get(1).ok_or("diary path")?;
    let now = UnixMinute::new(args.get(2).ok_or("now")?.parse()?);
    let auth = Authorities::fixed()?;
    let (visitor, batches) = if mode == "__match_http" {
        let base = args.get(3).ok_or("server URL")?;
        let batches: usize = args.get(4).ok_or("batches")?.parse()?;
        let visitor = Visitor::open(
            diary,
            DiaryKey::from_bytes(fixture::DIARY_KEY),
            auth.visitor_config()?,
            ManualClock::at_minute(now),
            HttpTransport::builder(base)
                .stall_timeout(Duration::from_secs(60))
                .build()?,
        )?;
        (visitor, batches)
    } else {
        let files: Vec<PathBuf> = args.iter().skip(3).map(PathBuf::from).collect();
        let visitor = Visitor::open(
            diary,
            DiaryKey::from_bytes(fixture::DIARY_KEY),
            auth.visitor_config()?,
            ManualClock::at_minute(now),
            FileTransport::new(&files, &auth, now)?,
        )?;
        (visitor, files.len())
    };
    let mut report = ChildReport::default();
    match mode {
        "__open" => {
            report.tokens = visitor.token_count()? as u64;
        }
        "__match" | "__match_http" => {
            let cpu0 = thread_cpu();
            let t0 = Instant::now();
            let sync = visitor.sync_exposures()?;
            report.wall = t0.elapsed();
            report.cpu = thread_cpu().saturating_sub(cpu0);
            report.exposures = sync.new_exposures.len() as u64;
            if sync.batches != batches || !sync.is_up_to_date() {
                return Err(format!(
                    "not every batch was processed, or the chain is not up to date: {:?}",
                    sync.chain
                )
                .into());
            }
        }
        _ => return Err(format!("unknown child mode {mode}").into()),
    }
    drop(visitor);
    report.hwm_kib = vm_hwm_kib();
    print_report(&report);
    Ok(())
}

fn run_child(args: &[&str]) -> BenchResult<ChildReport> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe).args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "child {:?} failed: {}",
            args.first(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    parse_report(&out.stdout)
}

/// One list size's result.
#[derive(Debug, Clone)]
pub struct MatchResult {
    pub records: usize,
    pub batch_bytes: u64,
    pub wall: Duration,
    pub wall_min: Duration,
    pub wall_max: Duration,
    pub cpu: Duration,
    pub peak_kib: u64,
    pub child_hwm_kib: u64,
    pub exposures: u64,
    pub core: Duration,
    pub sha256: Duration,
    /// The same sync through the WebAssembly build in node, or why it was not measured.
    pub wasm: Result<WasmMatch, String>,
    /// The same sync over loopback HTTP from a Venuecode server, natively and in headless
    /// Chromium, or why it was not measured.
    pub http: Result<HttpMatch, String>,
}

/// The match through the WebAssembly build (`bench/wasm/match.mjs`): medians of the runs.
#[derive(Debug, Clone)]
pub struct WasmMatch {
    pub wall: Duration,
    pub cpu: Duration,
    pub exposures: u64,
    /// SHA-256 over the same records through the same WebAssembly build (its CPU): the floor
    /// under a verified match there.
    pub sha256: Duration,
}

/// The sync of the largest list over loopback HTTP from an in-process Venuecode server holding
/// the batch (published by the HA, served from its batch cache): the native library with its
/// `HttpTransport`, medians of child processes as for the file, and the web app's sync in
/// headless Chromium against the same server.
#[derive(Debug, Clone)]
pub struct HttpMatch {
    pub wall: Duration,
    pub wall_min: Duration,
    pub wall_max: Duration,
    pub cpu: Duration,
    pub exposures: u64,
    /// The same sync in headless Chromium (`web/bench/match-browser.mjs`: the app's module and
    /// matchBatch), or why it was not measured.
    pub browser: Result<BrowserMatch, String>,
}

/// Medians of the match in headless Chromium.
#[derive(Debug, Clone, Copy)]
pub struct BrowserMatch {
    /// The sync with the batch streamed with `fetch` into the matcher, as the app syncs.
    pub stream: Duration,
    /// The same sync with the checkpoint, list and batch already in memory: the WebAssembly
    /// and digest alone.
    pub memory: Duration,
    /// The batch fetched and read with the default reader, nothing done with it.
    pub fetch: Duration,
    /// The batch fetched and read as the app reads it (BYOB, into one buffer), nothing done
    /// with it: the transport alone, a floor under `stream`.
    pub fetch_byob: Duration,
}

/// The node script that runs the match through the WebAssembly build.
const WASM_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wasm/match.mjs");
/// The node build of the WebAssembly module (scripts/build-wasm.sh).
const WASM_PKG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../web/pkg-node/venuecode_wasm_bg.wasm"
);

/// Writes the WebAssembly runs' fixture into `dir`: the diary's exported state (`diary.bin`),
/// its trust bundle (`bundle.bin`), the HA's checkpoint of the batch (`checkpoint.bin`) and
/// `now` (`meta.json`).
fn write_fixture(
    dir: &Path,
    pristine: &Path,
    auth: &Authorities,
    now: UnixMinute,
    batch_file: &Path,
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("WebAssembly fixture: {e}");
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    let visitor = Visitor::open(
        pristine,
        DiaryKey::from_bytes(fixture::DIARY_KEY),
        auth.visitor_config().map_err(|e| fail(&e))?,
        ManualClock::at_minute(now),
        MemoryServer::new(),
    )
    .map_err(|e| fail(&e))?;
    let state = visitor.export_state().map_err(|e| fail(&e))?;
    let bundle = visitor.trust_bundle().map_err(|e| fail(&e))?.encode();
    drop(visitor);
    let transport =
        FileTransport::new(&[batch_file.to_path_buf()], auth, now).map_err(|e| fail(&e))?;
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);
    write("diary.bin", &state)
        .and_then(|()| write("bundle.bin", &bundle))
        .and_then(|()| write("checkpoint.bin", &transport.checkpoint))
        .and_then(|()| write("meta.json", format!("{{\"now\": {now}}}").as_bytes()))
        .map_err(|e| fail(&e))
}

/// Runs the same sync through the WebAssembly build in node, on the fixture of
/// [`write_fixture`] and the batch file, `runs` times in one node process (the first run warms
/// the JIT up and is dropped when there are several). Needs `node` and scripts/build-wasm.sh's
/// output.
fn wasm_match(dir: &Path, batch_file: &Path, runs: usize) -> Result<WasmMatch, String> {
    if !Path::new(WASM_PKG).exists() {
        return Err("the WebAssembly build is missing: run scripts/build-wasm.sh".to_owned());
    }
    let fail = |e: &dyn std::fmt::Display| format!("WebAssembly fixture: {e}");
    std::fs::copy(batch_file, dir.join("batch.bin")).map_err(|e| fail(&e))?;
    let total = if runs > 1 { runs + 1 } else { runs };
    let out = Command::new("node")
        .arg(WASM_SCRIPT)
        .arg(dir)
        .arg(total.to_string())
        .output()
        .map_err(|e| format!("node could not run ({e}): install nodejs"))?;
    let _ = std::fs::remove_file(dir.join("batch.bin"));
    if !out.status.success() {
        return Err(format!(
            "bench/wasm/match.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut reports: Vec<ChildReport> = String::from_utf8_lossy(&out.stdout)
        .lines()
        // A run's line has "wall_ns"; the SHA-256 floor's has "sha_wall_ns", which is no run
        // (counting it made a run of 0 ns, and under --quick the only "run" reported).
        .filter(|l| l.starts_with('{') && l.contains("\"wall_ns\""))
        .map(|l| parse_report(l.as_bytes()))
        .collect::<BenchResult<_>>()
        .map_err(|e| fail(&e))?;
    if reports.len() > 1 {
        reports.remove(0);
    }
    let walls: Vec<Duration> = reports.iter().map(|r| r.wall).collect();
    let cpus: Vec<Duration> = reports.iter().map(|r| r.cpu).collect();
    let sha256 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("sha_cpu_ns").and_then(serde_json::Value::as_u64))
        .map(Duration::from_nanos)
        .ok_or("bench/wasm/match.mjs printed no SHA-256 floor")?;
    Ok(WasmMatch {
        wall: median(&walls),
        cpu: median(&cpus),
        exposures: reports.first().map_or(0, |r| r.exposures),
        sha256,
    })
}

/// The files of the page `web/bench/match-browser.mjs` opens, served by the Venuecode server
/// as its web app: the module the app ships (web/pkg), the app's `digest.js` and the fixture.
const PAGE_FILES: &[(&str, &str)] = &[
    ("venuecode_wasm.js", "web/pkg/venuecode_wasm.js"),
    ("venuecode_wasm_bg.wasm", "web/pkg/venuecode_wasm_bg.wasm"),
    ("digest.js", "web/src/digest.js"),
];

/// The sync of the largest list over loopback HTTP, natively and in headless Chromium, against
/// one in-process Venuecode server (2 worker threads, as the binary on this machine) that the
/// HA published the batch and its checkpoint to, and that serves the page's files at `/c`
/// (`fixture`: [`write_fixture`]'s directory, whose checkpoint is the one published). The batch is read once
/// before the runs, so that every run is served from the server's batch cache. Native: `runs`
/// child processes (`__match_http`), each on a fresh copy of the diary. Chromium: `runs` in one
/// page, the first dropped when there are several.
fn http_match(
    work: &Path,
    pristine: &Path,
    auth: &Authorities,
    now: UnixMinute,
    batch: &[u8],
    fixture: &Path,
    runs: usize,
) -> BenchResult<HttpMatch> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?;
    // The page: its files, the fixture (not the batch, which the API serves).
    let page = work.join("page");
    std::fs::create_dir_all(&page)?;
    std::fs::write(
        page.join("index.html"),
        "<!doctype html><title>match</title>",
    )?;
    let browser_files = PAGE_FILES
        .iter()
        .try_for_each(|(name, from)| std::fs::copy(root.join(from), page.join(name)).map(|_| ()));
    for name in ["bundle.bin", "diary.bin", "meta.json"] {
        std::fs::copy(fixture.join(name), page.join(name))?;
    }
    let server = crate::server::InProcess::start_with_web_app(
        &work.join("server"),
        auth,
        2,
        &crate::server::Store {
            dir: "data",
            postgres_url: None,
            batch_cache: true,
        },
        Some(&page),
    )?;
    let t = HttpTransport::builder(&server.base)
        .stall_timeout(Duration::from_secs(60))
        .build()?;
    let now_secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let checkpoint = std::fs::read(fixture.join("checkpoint.bin"))?;
    for (path, body) in [("/v1/batches", batch), ("/v1/checkpoints", &checkpoint)] {
        let r = t.send(api::sign(
            Request::post(path, body.to_vec(), "application/octet-stream"),
            &auth.ha,
            now_secs,
        )?)?;
        api::check(r)?;
    }
    // Into the batch cache, and the same bytes as posted.
    let served = api::read_body(
        api::check(t.send(Request::get("/v1/batches/1"))?)?,
        batch.len() as u64 + 1,
    )?;
    if served != batch {
        return Err("the server did not serve the posted batch".into());
    }
    let now_s = now.to_string();
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut exposures = 0;
    for run in 0..runs {
        let diary = work.join(format!("diary-http-{run}.redb"));
        std::fs::copy(pristine, &diary)?;
        let r = run_child(&[
            "__match_http",
            &diary.to_string_lossy(),
            &now_s,
            &server.base,
            "1",
        ])?;
        walls.push(r.wall);
        cpus.push(r.cpu);
        exposures = r.exposures;
        let _ = std::fs::remove_file(&diary);
    }
    let browser = browser_files
        .map_err(|e| format!("the page's files (scripts/build-web.sh writes web/pkg): {e}"))
        .and_then(|()| browser_match(&server.base, if runs > 1 { runs + 1 } else { runs }));
    server.stop()?;
    let _ = std::fs::remove_dir_all(work);
    Ok(HttpMatch {
        wall: median(&walls),
        wall_min: walls.iter().min().copied().unwrap_or_default(),
        wall_max: walls.iter().max().copied().unwrap_or_default(),
        cpu: median(&cpus),
        exposures,
        browser,
    })
}

/// The web app's sync against the server at `base` in headless Chromium, `runs` times in one
/// page (the first dropped when there are several); the medians. Every run must find the
/// exposures.
fn browser_match(base: &str, runs: usize) -> Result<BrowserMatch, String> {
    crate::webapp::browser_ready("web/pkg/venuecode_wasm.js")?;
    let text = crate::webapp::node(
        "match-browser.mjs",
        &[base.as_ref(), runs.to_string().as_ref()],
        None,
    )?;
    let keys = [
        "wall_ns",
        "memory_wall_ns",
        "fetch_wall_ns",
        "fetch_byob_wall_ns",
    ];
    let mut series: [Vec<Duration>; 4] = Default::default();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if v["exposures"].as_u64().unwrap_or(0) == 0 {
            return Err(format!("the browser run found no exposure: {line}"));
        }
        for (k, s) in keys.iter().zip(series.iter_mut()) {
            s.push(
                v[*k]
                    .as_u64()
                    .map(Duration::from_nanos)
                    .ok_or(format!("no {k}"))?,
            );
        }
    }
    if series[0].is_empty() {
        return Err("web/bench/match-browser.mjs printed no run".to_owned());
    }
    if series[0].len() > 1 {
        for s in &mut series {
            s.remove(0);
        }
    }
    let [stream, memory, fetch, fetch_byob] = series.map(|s| median(&s));
    Ok(BrowserMatch {
        stream,
        memory,
        fetch,
        fetch_byob,
    })
}

/// Everything section 1 measures.
pub struct Matching {
    pub results: Vec<MatchResult>,
    pub baseline_kib: u64,
    pub open_kib: u64,
    pub tokens: u64,
    pub diary_entries: usize,
    pub diary_bytes: u64,
    pub diary_allocated: u64,
    pub empty_diary_bytes: u64,
    pub empty_diary_allocated: u64,
    pub runs: usize,
}

fn file_sizes(path: &Path) -> BenchResult<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path)?;
    Ok((m.len(), m.blocks() * 512))
}

/// The diary's tokens as the client library indexes them (SPEC.md §12.4: each stay's slots
/// with margins), in the protocol's `TokenIndex`, for the in-process core-match measurement.
pub fn token_index(visits: &[Visit], venues: &[BenchVenue], stay: u32) -> TokenIndex<usize> {
    let mut index = TokenIndex::new();
    for (i, v) in visits.iter().enumerate() {
        let Some(venue) = venues.get(v.venue) else {
            continue;
        };
        let keys = venue
            .master
            .static_seed()
            .slot_keys(&venue.key.public_key());
        index.add_stay(i, keys, v.arrival, v.arrival + stay);
    }
    index
}

/// The phone's match without the diary: the shipped protocol matcher (`TokenIndex::matcher`,
/// which the client library's sync and the venue's "was I notified?" call) fed the batch in
/// 64 KiB pieces, as the bytes arrive from the network: the streaming `BatchReader` reads and
/// verifies the header, checks each record's order and, at the end, the count and digest;
/// tokens are merge-joined with the index and the seals of hits opened. Returns the number of
/// opened hits.
pub fn core_match(
    batch: &[u8],
    anchors: &TrustAnchors,
    index: &TokenIndex<usize>,
) -> BenchResult<usize> {
    let mut matcher = index.matcher(anchors.clone());
    for chunk in batch.chunks(64 * 1024) {
        matcher.feed(chunk)?;
    }
    let (_, hits) = matcher.finish()?;
    Ok(hits.len())
}

/// Runs section 1.
pub fn run(quick: bool, work: &Path) -> BenchResult<Matching> {
    let auth = Authorities::fixed()?;
    let venues: Vec<BenchVenue> = (0..35)
        .map(|i| BenchVenue::new(&auth, 1000 + i, fixture::typical_info()?))
        .collect::<BenchResult<_>>()?;
    let pristine = work.join("diary-14d.redb");
    eprintln!("  building the 14-day diary (70 check-ins, durable)…");
    let visits = fixture::build_diary(
        &pristine,
        &auth,
        &venues,
        fixture::DIARY_DAYS,
        fixture::CHECKINS_PER_DAY,
    )?;
    let (diary_bytes, diary_allocated) = file_sizes(&pristine)?;
    let empty = work.join("diary-empty.redb");
    drop(Visitor::open(
        &empty,
        DiaryKey::from_bytes(fixture::DIARY_KEY),
        auth.visitor_config()?,
        ManualClock::at_minute(fixture::T0),
        MemoryServer::new(),
    )?);
    let (empty_diary_bytes, empty_diary_allocated) = file_sizes(&empty)?;
    let now = fixture::diary_now(fixture::DIARY_DAYS);
    // Two of the visits are published as exposed (a day-4 and a day-11 visit).
    let windows = fixture::windows_for(&visits, &venues, &[16, 52]);
    let index = token_index(&visits, &venues, 60);
    let want = expected_hits(&windows, &index);
    let mut filler = Filler::new(0x5eed_0001);
    let runs = if quick { 1 } else { 5 };
    let sizes: &[usize] = &[1_000, 100_000, 1_000_000];
    let now_s = now.to_string();
    let pristine_s = pristine.to_string_lossy().into_owned();

    let mut baselines = Vec::new();
    for _ in 0..runs {
        baselines.push(run_child(&["__baseline"])?.hwm_kib);
    }
    baselines.sort_unstable();
    let baseline_kib = baselines.get(baselines.len() / 2).copied().unwrap_or(0);
    let open = run_child(&["__open", &pristine_s, &now_s])?;

    let mut results = Vec::new();
    for &n in sizes {
        eprintln!("  matching against {n} records…");
        // Each child syncs a fresh copy of the diary, so each list is its HA's first batch.
        let (batch, count, _) =
            fixture::make_batch(&auth.ha, ChainHead::GENESIS, &windows, n, &mut filler)?;
        let file = work.join(format!("batch-{n}.bin"));
        std::fs::write(&file, &batch)?;
        let file_s = file.to_string_lossy().into_owned();
        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        let mut hwm = 0;
        let mut exposures = 0;
        for run in 0..runs {
            let diary = work.join(format!("diary-run-{n}-{run}.redb"));
            std::fs::copy(&pristine, &diary)?;
            let diary_s = diary.to_string_lossy().into_owned();
            let r = run_child(&["__match", &diary_s, &now_s, &file_s])?;
            walls.push(r.wall);
            cpus.push(r.cpu);
            hwm = hwm.max(r.hwm_kib);
            exposures = r.exposures;
            let _ = std::fs::remove_file(&diary);
        }
        // The same algorithm in process, on the public protocol API, without the diary.
        let mut cores = Vec::new();
        for _ in 0..runs.max(3) {
            let c0 = thread_cpu();
            let hits = core_match(&batch, &auth.anchors, &index)?;
            cores.push(thread_cpu().saturating_sub(c0));
            if hits != want || want == 0 {
                return Err(format!("core match found {hits} hits, expected {want}").into());
            }
        }
        // The floor under any verified match: SHA-256 over the records, in one call.
        let records_at = batch.len() - count * RECORD_BYTES;
        let mut shas = Vec::new();
        for _ in 0..runs.max(3) {
            let c0 = thread_cpu();
            let d = venuecode_protocol::hash::sha256(&[batch.get(records_at..).unwrap_or(&[])]);
            shas.push(thread_cpu().saturating_sub(c0));
            std::hint::black_box(d);
        }
        // The largest list again through the WebAssembly build in node, and over loopback
        // HTTP from a Venuecode server, natively and in headless Chromium.
        let (wasm, http) = if n >= 1_000_000 {
            let dir = work.join("wasm");
            let fixture = write_fixture(&dir, &pristine, &auth, now, &file);
            eprintln!("  … and through the WebAssembly build in node…");
            let wasm = fixture.clone().and_then(|()| wasm_match(&dir, &file, runs));
            eprintln!("  … and over HTTP from a Venuecode server, natively and in Chromium…");
            let http = fixture.and_then(|()| {
                http_match(
                    &work.join("http"),
                    &pristine,
                    &auth,
                    now,
                    &batch,
                    &dir,
                    runs,
                )
                .map_err(|e| e.to_string())
            });
            let _ = std::fs::remove_dir_all(&dir);
            (wasm, http)
        } else {
            let why = "measured for the largest list only".to_owned();
            (Err(why.clone()), Err(why))
        };
        let others = [
            ("the WebAssembly build", wasm.as_ref().map(|w| w.exposures)),
            ("the sync over HTTP", http.as_ref().map(|h| h.exposures)),
        ];
        for (who, got) in others {
            if let Ok(got) = got {
                if got != exposures {
                    return Err(format!(
                        "{who} raised {got} exposures, the native library from the file \
                         {exposures}"
                    )
                    .into());
                }
            }
        }
        results.push(MatchResult {
            wasm,
            http,
            records: count,
            batch_bytes: batch.len() as u64,
            wall: median(&walls),
            wall_min: walls.iter().min().copied().unwrap_or_default(),
            wall_max: walls.iter().max().copied().unwrap_or_default(),
            cpu: median(&cpus),
            peak_kib: hwm.saturating_sub(baseline_kib),
            child_hwm_kib: hwm,
            exposures,
            core: median(&cores),
            sha256: median(&shas),
        });
        drop(batch);
        let _ = std::fs::remove_file(&file);
    }
    Ok(Matching {
        results,
        baseline_kib,
        open_kib: open.hwm_kib,
        tokens: open.tokens,
        diary_entries: visits.len(),
        diary_bytes,
        diary_allocated,
        empty_diary_bytes,
        empty_diary_allocated,
        runs,
    })
}

/// Our side of CrowdNotifier's workload: one day's diary (5 check-ins) against 150 notified
/// venues × 3 records, through `Visitor::sync_exposures` on the in-memory transport. Returns
/// the mean thread CPU time per sync, the mean for the core match alone, and the repetitions.
pub struct OurDay {
    pub sync_cpu: Duration,
    pub sync_wall: Duration,
    pub core_cpu: Duration,
    pub reps: usize,
    pub records: usize,
}

pub fn our_day(quick: bool, work: &Path, records: usize) -> BenchResult<OurDay> {
    let auth = Authorities::fixed()?;
    let venues: Vec<BenchVenue> = (0..5)
        .map(|i| BenchVenue::new(&auth, 2000 + i, fixture::typical_info()?))
        .collect::<BenchResult<_>>()?;
    let path = work.join("diary-1d.redb");
    let visits = fixture::build_diary(&path, &auth, &venues, 1, 5)?;
    let now = fixture::diary_now(1);
    let server = MemoryServer::new();
    let visitor = Visitor::open(
        &path,
        DiaryKey::from_bytes(fixture::DIARY_KEY),
        auth.visitor_config()?,
        ManualClock::at_minute(now),
        server.clone(),
    )?;
    let windows = fixture::windows_for(&visits, &venues, &[2]);
    let index = token_index(&visits, &venues, 60);
    let want = expected_hits(&windows, &index);
    let mut filler = Filler::new(0x5eed_0002);
    let reps = if quick { 20 } else { 100 };
    let mut cpu = Duration::ZERO;
    let mut wall = Duration::ZERO;
    let mut core = Duration::ZERO;
    let mut n = 0;
    let mut head = ChainHead::GENESIS;
    for _ in 0..reps {
        let (batch, count, next) =
            fixture::make_batch(&auth.ha, head, &windows, records, &mut filler)?;
        head = next;
        n = count;
        let c0 = thread_cpu();
        let hits = core_match(&batch, &auth.anchors, &index)?;
        core += thread_cpu().saturating_sub(c0);
        if hits != want || want == 0 {
            return Err(format!("core match found {hits} hits, expected {want}").into());
        }
        server.publish_bytes(batch);
        server.set_checkpoint(&auth.checkpoint(head, now)?);
        let c0 = thread_cpu();
        let t0 = Instant::now();
        let report = visitor.sync_exposures()?;
        wall += t0.elapsed();
        cpu += thread_cpu().saturating_sub(c0);
        if report.batches != 1 || !report.is_up_to_date() {
            return Err("sync processed no batch, or the chain is not up to date".into());
        }
    }
    let _ = read_all_exposures(&visitor)?;
    Ok(OurDay {
        sync_cpu: cpu / reps as u32,
        sync_wall: wall / reps as u32,
        core_cpu: core / reps as u32,
        reps,
        records: n,
    })
}

fn read_all_exposures(v: &Visitor) -> BenchResult<usize> {
    let e = v.exposures()?;
    if e.is_empty() {
        return Err("the one-day diary raised no exposure".into());
    }
    Ok(e.len())
}

/// How many genuine records of `windows` the index holds a token for: the hits a correct match
/// must find.
pub fn expected_hits(windows: &[ExposureWindow], index: &TokenIndex<usize>) -> usize {
    windows
        .iter()
        .map(|w| {
            let k = w.seed.slot_keys(&w.venue_key);
            Slots::new(slot_of(w.start), slot_of(w.end - 1))
                .filter(|s| index.contains(&k.token(*s)))
                .count()
        })
        .sum()
}
