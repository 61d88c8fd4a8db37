//! The whole protocol flow in memory: register, scan, publish, match, share.
#![allow(clippy::unwrap_used)]

use venuecode_protocol::chain::retained_range;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::{self, stay_slots, Epoch, Slot, Slots, UnixMinute, EPOCH_MINUTES};
use venuecode_protocol::*;
use venuecode_testkit::fixture::{certificate, restaurant};

const NOW: UnixMinute = UnixMinute::new(29_000_000); // 2025-02-19T21:20Z, in Unix minutes

struct World {
    ra: SigningKey,
    ha: SigningKey,
    ha_enc: DecryptionKey,
    anchors: TrustAnchors,
    venue_key: SigningKey,
    master: MasterSeed,
    cert: VenueCertificate,
}

fn world() -> World {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let ha_enc = DecryptionKey::derive(&[3; 32]).unwrap();
    let venue_key = SigningKey::from_seed(&[4; 32]).unwrap();
    let master = MasterSeed::from_bytes([5; 32]);
    let info = restaurant("兰州牛肉面馆");
    let cert = certificate(&ra, 7, &venue_key, info, NOW - 1000, NOW + 100_000);
    let anchors = TrustAnchors::new(ra.public_key(), ha.public_key());
    World {
        ra,
        ha,
        ha_enc,
        anchors,
        venue_key,
        master,
        cert,
    }
}

#[test]
fn static_code_scan_publish_match() {
    let w = world();
    let code = VenueCode::new_static(w.cert.clone(), &w.master, &w.venue_key).unwrap();
    let url = code.to_url(DEFAULT_BASE_URL);
    let scanned = VenueCode::parse(&url).unwrap();
    assert_eq!(scanned, code);
    scanned.verify(&w.anchors, NOW, None).unwrap();

    // Visitor stays 90 minutes; the HA publishes a window overlapping its second hour.
    let (arrival, departure) = (NOW, NOW + 90);
    let keys = scanned.slot_keys();
    let diary: Vec<(SlotToken, Slot)> = stay_slots(arrival, departure)
        .map(|s| (keys.token(s), s))
        .collect();

    // The case's upload, opened by the HA.
    let upload = Upload::new(
        "K7Q2-M9XD-4TZP",
        vec![UploadEntry::new(scanned.clone(), NOW + 30, NOW + 200).unwrap()],
    )
    .unwrap();
    let sealed = upload.seal(&w.ha_enc.public_key()).unwrap();
    let bytes = sealed.encode();
    let opened = Upload::open(&w.ha_enc, &SealedMessage::decode(&bytes).unwrap()).unwrap();
    assert_eq!(opened, upload);
    // The HA finds the TAN it issued inside the seal; the header carried only its hash.
    assert_eq!(
        opened.tan_hash().unwrap(),
        venuecode_protocol::envelope::parse_tan_hash(
            &venuecode_protocol::envelope::tan_hash_hex("K7Q2-M9XD-4TZP").unwrap()
        )
        .unwrap()
    );
    let shared = &opened.entries()[0];
    shared.code().verify_signatures(&w.anchors).unwrap();
    shared.check_claim(NOW + 300).unwrap();

    let mut b =
        BatchBuilder::new(ChainHead::GENESIS, NOW + 300, vec!["Get tested.".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: shared.code().seed().clone(),
        venue_key: shared.code().certificate().body().venue_key,
        start: shared.arrival(),
        end: shared.departure(),
        risk: RiskLevel::HIGH,
        message_index: 0,
    })
    .unwrap();
    let batch = b.sign(&w.ha).unwrap();
    let wire = batch.encode();
    let batch = ExposureBatch::decode(&wire).unwrap();
    batch.verify(&w.anchors).unwrap();

    let mut hits = 0;
    for rec in batch.records() {
        if let Some((_, slot)) = diary.iter().find(|(t, _)| *t == rec.token) {
            let n = rec
                .open(&keys, *slot, &batch.header().header().batch_id)
                .unwrap();
            assert_eq!(n.window_start, NOW + 30);
            assert_eq!(n.window_end(), NOW + 200);
            hits += 1;
        }
    }
    assert!(hits >= 1);
}

#[test]
fn swapped_seed_and_forged_certificate_are_rejected() {
    let w = world();
    let code = VenueCode::new_static(w.cert.clone(), &w.master, &w.venue_key).unwrap();
    let mut raw = code.encode();
    let seed_at = raw.len() - 64 - 32;
    raw[seed_at] ^= 1;
    let swapped = VenueCode::decode(&raw).unwrap();
    assert_eq!(
        swapped.verify(&w.anchors, NOW, None),
        Err(Error::VenueSignatureInvalid)
    );

    let other_ra = SigningKey::from_seed(&[9; 32]).unwrap();
    let forged_cert = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: w.ra.key_id(),
            ..w.cert.body().clone()
        },
        &w.ra,
    )
    .unwrap();
    assert!(forged_cert.verify_signature(&w.anchors).is_ok());
    let anchors_other = TrustAnchors::new(other_ra.public_key(), w.ha.public_key());
    assert_eq!(
        forged_cert.verify_signature(&anchors_other),
        Err(Error::UnknownKeyId)
    );
}

#[test]
fn rotating_code_goes_stale_and_days_differ() {
    let w = world();
    let code = VenueCode::new_rotating(w.cert.clone(), &w.master, &w.venue_key, NOW).unwrap();
    code.verify(&w.anchors, NOW + 3, None).unwrap();
    assert_eq!(
        code.verify(&w.anchors, NOW + 60, None),
        Err(Error::CodeStale)
    );
    let tomorrow =
        VenueCode::new_rotating(w.cert.clone(), &w.master, &w.venue_key, NOW + EPOCH_MINUTES)
            .unwrap();
    assert_ne!(tomorrow.seed(), code.seed());
    let mut revoked = RevocationSet::new();
    let list = RevocationList::sign(
        RevocationListBody {
            ra_key_id: w.ra.key_id(),
            issued_at: NOW,
            after: 0,
            up_to: 1,
            head: 1,
            entries: vec![Revocation {
                sequence: 1,
                serial: 7,
                revoked_at: NOW,
                reason: RevocationReason::DEACTIVATED_BY_VENUE,
            }],
        },
        &w.ra,
    )
    .unwrap();
    let list = RevocationList::decode(&list.encode()).unwrap();
    list.verify(&w.anchors).unwrap();
    revoked.apply(&list).unwrap();
    assert_eq!(
        code.verify(&w.anchors, NOW + 1, Some(&revoked)),
        Err(Error::Revoked)
    );
    assert_eq!(
        revoked.reason(7),
        Some(RevocationReason::DEACTIVATED_BY_VENUE)
    );
    // A list since the cursor that marks another certificate superseded (the venue updated
    // its information) refuses that certificate's old posters with their own error.
    let mut superseded = RevocationSet::new();
    let old = |sequence, serial, reason| Revocation {
        sequence,
        serial,
        revoked_at: NOW,
        reason,
    };
    for (after, up_to, entries) in [
        (
            0,
            1,
            vec![old(1, 5, RevocationReason::DISABLED_BY_AUTHORITY)],
        ),
        (1, 2, vec![old(2, 7, RevocationReason::SUPERSEDED)]),
    ] {
        let body = RevocationListBody {
            ra_key_id: w.ra.key_id(),
            issued_at: NOW,
            after,
            up_to,
            head: 2,
            entries,
        };
        superseded
            .apply(&RevocationList::sign(body, &w.ra).unwrap())
            .unwrap();
    }
    assert_eq!(superseded.cursor(), 2);
    assert!(superseded.contains(5) && superseded.contains(7));
    assert_eq!(
        code.verify(&w.anchors, NOW + 1, Some(&superseded)),
        Err(Error::Superseded)
    );
}

#[test]
fn seed_release_and_guest_book_round_trip() {
    let w = world();
    let day = Epoch::new(20_000);
    let seeds = vec![(day, w.master.rotating_seed(day))];
    let sealed = SeedRelease::create(&w.venue_key, seeds.clone(), &w.ha_enc.public_key()).unwrap();
    let sealed = SealedMessage::decode(&sealed.encode()).unwrap();
    let opened = SeedRelease::open(&w.ha_enc, &sealed).unwrap();
    assert_eq!(opened.seeds(), &seeds[..]);
    assert_eq!(*opened.venue_key(), w.venue_key.public_key());
    // Signed for another HA key: re-sealing it to this HA does not verify.
    let other_enc = DecryptionKey::derive(&[6; 32]).unwrap();
    let for_other =
        SeedRelease::sign(&w.venue_key, seeds, &other_enc.public_key().key_id()).unwrap();
    assert_eq!(
        for_other.verify(&w.ha_enc.public_key().key_id()),
        Err(Error::SeedReleaseSignatureInvalid)
    );
    assert!(for_other.seal(&w.ha_enc.public_key()).is_err());

    let entry = GuestBookEntry::new(7, "卢伟", "18212341234", NOW, NOW + 45).unwrap();
    let sealed = entry.seal(&w.ha_enc.public_key()).unwrap();
    assert_eq!(sealed.ciphertext().len(), 256 + 16);
    assert_eq!(GuestBookEntry::open(&w.ha_enc, &sealed).unwrap(), entry);
    assert!(!format!("{entry:?}").contains("卢伟"));
}

#[test]
fn request_envelope_checks_window_and_body() {
    let w = world();
    let env =
        RequestEnvelope::sign(&w.venue_key, "POST", "/v1/venues", b"body", 1_000_000).unwrap();
    let env = RequestEnvelope::from_header(&env.to_header()).unwrap();
    let pk = w.venue_key.public_key();
    env.verify(&pk, "POST", "/v1/venues", b"body", 1_000_100)
        .unwrap();
    assert_eq!(
        env.verify(&pk, "POST", "/v1/venues", b"bodx", 1_000_100),
        Err(Error::RequestSignatureInvalid)
    );
    assert_eq!(
        env.verify(&pk, "POST", "/v1/venues", b"body", 1_000_400),
        Err(Error::RequestTimestampOutOfWindow)
    );
    assert_eq!(
        env.verify(&w.ha.public_key(), "POST", "/v1/venues", b"body", 1_000_000),
        Err(Error::UnknownKeyId)
    );
    // The same checks given the body's SHA-256 instead of the body.
    let digest = |b: &[u8]| {
        let mut h = venuecode_protocol::hash::Sha256Stream::new();
        h.update(b);
        h.finish()
    };
    env.verify_digest(&pk, "POST", "/v1/venues", &digest(b"body"), 1_000_100)
        .unwrap();
    assert_eq!(
        env.verify_digest(&pk, "POST", "/v1/venues", &digest(b"bodx"), 1_000_100),
        Err(Error::RequestSignatureInvalid)
    );
    assert_eq!(
        env.verify_digest(&pk, "POST", "/v1/venues", &digest(b"body"), 1_000_400),
        Err(Error::RequestTimestampOutOfWindow)
    );
}

#[test]
fn overlapping_windows_of_one_seed_share_a_record() {
    let w = world();
    let seed = w.master.static_seed();
    let mut b = BatchBuilder::with_id(
        ChainHead::GENESIS,
        [7; 16],
        NOW,
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let start = venuecode_protocol::time::slot_start(venuecode_protocol::time::slot_of(NOW));
    for (s, e, risk, msg) in [
        (start + 10, start + 20, RiskLevel::LOW, 0),
        (start + 40, start + 70, RiskLevel::HIGH, 1),
    ] {
        b.add(&ExposureWindow {
            seed: seed.clone(),
            venue_key: w.venue_key.public_key(),
            start: s,
            end: e,
            risk,
            message_index: msg,
        })
        .unwrap();
    }
    let batch = b.sign(&w.ha).unwrap();
    assert_eq!(batch.records().len(), 2, "one record per slot touched");
    let keys = seed.slot_keys(&w.venue_key.public_key());
    let slot = venuecode_protocol::time::slot_of(start);
    let rec = batch
        .records()
        .iter()
        .find(|r| r.token == keys.token(slot))
        .unwrap();
    let n = rec.open(&keys, slot, &[7; 16]).unwrap();
    assert_eq!((n.window_start, n.window_end()), (start + 10, start + 70));
    assert_eq!((n.risk, n.message_index), (RiskLevel::HIGH, 1));
    assert_eq!(
        rec.open(&keys, slot, &[8; 16]),
        Err(Error::OpenFailed),
        "seal keys are per batch"
    );
}

/// The impostor attack of wire version 1: a stranger certifies a venue of their own and signs
/// a code pairing their certificate with a real venue's (public) seed. Under v2 the tokens,
/// seal keys and count tags derive from the seed and the venue key, so the impostor's code
/// yields values unrelated to the real venue's.
#[test]
fn the_same_seed_under_another_venue_key_is_unrelated() {
    let w = world();
    let impostor = SigningKey::from_seed(&[8; 32]).unwrap();
    let cert = VenueCertificate::sign(
        CertificateBody {
            serial: 8,
            venue_key: impostor.public_key(),
            ..w.cert.body().clone()
        },
        &w.ra,
    )
    .unwrap();
    let real = VenueCode::new_static(w.cert.clone(), &w.master, &w.venue_key).unwrap();
    let fake = VenueCode::signed(cert, CodeKind::Static, real.seed().clone(), &impostor).unwrap();
    fake.verify(&w.anchors, NOW, None).unwrap();
    assert_eq!(fake.seed(), real.seed());
    let (a, b) = (real.slot_keys(), fake.slot_keys());
    for slot in 0..50u32 {
        let s = Slot::new(483_333 + slot);
        assert_ne!(a.token(s), b.token(s));
        assert_ne!(a.seal_key(s, &[1; 16]), b.seal_key(s, &[1; 16]));
    }
    let day = Epoch::new(20_138);
    assert_ne!(a.count_tag(day), b.count_tag(day));
}

fn chain_batch(w: &World, after: ChainHead, id: u8, created_at: UnixMinute) -> ExposureBatch {
    let mut b =
        BatchBuilder::with_id(after, [id; 16], created_at, vec!["Get tested.".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: w.master.static_seed(),
        venue_key: w.venue_key.public_key(),
        start: created_at - 120,
        end: created_at - 60,
        risk: RiskLevel::LOW,
        message_index: 0,
    })
    .unwrap();
    b.sign(&w.ha).unwrap()
}

fn checkpoint(
    w: &World,
    issued_at: UnixMinute,
    head: ChainHead,
    retained: (u64, [u8; 32]),
) -> Checkpoint {
    let cp = Checkpoint::sign(
        CheckpointBody::new(w.ha.key_id(), issued_at, head, retained),
        &w.ha,
    )
    .unwrap();
    Checkpoint::decode(&cp.encode()).unwrap()
}

#[test]
fn batch_chain_checkpoints_and_chain_state() {
    let w = world();
    let b1 = chain_batch(&w, ChainHead::GENESIS, 1, NOW);
    let b2 = chain_batch(&w, b1.chain_head(), 2, NOW + 60);
    let b3 = chain_batch(&w, b2.chain_head(), 3, NOW + 120);
    assert_eq!(b1.header().header().sequence, 1);
    assert_eq!(b1.header().header().previous, [0; 32]);
    assert_eq!(b3.header().header().previous, b2.link());
    let ledger: Vec<_> = [&b1, &b2, &b3]
        .iter()
        .map(|b| {
            (
                b.header().header().sequence,
                b.link(),
                b.header().header().created_at,
            )
        })
        .collect();

    // Extend batch by batch, with a checkpoint naming batch 3.
    let cp = checkpoint(
        &w,
        NOW + 121,
        b3.chain_head(),
        retained_range(&ledger, NOW - 1).unwrap(),
    );
    assert_eq!(cp.body().retained_from, 1);
    let mut phone = ChainState::new();
    assert_eq!(phone.status(NOW), ChainStatus::Stale);
    phone.accept_checkpoint(&cp, &w.anchors).unwrap();
    assert_eq!(
        phone.status(NOW + 122),
        ChainStatus::Withheld { from: 1, to: 3 }
    );
    phone.accept_batch_header(b1.header()).unwrap();
    // A reordered batch (3 before 2) and a repeat are refused.
    assert_eq!(
        phone.accept_batch_header(b3.header()),
        Err(Error::BatchChainBroken)
    );
    assert_eq!(
        phone.accept_batch_header(b1.header()),
        Err(Error::BatchChainBroken)
    );
    assert_eq!(
        phone.status(NOW + 122),
        ChainStatus::Withheld { from: 2, to: 3 }
    );
    phone.accept_batch_header(b2.header()).unwrap();
    // A fork: another batch 3 after batch 2 disagrees with the checkpoint.
    let fork = chain_batch(&w, b2.chain_head(), 9, NOW + 130);
    assert_eq!(
        phone.accept_batch_header(fork.header()),
        Err(Error::BatchChainBroken)
    );
    phone.accept_batch_header(b3.header()).unwrap();
    assert_eq!(phone.status(NOW + 122), ChainStatus::Ok);
    assert_eq!(phone.cursor(), 3);
    // Stale: no newer checkpoint for more than two days.
    assert_eq!(phone.status(NOW + 121 + 2880), ChainStatus::Ok);
    assert_eq!(phone.status(NOW + 121 + 2881), ChainStatus::Stale);
    // Rollback: an older checkpoint is refused.
    let old = checkpoint(&w, NOW + 61, b2.chain_head(), (1, [0; 32]));
    assert_eq!(
        phone.accept_checkpoint(&old, &w.anchors),
        Err(Error::Rollback)
    );
    // A forged checkpoint.
    let mut bytes = cp.encode();
    bytes[20] ^= 1;
    assert_eq!(
        Checkpoint::decode(&bytes).unwrap().verify(&w.anchors),
        Err(Error::CheckpointSignatureInvalid)
    );

    // A new phone joins after batches 1 and 2 expired: it starts at batch 3.
    let retained = retained_range(&ledger, NOW + 61).unwrap();
    assert_eq!(retained, (3, b2.link()));
    let cp = checkpoint(&w, NOW + 200, b3.chain_head(), retained);
    let mut late = ChainState::new();
    late.accept_checkpoint(&cp, &w.anchors).unwrap();
    assert_eq!(
        late.accept_batch_header(b2.header()),
        Err(Error::BatchChainBroken)
    );
    late.accept_batch_header(b3.header()).unwrap();
    assert_eq!(late.status(NOW + 200), ChainStatus::Ok);
    // Everything expired: retained_from is sequence + 1 and retained_previous the head.
    assert_eq!(retained_range(&ledger, NOW + 500).unwrap(), (4, b3.link()));
    checkpoint(&w, NOW + 600, b3.chain_head(), (4, b3.link()));
    // A stored state comes back whole.
    let restored = ChainState::restore(phone.head(), phone.checkpoint().copied()).unwrap();
    assert_eq!(restored.head(), phone.head());
}

#[test]
fn batch_reader_streams_in_any_chunks() {
    let w = world();
    let batch = chain_batch(&w, ChainHead::GENESIS, 1, NOW);
    let wire = batch.encode();
    for chunk in [1usize, 7, 40, 1000, wire.len()] {
        let mut reader = BatchReader::new(w.anchors.clone());
        let mut records = Vec::new();
        for part in wire.chunks(chunk) {
            records.extend(reader.feed(part).unwrap());
        }
        assert!(reader.header().is_some());
        let header = reader.finish().unwrap();
        assert_eq!(&header, batch.header());
        assert_eq!(records, batch.records());
    }
    // A changed record fails at the end, a short stream fails, a forged header fails early.
    let mut bad = wire.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut reader = BatchReader::new(w.anchors.clone());
    reader.feed(&bad).unwrap();
    assert_eq!(reader.finish(), Err(Error::BatchDigestMismatch));
    let mut reader = BatchReader::new(w.anchors.clone());
    reader.feed(&wire[..wire.len() - 1]).unwrap();
    assert_eq!(reader.finish(), Err(Error::Truncated));
    let mut forged = wire.clone();
    forged[60] ^= 1;
    let mut reader = BatchReader::new(w.anchors.clone());
    assert_eq!(reader.feed(&forged), Err(Error::BatchSignatureInvalid));
}

#[test]
fn rotating_trace_across_local_midnight() {
    let w = world();
    // UTC+08:00: local midnight of local day e is 16:00 UTC of day e − 1.
    let day = time::local_epoch(NOW, 32);
    let midnight = time::epoch_start(day + 1, 32);
    let code =
        VenueCode::new_rotating(w.cert.clone(), &w.master, &w.venue_key, midnight - 100).unwrap();
    assert!(matches!(code.kind(), CodeKind::Rotating { epoch, .. } if epoch == day));
    let (start, end) = (midnight - 90, midnight + 120);
    let none = std::collections::BTreeMap::new();
    let plan = plan_trace(&code, start, end, &none).unwrap();
    assert_eq!(plan.missing_epochs, vec![day + 1]);
    assert_eq!(plan.parts.len(), 1);
    assert_eq!((plan.parts[0].start, plan.parts[0].end), (start, end));
    let mut released = std::collections::BTreeMap::new();
    released.insert(day + 1, w.master.rotating_seed(day + 1));
    let plan = plan_trace(&code, start, end, &released).unwrap();
    assert!(plan.missing_epochs.is_empty());
    assert_eq!(plan.parts.len(), 2);
    assert_eq!(plan.parts[1].epoch, Some(day + 1));
    assert_eq!((plan.parts[1].start, plan.parts[1].end), (midnight, end));
    let windows = plan.windows(RiskLevel::HIGH, 0);
    assert!(windows
        .iter()
        .all(|x| x.venue_key == w.venue_key.public_key()));

    // The upload's claim must fall in the code's display window.
    let entry = UploadEntry::new(code.clone(), midnight - 100, midnight + 20).unwrap();
    entry.check_claim(midnight + 30).unwrap();
    let photographed = UploadEntry::new(code.clone(), midnight - 300, midnight + 20).unwrap();
    assert_eq!(
        photographed.check_claim(midnight + 30),
        Err(Error::ClaimOutsideDisplayWindow)
    );
    let future = UploadEntry::new(code.clone(), midnight - 100, midnight + 40).unwrap();
    assert_eq!(
        future.check_claim(midnight + 30),
        Err(Error::ValueOutOfRange)
    );
    let long = UploadEntry::new(code.clone(), midnight - 100, midnight - 100 + 721).unwrap();
    assert_eq!(
        long.check_claim(midnight + 1000),
        Err(Error::ValueOutOfRange)
    );
}

#[test]
fn revocation_lists_refuse_rollback_and_gaps() {
    let w = world();
    let list = |issued_at, after, up_to, head, seqs: &[u64]| {
        RevocationList::sign(
            RevocationListBody {
                ra_key_id: w.ra.key_id(),
                issued_at,
                after,
                up_to,
                head,
                entries: seqs
                    .iter()
                    .map(|&s| Revocation {
                        sequence: s,
                        serial: 100 + s,
                        revoked_at: NOW,
                        reason: RevocationReason::DISABLED_BY_AUTHORITY,
                    })
                    .collect(),
            },
            &w.ra,
        )
        .unwrap()
    };
    let mut set = RevocationSet::new();
    set.apply(&list(NOW, 0, 2, 3, &[1, 2])).unwrap();
    assert_eq!(
        set.apply(&list(NOW, 3, 3, 3, &[])),
        Err(Error::RevocationGap)
    );
    set.apply(&list(NOW + 1, 2, 3, 3, &[3])).unwrap();
    assert_eq!((set.cursor(), set.issued_at()), (3, NOW + 1));
    assert_eq!(
        set.apply(&list(NOW, 0, 2, 2, &[1, 2])),
        Err(Error::Rollback)
    );
    assert_eq!(set.apply(&list(NOW, 3, 3, 3, &[])), Err(Error::Rollback));
    assert!(set.contains(103));
    set.apply(&list(NOW + 2, 0, 3, 3, &[3])).unwrap();
    assert!(!set.contains(101) && set.contains(103));
    assert_eq!(
        RevocationList::sign(
            RevocationListBody {
                ra_key_id: w.ra.key_id(),
                issued_at: NOW,
                after: 0,
                up_to: 2,
                head: 1,
                entries: vec![]
            },
            &w.ra
        ),
        Err(Error::ValueOutOfRange)
    );
}

#[test]
fn trust_bundle_install_and_rotation() {
    let w = world();
    let body = |sequence, ra: Vec<PublicKey>| TrustBundleBody {
        sequence,
        issued_at: NOW,
        ra_keys: ra,
        ha_signing_keys: vec![w.ha.public_key()],
        ha_encryption_key: w.ha_enc.public_key(),
        server_url: "https://vc.example".into(),
        code_base_url: DEFAULT_BASE_URL.into(),
    };
    let first = TrustBundle::sign(body(1, vec![w.ra.public_key()]), &w.ra).unwrap();
    let first = TrustBundle::decode(&first.encode()).unwrap();
    first.verify_initial().unwrap();
    let anchors = first.anchors();
    w.cert.verify_signature(&anchors).unwrap();
    assert_eq!(first.ha_encryption_key(), w.ha_enc.public_key());
    // Rotation: the old RA key signs a bundle naming the new one.
    let new_ra = SigningKey::from_seed(&[11; 32]).unwrap();
    let second = TrustBundle::sign(body(2, vec![new_ra.public_key()]), &w.ra).unwrap();
    second.verify_update(&first).unwrap();
    assert_eq!(second.verify_initial(), Err(Error::UnknownKeyId));
    // Not signed by a key the phone trusts, or not newer.
    let rogue = SigningKey::from_seed(&[12; 32]).unwrap();
    let stranger = TrustBundle::sign(body(3, vec![rogue.public_key()]), &rogue).unwrap();
    stranger.verify_initial().unwrap();
    assert_eq!(stranger.verify_update(&second), Err(Error::UnknownKeyId));
    let replay = TrustBundle::sign(body(2, vec![new_ra.public_key()]), &new_ra).unwrap();
    assert_eq!(replay.verify_update(&second), Err(Error::Rollback));
    let mut bytes = second.encode();
    bytes[10] ^= 1;
    assert_eq!(
        TrustBundle::decode(&bytes).unwrap().verify_update(&first),
        Err(Error::TrustBundleSignatureInvalid)
    );
    let mut http = body(1, vec![w.ra.public_key()]);
    http.server_url = "http://vc.example".into();
    assert_eq!(TrustBundle::sign(http, &w.ra), Err(Error::InvalidUrl));
}

#[test]
fn count_ping_and_tag_registration() {
    let w = world();
    let code = VenueCode::new_static(w.cert.clone(), &w.master, &w.venue_key).unwrap();
    let day = time::local_epoch(NOW, 32);
    let ping = CountPing {
        venue_key_id: w.venue_key.key_id(),
        tag: code.slot_keys().count_tag(day),
    };
    let bytes = ping.encode();
    assert_eq!(bytes.len(), count::COUNT_PING_BYTES);
    assert_eq!(CountPing::decode(&bytes).unwrap(), ping);
    let reg = CountTagRegistration::new(vec![
        (day, ping.tag),
        (day + 1, code.slot_keys().count_tag(day + 1)),
    ])
    .unwrap();
    let reg = CountTagRegistration::decode(&reg.encode()).unwrap();
    reg.check_epochs(day).unwrap();
    assert_eq!(reg.check_epochs(day + 20), Err(Error::ValueOutOfRange));
    assert_eq!(reg.check_epochs(day - 1), Err(Error::ValueOutOfRange));
}

#[test]
fn a_refused_window_leaves_the_builder_unchanged() {
    let w = world();
    let seed = w.master.static_seed();
    let window = |start: UnixMinute, end: UnixMinute| ExposureWindow {
        seed: seed.clone(),
        venue_key: w.venue_key.public_key(),
        start,
        end,
        risk: RiskLevel::HIGH,
        message_index: 0,
    };
    let start = time::slot_start(time::slot_of(NOW));
    let mut b = BatchBuilder::with_id(ChainHead::GENESIS, [1; 16], NOW, vec!["a".into()]).unwrap();
    b.add(&window(start + 600, start + 700)).unwrap();
    let before = b.len();
    // Its first slots are new, its last slot shares a record whose hull would exceed 720.
    assert!(matches!(
        b.add(&window(start - 100, start + 610)),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(b.len(), before, "nothing of the refused window was added");
    let batch = b.sign(&w.ha).unwrap();
    let keys = seed.slot_keys(&w.venue_key.public_key());
    for rec in batch.records() {
        let slot = Slots::new(time::slot_of(start + 600), time::slot_of(start + 699))
            .find(|s| keys.token(*s) == rec.token)
            .unwrap();
        let n = rec.open(&keys, slot, &[1; 16]).unwrap();
        assert_eq!((n.window_start, n.window_end()), (start + 600, start + 700));
    }
}

#[test]
fn token_index_matches_as_a_naive_search_and_fails_closed() {
    let w = world();
    let masters: Vec<MasterSeed> = (5u8..9).map(|b| MasterSeed::from_bytes([b; 32])).collect();
    let keys_of = |i: usize| {
        masters[i]
            .static_seed()
            .slot_keys(&w.venue_key.public_key())
    };
    let keys: Vec<SlotKeys> = (0..masters.len()).map(keys_of).collect();
    // The HA publishes windows of the first three seeds; the diary holds stays at all four.
    let mut b = BatchBuilder::with_id(ChainHead::GENESIS, [1; 16], NOW, vec!["m".into()]).unwrap();
    for (i, m) in masters.iter().take(3).enumerate() {
        let start = NOW - 600 + 100 * i as u32;
        b.add(&ExposureWindow {
            seed: m.static_seed(),
            venue_key: w.venue_key.public_key(),
            start,
            end: start + 150,
            risk: RiskLevel::HIGH,
            message_index: 0,
        })
        .unwrap();
    }
    let batch = b.sign(&w.ha).unwrap();
    let wire = batch.encode();
    let stays: Vec<(usize, UnixMinute, UnixMinute)> = (0..4)
        .map(|i| (i, NOW - 560 + 100 * i as u32, NOW - 500 + 100 * i as u32))
        .collect();
    let mut index = TokenIndex::new();
    for &(i, a, d) in &stays {
        index.add_stay(i, keys_of(i), a, d);
    }
    // The naive search: every record against every (stay, slot with margins).
    let mut want = Vec::new();
    for rec in batch.records() {
        for &(i, a, d) in &stays {
            let s = stay_slots(a, d);
            for slot in Slots::new(
                s.start() - time::MATCH_MARGIN_SLOTS,
                s.end() + time::MATCH_MARGIN_SLOTS,
            ) {
                if keys[i].token(slot) == rec.token {
                    rec.open(&keys[i], slot, &[1; 16]).unwrap();
                    want.push((i, slot));
                }
            }
        }
    }
    want.sort_unstable();
    assert!(want.len() >= 3, "{want:?}");
    assert!(want.iter().all(|(i, _)| *i < 3));
    for chunk in [1usize, 7, 40, 4096, wire.len()] {
        let mut m = index.matcher(w.anchors.clone());
        for part in wire.chunks(chunk) {
            m.feed(part).unwrap();
        }
        let (header, hits) = m.finish().unwrap();
        assert_eq!(&header, batch.header());
        let mut got: Vec<(usize, Slot)> = hits.iter().map(|h| (h.owner, h.slot)).collect();
        got.sort_unstable();
        assert_eq!(got, want, "chunk {chunk}");
    }
    // A changed record, a missing record, a trailing byte or a forged header: no hits at all.
    let mut bad = wire.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut m = index.matcher(w.anchors.clone());
    m.feed(&bad).unwrap();
    assert_eq!(m.finish().unwrap_err(), Error::BatchDigestMismatch);
    let mut m = index.matcher(w.anchors.clone());
    m.feed(&wire[..wire.len() - 40]).unwrap();
    assert_eq!(m.finish().unwrap_err(), Error::Truncated);
    let mut m = index.matcher(w.anchors.clone());
    assert_eq!(
        m.feed(&[wire.as_slice(), &[0]].concat()),
        Err(Error::TrailingBytes)
    );
    let mut forged = wire.clone();
    forged[60] ^= 1;
    let mut m = index.matcher(w.anchors.clone());
    assert_eq!(m.feed(&forged), Err(Error::BatchSignatureInvalid));
    assert!(m.finish().is_err());
    let distinct: usize = stays
        .iter()
        .map(|&(_, a, d)| {
            let s = stay_slots(a, d);
            (s.end() - s.start() + 1 + 2 * time::MATCH_MARGIN_SLOTS) as usize
        })
        .sum();
    assert_eq!(index.len(), distinct);
    assert!(index.contains(&keys[3].token(time::slot_of(NOW - 260))));
    assert!(!index.contains(&keys[3].token(time::slot_of(NOW + 6000))));
}

/// The leaf hashes of the records of `wire` as a host computes them: every byte from the
/// reader's header length on, in runs of `LEAF_BYTES`, each hashed as SHA-256(0x00 || run).
fn host_leaves(wire: &[u8], header_len: usize) -> Vec<[u8; 32]> {
    wire[header_len..]
        .chunks(venuecode_protocol::merkle::LEAF_BYTES)
        .map(|l| venuecode_protocol::hash::sha256(&[&[0], l]))
        .collect()
}

#[test]
fn a_host_digest_is_checked_against_the_signed_one_and_nothing_else_is_skipped() {
    let w = world();
    let batch = chain_batch(&w, ChainHead::GENESIS, 1, NOW);
    let wire = batch.encode();
    let header_len = batch.header().encode().len();
    for chunk in [1usize, 7, 40, 1000, wire.len()] {
        let mut reader = BatchReader::with_host_digest(w.anchors.clone());
        let mut records = Vec::new();
        for part in wire.chunks(chunk) {
            records.extend(reader.feed(part).unwrap());
        }
        assert_eq!(reader.header_len(), Some(header_len), "chunk {chunk}");
        let header = reader
            .finish_with_leaf_hashes(&host_leaves(&wire, header_len))
            .unwrap();
        assert_eq!(&header, batch.header());
        assert_eq!(records, batch.records());
    }
    // A wrong leaf hash (of the whole stream, of one record less, of a changed record, of the
    // records without the leaf prefix): refused. (The signed digest itself would pass for a
    // batch of one leaf, whose root is its leaf hash: the host is the app's own code, which
    // hashes what it fed.)
    let whole = host_leaves(&wire, 0);
    let mut bad = wire.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let changed = host_leaves(&bad, header_len);
    let short = host_leaves(
        &wire[..wire.len() - venuecode_protocol::exposure::RECORD_BYTES],
        header_len,
    );
    let unprefixed = vec![venuecode_protocol::hash::sha256(&[&wire[header_len..]])];
    for leaves in [
        whole,
        changed.clone(),
        short.clone(),
        unprefixed,
        vec![[0; 32]],
    ] {
        let mut reader = BatchReader::with_host_digest(w.anchors.clone());
        reader.feed(&wire).unwrap();
        assert_eq!(
            reader.finish_with_leaf_hashes(&leaves),
            Err(Error::BatchDigestMismatch)
        );
    }
    // The host's hashes of the changed bytes do not rescue the signed digest.
    let mut reader = BatchReader::with_host_digest(w.anchors.clone());
    reader.feed(&bad).unwrap();
    assert_eq!(
        reader.finish_with_leaf_hashes(&changed),
        Err(Error::BatchDigestMismatch)
    );
    // Count, order, trailing bytes and the signature are still checked here.
    let mut reader = BatchReader::with_host_digest(w.anchors.clone());
    reader
        .feed(&wire[..wire.len() - venuecode_protocol::exposure::RECORD_BYTES])
        .unwrap();
    assert_eq!(
        reader.finish_with_leaf_hashes(&short),
        Err(Error::Truncated)
    );
    let mut reader = BatchReader::with_host_digest(w.anchors.clone());
    assert_eq!(
        reader.feed(&[wire.as_slice(), &[0]].concat()),
        Err(Error::TrailingBytes)
    );
    let mut forged = wire.clone();
    forged[60] ^= 1;
    let mut reader = BatchReader::with_host_digest(w.anchors.clone());
    assert_eq!(reader.feed(&forged), Err(Error::BatchSignatureInvalid));
    // A digest is handed in exactly when the host computes it.
    let mut reader = BatchReader::with_host_digest(w.anchors.clone());
    reader.feed(&wire).unwrap();
    assert!(matches!(reader.finish(), Err(Error::InvalidArgument(_))));
    let mut reader = BatchReader::new(w.anchors.clone());
    reader.feed(&wire).unwrap();
    assert!(matches!(
        reader.finish_with_leaf_hashes(&host_leaves(&wire, header_len)),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_matcher_with_a_host_digest_yields_hits_only_for_the_signed_digest() {
    let w = world();
    let master = MasterSeed::from_bytes([5; 32]);
    let keys = master.static_seed().slot_keys(&w.venue_key.public_key());
    let mut b = BatchBuilder::with_id(ChainHead::GENESIS, [1; 16], NOW, vec!["m".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: master.static_seed(),
        venue_key: w.venue_key.public_key(),
        start: NOW - 600,
        end: NOW - 450,
        risk: RiskLevel::HIGH,
        message_index: 0,
    })
    .unwrap();
    let batch = b.sign(&w.ha).unwrap();
    let wire = batch.encode();
    let header_len = batch.header().encode().len();
    let mut index = TokenIndex::new();
    index.add_stay(0usize, keys, NOW - 560, NOW - 500);
    let mut m = index.matcher(w.anchors.clone());
    m.use_host_digest().unwrap();
    for part in wire.chunks(100) {
        m.feed(part).unwrap();
    }
    assert_eq!(m.header_len(), Some(header_len));
    let (header, hits) = m
        .finish_with_leaf_hashes(&host_leaves(&wire, header_len))
        .unwrap();
    assert_eq!(&header, batch.header());
    assert!(!hits.is_empty());
    let mut m = index.matcher(w.anchors.clone());
    m.use_host_digest().unwrap();
    m.feed(&wire).unwrap();
    assert_eq!(
        m.finish_with_leaf_hashes(&[[0; 32]]).unwrap_err(),
        Error::BatchDigestMismatch
    );
    // Chosen before the first feed only.
    let mut m = index.matcher(w.anchors.clone());
    m.feed(&wire[..10]).unwrap();
    assert!(matches!(
        m.use_host_digest(),
        Err(Error::InvalidArgument(_))
    ));
}
