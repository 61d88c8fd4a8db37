//! Sync and matching: overlap, margins, verification, repeated batches, crash mid-sync.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::*;
use venuecode_protocol::time::epoch_of;
use venuecode_protocol::{Codec, MasterSeed, RiskLevel, SealedMessage, SeedRelease, SigningKey};

/// Checked in at the noodle bar from NOW to NOW+60 (automatic check-out).
fn visited_noodles(w: &World) -> (Visitor, EntryId) {
    w.no_revocations();
    let v = w.visitor();
    let c = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(120);
    (v, c.entry.id())
}

#[test]
fn overlap_at_the_minimum_raises_an_exposure_with_its_details() {
    let w = world();
    let (v, id) = visited_noodles(&w);
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed, NOW + 45, NOW + 200, RiskLevel::HIGH)]));
    let report = v.sync().unwrap();
    assert_eq!(report.batches, 1);
    assert_eq!(report.cursor, 1);
    assert_eq!(report.new_exposures.len(), 1);
    let e = &v.exposures().unwrap()[0];
    assert_eq!(e, &report.new_exposures[0]);
    assert_eq!(e.entry_id(), id);
    assert_eq!(e.venue_name(), NOODLES_NAME);
    assert_eq!(e.venue_address(), NOODLES_ADDRESS);
    assert_eq!(e.overlap_minutes(), 15);
    assert_eq!(e.overlap_start(), NOW + 45);
    assert_eq!(e.date(), epoch_of(NOW + 45));
    assert_eq!(e.window(), (NOW + 45, NOW + 200));
    assert_eq!(e.risk(), RiskLevel::HIGH);
    assert_eq!(e.message(), "Get tested and stay home.");
}

#[test]
fn overlap_below_the_minimum_raises_nothing_but_advances_the_cursor() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed, NOW + 46, NOW + 200, RiskLevel::LOW)]));
    let report = v.sync().unwrap();
    assert_eq!(report.batches, 1);
    assert!(report.new_exposures.is_empty());
    assert!(v.exposures().unwrap().is_empty());
    // The minimum is configurable.
    drop(v);
    let mut cfg = w.config();
    cfg.min_overlap_minutes = 5;
    let v = w.visitor_with(cfg);
    assert!(
        v.sync().unwrap().new_exposures.is_empty(),
        "cursor already past"
    );
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed, NOW + 46, NOW + 200, RiskLevel::LOW)]));
    assert_eq!(v.sync().unwrap().new_exposures.len(), 1);
}

#[test]
fn windows_of_other_venues_or_other_times_do_not_match() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    w.publish(&w.batch(&[
        (static_seed(&w.museum), NOW, NOW + 60, RiskLevel::HIGH),
        (
            static_seed(&w.noodles),
            NOW + 300,
            NOW + 400,
            RiskLevel::HIGH,
        ),
    ]));
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 1);
    assert!(r.new_exposures.is_empty());
}

#[test]
fn token_map_covers_the_stay_and_the_margins() {
    let w = world();
    let (v, id) = visited_noodles(&w);
    // NOW is 20 minutes into a slot: NOW..NOW+60 touches 2 slots, plus one margin slot on
    // each side.
    assert_eq!(v.token_count().unwrap(), 4);
    v.edit_times(id, NOW - 20, NOW + 100).unwrap();
    assert_eq!(v.token_count().unwrap(), 2 + 2);
    v.edit_times(id, NOW - 20, NOW + 101).unwrap();
    assert_eq!(v.token_count().unwrap(), 3 + 2);
    // A record in a margin slot is found and opened, but raises nothing without overlap.
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed, NOW + 101, NOW + 150, RiskLevel::HIGH)]));
    assert!(v.sync().unwrap().new_exposures.is_empty());
}

#[test]
fn hidden_entries_match_and_deleted_ones_do_not() {
    let w = world();
    w.no_revocations();
    let v = w.visitor();
    let a = v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(60);
    let b = v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    w.clock.advance_minutes(300);
    v.set_hidden(a.entry.id(), true).unwrap();
    v.delete(b.entry.id()).unwrap();
    w.publish(&w.batch(&[
        (static_seed(&w.noodles), NOW, NOW + 60, RiskLevel::HIGH),
        (static_seed(&w.museum), NOW + 60, NOW + 180, RiskLevel::HIGH),
    ]));
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.new_exposures[0].entry_id(), a.entry.id());
}

#[test]
fn repeated_batches_never_raise_the_same_exposure_twice() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let seed = static_seed(&w.noodles);
    let batch = w.batch(&[(seed.clone(), NOW, NOW + 60, RiskLevel::HIGH)]);
    w.publish(&batch);
    // The same window again in a new batch (new batch id, new seals), twice.
    w.publish(&w.batch(&[(seed.clone(), NOW, NOW + 60, RiskLevel::HIGH)]));
    w.publish(&w.batch(&[(seed, NOW, NOW + 60, RiskLevel::HIGH)]));
    let mut seen = Vec::new();
    let r = v.sync_with_progress(&mut |p| seen.push(p)).unwrap();
    assert_eq!(r.batches, 3);
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);
    assert!(r.is_up_to_date());
    // Progress is reported once per batch, in order, with the exposures so far.
    assert_eq!(
        seen.iter()
            .map(|p| (p.batch, p.latest, p.exposures_so_far))
            .collect::<Vec<_>>(),
        vec![(1, 3, 1), (2, 3, 1), (3, 3, 1)]
    );
    assert_eq!(v.sync().unwrap().batches, 0);
    assert_eq!(v.exposures().unwrap().len(), 1);
}

#[test]
fn crash_mid_sync_loses_no_alert_and_duplicates_none() {
    let w = world();
    w.no_revocations();
    let v = w.visitor();
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(60);
    v.scan_and_check_in(&w.static_url(&w.museum)).unwrap();
    w.clock.advance_minutes(300);

    let small = w.batch(&[(static_seed(&w.noodles), NOW, NOW + 60, RiskLevel::HIGH)]);
    let mut windows = vec![(static_seed(&w.museum), NOW + 60, NOW + 180, RiskLevel::LOW)];
    for i in 0..20u8 {
        windows.push((other_seed([i; 32]), NOW, NOW + 600, RiskLevel::LOW));
    }
    let big = w.batch(&windows);
    let small_len = small.encode().len();
    assert!(big.encode().len() > small_len + 1000);
    w.publish(&small);
    w.publish(&big);

    // The connection drops in the middle of the second batch.
    w.server.cut_batch_bodies_at(Some(small_len + 500));
    let r = v.sync().unwrap();
    assert!(
        matches!(r.batch_sync, PartOutcome::Failed(Error::Network(_))),
        "{r:?}"
    );
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 2 });
    let after_first = v.exposures().unwrap();
    assert_eq!(after_first.len(), 1, "the first batch's alert is kept");
    assert_eq!(after_first[0].venue_name(), NOODLES_NAME);
    drop(v);

    // The app restarts and syncs again: the second batch is processed from the start.
    w.server.cut_batch_bodies_at(None);
    let v = w.visitor();
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 1);
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.new_exposures[0].risk(), RiskLevel::LOW);
    assert_eq!(v.exposures().unwrap().len(), 2);
    assert_eq!(v.sync().unwrap().new_exposures.len(), 0);
    assert_eq!(v.exposures().unwrap().len(), 2);
}

#[test]
fn a_body_cut_just_before_the_digest_check_commits_nothing() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let batch = w.batch(&[(static_seed(&w.noodles), NOW, NOW + 60, RiskLevel::HIGH)]);
    let len = batch.encode().len();
    w.publish(&batch);
    w.server.cut_batch_bodies_at(Some(len - 1));
    assert!(!v.sync().unwrap().batch_sync.is_ok());
    assert!(v.exposures().unwrap().is_empty());
    w.server.cut_batch_bodies_at(None);
    assert_eq!(v.sync().unwrap().new_exposures.len(), 1);
}

#[test]
fn batches_that_fail_verification_are_refused_and_store_nothing() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let seed = static_seed(&w.noodles);

    // Signed by a key the app does not trust.
    let mut b = venuecode_protocol::BatchBuilder::new(
        venuecode_protocol::ChainHead::GENESIS,
        NOW,
        vec!["x".into()],
    )
    .unwrap();
    b.add(&venuecode_protocol::ExposureWindow {
        seed: seed.0.clone(),
        venue_key: seed.1,
        start: NOW,
        end: NOW + 60,
        risk: RiskLevel::HIGH,
        message_index: 0,
    })
    .unwrap();
    let rogue = b.sign(&SigningKey::from_seed(&[42; 32]).unwrap()).unwrap();
    w.server.publish(&rogue);
    assert!(matches!(
        v.sync().unwrap().batch_sync,
        PartOutcome::Refused(Error::Protocol(venuecode_protocol::Error::UnknownKeyId))
    ));
    assert!(v.exposures().unwrap().is_empty());

    let w = world();
    let (v, _) = visited_noodles(&w);
    // A tampered record: the digest no longer matches.
    let mut raw = w
        .batch(&[(seed.clone(), NOW, NOW + 60, RiskLevel::HIGH)])
        .encode();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    w.server.publish_bytes(raw);
    w.publish_checkpoint();
    assert!(matches!(
        v.sync().unwrap().batch_sync,
        PartOutcome::Refused(Error::Protocol(
            venuecode_protocol::Error::BatchDigestMismatch
        ))
    ));
    assert!(v.exposures().unwrap().is_empty());

    let w = world();
    let (v, _) = visited_noodles(&w);
    // A tampered header: the HA signature no longer verifies.
    let mut raw = w.batch(&[(seed, NOW, NOW + 60, RiskLevel::HIGH)]).encode();
    raw[66] ^= 1; // created_at: the HA signature no longer verifies
    w.server.publish_bytes(raw);
    w.publish_checkpoint();
    let r = v.sync().unwrap();
    assert!(matches!(
        r.batch_sync,
        PartOutcome::Refused(Error::Protocol(
            venuecode_protocol::Error::BatchSignatureInvalid
        ))
    ));
    // The checkpoint names the refused batch: not "no exposure".
    assert_eq!(r.chain, ChainStatus::Withheld { from: 1, to: 1 });
    assert!(!r.is_up_to_date());
    assert!(v.exposures().unwrap().is_empty());
}

#[test]
fn rotating_code_matches_through_a_released_seed() {
    let w = world();
    w.no_revocations();
    let v = w.visitor();
    v.scan_and_check_in(&w.rotating_url(&w.museum)).unwrap();
    w.clock.advance_minutes(200);
    // The HA gets the day's seed from the venue and publishes with it, under the venue key
    // the release names.
    let release: SealedMessage = w.museum.release_seeds(&[w.museum.day_of(NOW)]).unwrap();
    let opened = SeedRelease::open(&w.ha_enc, &release).unwrap();
    let seed = (opened.seeds()[0].1.clone(), *opened.venue_key());
    // The static seed does not match a rotating check-in.
    w.publish(&w.batch(&[
        (static_seed(&w.museum), NOW, NOW + 120, RiskLevel::HIGH),
        (seed, NOW + 30, NOW + 90, RiskLevel::HIGH),
    ]));
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.new_exposures[0].overlap_minutes(), 60);
}

#[test]
fn a_large_batch_is_streamed_and_matched() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let mut windows: Vec<_> = (0..1500u32)
        .map(|i| {
            let mut s = [0u8; 32];
            s[..4].copy_from_slice(&i.to_be_bytes());
            (
                (MasterSeed::from_bytes(s).static_seed(), w.ha.public_key()),
                NOW - 300,
                NOW + 300,
                RiskLevel::LOW,
            )
        })
        .collect();
    windows.push((static_seed(&w.noodles), NOW + 10, NOW + 50, RiskLevel::HIGH));
    let batch = w.batch(&windows);
    assert!(batch.records().len() > 15_000);
    w.publish(&batch);
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.new_exposures[0].overlap_minutes(), 40);
}

#[test]
fn revocation_list_signature_is_checked() {
    let w = world();
    let v = w.visitor();
    let rogue = SigningKey::from_seed(&[77; 32]).unwrap();
    let list = venuecode_protocol::RevocationList::sign(
        venuecode_protocol::RevocationListBody {
            ra_key_id: rogue.key_id(),
            issued_at: NOW,
            after: 0,
            up_to: 1,
            head: 1,
            entries: vec![venuecode_protocol::Revocation {
                sequence: 1,
                serial: 7,
                revoked_at: NOW,
                reason: venuecode_protocol::RevocationReason::DISABLED_BY_AUTHORITY,
            }],
        },
        &rogue,
    )
    .unwrap();
    w.server.set_revocations(&list);
    assert!(v.sync_revocations().is_err());
    // The forged list was not applied.
    v.scan(&w.static_url(&w.noodles)).unwrap();
}

#[test]
fn network_failure_during_sync_is_a_network_error() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    // Every request fails: each part reports it, none stops the others, and the chain is not
    // reported up to date.
    w.server.fail_next(100);
    let r = v.sync().unwrap();
    for part in [
        &r.trust_bundle,
        &r.revocations,
        &r.checkpoint,
        &r.batch_sync,
    ] {
        assert!(
            matches!(part, PartOutcome::Failed(Error::Network(_))),
            "{r:?}"
        );
    }
    assert_eq!(r.chain, ChainStatus::Stale);
    assert_eq!(r.tone(), Tone::Failure);
    w.server.fail_next(0);
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 0);
    assert_eq!(r.tone(), Tone::Success);
}

#[test]
fn listings_are_followed_page_by_page_to_the_latest_batch() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    w.server.set_page_size(2);
    for i in 0..4u8 {
        w.publish(&w.batch(&[(other_seed([i; 32]), NOW, NOW + 60, RiskLevel::LOW)]));
    }
    w.publish(&w.batch(&[(static_seed(&w.noodles), NOW, NOW + 60, RiskLevel::HIGH)]));
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 5);
    assert_eq!(r.cursor, 5);
    assert_eq!(r.new_exposures.len(), 1);
    let venue = w
        .noodles
        .check_notified(&w.server, 0, NOW - 60, NOW + 120)
        .unwrap();
    assert_eq!(venue.cursor, 5);
    assert_eq!(venue.notices.len(), 1);
}

#[test]
fn exposures_stay_listed_until_dismissed_and_are_not_raised_again() {
    let w = world();
    let (v, _) = visited_noodles(&w);
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed.clone(), NOW, NOW + 60, RiskLevel::LOW)]));
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    let x = &r.new_exposures[0];
    assert!(!x.is_high_risk());
    assert!(!x.dismissed());
    // Listed after a sync that raised nothing new.
    assert!(v.sync().unwrap().new_exposures.is_empty());
    assert_eq!(v.exposures().unwrap().len(), 1);
    let d = v.dismiss_exposure(x.id()).unwrap();
    assert!(d.dismissed());
    assert!(v.exposures().unwrap().is_empty());
    assert_eq!(v.all_exposures().unwrap().len(), 1);
    // The same window published again is not raised again once dismissed.
    w.publish(&w.batch(&[(seed, NOW, NOW + 60, RiskLevel::LOW)]));
    assert!(v.sync().unwrap().new_exposures.is_empty());
    assert!(v.exposures().unwrap().is_empty());
    assert!(matches!(
        v.dismiss_exposure(9999),
        Err(Error::ExposureNotFound)
    ));
    // The dismissal is stored: a reopened diary still has it.
    drop(v);
    let v = w.visitor();
    assert!(v.exposures().unwrap().is_empty());
    assert!(v.all_exposures().unwrap()[0].dismissed());
}

#[test]
fn the_case_is_not_alerted_about_check_ins_she_shared() {
    let w = world();
    let (v, id) = visited_noodles(&w);
    const TAN: &str = "TAN-0123456789";
    // A share the server refused marks nothing.
    assert!(v.share(TAN, &[id]).is_err());
    assert!(!v.entry(id).unwrap().shared());
    w.server
        .register_tan(TAN, venuecode_client::transport::TanState::Fresh)
        .unwrap();
    v.retry_share().unwrap();
    assert!(v.entry(id).unwrap().shared());
    let seed = static_seed(&w.noodles);
    w.publish(&w.batch(&[(seed, NOW, NOW + 60, RiskLevel::HIGH)]));
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 1);
    assert!(r.new_exposures.is_empty());
    assert!(v.all_exposures().unwrap().is_empty());
}
