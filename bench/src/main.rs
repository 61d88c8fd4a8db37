//! `venuecode-bench`: measures Venuecode against its anchors (CrowdNotifier, the Corona-Warn-App,
//! the NHS COVID-19 app, nginx) in one run and prints a Markdown table; `--write` also writes
//! it to `BENCHMARKS.md` at the workspace root. `--quick` runs a smaller version. The server
//! figures are measured on redb and, when `VENUECODE_TEST_POSTGRES_URL` names a PostgreSQL
//! server, again on PostgreSQL, as ratios against redb.
//!
//! Every figure printed is measured in the run, except those marked *cited* (sizes of other
//! systems' published formats). Comparisons are ratios of two measurements made in the same
//! run, because the machine is shared and noisy.
#![forbid(unsafe_code)]

mod checkin;
mod crowdnotifier;
mod fixture;
mod hostile;
mod matching;
mod pg;
mod report;
mod server;
mod util;
mod webapp;
mod wire;

use std::time::Instant;

/// The bench's error type: anything, with a message.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;
/// The bench's result type.
pub type BenchResult<T> = Result<T, BenchError>;

const USAGE: &str =
    "usage: venuecode-bench [--quick] [--write] [--only matching|server|hostile|web]

  --quick   a smaller run (fewer repetitions and requests, shorter wrk runs)
  --write   also write the table to BENCHMARKS.md at the workspace root
  --only    run one part alone, for comparing changes; cannot be combined with --write:
              matching  section 1's matching against 1,000 to 1,000,000 records (sync, core
                        match, the SHA-256 floor and their ratios)
              server    sections 4-6
              hostile   section 7
              web       section 8: the visitor web app in headless Chromium (web/bench/app.mjs;
                        needs scripts/build-web.sh's build, chromium and the venuecode binary)

The read-path comparison needs wrk and nginx (Debian: bench/run.sh installs them). The server
figures are also measured on PostgreSQL, in a database created for the run on the server that
VENUECODE_TEST_POSTGRES_URL names (bench/run.sh sets it with `eval \"$(scripts/postgres.sh)\"`);
without it, the PostgreSQL rows say that PostgreSQL was not available.";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a.starts_with("__")) {
        if let Err(e) = matching::child_main(&args) {
            eprintln!("child error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut quick = false;
    let mut write = false;
    let mut only = None;
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--write" => write = true,
            "--only" => match rest.next().map(String::as_str) {
                Some(part @ ("matching" | "server" | "hostile" | "web")) => {
                    only = Some(part.to_owned())
                }
                _ => {
                    eprintln!("--only takes matching, server, hostile or web\n{USAGE}");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => {
                eprintln!("unknown argument {other}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    if write && only.is_some() {
        eprintln!("--write needs the full run\n{USAGE}");
        std::process::exit(2);
    }
    let result = if only.as_deref() == Some("matching") {
        run_matching(quick)
    } else {
        run(quick, write, only.as_deref())
    };
    if let Err(e) = result {
        eprintln!("venuecode-bench: {e}");
        std::process::exit(1);
    }
}

/// Section 1's matching alone: the figures that compare the shipped match with SHA-256 over the
/// same records, measured in the same run.
fn run_matching(quick: bool) -> BenchResult<()> {
    let work = tempfile::Builder::new()
        .prefix("venuecode-bench")
        .tempdir()?;
    let m = matching::run(quick, work.path())?;
    println!(
        "| records | sync wall | sync CPU | core match CPU | SHA-256 CPU | sync wall / SHA | \
         sync CPU / SHA | core / SHA |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    for r in &m.results {
        let sha = r.sha256.as_secs_f64().max(f64::MIN_POSITIVE);
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.2}x | {:.2}x | {:.2}x |",
            r.records,
            ms(r.wall),
            ms(r.cpu),
            ms(r.core),
            ms(r.sha256),
            r.wall.as_secs_f64() / sha,
            r.cpu.as_secs_f64() / sha,
            r.core.as_secs_f64() / sha,
        );
    }
    for r in &m.results {
        match &r.wasm {
            Ok(w) => {
                println!(
                    "
WebAssembly build (node), {} records: {:.1} ms wall, {:.1} ms CPU; {:.2}x \
                     the native sync wall, {:.2}x its CPU",
                    r.records,
                    ms(w.wall),
                    ms(w.cpu),
                    w.wall.as_secs_f64() / r.wall.as_secs_f64().max(f64::MIN_POSITIVE),
                    w.cpu.as_secs_f64() / r.cpu.as_secs_f64().max(f64::MIN_POSITIVE),
                );
            }
            Err(why) if r.records >= 1_000_000 => {
                println!("\nWebAssembly build (node): not measured: {why}")
            }
            Err(_) => {}
        }
        match &r.http {
            Ok(h) => {
                let native = h.wall.as_secs_f64().max(f64::MIN_POSITIVE);
                println!(
                    "Native sync over loopback HTTP from a Venuecode server, {} records: {:.1} ms \
                     wall, {:.1} ms CPU ({:.2}x the sync from the file)",
                    r.records,
                    ms(h.wall),
                    ms(h.cpu),
                    h.wall.as_secs_f64() / r.wall.as_secs_f64().max(f64::MIN_POSITIVE),
                );
                match &h.browser {
                    Ok(b) => println!(
                        "WebAssembly build in headless Chromium, same server: {:.1} ms wall \
                         ({:.1} ms from memory; the batch alone: {:.1} ms read as the app reads \
                         it, {:.1} ms with the default reader); {:.2}x the native sync over \
                         HTTP, {:.2}x the native sync from the file",
                        ms(b.stream),
                        ms(b.memory),
                        ms(b.fetch_byob),
                        ms(b.fetch),
                        b.stream.as_secs_f64() / native,
                        b.stream.as_secs_f64() / r.wall.as_secs_f64().max(f64::MIN_POSITIVE),
                    ),
                    Err(why) => {
                        println!("WebAssembly build in headless Chromium: not measured: {why}")
                    }
                }
            }
            Err(why) if r.records >= 1_000_000 => {
                println!("Sync over HTTP: not measured: {why}")
            }
            Err(_) => {}
        }
    }
    Ok(())
}

fn run(quick: bool, write: bool, only: Option<&str>) -> BenchResult<()> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("venuecode-bench")
        .tempdir()?;
    let mut r = report::Results::default();
    match only {
        Some("server") => r.server = Some(server::run(quick, work.path())?),
        Some("web") => r.webapp = Some(webapp::run(quick)),
        Some(_) => r.hostile = Some(hostile::run(quick, work.path())),
        None => full(quick, work.path(), &mut r)?,
    }
    r.quick = quick;
    r.filesystem = util::filesystem(work.path());
    r.elapsed = started.elapsed();
    let md = report::render(&r);
    println!("{md}");
    if write {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("no workspace root")?
            .join("BENCHMARKS.md");
        std::fs::write(&path, &md)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Every section, in order.
fn full(quick: bool, work: &std::path::Path, r: &mut report::Results) -> BenchResult<()> {
    eprintln!("[2/6] wire and QR sizes…");
    r.wire = Some(wire::run()?);

    eprintln!("[1/6] matching…");
    r.matching = Some(matching::run(quick, work)?);
    eprintln!("[1/6] CrowdNotifier's workload, our side…");
    let (checkins, venues, keys) = (5, 150, 3);
    r.our_day = Some(matching::our_day(quick, work, venues * keys)?);
    eprintln!("[1/6] CrowdNotifier's workload, pairing baseline…");
    r.baseline = Some(crowdnotifier::run(quick, checkins, venues, keys)?);

    eprintln!("[3/6] check-ins…");
    r.checkins = Some(checkin::run(if quick { 50 } else { 200 }, work)?);

    eprintln!("[4-6/6] server…");
    r.server = Some(server::run(quick, work)?);

    eprintln!("[7/8] the server binary under hostile load, and over TLS…");
    r.hostile = Some(hostile::run(quick, work));

    eprintln!("[8/8] the visitor web app in headless Chromium…");
    r.webapp = Some(webapp::run(quick));
    Ok(())
}
