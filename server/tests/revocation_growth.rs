//! Issue 11, item 5: growth of the count tags and of the statistics an attacker can drive. With
//! 100,000 count tags registered, every count and statistics query answers a bounded page from
//! totals kept at write time, reading only the rows it returns (the stores count them); tags for
//! epochs out of the window are refused, and purging drops expired tags and totals. On memory,
//! redb and PostgreSQL at the storage level, and over HTTP on the default (redb) store. The
//! revocation log's paging is `chain.rs`'s `revocation_growth_is_served_in_pages_without_rollback`.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::clock::on_one_day;
use venuecode_testkit::server as common;
mod pg;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{now, Harness};
use venuecode_server::storage::{MemoryStorage, VenueRecord};
use venuecode_server::{PgStorage, RedbStorage, Storage};
use venuecode_server::{MAX_COUNT_DAYS, MAX_STATS_PAGE};

/// Venues filing tags, each in a region of its own.
const VENUES: u64 = 100;
/// Tags each venue files: 100,000 in all.
const TAGS_PER_VENUE: u32 = 1_000;
/// Epochs the tags spread over (the retention window of 14 days and today).
const EPOCHS: u32 = 15;
/// Pings counted.
const PINGS: u32 = 300;

fn venue(serial: u64) -> VenueRecord {
    VenueRecord {
        serial,
        certificate: serial.to_be_bytes().to_vec(),
        venue_key: [serial as u8; 32],
        region: 100_000 + serial as u32,
        category: (serial % 10) as u8,
        issued_at: now(),
        revoked: None,
        superseded_by: None,
    }
}

fn key_id(serial: u64) -> [u8; 8] {
    (0xc0de_0000_0000_0000 | serial).to_be_bytes()
}

fn tag(serial: u64, i: u32) -> [u8; 16] {
    let mut t = [0u8; 16];
    t[..8].copy_from_slice(&serial.to_be_bytes());
    t[8..12].copy_from_slice(&i.to_be_bytes());
    t
}

/// Serials `first..first + VENUES`, each filing `TAGS_PER_VENUE` tags over the `EPOCHS` epochs
/// up to `today`, and `PINGS` pings; returns the expected totals by (region, category, epoch).
fn fill(store: &dyn Storage, first: u64, today: u32) -> BTreeMap<(u32, u8, u32), u64> {
    let venues: Vec<VenueRecord> = (first..first + VENUES).map(venue).collect();
    store.insert_venues(&venues).unwrap();
    let mut want = BTreeMap::new();
    for v in &venues {
        let tags: Vec<(u32, [u8; 16])> = (0..TAGS_PER_VENUE)
            .map(|i| (today - i % EPOCHS, tag(v.serial, i)))
            .collect();
        let n = store
            .register_count_tags(key_id(v.serial), v.serial, &tags)
            .unwrap();
        assert_eq!(n, TAGS_PER_VENUE as usize);
        for e in 0..EPOCHS {
            want.insert((v.region, v.category, today - e), 0);
        }
    }
    for p in 0..PINGS {
        let serial = first + u64::from(p) % VENUES;
        let i = p % TAGS_PER_VENUE;
        assert!(store
            .add_count(today, key_id(serial), tag(serial, i))
            .unwrap());
        let v = venue(serial);
        *want
            .get_mut(&(v.region, v.category, today - i % EPOCHS))
            .unwrap() += 1;
    }
    want
}

/// Every count statistics row, page by page, checking that each page read only its rows.
fn all_count_rows(store: &dyn Storage, limit: usize) -> BTreeMap<(u32, u8, u32), u64> {
    let mut got = BTreeMap::new();
    let mut after = None;
    loop {
        let before = store.stats_rows_read();
        let page = store.count_stats_page(after, limit).unwrap();
        assert!(page.len() <= limit);
        assert_eq!(
            store.stats_rows_read() - before,
            page.len() as u64,
            "a page reads only the rows it returns"
        );
        for r in &page {
            assert!(got
                .insert((r.region, r.category, r.epoch), r.count)
                .is_none());
        }
        match page.last() {
            Some(r) if page.len() == limit => after = Some((r.region, r.category, r.epoch)),
            _ => return got,
        }
    }
}

#[test]
fn revocation_growth_count_tags_and_stats_stay_bounded_on_every_store() {
    let today = 20_000;
    let check = |store: Arc<dyn Storage>| {
        let want = fill(&*store, 1, today);
        // 100,000 tags and 300 pings make 1,500 rows of totals, whatever the tag count.
        assert_eq!(want.len(), (VENUES as usize) * EPOCHS as usize);

        let before = store.stats_rows_read();
        let first = store.count_stats_page(None, 100).unwrap();
        assert_eq!(first.len(), 100);
        assert_eq!(store.stats_rows_read() - before, 100);
        assert_eq!(all_count_rows(&*store, MAX_STATS_PAGE), want);
        assert_eq!(all_count_rows(&*store, 7), want);

        let before = store.stats_rows_read();
        let venues = store.venue_stats_page(None, 10).unwrap();
        assert_eq!(venues.len(), 10);
        assert_eq!(store.stats_rows_read() - before, 10);
        let last = venues.last().unwrap();
        let rest = store
            .venue_stats_page(Some((last.region, last.category)), 1_000)
            .unwrap();
        assert_eq!(rest.len(), VENUES as usize - 10);
        assert!(rest.iter().all(|r| (r.active, r.revoked) == (1, 0)));
        // A revocation and an update move the totals at write time.
        store.revoke_venue(1, 2, 1).unwrap();
        let mut update = venue(1_000);
        update.region = venue(2).region;
        update.category = venue(2).category;
        update.venue_key = [2; 32];
        store.supersede_venue(2, &update, 3, 1).unwrap();
        let rows = store.venue_stats_page(None, 2).unwrap();
        let rows: Vec<_> = rows
            .iter()
            .map(|r| (r.region, r.active, r.revoked))
            .collect();
        assert_eq!(rows, [(100_001, 0, 1), (100_002, 1, 0)]);

        // The public per-tag count query is one index range of at most MAX_COUNT_DAYS + 1 days.
        let c = store
            .counts(key_id(1), tag(1, 0), today - MAX_COUNT_DAYS, today)
            .unwrap();
        assert_eq!(c, [(today, 1)]);

        // Purging at the window's start drops older tags and their totals.
        let cutoff_day = today - 9;
        store.purge(0, 0, cutoff_day, 0).unwrap();
        let kept = all_count_rows(&*store, MAX_STATS_PAGE);
        assert_eq!(kept.len(), (VENUES as usize) * 10);
        assert!(kept.keys().all(|(_, _, e)| *e >= cutoff_day));
        // A ping for a purged tag (epoch today − 10) is no longer counted.
        assert!(!store.add_count(today, key_id(5), tag(5, 10)).unwrap());
        assert!(store.add_count(today, key_id(5), tag(5, 9)).unwrap());
    };
    // The three stores side by side: each counts its own rows read.
    let dir = tempfile::tempdir().unwrap();
    let db = pg::TestDb::new();
    let stores: [Arc<dyn Storage>; 3] = [
        Arc::new(MemoryStorage::new()),
        Arc::new(RedbStorage::open(dir.path()).unwrap()),
        Arc::new(PgStorage::open(&db.url, 4).unwrap()),
    ];
    std::thread::scope(|s| {
        for store in stores {
            s.spawn(|| check(store));
        }
    });
}

#[test]
fn revocation_growth_count_and_stats_routes_answer_bounded_pages() {
    // The epochs out of the window are counted from the server's today: a run across
    // UTC midnight is run again (testkit::clock).
    on_one_day(|today| {
        let mut h = Harness::start_with(|c| c.counts = true);
        let (key, serial, _) = h.counting_venue("Counting Venue", &[[0xab; 16]]);
        let path = format!("/v1/venues/{serial}/count-tags");
        // Epochs out of the window are refused, the farthest first.
        for epoch in [u32::MAX, u32::MAX - 1, today + 2, today - 15, 0] {
            let r = h.signed(
                &key,
                "POST",
                &path,
                &Harness::count_tags(&[(epoch, [1; 16])]),
            );
            assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{epoch}");
        }
        h.stop();
        let want = {
            let store = RedbStorage::open(&h.data_dir()).unwrap();
            fill(&store, 1_000, today)
        };
        h.launch();

        // Every page of count statistics is bounded in rows and bytes; `next` walks them all.
        let mut rows = 0;
        let mut pages = 0;
        let mut next: Option<String> = None;
        let mut total = 0u64;
        loop {
            let q = match &next {
                Some(n) => format!("/v1/stats/counts?limit=400&after={n}"),
                None => "/v1/stats/counts?limit=400".to_owned(),
            };
            let r = h.get(&q);
            assert_eq!(r.status, 200);
            assert!(r.body.len() < 400 * 100, "{} bytes", r.body.len());
            let j = r.json();
            let list = j["rows"].as_array().unwrap();
            assert!(list.len() <= 400);
            rows += list.len();
            total += list
                .iter()
                .map(|r| r["count"].as_u64().unwrap())
                .sum::<u64>();
            pages += 1;
            match j["next"].as_str() {
                Some(n) => next = Some(n.to_owned()),
                None => break,
            }
        }
        // The harness venue's row and the 1,500 of the filled venues.
        assert_eq!((rows, pages), (want.len() + 1, 4));
        assert_eq!(total, u64::from(PINGS));

        // The default page and the largest stay within about 100 KiB.
        let r = h.get("/v1/stats/counts");
        assert!(r.body.len() < 64 * 1024);
        assert_eq!(r.json()["rows"].as_array().unwrap().len(), 500);
        let r = h.get(&format!("/v1/stats/counts?limit={MAX_STATS_PAGE}"));
        assert!(r.body.len() < 100 * 1024, "{} bytes", r.body.len());
        assert_eq!(r.json()["rows"].as_array().unwrap().len(), MAX_STATS_PAGE);

        let r = h.get("/v1/stats/venues?limit=30");
        let j = r.json();
        assert_eq!(j["by_region"].as_array().unwrap().len(), 30);
        let n = j["next"].as_str().unwrap().to_owned();
        let r = h.get(&format!("/v1/stats/venues?after={n}&limit=1000"));
        let j = r.json();
        assert_eq!(
            j["by_region"].as_array().unwrap().len(),
            VENUES as usize + 1 - 30
        );
        assert!(j["next"].is_null());
        let j = h.get("/v1/stats/exposures?limit=5").json();
        assert_eq!(
            (j["by_day"].as_array().unwrap().len(), j["next"].is_null()),
            (0, true)
        );

        for bad in [
            "/v1/stats/counts?limit=0",
            "/v1/stats/counts?limit=1001",
            "/v1/stats/counts?after=1-2",
            "/v1/stats/counts?after=1-2-3-4",
            "/v1/stats/counts?after=1-256-3",
            "/v1/stats/counts?after=x",
            "/v1/stats/venues?after=99999999999-1",
            "/v1/stats/exposures?after=-1",
        ] {
            let r = h.get(bad);
            assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{bad}");
        }

        // The public count of one tag: one index range, a few bytes.
        let r = h.get(&format!(
            "/v1/counts?key_id={}&tag={}",
            hex::encode(key_id(1_000)),
            hex::encode(tag(1_000, 0))
        ));
        assert_eq!(r.status, 200);
        assert!(r.body.len() < 256, "{} bytes", r.body.len());
        assert_eq!(r.json()["counts"].as_array().unwrap().len(), 1);
    });
}
