//! The encrypted diary: what the raw file shows, a wrong key, and retention.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use venuecode_client::*;
use venuecode_protocol::Codec;

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
        assert!(!contains(&raw, &t.to_be_bytes()));
        assert!(!contains(&raw, &t.to_le_bytes()));
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

#[test]
fn tampered_record_is_reported_as_corrupt() {
    let w = world();
    let v = w.visitor();
    let id = v
        .scan_and_check_in(&w.static_url(&w.noodles))
        .unwrap()
        .entry
        .id();
    drop(v);
    // Flip one ciphertext byte of the entry behind the library's back.
    {
        use redb::ReadableTable;
        let db = redb::Database::create(w.diary_path()).unwrap();
        let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("entries");
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(table).unwrap();
            let mut raw = t.get(id.0).unwrap().unwrap().value().to_vec();
            let last = raw.len() - 1;
            raw[last] ^= 1;
            t.insert(id.0, raw.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    let v = w.visitor();
    assert!(matches!(v.entries(), Err(Error::Corrupt)));
    assert!(matches!(v.entry(id), Err(Error::Corrupt)));
    // The damaged entry can be deleted, and the diary works again.
    v.delete(id).unwrap();
    assert!(v.entries().unwrap().is_empty());
    v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
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
