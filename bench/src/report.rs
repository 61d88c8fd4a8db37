//! The Markdown report: machine, command, the summary table, then how each figure was made.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::checkin::CheckIns;
use crate::crowdnotifier::Baseline;
use crate::matching::{Matching, OurDay};
use crate::server::{ReadPath, ServerResults, Wrk};
use crate::util::{bytes, mib, ms, ratio, thousands, us};
use crate::wire::Wire;

/// Goals from the issue, held against the measurements.
const GOAL_MATCH_MS: f64 = 150.0;
const GOAL_MATCH_MIB: f64 = 32.0;
const GOAL_CPU_RATIO: f64 = 1000.0;
const GOAL_RECORD_BYTES: usize = 48;
const GOAL_INGEST_PER_S: f64 = 100_000.0;
const GOAL_READ_RATIO: f64 = 0.8;
const GOAL_TLS_RATIO: f64 = 1.0;
const GOAL_HOSTILE_RATIO: f64 = 0.7;

/// Sizes of other systems' records as published in their formats (cited, not measured).
const CWA_RECORD_BYTES: usize = 105;
const CN_RECORD_BYTES: usize = 150;
/// CrowdNotifier v3's QR version at level M for a short venue name, as published (cited).
const CN_QR_VERSION: i16 = 14;

#[derive(Default)]
pub struct Results {
    pub quick: bool,
    pub elapsed: Duration,
    pub filesystem: String,
    pub wire: Option<Wire>,
    pub matching: Option<Matching>,
    pub our_day: Option<OurDay>,
    pub baseline: Option<Baseline>,
    pub checkins: Option<CheckIns>,
    pub server: Option<ServerResults>,
    pub hostile: Option<crate::hostile::Results>,
    pub webapp: Option<Result<crate::webapp::WebApp, String>>,
}

struct Row {
    id: &'static str,
    what: String,
    ours: String,
    anchor: String,
    ratio: String,
    goal: String,
    verdict: String,
}

fn verdict(met: bool, why: &str) -> String {
    if met {
        "met".to_owned()
    } else if why.is_empty() {
        "**MISSED**".to_owned()
    } else {
        format!("**MISSED**: {why}")
    }
}

/// The label of a row that repeats the one above on a server whose store is PostgreSQL.
const PG_ROW: &str = "… on PostgreSQL";

/// A PostgreSQL row that could not be measured, and why.
fn not_measured(id: &'static str, why: &str) -> Row {
    Row {
        id,
        what: PG_ROW.to_owned(),
        ours: "not measured".to_owned(),
        anchor: "—".to_owned(),
        ratio: "—".to_owned(),
        goal: "—".to_owned(),
        verdict: why.to_owned(),
    }
}

/// The goal of the WebAssembly build's match: at most this many times the native sync's CPU.
const GOAL_WASM_RATIO: f64 = 3.0;

/// Section 1's match of the largest list through the WebAssembly build, beside the native sync
/// of the same run.
fn wasm_row(res: &crate::matching::MatchResult) -> Row {
    let what =
        "… the same sync through the WebAssembly build (node, `bench/wasm/match.mjs`, the file read in 1 MiB chunks)".to_owned();
    match &res.wasm {
        Ok(w) => {
            // The verdict is on CPU, the work itself: the native wall includes the diary's
            // fsync and varies with the disk, so the wall ratio is shown but not judged.
            let rt = w.wall.as_secs_f64() / res.wall.as_secs_f64().max(1e-12);
            let rc = w.cpu.as_secs_f64() / res.cpu.as_secs_f64().max(1e-12);
            let floor = w.sha256.as_secs_f64() / w.cpu.as_secs_f64().max(1e-12);
            let sha_ratio = w.sha256.as_secs_f64() / res.sha256.as_secs_f64().max(1e-12);
            let why = format!(
                "the records' leaf hashes are node's SHA-256 (`crypto.createHash`, the CPU's SHA \
                 instructions), handed to `finishBatch`, which builds the records tree and \
                 compares its root with the signed digest; through the WebAssembly build's own SHA-256 it would take {} CPU alone \
                 ({:.0}% of this match; {sha_ratio:.1}× the native SHA-256 of this run)",
                ms(w.sha256),
                floor * 100.0,
            );
            Row {
                id: "1",
                what,
                ours: format!(
                    "{} CPU, {} wall; its SHA-256 floor {} CPU",
                    ms(w.cpu),
                    ms(w.wall),
                    ms(w.sha256)
                ),
                anchor: format!("native sync {} CPU, {} wall", ms(res.cpu), ms(res.wall)),
                ratio: format!("{rc:.2}× native CPU ({rt:.2}× native wall)"),
                goal: format!("≤ {GOAL_WASM_RATIO}× native CPU"),
                verdict: verdict(rc <= GOAL_WASM_RATIO, &why),
            }
        }
        Err(why) => wasm_not_measured(what, why.clone()),
    }
}

/// A WebAssembly row of section 1 that could not be measured, and why.
fn wasm_not_measured(what: String, why: String) -> Row {
    Row {
        id: "1",
        what,
        ours: "not measured".to_owned(),
        anchor: "—".to_owned(),
        ratio: "—".to_owned(),
        goal: format!("≤ {GOAL_WASM_RATIO}× native"),
        verdict: why,
    }
}

/// Section 1's sync of the largest list over loopback HTTP from a Venuecode server, natively,
/// beside the same sync from the file.
fn http_row(res: &crate::matching::MatchResult) -> Row {
    let what = "… the same sync over loopback HTTP from a Venuecode server (the client \
                library's `HttpTransport`; the batch from the server's cache)"
        .to_owned();
    match &res.http {
        Ok(h) => Row {
            id: "1",
            what,
            ours: format!("{} wall, {} CPU", ms(h.wall), ms(h.cpu)),
            anchor: format!("native sync from the file {} wall", ms(res.wall)),
            ratio: format!(
                "{:.2}× the sync from the file",
                h.wall.as_secs_f64() / res.wall.as_secs_f64().max(1e-12)
            ),
            goal: "—".to_owned(),
            verdict: "—".to_owned(),
        },
        Err(why) => unmeasured("1", what, why.clone()),
    }
}

/// A row of a figure that could not be measured, with no goal, and why.
fn unmeasured(id: &'static str, what: String, why: String) -> Row {
    Row {
        id,
        what,
        ours: "not measured".to_owned(),
        anchor: "—".to_owned(),
        ratio: "—".to_owned(),
        goal: "—".to_owned(),
        verdict: why,
    }
}

/// Section 1's match of the largest list in headless Chromium, judged against the native sync
/// over the same loopback HTTP from the same server, with the sync from the file beside it.
fn browser_row(res: &crate::matching::MatchResult) -> Row {
    let what = "… the same sync in headless Chromium (the web app's module and `matchBatch`, the \
                batch streamed with `fetch` from the same server; `web/bench/match-browser.mjs`)"
        .to_owned();
    let measured = match (&res.http, &res.wasm) {
        (Ok(h), Ok(w)) => h.browser.clone().map(|b| (b, h.wall, w.sha256)),
        (Err(why), _) | (_, Err(why)) => Err(why.clone()),
    };
    match measured {
        Ok((b, http, sha)) => {
            let over = |d: std::time::Duration, of: std::time::Duration| {
                d.as_secs_f64() / of.as_secs_f64().max(1e-12)
            };
            let rt = over(b.stream, http);
            let why = format!(
                "judged against the native sync over the same loopback HTTP from the same \
                 server, since both pay for the transfer (the sync from the file, which has no \
                 network in it, was the anchor before and is shown beside it); with the batch already in memory the match takes {} ({:.2}× \
                 the native sync from the file; the records' leaf hashes by `crypto.subtle`, \
                 each as soon as its 640 KiB have arrived, `web/src/digest.js`); the batch \
                 fetched and read as the app reads it (BYOB, into a 1 MiB buffer reused) with \
                 nothing done takes {}, with the default \
                 reader {}, in the same page: the transport's floor under the streamed figure, \
                 {:.2}× the native sync over HTTP on its own; through the WebAssembly build's \
                 own SHA-256 the digest alone would take {} CPU (in node)",
                ms(b.memory),
                over(b.memory, res.wall),
                ms(b.fetch_byob),
                ms(b.fetch),
                over(b.fetch_byob, http),
                ms(sha),
            );
            Row {
                id: "1",
                what,
                ours: format!(
                    "{} wall ({} with the batch already in memory)",
                    ms(b.stream),
                    ms(b.memory)
                ),
                anchor: format!(
                    "native sync over HTTP {} wall (from the file {})",
                    ms(http),
                    ms(res.wall)
                ),
                ratio: format!(
                    "{rt:.2}× native over HTTP ({:.2}× native from the file)",
                    over(b.stream, res.wall)
                ),
                goal: format!("≤ {GOAL_WASM_RATIO}× native over HTTP"),
                // Met or not, the row says what it is judged against.
                verdict: if rt <= GOAL_WASM_RATIO {
                    format!("met: {why}")
                } else {
                    verdict(false, &why)
                },
            }
        }
        Err(why) => wasm_not_measured(what, why),
    }
}

/// The goal of the web app's first load, compressed, WebAssembly included.
const GOAL_FIRST_LOAD_KIB: f64 = 500.0;

/// Section 8: the web app's first load and time to the check-in screen, with their note.
fn webapp_rows(rows: &mut Vec<Row>, notes: &mut String, w: &Result<crate::webapp::WebApp, String>) {
    let load_what = "Web app: bytes transferred from opening a poster URL (empty cache) to the \
                     check-in screen, WebAssembly included"
        .to_owned();
    let time_what = "Web app: opening a code URL to the check-in screen (the code verified in \
                     WebAssembly), fresh profile / with the service worker's cache"
        .to_owned();
    match w {
        Ok(w) => {
            let kib = w.first_load_bytes as f64 / 1024.0;
            rows.push(Row {
                id: "8",
                what: load_what,
                ours: format!(
                    "{} in {} files ({} uncompressed); + {} the service worker fetches to keep \
                     it offline",
                    bytes(w.first_load_bytes),
                    w.files,
                    bytes(w.first_load_raw_bytes),
                    bytes(w.worker_bytes)
                ),
                anchor: "—".to_owned(),
                ratio: "—".to_owned(),
                goal: format!("≤ {GOAL_FIRST_LOAD_KIB:.0} KiB"),
                verdict: verdict(kib <= GOAL_FIRST_LOAD_KIB, ""),
            });
            rows.push(Row {
                id: "8",
                what: time_what,
                ours: format!("{} / {}", ms(w.cold), ms(w.warm)),
                anchor: "—".to_owned(),
                ratio: "—".to_owned(),
                goal: "—".to_owned(),
                verdict: "—".to_owned(),
            });
            let _ = writeln!(
                notes,
                "**8. The visitor web app.** `web/bench/app.mjs` starts a real `venuecode server \
                 --web-app web/dist` (the `scripts/build-web.sh` build) with an authority and a \
                 venue made by the `venuecode` binary, and opens the venue's poster URL in \
                 Debian's Chromium, headless, through playwright-core, over loopback HTTP. Bytes \
                 are the compressed bodies and headers of the page's own requests until the \
                 check-in screen (Chromium's resource sizes), the service worker's precache \
                 counted apart. The time runs from navigation to the check-in button: the app, \
                 its WebAssembly, the trust bundle, the first revocation sync and the code's \
                 verification; once in a fresh profile, once more in the same profile with the \
                 service worker in control. Median of {} fresh profiles.\n",
                w.runs
            );
        }
        Err(why) => {
            for what in [load_what, time_what] {
                rows.push(unmeasured("8", what, why.clone()));
            }
        }
    }
}

/// Requests/s and latency percentiles of a wrk run.
fn wrk_figures(w: &Wrk) -> String {
    format!("{} req/s; {}", thousands(w.rps), percentiles(w))
}

/// Latency percentiles of a wrk run.
fn percentiles(w: &Wrk) -> String {
    format!("p50 {}, p99 {}", ms(w.p50), ms(w.p99))
}

fn machine() -> (usize, String) {
    let n = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    (n, cpu)
}

fn command_out(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn qr_side(v: i16) -> String {
    let m = 17 + 4 * v;
    format!("version {v} ({m}×{m})")
}

pub fn render(r: &Results) -> String {
    let mut rows: Vec<Row> = Vec::new();
    let mut notes = String::new();
    // Notes of the sections rendered after the table's other rows.
    let mut notes_late = String::new();

    // 1. Matching.
    if let Some(m) = &r.matching {
        for res in &m.results {
            let is_million = res.records >= 1_000_000;
            let peak_mib = res.peak_kib as f64 / 1024.0;
            let wall_ms = res.wall.as_secs_f64() * 1e3;
            let (goal, verd) = if is_million {
                let met = wall_ms < GOAL_MATCH_MS && peak_mib < GOAL_MATCH_MIB;
                let mut why = Vec::new();
                if wall_ms >= GOAL_MATCH_MS {
                    why.push(format!(
                        "time: the core stream-and-lookup alone takes {}, the rest is opening \
                         the diary, the token map and the durable commit",
                        ms(res.core)
                    ));
                }
                if peak_mib >= GOAL_MATCH_MIB {
                    why.push("memory".to_owned());
                }
                (
                    format!("< {GOAL_MATCH_MS} ms and < {GOAL_MATCH_MIB} MiB, one core"),
                    verdict(met, &why.join("; ")),
                )
            } else {
                ("—".to_owned(), "—".to_owned())
            };
            rows.push(Row {
                id: "1",
                what: format!(
                    "Match a 14-day diary ({} check-ins) against {} records ({})",
                    m.diary_entries,
                    thousands(res.records as f64),
                    bytes(res.batch_bytes)
                ),
                ours: format!(
                    "{} wall, {} CPU; peak +{}",
                    ms(res.wall),
                    ms(res.cpu),
                    mib(res.peak_kib)
                ),
                anchor: "—".to_owned(),
                ratio: "—".to_owned(),
                goal,
                verdict: verd,
            });
            if is_million {
                rows.push(wasm_row(res));
                rows.push(http_row(res));
                rows.push(browser_row(res));
            }
        }
    }
    if let (Some(day), Some(b)) = (&r.our_day, &r.baseline) {
        let cn = b.workload_cpu();
        let rt = cn.as_secs_f64() / day.sync_cpu.as_secs_f64().max(1e-12);
        rows.push(Row {
            id: "1",
            what: format!(
                "CrowdNotifier's daily workload: 5 check-ins × 150 notified venues × 3 keys \
                 = {} trials; ours: the same day as {} records",
                thousands(b.workload_trials as f64),
                day.records
            ),
            ours: format!("{} CPU per sync", us(day.sync_cpu)),
            anchor: format!(
                "{} CPU ({} per trial){}",
                ms(cn),
                us(b.per_trial),
                if b.trials < b.workload_trials {
                    format!(", {} trials run", b.trials)
                } else {
                    String::new()
                }
            ),
            ratio: format!("{} less CPU", ratio(rt)),
            goal: format!("≥ {}×", thousands(GOAL_CPU_RATIO)),
            verdict: verdict(rt >= GOAL_CPU_RATIO, ""),
        });
        let lb = b.workload_pairing_cpu();
        let rt2 = lb.as_secs_f64() / day.sync_cpu.as_secs_f64().max(1e-12);
        rows.push(Row {
            id: "1",
            what: "… against the pairings alone (a lower bound of any pairing-based trial)"
                .to_owned(),
            ours: format!("{} CPU per sync", us(day.sync_cpu)),
            anchor: format!("{} CPU ({} per pairing)", ms(lb), us(b.pairing)),
            ratio: format!("{} less CPU", ratio(rt2)),
            goal: format!("≥ {}×", thousands(GOAL_CPU_RATIO)),
            verdict: verdict(rt2 >= GOAL_CPU_RATIO, ""),
        });
    }

    // 2. Wire and QR.
    if let Some(w) = &r.wire {
        rows.push(Row {
            id: "2",
            what: "Bytes per exposure record (token 16 + sealed plaintext 8 + tag 16)".to_owned(),
            ours: format!("{} B", w.record_bytes),
            anchor: format!(
                "CWA CheckInProtectedReport ≈ {CWA_RECORD_BYTES} B; CrowdNotifier \
                 ProblematicEvent ≈ {CN_RECORD_BYTES} B + message (*cited*)"
            ),
            ratio: format!(
                "{} / {} smaller",
                ratio(CWA_RECORD_BYTES as f64 / w.record_bytes as f64),
                ratio(CN_RECORD_BYTES as f64 / w.record_bytes as f64)
            ),
            goal: format!("≤ {GOAL_RECORD_BYTES} B"),
            verdict: verdict(w.record_bytes <= GOAL_RECORD_BYTES, ""),
        });
        if let Some(m) = &r.matching {
            if let Some(res) = m.results.iter().find(|x| x.records >= 1_000_000) {
                let per = res.batch_bytes as f64 / res.records as f64;
                rows.push(Row {
                    id: "2",
                    what: format!(
                        "… on the wire, header included, in a batch of {} records",
                        thousands(res.records as f64)
                    ),
                    ours: format!("{per:.4} B"),
                    anchor: "—".to_owned(),
                    ratio: "—".to_owned(),
                    goal: format!("≤ {GOAL_RECORD_BYTES} B"),
                    verdict: verdict(per <= GOAL_RECORD_BYTES as f64, ""),
                });
            }
        }
        for q in &w.qr {
            let static_typical = q.label == "typical, static";
            rows.push(Row {
                id: "2",
                what: format!(
                    "QR at level M, {} code ({} B, {}-char URL, byte + numeric segments)",
                    q.label, q.code_bytes, q.url_chars
                ),
                ours: qr_side(q.version),
                anchor: if q.label.starts_with("typical") {
                    format!(
                        "CrowdNotifier v3, short name: {} (*cited*); NHS poster: {} \
                         (measured: {}-char JWT, byte mode)",
                        qr_side(CN_QR_VERSION),
                        qr_side(w.nhs_version),
                        w.nhs_chars
                    )
                } else {
                    "—".to_owned()
                },
                ratio: if q.label.starts_with("typical") {
                    format!(
                        "{:+} / {:+} versions",
                        q.version - CN_QR_VERSION,
                        q.version - w.nhs_version
                    )
                } else {
                    "—".to_owned()
                },
                goal: if static_typical {
                    "≤ version 15 (SPEC §11)".to_owned()
                } else {
                    "—".to_owned()
                },
                verdict: if static_typical {
                    verdict(q.version <= 15, "")
                } else {
                    "—".to_owned()
                },
            });
        }
    }

    // 3. Check-in.
    if let Some(c) = &r.checkins {
        rows.push(Row {
            id: "3",
            what: format!(
                "Check-in: scan (parse + strict verify) + durable diary write, {} check-ins \
                 (diary up to {} entries)",
                c.n, c.max_entries
            ),
            ours: format!("p50 {}, p99 {}", ms(c.total_p50), ms(c.total_p99)),
            anchor: "—".to_owned(),
            ratio: "—".to_owned(),
            goal: "—".to_owned(),
            verdict: format!(
                "scan alone: p50 {}, p99 {}; the rest is the check-in's diary reads and its \
                 durable write",
                ms(c.scan_p50),
                ms(c.scan_p99)
            ),
        });
    }

    // 4. Storage.
    if let Some(m) = &r.matching {
        rows.push(Row {
            id: "4",
            what: format!(
                "Diary file after 14 days × 5 check-ins ({} entries)",
                m.diary_entries
            ),
            ours: format!(
                "{} ({} allocated); empty diary {} ({} allocated), so {} allocated per check-in",
                bytes(m.diary_bytes),
                bytes(m.diary_allocated),
                bytes(m.empty_diary_bytes),
                bytes(m.empty_diary_allocated),
                bytes(
                    m.diary_allocated.saturating_sub(m.empty_diary_allocated)
                        / m.diary_entries.max(1) as u64
                )
            ),
            anchor: "—".to_owned(),
            ratio: "—".to_owned(),
            goal: "—".to_owned(),
            verdict: "—".to_owned(),
        });
    }
    if let Some(s) = &r.server {
        let grew = s.store_after.saturating_sub(s.store_empty) as f64;
        let per_m = grew / s.ingest_records as f64 * 1e6;
        let grew_alloc = s
            .store_after_allocated
            .saturating_sub(s.store_empty_allocated) as f64;
        rows.push(Row {
            id: "4",
            what: format!(
                "Server store per million exposure records ({} posted)",
                thousands(s.ingest_records as f64)
            ),
            ours: format!(
                "{} per 10⁶ ({} allocated); raw records 40 B each",
                bytes(per_m as u64),
                bytes((grew_alloc / s.ingest_records as f64 * 1e6) as u64)
            ),
            anchor: "—".to_owned(),
            ratio: format!(
                "{:.2}× the raw bytes on disk ({:.2}× by file length)",
                grew_alloc / s.ingest_records as f64 / 40.0,
                per_m / 40e6
            ),
            goal: "—".to_owned(),
            verdict: "—".to_owned(),
        });

        // 5. Server writes.
        let ingest_rate = s.ingest_records as f64 / s.ingest.elapsed.as_secs_f64().max(1e-9);
        rows.push(Row {
            id: "5",
            what: format!(
                "Batch ingestion: {} batches × {} records, one at a time (verify, store, fsync)",
                s.ingest.requests,
                thousands(s.batch_records as f64)
            ),
            ours: format!(
                "{} records/s; per batch p50 {}, p99 {}",
                thousands(ingest_rate),
                ms(s.ingest.p50),
                ms(s.ingest.p99)
            ),
            anchor: "—".to_owned(),
            ratio: "—".to_owned(),
            goal: format!("≥ {} records/s", thousands(GOAL_INGEST_PER_S)),
            verdict: verdict(ingest_rate >= GOAL_INGEST_PER_S, ""),
        });
        rows.push(match &s.pg {
            Ok(p) => {
                let rate = p.ingest_records as f64 / p.ingest.elapsed.as_secs_f64().max(1e-9);
                Row {
                    id: "5",
                    what: PG_ROW.to_owned(),
                    ours: format!(
                        "{} records/s; per batch p50 {}, p99 {}",
                        thousands(rate),
                        ms(p.ingest.p50),
                        ms(p.ingest.p99)
                    ),
                    anchor: format!("redb, same run: {} records/s", thousands(ingest_rate)),
                    ratio: format!("{} redb", ratio(rate / ingest_rate.max(1e-9))),
                    goal: format!("≥ {} records/s", thousands(GOAL_INGEST_PER_S)),
                    verdict: verdict(rate >= GOAL_INGEST_PER_S, ""),
                }
            }
            Err(why) => not_measured("5", why),
        });
        let pg = s.pg.as_ref().map_err(String::as_str);
        for (what, w, on_pg) in [
            (
                format!(
                    "TAN upload (a case's sealed check-ins, {} B), {} clients",
                    s.upload_bytes, s.uploads.concurrency
                ),
                &s.uploads,
                Some(pg.map(|p| &p.uploads)),
            ),
            (
                format!(
                    "Venue registration (signed, certificate issued), {} clients",
                    s.registrations.concurrency
                ),
                &s.registrations,
                Some(pg.map(|p| &p.registrations)),
            ),
            (
                format!(
                    "TAN registration (HA-signed, {} TANs a request), 1 client",
                    s.tans_registered / s.tan_register.requests.max(1)
                ),
                &s.tan_register,
                None,
            ),
        ] {
            rows.push(Row {
                id: "5",
                what: format!("{what}, {} requests", w.requests),
                ours: format!(
                    "{:.0}/s; p50 {}, p99 {}",
                    w.per_second(),
                    ms(w.p50),
                    ms(w.p99)
                ),
                anchor: "—".to_owned(),
                ratio: "—".to_owned(),
                goal: "—".to_owned(),
                verdict: "—".to_owned(),
            });
            match on_pg {
                Some(Ok(p)) => rows.push(Row {
                    id: "5",
                    what: PG_ROW.to_owned(),
                    ours: format!(
                        "{:.0}/s; p50 {}, p99 {}",
                        p.per_second(),
                        ms(p.p50),
                        ms(p.p99)
                    ),
                    anchor: format!("redb, same run: {:.0}/s", w.per_second()),
                    ratio: format!("{} redb", ratio(p.per_second() / w.per_second().max(1e-9))),
                    goal: "—".to_owned(),
                    verdict: "—".to_owned(),
                }),
                Some(Err(why)) => rows.push(not_measured("5", why)),
                None => {}
            }
        }

        // 6. Read path.
        match (&s.read, &s.read_skipped) {
            (Some(rp), _) => {
                let rt = rp.ours.rps / rp.nginx.rps.max(1e-9);
                rows.push(Row {
                    id: "6",
                    what: format!(
                        "Serve a published batch ({} B, {} records), wrk {} connections",
                        rp.bytes, rp.records, rp.connections
                    ),
                    ours: format!(
                        "{} req/s; p50 {}, p99 {}",
                        thousands(rp.ours.rps),
                        ms(rp.ours.p50),
                        ms(rp.ours.p99)
                    ),
                    anchor: format!(
                        "nginx, same bytes: {} req/s; p50 {}, p99 {}",
                        thousands(rp.nginx.rps),
                        ms(rp.nginx.p50),
                        ms(rp.nginx.p99)
                    ),
                    ratio: format!("{} nginx", ratio(rt)),
                    goal: format!("≥ {GOAL_READ_RATIO}× nginx"),
                    verdict: verdict(
                        rt >= GOAL_READ_RATIO,
                        &format!(
                            "wrk and the server share two cores, so the rate depends on the CPU \
                             each request costs: the server used {:.1} µs of CPU a request, \
                             nginx's workers {:.1} µs ({} as much); `GET /healthz` (2-byte \
                             body, no timeout or concurrency layers) costs the server {:.1} µs \
                             and reaches {} req/s ({} nginx's batch rate). Batches come from \
                             the in-memory cache, and each is written with one `writev` (the \
                             head and the cached bytes, no copy in user space); what a batch \
                             costs beyond `/healthz` is the kernel copying its 64 KiB from user \
                             memory into the socket, which nginx's sendfile does not do (a \
                             `perf record` profile of this path, outside the bench, put about a \
                             fifth of the server's CPU in that copy), sending them, and the \
                             routing layers and handler (with malloc and free, about a tenth)",
                            rp.ours.cpu_us_per_request(),
                            rp.nginx.cpu_us_per_request(),
                            ratio(
                                rp.ours.cpu_us_per_request()
                                    / rp.nginx.cpu_us_per_request().max(1e-9)
                            ),
                            rp.health.cpu_us_per_request(),
                            thousands(rp.health.rps),
                            ratio(rp.health.rps / rp.nginx.rps.max(1e-9))
                        ),
                    ),
                });
                match &rp.pg {
                    Ok(p) => {
                        rows.push(Row {
                            id: "6",
                            what: format!("{PG_ROW} (batch cache on, the default)"),
                            ours: wrk_figures(&p.cached),
                            anchor: format!("redb, same run: {} req/s", thousands(rp.ours.rps)),
                            ratio: format!("{} redb", ratio(p.cached.rps / rp.ours.rps.max(1e-9))),
                            goal: "—".to_owned(),
                            verdict: "—".to_owned(),
                        });
                        rows.push(Row {
                            id: "6",
                            what: format!(
                                "{PG_ROW} with the batch cache off (every request reads the \
                                 store; a second replica on the same database)"
                            ),
                            ours: wrk_figures(&p.uncached),
                            anchor: format!(
                                "redb with the batch cache off, same run: {}",
                                wrk_figures(&p.redb_uncached)
                            ),
                            ratio: format!(
                                "{} redb",
                                ratio(p.uncached.rps / p.redb_uncached.rps.max(1e-9))
                            ),
                            goal: "—".to_owned(),
                            verdict: "—".to_owned(),
                        });
                    }
                    Err(why) => rows.push(not_measured("6", why)),
                }
            }
            (None, Some(why)) => rows.push(Row {
                id: "6",
                what: "Serve a published batch".to_owned(),
                ours: "not measured".to_owned(),
                anchor: "not measured".to_owned(),
                ratio: "—".to_owned(),
                goal: format!("≥ {GOAL_READ_RATIO}× nginx"),
                verdict: format!("not measured: {why}"),
            }),
            _ => {}
        }
    }

    if let Some(h) = &r.hostile {
        hostile_rows(&mut rows, &mut notes_late, h);
    }
    if let Some(w) = &r.webapp {
        webapp_rows(&mut rows, &mut notes_late, w);
    }

    // Header.
    let (n, cpu) = machine();
    let date = command_out("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let commit = command_out("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let cmd = if r.quick {
        "cargo run --release -p venuecode-bench -- --quick --write"
    } else {
        "cargo run --release -p venuecode-bench -- --write"
    };
    let mut md = String::new();
    let _ = writeln!(md, "# Venuecode benchmarks\n");
    let _ = writeln!(
        md,
        "Produced by `{cmd}` (or `bench/run.sh`, which first installs wrk and nginx, \
         starts PostgreSQL with `scripts/postgres.sh` and builds the `venuecode-server` binary \
         that section 7 runs) on {date}, in {:.0} s{}.\n",
        r.elapsed.as_secs_f64(),
        if r.quick { " (quick run)" } else { "" }
    );
    let _ = writeln!(
        md,
        "Machine: {n} cores (`nproc`), {cpu} (`/proc/cpuinfo`); shared with other work, so \
         absolute figures are noisy and every comparison is a ratio of two measurements made \
         in the same run. Temporary files (diaries, server store) on {}, so every fsync \
         reaches that device. Commit `{commit}` plus the working tree at the time of the \
         run.\n",
        r.filesystem
    );
    let _ = writeln!(
        md,
        "Every figure is measured in the run except those marked *cited*, which are sizes \
         taken from the other systems' published formats. Nothing is hard-coded.\n"
    );
    let _ = writeln!(
        md,
        "| § | what | Venuecode | anchor | ratio | goal | verdict |\n|---|---|---|---|---|---|---|"
    );
    for row in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.id, row.what, row.ours, row.anchor, row.ratio, row.goal, row.verdict
        );
    }
    let _ = writeln!(md);

    // How each figure was made.
    let _ = writeln!(md, "## How the figures are made\n");
    if let Some(m) = &r.matching {
        let _ = writeln!(
            notes,
            "**1. Matching.** The diary is built through the client library (`Visitor::scan` + \
             `check_in`, redb, durable): 14 days × 5 check-ins at 35 venues with static codes, \
             {} slot tokens with margins. Each list is an HA-signed batch: the genuine records \
             of two of the diary's visits (sealed by the protocol's `BatchBuilder`) among \
             filler records, sorted, with the header laid out per SPEC §12.2 (the first batch \
             of the HA's chain) and signed with the HA key. Matching is the client library's \
             public path, `Visitor::sync_exposures` (the HA's checkpoint, header signature and \
             chain check, streaming count/order/digest check, hash-map lookup, seal opening, \
             overlap, durable commit of the exposures and chain head), in a child process (`venuecode-bench __match`) that does nothing else. \
             The batch streams from a file through a `Transport` that hands the body over as a \
             64 KiB-buffered reader, as a network body would (`MemoryServer` keeps the batch \
             in memory, which would count the list against the phone). Wall and thread CPU \
             time (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`) cover the sync call; the child is \
             single-threaded, so it runs on one core. Peak memory is the child's `VmHWM` minus \
             that of a child that does nothing ({}); a child that only opens the diary and \
             builds the token map peaks at {}. Median of {} run(s) per size; every run finds \
             the planted exposures.\n",
            m.tokens,
            mib(m.baseline_kib),
            mib(m.open_kib),
            m.runs
        );
        let _ = writeln!(notes, "| records | sync wall (median) | wall min–max | sync CPU | child peak (VmHWM) | peak − baseline | core match in process (CPU) | SHA-256 of the records alone (CPU) | exposures |\n|---|---|---|---|---|---|---|---|---|");
        for res in &m.results {
            let _ = writeln!(
                notes,
                "| {} | {} | {}–{} | {} | {} | {} | {} | {} | {} |",
                thousands(res.records as f64),
                ms(res.wall),
                ms(res.wall_min),
                ms(res.wall_max),
                ms(res.cpu),
                mib(res.child_hwm_kib),
                mib(res.peak_kib),
                us(res.core),
                us(res.sha256),
                res.exposures
            );
        }
        let _ = writeln!(
            notes,
            "\nThe core match column times the shipped match, the protocol's \
             `TokenIndex::matcher` that the client library's sync and the venue's \
             \"was I notified?\" call (its streaming `BatchReader`, fed 64 KiB at a time: \
             header signature, record order, count and digest; a merge-join of the sorted \
             records with the diary's sorted tokens; `ExposureRecord::open` for hits), over the \
             batch in memory without the diary: the part of the sync that grows with the list. The SHA-256 column hashes the same \
             records in one call (ring): the floor under any match that checks the signed \
             digest.\n"
        );
        if let Some(h) = m
            .results
            .iter()
            .find_map(|res| res.http.as_ref().ok().map(|h| (res, h)))
        {
            let (res, h) = h;
            let _ = writeln!(
                notes,
                "**1. Over HTTP, natively and in Chromium.** The largest list is also synced \
                 over loopback HTTP from a Venuecode server: `venuecode_server::Server` in the \
                 bench's process (2 worker threads, redb, default limits and batch cache, \
                 `--web-app` serving the browser page's files at `/c`), to which the HA posted \
                 the batch and its checkpoint (signed requests); the batch is read once before \
                 the runs, so that every run is served from the server's batch cache, as a \
                 phone syncing after others would be. Natively: `Visitor::sync_exposures` with \
                 the client library's `HttpTransport` (ureq), in a child process as above, on a \
                 fresh copy of the diary each run: {} wall (min–max {}–{}), {} CPU, median of \
                 {}. In Chromium (`web/bench/match-browser.mjs`, Debian's chromium, headless, \
                 driven by playwright-core with the browser tests' flags, none of them about \
                 networking beyond `--disable-quic`): the page is opened from the same server, \
                 imports the module the app ships (web/pkg) and the app's `web/src/digest.js`, \
                 and runs the app's sync (`WebVisitor`: checkpoint and batch list fetched, then \
                 the batch streamed with `fetch` into `matchBatch`: a BYOB reader into a 1 MiB \
                 buffer, reused, the matcher fed each time it is full, each run of 16,384 \
                 records hashed by `crypto.subtle` as soon as it has arrived (the records \
                 digest is a tree over such runs, SPEC §12.2), `endSync`); the same page also runs the sync with the \
                 checkpoint, list and batch already in memory (the batch handed over as a byte \
                 stream), and reads the batch with `fetch` doing nothing with it, as the app \
                 reads it and with the default reader. Runs in one page, the first dropped, \
                 medians. The Chromium row's verdict compares the browser's sync with the native \
                 sync over HTTP (the same work: the same transfer from the same server, the same \
                 verification and match); earlier versions of this bench compared it with the native sync \
                 from the file, which has no network in it: that ratio ({:.2}×) stays in the \
                 row, beside the in-memory browser figure.\n",
                ms(h.wall),
                ms(h.wall_min),
                ms(h.wall_max),
                ms(h.cpu),
                m.runs,
                h.browser.as_ref().map_or(f64::NAN, |b| b.stream.as_secs_f64()
                    / res.wall.as_secs_f64().max(1e-12)),
            );
        }
    }
    if let (Some(day), Some(b)) = (&r.our_day, &r.baseline) {
        let _ = writeln!(
            notes,
            "**1. Against CrowdNotifier.** CrowdNotifier's phone finds a notified check-in by \
             trial decryption: each stored check-in ciphertext against each published identity \
             key, one BLS12-381 pairing per trial. The bench rebuilds that decryption step on \
             the `bls12_381` crate (zkcrypto, pure Rust): `e(sk_id, c1)`, hashing to the \
             one-time pad, and the Fujisaki–Okamoto re-encryption check `g2^H3(x, m) == c1` \
             (`bench/src/crowdnotifier.rs`). One of the keys is planted to match one check-in, \
             and exactly that trial succeeds. Per trial: pairing {}, hashing the pairing value \
             {} (`bls12_381` has no byte encoding of a target-group element, so its hex form is \
             hashed), FO check {}. {} trials were run{}. Our side is the same day through \
             `Visitor::sync_exposures`: a diary of 5 check-ins, a batch of {} records (one per \
             published key), {} syncs of one new batch each on the in-memory transport; {} CPU \
             and {} wall per sync (the wall time includes the fsync of the commit), of which \
             the core match is {} CPU. Ratios are CPU time over CPU time, both measured on \
             one thread in this run.\n",
            us(b.pairing),
            us(b.gt_hash),
            us(b.fo_check),
            thousands(b.trials as f64),
            if b.trials < b.workload_trials {
                format!(
                    " (quick run: scaled to {} by the measured per-trial CPU)",
                    thousands(b.workload_trials as f64)
                )
            } else {
                String::new()
            },
            day.records,
            day.reps,
            us(day.sync_cpu),
            ms(day.sync_wall),
            us(day.core_cpu)
        );
    }
    if let Some(w) = &r.wire {
        let _ = writeln!(
            notes,
            "**2. Wire and QR.** Our record size is the encoding of an `ExposureRecord` \
             ({} B). Cited for comparison, from the published formats: the Corona-Warn-App's \
             `CheckInProtectedReport` (protobuf: `locationIdHash`, `iv`, \
             `encryptedCheckInRecord`, `mac`) is about {CWA_RECORD_BYTES} bytes per record; \
             CrowdNotifier's `ProblematicEvent` (`identity`, `secretKeyForIdentity`, the \
             hour interval, `encryptedAssociatedData` with its nonce) is about \
             {CN_RECORD_BYTES} bytes plus the encrypted message. QR versions are the smallest \
             at level M as the CLI's encoder makes them (`venuecode::qr::encode_url`, called \
             by the bench): the URL prefix (`https://vc.example/c#`) as a byte segment and \
             the decimal payload as a numeric segment; when the version also holds the data \
             at a higher level, the encoder uses it (last column). \
             Typical venue: 20-character Chinese name and 30-character address (60 and 90 \
             bytes); maximal: 120-byte name and 200-byte address. The NHS COVID-19 poster \
             carried a JWT of about 251 characters: a {}-character JWT-shaped string in one \
             byte-mode segment, version found with the `qrcode` crate. CrowdNotifier v3's \
             version 14 at M for short names is cited.\n",
            w.record_bytes, w.nhs_chars
        );
        let _ = writeln!(
            notes,
            "| code | bytes | URL chars | QR version at M | level used |\n|---|---|---|---|---|"
        );
        for q in &w.qr {
            let _ = writeln!(
                notes,
                "| {} | {} | {} | {} | {} |",
                q.label,
                q.code_bytes,
                q.url_chars,
                qr_side(q.version),
                q.ec_level
            );
        }
        let _ = writeln!(notes);
    }
    if let Some(c) = &r.checkins {
        let _ = writeln!(
            notes,
            "**3. Check-in.** `Visitor::scan` (parse the URL, decode, verify the RA and venue \
             signatures strictly, validity, revocation) then `Visitor::check_in` (verify again, \
             purge, check out of the previous venue, encrypted insert committed with \
             `Durability::Immediate`) on a redb diary in a temporary directory; {} check-ins, \
             five a day, at 20 venues, the clock moved 288 minutes between scans so that \
             retention keeps about 14 days of entries. Percentiles by nearest rank.\n",
            c.n
        );
    }
    if let Some(s) = &r.server {
        let _ = writeln!(
            notes,
            "**4–5. Server.** `venuecode_server::Server::spawn` on a multi-threaded tokio \
             runtime ({} worker threads) in the bench process, redb store in a temporary data \
             directory, listening on 127.0.0.1; requests go over real HTTP with the client \
             library's `HttpTransport` (ureq), signed with `api::sign` where the route needs \
             it. Every write answers 2xx only after its redb transaction committed with \
             `Durability::Immediate` (fsync). The per-IP rate limit on public write routes is \
             lifted in the configuration, since every request comes from 127.0.0.1. Store \
             size is the data directory's file sizes before and after posting the batches \
             (empty store: {}). Request latency is from sending to reading the answer; the \
             batch p99 is over {} batches, so it is their maximum.\n",
            std::thread::available_parallelism().map_or(2, |n| n.get()),
            bytes(s.store_empty),
            s.ingest.requests
        );
        pg_note(&mut notes, s, &r.filesystem);
        if let Some(rp) = &s.read {
            let _ = writeln!(
                notes,
                "**6. Read path.** One batch of {} records ({} B) posted to the server, then \
                 `GET /v1/batches/{{sequence}}`, checked byte for byte, and the same bytes \
                 written as a static file for nginx (`worker_processes` = cores, \
                 `sendfile on`, access log off, keep-alive unlimited) on another loopback \
                 port, checked the same way. `wrk -t2 -c{} -d{}s --latency` against each in \
                 turn, {} round(s), median by requests/s. wrk runs on the same two cores as \
                 the server under test in both cases. Transfer: venuecode {}/s, nginx {}/s. \
                 CPU a request: user and system time (`/proc/{{pid}}/stat`) of the bench's \
                 process (the in-process server; the bench's own threads wait for wrk) and of \
                 nginx's worker processes over the median run, divided by the requests wrk \
                 completed in it: venuecode {:.1} µs, nginx {:.1} µs, `/healthz` {:.1} µs.\n",
                rp.records,
                rp.bytes,
                rp.connections,
                rp.seconds,
                rp.rounds,
                rp.ours.transfer,
                rp.nginx.transfer,
                rp.ours.cpu_us_per_request(),
                rp.nginx.cpu_us_per_request(),
                rp.health.cpu_us_per_request()
            );
            pg_read_note(&mut notes, rp);
        }
    }
    md.push_str(&notes);
    md.push_str(&notes_late);
    md
}

/// The lowest and highest of some requests/s figures, as `a–b`.
fn spread(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(0.0, f64::max);
    format!("{}–{}", thousands(lo), thousands(hi))
}

fn answers(a: &std::collections::BTreeMap<u16, u64>) -> String {
    let list: Vec<String> = a
        .iter()
        .map(|(s, n)| {
            if *s == 0 {
                format!("{n} closed without an answer")
            } else {
                format!("{n} × {s}")
            }
        })
        .collect();
    if list.is_empty() {
        "none answered".to_owned()
    } else {
        list.join(", ")
    }
}

/// Section 7 (hostile load) and the TLS row of section 6, with their notes.
fn hostile_rows(rows: &mut Vec<Row>, notes: &mut String, h: &crate::hostile::Results) {
    use crate::hostile::{BATCHES, BATCH_RECORDS, HONEST, REVOCATIONS, RSS_BOUND_MIB, WARM_UP};
    match &h.tls {
        Ok(t) => {
            let rt = t.ours.rps / t.nginx.rps.max(1e-9);
            rows.push(Row {
                id: "6",
                what: format!(
                    "… over HTTPS: the server binary's own TLS (`--tls-cert`/`--tls-key`, rustls) \
                     serving a published batch ({} B, {} records), wrk {} connections",
                    t.bytes, t.records, t.connections
                ),
                ours: wrk_figures(&t.ours),
                anchor: format!(
                    "nginx over HTTPS, same bytes, same certificate: {}",
                    wrk_figures(&t.nginx)
                ),
                ratio: format!("{} nginx", ratio(rt)),
                goal: format!("≥ {GOAL_TLS_RATIO}× nginx"),
                verdict: verdict(
                    rt >= GOAL_TLS_RATIO,
                    &format!(
                        "the {} rounds ranged {} req/s against nginx's {} on this shared \
                         machine; the server and nginx both encrypt on the two cores wrk also \
                         uses",
                        t.rounds,
                        spread(&t.ours_rounds),
                        spread(&t.nginx_rounds)
                    ),
                ),
            });
            let _ = writeln!(
                notes,
                "**6. Over TLS.** The `venuecode-server` binary (a separate process, release \
                 build, default limits) on the store of section 7, restarted with `--tls-cert` \
                 and `--tls-key`: a certificate for 127.0.0.1 issued by a CA made in the run with \
                 rcgen (ECDSA P-256). nginx (`worker_processes` = cores, `listen … ssl`, TLS 1.2 \
                 and 1.3, the same certificate and key, the configuration written by the bench) \
                 serves the same bytes as a static file; both answers were fetched over HTTPS \
                 through the client library trusting only that CA and compared byte for byte. \
                 `wrk -t2 -c{} -d{}s --latency https://…` against each in turn, {} round(s), \
                 median by requests/s (rounds: venuecode {}, nginx {} req/s); wrk's TLS \
                 handshakes happen once per connection. Transfer: venuecode {}/s, nginx {}/s.\n",
                t.connections,
                t.seconds,
                t.rounds,
                spread(&t.ours_rounds),
                spread(&t.nginx_rounds),
                t.ours.transfer,
                t.nginx.transfer
            );
        }
        Err(why) => rows.push(Row {
            id: "6",
            what: "… over HTTPS (the server's own TLS) against nginx over HTTPS".to_owned(),
            ours: "not measured".to_owned(),
            anchor: "not measured".to_owned(),
            ratio: "—".to_owned(),
            goal: format!("≥ {GOAL_TLS_RATIO}× nginx"),
            verdict: format!("not measured: {why}"),
        }),
    }
    match &h.hostile {
        Ok(x) => {
            let phase_row = |c: &crate::hostile::Phase, a: &crate::hostile::Phase, what: String| {
                let rt = a.per_second() / c.per_second().max(1e-9);
                let failed = a.failures;
                let mut why = Vec::new();
                if failed > 0 {
                    why.push(format!(
                        "{failed} honest request(s) failed, first: {}",
                        a.first_failure.clone().unwrap_or_default()
                    ));
                }
                if rt < GOAL_HOSTILE_RATIO {
                    let two_cores = 2.0 * x.attack_wall.as_secs_f64();
                    why.push(format!(
                        "each phone waits for its requests one after another, and under attack \
                         each takes longer (p50 {}, p99 {}); CPU does not explain it alone: while \
                         the attackers ran ({}), the server used {} ({:.0}% of two cores) and the \
                         attackers' thread {}, so honest requests wait behind the attackers' work \
                         inside the server (the 8 MiB bodies under a copied HA key id are read \
                         and hashed before their signature fails: the hashing runs on a thread \
                         of its own at a lower priority, and an address whose large body failed \
                         gets 429 from the headers for its next ones until the bytes hashed in \
                         vain have drained at 256 KiB/s; reading the bodies, the slowloris \
                         connections and the registration flood stay on the worker threads)",
                        ratio(a.p50.as_secs_f64() / c.p50.as_secs_f64().max(1e-9)),
                        ratio(a.p99.as_secs_f64() / c.p99.as_secs_f64().max(1e-9)),
                        ms(x.attack_wall),
                        ms(x.server_cpu_attack),
                        100.0 * x.server_cpu_attack.as_secs_f64() / two_cores.max(1e-9),
                        ms(x.attacker_cpu)
                    ));
                }
                let fig = |p: &crate::hostile::Phase| {
                    format!(
                        "{} req/s ({} rounds/s); p50 {}, p99 {}; {} of {} failed",
                        thousands(p.per_second()),
                        thousands(p.rounds_per_second()),
                        ms(p.p50),
                        ms(p.p99),
                        p.failures,
                        p.requests
                    )
                };
                Row {
                    id: "7",
                    what,
                    ours: fig(a),
                    anchor: format!("same phones, no attack, same run: {}", fig(c)),
                    ratio: format!(
                        "{} throughput; p50 {}, p99 {}",
                        ratio(rt),
                        ratio(a.p50.as_secs_f64() / c.p50.as_secs_f64().max(1e-9)),
                        ratio(a.p99.as_secs_f64() / c.p99.as_secs_f64().max(1e-9))
                    ),
                    goal: format!("≥ {GOAL_HOSTILE_RATIO}× and no honest request fails"),
                    verdict: verdict(rt >= GOAL_HOSTILE_RATIO && failed == 0, &why.join("; ")),
                }
            };
            let (c, a) = (&x.calm, &x.attacked);
            rows.push(phase_row(
                c,
                a,
                format!(
                    "Honest phones under attack: {HONEST} phones through the client library \
                     (check-in, `Visitor::sync` with checkpoint and revocation pages, batch and \
                     revocation-page reads), paced at {} rounds/s in all (half their unpaced \
                     rate in this run), for {} s while slowloris heads, slow bodies, large \
                     unsigned bodies and a registration flood come from other loopback \
                     addresses of the same machine",
                    thousands(c.paced.unwrap_or(0.0)),
                    x.seconds
                ),
            ));
            rows.push(phase_row(
                &x.calm_max,
                &x.attacked_max,
                "… the same phones as fast as they go (closed loop), right after".to_owned(),
            ));
            let peak_rss = a.peak_rss_kib.max(x.attacked_max.peak_rss_kib);
            let peak_fds = a.peak_fds.max(x.attacked_max.peak_fds);
            let calm_rss = c.peak_rss_kib.max(x.calm_max.peak_rss_kib);
            let calm_fds = c.peak_fds.max(x.calm_max.peak_fds);
            let peak_mib = peak_rss.max(x.hwm_kib) as f64 / 1024.0;
            rows.push(Row {
                id: "7",
                what: "… the server process meanwhile (`/proc/{pid}/status`, `/proc/{pid}/fd`)"
                    .to_owned(),
                ours: format!(
                    "peak VmRSS {} (VmHWM {}), peak {} descriptors",
                    mib(peak_rss),
                    mib(x.hwm_kib),
                    peak_fds
                ),
                anchor: format!(
                    "idle: VmRSS {}, {} descriptors; no attack: peak VmRSS {}, {} descriptors",
                    mib(x.idle_rss_kib),
                    x.idle_fds,
                    mib(calm_rss),
                    calm_fds
                ),
                ratio: format!(
                    "{} the unattacked peak",
                    ratio(peak_rss as f64 / (calm_rss as f64).max(1.0))
                ),
                goal: format!("< {RSS_BOUND_MIB} MiB"),
                verdict: verdict(
                    peak_mib < RSS_BOUND_MIB as f64,
                    &format!(
                        "held at once: up to four 8 MiB bodies being read under a copied HA key \
                         id, 100 slow bodies and 320 slow heads; the limits the server is \
                         configured with bound it at the idle {} + 1,024 heads × 64 KiB + \
                         256 MiB of bodies in flight ≈ {}, which held",
                        mib(x.idle_rss_kib),
                        mib(x.idle_rss_kib + 64 * 1024 + 256 * 1024)
                    ),
                ),
            });
            let t = &x.attacks;
            let _ = writeln!(
                notes,
                "**7. Hostile load.** The `venuecode-server` binary (release build, a separate \
                 process, every limit at its default: 1,024 connections and 64 per address, a \
                 10 s header deadline, 4 KiB/s minimum body rate after 5 s, 256 MiB of bodies \
                 in flight, 60 registrations an hour per address and 120 a minute in all) on \
                 loopback, its store holding {REVOCATIONS} revocations (written through the \
                 storage API before the start; two pages) and {BATCHES} published batches of \
                 {BATCH_RECORDS} records with the HA's checkpoint. {HONEST} honest phones on \
                 127.0.0.1, each a thread with its own diary (redb, durable) and connection, \
                 synced once before the measurements (every batch, both revocation pages) and \
                 run for {WARM_UP} rounds, so that each diary holds its steady 14 days of check-ins \
                 in every phase; then each round: the phone's clock moves 288 minutes (five \
                 check-ins a day), a check-in at the next of 20 venues (`Visitor::scan_and_check_in`), \
                 `Visitor::sync` (trust bundle, revocations after the cursor, checkpoint, batch \
                 list), and reads of a published batch, a revocation page (from 0 or 10,000) \
                 and the checkpoint. Every request of the phones goes through a transport that \
                 reads the answer whole and times it from sending to the last byte; a failure \
                 is a network error or any status but 200 or 304 (404 from the trust-bundle \
                 route, which this server does not publish, is expected), or a check-in or \
                 sync that did not succeed. One run, four phases of {} s: the phones as fast as \
                 they go with no attack; paced (each phone starts a round on a fixed schedule, \
                 at once when the previous round ran late) at half the rate they reached; then \
                 with the attackers (started 1 s before) paced as before, and as fast as they \
                 go: {}, {}, {} and {} honest requests. The attackers, one \
                 thread on the same machine, from 127.0.0.2 upwards: 320 slowloris \
                 connections from five addresses, each sending a header line a second and \
                 reopened when closed ({} opened, {} closed by the server); 100 slow bodies \
                 from four addresses, each a 1 MiB `POST /v1/batches` under an HA key id and \
                 fresh timestamp copied from a genuine request, trickled at 640 B/s ({} sent; \
                 answers: {}); 8 tasks of large bodies, each from an address of its own, \
                 alternately 64 MiB with no envelope and 8 MiB under a copied HA envelope, sent \
                 as fast as the server reads them ({} sent, {} written; answers: {}; 401 for a \
                 body with no envelope, from its headers, or an 8 MiB one read and hashed before \
                 its signature failed, 429 from the headers while its address still owes the \
                 bytes hashed in vain); and a registration flood of signed \
                 registrations, each with a fresh key, from five addresses at up to 100 a second \
                 each ({} sent; answers: {}). Memory and descriptors are sampled every 50 ms \
                 from `/proc`; VmHWM is the process's peak over its whole life. The bound of \
                 {RSS_BOUND_MIB} MiB: the attackers can hold at most 1,024 connections with a \
                 64 KiB head buffer each (64 MiB) and bodies read under the in-flight budget, \
                 over an idle server of {}. A paced phone's round took p50 {}, p99 {} with \
                 no attack and p50 {}, p99 {} under attack. CPU: the server used {} in the \
                 unpaced phase with no attack ({} s), {} while the attackers ran ({}), and the \
                 attackers' thread {}.\n",
                x.seconds,
                x.calm_max.requests,
                c.requests,
                a.requests,
                x.attacked_max.requests,
                t.slowloris_opened,
                t.slowloris_closed,
                t.slow_bodies,
                answers(&t.slow_body_answers),
                t.large_bodies,
                bytes(t.large_body_bytes_sent),
                answers(&t.large_answers),
                t.registrations,
                answers(&t.registration_answers),
                mib(x.idle_rss_kib),
                ms(c.round_p50),
                ms(c.round_p99),
                ms(a.round_p50),
                ms(a.round_p99),
                ms(x.calm_max.server_cpu),
                x.seconds,
                ms(x.server_cpu_attack),
                ms(x.attack_wall),
                ms(x.attacker_cpu)
            );
        }
        Err(why) => rows.push(Row {
            id: "7",
            what: "Honest phones under attack".to_owned(),
            ours: "not measured".to_owned(),
            anchor: "not measured".to_owned(),
            ratio: "—".to_owned(),
            goal: format!("≥ {GOAL_HOSTILE_RATIO}× and no honest request fails"),
            verdict: format!("not measured: {why}"),
        }),
    }
}

/// How the write paths were measured on PostgreSQL, and what that server reported.
fn pg_note(notes: &mut String, s: &ServerResults, filesystem: &str) {
    let p = match &s.pg {
        Ok(p) => p,
        Err(why) => {
            let _ = writeln!(notes, "**5. On PostgreSQL.** Not measured: {why}.\n");
            return;
        }
    };
    let i = &p.info;
    let (n, _) = machine();
    let place = match i.server_addr.as_deref() {
        Some(a) if a.starts_with("127.") || a == "::1" => format!(
            "It answered on {a}, a loopback address, so it runs on this machine and shares \
             its {n} cores with the bench process (the Venuecode server and its clients) and \
             wrk"
        ),
        Some(a) => format!("It answered on {a}"),
        None => format!(
            "It answered on a Unix socket, so it runs on this machine and shares its {n} \
             cores with the bench process (the Venuecode server and its clients) and wrk"
        ),
    };
    let disk = match &i.data_filesystem {
        Some(fs) if fs == filesystem => format!(
            "its data directory is on {fs}, the file system of the bench's temporary files, \
             so its fsyncs reach the same device as redb's"
        ),
        Some(fs) => format!("its data directory is on {fs}"),
        None => {
            "its data directory could not be read (`data_directory` needs a superuser)".to_owned()
        }
    };
    let others = match p.others_after {
        Some(after) => format!(
            "{} when the PostgreSQL runs began, {after} when they ended",
            i.others_before
        ),
        None => format!("{} when the PostgreSQL runs began", i.others_before),
    };
    let _ = writeln!(
        notes,
        "**5. On PostgreSQL.** A second in-process server with the same configuration except \
         `postgres_url` (so its store is PostgreSQL, through a pool of at most {} connections, \
         the default), on a database created empty for this run (`CREATE DATABASE \
         venuecode_bench_<pid>_<time>`; the server creates its schema on open) on the \
         PostgreSQL server that `{}` names, and dropped at the end of the run: every run \
         starts from an empty database. `bench/run.sh` sets the variable with \
         `eval \"$(scripts/postgres.sh)\"`, which starts or reuses a private cluster on \
         127.0.0.1. The server on PostgreSQL gets the same workloads after the redb \
         server's, while that one sits idle: the same {} batches byte for byte, {} TAN \
         uploads (after registering their TANs) and {} venue registrations, over the same \
         HTTP client. The ratio column is PostgreSQL's throughput over redb's in this run. \
         The server is {} (`SELECT version()`). {place}; {disk}. Durability as the server \
         reports it (`current_setting`): `fsync` {}, `synchronous_commit` {}, \
         `full_page_writes` {}, `wal_sync_method` {}. `scripts/postgres.sh` writes \
         `fsync = on` and `synchronous_commit = on` into its cluster's `postgresql.conf` \
         (its `initdb --no-sync` only skips initdb's own final flush), and the server's \
         store sets `synchronous_commit = on` on every connection, so each write answers 2xx \
         only after its transaction's WAL was flushed, as each redb write answers after its \
         fsync. Other client connections open on that PostgreSQL server: {others} (the \
         cluster `scripts/postgres.sh` starts is also the one `scripts/test.sh` uses).\n",
        p.connections,
        crate::pg::URL_VAR,
        p.ingest.requests,
        p.uploads.requests,
        p.registrations.requests,
        i.version,
        i.fsync,
        i.synchronous_commit,
        i.full_page_writes,
        i.wal_sync_method,
    );
}

/// How the read path was measured on PostgreSQL, and what the batch cache does to it.
fn pg_read_note(notes: &mut String, rp: &ReadPath) {
    let p = match &rp.pg {
        Ok(p) => p,
        Err(why) => {
            let _ = writeln!(notes, "**6. On PostgreSQL.** Not measured: {why}.\n");
            return;
        }
    };
    let cached = p.cached.rps / rp.ours.rps.max(1e-9);
    let verdict = if (0.9..=1.1).contains(&cached) {
        format!(
            "The two are within 10 % of each other ({}): with the cache on, the store makes no \
             difference to this path.",
            ratio(cached)
        )
    } else {
        format!(
            "The two differ by more than 10 % ({}), although neither touches its store after \
             the first request, so the difference is not the store's.",
            ratio(cached)
        )
    };
    let _ = writeln!(
        notes,
        "**6. On PostgreSQL.** The same batch posted to the server on PostgreSQL (section 5) \
         and served by it, checked byte for byte. Its first `GET` reads the batch from \
         PostgreSQL once and keeps it in the server's in-memory batch cache (on by default, \
         `batch_cache_bytes`), as the redb server's first `GET` does; every later request is \
         answered from that cache without touching the store, so with the cache on wrk \
         measures the same cache and HTTP path on both backends: {} req/s on PostgreSQL, {} \
         on redb. {verdict} To see what the cache hides, two more servers run with the cache \
         off (`batch_cache_bytes = 0`), so that every request reads the store: one on redb \
         (a data directory of its own, the same batch posted to it) and a second replica on \
         the same PostgreSQL database, serving the batch the first one posted: {} req/s on \
         PostgreSQL ({}), {} req/s on redb ({}), so {} redb. Each round runs wrk against \
         the redb server, nginx, the server on PostgreSQL, then the redb and PostgreSQL \
         servers without cache; medians by requests/s. Transfer on PostgreSQL: {}/s with \
         the cache, {}/s without.\n",
        thousands(p.cached.rps),
        thousands(rp.ours.rps),
        thousands(p.uncached.rps),
        percentiles(&p.uncached),
        thousands(p.redb_uncached.rps),
        percentiles(&p.redb_uncached),
        ratio(p.uncached.rps / p.redb_uncached.rps.max(1e-9)),
        p.cached.transfer,
        p.uncached.transfer
    );
}
