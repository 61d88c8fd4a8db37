//! Writes a seed corpus for every fuzz target: valid encodings of each wire type made here with
//! fixed keys, and, when `protocol-spec/vectors/*.json` exist, every hex string and URL found in
//! them (positive vectors land in the corpus of the type they decode as; the rest, which are
//! mostly negative vectors, are given to every binary target).
//!
//! Usage: `venuecode-seed-corpus CORPUS_DIR [VECTORS_DIR]`.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use venuecode_protocol::code::{encode_decimal, DEFAULT_BASE_URL};
use venuecode_protocol::revocation::Revocation;
use venuecode_protocol::sealed::{self, SealedBundle};
use venuecode_protocol::*;

/// Corpus entries by target name, each marked whether it must decode as the target's type.
#[derive(Default)]
struct Corpus(BTreeMap<&'static str, Vec<(Vec<u8>, bool)>>);

impl Corpus {
    /// A valid encoding of the target's type.
    fn add(&mut self, target: &'static str, bytes: impl Into<Vec<u8>>) {
        self.0.entry(target).or_default().push((bytes.into(), true));
    }

    /// Input for a target's secondary decoder (a header form, padding), or a negative vector.
    fn add_other(&mut self, target: &'static str, bytes: impl Into<Vec<u8>>) {
        self.0
            .entry(target)
            .or_default()
            .push((bytes.into(), false));
    }

    fn write(&self, dir: &Path) -> std::io::Result<usize> {
        let mut n = 0;
        for (target, entries) in &self.0 {
            let d = dir.join(target);
            fs::create_dir_all(&d)?;
            for (i, (e, _)) in entries.iter().enumerate() {
                fs::write(d.join(format!("seed-{i:04}")), e)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Whether some bytes decode as a given type.
type Decodes = fn(&[u8]) -> bool;

/// Binary decoders, by target name.
const BINARY: &[(&str, Decodes)] = &[
    ("venue_code", |b| VenueCode::decode(b).is_ok()),
    ("certificate", |b| VenueCertificate::decode(b).is_ok()),
    ("registration_request", |b| {
        RegistrationRequest::decode(b).is_ok()
    }),
    ("exposure_batch", |b| ExposureBatch::decode(b).is_ok()),
    ("revocation_list", |b| RevocationList::decode(b).is_ok()),
    ("sealed_message", |b| SealedMessage::decode(b).is_ok()),
    ("sealed_bundle", |b| SealedBundle::decode(b).is_ok()),
    ("upload", |b| Upload::decode(b).is_ok()),
    ("guest_book_entry", |b| GuestBookEntry::decode(b).is_ok()),
    ("seed_release", |b| SeedRelease::decode(b).is_ok()),
    ("request_envelope", |b| RequestEnvelope::decode(b).is_ok()),
    ("count_pings", |b| {
        CountPing::decode(b).is_ok() || CountTagRegistration::decode(b).is_ok()
    }),
    ("checkpoint", |b| Checkpoint::decode(b).is_ok()),
    ("trust_bundle", |b| TrustBundle::decode(b).is_ok()),
];

fn generated(c: &mut Corpus) {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let ha_enc = DecryptionKey::derive(&[3; 32]).unwrap();
    let venue = SigningKey::from_seed(&[4; 32]).unwrap();
    let master = MasterSeed::from_bytes([5; 32]);
    let now = time::UnixMinute::new(29_000_000);

    let venues = [
        (
            "兰州牛肉面馆",
            "甘肃省兰州市安宁区北滨河西路1号",
            620_105,
            9,
            60,
            32,
        ),
        ("A", "B", 110_000, 1, 15, -48),
        (
            "Café Ünïcode 🍜",
            "1 Main St, Unit 2",
            829_999,
            200,
            720,
            56,
        ),
    ];
    let mut codes = Vec::new();
    for (i, (name, address, region, cat, stay, offset)) in venues.into_iter().enumerate() {
        let info = VenueInfo::new(
            name,
            address,
            RegionCode::new(region).unwrap(),
            VenueCategory(cat),
            stay,
            offset,
        )
        .unwrap();
        c.add(
            "registration_request",
            RegistrationRequest {
                venue_key: venue.public_key(),
                info: info.clone(),
                pledge: i != 1,
            }
            .encode(),
        );
        let cert = VenueCertificate::sign(
            CertificateBody {
                ra_key_id: ra.key_id(),
                serial: 7 + i as u64,
                venue_key: venue.public_key(),
                info,
                valid_from: now - 1000,
                valid_until: now + 100_000,
            },
            &ra,
        )
        .unwrap();
        c.add("certificate", cert.encode());
        let stat = VenueCode::new_static(cert.clone(), &master, &venue).unwrap();
        let rot = VenueCode::new_rotating(cert.clone(), &master, &venue, now).unwrap();
        // Shown just before the venue's local midnight: epoch_back = 1.
        let offset = cert.body().info.utc_offset();
        let midnight = time::epoch_start(time::local_epoch(now, offset) + 1, offset);
        let late = VenueCode::new_rotating(cert, &master, &venue, midnight - 3).unwrap();
        for code in [stat, rot, late] {
            c.add("venue_code", code.encode());
            c.add("code_url", code.to_url(DEFAULT_BASE_URL));
            c.add("code_url", code.to_digits());
            c.add("decimal", code.to_digits());
            codes.push(code);
        }
    }
    for raw in [&[0u8][..], &[255], &[1, 2, 3, 4, 5, 6, 7], &[9; 8]] {
        c.add("decimal", encode_decimal(raw));
    }

    let body = |entries: Vec<Revocation>, after, up_to| RevocationListBody {
        ra_key_id: ra.key_id(),
        issued_at: now,
        after,
        up_to,
        head: up_to + 1,
        entries,
    };
    let rev = |sequence, serial| Revocation {
        sequence,
        serial,
        revoked_at: now - 5,
        reason: RevocationReason::DEACTIVATED_BY_VENUE,
    };
    for b in [
        body(vec![], 0, 0),
        body(vec![rev(1, 7), rev(2, 9)], 0, 2),
        body(vec![rev(5, 7)], 4, 6),
    ] {
        c.add(
            "revocation_list",
            RevocationList::sign(b, &ra).unwrap().encode(),
        );
    }

    let mut head = ChainHead::GENESIS;
    let mut ledger = Vec::new();
    for windows in [0usize, 1, 3] {
        let mut b = BatchBuilder::with_id(
            head,
            [7 + windows as u8; 16],
            now,
            vec!["请及时就医".into(), "Test".into()],
        )
        .unwrap();
        for (w, code) in codes.iter().enumerate().take(windows) {
            b.add(&ExposureWindow {
                seed: code.seed().clone(),
                venue_key: code.certificate().body().venue_key,
                start: now + 30 * w as u32,
                end: now + 30 * w as u32 + 90,
                risk: RiskLevel::HIGH,
                message_index: (w % 2) as u8,
            })
            .unwrap();
        }
        let batch = b.sign(&ha).unwrap();
        head = batch.chain_head();
        ledger.push((head.sequence, head.link, now));
        c.add("exposure_batch", batch.encode());
    }
    let empty =
        BatchBuilder::with_id(ChainHead::GENESIS, [0; 16], time::UnixMinute::MIN, vec![]).unwrap();
    c.add("exposure_batch", empty.sign(&ha).unwrap().encode());
    for (issued_at, h, expire_before) in [
        (now, head, now),
        (now + 60, head, now + 1),
        (
            time::UnixMinute::MIN,
            ChainHead::GENESIS,
            time::UnixMinute::MIN,
        ),
    ] {
        let retained = chain::retained_range(&ledger, expire_before).unwrap();
        let cp = Checkpoint::sign(
            CheckpointBody::new(ha.key_id(), issued_at, h, retained),
            &ha,
        )
        .unwrap();
        c.add("checkpoint", cp.encode());
    }
    let bundle = |sequence, ra_keys: Vec<PublicKey>, server_url: &str, signer: &SigningKey| {
        TrustBundle::sign(
            TrustBundleBody {
                sequence,
                issued_at: now,
                ra_keys,
                ha_signing_keys: vec![ha.public_key()],
                ha_encryption_key: ha_enc.public_key(),
                server_url: server_url.into(),
                code_base_url: DEFAULT_BASE_URL.into(),
            },
            signer,
        )
        .unwrap()
        .encode()
    };
    c.add(
        "trust_bundle",
        bundle(1, vec![ra.public_key()], "https://vc.example", &ra),
    );
    c.add(
        "trust_bundle",
        bundle(
            2,
            vec![ra.public_key(), venue.public_key()],
            "http://127.0.0.1:8080",
            &ra,
        ),
    );

    let upload = Upload::new("K7Q2-M9XD-4TZP", codes
            .iter()
            .take(2)
            .map(|code| UploadEntry::new(code.clone(), now, now + 60).unwrap())
            .collect()).unwrap();
    c.add("upload", upload.encode());
    c.add(
        "upload",
        Upload::new(&"~".repeat(64), vec![]).unwrap()
        .encode(),
    );
    let guest = GuestBookEntry::new(7, "卢伟", "+86 182-1234-1234", now, now + 60).unwrap();
    c.add("guest_book_entry", guest.encode());
    let pk = ha_enc.public_key();
    let release = SeedRelease::sign(
        &venue,
        (0..3)
            .map(|d| {
                (
                    time::epoch_of(now) + d,
                    master.rotating_seed(time::epoch_of(now) + d),
                )
            })
            .collect(),
        &pk.key_id(),
    )
    .unwrap();
    c.add("seed_release", release.encode());
    c.add(
        "seed_release",
        SeedRelease::sign(&venue, vec![], &pk.key_id())
            .unwrap()
            .encode(),
    );

    let sealed_upload = upload.seal(&pk).unwrap();
    let sealed_guest = guest.seal(&pk).unwrap();
    let sealed_small = sealed::seal_with_ikm(&pk, sealed::UPLOAD_INFO, b"", &[9; 32]).unwrap();
    let sealed_release = release.seal(&pk).unwrap();
    for m in [
        &sealed_upload,
        &sealed_guest,
        &sealed_small,
        &sealed_release,
    ] {
        c.add("sealed_message", m.encode());
    }
    for content in [&b""[..], b"hello", &[0xff; 252]] {
        c.add_other("sealed_message", sealed::pad(content).unwrap().to_vec());
    }
    c.add(
        "sealed_bundle",
        SealedBundle::new(vec![sealed_guest.clone(), sealed_small]).unwrap()
        .encode(),
    );
    c.add("sealed_bundle", SealedBundle::new(vec![]).unwrap().encode());

    let env = RequestEnvelope::sign_with(
        &venue,
        "POST",
        "/v1/venues",
        b"body",
        1_740_000_000,
        [3; 16],
    )
    .unwrap();
    c.add("request_envelope", env.encode());
    c.add_other("request_envelope", env.to_header());

    let day = time::local_epoch(now, 32);
    let mut tags = Vec::new();
    for code in &codes {
        let tag = code.slot_keys().count_tag(day);
        c.add(
            "count_pings",
            CountPing {
                venue_key_id: venue.key_id(),
                tag,
            }
            .encode(),
        );
        tags.push((day, tag));
    }
    tags.sort();
    tags.dedup();
    c.add("count_pings", CountTagRegistration::new(tags).unwrap().encode());
}

/// Every string value in a JSON document.
fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() < 2 || s.len() % 2 == 1 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Adds what the spec vectors hold; returns how many files were read.
fn from_vectors(c: &mut Corpus, dir: &Path) -> usize {
    let Ok(rd) = fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in &files {
        let Ok(text) = fs::read_to_string(f) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            eprintln!("skipping {}: not JSON", f.display());
            continue;
        };
        let mut found = Vec::new();
        strings(&json, &mut found);
        for s in found {
            if s.contains('#') || s.starts_with("https://") {
                c.add("code_url", s);
            } else if s.len() > 8 && s.bytes().all(|b| b.is_ascii_digit()) {
                c.add("code_url", s);
                c.add("decimal", s);
            }
            // Hex strings: 32- and 64-byte values are keys and signatures, not messages.
            let Some(bytes) = hex(s) else { continue };
            if bytes.len() == 32 || bytes.len() == 64 {
                continue;
            }
            let mut placed = false;
            for (target, decodes) in BINARY {
                if decodes(&bytes) {
                    c.add(target, bytes.clone());
                    placed = true;
                }
            }
            if !placed {
                for (target, _) in BINARY {
                    c.add_other(target, bytes.clone());
                }
            }
        }
    }
    files.len()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "corpus".into()));
    let vectors = args.next().map(PathBuf::from);
    let mut c = Corpus::default();
    generated(&mut c);
    // Every generated binary seed must decode as its own type, or the seed is wrong.
    for (target, decodes) in BINARY {
        for (e, must) in c.0.get(target).map(Vec::as_slice).unwrap_or_default() {
            assert!(
                !must || decodes(e),
                "generated {target} seed does not decode"
            );
        }
    }
    let read = vectors.as_deref().map_or(0, |d| from_vectors(&mut c, d));
    let n = c.write(&out).unwrap();
    println!(
        "wrote {n} seeds for {} targets to {} ({read} vector files read)",
        c.0.len(),
        out.display()
    );
}
