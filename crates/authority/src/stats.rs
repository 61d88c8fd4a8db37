//! Statistics for the authority: the server's three documents (venues by region and category,
//! exposure batches by day, counted visits by region, category and day) fetched whole, typed,
//! and filtered by region, category and a date range. Showing them (dates, region names) is
//! the app's.

use serde::{Deserialize, Serialize};
use venuecode_client::api;
use venuecode_client::error::ErrorCode;
use venuecode_client::regions;
use venuecode_client::transport::{Request, Transport};
use venuecode_protocol::api::{CountStats, ExposureStats, VenueStats};
use venuecode_protocol::VenueCategory;

use crate::{parse_answer, AuthorityError, Result};

/// A region to keep: a province-level or prefecture-level unit of the GB/T 2260 table
/// ([`venuecode_client::regions`]); rows of the codes under it are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionFilter {
    /// The unit's six-digit code (440000 or 440300).
    pub code: u32,
    /// Whether it is a province-level unit (else a prefecture-level one).
    pub province: bool,
}

impl RegionFilter {
    /// Reads a region as typed: a province (`44` or `440000`) or a prefecture (`4403` or
    /// `440300`) the table holds. A county code (`440305`), another length or a code not in
    /// the table is an error naming what is accepted.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        let bad = || AuthorityError::RegionNotAFilter { text: t.to_owned() };
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u32 = t.parse().map_err(|_| bad())?;
        let code = match t.len() {
            2 => n * 10_000,
            4 => n * 100,
            6 if n.is_multiple_of(100) => n,
            _ => return Err(bad()),
        };
        let division = regions::division(code).ok_or(AuthorityError::RegionNotInTable { code })?;
        Ok(Self {
            code,
            province: division.is_province(),
        })
    }

    /// Whether a row's region code lies in this unit.
    pub fn matches(&self, region: u32) -> bool {
        if self.province {
            region / 10_000 == self.code / 10_000
        } else {
            region / 100 == self.code / 100
        }
    }
}

/// What to keep of the statistics. Dates are Unix days: an exposure row's day (UTC, the day the
/// batches arrived) and a count row's epoch (the venue's local day) must lie in
/// `from..=until`; venue rows have no date and are kept whatever the range. Exposure rows have
/// no region or category and are kept whatever those filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsFilter {
    /// Region.
    pub region: Option<RegionFilter>,
    /// Category slug (`restaurant`).
    pub category: Option<String>,
    /// First day kept.
    pub from: Option<u32>,
    /// Last day kept.
    pub until: Option<u32>,
}

impl StatsFilter {
    /// A filter, checked: the category is one of the protocol's slugs, and `from` is not after
    /// `until`.
    pub fn new(
        region: Option<RegionFilter>,
        category: Option<&str>,
        from: Option<u32>,
        until: Option<u32>,
    ) -> Result<Self> {
        if let Some(c) = category {
            if VenueCategory::from_slug(c).is_none() {
                return Err(AuthorityError::UnknownCategory { slug: c.to_owned() });
            }
        }
        if let (Some(f), Some(u)) = (from, until) {
            if f > u {
                return Err(AuthorityError::DateRange { from: f, until: u });
            }
        }
        Ok(Self {
            region,
            category: category.map(str::to_owned),
            from,
            until,
        })
    }

    fn region_ok(&self, region: u32) -> bool {
        self.region.is_none_or(|r| r.matches(region))
    }

    fn category_ok(&self, category: &str) -> bool {
        self.category.as_deref().is_none_or(|c| c == category)
    }

    fn day_ok(&self, day: u32) -> bool {
        self.from.is_none_or(|f| day >= f) && self.until.is_none_or(|u| day <= u)
    }
}

/// The three statistics documents, every page fetched (`next` is `None` in each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    /// Current certificates by region and category.
    pub venues: VenueStats,
    /// Exposure batches and records by the UTC day they arrived.
    pub exposures: ExposureStats,
    /// Counted visits by region, category and venue-local day; `None` when the server does not
    /// count visits.
    pub counts: Option<CountStats>,
}

impl Statistics {
    /// The rows `filter` keeps.
    pub fn filtered(mut self, filter: &StatsFilter) -> Self {
        self.venues
            .by_region
            .retain(|r| filter.region_ok(r.region) && filter.category_ok(&r.category));
        self.exposures.by_day.retain(|r| filter.day_ok(r.day.get()));
        if let Some(c) = &mut self.counts {
            c.rows.retain(|r| {
                filter.region_ok(r.region)
                    && filter.category_ok(&r.category)
                    && filter.day_ok(r.epoch.get())
            });
        }
        self
    }
}

/// Fetches every page of one statistics document (`venues`, `exposures` or `counts`).
fn pages<T, R>(
    t: &dyn Transport,
    which: &str,
    rows: impl Fn(&mut T) -> &mut Vec<R>,
    next: impl Fn(&mut T) -> &mut Option<String>,
) -> Result<T>
where
    T: serde::de::DeserializeOwned,
{
    let mut doc: Option<T> = None;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/stats/{which}?limit=1000&after={a}"),
            None => format!("/v1/stats/{which}?limit=1000"),
        };
        let resp = api::check(t.send(Request::get(path))?)?;
        let body = api::read_body(resp, 1024 * 1024)?;
        let mut page: T = parse_answer(&body, "statistics")?;
        // A cursor that does not move would loop for ever.
        let cursor = next(&mut page)
            .take()
            .filter(|n| Some(n.as_str()) != after.as_deref());
        match &mut doc {
            Some(acc) => {
                let more = std::mem::take(rows(&mut page));
                rows(acc).extend(more);
            }
            None => doc = Some(page),
        }
        match cursor {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    doc.ok_or(AuthorityError::BadAnswer {
        what: "statistics",
        reason: "no page".to_owned(),
    })
}

/// Fetches the three statistics documents whole (the statistics routes are public).
pub fn fetch_statistics(t: &dyn Transport) -> Result<Statistics> {
    let venues = pages(
        t,
        "venues",
        |d: &mut VenueStats| &mut d.by_region,
        |d| &mut d.next,
    )?;
    let exposures = pages(
        t,
        "exposures",
        |d: &mut ExposureStats| &mut d.by_day,
        |d| &mut d.next,
    )?;
    let counts = match pages(
        t,
        "counts",
        |d: &mut CountStats| &mut d.rows,
        |d| &mut d.next,
    ) {
        Ok(c) => Some(c),
        Err(AuthorityError::Client(venuecode_client::Error::Server {
            code: ErrorCode::CountsDisabled,
            ..
        })) => None,
        Err(e) => return Err(e),
    };
    Ok(Statistics {
        venues,
        exposures,
        counts,
    })
}

/// `2026-11-25` for a Unix day (the proleptic Gregorian calendar), for messages.
pub fn day_text(day: u32) -> String {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::api::{CountStatsRow, ExposureStatsRow, VenueStatsRow};
    use venuecode_protocol::time::Epoch;

    fn sample() -> Statistics {
        let venue = |region: u32, category: &str| VenueStatsRow {
            region,
            category: category.to_owned(),
            active: 1,
            revoked: 0,
        };
        let count = |region: u32, epoch: u32| CountStatsRow {
            region,
            category: "restaurant".to_owned(),
            epoch: Epoch::new(epoch),
            count: 3,
        };
        Statistics {
            venues: VenueStats {
                by_region: vec![
                    venue(440305, "restaurant"),
                    venue(440105, "restaurant"),
                    venue(620105, "pharmacy"),
                ],
                next: None,
            },
            exposures: ExposureStats {
                by_day: vec![
                    ExposureStatsRow {
                        day: Epoch::new(20_000),
                        batches: 1,
                        records: 4,
                    },
                    ExposureStatsRow {
                        day: Epoch::new(20_003),
                        batches: 2,
                        records: 8,
                    },
                ],
                next: None,
            },
            counts: Some(CountStats {
                rows: vec![count(440305, 20_000), count(620105, 20_002)],
                next: None,
            }),
        }
    }

    #[test]
    fn regions_are_read_at_province_and_prefecture_level_from_the_table() {
        let gd = RegionFilter::parse("44").unwrap();
        assert_eq!(gd, RegionFilter::parse("440000").unwrap());
        assert!(gd.province && gd.matches(440305) && gd.matches(440105) && !gd.matches(620105));
        let sz = RegionFilter::parse("4403").unwrap();
        assert_eq!(sz, RegionFilter::parse("440300").unwrap());
        assert!(!sz.province && sz.matches(440305) && !sz.matches(440105));
        // Not in the table: a prefix no province has, a prefecture that does not exist.
        assert!(matches!(
            RegionFilter::parse("99"),
            Err(AuthorityError::RegionNotInTable { code: 990000 })
        ));
        assert!(matches!(
            RegionFilter::parse("4499"),
            Err(AuthorityError::RegionNotInTable { code: 449900 })
        ));
        for bad in ["440305", "4", "44030", "shenzhen", "", "-44"] {
            let err = RegionFilter::parse(bad).unwrap_err();
            assert!(
                matches!(err, AuthorityError::RegionNotAFilter { .. }),
                "{bad}: {err}"
            );
        }
        let shown = RegionFilter::parse("99").unwrap_err().to_string();
        assert!(shown.contains("990000"), "{shown}");
    }

    #[test]
    fn filters_keep_the_rows_of_their_region_category_and_dates() {
        let f = StatsFilter::new(
            Some(RegionFilter::parse("4403").unwrap()),
            None,
            Some(20_000),
            Some(20_001),
        )
        .unwrap();
        let s = sample().filtered(&f);
        assert_eq!(
            s.venues
                .by_region
                .iter()
                .map(|r| r.region)
                .collect::<Vec<_>>(),
            vec![440305]
        );
        assert_eq!(
            s.exposures
                .by_day
                .iter()
                .map(|r| r.day.get())
                .collect::<Vec<_>>(),
            vec![20_000]
        );
        assert_eq!(s.counts.unwrap().rows.len(), 1);
        let f = StatsFilter::new(None, Some("pharmacy"), None, None).unwrap();
        let s = sample().filtered(&f);
        assert_eq!(s.venues.by_region.len(), 1);
        assert_eq!(s.venues.by_region[0].region, 620105);
        assert_eq!(s.exposures.by_day.len(), 2);
        assert!(s.counts.unwrap().rows.is_empty());
        assert_eq!(sample().filtered(&StatsFilter::default()), sample());
    }

    #[test]
    fn a_reversed_date_range_and_an_unknown_category_are_refused() {
        let err = StatsFilter::new(None, None, Some(20_417), Some(20_416)).unwrap_err();
        assert!(matches!(
            err,
            AuthorityError::DateRange {
                from: 20_417,
                until: 20_416
            }
        ));
        assert_eq!(
            err.to_string(),
            "the date range starts after it ends: from 2025-11-25 until 2025-11-24"
        );
        assert!(StatsFilter::new(None, None, Some(5), Some(5)).is_ok());
        assert!(matches!(
            StatsFilter::new(None, Some("noodles"), None, None),
            Err(AuthorityError::UnknownCategory { .. })
        ));
    }
}
