//! The encrypted diary: what the raw file shows, a wrong key, and retention.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::*;
use venuecode_protocol::{Codec, RiskLevel};

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn raw_file_shows_no_venue_address_seed_time_or_key() {
    let w = world();
    let v = w.visitor();
    let url = w.static_url(&w.noodles);
    let checkin = v.scan_and_check_in(&url).unwrap();
    w.clock.advance_minutes(30);
    v.check_out(checkin.entry.id()).unwrap();
    w.clock.advance_minutes(10);
    let rot = v.scan_and_check_in(&w.rotating_url(&w.museum)).unwrap();
    let code = w.noodles.static_code().unwrap();
    let seed = *code.seed().expose();
    let rot_seed = *rot.entry.code().seed().expose();
    drop(v);

    let raw = std::fs::read(w.diary_path()).unwrap();
    assert!(raw.len() > 1000);
    for needle in [
        common::NOODLES_NAME.as_bytes(),
        common::NOODLES_ADDRESS.as_bytes(),
        "甘肃".as_bytes(),
        "博物馆".as_bytes(),
        &seed,
        &rot_seed,
        &KEY,
        code.encode().as_slice(),
        code.to_digits().as_bytes(),
    ] {
        assert!(!contains(&raw, needle), "raw diary leaks a secret");
    }
    // No arrival or departure minute appears in any byte order or as text.
    for t in [NOW, NOW + 30, NOW + 40, checkin.entry.departure()] {
        assert!(!contains(&raw, &t.get().to_be_bytes()));
        assert!(!contains(&raw, &t.get().to_le_bytes()));
        assert!(!contains(&raw, t.to_string().as_bytes()));
    }
}

#[test]
fn wrong_key_is_a_clear_error_and_leaves_the_data_untouched() {
    let w = world();
    let v = w.visitor();
    let id = v
        .scan_and_check_in(&w.static_url(&w.noodles))
        .unwrap()
        .entry
        .id();
    drop(v);
    let before = std::fs::read(w.diary_path()).unwrap();

    let wrong = Visitor::open(
        w.diary_path(),
        DiaryKey::from_bytes([0xCD; 32]),
        w.config(),
        w.clock.clone(),
        w.server.clone(),
    );
    assert!(matches!(wrong, Err(Error::WrongKey)));
    assert_eq!(std::fs::read(w.diary_path()).unwrap(), before);

    let v = w.visitor();
    let entries = v.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id(), id);
    assert_eq!(entries[0].venue_name(), common::NOODLES_NAME);
}

/// What the file shows without the key: every table, and in the diary table each key with the
/// length of its value.
fn layout(path: &std::path::Path) -> Vec<(String, Vec<(String, usize)>)> {
    use redb::{ReadableTable, TableHandle};
    let db = redb::Database::open(path).unwrap();
    let rtx = db.begin_read().unwrap();
    assert_eq!(rtx.list_multimap_tables().unwrap().count(), 0);
    let mut out = Vec::new();
    for t in rtx.list_tables().unwrap() {
        let def: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new(t.name());
        let table = rtx.open_table(def).unwrap();
        let rows = table
            .iter()
            .unwrap()
            .map(|r| {
                let (k, v) = r.unwrap();
                (k.value().to_owned(), v.value().len())
            })
            .collect();
        out.push((t.name().to_owned(), rows));
    }
    out
}

fn snapshot_bytes(path: &std::path::Path) -> Vec<u8> {
    let db = redb::Database::open(path).unwrap();
    let rtx = db.begin_read().unwrap();
    let def: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("diary");
    let t = rtx.open_table(def).unwrap();
    let v = t.get("snapshot").unwrap().unwrap().value().to_vec();
    v
}

#[test]
fn at_rest_the_diary_shows_neither_how_many_check_ins_nor_exposures_nor_a_pending_share() {
    const TAN: &str = "TAN-0123456789";
    let w = world();
    w.no_revocations();
    let path = |name: &str| w.dir.path().join(name);
    let open = |name: &str| w.visitor_at(&path(name), w.config());

    // No check-in.
    drop(open("empty.redb"));
    // Three check-ins.
    let v = open("three.redb");
    let mut times = Vec::new();
    for venue in [&w.noodles, &w.museum, &w.noodles] {
        let c = v.scan_and_check_in(&w.static_url(venue)).unwrap();
        times.extend([c.entry.arrival(), c.entry.departure()]);
        w.clock.advance_minutes(100);
    }
    drop(v);
    // A check-in and an exposure raised by a sync.
    let v = open("exposed.redb");
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    times.extend([c.entry.arrival(), c.entry.departure()]);
    let (a, d) = (c.entry.arrival(), c.entry.departure());
    w.server
        .publish(&w.batch(&[(static_seed(&w.noodles), a, d, RiskLevel::HIGH)]));
    w.clock.advance_minutes(100);
    assert_eq!(v.sync().unwrap().new_exposures.len(), 1);
    drop(v);
    // A share that failed to upload and waits to be sent.
    let v = open("pending.redb");
    let c = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    times.extend([c.entry.arrival(), c.entry.departure()]);
    w.server
        .register_tan(TAN, venuecode_client::transport::TanState::Fresh)
        .unwrap();
    w.server.fail_next(1);
    assert!(v.share(TAN, &[c.entry.id()]).is_err());
    assert!(v.pending_share().unwrap().is_some());
    drop(v);

    let names = ["empty.redb", "three.redb", "exposed.redb", "pending.redb"];
    let expected = layout(&path(names[0]));
    assert_eq!(expected.len(), 1, "one table");
    for name in names {
        assert_eq!(layout(&path(name)), expected, "{name} differs in layout");
        let raw = std::fs::read(path(name)).unwrap();
        for needle in [
            common::NOODLES_NAME.as_bytes(),
            common::NOODLES_ADDRESS.as_bytes(),
            "博物馆".as_bytes(),
            TAN.as_bytes(),
        ] {
            assert!(
                !contains(&raw, needle),
                "{name} leaks a name, address or TAN"
            );
        }
        for t in &times {
            assert!(
                !contains(&raw, &t.get().to_be_bytes()),
                "{name} leaks a time"
            );
            assert!(
                !contains(&raw, &t.get().to_le_bytes()),
                "{name} leaks a time"
            );
        }
    }

    // Every write seals with a fresh nonce: writing the same state again changes every byte of
    // the snapshot that depends on the nonce, and nothing of the layout.
    let before = snapshot_bytes(&path("three.redb"));
    let v = open("three.redb");
    let id = v.all_entries().unwrap()[0].id();
    v.set_hidden(id, false).unwrap();
    drop(v);
    let after = snapshot_bytes(&path("three.redb"));
    assert_eq!(before.len(), after.len());
    assert_ne!(before[..12], after[..12], "the nonce was reused");
    assert_eq!(layout(&path("three.redb")), expected);
}

#[test]
fn a_diary_grows_by_size_bucket_only() {
    let w = world();
    let v = w.visitor();
    let size = || snapshot_bytes(&w.diary_path()).len();
    drop(v);
    let empty = size();
    // 12 bytes of nonce, the smallest bucket, 16 bytes of tag.
    assert_eq!(empty, 12 + 64 * 1024 + 16);
    let v = w.visitor();
    for i in 0..40 {
        let venue = if i % 2 == 0 { &w.noodles } else { &w.museum };
        v.scan_and_check_in(&w.static_url(venue)).unwrap();
        w.clock.advance_minutes(10);
    }
    drop(v);
    assert_eq!(size(), empty, "forty check-ins fit the first bucket");
}

#[test]
fn tampered_snapshot_is_reported_as_corrupt_never_a_panic() {
    let w = world();
    let v = w.visitor();
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    drop(v);
    let good = snapshot_bytes(&w.diary_path());
    let write = |bytes: &[u8]| {
        let db = redb::Database::open(w.diary_path()).unwrap();
        let def: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("diary");
        let tx = db.begin_write().unwrap();
        tx.open_table(def)
            .unwrap()
            .insert("snapshot", bytes)
            .unwrap();
        tx.commit().unwrap();
    };
    let open = || {
        Visitor::open(
            w.diary_path(),
            DiaryKey::from_bytes(KEY),
            w.config(),
            w.clock.clone(),
            w.server.clone(),
        )
    };
    let mut flipped = good.clone();
    for at in [0, 12, good.len() / 2, good.len() - 1] {
        flipped.clone_from(&good);
        flipped[at] ^= 1;
        write(&flipped);
        assert!(matches!(open(), Err(Error::Corrupt)), "flip at {at}");
    }
    for cut in [0, 11, 12, 28, good.len() - 1] {
        write(&good[..cut]);
        assert!(matches!(open(), Err(Error::Corrupt)), "cut at {cut}");
    }
    let mut longer = good.clone();
    longer.push(0);
    write(&longer);
    assert!(matches!(open(), Err(Error::Corrupt)));
    // The right bytes put back: the diary opens with its entry.
    write(&good);
    let v = open().unwrap();
    assert_eq!(v.entries().unwrap().len(), 1);
    assert_eq!(
        Error::Corrupt.to_string(),
        "the diary is damaged or was tampered with"
    );
}

#[test]
fn a_diary_of_the_retired_layout_is_refused_clearly() {
    let w = world();
    {
        let db = redb::Database::create(w.diary_path()).unwrap();
        let def: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("entries");
        let tx = db.begin_write().unwrap();
        tx.open_table(def)
            .unwrap()
            .insert(1, [0u8; 40].as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let r = Visitor::open(
        w.diary_path(),
        DiaryKey::from_bytes(KEY),
        w.config(),
        w.clock.clone(),
        w.server.clone(),
    );
    assert!(matches!(r, Err(Error::UnsupportedDiaryLayout)));
}

#[cfg(unix)]
#[test]
fn the_diary_file_is_created_mode_0600_and_a_wider_one_is_narrowed() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    drop(w.visitor());
    assert_eq!(mode(&w.diary_path()), 0o600);
    std::fs::set_permissions(w.diary_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(w.visitor());
    assert_eq!(mode(&w.diary_path()), 0o600);
}

#[test]
fn entries_past_retention_are_purged_automatically() {
    let w = world();
    let v = w.visitor();
    let old = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(13 * 1440);
    let recent = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    assert_eq!(v.all_entries().unwrap().len(), 2);
    drop(v);

    // 14 days and a bit after the first stay ended, reopening purges it.
    w.clock.set_minute(old.entry.departure() + 14 * 1440 + 1);
    let v = w.visitor();
    let left = v.all_entries().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id(), recent.entry.id());

    // A shorter configured retention purges on the next operation.
    let mut cfg = w.config();
    cfg.retention_days = 1;
    drop(v);
    w.clock.advance_minutes(2 * 1440);
    let v = w.visitor_with(cfg);
    assert!(v.all_entries().unwrap().is_empty());
}

#[test]
fn debug_output_holds_no_user_data() {
    let w = world();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    let preview = v.scan(&w.static_url(&w.noodles)).unwrap();
    let key = DiaryKey::from_bytes(KEY);
    for text in [
        format!("{c:?}"),
        format!("{preview:?}"),
        format!("{v:?}"),
        format!("{key:?}"),
    ] {
        assert!(!text.contains(common::NOODLES_NAME));
        assert!(!text.contains("ab, ab") && !text.contains("abab"));
        assert!(!text.contains(&NOW.to_string()));
    }
}
