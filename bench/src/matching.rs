//! Matching on the phone: a 14-day diary against exposure batches of 1,000 to 1,000,000
//! records, through the client library's public sync path (`Visitor::sync_exposures`), in a
//! child process so that its peak RSS is the match's alone.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use venuecode_client::transport::{Method, Request, Response};
use venuecode_client::{DiaryKey, ManualClock, MemoryServer, Transport, Visitor};
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

/// Hidden subcommands run in child processes: `__baseline`, `__open <diary> <now>` and
/// `__match <diary> <now> <batch>`.
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
    let batches: Vec<PathBuf> = args.iter().skip(3).map(PathBuf::from).collect();
    let auth = Authorities::fixed()?;
    let visitor = Visitor::open(
        diary,
        DiaryKey::from_bytes(fixture::DIARY_KEY),
        auth.visitor_config()?,
        ManualClock::at_minute(now),
        FileTransport::new(&batches, &auth, now)?,
    )?;
    let mut report = ChildReport::default();
    match mode {
        "__open" => {
            report.tokens = visitor.token_count()? as u64;
        }
        "__match" => {
            let cpu0 = thread_cpu();
            let t0 = Instant::now();
            let sync = visitor.sync_exposures()?;
            report.wall = t0.elapsed();
            report.cpu = thread_cpu().saturating_sub(cpu0);
            report.exposures = sync.new_exposures.len() as u64;
            if sync.batches != batches.len() || !sync.is_up_to_date() {
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
    /// The same match in headless Chromium (`web/bench/match-browser.mjs`: the app's module),
    /// or why it was not measured.
    pub browser: Result<BrowserMatch, String>,
}

/// Medians of the match in headless Chromium.
#[derive(Debug, Clone, Copy)]
pub struct BrowserMatch {
    /// The batch streamed with `fetch` into the matcher, as the app syncs.
    pub stream: Duration,
    /// The batch already in memory, fed in 64 KiB slices: the WebAssembly alone.
    pub memory: Duration,
    /// The batch streamed with `fetch` and read, nothing done with it: the transport alone.
    pub fetch: Duration,
}

/// The node script that runs the match through the WebAssembly build.
const WASM_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wasm/match.mjs");
/// The node build of the WebAssembly module (scripts/build-wasm.sh).
const WASM_PKG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../web/pkg-node/venuecode_wasm_bg.wasm"
);

/// Runs the same sync through the WebAssembly build in node, on the diary's exported state and
/// the batch file, `runs` times in one node process (the first run warms the JIT up and is
/// dropped when there are several). Needs `node` and scripts/build-wasm.sh's output.
fn wasm_match(
    dir: &Path,
    pristine: &Path,
    auth: &Authorities,
    now: UnixMinute,
    batch_file: &Path,
    runs: usize,
) -> Result<WasmMatch, String> {
    if !Path::new(WASM_PKG).exists() {
        return Err("the WebAssembly build is missing: run scripts/build-wasm.sh".to_owned());
    }
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
        .and_then(|()| std::fs::copy(batch_file, dir.join("batch.bin")).map(|_| ()))
        .map_err(|e| fail(&e))?;
    let total = if runs > 1 { runs + 1 } else { runs };
    let out = Command::new("node")
        .arg(WASM_SCRIPT)
        .arg(dir)
        .arg(total.to_string())
        .output()
        .map_err(|e| format!("node could not run ({e}): install nodejs"))?;
    let browser = browser_match(dir, total);
    let _ = std::fs::remove_dir_all(dir);
    if !out.status.success() {
        return Err(format!(
            "bench/wasm/match.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut reports: Vec<ChildReport> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{') && l.contains("wall_ns"))
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
        browser,
    })
}

/// The fixture of [`wasm_match`] matched in headless Chromium, `runs` times in one page (the
/// first dropped when there are several); the medians. Every run must find the exposures.
fn browser_match(dir: &Path, runs: usize) -> Result<BrowserMatch, String> {
    crate::webapp::browser_ready("web/pkg/venuecode_wasm.js")?;
    let text = crate::webapp::node(
        "match-browser.mjs",
        &[dir.as_os_str(), runs.to_string().as_ref()],
        None,
    )?;
    let mut stream = Vec::new();
    let mut memory = Vec::new();
    let mut fetch = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if v["exposures"].as_u64().unwrap_or(0) == 0 {
            return Err(format!("the browser run found no exposure: {line}"));
        }
        let ns = |k: &str| {
            v[k].as_u64()
                .map(Duration::from_nanos)
                .ok_or(format!("no {k}"))
        };
        stream.push(ns("wall_ns")?);
        memory.push(ns("memory_wall_ns")?);
        fetch.push(ns("fetch_wall_ns")?);
    }
    if stream.len() > 1 {
        stream.remove(0);
        memory.remove(0);
        fetch.remove(0);
    }
    if stream.is_empty() {
        return Err("web/bench/match-browser.mjs printed no run".to_owned());
    }
    Ok(BrowserMatch {
        stream: median(&stream),
        memory: median(&memory),
        fetch: median(&fetch),
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
        // The largest list again through the WebAssembly build, in node.
        let wasm = if n >= 1_000_000 {
            eprintln!("  … and through the WebAssembly build in node…");
            wasm_match(&work.join("wasm"), &pristine, &auth, now, &file, runs)
        } else {
            Err("measured for the largest list only".to_owned())
        };
        if let Ok(w) = &wasm {
            if w.exposures != exposures {
                return Err(format!(
                    "the WebAssembly build raised {} exposures, the native library {exposures}",
                    w.exposures
                )
                .into());
            }
        }
        results.push(MatchResult {
            wasm,
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
