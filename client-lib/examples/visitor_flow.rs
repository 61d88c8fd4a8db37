//! One full visitor flow against the in-memory server: a venue prints its code, two visitors
//! check in, one tests positive and shares, the health authority publishes, and the other
//! visitor's phone raises the exposure, with the chain up to date.
//!
//! Run with `cargo run -p venuecode-client --example visitor_flow`.

use venuecode_client::transport::TanState;
use venuecode_client::{
    Clock, DiaryKey, ManualClock, MemoryServer, Tone, Venue, Visitor, VisitorConfig,
};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{
    BatchBuilder, CertificateBody, ChainHead, Checkpoint, CheckpointBody, DecryptionKey,
    ExposureWindow, MasterSeed, RegionCode, RiskLevel, SealedMessage, SigningKey, TrustBundle,
    TrustBundleBody, Upload, VenueCategory, VenueCertificate, VenueInfo,
};
use venuecode_protocol::{Codec, RevocationList, RevocationListBody};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 2025-02-20 21:20 UTC.
    let start = UnixMinute::new(29_000_000);
    let clock = ManualClock::at_minute(start);
    let server = MemoryServer::new();
    let dir = tempfile::tempdir()?;

    // The authorities and the trust bundle the app ships with (never keys from the network).
    let ra = SigningKey::generate()?;
    let ha = SigningKey::generate()?;
    let ha_enc = DecryptionKey::generate()?;
    let trust = TrustBundle::sign(
        TrustBundleBody {
            sequence: 1,
            issued_at: start,
            ra_keys: vec![ra.public_key()],
            ha_signing_keys: vec![ha.public_key()],
            ha_encryption_key: ha_enc.public_key(),
            server_url: "https://venuecode.example".into(),
            code_base_url: DEFAULT_BASE_URL.into(),
        },
        &ra,
    )?;
    let anchors = trust.anchors();
    server.set_revocations(&RevocationList::sign(
        RevocationListBody {
            ra_key_id: ra.key_id(),
            issued_at: start,
            after: 0,
            up_to: 0,
            head: 0,
            entries: Vec::new(),
        },
        &ra,
    )?);

    // A venue registers and prints its poster.
    let venue_key = SigningKey::generate()?;
    let info = VenueInfo::new(
        "兰州牛肉面馆",
        "甘肃省兰州市安宁区北滨河西路1号",
        RegionCode::new(620105)?,
        VenueCategory::RESTAURANT,
        60,
        32, // UTC+08:00, in quarter hours
    )?;
    let certificate = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra.key_id(),
            serial: 1,
            venue_key: venue_key.public_key(),
            info,
            valid_from: start - 60,
            valid_until: start + 365 * 1440,
        },
        &ra,
    )?;
    let venue = Venue::new(certificate, MasterSeed::generate()?, venue_key, &trust)?;
    let poster = venue.static_code()?.to_url(DEFAULT_BASE_URL);

    // Two visitors, each with a diary key from the platform keystore.
    let config = VisitorConfig::new(trust.clone())?;
    let alice = Visitor::open(
        dir.path().join("alice.redb"),
        DiaryKey::generate()?,
        config.clone(),
        clock.clone(),
        server.clone(),
    )?;
    let bob = Visitor::open(
        dir.path().join("bob.redb"),
        DiaryKey::generate()?,
        config,
        clock.clone(),
        server.clone(),
    )?;

    // Scan: the preview shows the venue; confirming checks in.
    let preview = alice.scan(&poster)?;
    println!(
        "Alice scans: {} ({}), {}, {:?} code",
        preview.venue_name(),
        preview.category(),
        preview.address(),
        preview.code_type()
    );
    let checkin = alice.check_in(&preview)?;
    println!(
        "  check-in: {:?}, tone {:?}",
        checkin.status,
        checkin.tone()
    );
    let again = alice.scan_and_check_in(&poster)?;
    println!("  rescan:   {:?} (no duplicate)", again.status);

    clock.advance_minutes(20);
    let bob_in = bob.scan_and_check_in(&poster)?;
    println!("Bob checks in 20 minutes later: tone {:?}", bob_in.tone());
    clock.advance_minutes(25);
    alice.check_out(checkin.entry.id())?;
    println!("Alice checks out after 45 minutes.");

    // A forged poster is refused with its own error and a failure tone.
    let mut forged = venue.static_code()?.encode();
    let seed_at = forged.len() - 96;
    forged[seed_at] ^= 1;
    let forged_url = format!(
        "{DEFAULT_BASE_URL}#{}",
        venuecode_protocol::code::encode_decimal(&forged)
    );
    let refused = bob.scan(&forged_url);
    println!(
        "A poster with a swapped seed: {} (tone {:?})",
        refused
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        Tone::of(&refused)
    );

    // Two days later Alice tests positive. The HA gives her a TAN; she shares the window.
    clock.advance_minutes(2 * 1440);
    let tan = "CASE-7Q2K9X4M";
    server.register_tan(tan, TanState::Fresh)?;
    let candidates = alice.share_candidates(start - 2 * 1440, clock.now_minute())?;
    println!(
        "Alice's infectious window holds {} entries.",
        candidates.len()
    );
    let ids: Vec<_> = candidates.iter().map(|e| e.id()).collect();
    let receipt = alice.share(tan, &ids)?;
    println!(
        "  uploaded {} entries in {} sealed bytes (upload {}).",
        receipt.entries, receipt.bytes, receipt.upload_id
    );

    // The HA opens the upload offline and publishes the exposure window.
    let upload = Upload::open(&ha_enc, &SealedMessage::decode(&server.uploads()[0])?)?;
    let mut batch = BatchBuilder::new(
        ChainHead::GENESIS,
        clock.now_minute(),
        vec!["You were near a confirmed case. Get tested.".into()],
    )?;
    for e in upload.entries() {
        e.code().verify_signatures(&anchors)?;
        batch.add(&ExposureWindow {
            seed: e.code().seed().clone(),
            venue_key: e.code().certificate().body().venue_key,
            start: e.arrival(),
            end: e.departure(),
            risk: RiskLevel::HIGH,
            message_index: 0,
        })?;
    }
    let batch = batch.sign(&ha)?;
    server.publish(&batch);
    // With every batch the HA signs a checkpoint of its chain's head.
    server.set_checkpoint(&Checkpoint::sign(
        CheckpointBody::new(
            ha.key_id(),
            clock.now_minute(),
            batch.chain_head(),
            (1, [0; 32]),
        ),
        &ha,
    )?);

    // Bob's phone syncs and matches on the device.
    let report = bob.sync()?;
    println!(
        "Bob's sync: {} batch, chain {:?}, up to date: {}",
        report.batches,
        report.chain,
        report.is_up_to_date()
    );
    for e in &report.new_exposures {
        println!(
            "Bob is alerted: {} on day {}, {} minutes of overlap, risk {:?}: {}",
            e.venue_name(),
            e.date(),
            e.overlap_minutes(),
            e.risk(),
            e.message()
        );
    }
    println!(
        "A second sync raises {} more.",
        bob.sync()?.new_exposures.len()
    );
    Ok(())
}
