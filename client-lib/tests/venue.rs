//! Venue-side helpers: rotating code, notification check, seed release, guest book, counts.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::transport::TanState;
use venuecode_client::*;
use venuecode_protocol::sealed::SealedBundle;
use venuecode_protocol::time::{local_epoch, Epoch, EPOCH_MINUTES};
use venuecode_protocol::{
    CodeKind, Codec, GuestBookEntry, RiskLevel, SealedMessage, SeedRelease, SigningKey,
};

/// The guest book at `path` under a fixed key, keeping entries 7 days, on the world's clock.
fn guest_book(w: &World, path: &std::path::Path) -> GuestBook {
    GuestBook::open(
        path,
        DiaryKey::from_bytes([0x6b; 32]),
        7,
        &w.trust,
        w.clock.clone(),
    )
    .unwrap()
}

#[test]
fn rotating_code_for_now_scans_and_changes_each_day() {
    let w = world();
    let v = w.visitor();
    let code = w.noodles.rotating_code(&w.clock).unwrap();
    let today = w.noodles.day_of(NOW);
    assert_eq!(today, local_epoch(NOW, OFFSET));
    assert!(matches!(code.kind(), CodeKind::Rotating { epoch, .. } if epoch == today));
    code.verify(&w.anchors, NOW, None).unwrap();
    v.scan(&w.rotating_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(EPOCH_MINUTES);
    let tomorrow = w.noodles.rotating_code(&w.clock).unwrap();
    assert_ne!(tomorrow.seed(), code.seed());
    assert_ne!(tomorrow.seed(), w.noodles.static_code().unwrap().seed());
}

#[test]
fn the_rotating_seed_changes_at_local_midnight_not_utc_midnight() {
    use venuecode_protocol::time::epoch_of;
    let w = world();
    // NOW is 21:20 UTC, 05:20 the next day at UTC+08:00: UTC midnight is 2 h 40 min away,
    // local midnight 18 h 40 min.
    let today = w.noodles.rotating_code(&w.clock).unwrap();
    assert_eq!(w.noodles.day_of(NOW), epoch_of(NOW) + 1);
    w.clock.advance_minutes(2 * 60 + 45);
    assert_eq!(epoch_of(w.clock.now_minute()), epoch_of(NOW) + 1);
    let after_utc_midnight = w.noodles.rotating_code(&w.clock).unwrap();
    assert_eq!(after_utc_midnight.seed(), today.seed(), "same local day");
    w.clock.advance_minutes(16 * 60);
    let after_local_midnight = w.noodles.rotating_code(&w.clock).unwrap();
    assert_ne!(after_local_midnight.seed(), today.seed());
    assert!(matches!(
        after_local_midnight.kind(),
        CodeKind::Rotating { epoch, .. } if epoch == w.noodles.day_of(NOW) + 1
    ));
}

#[test]
fn venue_learns_whether_it_was_notified() {
    let w = world();
    let code = w.noodles.rotating_code(&w.clock).unwrap();
    let rotating_seed = (code.seed().clone(), code.certificate().body().venue_key);
    w.publish(&w.batch(&[(static_seed(&w.museum), NOW, NOW + 60, RiskLevel::HIGH)]));
    let check = w
        .noodles
        .check_notified(&w.server, 0, NOW - 1440, NOW + 1440)
        .unwrap();
    assert!(check.notices.is_empty());
    assert_eq!(check.cursor, 1);

    w.publish(&w.batch(&[
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
        .check_notified(&w.server, check.cursor, NOW - 1440, NOW + 1440)
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
        .check_notified(&w.server, 1, NOW - 1440, NOW + 1440)
        .unwrap();
    assert!(museum.notices.is_empty());
}

#[test]
fn seeds_are_released_sealed_to_the_ha_and_uploaded() {
    let w = world();
    let today = w.noodles.day_of(NOW);
    let days = [today, today - 1];
    let release: SealedMessage = w.noodles.release_seeds(&days).unwrap();
    // Nothing identifying in clear: the uploaded bytes are the sealed message alone.
    let bytes = release.encode();
    let key = w.noodles.certificate().body().venue_key;
    assert!(!bytes.windows(32).any(|x| x == key.as_bytes()));
    let opened = SeedRelease::open(&w.ha_enc, &release).unwrap();
    assert_eq!(*opened.venue_key(), key);
    assert_eq!(opened.seeds().len(), 2);
    assert_eq!(opened.seeds()[0].0, today - 1);
    let code = w.noodles.rotating_code(&w.clock).unwrap();
    assert_eq!(&opened.seeds()[1].1, code.seed());

    w.server
        .register_tan("SEEDS-123456", TanState::Fresh)
        .unwrap();
    w.noodles
        .upload_seed_release(&w.server, "SEEDS-123456", &release)
        .unwrap();
    let stored = SealedMessage::decode(&w.server.uploads()[0]).unwrap();
    assert_eq!(stored, release);
    assert!(matches!(
        w.noodles
            .upload_seed_release(&w.server, "SEEDS-123456", &release),
        Err(Error::TanUsed)
    ));
    assert!(w.noodles.release_seeds(&[]).is_err());
}

#[test]
fn guest_book_keeps_only_ciphertext_and_masked_labels() {
    let w = world();
    let path = w.dir.path().join("guests.redb");
    let book = guest_book(&w, &path);
    let g = book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    assert_eq!(g.label, "卢* 182****1234");
    book.add("欧阳娜娜", "13912345678", NOW + 300, NOW + 360)
        .unwrap();
    assert!(matches!(
        book.add("王五", "call me", NOW, NOW + 10),
        Err(Error::InvalidArgument(_))
    ));
    // A landline, a short number and a non-mobile after +86 are refused.
    for bad in [
        "0931-1234567",
        "1821234123",
        "+86 0931 1234567",
        "+1",
        "12212341234",
    ] {
        assert!(
            matches!(
                book.add("王五", bad, NOW, NOW + 10),
                Err(Error::InvalidArgument(_))
            ),
            "{bad}"
        );
    }
    // +86 is masked on the national number; the HA gets the number without separators.
    let intl = book
        .add("Zhang Wei", "+86 139-0000-2222", NOW, NOW + 10)
        .unwrap();
    assert!(intl.label.ends_with(" +86 139****2222"), "{}", intl.label);
    assert_eq!(
        GuestBookEntry::open(&w.ha_enc, &intl.sealed)
            .unwrap()
            .phone(),
        "+8613900002222"
    );
    assert_eq!(book.list().unwrap().len(), 3);
    let opened = GuestBookEntry::open(&w.ha_enc, &g.sealed).unwrap();
    assert_eq!(opened.name(), "卢伟");
    assert_eq!(opened.phone(), "18212341234");
    assert_eq!(opened.venue_serial(), 7);
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
    let book = guest_book(&w, &path);
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
    assert_eq!(bundle.items().len(), 1);
    assert_eq!(
        GuestBookEntry::open(&w.ha_enc, &bundle.items()[0])
            .unwrap()
            .name(),
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
    let book = guest_book(&w, &path);
    assert!(book.list().unwrap().is_empty());
}

#[test]
fn count_pings_are_off_by_default_and_sent_one_per_request_at_random_times() {
    let w = world();
    let v = w.visitor();
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(v.pending_count_pings().unwrap(), 0);
    drop(v);

    let w = world();
    let today = w.noodles.day_of(NOW);
    w.noodles
        .register_count_tags(&w.server, &[today], &w.clock)
        .unwrap();
    let mut cfg = w.config();
    cfg.count_pings = true;
    cfg.ping_delay_max_minutes = 600;
    let v = w.visitor_with(cfg);
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(90);
    v.scan_and_check_in(&w.rotating_url(&w.noodles)).unwrap();
    assert_eq!(v.pending_count_pings().unwrap(), 2);

    // Each ping waits for its own time, at most the bound after its check-in; none is sent
    // before it.
    let mut sent_at = Vec::new();
    for _ in 0..=600 {
        let due = v.due_count_pings().unwrap();
        let before = w.server.ping_posts();
        let n = v.send_due_pings().unwrap();
        assert_eq!(n, due);
        assert_eq!(
            w.server.ping_posts() - before,
            n as u32,
            "one request per ping"
        );
        sent_at.extend(std::iter::repeat_n(w.clock.now_minute(), n));
        if v.pending_count_pings().unwrap() == 0 {
            break;
        }
        w.clock.advance_minutes(1);
    }
    assert_eq!(sent_at.len(), 2);
    assert!(sent_at.iter().all(|t| *t <= NOW + 90 + 600));

    assert_eq!(w.noodles.check_in_count(&w.server, today).unwrap(), 2);
    assert_eq!(w.museum.check_in_count(&w.server, today).unwrap(), 0);
}

#[test]
fn a_failed_ping_is_kept_and_sent_later() {
    let w = world();
    let mut cfg = w.config();
    cfg.count_pings = true;
    cfg.ping_delay_max_minutes = 0;
    let v = w.visitor_with(cfg);
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(v.due_count_pings().unwrap(), 1);
    w.server.fail_next(1);
    assert!(matches!(v.send_due_pings(), Err(Error::Network(_))));
    assert_eq!(v.pending_count_pings().unwrap(), 1);
    // A sync sends it, and reports it.
    w.no_revocations();
    let r = v.sync().unwrap();
    assert_eq!(r.pings_sent, 1);
    assert_eq!(v.pending_count_pings().unwrap(), 0);
}

#[test]
fn random_ping_delays_differ_and_stay_within_the_bound() {
    let w = world();
    let mut cfg = w.config();
    cfg.count_pings = true;
    cfg.ping_delay_max_minutes = 1440;
    let v = w.visitor_with(cfg);
    for _ in 0..8 {
        v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
        v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    }
    assert_eq!(v.pending_count_pings().unwrap(), 16);
    // With 16 delays drawn from 1441 values, not all are due at the same minute.
    let mut due_counts = Vec::new();
    for _ in 0..=1440 / 60 {
        due_counts.push(v.due_count_pings().unwrap());
        w.clock.advance_minutes(60);
    }
    assert!(
        due_counts.windows(2).any(|p| p[0] != p[1]),
        "{due_counts:?}"
    );
    assert_eq!(v.due_count_pings().unwrap(), 16);
}

#[test]
fn count_tags_are_registered_signed_in_binary_within_the_window() {
    let w = world();
    let day = w.noodles.day_of(NOW);
    let tags = w.noodles.count_tags(day);
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags, w.noodles.count_tags(day + 1));
    // Tags are bound to the venue key: another venue with the same master seed has others.
    assert_ne!(tags, w.museum.count_tags(day));
    w.noodles
        .register_count_tags(&w.server, &[day, day + 1], &w.clock)
        .unwrap();
    let posts = w.server.count_tag_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].serial, 7);
    assert_eq!(
        posts[0].key_id,
        w.noodles.certificate().body().venue_key.key_id().0
    );
    let list = posts[0].registration.tags();
    assert_eq!(list.len(), 4);
    assert!(list.windows(2).all(|p| p[0] < p[1]));
    assert!(list.contains(&(day, tags[0])));
    assert!(list.contains(&(day, tags[1])));
    // Days the server would refuse are refused before anything is sent.
    for bad in [day + 2, day - 15] {
        assert!(matches!(
            w.noodles.register_count_tags(&w.server, &[bad], &w.clock),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert_eq!(w.server.count_tag_posts().len(), 1);
    // The whole window goes in one request of 32 tags.
    let window: Vec<Epoch> = w.noodles.count_tag_window(&w.clock).collect();
    assert_eq!(window.len(), 16);
    w.noodles
        .register_count_tags(&w.server, &window, &w.clock)
        .unwrap();
    assert_eq!(w.server.count_tag_posts().len(), 2);
}

#[cfg(unix)]
#[test]
fn the_guest_book_file_is_created_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let path = w.dir.path().join("guests.redb");
    let book = guest_book(&w, &path);
    book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// A server that answers each request with the next canned response, and keeps the requests.
struct Scripted {
    answers: std::sync::Mutex<Vec<(u16, Vec<u8>)>>,
    seen: std::sync::Mutex<Vec<(String, bool)>>,
}

impl Scripted {
    fn new(answers: Vec<(u16, Vec<u8>)>) -> Self {
        Self {
            answers: std::sync::Mutex::new(answers),
            seen: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Transport for Scripted {
    fn send(&self, req: transport::Request) -> Result<transport::Response> {
        let signed = req.headers.iter().any(|(name, _)| {
            name.eq_ignore_ascii_case(venuecode_protocol::envelope::SIGNATURE_HEADER)
        });
        self.seen.lock().unwrap().push((req.path.clone(), signed));
        let (status, body) = self.answers.lock().unwrap().remove(0);
        Ok(transport::Response::from_bytes(status, body))
    }
}

#[test]
fn registration_answers_are_checked_and_held_ones_are_followed_up() {
    let w = world();
    let key = SigningKey::from_seed(&[77; 32]).unwrap();
    let issued = cert(&w.ra, 9, &key, NOODLES_NAME, NOODLES_ADDRESS, 60);
    let info = issued.info().clone();
    // Issued at once: checked against the anchors, the key and the information asked for.
    let t = Scripted::new(vec![(201, issued.encode())]);
    assert_eq!(
        venue::register(&t, &w.anchors, &key, &info).unwrap(),
        venue::Registration::Issued(Box::new(issued.clone()))
    );
    assert_eq!(t.seen.lock().unwrap()[0], ("/v1/venues".to_owned(), true));
    // A certificate for another key is refused.
    let other = SigningKey::from_seed(&[78; 32]).unwrap();
    let t = Scripted::new(vec![(201, issued.encode())]);
    assert!(matches!(
        venue::register(&t, &w.anchors, &other, &info),
        Err(Error::CertificateRefused(_))
    ));
    // Held for review, then waiting, refused, or approved.
    let t = Scripted::new(vec![(202, br#"{"pending":4}"#.to_vec())]);
    assert_eq!(
        venue::register(&t, &w.anchors, &key, &info).unwrap(),
        venue::Registration::Pending(4)
    );
    let request = venue::registration_request(&key, &info);
    let t = Scripted::new(vec![
        (202, Vec::new()),
        (403, Vec::new()),
        (200, issued.encode()),
    ]);
    assert_eq!(
        venue::registration_status(&t, 4, &w.anchors, &request).unwrap(),
        venue::Review::Waiting
    );
    assert_eq!(
        venue::registration_status(&t, 4, &w.anchors, &request).unwrap(),
        venue::Review::Refused
    );
    assert_eq!(
        venue::registration_status(&t, 4, &w.anchors, &request).unwrap(),
        venue::Review::Issued(Box::new(issued))
    );
    assert_eq!(t.seen.lock().unwrap()[2].0, "/v1/registrations/4");
}

#[test]
fn an_update_must_bring_a_new_serial_and_a_revocation_is_signed() {
    let w = world();
    let current = w.noodles.certificate().clone();
    let info = current.info().clone();
    let key = w.noodles.key().clone();
    let same = cert(
        &w.ra,
        current.serial(),
        &key,
        NOODLES_NAME,
        NOODLES_ADDRESS,
        60,
    );
    let t = Scripted::new(vec![(200, same.encode())]);
    assert!(matches!(
        w.noodles.request_update(&t, &info),
        Err(Error::CertificateRefused(_))
    ));
    let newer = cert(
        &w.ra,
        current.serial() + 100,
        &key,
        NOODLES_NAME,
        NOODLES_ADDRESS,
        60,
    );
    let t = Scripted::new(vec![(200, newer.encode())]);
    assert_eq!(w.noodles.request_update(&t, &info).unwrap(), newer);
    assert_eq!(
        t.seen.lock().unwrap()[0],
        (format!("/v1/venues/{}", current.serial()), true)
    );
    let t = Scripted::new(vec![(200, br#"{"sequence":12}"#.to_vec())]);
    assert_eq!(w.noodles.revoke(&t).unwrap(), 12);
    assert_eq!(
        t.seen.lock().unwrap()[0],
        (format!("/v1/venues/{}/revoke", current.serial()), true)
    );
}

/// The world's own guest book (`guests.redb` in its folder).
fn world_guest_book(w: &World) -> GuestBook {
    guest_book(w, &w.dir.path().join("guests.redb"))
}

#[test]
fn guest_book_checks_out_an_open_guest_once_and_reseals_the_real_departure() {
    let w = world();
    let book = world_guest_book(&w);
    let g = book.add_open("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    assert!(g.open);
    // While open, the name and phone are kept only sealed: not in the file in clear.
    let raw = std::fs::read(w.dir.path().join("guests.redb")).unwrap();
    for needle in ["卢伟", "18212341234"] {
        assert!(!raw.windows(needle.len()).any(|x| x == needle.as_bytes()));
    }
    assert!(matches!(
        book.check_out(g.id, NOW),
        Err(Error::EditOutOfBounds(_))
    ));
    let out = book.check_out(g.id, NOW + 130).unwrap();
    assert!(!out.open);
    assert_eq!((out.arrival, out.departure), (NOW, NOW + 130));
    assert_eq!(out.label, g.label);
    let opened = GuestBookEntry::open(&w.ha_enc, &out.sealed).unwrap();
    assert_eq!((opened.name(), opened.phone()), ("卢伟", "18212341234"));
    assert_eq!((opened.arrival(), opened.departure()), (NOW, NOW + 130));
    assert_eq!(book.list().unwrap(), vec![out.clone()]);
    // Twice: refused, nothing changed.
    assert!(
        matches!(book.check_out(g.id, NOW + 200), Err(Error::GuestCheckedOut(id)) if id == g.id)
    );
    // A guest recorded with a departure is not open either; an unknown id is named.
    let closed = book.add("王芳", "13912345678", NOW, NOW + 10).unwrap();
    assert!(!closed.open);
    assert!(matches!(
        book.check_out(closed.id, NOW + 20),
        Err(Error::GuestCheckedOut(_))
    ));
    assert!(matches!(
        book.check_out(99, NOW + 20),
        Err(Error::GuestNotFound(99))
    ));
    assert_eq!(
        Error::GuestNotFound(99).to_string(),
        "no guest 99 in the guest book"
    );
    assert_eq!(book.list().unwrap()[0], out);
}

#[test]
fn guest_book_edits_reseal_and_refuse_a_departure_before_the_arrival() {
    let w = world();
    let book = world_guest_book(&w);
    let g = book.add_open("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    assert!(matches!(
        book.edit(g.id, &GuestEdit::default()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        book.edit(
            g.id,
            &GuestEdit {
                departure: Some(NOW - 5),
                ..GuestEdit::default()
            }
        ),
        Err(Error::EditOutOfBounds(_))
    ));
    assert!(matches!(
        book.edit(
            g.id,
            &GuestEdit {
                phone: Some("not a phone"),
                ..GuestEdit::default()
            }
        ),
        Err(Error::InvalidArgument(_))
    ));
    // An open entry: the phone alone changes, the kept name stays, it stays open.
    let e = book
        .edit(
            g.id,
            &GuestEdit {
                arrival: Some(NOW - 10),
                phone: Some("+86 139 0000 2222"),
                ..GuestEdit::default()
            },
        )
        .unwrap();
    assert!(e.open);
    assert_eq!(e.label, "卢* +86 139****2222");
    let opened = GuestBookEntry::open(&w.ha_enc, &e.sealed).unwrap();
    assert_eq!(
        (opened.name(), opened.phone(), opened.arrival()),
        ("卢伟", "+8613900002222", NOW - 10)
    );
    let out = book.check_out(g.id, NOW + 60).unwrap();
    assert_eq!(
        GuestBookEntry::open(&w.ha_enc, &out.sealed)
            .unwrap()
            .phone(),
        "+8613900002222"
    );
    // Checked out: the device no longer holds name and phone; both are needed to reseal.
    let times = GuestEdit {
        departure: Some(NOW + 90),
        ..GuestEdit::default()
    };
    assert!(matches!(
        book.edit(g.id, &times),
        Err(Error::GuestIdentityNotKept(_))
    ));
    assert!(matches!(
        book.edit(
            g.id,
            &GuestEdit {
                name: Some("卢伟"),
                ..times.clone()
            }
        ),
        Err(Error::GuestIdentityNotKept(_))
    ));
    let e = book
        .edit(
            g.id,
            &GuestEdit {
                name: Some("卢伟"),
                phone: Some("18212341234"),
                ..times
            },
        )
        .unwrap();
    assert!(!e.open);
    assert_eq!((e.arrival, e.departure), (NOW - 10, NOW + 90));
    let opened = GuestBookEntry::open(&w.ha_enc, &e.sealed).unwrap();
    assert_eq!(
        (opened.phone(), opened.departure()),
        ("18212341234", NOW + 90)
    );
    assert_eq!(book.list().unwrap(), vec![e]);
    assert!(matches!(
        book.edit(
            7,
            &GuestEdit {
                departure: Some(NOW + 1),
                ..GuestEdit::default()
            }
        ),
        Err(Error::GuestNotFound(7))
    ));
}

#[test]
fn guest_book_deletes_and_names_the_disclosure_that_already_went_to_the_ha() {
    let w = world();
    let book = world_guest_book(&w);
    let sent = book.add("卢伟", "18212341234", NOW, NOW + 45).unwrap();
    let kept = book
        .add("王芳", "13912345678", NOW + 300, NOW + 360)
        .unwrap();
    w.server
        .register_tan("GUESTS-12345", TanState::Fresh)
        .unwrap();
    let d = book
        .disclose(&w.server, "GUESTS-12345", NOW, NOW + 100)
        .unwrap();
    let list = book.list().unwrap();
    assert_eq!(list[0].disclosed_in, Some(d.upload_id));
    assert_eq!(list[1].disclosed_in, None);
    // Changing a disclosed entry keeps the note; the HA's copy is the one uploaded.
    let e = book
        .edit(
            sent.id,
            &GuestEdit {
                name: Some("卢伟"),
                phone: Some("18212341234"),
                departure: Some(NOW + 50),
                ..GuestEdit::default()
            },
        )
        .unwrap();
    assert_eq!(e.disclosed_in, Some(d.upload_id));
    assert_eq!(
        book.delete(sent.id).unwrap(),
        DeletedGuest {
            id: sent.id,
            disclosed_in: Some(d.upload_id)
        }
    );
    assert_eq!(w.server.uploads().len(), 1);
    assert!(matches!(book.delete(sent.id), Err(Error::GuestNotFound(_))));
    assert_eq!(
        book.delete(kept.id).unwrap(),
        DeletedGuest {
            id: kept.id,
            disclosed_in: None
        }
    );
    assert!(book.list().unwrap().is_empty());
    // Ids are not reused after a delete.
    drop(book);
    let book = world_guest_book(&w);
    assert!(book.add("张三", "13812345678", NOW, NOW + 5).unwrap().id > kept.id);
}
