//! Venue-side helpers: rotating code, notification check, seed release, guest book, counts.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use venuecode_client::transport::TanState;
use venuecode_client::*;
use venuecode_protocol::sealed::SealedBundle;
use venuecode_protocol::time::{epoch_of, EPOCH_MINUTES};
use venuecode_protocol::{CodeKind, Codec, GuestBookEntry, RiskLevel, SignedSeedRelease};

#[test]
fn rotating_code_for_now_scans_and_changes_each_day() {
    let w = world();
    let v = w.visitor();
    let code = w.noodles.rotating_code(&w.clock).unwrap();
    assert!(matches!(code.kind(), CodeKind::Rotating { epoch, .. } if epoch == epoch_of(NOW)));
    code.verify(&w.anchors, NOW, None).unwrap();
    v.scan(&w.rotating_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(EPOCH_MINUTES);
    let tomorrow = w.noodles.rotating_code(&w.clock).unwrap();
    assert_ne!(tomorrow.seed(), code.seed());
    assert_ne!(tomorrow.seed(), w.noodles.static_code().unwrap().seed());
}

#[test]
fn venue_learns_whether_it_was_notified() {
    let w = world();
    let rotating_seed = w.noodles.rotating_code(&w.clock).unwrap().seed().clone();
    w.server
        .publish(&w.batch(&[(static_seed(&w.museum), NOW, NOW + 60, RiskLevel::HIGH)]));
    let check = w
        .noodles
        .check_notified(&w.server, &w.anchors, 0, NOW - 1440, NOW + 1440)
        .unwrap();
    assert!(check.notices.is_empty());
    assert_eq!(check.cursor, 1);

    w.server.publish(&w.batch(&[
        (
            static_seed(&w.noodles),
            NOW + 10,
            NOW + 130,
            RiskLevel::HIGH,
        ),
        (rotating_seed, NOW + 200, NOW + 260, RiskLevel::LOW),
    ]));
    let check = w
        .noodles
        .check_notified(&w.server, &w.anchors, check.cursor, NOW - 1440, NOW + 1440)
        .unwrap();
    assert_eq!(check.cursor, 2);
    assert_eq!(check.notices.len(), 2);
    assert_eq!(
        (check.notices[0].window_start, check.notices[0].window_end),
        (NOW + 10, NOW + 130)
    );
    assert_eq!(check.notices[0].risk, RiskLevel::HIGH);
    assert_eq!(check.notices[0].batch, 2);
    assert_eq!(check.notices[1].risk, RiskLevel::LOW);
    // The museum was not notified in that batch.
    let museum = w
        .museum
        .check_notified(&w.server, &w.anchors, 1, NOW - 1440, NOW + 1440)
        .unwrap();
    assert!(museum.notices.is_empty());
}

#[test]
fn seeds_are_released_sealed_to_the_ha_and_uploaded() {
    let w = world();
    let days = [epoch_of(NOW), epoch_of(NOW) - 1];
    let release = w
        .noodles
        .release_seeds(&days, &w.ha_enc.public_key())
        .unwrap();
    let opened = release
        .open(&w.noodles.certificate().body().venue_key, &w.ha_enc)
        .unwrap();
    assert_eq!(opened.venue_serial, 7);
    assert_eq!(opened.seeds.len(), 2);
    assert_eq!(opened.seeds[0].0, epoch_of(NOW) - 1);
    let today = w.noodles.rotating_code(&w.clock).unwrap();
    assert_eq!(&opened.seeds[1].1, today.seed());

    w.server
        .register_tan("SEEDS-123456", TanState::Fresh)
        .unwrap();
    w.noodles
        .upload_seed_release(&w.server, "SEEDS-123456", &release)
        .unwrap();
    let stored = SignedSeedRelease::decode(&w.server.uploads()[0]).unwrap();
    assert_eq!(stored, release);
    assert!(matches!(
        w.noodles
            .upload_seed_release(&w.server, "SEEDS-123456", &release),
        Err(Error::TanUsed)
    ));
    assert!(w
        .noodles
        .release_seeds(&[], &w.ha_enc.public_key())
        .is_err());
}

#[test]
fn guest_book_keeps_only_ciphertext_and_masked_labels() {
    let w = world();
    let path = w.dir.path().join("guests.redb");
    let book = GuestBook::open(
        &path,
        DiaryKey::from_bytes([0x6b; 32]),
        7,
        w.ha_enc.public_key(),
        w.clock.clone(),
    )
    .unwrap();
    let g = book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    assert_eq!(g.label, "卢* 182****1234");
    book.add("欧阳娜娜", "13912345678", NOW + 300, NOW + 360)
        .unwrap();
    assert!(matches!(
        book.add("王五", "call me", NOW, NOW + 10),
        Err(Error::Protocol(_))
    ));
    assert_eq!(book.list().unwrap().len(), 2);
    let opened = GuestBookEntry::open(&w.ha_enc, &g.sealed).unwrap();
    assert_eq!(opened.name, "卢伟");
    assert_eq!(opened.phone, "18212341234");
    assert_eq!(opened.venue_serial, 7);
    drop(book);

    let raw = std::fs::read(&path).unwrap();
    for needle in ["卢伟", "18212341234", "欧阳娜娜", "13912345678"] {
        assert!(!raw.windows(needle.len()).any(|x| x == needle.as_bytes()));
    }
}

#[test]
fn guest_book_discloses_a_window_and_purges_after_retention() {
    let w = world();
    let path = w.dir.path().join("guests.redb");
    let book = GuestBook::open(
        &path,
        DiaryKey::from_bytes([0x6b; 32]),
        7,
        w.ha_enc.public_key(),
        w.clock.clone(),
    )
    .unwrap();
    book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    book.add("欧阳娜娜", "13912345678", NOW + 300, NOW + 360)
        .unwrap();
    w.server
        .register_tan("GUESTS-12345", TanState::Fresh)
        .unwrap();
    let d = book
        .disclose(&w.server, "GUESTS-12345", NOW + 30, NOW + 100)
        .unwrap();
    assert_eq!(d.entries, 1);
    let bundle = SealedBundle::decode(&w.server.uploads()[0]).unwrap();
    assert_eq!(bundle.items.len(), 1);
    assert_eq!(
        GuestBookEntry::open(&w.ha_enc, &bundle.items[0])
            .unwrap()
            .name,
        "卢伟"
    );
    assert!(matches!(
        book.disclose(&w.server, "GUESTS-12345", NOW, NOW + 1000),
        Err(Error::TanUsed)
    ));

    w.clock.set_minute(NOW + 45 + 14 * EPOCH_MINUTES + 1);
    assert_eq!(book.purge().unwrap(), 1);
    assert_eq!(book.list().unwrap().len(), 1);
    drop(book);
    w.clock.set_minute(NOW + 360 + 14 * EPOCH_MINUTES + 1);
    let book = GuestBook::open(
        &path,
        DiaryKey::from_bytes([0x6b; 32]),
        7,
        w.ha_enc.public_key(),
        w.clock.clone(),
    )
    .unwrap();
    assert!(book.list().unwrap().is_empty());
}

#[test]
fn count_pings_are_off_by_default_and_counted_when_on() {
    let w = world();
    let v = w.visitor();
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(v.pending_count_pings().unwrap(), 0);
    drop(v);

    let w = world();
    let mut cfg = w.config();
    cfg.count_pings = true;
    let v = w.visitor_with(cfg);
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(90);
    v.scan_and_check_in(&w.rotating_url(&w.noodles)).unwrap();
    assert_eq!(v.pending_count_pings().unwrap(), 2);
    // Pings wait until the day is over.
    assert_eq!(v.send_count_pings().unwrap(), 0);
    w.clock.advance_minutes(EPOCH_MINUTES);
    w.server.fail_next(1);
    assert!(matches!(v.send_count_pings(), Err(Error::Network(_))));
    assert_eq!(v.pending_count_pings().unwrap(), 2);
    assert_eq!(v.send_count_pings().unwrap(), 2);
    assert_eq!(v.pending_count_pings().unwrap(), 0);

    assert_eq!(
        w.noodles.check_in_count(&w.server, epoch_of(NOW)).unwrap(),
        2
    );
    assert_eq!(
        w.museum.check_in_count(&w.server, epoch_of(NOW)).unwrap(),
        0
    );
}

#[test]
fn ping_batches_the_server_would_refuse_are_not_sent() {
    use venuecode_protocol::count::{CountPingBatch, MAX_PINGS};
    use venuecode_protocol::{CountTag, Error as P};
    let w = world();
    let before = w.server.requests().len();
    let empty = CountPingBatch { tags: Vec::new() };
    let r = api::post_count_pings(&w.server, &empty);
    assert!(
        matches!(r, Err(Error::Protocol(P::InvalidArgument(_)))),
        "{r:?}"
    );
    let over = CountPingBatch {
        tags: vec![CountTag([1; 16]); MAX_PINGS + 1],
    };
    let r = api::post_count_pings(&w.server, &over);
    assert!(matches!(r, Err(Error::Protocol(P::TooLarge))), "{r:?}");
    assert_eq!(
        w.server.requests().len(),
        before,
        "a refused batch went out"
    );
    // The largest batch goes through.
    let full = CountPingBatch {
        tags: vec![CountTag([1; 16]); MAX_PINGS],
    };
    api::post_count_pings(&w.server, &full).unwrap();
    assert_eq!(w.server.requests().len(), before + 1);
}

#[test]
fn count_tags_are_registered_signed() {
    let w = world();
    let day = epoch_of(NOW);
    let tags = w.noodles.count_tags(day);
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags, w.noodles.count_tags(day + 1));
    w.noodles
        .register_count_tags(&w.server, &[day, day + 1], &w.clock)
        .unwrap();
    let posts = w.server.count_tag_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].0, 7);
    let list = posts[0].1["tags"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["epoch"], day);
    assert_eq!(list[0]["tag"], hex::encode(tags[0].0));
}

#[cfg(unix)]
#[test]
fn the_guest_book_file_is_created_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let path = w.dir.path().join("guests.redb");
    let book = GuestBook::open(
        &path,
        DiaryKey::from_bytes([0x6b; 32]),
        7,
        w.ha_enc.public_key(),
        w.clock.clone(),
    )
    .unwrap();
    book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
