//! Sync v2 against a misbehaving server or proxy (the in-memory transport): withheld batches,
//! old checkpoints, reordered and forked chains, replayed revocation lists, and trust bundles
//! with substituted keys. Each part of a sync is reported on its own; a refused answer changes
//! nothing, and the app is never told "no exposure" when the chain says otherwise.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use common::*;
use venuecode_client::*;
use venuecode_protocol::time::EPOCH_MINUTES;
use venuecode_protocol::{ChainHead, Codec, DecryptionKey, Error as P, RiskLevel, SigningKey};

// ---- withheld, stale, reordered, forked ----

#[test]
fn withheld_batch_for_this_client_is_reported_not_no_exposure() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    w.publish(&w.noodles_batch());
    w.publish(&w.other_batch(3));
    // The server hides batch 2 (the one that matters) from this phone.
    w.server.withhold(2);
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 1);
    assert!(r.new_exposures.is_empty());
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 3 });
    assert!(matches!(
        r.batch_sync,
        PartOutcome::Failed(Error::Server { status: 404, .. })
    ));
    assert!(!r.is_up_to_date());
    assert_eq!(r.tone(), Tone::Failure);
    // The state is kept: the phone still knows it was not given them.
    assert_eq!(
        v.chain_status().unwrap(),
        ChainStatus::Withheld { from: 2, to: 3 }
    );
    // The phone asked for the missing batch by its sequence, not only through the listing.
    assert!(w.server.requests().iter().any(|p| p == "/v1/batches/2"));
    // The chain state is in the diary: a reopened app still knows.
    drop(v);
    let v = w.visitor();
    assert_eq!(
        v.chain_status().unwrap(),
        ChainStatus::Withheld { from: 2, to: 3 }
    );

    // Once the server serves it, the exposure is raised and the chain is up to date.
    w.server.release_withheld();
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 2);
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);
    assert!(r.is_up_to_date());
    assert_eq!(v.chain_status().unwrap(), ChainStatus::Ok);
}

#[test]
fn withheld_from_the_listing_only_is_fetched_by_sequence() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    w.publish(&w.noodles_batch());
    w.server.omit_from_listing(2);
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 2);
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);
}

#[test]
fn withheld_last_batch_without_a_listing_is_caught_by_the_checkpoint() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.noodles_batch());
    // Neither listed nor served: only the signed checkpoint tells.
    w.server.withhold(1);
    let r = v.sync().unwrap();
    assert_eq!(r.batches, 0);
    assert_eq!(r.chain, ChainStatus::Withheld { from: 1, to: 1 });
}

#[test]
fn withheld_old_checkpoint_served_by_a_proxy_is_stale() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    // Three days later the HA has published more, but a proxy keeps serving the old
    // checkpoint and hides the new batch from the listing.
    let old = w.publish_checkpoint();
    w.clock.advance_minutes(3 * EPOCH_MINUTES);
    w.publish(&w.noodles_batch());
    w.server.intercept("/v1/checkpoint", old.encode());
    w.server
        .intercept("/v1/batches?", br#"{"batches":[],"latest":1}"#.to_vec());
    let r = v.sync().unwrap();
    assert!(r.checkpoint.is_ok());
    assert_eq!(r.batches, 1);
    assert_eq!(r.chain, ChainStatus::Stale);
    assert!(!r.is_up_to_date());
    assert_eq!(v.chain_status().unwrap(), ChainStatus::Stale);

    // The genuine, fresh checkpoint names batch 2: the phone reads it and is up to date.
    w.server.stop_intercepting();
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);
}

#[test]
fn withheld_stale_bound_is_configurable() {
    let w = world();
    w.no_revocations();
    let mut cfg = w.config();
    cfg.stale_minutes = 60;
    let v = w.visitor_with(cfg);
    assert_eq!(v.sync().unwrap().chain, ChainStatus::Ok);
    w.clock.advance_minutes(61);
    assert_eq!(v.sync().unwrap().chain, ChainStatus::Stale);
    w.publish_checkpoint();
    assert_eq!(v.sync().unwrap().chain, ChainStatus::Ok);
}

#[test]
fn withheld_nothing_before_any_checkpoint_is_stale() {
    let w = world();
    w.no_revocations();
    w.server.intercept("/v1/checkpoint", Vec::new());
    let v = w.visitor();
    let r = v.sync().unwrap();
    assert!(matches!(r.checkpoint, PartOutcome::Refused(_)), "{r:?}");
    assert_eq!(r.chain, ChainStatus::Stale);
    assert!(!r.is_up_to_date());
}

#[test]
fn withheld_checkpoint_older_than_the_held_one_is_refused_as_rollback() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    let old = w.publish_checkpoint();
    w.clock.advance_minutes(10);
    w.publish(&w.other_batch(2));
    let r = v.sync().unwrap();
    assert_eq!(r.cursor, 2);
    // A proxy replays the older, genuinely signed checkpoint.
    w.server.intercept("/v1/checkpoint", old.encode());
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.checkpoint,
            PartOutcome::Refused(Error::Protocol(P::Rollback))
        ),
        "{r:?}"
    );
    // The held checkpoint is kept: still up to date as of the newer one.
    assert_eq!(r.chain, ChainStatus::Ok);
    assert_eq!(r.cursor, 2);
}

#[test]
fn withheld_reordered_chain_is_refused_and_not_matched() {
    let w = world();
    let v = w.visited_noodles();
    let first = w.noodles_batch();
    let second = w.other_batch(2);
    // The server swaps the two batches.
    w.server.publish_at(1, second.encode());
    w.server.publish_at(2, first.encode());
    w.publish_checkpoint();
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.batch_sync,
            PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
        ),
        "{r:?}"
    );
    assert_eq!(r.batches, 0);
    assert!(v.exposures().unwrap().is_empty());
    assert_eq!(r.chain, ChainStatus::Withheld { from: 1, to: 2 });
}

#[test]
fn withheld_forked_chain_is_refused() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    assert_eq!(v.sync().unwrap().cursor, 1);

    // A second, different batch 1 and a batch 2 after it: a fork of what the phone read.
    let fork1 = w.batch_after(
        ChainHead::GENESIS,
        &[(other_seed([9; 32]), NOW, NOW + 1, RiskLevel::LOW)],
    );
    let fork2 = w.batch_after(
        fork1.chain_head(),
        &[(static_seed(&w.noodles), NOW, NOW + 60, RiskLevel::HIGH)],
    );
    w.server.publish(&fork1);
    w.server.publish(&fork2);
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.batch_sync,
            PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
        ),
        "{r:?}"
    );
    assert!(v.exposures().unwrap().is_empty());
    assert_eq!(r.cursor, 1);

    // A checkpoint of the fork at the phone's own head is refused too.
    let forked_cp = checkpoint(&w.ha, fork1.chain_head(), w.clock.now_minute());
    w.server.set_checkpoint(&forked_cp);
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.checkpoint,
            PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
        ),
        "{r:?}"
    );
}

#[test]
fn withheld_batch_disagreeing_with_the_checkpoint_is_refused() {
    let w = world();
    let v = w.visited_noodles();
    let genuine = w.noodles_batch();
    w.publish(&genuine);
    // The server serves another batch 1, signed and well formed, that the checkpoint does not
    // name.
    let other = w.batch_after(
        ChainHead::GENESIS,
        &[(other_seed([5; 32]), NOW, NOW + 1, RiskLevel::LOW)],
    );
    w.server.publish(&other);
    let r = v.sync().unwrap();
    assert!(matches!(
        r.batch_sync,
        PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
    ));
    assert_eq!(r.chain, ChainStatus::Withheld { from: 1, to: 1 });
}

// ---- revocations: rollback, gaps, pages ----

use common::revocation_page as revocations;

#[test]
fn rollback_replayed_old_revocation_list_is_refused_and_the_later_revocation_stays() {
    let w = world();
    let old = revocations(&w, 0, 0, 0, NOW, &[]);
    w.server.set_revocations(&old);
    let v = w.visitor();
    assert!(v.sync().unwrap().revocations.is_ok());
    v.scan(&w.static_url(&w.noodles)).unwrap();

    // The noodle bar is revoked.
    w.server
        .set_revocations(&revocations(&w, 0, 1, 1, NOW + 10, &[(1, 7)]));
    w.sync_revokes(&v, &w.noodles);

    // A proxy replays the old, genuinely signed full list.
    w.sync_refuses_rollback(&v, old.encode(), &[&w.noodles]);
    // A list as new by cursor but issued earlier is a rollback too.
    let earlier = revocations(&w, 0, 1, 1, NOW + 5, &[]);
    w.sync_refuses_rollback(&v, earlier.encode(), &[&w.noodles]);
    // The other parts ran.
    assert!(v.sync().unwrap().checkpoint.is_ok());
}

#[test]
fn rollback_failing_revocation_fetch_still_lets_batches_match() {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.noodles_batch());
    w.server.fail_path("/v1/revocations");
    let r = v.sync().unwrap();
    assert!(matches!(
        r.revocations,
        PartOutcome::Failed(Error::Network(_))
    ));
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);
    assert!(!r.is_up_to_date(), "a failed part is not up to date");
    assert!(r.first_error().is_some());

    // A forged list (bad signature) is refused; batches still match.
    w.server.stop_intercepting();
    let mut forged = revocations(&w, 0, 1, 1, NOW + 1, &[(1, 8)]).encode();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    w.server.intercept("/v1/revocations", forged);
    w.publish(&w.batch(&[(static_seed(&w.noodles), NOW + 1, NOW + 59, RiskLevel::LOW)]));
    let r = v.sync().unwrap();
    assert!(matches!(r.revocations, PartOutcome::Refused(_)), "{r:?}");
    assert_eq!(r.batches, 1);
    assert_eq!(r.new_exposures.len(), 1);
}

#[test]
fn rollback_revocation_pages_are_followed_and_gaps_refused() {
    let w = world();
    w.server
        .add_revocation_page(&revocations(&w, 0, 2, 3, NOW, &[(1, 100), (2, 7)]));
    w.server
        .add_revocation_page(&revocations(&w, 2, 3, 3, NOW, &[(3, 8)]));
    let v = w.visitor();
    let r = v.sync().unwrap();
    assert!(matches!(r.revocations, PartOutcome::Updated), "{r:?}");
    assert!(matches!(
        v.scan(&w.static_url(&w.noodles)),
        Err(Error::Revoked)
    ));
    assert!(matches!(
        v.scan(&w.static_url(&w.museum)),
        Err(Error::Revoked)
    ));
    let pages: Vec<_> = w
        .server
        .requests()
        .into_iter()
        .filter(|p| p.starts_with("/v1/revocations"))
        .collect();
    assert_eq!(
        pages,
        ["/v1/revocations?after=0", "/v1/revocations?after=2"]
    );

    // A list that starts after the cursor would skip revocations: refused.
    let w = world();
    w.server
        .set_revocations(&revocations(&w, 5, 6, 6, NOW, &[(6, 7)]));
    let v = w.visitor();
    let r = v.sync().unwrap();
    assert!(matches!(
        r.revocations,
        PartOutcome::Refused(Error::Protocol(P::RevocationGap))
    ));
    v.scan(&w.static_url(&w.noodles)).unwrap();
}

// ---- trust bundle ----

#[test]
fn trust_bundle_with_substituted_keys_is_refused_and_nothing_changes() {
    let w = world();
    let v = w.visited_noodles();
    let held = v.trust_bundle().unwrap();

    // A bundle of the attacker's own keys, signed by the attacker's "RA" key: it verifies on
    // its own, but no held RA key signed it.
    let evil_ra = SigningKey::from_seed(&[61; 32]).unwrap();
    let evil_ha = SigningKey::from_seed(&[62; 32]).unwrap();
    let evil_enc = DecryptionKey::derive(&[63; 32]).unwrap();
    let evil = bundle(9, &[&evil_ra], &[&evil_ha], &evil_enc, &evil_ra);
    w.server.set_trust_bundle(&evil);
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.trust_bundle,
            PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
        ),
        "{r:?}"
    );
    assert_eq!(v.trust_bundle().unwrap(), held);
    assert!(v.anchors().unwrap().ha(&evil_ha.key_id()).is_err());

    // Batches and checkpoints signed by the substituted HA key are refused.
    let evil_batch = w.noodles_batch_by(&evil_ha, w.head.get(), "x");
    w.server.publish(&evil_batch);
    w.server.set_checkpoint(&checkpoint(
        &evil_ha,
        evil_batch.chain_head(),
        w.clock.now_minute(),
    ));
    let r = v.sync().unwrap();
    assert!(matches!(
        r.checkpoint,
        PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
    ));
    assert!(matches!(
        r.batch_sync,
        PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
    ));
    assert!(v.exposures().unwrap().is_empty());

    // The genuine bundle with the HA key bytes swapped (a proxy's edit): the signature fails.
    let mut bytes = w.trust.encode();
    let at = 1 + 8 + 4 + 1 + 32 + 1;
    bytes[at..at + 32].copy_from_slice(evil_ha.public_key().as_bytes());
    w.server.intercept("/v1/trust-bundle", bytes);
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.trust_bundle,
            PartOutcome::Refused(Error::Protocol(P::TrustBundleSignatureInvalid))
        ),
        "{r:?}"
    );
    assert_eq!(v.trust_bundle().unwrap(), held);
    // And nothing changed after a reopen either.
    drop(v);
    let v = w.visitor();
    assert_eq!(v.trust_bundle().unwrap(), held);
}

#[test]
fn trust_genuine_rotation_is_applied_and_an_older_bundle_is_refused() {
    let w = world();
    let v = w.visited_noodles();
    // The HA rotates its signing key: the RA signs bundle 2 (with the key phones hold) that
    // trusts both, then adds a new RA key in bundle 3 and drops the old in bundle 4.
    let ha2 = SigningKey::from_seed(&[21; 32]).unwrap();
    let ra2 = SigningKey::from_seed(&[22; 32]).unwrap();
    let b2 = bundle(2, &[&w.ra], &[&w.ha, &ha2], &w.ha_enc, &w.ra);
    w.server.set_trust_bundle(&b2);
    let r = v.sync().unwrap();
    assert!(matches!(r.trust_bundle, PartOutcome::Updated), "{r:?}");
    assert_eq!(v.trust_bundle().unwrap(), b2);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Unchanged
    ));

    // Batches and checkpoints signed by the new HA key now verify.
    let by_ha2 = w.noodles_batch_by(&ha2, w.head.get(), "m");
    w.head.set(by_ha2.chain_head());
    w.server.publish(&by_ha2);
    w.server
        .set_checkpoint(&checkpoint(&ha2, by_ha2.chain_head(), w.clock.now_minute()));
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1, "{r:?}");
    assert_eq!(r.chain, ChainStatus::Ok);

    let b3 = bundle(3, &[&w.ra, &ra2], &[&ha2], &w.ha_enc, &w.ra);
    let b4 = bundle(4, &[&ra2], &[&ha2], &w.ha_enc, &ra2);
    w.server.set_trust_bundle(&b3);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Updated
    ));
    w.server.set_trust_bundle(&b4);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Updated
    ));
    assert_eq!(v.trust_bundle().unwrap(), b4);

    // Kept across a reopen, even though the app still ships bundle 1.
    drop(v);
    let v = w.visitor();
    assert_eq!(v.trust_bundle().unwrap(), b4);

    // A server that serves an older bundle changes nothing.
    w.server.set_trust_bundle(&b2);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
    ));
    w.server
        .set_trust_bundle(&bundle(3, &[&ra2], &[&ha2], &w.ha_enc, &ra2));
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Refused(Error::Protocol(P::Rollback))
    ));
    assert_eq!(v.trust_bundle().unwrap(), b4);
}

#[test]
fn trust_first_install_must_verify_and_no_key_comes_from_the_network() {
    let w = world();
    // A bundle not signed by one of its own RA keys is not a first install.
    let other = SigningKey::from_seed(&[70; 32]).unwrap();
    let unsigned = bundle(1, &[&w.ra], &[&w.ha], &w.ha_enc, &other);
    assert!(matches!(
        VisitorConfig::new(unsigned.clone()),
        Err(Error::Protocol(P::UnknownKeyId))
    ));
    assert!(Venue::new(
        w.noodles.certificate().clone(),
        venuecode_protocol::MasterSeed::from_bytes([5; 32]),
        SigningKey::from_seed(&[4; 32]).unwrap(),
        &unsigned,
    )
    .is_err());

    // A full sync never asks the server for keys.
    let v = w.visited_noodles();
    w.publish(&w.noodles_batch());
    v.sync().unwrap();
    assert!(!w
        .server
        .requests()
        .iter()
        .any(|p| p.starts_with("/v1/authority")));
    // An update handed over by the app goes through the same check.
    let evil_ra = SigningKey::from_seed(&[61; 32]).unwrap();
    let evil = bundle(5, &[&evil_ra], &[&w.ha], &w.ha_enc, &evil_ra);
    assert!(v.update_trust_bundle(&evil).is_err());
    assert_eq!(v.trust_bundle().unwrap(), w.trust);
}
