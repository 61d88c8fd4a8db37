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
mod wire;

use std::time::Instant;

/// The bench's error type: anything, with a message.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;
/// The bench's result type.
pub type BenchResult<T> = Result<T, BenchError>;

const USAGE: &str = "usage: venuecode-bench [--quick] [--write] [--matching-only]

  --quick          a smaller run (fewer repetitions and requests, shorter wrk runs)
  --write          also write the table to BENCHMARKS.md at the workspace root
  --matching-only  run only section 1's matching against 1,000 to 1,000,000 records and print
                   its figures (sync, core match, SHA-256 floor and their ratio); writes nothing

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
    let mut matching_only = false;
    for a in &args {
        match a.as_str() {
            "--quick" => quick = true,
            "--write" => write = true,
            "--matching-only" => matching_only = true,
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
    let result = if matching_only {
        run_matching(quick)
    } else {
        run(quick, write)
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
    Ok(())
}

fn run(quick: bool, write: bool) -> BenchResult<()> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("venuecode-bench")
        .tempdir()?;
    let mut r = report::Results::default();

    eprintln!("[2/6] wire and QR sizes…");
    r.wire = Some(wire::run()?);

    eprintln!("[1/6] matching…");
    r.matching = Some(matching::run(quick, work.path())?);
    eprintln!("[1/6] CrowdNotifier's workload, our side…");
    let (checkins, venues, keys) = (5, 150, 3);
    r.our_day = Some(matching::our_day(quick, work.path(), venues * keys)?);
    eprintln!("[1/6] CrowdNotifier's workload, pairing baseline…");
    r.baseline = Some(crowdnotifier::run(quick, checkins, venues, keys)?);

    eprintln!("[3/6] check-ins…");
    r.checkins = Some(checkin::run(if quick { 50 } else { 200 }, work.path())?);

    eprintln!("[4-6/6] server…");
    r.server = Some(server::run(quick, work.path())?);

    eprintln!("[7/7] the server binary under hostile load, and over TLS…");
    r.hostile = Some(hostile::run(quick, work.path()));

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
