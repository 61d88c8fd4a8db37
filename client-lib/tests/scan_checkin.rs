//! Scanning, every way a code can be wrong, and check-in, check-out, editing, hiding, deleting.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::*;
use venuecode_protocol::code::{encode_decimal, DEFAULT_BASE_URL};
use venuecode_protocol::time::epoch_of;
use venuecode_protocol::{CodeKind, Codec, MasterSeed, SigningKey, VenueCategory, VenueCode};

fn url_of(bytes: &[u8]) -> String {
    format!("{DEFAULT_BASE_URL}#{}", encode_decimal(bytes))
}

#[test]
fn scan_previews_venue_category_address_and_kind() {
    let w = world();
    let v = w.visitor();
    let p = v.scan(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(p.venue_name(), NOODLES_NAME);
    assert_eq!(p.address(), NOODLES_ADDRESS);
    assert_eq!(p.category(), VenueCategory::RESTAURANT);
    assert_eq!(p.region().get(), 620105);
    assert_eq!(p.code_type(), CodeType::Static);
    assert_eq!(p.default_stay_minutes(), 60);

    let raw_digits = w.noodles.rotating_code(&w.clock).unwrap().to_digits();
    let p = v.scan(&raw_digits).unwrap();
    assert_eq!(p.code_type(), CodeType::Rotating);
    // A scan stores nothing.
    assert!(v.all_entries().unwrap().is_empty());
}

#[test]
fn malformed_codes_are_malformed() {
    let w = world();
    let v = w.visitor();
    for text in [
        "",
        "hello",
        "https://vc.example/c#12a",
        "http://vc.example/c#255",
        "https://vc.example/c#256",
    ] {
        let r = v.scan(text);
        assert!(matches!(r, Err(Error::MalformedCode(_))), "{text}");
        assert_eq!(Tone::of(&r), Tone::Failure);
    }
    let mut digits = w.noodles.static_code().unwrap().to_digits();
    digits.truncate(digits.len() - 17);
    assert!(matches!(v.scan(&digits), Err(Error::MalformedCode(_))));
}

#[test]
fn unknown_authority_and_forged_certificate_are_distinct() {
    let w = world();
    let v = w.visitor();
    // A certificate from an RA the app does not trust.
    let rogue = SigningKey::from_seed(&[9; 32]).unwrap();
    let key = SigningKey::from_seed(&[10; 32]).unwrap();
    let c = cert(&rogue, 7, &key, NOODLES_NAME, NOODLES_ADDRESS, 60);
    let code = VenueCode::new_static(c, &MasterSeed::from_bytes([1; 32]), &key).unwrap();
    assert!(matches!(
        v.scan(&code.to_url(DEFAULT_BASE_URL)),
        Err(Error::UnknownAuthority)
    ));

    // The trusted RA's key id, but the certificate altered (here its serial).
    let mut raw = w.noodles.static_code().unwrap().encode();
    raw[18] ^= 1;
    assert!(matches!(
        v.scan(&url_of(&raw)),
        Err(Error::ForgedCertificate)
    ));
}

#[test]
fn swapped_seed_or_bad_venue_signature_is_refused() {
    let w = world();
    let v = w.visitor();
    let mut raw = w.noodles.static_code().unwrap().encode();
    let seed_at = raw.len() - 64 - 32;
    raw[seed_at] ^= 1;
    assert!(matches!(
        v.scan(&url_of(&raw)),
        Err(Error::BadVenueSignature)
    ));

    let mut raw = w.noodles.static_code().unwrap().encode();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    assert!(matches!(
        v.scan(&url_of(&raw)),
        Err(Error::BadVenueSignature)
    ));
    assert!(v.all_entries().unwrap().is_empty());
}

#[test]
fn validity_in_time_is_checked() {
    let w = world();
    let v = w.visitor();
    let url = w.static_url(&w.noodles);
    w.clock.set_minute(NOW - 20_000);
    assert!(matches!(v.scan(&url), Err(Error::NotYetValid)));
    w.clock.set_minute(NOW + 300_000);
    assert!(matches!(v.scan(&url), Err(Error::Expired)));
}

#[test]
fn stale_rotating_code_and_inconsistent_validity() {
    let w = world();
    let v = w.visitor();
    let url = w.rotating_url(&w.noodles);
    let preview = v.scan(&url).unwrap();
    w.clock.advance_minutes(10);
    assert!(matches!(v.scan(&url), Err(Error::StaleCode)));
    // A preview confirmed too late is refused too: the code is checked again at check-in.
    assert!(matches!(v.check_in(&preview), Err(Error::StaleCode)));

    let now = NOW + 10;
    let key = SigningKey::from_seed(&[4; 32]).unwrap();
    let master = MasterSeed::from_bytes([5; 32]);
    let far = VenueCode::signed(
        w.noodles.certificate().clone(),
        CodeKind::Rotating {
            epoch: epoch_of(now),
            valid_until: now + 600,
        },
        master.rotating_seed(epoch_of(now)),
        &key,
    )
    .unwrap();
    assert!(matches!(
        v.scan(&far.to_url(DEFAULT_BASE_URL)),
        Err(Error::InvalidCodeValidity)
    ));
    assert!(v.all_entries().unwrap().is_empty());
}

#[test]
fn revoked_venue_is_refused_from_the_cached_list() {
    let w = world();
    let v = w.visitor();
    let url = w.static_url(&w.noodles);
    v.scan(&url).unwrap();
    w.revoke(&[7]);
    v.sync_revocations().unwrap();
    assert!(matches!(v.scan(&url), Err(Error::Revoked)));
    // The cache survives a restart and works offline.
    drop(v);
    w.server.fail_next(10);
    let v = w.visitor();
    assert!(matches!(v.scan(&url), Err(Error::Revoked)));
    v.scan(&w.static_url(&w.museum)).unwrap();
}

#[test]
fn rescanning_the_current_venue_adds_no_duplicate() {
    let w = world();
    let v = w.visitor();
    let first = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(first.status, CheckInStatus::CheckedIn);
    assert_eq!(first.tone(), Tone::Success);
    w.clock.advance_minutes(20);
    let again = v.scan_and_check_in(&w.rotating_url(&w.noodles)).unwrap();
    assert_eq!(again.status, CheckInStatus::AlreadyCheckedIn);
    assert_eq!(again.entry.id(), first.entry.id());
    assert_eq!(again.tone(), Tone::Success);
    assert_eq!(v.all_entries().unwrap().len(), 1);
}

#[test]
fn scanning_another_venue_checks_out_of_the_first() {
    let w = world();
    let v = w.visitor();
    let first = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(25);
    let second = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    assert_eq!(second.status, CheckInStatus::CheckedIn);
    assert_eq!(second.checked_out_of, Some(first.entry.id()));
    let old = v.entry(first.entry.id()).unwrap();
    assert!(old.checked_out());
    assert_eq!(old.departure(), NOW + 25);
    assert_eq!(v.current().unwrap().unwrap().id(), second.entry.id());
}

#[test]
fn automatic_check_out_after_the_default_stay() {
    let w = world();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(c.entry.departure(), NOW + 60);
    w.clock.advance_minutes(59);
    assert!(v.current().unwrap().is_some());
    w.clock.advance_minutes(1);
    assert!(v.current().unwrap().is_none());
    assert!(matches!(
        v.check_out(c.entry.id()),
        Err(Error::NotCheckedIn)
    ));
    // After the automatic check-out, a rescan is a new visit.
    let again = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(again.status, CheckInStatus::CheckedIn);
    assert_ne!(again.entry.id(), c.entry.id());
}

#[test]
fn automatic_stay_is_clamped_to_sane_bounds() {
    let w = world();
    let mut cfg = w.config();
    cfg.auto_checkout_minutes = Some(1);
    let v = w.visitor_with(cfg.clone());
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    assert_eq!(c.entry.departure(), NOW + 15);
    drop(v);
    w.clock.advance_minutes(30);
    cfg.auto_checkout_minutes = Some(10_000);
    let v = w.visitor_with(cfg);
    let c = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    assert_eq!(c.entry.departure(), NOW + 30 + 720);
}

#[test]
fn manual_check_out() {
    let w = world();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    w.clock.advance_minutes(42);
    let out = v.check_out(c.entry.id()).unwrap();
    assert_eq!(out.departure(), NOW + 42);
    assert!(out.checked_out());
    assert!(v.current().unwrap().is_none());
    let r = v.check_out(c.entry.id());
    assert!(matches!(r, Err(Error::NotCheckedIn)));
    assert_eq!(Tone::of(&r), Tone::Failure);
    assert!(matches!(
        v.check_out(EntryId(999)),
        Err(Error::EntryNotFound)
    ));
}

#[test]
fn editing_times_within_bounds() {
    let w = world();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    let id = c.entry.id();
    w.clock.advance_minutes(90);
    let e = v.edit_times(id, NOW - 30, NOW + 80).unwrap();
    assert_eq!((e.arrival(), e.departure()), (NOW - 30, NOW + 80));
    assert!(e.checked_out());
    assert_eq!(v.entry(id).unwrap().arrival(), NOW - 30);

    let bad = [
        (NOW + 10, NOW + 10, Reason::DepartureBeforeArrival),
        (NOW + 100, NOW + 120, Reason::ArrivalInFuture),
        (NOW - 721, NOW - 700, Reason::ArrivalTooEarly),
        (NOW - 700, NOW + 21, Reason::StayTooLong),
    ];
    for (a, d, what) in bad {
        match v.edit_times(id, a, d) {
            Err(Error::EditOutOfBounds(why)) => assert_eq!(why, what),
            other => panic!("{what}: {other:?}"),
        }
    }
    // Nothing changed by the refused edits.
    assert_eq!(v.entry(id).unwrap().departure(), NOW + 80);
}

#[test]
fn editing_departure_into_the_future_keeps_the_check_in_open() {
    let w = world();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    let e = v.edit_times(c.entry.id(), NOW, NOW + 200).unwrap();
    assert!(!e.checked_out());
    w.clock.advance_minutes(150);
    assert_eq!(v.current().unwrap().unwrap().id(), c.entry.id());
}

#[test]
fn hiding_and_deleting_entries() {
    let w = world();
    let v = w.visitor();
    let a = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(70);
    let b = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    v.set_hidden(a.entry.id(), true).unwrap();
    let shown: Vec<_> = v.entries().unwrap().iter().map(|e| e.id()).collect();
    assert_eq!(shown, vec![b.entry.id()]);
    assert_eq!(v.all_entries().unwrap().len(), 2);
    assert!(v.entry(a.entry.id()).unwrap().hidden());
    v.set_hidden(a.entry.id(), false).unwrap();
    assert_eq!(v.entries().unwrap().len(), 2);

    v.delete(b.entry.id()).unwrap();
    assert!(matches!(v.entry(b.entry.id()), Err(Error::EntryNotFound)));
    assert!(matches!(v.delete(b.entry.id()), Err(Error::EntryNotFound)));
    assert_eq!(v.all_entries().unwrap().len(), 1);
}

#[test]
fn error_messages_carry_no_user_data() {
    let w = world();
    let v = w.visitor();
    let mut raw = w.noodles.static_code().unwrap().encode();
    let seed_at = raw.len() - 64 - 32;
    raw[seed_at] ^= 1;
    let e = v.scan(&url_of(&raw)).unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(NOODLES_NAME));
    assert!(!text.contains(&encode_decimal(&raw)));
}

#[test]
fn the_stay_is_chosen_at_check_in_with_a_reminder_before_the_automatic_checkout() {
    let w = world();
    let v = w.visitor();
    let p = v.scan(&w.static_url(&w.noodles)).unwrap();
    assert!(matches!(
        v.check_in_with_stay(&p, 5),
        Err(Error::InvalidArgument(_))
    ));
    let c = v.check_in_with_stay(&p, 25).unwrap();
    assert_eq!(c.entry.departure(), c.entry.arrival() + 25);
    let r = c.checkout_reminder();
    assert_eq!(r.entry, c.entry.id());
    assert_eq!(r.auto_checkout_at, c.entry.arrival() + 25);
    assert_eq!(
        r.remind_at,
        c.entry.arrival() + 25 - CHECKOUT_REMINDER_LEAD_MINUTES
    );
    assert_eq!(v.checkout_reminder().unwrap(), Some(r));
    w.clock.advance_minutes(30);
    assert_eq!(v.checkout_reminder().unwrap(), None);
}

#[test]
fn a_fresh_phone_fetches_the_revocation_list_before_its_first_check_in() {
    let w = world();
    w.revoke(&[w.noodles.certificate().serial()]);
    let v = w.visitor();
    assert!(matches!(
        v.scan(&w.static_url(&w.noodles)),
        Err(Error::Revoked)
    ));
}
