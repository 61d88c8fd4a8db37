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
    ("signed_seed_release", |b| {
        SignedSeedRelease::decode(b).is_ok()
    }),
    ("request_envelope", |b| RequestEnvelope::decode(b).is_ok()),
    ("count_pings", |b| CountPingBatch::decode(b).is_ok()),
];

fn generated(c: &mut Corpus) {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let ha_enc = DecryptionKey::derive(&[3; 32]).unwrap();
    let venue = SigningKey::from_seed(&[4; 32]).unwrap();
    let master = MasterSeed::from_bytes([5; 32]);
    let now = 29_000_000u32;

    let venues = [
        (
            "兰州牛肉面馆",
            "甘肃省兰州市安宁区北滨河西路1号",
            620_105,
            9,
            60,
        ),
        ("A", "B", 110_000, 1, 15),
        ("Café Ünïcode 🍜", "1 Main St, Unit 2", 829_999, 200, 720),
    ];
    let mut codes = Vec::new();
    for (i, (name, address, region, cat, stay)) in venues.into_iter().enumerate() {
        let info = VenueInfo::new(
            name,
            address,
            RegionCode::new(region).unwrap(),
            VenueCategory(cat),
            stay,
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
        let rot = VenueCode::new_rotating(cert, &master, &venue, now).unwrap();
        for code in [stat, rot] {
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

    for windows in [0usize, 1, 3] {
        let mut b =
            BatchBuilder::with_id([7; 16], now, vec!["请及时就医".into(), "Test".into()]).unwrap();
        for (w, code) in codes.iter().enumerate().take(windows) {
            b.add(&ExposureWindow {
                seed: code.seed().clone(),
                start: now + 30 * w as u32,
                end: now + 30 * w as u32 + 90,
                risk: RiskLevel::HIGH,
                message_index: (w % 2) as u8,
            })
            .unwrap();
        }
        c.add("exposure_batch", b.sign(&ha).unwrap().encode());
    }
    let empty = BatchBuilder::with_id([0; 16], 0, vec![]).unwrap();
    c.add("exposure_batch", empty.sign(&ha).unwrap().encode());

    let upload = Upload {
        entries: codes
            .iter()
            .take(2)
            .map(|code| UploadEntry {
                code: code.clone(),
                arrival: now,
                departure: now + 60,
            })
            .collect(),
    };
    c.add("upload", upload.encode());
    c.add("upload", Upload { entries: vec![] }.encode());
    let guest = GuestBookEntry {
        venue_serial: 7,
        name: "卢伟".into(),
        phone: "+86 182-1234-1234".into(),
        arrival: now,
        departure: now + 60,
    };
    c.add("guest_book_entry", guest.encode());
    let release = SeedRelease {
        venue_serial: 7,
        seeds: (0..3)
            .map(|d| (now / 1440 + d, master.rotating_seed(now / 1440 + d)))
            .collect(),
    };
    c.add("seed_release", release.encode());
    c.add(
        "seed_release",
        SeedRelease {
            venue_serial: 0,
            seeds: vec![],
        }
        .encode(),
    );

    let pk = ha_enc.public_key();
    let sealed_upload = upload.seal(&pk).unwrap();
    let sealed_guest = guest.seal(&pk).unwrap();
    let sealed_small = sealed::seal_with_ikm(&pk, sealed::UPLOAD_INFO, b"", &[9; 32]).unwrap();
    for m in [&sealed_upload, &sealed_guest, &sealed_small] {
        c.add("sealed_message", m.encode());
    }
    for content in [&b""[..], b"hello", &[0xff; 252]] {
        c.add_other("sealed_message", sealed::pad(content).unwrap().to_vec());
    }
    c.add(
        "sealed_bundle",
        SealedBundle {
            items: vec![sealed_guest.clone(), sealed_small],
        }
        .encode(),
    );
    c.add("sealed_bundle", SealedBundle { items: vec![] }.encode());
    let signed = SignedSeedRelease::create(&release, &pk, &venue).unwrap();
    c.add("signed_seed_release", signed.encode());

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

    for n in [1usize, 3, 256] {
        let tags = (0..n)
            .map(|i| {
                codes[i % codes.len()]
                    .seed()
                    .slot_keys()
                    .count_tag(now / 1440)
            })
            .collect();
        c.add("count_pings", CountPingBatch { tags }.encode());
    }
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
