//! Check-in latency: parse and strictly verify a scanned code, then the durable diary write,
//! through `Visitor::scan` + `Visitor::check_in` on a redb diary in a temporary directory.

use std::path::Path;
use std::time::{Duration, Instant};

use venuecode_client::{CheckInStatus, DiaryKey, ManualClock, MemoryServer, Visitor};
use venuecode_protocol::code::DEFAULT_BASE_URL;

use crate::fixture::{self, Authorities, BenchVenue, T0};
use crate::util::percentile;
use crate::BenchResult;

pub struct CheckIns {
    pub n: usize,
    pub scan_p50: Duration,
    pub scan_p99: Duration,
    pub total_p50: Duration,
    pub total_p99: Duration,
    pub max_entries: usize,
}

/// `n` check-ins, five a day (a scan every 288 minutes), cycling through 20 venues; the
/// diary's retention keeps it at about 14 days of entries.
pub fn run(n: usize, work: &Path) -> BenchResult<CheckIns> {
    let auth = Authorities::fixed()?;
    let venues: Vec<BenchVenue> = (0..20)
        .map(|i| BenchVenue::new(&auth, 3000 + i, fixture::typical_info()?))
        .collect::<BenchResult<_>>()?;
    let urls: Vec<String> = venues
        .iter()
        .map(|v| v.static_code().map(|c| c.to_url(DEFAULT_BASE_URL)))
        .collect::<BenchResult<_>>()?;
    let clock = ManualClock::at_minute(T0);
    let visitor = Visitor::open(
        work.join("diary-checkin.redb"),
        DiaryKey::from_bytes(fixture::DIARY_KEY),
        auth.visitor_config()?,
        clock.clone(),
        MemoryServer::new(),
    )?;
    let mut scans = Vec::with_capacity(n);
    let mut totals = Vec::with_capacity(n);
    let mut max_entries = 0;
    for i in 0..n {
        clock.advance_minutes(288);
        let url = urls.get(i % urls.len()).ok_or("no url")?;
        let t0 = Instant::now();
        let preview = visitor.scan(url)?;
        let t1 = Instant::now();
        let done = visitor.check_in(&preview)?;
        let t2 = Instant::now();
        if done.status != CheckInStatus::CheckedIn {
            return Err("a check-in did not create an entry".into());
        }
        scans.push(t1 - t0);
        totals.push(t2 - t0);
        if i % 10 == 0 {
            max_entries = max_entries.max(visitor.all_entries()?.len());
        }
    }
    Ok(CheckIns {
        n,
        scan_p50: percentile(&scans, 50.0),
        scan_p99: percentile(&scans, 99.0),
        total_p50: percentile(&totals, 50.0),
        total_p99: percentile(&totals, 99.0),
        max_entries,
    })
}
