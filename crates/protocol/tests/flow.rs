//! The whole protocol flow in memory: register, scan, publish, match, share.
#![allow(clippy::unwrap_used)]

use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::{stay_slots, EPOCH_MINUTES};
use venuecode_protocol::*;

const NOW: u32 = 29_000_000; // 2025-02-19T21:20Z, in Unix minutes

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
    let info = VenueInfo::new(
        "兰州牛肉面馆",
        "甘肃省兰州市安宁区北滨河西路1号",
        RegionCode::new(620105).unwrap(),
        VenueCategory::RESTAURANT,
        60,
    )
    .unwrap();
    let cert = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra.key_id(),
            serial: 7,
            venue_key: venue_key.public_key(),
            info,
            valid_from: NOW - 1000,
            valid_until: NOW + 100_000,
        },
        &ra,
    )
    .unwrap();
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
    let keys = scanned.seed().slot_keys();
    let diary: Vec<(SlotToken, u32)> = stay_slots(arrival, departure)
        .map(|s| (keys.token(s), s))
        .collect();

    // The case's upload, opened by the HA.
    let upload = Upload {
        entries: vec![UploadEntry {
            code: scanned.clone(),
            arrival: NOW + 30,
            departure: NOW + 200,
        }],
    };
    let sealed = upload.seal(&w.ha_enc.public_key()).unwrap();
    let bytes = sealed.encode();
    let opened = Upload::open(&w.ha_enc, &SealedMessage::decode(&bytes).unwrap()).unwrap();
    assert_eq!(opened, upload);
    let shared = &opened.entries[0];
    shared.code.verify_signatures(&w.anchors).unwrap();

    let mut b = BatchBuilder::new(NOW + 300, vec!["Get tested.".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: shared.code.seed().clone(),
        start: shared.arrival,
        end: shared.departure,
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
    let release = SeedRelease {
        venue_serial: 7,
        seeds: vec![(20_000, w.master.rotating_seed(20_000))],
    };
    let signed = SignedSeedRelease::create(&release, &w.ha_enc.public_key(), &w.venue_key).unwrap();
    let signed = SignedSeedRelease::decode(&signed.encode()).unwrap();
    assert_eq!(
        signed.open(&w.venue_key.public_key(), &w.ha_enc).unwrap(),
        release
    );
    assert_eq!(
        signed.open(&w.ha.public_key(), &w.ha_enc),
        Err(Error::SeedReleaseSignatureInvalid)
    );

    let entry = GuestBookEntry {
        venue_serial: 7,
        name: "卢伟".into(),
        phone: "18212341234".into(),
        arrival: NOW,
        departure: NOW + 45,
    };
    let sealed = entry.seal(&w.ha_enc.public_key()).unwrap();
    assert_eq!(sealed.ciphertext.len(), 256 + 16);
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
}

#[test]
fn overlapping_windows_of_one_seed_share_a_record() {
    let w = world();
    let seed = w.master.static_seed();
    let mut b = BatchBuilder::with_id([7; 16], NOW, vec!["a".into(), "b".into()]).unwrap();
    let start = venuecode_protocol::time::slot_start(venuecode_protocol::time::slot_of(NOW));
    for (s, e, risk, msg) in [
        (start + 10, start + 20, RiskLevel::LOW, 0),
        (start + 40, start + 70, RiskLevel::HIGH, 1),
    ] {
        b.add(&ExposureWindow {
            seed: seed.clone(),
            start: s,
            end: e,
            risk,
            message_index: msg,
        })
        .unwrap();
    }
    let batch = b.sign(&w.ha).unwrap();
    assert_eq!(batch.records().len(), 2, "one record per slot touched");
    let keys = seed.slot_keys();
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
