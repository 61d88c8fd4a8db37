//! Property tests for every wire type: generated values round-trip through the canonical codec,
//! no decoder panics on arbitrary input, and a valid encoding with one byte changed either fails
//! to decode or is itself the canonical encoding of what it decodes to.
//!
//! Keys are derived once (signing is cheap, but HPKE keys and key checks are not free in a
//! debug build); case counts are kept modest so the file runs in seconds.
#![allow(clippy::unwrap_used)]

use std::fmt::Debug;
use std::result::Result;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use venuecode_protocol::code::{decode_decimal, encode_decimal, DEFAULT_BASE_URL};
use venuecode_protocol::codec::Reader;
use venuecode_protocol::exposure::{MAX_MESSAGE_BYTES, RECORD_BYTES};
use venuecode_protocol::revocation::Revocation;
use venuecode_protocol::sealed::{
    self, SealedBundle, MAX_GUEST_NAME_BYTES, MAX_RELEASED_SEEDS, MAX_UPLOAD_ENTRIES, PAD_BUCKETS,
    UPLOAD_INFO,
};
use venuecode_protocol::time::{Epoch, Epochs, Slot, Slots, UnixMinute};
use venuecode_protocol::venue::{MAX_ADDRESS_BYTES, MAX_NAME_BYTES};
use venuecode_protocol::*;

// ---------------------------------------------------------------------------------------------
// Keys, made once.

struct Keys {
    ra: SigningKey,
    ha: SigningKey,
    venues: Vec<SigningKey>,
    ha_enc: DecryptionKey,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    ra: SigningKey::from_seed(&[1; 32]).unwrap(),
    ha: SigningKey::from_seed(&[2; 32]).unwrap(),
    venues: (10u8..14)
        .map(|i| SigningKey::from_seed(&[i; 32]).unwrap())
        .collect(),
    ha_enc: DecryptionKey::derive(&[3; 32]).unwrap(),
});

fn keys() -> &'static Keys {
    &KEYS
}

// ---------------------------------------------------------------------------------------------
// Generic properties.

/// Encodes, decodes, and checks equality, byte-identical re-encoding, that every strict prefix
/// fails and that a trailing byte fails.
fn round_trip<T: Codec + PartialEq + Debug>(value: &T) -> Result<Vec<u8>, TestCaseError> {
    let bytes = value.encode();
    let back = T::decode(&bytes);
    prop_assert_eq!(back.as_ref(), Ok(value));
    prop_assert_eq!(back.unwrap().encode(), bytes.clone());
    // Every structure carries its own lengths and counts, so no strict prefix is complete. The
    // prefixes checked are all of the short ones and a spread of the rest, to keep it cheap.
    let step = (bytes.len() / 64).max(1);
    for cut in (0..bytes.len()).filter(|c| *c < 64 || c % step == 0) {
        prop_assert!(T::decode(&bytes[..cut]).is_err(), "prefix {} decoded", cut);
    }
    let mut longer = bytes.clone();
    longer.push(0);
    prop_assert_eq!(T::decode(&longer).err(), Some(Error::TrailingBytes));
    Ok(bytes)
}

/// If `bytes` decodes at all, it must be the canonical encoding of what it decodes to.
fn canonical_or_error<T: Codec>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(v) = T::decode(bytes) {
        prop_assert_eq!(
            v.encode(),
            bytes.to_vec(),
            "accepted a non-canonical encoding"
        );
    }
    Ok(())
}

/// One byte XORed with a non-zero value, one byte deleted, one byte inserted: each result must
/// fail or be canonical. The XOR is tried at about 32 positions spread over the encoding (every
/// `len / 32`-th byte from a random offset), so that across the cases every position, including
/// a lone flag byte at the end, gets flipped; deletion and insertion take one random position.
fn mutations<T: Codec>(valid: &[u8], at: &Index, xor: u8, insert: u8) -> Result<(), TestCaseError> {
    prop_assert!(!valid.is_empty());
    let step = (valid.len() / 32).max(1);
    let mut flipped = valid.to_vec();
    for i in (at.index(step)..valid.len()).step_by(step) {
        flipped[i] ^= xor;
        canonical_or_error::<T>(&flipped)?;
        flipped[i] ^= xor;
    }
    let i = at.index(valid.len());
    let mut deleted = valid.to_vec();
    deleted.remove(i);
    canonical_or_error::<T>(&deleted)?;
    let mut inserted = valid.to_vec();
    inserted.insert(i, insert);
    canonical_or_error::<T>(&inserted)?;
    Ok(())
}

/// Arbitrary bytes, and arbitrary bytes behind the expected version byte (which random bytes
/// would otherwise almost never get past).
fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..1200).prop_map(|mut v| {
            v.insert(0, 2);
            v
        }),
    ]
}

fn mutation() -> impl Strategy<Value = (Index, u8, u8)> {
    (any::<Index>(), 1..=255u8, any::<u8>())
}

// ---------------------------------------------------------------------------------------------
// Field strategies.

/// Text that `VenueInfo::new` accepts: within `max` UTF-8 bytes, no control characters, no
/// leading or trailing whitespace. Mostly CJK, with Latin, digits, full-width punctuation,
/// inner spaces and any other non-control character.
fn text(max: usize, trim: bool) -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => prop::char::range('\u{4e00}', '\u{9fff}'),
        2 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![' ', '\u{3000}', '·', '（', '）', '-', '0', '7', '#']),
        1 => any::<char>().prop_filter("control", |c| !c.is_control()),
    ];
    prop::collection::vec(ch, 1..=max / 2).prop_map(move |chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() > max {
                break;
            }
            s.push(c);
        }
        let t = if trim { s.trim() } else { s.as_str() };
        if t.trim().is_empty() {
            "场".to_owned()
        } else {
            t.to_owned()
        }
    })
}

/// A name of exactly `max` bytes of CJK is within the limits too; make it likely.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(MAX_NAME_BYTES, true),
        1 => Just("餐".repeat(MAX_NAME_BYTES / 3)),
    ]
}

fn address() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(MAX_ADDRESS_BYTES, true),
        1 => Just(format!("{}号", "路".repeat(MAX_ADDRESS_BYTES / 3 - 1))),
    ]
}

fn venue_info() -> impl Strategy<Value = VenueInfo> {
    (
        name(),
        address(),
        110_000u32..=829_999,
        any::<u8>(),
        15u16..=720,
        -48i8..=56,
    )
        .prop_map(|(n, a, region, cat, stay, offset)| {
            VenueInfo::new(
                &n,
                &a,
                RegionCode::new(region).unwrap(),
                VenueCategory(cat),
                stay,
                offset,
            )
            .unwrap()
        })
}

/// A non-empty validity interval.
fn validity() -> impl Strategy<Value = (UnixMinute, UnixMinute)> {
    (0..u32::MAX, 1..=u32::MAX).prop_map(|(from, len)| {
        let from = UnixMinute::new(from);
        (from, from.saturating_add(len))
    })
}

/// Any minute.
fn minute() -> impl Strategy<Value = UnixMinute> {
    any::<u32>().prop_map(UnixMinute::new)
}

/// A certificate with its venue's key index.
fn certificate() -> impl Strategy<Value = (VenueCertificate, usize)> {
    (any::<u64>(), 0..4usize, venue_info(), validity()).prop_map(
        |(serial, v, info, (valid_from, valid_until))| {
            let k = keys();
            let cert = VenueCertificate::sign(
                CertificateBody {
                    ra_key_id: k.ra.key_id(),
                    serial,
                    venue_key: k.venues[v].public_key(),
                    info,
                    valid_from,
                    valid_until,
                },
                &k.ra,
            )
            .unwrap();
            (cert, v)
        },
    )
}

/// Static, or rotating with a display validity end and whether the epoch is the day before
/// that end's local day (`epoch_back = 1`; only on day 0 is that impossible).
fn code_kind() -> impl Strategy<Value = Option<(UnixMinute, bool)>> {
    prop_oneof![Just(None), (minute(), any::<bool>()).prop_map(Some),]
}

fn venue_code() -> impl Strategy<Value = VenueCode> {
    (certificate(), code_kind(), any::<[u8; 32]>()).prop_map(|((cert, v), kind, seed)| {
        let kind = match kind {
            None => CodeKind::Static,
            Some((valid_until, back)) => {
                let day = time::local_epoch(valid_until, cert.body().info.utc_offset());
                CodeKind::Rotating {
                    epoch: if back { day.saturating_sub(1) } else { day },
                    valid_until,
                }
            }
        };
        VenueCode::signed(cert, kind, Seed::from_bytes(seed), &keys().venues[v]).unwrap()
    })
}

fn registration() -> impl Strategy<Value = RegistrationRequest> {
    (0..4usize, venue_info(), any::<bool>()).prop_map(|(v, info, pledge)| RegistrationRequest {
        venue_key: keys().venues[v].public_key(),
        info,
        pledge,
    })
}

fn revocation_list() -> impl Strategy<Value = RevocationList> {
    (
        minute(),
        0u64..1 << 40,
        prop::collection::vec((1u64..1000, any::<u64>(), minute(), any::<u8>()), 0..24),
        0u64..5,
        0u64..5,
    )
        .prop_map(|(issued_at, after, steps, extra, more)| {
            let mut seq = after;
            let entries: Vec<Revocation> = steps
                .into_iter()
                .map(|(d, serial, revoked_at, reason)| {
                    seq += d;
                    Revocation {
                        sequence: seq,
                        serial,
                        revoked_at,
                        reason: RevocationReason(reason),
                    }
                })
                .collect();
            let k = keys();
            RevocationList::sign(
                RevocationListBody {
                    ra_key_id: k.ra.key_id(),
                    issued_at,
                    after,
                    up_to: seq + extra,
                    head: seq + extra + more,
                    entries,
                },
                &k.ra,
            )
            .unwrap()
        })
}

/// A chain head to build on: the genesis, or any sequence below the last with any link.
fn chain_head() -> impl Strategy<Value = ChainHead> {
    prop_oneof![
        Just(ChainHead::GENESIS),
        (1..u64::MAX, any::<[u8; 32]>()).prop_map(|(sequence, link)| ChainHead { sequence, link }),
    ]
}

/// A small batch: up to three messages and three windows of up to 12 hours.
fn exposure_batch() -> impl Strategy<Value = ExposureBatch> {
    (
        chain_head(),
        any::<[u8; 16]>(),
        minute(),
        prop::collection::vec(text(MAX_MESSAGE_BYTES, false), 0..=3),
        prop::collection::vec(
            (
                any::<[u8; 32]>(),
                0..u32::MAX - 1000,
                1u32..=720,
                any::<u8>(),
                any::<Index>(),
                0..4usize,
            ),
            0..=3,
        ),
    )
        .prop_map(|(chain, id, created_at, messages, windows)| {
            let n = messages.len();
            let mut b = BatchBuilder::with_id(chain, id, created_at, messages).unwrap();
            if n > 0 {
                for (seed, start, minutes, risk, msg, v) in windows {
                    b.add(&ExposureWindow {
                        seed: Seed::from_bytes(seed),
                        venue_key: keys().venues[v].public_key(),
                        start: UnixMinute::new(start),
                        end: UnixMinute::new(start + minutes),
                        risk: RiskLevel(risk),
                        message_index: msg.index(n) as u8,
                    })
                    .unwrap();
                }
            }
            b.sign(&keys().ha).unwrap()
        })
}

/// A sealed message that decodes but was never sealed: any key id, any encapsulated key, any
/// ciphertext of a bucket's size.
fn raw_sealed_message() -> impl Strategy<Value = SealedMessage> {
    (
        any::<[u8; 8]>(),
        any::<[u8; 32]>(),
        prop::sample::select(vec![PAD_BUCKETS[0], PAD_BUCKETS[1]])
            .prop_flat_map(|b| prop::collection::vec(any::<u8>(), b + 16)),
    )
        .prop_map(|(id, enc, ciphertext)| SealedMessage::new(KeyId(id), enc, ciphertext).unwrap())
}

fn stay() -> impl Strategy<Value = (UnixMinute, UnixMinute)> {
    validity()
}

fn tan() -> impl Strategy<Value = String> {
    "[!-~]{10,64}"
}

fn upload() -> impl Strategy<Value = Upload> {
    (tan(), prop::collection::vec((venue_code(), stay()), 0..=3)).prop_map(|(tan, entries)| {
        let entries = entries
            .into_iter()
            .map(|(code, (arrival, departure))| UploadEntry::new(code, arrival, departure).unwrap())
            .collect();
        Upload::new(&tan, entries).unwrap()
    })
}

fn guest_book_entry() -> impl Strategy<Value = GuestBookEntry> {
    (
        any::<u64>(),
        text(MAX_GUEST_NAME_BYTES, false),
        "[+]?[0-9]{3,11}[ -]?[0-9]{0,8}",
        stay(),
    )
        .prop_map(|(venue_serial, name, phone, (arrival, departure))| {
            GuestBookEntry::new(venue_serial, &name, &phone, arrival, departure).unwrap()
        })
}

/// A seed release signed by venue `v` for the HA encryption key, with `v`.
fn seed_release() -> impl Strategy<Value = (SeedRelease, usize)> {
    (
        0..4usize,
        0u32..4_000_000_000,
        prop::collection::vec((1u32..5, any::<[u8; 32]>()), 0..=MAX_RELEASED_SEEDS),
    )
        .prop_map(|(v, mut epoch, steps)| {
            let seeds = steps
                .into_iter()
                .map(|(d, seed)| {
                    epoch += d;
                    (Epoch::new(epoch), Seed::from_bytes(seed))
                })
                .collect();
            let k = keys();
            let release =
                SeedRelease::sign(&k.venues[v], seeds, &k.ha_enc.public_key().key_id()).unwrap();
            (release, v)
        })
}

/// A checkpoint over any canonical body.
fn checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        minute(),
        0..u64::MAX - 1,
        any::<[u8; 32]>(),
        any::<Index>(),
        any::<[u8; 32]>(),
    )
        .prop_map(|(issued_at, sequence, head, at, previous)| {
            let head = if sequence == 0 { [0; 32] } else { head };
            let retained_from =
                1 + at.index(usize::try_from(sequence.min(1 << 40)).unwrap() + 1) as u64;
            let retained_previous = if retained_from == 1 {
                [0; 32]
            } else if retained_from == sequence + 1 {
                head
            } else {
                previous
            };
            let k = keys();
            Checkpoint::sign(
                CheckpointBody {
                    ha_key_id: k.ha.key_id(),
                    issued_at,
                    sequence,
                    head,
                    retained_from,
                    retained_previous,
                },
                &k.ha,
            )
            .unwrap()
        })
}

fn bundle_url() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://[a-z0-9.-]{1,40}(/[a-zA-Z0-9_./?=&%-]{0,60})?",
        "http://(localhost|127\\.[1-9]?[0-9]\\.0\\.[1-9]|\\[::1\\])(:[0-9]{1,5})?(/[a-z]{0,10})?",
        Just(format!("https://{}", "a".repeat(192))),
    ]
}

/// A trust bundle with 1 to 4 keys of each role, signed by one of its RA keys or by another.
fn trust_bundle() -> impl Strategy<Value = TrustBundle> {
    (
        1..u64::MAX,
        minute(),
        prop::sample::subsequence((0..6usize).collect::<Vec<_>>(), 1..=4),
        prop::sample::subsequence((0..6usize).collect::<Vec<_>>(), 1..=4),
        bundle_url(),
        bundle_url(),
        0..6usize,
    )
        .prop_map(
            |(sequence, issued_at, ra, ha, server_url, code_base_url, signer)| {
                let k = keys();
                let key = |i: usize| SigningKey::from_seed(&[40 + i as u8; 32]).unwrap();
                TrustBundle::sign(
                    TrustBundleBody {
                        sequence,
                        issued_at,
                        ra_keys: ra.into_iter().map(|i| key(i).public_key()).collect(),
                        ha_signing_keys: ha.into_iter().map(|i| key(i).public_key()).collect(),
                        ha_encryption_key: k.ha_enc.public_key(),
                        server_url,
                        code_base_url,
                    },
                    &key(signer),
                )
                .unwrap()
            },
        )
}

fn envelope() -> impl Strategy<Value = RequestEnvelope> {
    (
        any::<[u8; 8]>(),
        any::<u64>(),
        any::<[u8; 16]>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
    )
        .prop_map(|(id, timestamp, nonce, s1, s2)| {
            let mut signature = [0u8; 64];
            signature[..32].copy_from_slice(&s1);
            signature[32..].copy_from_slice(&s2);
            RequestEnvelope {
                key_id: KeyId(id),
                timestamp,
                nonce,
                signature,
            }
        })
}

fn count_ping() -> impl Strategy<Value = CountPing> {
    (any::<[u8; 8]>(), any::<[u8; 16]>()).prop_map(|(id, tag)| CountPing {
        venue_key_id: KeyId(id),
        tag: CountTag(tag),
    })
}

fn tag_registration() -> impl Strategy<Value = CountTagRegistration> {
    prop::collection::btree_set((any::<u32>(), any::<[u8; 16]>()), 1..=64).prop_map(|set| {
        CountTagRegistration::new(
            set.into_iter()
                .map(|(e, t)| (Epoch::new(e), CountTag(t)))
                .collect(),
        )
        .unwrap()
    })
}

// ---------------------------------------------------------------------------------------------
// Round trips and mutations, per wire type.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn venue_info_round_trip(info in venue_info(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&info)?;
        mutations::<VenueInfo>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn certificate_round_trip((cert, _) in certificate(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&cert)?;
        let anchors = TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key());
        prop_assert_eq!(VenueCertificate::decode(&bytes).unwrap().verify_signature(&anchors), Ok(()));
        mutations::<VenueCertificate>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn registration_request_round_trip(req in registration(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&req)?;
        mutations::<RegistrationRequest>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn venue_code_static_and_rotating(code in venue_code(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&code)?;
        let anchors = TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key());
        prop_assert_eq!(code.verify_signatures(&anchors), Ok(()));
        // The URL and bare-digit forms give back the same code.
        let url = code.to_url(DEFAULT_BASE_URL);
        prop_assert_eq!(VenueCode::parse(&url), Ok(code.clone()));
        prop_assert_eq!(VenueCode::from_url(&url), Ok(code.clone()));
        prop_assert_eq!(VenueCode::parse(&code.to_digits()), Ok(code.clone()));
        mutations::<VenueCode>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn revocation_list_round_trip(list in revocation_list(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&list)?;
        mutations::<RevocationList>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn exposure_batch_round_trip(batch in exposure_batch(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&batch)?;
        // The signed header alone round-trips and stops at the first record.
        let mut r = Reader::new(&bytes);
        let header = SignedBatchHeader::read(&mut r).unwrap();
        prop_assert_eq!(&header, batch.header());
        prop_assert_eq!(r.remaining(), batch.records().len() * RECORD_BYTES);
        let mut again = Vec::new();
        header.encode_into(&mut again);
        prop_assert_eq!(&again[..], &bytes[..r.position()]);
        mutations::<ExposureBatch>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn sealed_message_and_bundle(
        items in prop::collection::vec(raw_sealed_message(), 0..=3),
        (at, x, ins) in mutation(),
    ) {
        for m in &items {
            let bytes = round_trip(m)?;
            mutations::<SealedMessage>(&bytes, &at, x, ins)?;
        }
        let bundle = SealedBundle::new(items).unwrap();
        let bytes = round_trip(&bundle)?;
        mutations::<SealedBundle>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn count_ping_round_trip(ping in count_ping(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&ping)?;
        prop_assert_eq!(bytes.len(), venuecode_protocol::count::COUNT_PING_BYTES);
        mutations::<CountPing>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn count_tag_registration_round_trip(reg in tag_registration(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&reg)?;
        mutations::<CountTagRegistration>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn checkpoint_round_trip(cp in checkpoint(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&cp)?;
        prop_assert_eq!(bytes.len(), venuecode_protocol::chain::CHECKPOINT_BYTES);
        let anchors = TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key());
        prop_assert_eq!(cp.verify(&anchors), Ok(()));
        mutations::<Checkpoint>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn trust_bundle_round_trip(bundle in trust_bundle(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&bundle)?;
        let own = bundle.body().ra_keys.iter().any(|k| k.key_id() == bundle.signer_key_id());
        if own {
            prop_assert_eq!(bundle.verify_initial(), Ok(()));
        } else {
            prop_assert_eq!(bundle.verify_initial(), Err(Error::UnknownKeyId));
        }
        mutations::<TrustBundle>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn request_envelope_round_trip(env in envelope(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&env)?;
        let header = env.to_header();
        prop_assert_eq!(RequestEnvelope::from_header(&header), Ok(env));
        mutations::<RequestEnvelope>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn seed_release_round_trip((release, _) in seed_release(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&release)?;
        mutations::<SeedRelease>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn guest_book_entry_round_trip(entry in guest_book_entry(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&entry)?;
        mutations::<GuestBookEntry>(&bytes, &at, x, ins)?;
    }

    #[test]
    fn decimal_round_trip(bytes in prop::collection::vec(any::<u8>(), 1..=1024), (at, d, _) in mutation()) {
        let digits = encode_decimal(&bytes);
        prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        // 17 digits per 7 bytes, never more than 2.5 digits per byte plus one chunk.
        prop_assert!(digits.len() <= bytes.len() * 17 / 7 + 3);
        prop_assert_eq!(decode_decimal(&digits), Ok(bytes));
        // Changing one digit to another digit: fails, or is canonical for what it gives.
        let mut changed = digits.into_bytes();
        let i = at.index(changed.len());
        changed[i] = b'0' + (changed[i] - b'0' + d % 9 + 1) % 10;
        let changed = String::from_utf8(changed).unwrap();
        if let Ok(b) = decode_decimal(&changed) {
            prop_assert_eq!(encode_decimal(&b), changed);
        }
    }
}

// Verification on generated, correctly signed codes reaches the time checks that fuzzing (which
// cannot forge signatures) never does. Each verification checks two signatures, which is slow in
// a debug build: fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn code_verification_follows_the_time_rules(
        code in venue_code(),
        pick in 0u8..4,
        offset in 0u32..40,
        any_now in minute(),
    ) {
        let anchors = TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key());
        let body = code.certificate().body();
        let now = match (pick, code.kind()) {
            (0, _) => any_now,
            (1, _) => body.valid_from.saturating_add(offset),
            (_, CodeKind::Rotating { valid_until, .. }) => valid_until.saturating_sub(20) + offset,
            (_, CodeKind::Static) => body.valid_until.saturating_sub(offset),
        };
        let result = code.verify(&anchors, now, None);
        if now < body.valid_from {
            prop_assert_eq!(result, Err(Error::CertificateNotYetValid));
        } else if now >= body.valid_until {
            prop_assert_eq!(result, Err(Error::CertificateExpired));
        } else if let CodeKind::Rotating { epoch, valid_until } = code.kind() {
            let stale = u64::from(valid_until.get()) + u64::from(time::CLOCK_SKEW_MINUTES)
                <= u64::from(now.get());
            let too_far = u64::from(valid_until.get())
                > u64::from(now.get())
                    + u64::from(time::MAX_DISPLAY_VALIDITY_MINUTES + time::CLOCK_SKEW_MINUTES);
            let offset_q = body.info.utc_offset();
            let shown = valid_until.saturating_sub(time::MAX_DISPLAY_VALIDITY_MINUTES);
            let day = time::local_epoch(valid_until, offset_q);
            let wrong_epoch = epoch != day
                && !(epoch + 1 == day && time::local_epoch(shown, offset_q) < day);
            if stale {
                prop_assert_eq!(result, Err(Error::CodeStale));
            } else if too_far || wrong_epoch {
                prop_assert_eq!(result, Err(Error::CodeValidityInvalid));
            } else {
                prop_assert_eq!(result, Ok(()));
            }
        } else {
            prop_assert_eq!(result, Ok(()));
        }
        // A revoked serial is refused once everything else holds; a superseded one with its
        // own error.
        if result.is_ok() {
            for (reason, error) in [
                (RevocationReason::DEACTIVATED_BY_VENUE, Error::Revoked),
                (RevocationReason::DISABLED_BY_AUTHORITY, Error::Revoked),
                (RevocationReason::SUPERSEDED, Error::Superseded),
            ] {
                let revoked = RevocationSet::from_parts([(body.serial, reason)], 1, UnixMinute::MIN);
                prop_assert_eq!(code.verify(&anchors, now, Some(&revoked)), Err(error));
            }
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn rotating_code_is_fresh_then_stale(
        (cert, v) in certificate(),
        master in any::<[u8; 32]>(),
        offset in 0u32..100_000,
    ) {
        let body = cert.body().clone();
        let now = body.valid_from.saturating_add(offset);
        let master = MasterSeed::from_bytes(master);
        let code = VenueCode::new_rotating(cert, &master, &keys().venues[v], now).unwrap();
        let anchors = TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key());
        let later = now
            .saturating_add(time::DEFAULT_DISPLAY_VALIDITY_MINUTES + time::CLOCK_SKEW_MINUTES);
        // Certificates valid for a short while only, or ending at the top of time, fall outside
        // what this property is about; proptest draws again for them.
        prop_assume!(later > now && later < body.valid_until);
        prop_assert_eq!(code.verify(&anchors, now, None), Ok(()));
        prop_assert_eq!(code.verify(&anchors, later - 1, None), Ok(()));
        prop_assert_eq!(code.verify(&anchors, later, None), Err(Error::CodeStale));
        let day = time::local_epoch(now, body.info.utc_offset());
        prop_assert_eq!(code.seed(), &master.rotating_seed(day));
        let fresh_epoch = matches!(code.kind(), CodeKind::Rotating { epoch, .. } if epoch == day);
        prop_assert!(fresh_epoch, "the code carries the local day's epoch");
    }
}

// Exposure records open, for the seed's holder only, to exactly the window that was published.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exposure_records_open_to_their_window(
        seed in any::<[u8; 32]>(),
        other in any::<[u8; 32]>(),
        batch_id in any::<[u8; 16]>(),
        start in 0..u32::MAX - 1000,
        minutes in 1u32..=720,
        risk in any::<u8>(),
    ) {
        prop_assume!(seed != other);
        let start = UnixMinute::new(start);
        let venue = keys().venues[0].public_key();
        let mut b = BatchBuilder::with_id(ChainHead::GENESIS, batch_id, UnixMinute::MIN, vec!["a".into(), "b".into()]).unwrap();
        b.add(&ExposureWindow {
            seed: Seed::from_bytes(seed),
            venue_key: venue,
            start,
            end: start + minutes,
            risk: RiskLevel(risk),
            message_index: 1,
        })
        .unwrap();
        let batch = b.sign(&keys().ha).unwrap();
        let batch = ExposureBatch::decode(&batch.encode()).unwrap();
        let slots = time::stay_slots(start, start + minutes);
        prop_assert_eq!(batch.records().len(), slots.count());
        let mine = Seed::from_bytes(seed).slot_keys(&venue);
        let theirs = Seed::from_bytes(other).slot_keys(&venue);
        // The same seed under another venue key: an impostor's code.
        let impostor = Seed::from_bytes(seed).slot_keys(&keys().venues[1].public_key());
        for slot in slots {
            let token = mine.token(slot);
            let rec = batch.records().iter().find(|r| r.token == token);
            prop_assert!(rec.is_some(), "slot {} not published", slot);
            let rec = rec.unwrap();
            let notice = rec.open(&mine, slot, &batch_id).unwrap();
            prop_assert_eq!(notice.window_start, start);
            prop_assert_eq!(u32::from(notice.window_minutes), minutes);
            prop_assert_eq!(notice.window_end(), start + minutes);
            prop_assert_eq!(notice.risk, RiskLevel(risk));
            prop_assert_eq!(notice.message_index, 1);
            // Another seed, another slot or another batch id: the seal does not open.
            prop_assert_eq!(rec.open(&theirs, slot, &batch_id), Err(Error::OpenFailed));
            prop_assert_eq!(rec.open(&impostor, slot, &batch_id), Err(Error::OpenFailed));
            prop_assert_ne!(impostor.token(slot), token);
            prop_assert_eq!(rec.open(&mine, Slot::new(slot.get() ^ 1), &batch_id), Err(Error::OpenFailed));
            let mut other_id = batch_id;
            other_id[0] ^= 1;
            prop_assert_eq!(rec.open(&mine, slot, &other_id), Err(Error::OpenFailed));
            // Nobody without the seed finds the token: it is not another seed's token.
            prop_assert_ne!(theirs.token(slot), token);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// SPEC §14.2: `unpad` takes only the smallest bucket that holds the content, the one `pad`
    /// makes; the same content and zeros in any larger bucket are `NonCanonical`.
    #[test]
    fn padding_takes_only_the_smallest_bucket(
        content in prop::collection::vec(any::<u8>(), 0..=2100),
        up in 1usize..=3,
    ) {
        let padded = sealed::pad(&content).unwrap();
        prop_assert_eq!(sealed::unpad(&padded).unwrap(), &content[..]);
        let at = PAD_BUCKETS.iter().position(|b| *b == padded.len()).unwrap();
        if let Some(&larger) = PAD_BUCKETS.get(at + up) {
            let mut p = padded.to_vec();
            p.resize(larger, 0);
            prop_assert_eq!(sealed::unpad(&p), Err(Error::NonCanonical));
        }
    }

    /// SPEC §12.3: for every slot of a traced window, every seed a visitor present in that slot
    /// (and in the window) could hold has a part covering some minute of the slot: the seeds of
    /// the days of every scan from 719 minutes before the visitor's first minute in the slot to
    /// the last minute, whatever the offset (quarter hours: local midnight may fall inside a
    /// slot).
    #[test]
    fn traces_reach_every_seed_a_visitor_could_hold(
        code in venue_code(),
        start in 100_000u32..40_000_000,
        minutes in 1u32..=720,
    ) {
        let CodeKind::Rotating { epoch, .. } = code.kind() else {
            return Ok(());
        };
        let q = code.utc_offset();
        let start = UnixMinute::new(start);
        let end = start + minutes;
        let released: std::collections::BTreeMap<Epoch, Seed> =
            Epochs::new(time::local_epoch(start - 720, q), time::local_epoch(end, q) + 1)
                .map(|e| (e, Seed::from_bytes([e.get() as u8; 32])))
                .collect();
        let plan = plan_trace(&code, start, end, &released).unwrap();
        prop_assert!(plan.missing_epochs.is_empty());
        for part in &plan.parts {
            let e = part.epoch.unwrap();
            let want = if e == epoch { code.seed().clone() } else { released[&e].clone() };
            prop_assert_eq!(part.seed.expose(), want.expose());
        }
        for s in Slots::new(time::slot_of(start), time::slot_of(end - 1)) {
            let lo = start.max(time::slot_start(s));
            let hi = end.min(time::slot_start(s) + 60);
            for e in Epochs::new(time::local_epoch(lo - 719, q), time::local_epoch(hi - 1, q)) {
                prop_assert!(
                    plan.parts.iter().any(|p| p.epoch == Some(e) && p.start < hi && p.end > lo),
                    "offset {} slot {} epoch {} not published: {:?}", q, s, e,
                    plan.parts.iter().map(|p| (p.epoch, p.start, p.end)).collect::<Vec<_>>()
                );
            }
        }
    }

    /// A whole-batch decode and the streaming reader agree: any byte after the last record the
    /// header counts is `TrailingBytes`, however the bytes arrive.
    #[test]
    fn bytes_after_the_last_record_are_trailing(
        batch in exposure_batch(),
        extra in prop::collection::vec(any::<u8>(), 1..=90),
        piece in 1usize..=97,
    ) {
        let mut bytes = batch.encode();
        bytes.extend_from_slice(&extra);
        prop_assert_eq!(ExposureBatch::decode(&bytes), Err(Error::TrailingBytes));
        let mut reader = BatchReader::new(TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key()));
        let mut got = Ok(());
        for chunk in bytes.chunks(piece) {
            if let Err(e) = reader.feed(chunk) {
                got = Err(e);
                break;
            }
        }
        if got.is_ok() {
            got = reader.finish().map(|_| ());
        }
        prop_assert_eq!(got, Err(Error::TrailingBytes));
    }
}

// The sealed types run HPKE per case, which is slower in a debug build: fewer cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn upload_tan_is_checked_and_its_hash_header_round_trips(
        tan in tan(),
        bad in prop_oneof![
            "[!-~]{0,9}",
            "[!-~]{65,80}",
            "[!-~]{4,20}[ \t\n\u{7f}é][!-~]{5,20}",
        ],
    ) {
        let hex = venuecode_protocol::envelope::tan_hash_hex(&tan).unwrap();
        prop_assert_eq!(
            venuecode_protocol::envelope::parse_tan_hash(&hex),
            venuecode_protocol::envelope::tan_hash(&tan)
        );
        prop_assert!(venuecode_protocol::envelope::parse_tan_hash(&hex.to_uppercase()).is_err()
            || !hex.bytes().any(|b| b.is_ascii_alphabetic()));
        let refused = Upload::try_new(&bad, vec![]).unwrap_err();
        prop_assert_eq!(refused.field(), "tan");
        prop_assert!(venuecode_protocol::envelope::tan_hash(&bad).is_err());
        // The same upload's bytes built by hand: the decoder refuses them too.
        let mut raw = vec![2, u8::try_from(bad.len()).unwrap()];
        raw.extend_from_slice(bad.as_bytes());
        raw.extend_from_slice(&[0, 0]);
        prop_assert!(Upload::decode(&raw).is_err());
    }

    #[test]
    fn upload_round_trip(upload in upload(), (at, x, ins) in mutation()) {
        let bytes = round_trip(&upload)?;
        mutations::<Upload>(&bytes, &at, x, ins)?;
        let k = keys();
        let sealed = upload.seal(&k.ha_enc.public_key()).unwrap();
        let sealed_bytes = round_trip(&sealed)?;
        prop_assert_eq!(Upload::open(&k.ha_enc, &sealed), Ok(upload));
        // A sealed message with one byte changed never opens.
        let mut tampered = sealed_bytes.clone();
        let i = at.index(tampered.len());
        tampered[i] ^= x;
        if let Ok(m) = SealedMessage::decode(&tampered) {
            prop_assert!(Upload::open(&k.ha_enc, &m).is_err());
        }
    }

    #[test]
    fn sealed_guest_book_entry(entry in guest_book_entry(), ikm in any::<[u8; 32]>()) {
        let k = keys();
        let sealed = entry.seal(&k.ha_enc.public_key()).unwrap();
        round_trip(&sealed)?;
        prop_assert_eq!(GuestBookEntry::open(&k.ha_enc, &sealed), Ok(entry.clone()));
        // Explicit IKM gives the same plaintext back too, and a different `info` fails.
        let m = sealed::seal_with_ikm(&k.ha_enc.public_key(), UPLOAD_INFO, &entry.encode(), &ikm)
            .unwrap();
        prop_assert!(GuestBookEntry::open(&k.ha_enc, &m).is_err());
    }

    #[test]
    fn sealed_seed_release((release, v) in seed_release(), (at, x, _) in mutation()) {
        let k = keys();
        let sealed = release.seal(&k.ha_enc.public_key()).unwrap();
        let bytes = round_trip(&sealed)?;
        let back = SeedRelease::open(&k.ha_enc, &SealedMessage::decode(&bytes).unwrap());
        prop_assert_eq!(back.as_ref(), Ok(&release));
        prop_assert_eq!(*release.venue_key(), k.venues[v].public_key());
        // Signed for another recipient, or with another venue key inside: refused.
        prop_assert_eq!(release.verify(&KeyId([9; 8])), Err(Error::SeedReleaseSignatureInvalid));
        // The venue key sits right after the version byte: swapped on the wire.
        let mut raw = release.encode();
        raw[1..33].copy_from_slice(k.venues[(v + 1) % 4].public_key().as_bytes());
        let swapped = SeedRelease::decode(&raw).unwrap();
        prop_assert_eq!(
            swapped.verify(&k.ha_enc.public_key().key_id()),
            Err(Error::SeedReleaseSignatureInvalid)
        );
        // A sealed release with one byte changed never opens.
        let mut tampered = bytes;
        let i = at.index(tampered.len());
        tampered[i] ^= x;
        if let Ok(m) = SealedMessage::decode(&tampered) {
            prop_assert!(SeedRelease::open(&k.ha_enc, &m).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// No decoder panics on arbitrary input; whatever it accepts is canonical.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoders_never_panic(bytes in junk()) {
        canonical_or_error::<VenueInfo>(&bytes)?;
        canonical_or_error::<VenueCertificate>(&bytes)?;
        canonical_or_error::<RegistrationRequest>(&bytes)?;
        canonical_or_error::<VenueCode>(&bytes)?;
        canonical_or_error::<RevocationList>(&bytes)?;
        canonical_or_error::<ExposureBatch>(&bytes)?;
        canonical_or_error::<SealedMessage>(&bytes)?;
        canonical_or_error::<SealedBundle>(&bytes)?;
        canonical_or_error::<Upload>(&bytes)?;
        canonical_or_error::<GuestBookEntry>(&bytes)?;
        canonical_or_error::<SeedRelease>(&bytes)?;
        canonical_or_error::<RequestEnvelope>(&bytes)?;
        canonical_or_error::<CountPing>(&bytes)?;
        canonical_or_error::<CountTagRegistration>(&bytes)?;
        canonical_or_error::<Checkpoint>(&bytes)?;
        canonical_or_error::<TrustBundle>(&bytes)?;
        let mut reader = BatchReader::new(TrustAnchors::new(keys().ra.public_key(), keys().ha.public_key()));
        if reader.feed(&bytes).is_ok() {
            let _ = reader.finish();
        }
        let mut r = Reader::new(&bytes);
        if let Ok(h) = SignedBatchHeader::read(&mut r) {
            let mut again = Vec::new();
            h.encode_into(&mut again);
            prop_assert_eq!(&again[..], &bytes[..r.position()]);
        }
        if let Ok(content) = sealed::unpad(&bytes) {
            prop_assert_eq!(&sealed::pad(content).unwrap()[..], &bytes[..]);
        }
    }

    #[test]
    fn text_decoders_never_panic(
        s in prop_oneof![
            any::<String>(),
            "[0-9]{0,80}",
            "https://[a-z.]{0,12}/c#[0-9]{0,40}",
            "[ \t]*[Hh][Tt][Tt][Pp][Ss]://[^#]{0,8}#?[0-9#]{0,20}[ \n]*",
            "[A-Za-z0-9_-]{0,200}",
        ],
    ) {
        if let Ok(code) = VenueCode::parse(&s) {
            let t = s.trim();
            let digits = t.split_once('#').map_or(t, |(_, d)| d);
            prop_assert_eq!(code.to_digits(), digits);
        }
        if let Ok(code) = VenueCode::from_url(&s) {
            let tail = format!("#{}", code.to_digits());
            prop_assert!(s.ends_with(&tail));
        }
        if let Ok(bytes) = decode_decimal(&s) {
            prop_assert_eq!(encode_decimal(&bytes), s.clone());
        }
        if let Ok(env) = RequestEnvelope::from_header(&s) {
            prop_assert_eq!(env.to_header(), s.trim());
        }
    }
}

/// Arbitrary bytes dressed as a URL fragment reach the binary decoders behind the URL parser.
#[test]
fn arbitrary_digits_behind_a_url_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&prop::collection::vec(any::<u8>(), 1..700), |mut raw| {
            raw.insert(0, 2);
            let url = format!("{DEFAULT_BASE_URL}#{}", encode_decimal(&raw));
            if let Ok(code) = VenueCode::from_url(&url) {
                prop_assert_eq!(code.encode(), raw);
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Checked constructors: a value exists exactly when its bytes decode back to it, and every
// refusal names its field. Refused values cannot be built, so their bytes are built by hand.

/// The constructor's answer agrees with the decoder's on the same value's bytes `raw`: accepted
/// values encode to exactly `raw` and decode back; a refusal names `field`, and the decoder
/// refuses `raw` with `decoder_error`.
fn constructor_matches_decoder<T: Codec + PartialEq + std::fmt::Debug>(
    built: Result<T, FieldError>,
    raw: &[u8],
    field: &str,
    decoder_error: Option<Error>,
) -> Result<(), TestCaseError> {
    let decoded = T::decode(raw);
    match built {
        Ok(value) => {
            prop_assert_eq!(value.encode(), raw.to_vec());
            prop_assert_eq!(decoded, Ok(value));
        }
        Err(e) => {
            prop_assert_eq!(e.field(), field);
            prop_assert!(!e.to_string().is_empty());
            match decoder_error {
                Some(want) => prop_assert_eq!(decoded, Err(want)),
                None => prop_assert_eq!(decoded, Err(e.error())),
            }
        }
    }
    Ok(())
}

fn sealed_message_bytes(id: [u8; 8], enc: &[u8; 32], ct: &[u8]) -> Vec<u8> {
    let mut raw = vec![2];
    raw.extend_from_slice(&id);
    raw.extend_from_slice(enc);
    raw.extend_from_slice(&u32::try_from(ct.len()).unwrap().to_be_bytes());
    raw.extend_from_slice(ct);
    raw
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tag_registration_constructor_agrees_with_the_decoder(
        n in prop_oneof![0..=3usize, 60..=70usize],
        epochs in prop::collection::vec(0u32..4, 70),
        tag in any::<[u8; 16]>(),
    ) {
        let tags: Vec<(Epoch, CountTag)> =
            epochs.into_iter().take(n).map(|e| (Epoch::new(e), CountTag(tag))).collect();
        let mut raw = vec![2];
        raw.extend_from_slice(&u16::try_from(tags.len()).unwrap().to_be_bytes());
        for (e, t) in &tags {
            raw.extend_from_slice(&e.get().to_be_bytes());
            raw.extend_from_slice(&t.0);
        }
        constructor_matches_decoder(CountTagRegistration::try_new(tags), &raw, "tags", None)?;
    }

    #[test]
    fn sealed_message_constructor_agrees_with_the_decoder(
        len in prop_oneof![
            0..=4096usize,
            prop::sample::select(PAD_BUCKETS.to_vec()).prop_map(|b| b + 16),
            prop::sample::select(PAD_BUCKETS.to_vec()).prop_map(|b| b + 15),
        ],
        enc in any::<[u8; 32]>(),
    ) {
        let ct = vec![7; len];
        let raw = sealed_message_bytes([1; 8], &enc, &ct);
        let built = SealedMessage::try_new(KeyId([1; 8]), enc, ct);
        let refused = built.is_err();
        constructor_matches_decoder(built.clone(), &raw, "ciphertext", Some(Error::NonCanonical))?;
        // A bundle of two such messages: it decodes exactly when the message does.
        let mut bundle_raw = vec![2, 0, 0, 0, 2];
        bundle_raw.extend_from_slice(&raw);
        bundle_raw.extend_from_slice(&raw);
        let decoded = SealedBundle::decode(&bundle_raw);
        prop_assert_eq!(decoded.is_err(), refused);
        if let Ok(m) = built {
            let bundle = SealedBundle::new(vec![m.clone(), m]).unwrap();
            prop_assert_eq!(bundle.encode(), bundle_raw);
            prop_assert_eq!(decoded, Ok(bundle));
        }
    }

    #[test]
    fn guest_book_entry_refusals_name_their_field(
        serial in any::<u64>(),
        name in prop_oneof![text(MAX_GUEST_NAME_BYTES, false), "[ ]{0,3}", "[a-z]{65,70}", "[a-z]{1,5}[\\x00-\\x1f][a-z]{1,5}"],
        phone in prop_oneof!["[+]?[0-9]{3,11}[ -]?[0-9]{0,8}", "[0-9]{0,2}", "[0-9]{25,30}", "[0-9]{3,5}[a-z+][0-9]{1,5}"],
        (arrival, departure) in prop_oneof![stay(), (minute(), minute())],
    ) {
        let mut raw = vec![2];
        raw.extend_from_slice(&serial.to_be_bytes());
        for t in [&name, &phone] {
            raw.push(u8::try_from(t.len()).unwrap());
            raw.extend_from_slice(t.as_bytes());
        }
        raw.extend_from_slice(&arrival.get().to_be_bytes());
        raw.extend_from_slice(&departure.get().to_be_bytes());
        let built = GuestBookEntry::try_new(serial, &name, &phone, arrival, departure);
        let field = match &built {
            Err(e) => e.field(),
            Ok(_) => "",
        };
        prop_assert!(["", "name", "phone", "departure"].contains(&field));
        let bad_name = name.trim().is_empty()
            || name.len() > MAX_GUEST_NAME_BYTES
            || name.chars().any(char::is_control);
        if bad_name {
            prop_assert_eq!(field, "name");
        } else if departure <= arrival && field != "phone" {
            prop_assert_eq!(field, "departure");
        }
        // The decoder reports text problems as NonCanonical (or TooLarge past the limit).
        let decoded = GuestBookEntry::decode(&raw);
        match built {
            Ok(v) => {
                prop_assert_eq!(v.encode(), raw);
                prop_assert_eq!(decoded, Ok(v));
            }
            Err(_) => prop_assert!(decoded.is_err()),
        }
    }

    #[test]
    fn upload_entry_and_seed_release_refusals_name_their_field(
        code in venue_code(),
        arrival in minute(),
        departure in minute(),
        epochs in prop::collection::vec(0u32..100, 0..=MAX_RELEASED_SEEDS + 3),
    ) {
        match UploadEntry::try_new(code.clone(), arrival, departure) {
            Ok(e) => {
                prop_assert!(departure > arrival);
                prop_assert_eq!((e.arrival(), e.departure(), e.code()), (arrival, departure, &code));
            }
            Err(e) => {
                prop_assert!(departure <= arrival);
                prop_assert_eq!((e.field(), e.error()), ("departure", Error::ValueOutOfRange));
            }
        }
        let k = keys();
        let seeds: Vec<(Epoch, Seed)> = epochs
            .iter()
            .map(|e| (Epoch::new(*e), Seed::from_bytes([3; 32])))
            .collect();
        let increasing = epochs.windows(2).all(|w| w[0] < w[1]);
        let ha = k.ha_enc.public_key().key_id();
        match SeedRelease::try_sign(&k.venues[0], seeds, &ha) {
            Ok(r) => {
                prop_assert!(increasing && epochs.len() <= MAX_RELEASED_SEEDS);
                prop_assert_eq!(SeedRelease::decode(&r.encode()), Ok(r));
            }
            Err(e) => {
                prop_assert_eq!(e.field(), "seeds");
                let want = if epochs.len() > MAX_RELEASED_SEEDS {
                    Error::TooLarge
                } else {
                    prop_assert!(!increasing);
                    Error::NonCanonical
                };
                prop_assert_eq!(e.error(), want);
            }
        }
    }
}

#[test]
fn a_bundle_or_upload_over_its_item_limit_is_refused_naming_the_field() {
    let item = SealedMessage::new(KeyId([1; 8]), [2; 32], vec![0; PAD_BUCKETS[0] + 16]).unwrap();
    let at_limit = SealedBundle::new(vec![item.clone(); sealed::MAX_BUNDLE_ITEMS]).unwrap();
    let mut raw = at_limit.encode();
    assert_eq!(SealedBundle::decode(&raw), Ok(at_limit));
    let over = SealedBundle::try_new(vec![item.clone(); sealed::MAX_BUNDLE_ITEMS + 1]).unwrap_err();
    assert_eq!((over.field(), over.error()), ("items", Error::TooLarge));
    // The same bundle's bytes by hand: one more item and its count.
    raw[1..5].copy_from_slice(
        &u32::try_from(sealed::MAX_BUNDLE_ITEMS + 1)
            .unwrap()
            .to_be_bytes(),
    );
    raw.extend_from_slice(&item.encode());
    assert_eq!(SealedBundle::decode(&raw), Err(Error::TooLarge));

    use proptest::strategy::ValueTree;
    let code = venue_code()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current();
    let entry = UploadEntry::new(code, UnixMinute::new(10), UnixMinute::new(20)).unwrap();
    let tan = "K7Q2M9XD4TZP";
    let at_limit = Upload::new(tan, vec![entry.clone(); MAX_UPLOAD_ENTRIES]).unwrap();
    let mut raw = at_limit.encode();
    assert_eq!(Upload::decode(&raw), Ok(at_limit));
    let over = Upload::try_new(tan, vec![entry.clone(); MAX_UPLOAD_ENTRIES + 1]).unwrap_err();
    assert_eq!((over.field(), over.error()), ("entries", Error::TooLarge));
    assert_eq!(
        over.to_string(),
        format!(
            "entries has {} items; at most {MAX_UPLOAD_ENTRIES} fit",
            MAX_UPLOAD_ENTRIES + 1
        )
    );
    let count_at = 2 + tan.len();
    raw[count_at..count_at + 2]
        .copy_from_slice(&u16::try_from(MAX_UPLOAD_ENTRIES + 1).unwrap().to_be_bytes());
    let one = Upload::new(tan, vec![entry]).unwrap().encode();
    raw.extend_from_slice(&one[count_at + 2..]);
    assert_eq!(Upload::decode(&raw), Err(Error::TooLarge));
}
