//! The JSON test vectors in `protocol-spec/vectors/`, cited by `protocol-spec/SPEC.md`.
//!
//! Every file in that directory must be claimed by an entry of [`FILES`]; a file no check reads
//! fails the run. For each file the test rebuilds the whole document from fixed inputs with this
//! crate and compares it with the committed file value for value, then runs every case the file
//! lists (`accept` cases must succeed with the stated output, `negative` cases must fail with
//! exactly the stated error) from the committed bytes alone.
//!
//! The normal run only compares. `VENUECODE_REGENERATE_VECTORS=1 cargo test -p
//! venuecode-protocol --test vectors` rewrites the files, after running every case against the
//! freshly generated documents.
#![allow(clippy::unwrap_used)]
#![recursion_limit = "512"]

use std::path::PathBuf;

use serde_json::{json, Value};
use venuecode_protocol::certificate::{CERTIFICATE_LABEL, REGISTRATION_VERSION};
use venuecode_protocol::code::{decode_decimal, encode_decimal, CODE_LABEL, DEFAULT_BASE_URL};
use venuecode_protocol::codec::Reader;
use venuecode_protocol::envelope::{tan_hash, REQUEST_LABEL};
use venuecode_protocol::exposure::{BATCH_LABEL, RECORD_NONCE};
use venuecode_protocol::keys::KEY_ID_LABEL;
use venuecode_protocol::primitives::{aead_seal, sha256};
use venuecode_protocol::revocation::REVOCATION_LABEL;
use venuecode_protocol::sealed::{
    self, pad, seal_with_ikm, unpad, GUEST_BOOK_INFO, SEED_RELEASE_INFO, SEED_RELEASE_LABEL,
    UPLOAD_INFO,
};
use venuecode_protocol::time::{
    epoch_of, epochs_for_slot, overlap_minutes, slot_of, slot_start, stay_slots,
};
use venuecode_protocol::*;

// ---------------------------------------------------------------------------------------------
// The table of files. Adding a vector file without an entry here fails `every_vector_file`.
// ---------------------------------------------------------------------------------------------

type Generate = fn() -> Value;

const FILES: &[(&str, Generate)] = &[
    ("keys.json", gen_keys),
    ("time.json", gen_time),
    ("seeds.json", gen_seeds),
    ("certificate.json", gen_certificate),
    ("code.json", gen_code),
    ("decimal.json", gen_decimal),
    ("exposure.json", gen_exposure),
    ("revocation.json", gen_revocation),
    ("sealed.json", gen_sealed),
    ("envelope.json", gen_envelope),
    ("count.json", gen_count),
    ("size-budget.json", gen_size_budget),
    ("hpke-rfc9180-a2.json", gen_rfc9180),
];

/// Files whose checks go beyond the generic case runner.
fn extra_check(file: &str, doc: &Value) {
    match file {
        "time.json" => check_time(doc),
        "decimal.json" => check_decimal(doc),
        "size-budget.json" => check_size_budget(doc),
        "hpke-rfc9180-a2.json" => check_rfc9180(doc),
        _ => {}
    }
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../protocol-spec/vectors")
}

#[test]
fn every_vector_file() {
    let dir = vector_dir();
    let regenerate = std::env::var("VENUECODE_REGENERATE_VECTORS").is_ok_and(|v| v == "1");
    if regenerate {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, generate) in FILES {
            let doc = generate();
            run_file(name, &doc);
            let mut text = serde_json::to_string_pretty(&doc).unwrap();
            text.push('\n');
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    for name in &on_disk {
        assert!(
            FILES.iter().any(|(f, _)| f == name),
            "{name} is in protocol-spec/vectors but no check reads it"
        );
    }
    for (name, generate) in FILES {
        let text = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: cannot read: {e}"));
        let committed: Value = serde_json::from_str(&text).unwrap();
        let fresh = generate();
        if let Some(path) = first_difference(&committed, &fresh, String::new()) {
            panic!("{name}: the committed vector differs from the crate's output at {path}");
        }
        run_file(name, &committed);
    }
}

/// Runs every case of a document, from its own bytes.
fn run_file(name: &str, doc: &Value) {
    assert!(
        doc["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{name}: no description"
    );
    let ctx = doc.get("context").cloned().unwrap_or(Value::Null);
    let mut ran = 0;
    for list in ["accept", "negative"] {
        for case in doc
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            check_case(name, &ctx, case, list == "negative");
            ran += 1;
        }
    }
    extra_check(name, doc);
    let has_cases = doc.get("accept").is_some() || doc.get("negative").is_some();
    assert!(!has_cases || ran > 0, "{name}: empty case lists");
}

fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    _ => return Some(format!("{path}.{k} (present on one side only)")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path} (length {} vs {})", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, format!("{path}[{i}]")))
        }
        _ => (a != b).then_some(path),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn h(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

fn unh(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    unh(v).try_into().unwrap()
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

/// The `Error` variant's name, as the vectors spell it.
fn ename(e: &Error) -> String {
    let d = format!("{e:?}");
    d.split([' ', '(', '{']).next().unwrap().to_owned()
}

fn found(e: &Error) -> Option<u8> {
    match e {
        Error::UnsupportedVersion { found } | Error::UnknownCodeKind { found } => Some(*found),
        _ => None,
    }
}

/// A case that must fail with `expect`; `extra` adds the op's parameters.
fn neg(name: &str, op: &str, input: impl AsRef<[u8]>, expect: Error, extra: Value) -> Value {
    let mut c = json!({"name": name, "op": op, "input": h(input)});
    merge(&mut c, extra);
    c["expect"] = json!(ename(&expect));
    if let Some(f) = found(&expect) {
        c["found"] = json!(f);
    }
    c
}

/// A case that must succeed, with an optional output.
fn acc(name: &str, op: &str, input: impl AsRef<[u8]>, extra: Value, output: Value) -> Value {
    let mut c = json!({"name": name, "op": op, "input": h(input)});
    merge(&mut c, extra);
    c["expect"] = json!("ok");
    if !output.is_null() {
        c["output"] = output;
    }
    c
}

fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, extra) {
        a.extend(b);
    }
}

fn check_case(file: &str, ctx: &Value, case: &Value, negative: bool) {
    let name = case["name"].as_str().unwrap();
    let expect = case["expect"].as_str().unwrap();
    let got = run(ctx, case);
    match (negative, expect, got) {
        (false, "ok", Ok(out)) => {
            if let Some(want) = case.get("output") {
                assert_eq!(&out, want, "{file} / {name}: output differs");
            }
        }
        (true, want, Err(e)) if want != "ok" => {
            assert_eq!(ename(&e), want, "{file} / {name}: wrong error");
            if let Some(f) = case.get("found") {
                assert_eq!(found(&e).map(u64::from), f.as_u64(), "{file} / {name}");
            }
        }
        (_, want, got) => panic!("{file} / {name}: expected {want}, got {got:?}"),
    }
}

fn anchors(ctx: &Value) -> TrustAnchors {
    TrustAnchors::new(
        PublicKey::from_bytes(&arr(&ctx["ra_public_key"])).unwrap(),
        PublicKey::from_bytes(&arr(&ctx["ha_public_key"])).unwrap(),
    )
}

/// The one interpreter of cases: each op names a decoder or a check, as the spec describes it.
fn run(ctx: &Value, c: &Value) -> Result<Value> {
    let op = c["op"].as_str().unwrap();
    let input = || unh(&c["input"]);
    let text = || c["text"].as_str().unwrap().to_owned();
    let now = || u32::try_from(num(&c["now"])).unwrap();
    let ha_key = || DecryptionKey::from_secret(&arr(&ctx["ha_encryption_secret"])).unwrap();
    let out = |b: Vec<u8>| Ok(json!(h(b)));
    match op {
        "ed25519_public_key" => out(PublicKey::from_bytes(&arr(&c["input"]))?
            .key_id()
            .0
            .to_vec()),
        "x25519_public_key" => out(EncryptionKey::from_bytes(&arr(&c["input"]))?
            .key_id()
            .0
            .to_vec()),
        "decode_venue_info" => out(VenueInfo::decode(&input())?.encode()),
        "decode_certificate" => out(VenueCertificate::decode(&input())?.encode()),
        "verify_certificate" => {
            let cert = VenueCertificate::decode(&input())?;
            cert.verify_signature(&anchors(ctx))?;
            if c.get("now").is_some() {
                cert.check_validity(now())?;
            }
            Ok(json!(cert.serial()))
        }
        "decode_registration" => out(RegistrationRequest::decode(&input())?.encode()),
        "decode_code" => out(VenueCode::decode(&input())?.encode()),
        "verify_code" => {
            let code = VenueCode::decode(&input())?;
            // Serials revoked for a reason of the list (deactivated or disabled), and serials
            // superseded by a newer certificate.
            let listed = |field: &str, reason| {
                c.get(field)
                    .into_iter()
                    .flat_map(move |v| v.as_array().unwrap().iter().map(move |s| (num(s), reason)))
            };
            let revoked = (c.get("revoked_serials").is_some()
                || c.get("superseded_serials").is_some())
            .then(|| {
                RevocationSet::from_parts(
                    listed("revoked_serials", RevocationReason::DEACTIVATED_BY_VENUE)
                        .chain(listed("superseded_serials", RevocationReason::SUPERSEDED)),
                    0,
                )
            });
            code.verify(&anchors(ctx), now(), revoked.as_ref())?;
            out(code.seed().expose().to_vec())
        }
        "parse_code" => out(VenueCode::parse(&text())?.encode()),
        "code_from_url" => out(VenueCode::from_url(&text())?.encode()),
        "decode_decimal" => out(decode_decimal(&text())?),
        "decode_batch" => out(ExposureBatch::decode(&input())?.encode()),
        "stream_batch" => {
            let bytes = input();
            let mut r = Reader::new(&bytes);
            let header = SignedBatchHeader::read(&mut r)?;
            header.verify(&anchors(ctx))?;
            let mut checker = header.record_checker();
            let mut n = 0;
            while r.remaining() > 0 {
                checker.push(&ExposureRecord::read(&mut r)?)?;
                n += 1;
            }
            checker.finish()?;
            Ok(json!(n))
        }
        "verify_batch" => {
            let b = ExposureBatch::decode(&input())?;
            b.verify(&anchors(ctx))?;
            Ok(json!(b.records().len()))
        }
        "open_record" => {
            let bytes = input();
            let mut r = Reader::new(&bytes);
            let rec = ExposureRecord::read(&mut r)?;
            r.finish()?;
            let seed = Seed::from_bytes(arr(&c["seed"]));
            let slot = u32::try_from(num(&c["slot"])).unwrap();
            let n = rec.open(&seed.slot_keys(), slot, &arr(&c["batch_id"]))?;
            Ok(json!({
                "window_start": n.window_start,
                "window_minutes": n.window_minutes,
                "risk": n.risk.0,
                "message_index": n.message_index,
            }))
        }
        "decode_revocation_list" => out(RevocationList::decode(&input())?.encode()),
        "verify_revocation_list" => {
            let l = RevocationList::decode(&input())?;
            l.verify(&anchors(ctx))?;
            Ok(json!(l.body().up_to))
        }
        "decode_sealed" => out(SealedMessage::decode(&input())?.encode()),
        "open_sealed" => {
            let msg = SealedMessage::decode(&input())?;
            let info = c["info"].as_str().unwrap();
            out(sealed::open(&ha_key(), info.as_bytes(), &msg)?.to_vec())
        }
        "unpad" => out(unpad(&input())?.to_vec()),
        "decode_upload" => out(Upload::decode(&input())?.encode()),
        "decode_guest_book" => out(GuestBookEntry::decode(&input())?.encode()),
        "decode_seed_release" => out(SeedRelease::decode(&input())?.encode()),
        "decode_signed_seed_release" => out(SignedSeedRelease::decode(&input())?.encode()),
        "open_signed_seed_release" => {
            let s = SignedSeedRelease::decode(&input())?;
            let venue = PublicKey::from_bytes(&arr(&ctx["venue_public_key"]))?;
            out(s.open(&venue, &ha_key())?.encode())
        }
        "decode_bundle" => out(sealed::SealedBundle::decode(&input())?.encode()),
        "decode_envelope" => out(RequestEnvelope::decode(&input())?.encode()),
        "envelope_from_header" => out(RequestEnvelope::from_header(&text())?.encode()),
        "verify_envelope" => {
            let env = RequestEnvelope::decode(&input())?;
            let key = PublicKey::from_bytes(&arr(&c["signer_public_key"]))?;
            env.verify(
                &key,
                c["method"].as_str().unwrap(),
                c["path"].as_str().unwrap(),
                &unh(&c["body"]),
                num(&c["now"]),
            )?;
            Ok(Value::Null)
        }
        "tan_hash" => out(tan_hash(&text())?.to_vec()),
        "decode_count_pings" => out(CountPingBatch::decode(&input())?.encode()),
        other => panic!("unknown op {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs
// ---------------------------------------------------------------------------------------------

/// 2025-02-19T21:20Z in Unix minutes: epoch 20138, slot 483333.
const NOW: u32 = 29_000_000;
const SERIAL: u64 = 7;
const RA_SEED: [u8; 32] = [0x01; 32];
const HA_SEED: [u8; 32] = [0x02; 32];
const HA_ENC_IKM: [u8; 32] = [0x03; 32];
const VENUE_SEED: [u8; 32] = [0x04; 32];
const MASTER: [u8; 32] = [0x05; 32];
const OTHER_SEED: [u8; 32] = [0x09; 32];
const OTHER_MASTER: [u8; 32] = [0x0a; 32];
const VALID_FROM: u32 = NOW - 10 * 1440;
const VALID_UNTIL: u32 = NOW + 365 * 1440;
const NAME: &str = "兰州牛肉面馆";
const ADDRESS: &str = "甘肃省兰州市安宁区北滨河西路1号";
const REGION: u32 = 620_105;
const STAY: u16 = 60;

/// The group order L of Ed25519, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn ra() -> SigningKey {
    SigningKey::from_seed(&RA_SEED).unwrap()
}
fn ha() -> SigningKey {
    SigningKey::from_seed(&HA_SEED).unwrap()
}
fn ha_enc() -> DecryptionKey {
    DecryptionKey::derive(&HA_ENC_IKM).unwrap()
}
fn venue() -> SigningKey {
    SigningKey::from_seed(&VENUE_SEED).unwrap()
}
fn other() -> SigningKey {
    SigningKey::from_seed(&OTHER_SEED).unwrap()
}
fn master() -> MasterSeed {
    MasterSeed::from_bytes(MASTER)
}

fn info() -> VenueInfo {
    VenueInfo::new(
        NAME,
        ADDRESS,
        RegionCode::new(REGION).unwrap(),
        VenueCategory::RESTAURANT,
        STAY,
    )
    .unwrap()
}

fn cert() -> VenueCertificate {
    VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra().key_id(),
            serial: SERIAL,
            venue_key: venue().public_key(),
            info: info(),
            valid_from: VALID_FROM,
            valid_until: VALID_UNTIL,
        },
        &ra(),
    )
    .unwrap()
}

fn static_code() -> VenueCode {
    VenueCode::new_static(cert(), &master(), &venue()).unwrap()
}

fn rotating_code() -> VenueCode {
    VenueCode::new_rotating(cert(), &master(), &venue(), NOW).unwrap()
}

/// The keys every case runner needs, as a file's `context`.
fn context() -> Value {
    json!({
        "ra_public_key": h(ra().public_key().as_bytes()),
        "ha_public_key": h(ha().public_key().as_bytes()),
        "ha_encryption_secret": h(*ha_enc().to_secret()),
        "venue_public_key": h(venue().public_key().as_bytes()),
    })
}

/// Adds L to the `s` half of a signature: the same signature, non-canonically encoded.
fn malleate(sig: &mut [u8]) {
    let s = &mut sig[32..64];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(ED25519_L) {
        let v = u16::from(*b) + u16::from(l) + carry;
        *b = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
}

fn with_last(mut b: Vec<u8>, f: impl FnOnce(&mut u8)) -> Vec<u8> {
    f(b.last_mut().unwrap());
    b
}

fn flip(mut b: Vec<u8>, at: usize) -> Vec<u8> {
    b[at] ^= 0x01;
    b
}

fn appended(mut b: Vec<u8>, extra: &[u8]) -> Vec<u8> {
    b.extend_from_slice(extra);
    b
}

fn truncated(b: &[u8]) -> Vec<u8> {
    b[..b.len() - 1].to_vec()
}

fn versioned(mut b: Vec<u8>, v: u8) -> Vec<u8> {
    b[0] = v;
    b
}

// Independent encoders, written from SPEC.md rather than from the crate, for building
// well-signed but otherwise malformed artefacts. Each is checked against the crate on a valid
// input first.

#[derive(Clone)]
struct RawCert {
    version: u8,
    ra_key_id: [u8; 8],
    serial: u64,
    venue_key: [u8; 32],
    name: Vec<u8>,
    address: Vec<u8>,
    region: u32,
    category: u8,
    stay: u16,
    valid_from: u32,
    valid_until: u32,
}

impl RawCert {
    fn valid() -> Self {
        Self {
            version: 1,
            ra_key_id: ra().key_id().0,
            serial: SERIAL,
            venue_key: *venue().public_key().as_bytes(),
            name: NAME.as_bytes().to_vec(),
            address: ADDRESS.as_bytes().to_vec(),
            region: REGION,
            category: 9,
            stay: STAY,
            valid_from: VALID_FROM,
            valid_until: VALID_UNTIL,
        }
    }

    fn info_bytes(&self) -> Vec<u8> {
        let mut b = vec![self.name.len() as u8];
        b.extend_from_slice(&self.name);
        b.push(self.address.len() as u8);
        b.extend_from_slice(&self.address);
        b.extend_from_slice(&self.region.to_be_bytes());
        b.push(self.category);
        b.extend_from_slice(&self.stay.to_be_bytes());
        b
    }

    fn tbs(&self) -> Vec<u8> {
        let mut b = vec![self.version];
        b.extend_from_slice(&self.ra_key_id);
        b.extend_from_slice(&self.serial.to_be_bytes());
        b.extend_from_slice(&self.venue_key);
        b.extend_from_slice(&self.info_bytes());
        b.extend_from_slice(&self.valid_from.to_be_bytes());
        b.extend_from_slice(&self.valid_until.to_be_bytes());
        b
    }

    fn signed(&self) -> Vec<u8> {
        let tbs = self.tbs();
        appended(tbs.clone(), &ra().sign(CERTIFICATE_LABEL, &tbs))
    }
}

fn raw_code(
    kind: u8,
    cert: &[u8],
    rotating: Option<(u32, u32)>,
    seed: &[u8; 32],
    key: &SigningKey,
) -> Vec<u8> {
    let mut tbs = vec![1, kind];
    tbs.extend_from_slice(cert);
    if let Some((epoch, until)) = rotating {
        tbs.extend_from_slice(&epoch.to_be_bytes());
        tbs.extend_from_slice(&until.to_be_bytes());
    }
    tbs.extend_from_slice(seed);
    appended(tbs.clone(), &key.sign(CODE_LABEL, &tbs))
}

// ---------------------------------------------------------------------------------------------
// keys.json
// ---------------------------------------------------------------------------------------------

/// Small-order Edwards points (the identity, order 2, 4 and 8).
const WEAK_ED25519: [(&str, &str); 5] = [
    (
        "identity",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "order 4 (y = 0)",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "order 2 (y = -1)",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "order 8",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    ),
    (
        "order 8 (other sign)",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ),
];

/// X25519 u-coordinates in the small subgroup, canonical and not.
const LOW_ORDER_X25519: [(&str, &str); 7] = [
    (
        "u = 0",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "u = 1",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "order 8",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    ),
    (
        "order 8 (second)",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ),
    (
        "u = p - 1",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "u = p (non-canonical 0)",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "u = p + 1 (non-canonical 1)",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
];

/// A y-coordinate with no point on the curve.
fn not_a_point() -> [u8; 32] {
    let mut y = [0u8; 32];
    for v in 2u8..=255 {
        y[0] = v;
        if PublicKey::from_bytes(&y) == Err(Error::InvalidPublicKey) {
            return y;
        }
    }
    unreachable!()
}

fn key_id_manual(alg: u8, pk: &[u8; 32]) -> String {
    h(&sha256(&[KEY_ID_LABEL, &[0, alg], pk])[..8])
}

fn gen_keys() -> Value {
    let ed = |role: &str, seed: &[u8; 32]| {
        let k = SigningKey::from_seed(seed).unwrap();
        let pk = *k.public_key().as_bytes();
        assert_eq!(key_id_manual(1, &pk), k.key_id().to_hex());
        json!({"role": role, "algorithm": "ed25519", "seed": h(seed), "public_key": h(pk),
               "key_id": k.key_id().to_hex()})
    };
    let enc = ha_enc();
    let pk = *enc.public_key().as_bytes();
    assert_eq!(key_id_manual(2, &pk), enc.public_key().key_id().to_hex());
    let mut negative = Vec::new();
    for (what, hx) in WEAK_ED25519 {
        negative.push(neg(
            &format!("weak Ed25519 key: {what}"),
            "ed25519_public_key",
            hex::decode(hx).unwrap(),
            Error::WeakPublicKey,
            json!({}),
        ));
    }
    negative.push(neg(
        "Ed25519 key that is not a curve point",
        "ed25519_public_key",
        not_a_point(),
        Error::InvalidPublicKey,
        json!({}),
    ));
    for (what, k) in [
        ("y = p + 3", 3u8),
        ("y = p + 3, sign bit set", 3),
        ("y = p + 18", 18),
    ] {
        let mut y = [0xffu8; 32];
        y[0] = 0xed + k;
        y[31] = if what.contains("sign") { 0xff } else { 0x7f };
        negative.push(neg(
            &format!("non-canonical Ed25519 encoding of a valid point: {what}"),
            "ed25519_public_key",
            y,
            Error::InvalidPublicKey,
            json!({}),
        ));
    }
    for (what, hx) in LOW_ORDER_X25519 {
        negative.push(neg(
            &format!("low-order X25519 key as HA encryption key: {what}"),
            "x25519_public_key",
            hex::decode(hx).unwrap(),
            Error::NonContributory,
            json!({}),
        ));
    }
    json!({
        "description": "Fixed keys of the RA, HA, venue and a stranger, with key ids: the first 8 bytes of SHA-256(\"venuecode/v1/key-id\" || 0x00 || algorithm || public key), algorithm 0x01 for Ed25519 and 0x02 for X25519. The HA encryption key is RFC 9180 DeriveKeyPair(ikm). Negative cases: weak (small-order) Ed25519 keys, a non-point, non-canonical encodings (y >= p) of valid points, and low-order X25519 recipient keys.",
        "ed25519": [
            ed("registration authority", &RA_SEED),
            ed("health authority", &HA_SEED),
            ed("venue", &VENUE_SEED),
            ed("stranger (not trusted)", &OTHER_SEED),
        ],
        "x25519": [{
            "role": "health authority encryption key",
            "ikm": h(HA_ENC_IKM),
            "secret": h(*enc.to_secret()),
            "public_key": h(pk),
            "key_id": enc.public_key().key_id().to_hex(),
        }],
        "accept": [
            acc("RA key id", "ed25519_public_key", ra().public_key().as_bytes(), json!({}),
                json!(ra().key_id().to_hex())),
            acc("HA encryption key id", "x25519_public_key", pk, json!({}),
                json!(enc.public_key().key_id().to_hex())),
        ],
        "negative": negative,
    })
}

// ---------------------------------------------------------------------------------------------
// time.json
// ---------------------------------------------------------------------------------------------

fn gen_time() -> Value {
    let minutes = [0u32, 59, 60, 1439, 1440, NOW, 28_999_919, 28_999_920];
    let slots: Vec<Value> = minutes
        .iter()
        .map(|&t| json!({"minute": t, "slot": slot_of(t), "epoch": epoch_of(t)}))
        .collect();
    let stays = [
        (60, 120),
        (60, 121),
        (59, 61),
        (90, 90),
        (NOW, NOW + 90),
        (NOW + 30, NOW + 200),
    ];
    let stays: Vec<Value> = stays
        .iter()
        .map(|&(a, d)| {
            let r = stay_slots(a, d);
            json!({"arrival": a, "departure": d, "first_slot": r.start(), "last_slot": r.end()})
        })
        .collect();
    let day = epoch_of(NOW);
    let first = day * 24;
    let eps: Vec<Value> = [first - 1, first, first + 11, first + 12, first + 23]
        .iter()
        .map(|&s| {
            let r = epochs_for_slot(s);
            json!({"slot": s, "slot_start": slot_start(s), "first_epoch": r.start(),
                   "last_epoch": r.end()})
        })
        .collect();
    let overlaps: Vec<Value> = [(0, 10, 5, 20), (0, 10, 10, 20), (30, 40, 0, 20), (0, 100, 20, 30)]
        .iter()
        .map(|&(a0, a1, b0, b1)| {
            json!({"a": [a0, a1], "b": [b0, b1], "minutes": overlap_minutes(a0, a1, b0, b1)})
        })
        .collect();
    json!({
        "description": "Slot and epoch arithmetic on Unix minutes: slot = minute / 60, epoch = minute / 1440, the slots a stay [arrival, departure) touches, the epochs whose rotating seed a visitor present in a slot could hold (epochs_for_slot, reaching back MAX_STAY_MINUTES = 720), and overlap in minutes.",
        "constants": {
            "SLOT_MINUTES": time::SLOT_MINUTES,
            "EPOCH_MINUTES": time::EPOCH_MINUTES,
            "MAX_STAY_MINUTES": time::MAX_STAY_MINUTES,
            "MIN_STAY_MINUTES": time::MIN_STAY_MINUTES,
            "MATCH_MARGIN_SLOTS": time::MATCH_MARGIN_SLOTS,
            "MAX_DISPLAY_VALIDITY_MINUTES": time::MAX_DISPLAY_VALIDITY_MINUTES,
            "DEFAULT_DISPLAY_VALIDITY_MINUTES": time::DEFAULT_DISPLAY_VALIDITY_MINUTES,
            "CLOCK_SKEW_MINUTES": time::CLOCK_SKEW_MINUTES,
            "RETENTION_DAYS": time::RETENTION_DAYS,
        },
        "slots": slots,
        "stays": stays,
        "epochs_for_slot": eps,
        "overlap": overlaps,
    })
}

fn check_time(doc: &Value) {
    let n = |v: &Value| u32::try_from(num(v)).unwrap();
    for c in doc["slots"].as_array().unwrap() {
        assert_eq!(slot_of(n(&c["minute"])), n(&c["slot"]));
        assert_eq!(epoch_of(n(&c["minute"])), n(&c["epoch"]));
    }
    for c in doc["stays"].as_array().unwrap() {
        let r = stay_slots(n(&c["arrival"]), n(&c["departure"]));
        assert_eq!(
            (*r.start(), *r.end()),
            (n(&c["first_slot"]), n(&c["last_slot"]))
        );
    }
    for c in doc["epochs_for_slot"].as_array().unwrap() {
        let r = epochs_for_slot(n(&c["slot"]));
        assert_eq!(
            (*r.start(), *r.end()),
            (n(&c["first_epoch"]), n(&c["last_epoch"]))
        );
    }
    for c in doc["overlap"].as_array().unwrap() {
        let a = c["a"].as_array().unwrap();
        let b = c["b"].as_array().unwrap();
        assert_eq!(
            overlap_minutes(n(&a[0]), n(&a[1]), n(&b[0]), n(&b[1])),
            n(&c["minutes"])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// seeds.json
// ---------------------------------------------------------------------------------------------

const BATCH_ID: [u8; 16] = [
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
];

fn slot_values(label: &str, seed: &Seed, slots: &[u32], epochs: &[u32]) -> Value {
    let keys = seed.slot_keys();
    json!({
        "seed": label,
        "seed_bytes": h(seed.expose()),
        "tokens": slots.iter().map(|&s| json!({"slot": s, "token": h(keys.token(s).0)}))
            .collect::<Vec<_>>(),
        "seal_keys": slots.iter().map(|&s| json!({"slot": s, "batch_id": h(BATCH_ID),
            "seal_key": h(keys.seal_key(s, &BATCH_ID).expose())})).collect::<Vec<_>>(),
        "count_tags": epochs.iter().map(|&e| json!({"epoch": e, "count_tag": h(keys.count_tag(e).0)}))
            .collect::<Vec<_>>(),
    })
}

fn gen_seeds() -> Value {
    let m = master();
    let e = epoch_of(NOW);
    let s = slot_of(NOW);
    let epochs = [0, e - 1, e, e + 1, e + 30];
    let rotating: Vec<Value> = epochs
        .iter()
        .map(|&ep| json!({"epoch": ep, "seed": h(m.rotating_seed(ep).expose())}))
        .collect();
    json!({
        "description": "Seed derivations from a venue master seed (HKDF-SHA256, salt \"venuecode/v1/seed\", info \"static\" or \"rotating\" || epoch u32 BE, 32 bytes), and per-seed values from PRK = HKDF-Extract(\"venuecode/v1/slot\", seed): slot tokens (info \"token\" || slot, 16 bytes), record seal keys (info \"seal\" || slot || batch_id, 32 bytes) and count tags (info \"count\" || epoch, 16 bytes).",
        "master_seed": h(MASTER),
        "static_seed": h(m.static_seed().expose()),
        "rotating_seeds": rotating,
        "slot_values": [
            slot_values("static", &m.static_seed(), &[0, s, s + 1, s + 2, u32::MAX], &[e, e + 1]),
            slot_values(&format!("rotating epoch {e}"), &m.rotating_seed(e), &[s, s + 1], &[e]),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// certificate.json
// ---------------------------------------------------------------------------------------------

fn cert_neg(name: &str, raw: &RawCert, expect: Error) -> Value {
    neg(name, "decode_certificate", raw.signed(), expect, json!({}))
}

fn gen_certificate() -> Value {
    let c = cert();
    let bytes = c.encode();
    let raw = RawCert::valid();
    assert_eq!(raw.signed(), bytes, "independent certificate encoder");
    assert_eq!(raw.info_bytes(), info().encode());
    let tbs = raw.tbs();
    let reg = RegistrationRequest {
        venue_key: venue().public_key(),
        info: info(),
        pledge: true,
    };
    let reg_bytes = reg.encode();
    let ctx = json!({"now": NOW});
    let sig_at = bytes.len() - 64;

    let mut negative = vec![
        neg("empty", "decode_certificate", b"", Error::Empty, json!({})),
        neg(
            "unknown version 2",
            "decode_certificate",
            versioned(bytes.clone(), 2),
            Error::UnsupportedVersion { found: 2 },
            json!({}),
        ),
        neg(
            "unknown version 0",
            "decode_certificate",
            versioned(bytes.clone(), 0),
            Error::UnsupportedVersion { found: 0 },
            json!({}),
        ),
        neg(
            "truncated by one byte",
            "decode_certificate",
            truncated(&bytes),
            Error::Truncated,
            json!({}),
        ),
        neg(
            "truncated inside the name",
            "decode_certificate",
            &bytes[..60],
            Error::Truncated,
            json!({}),
        ),
        neg(
            "trailing byte",
            "decode_certificate",
            appended(bytes.clone(), &[0]),
            Error::TrailingBytes,
            json!({}),
        ),
        neg(
            "tampered RA signature",
            "verify_certificate",
            with_last(bytes.clone(), |b| *b ^= 1),
            Error::CertificateSignatureInvalid,
            ctx.clone(),
        ),
        neg(
            "tampered serial",
            "verify_certificate",
            flip(bytes.clone(), 16),
            Error::CertificateSignatureInvalid,
            ctx.clone(),
        ),
        neg(
            "tampered name byte (still valid UTF-8)",
            "verify_certificate",
            flip(bytes.clone(), 52),
            Error::CertificateSignatureInvalid,
            ctx.clone(),
        ),
        neg(
            "expired: now = valid_until",
            "verify_certificate",
            bytes.clone(),
            Error::CertificateExpired,
            json!({"now": VALID_UNTIL}),
        ),
        neg(
            "not yet valid: now = valid_from - 1",
            "verify_certificate",
            bytes.clone(),
            Error::CertificateNotYetValid,
            json!({"now": VALID_FROM - 1}),
        ),
    ];
    let mut m = bytes.clone();
    malleate(&mut m[sig_at..]);
    negative.push(neg(
        "malleable RA signature (s + L)",
        "verify_certificate",
        m,
        Error::CertificateSignatureInvalid,
        ctx.clone(),
    ));
    let mut unknown = raw.clone();
    unknown.ra_key_id = other().key_id().0;
    let tbs_u = unknown.tbs();
    negative.push(neg(
        "signed by an untrusted RA key (unknown key id)",
        "verify_certificate",
        appended(tbs_u.clone(), &other().sign(CERTIFICATE_LABEL, &tbs_u)),
        Error::UnknownKeyId,
        ctx.clone(),
    ));
    let mut wrong_id = raw.clone();
    wrong_id.ra_key_id = ha().key_id().0;
    negative.push(neg(
        "key id of a key that is not an RA key",
        "verify_certificate",
        wrong_id.signed(),
        Error::UnknownKeyId,
        ctx.clone(),
    ));
    negative.push(neg(
        "signed by the HA key under the RA key id",
        "verify_certificate",
        appended(tbs.clone(), &ha().sign(CERTIFICATE_LABEL, &tbs)),
        Error::CertificateSignatureInvalid,
        ctx.clone(),
    ));
    negative.push(neg(
        "signed under another domain label",
        "verify_certificate",
        appended(tbs.clone(), &ra().sign(CODE_LABEL, &tbs)),
        Error::CertificateSignatureInvalid,
        ctx.clone(),
    ));

    let mutate = |f: &dyn Fn(&mut RawCert)| {
        let mut r = RawCert::valid();
        f(&mut r);
        r
    };
    let cases: Vec<(&str, RawCert, Error)> = vec![
        (
            "weak venue key (identity point)",
            mutate(&|r| r.venue_key = hex::decode(WEAK_ED25519[0].1).unwrap().try_into().unwrap()),
            Error::WeakPublicKey,
        ),
        (
            "weak venue key (order 8)",
            mutate(&|r| r.venue_key = hex::decode(WEAK_ED25519[3].1).unwrap().try_into().unwrap()),
            Error::WeakPublicKey,
        ),
        (
            "venue key is not a curve point",
            mutate(&|r| r.venue_key = not_a_point()),
            Error::InvalidPublicKey,
        ),
        (
            "venue key non-canonically encoded (y = p + 3)",
            mutate(&|r| {
                r.venue_key = [0xff; 32];
                r.venue_key[0] = 0xf0;
                r.venue_key[31] = 0x7f;
            }),
            Error::InvalidPublicKey,
        ),
        (
            "invalid UTF-8 in the venue name",
            mutate(&|r| r.name[0] = 0xff),
            Error::InvalidUtf8,
        ),
        (
            "invalid UTF-8 in the address (truncated character)",
            mutate(&|r| {
                r.address.truncate(r.address.len() - 3);
                r.address.push(0xe5);
            }),
            Error::InvalidUtf8,
        ),
        (
            "empty venue name",
            mutate(&|r| r.name.clear()),
            Error::NonCanonical,
        ),
        (
            "empty address",
            mutate(&|r| r.address.clear()),
            Error::NonCanonical,
        ),
        (
            "venue name with a leading space",
            mutate(&|r| r.name.insert(0, b' ')),
            Error::NonCanonical,
        ),
        (
            "venue name with a trailing newline",
            mutate(&|r| r.name.push(b'\n')),
            Error::NonCanonical,
        ),
        (
            "venue name with a control character",
            mutate(&|r| r.name.insert(3, 0x07)),
            Error::NonCanonical,
        ),
        (
            "venue name of 121 bytes",
            mutate(&|r| r.name = vec![b'a'; 121]),
            Error::TooLarge,
        ),
        (
            "address of 201 bytes",
            mutate(&|r| r.address = vec![b'a'; 201]),
            Error::TooLarge,
        ),
        (
            "region code 999999 (out of range)",
            mutate(&|r| r.region = 999_999),
            Error::ValueOutOfRange,
        ),
        (
            "region code 100000 (province below 11)",
            mutate(&|r| r.region = 100_000),
            Error::ValueOutOfRange,
        ),
        (
            "region code 830000",
            mutate(&|r| r.region = 830_000),
            Error::ValueOutOfRange,
        ),
        (
            "default stay 14 minutes (below 15)",
            mutate(&|r| r.stay = 14),
            Error::ValueOutOfRange,
        ),
        (
            "default stay 721 minutes (above 720)",
            mutate(&|r| r.stay = 721),
            Error::ValueOutOfRange,
        ),
        (
            "empty validity (valid_until = valid_from)",
            mutate(&|r| r.valid_until = r.valid_from),
            Error::ValueOutOfRange,
        ),
        (
            "inverted validity",
            mutate(&|r| std::mem::swap(&mut r.valid_from, &mut r.valid_until)),
            Error::ValueOutOfRange,
        ),
    ];
    for (name, r, e) in &cases {
        negative.push(cert_neg(name, r, *e));
    }
    negative.push(neg(
        "venue info: name length byte past the end",
        "decode_venue_info",
        [200, b'a'],
        Error::TooLarge,
        json!({}),
    ));
    negative.push(neg(
        "venue info: trailing byte",
        "decode_venue_info",
        appended(info().encode(), &[0]),
        Error::TrailingBytes,
        json!({}),
    ));

    negative.push(neg(
        "registration: pledge byte 2",
        "decode_registration",
        with_last(reg_bytes.clone(), |b| *b = 2),
        Error::NonCanonical,
        json!({}),
    ));
    negative.push(neg(
        "registration: pledge byte 0xff",
        "decode_registration",
        with_last(reg_bytes.clone(), |b| *b = 0xff),
        Error::NonCanonical,
        json!({}),
    ));
    negative.push(neg(
        "registration: missing pledge byte",
        "decode_registration",
        truncated(&reg_bytes),
        Error::Truncated,
        json!({}),
    ));
    negative.push(neg(
        "registration: unknown version",
        "decode_registration",
        versioned(reg_bytes.clone(), 2),
        Error::UnsupportedVersion { found: 2 },
        json!({}),
    ));
    negative.push(neg(
        "registration: weak venue key",
        "decode_registration",
        {
            let mut b = reg_bytes.clone();
            b[1..33].copy_from_slice(&hex::decode(WEAK_ED25519[0].1).unwrap());
            b
        },
        Error::WeakPublicKey,
        json!({}),
    ));
    let no_pledge = RegistrationRequest {
        pledge: false,
        ..reg.clone()
    }
    .encode();
    assert_eq!(reg_bytes[0], REGISTRATION_VERSION);

    json!({
        "description": "VenueInfo, VenueCertificate (RA-signed with label \"venuecode/v1/certificate\") and RegistrationRequest encodings, with decode and verification failures in the order the spec fixes.",
        "context": context(),
        "venue_info": {
            "name": NAME, "address": ADDRESS, "region": REGION, "category": 9,
            "category_slug": "restaurant", "default_stay_minutes": STAY,
            "encoding": h(info().encode()),
        },
        "certificate": {
            "ra_key_id": ra().key_id().to_hex(),
            "serial": SERIAL,
            "venue_public_key": h(venue().public_key().as_bytes()),
            "valid_from": VALID_FROM,
            "valid_until": VALID_UNTIL,
            "signed_body": h(&tbs),
            "signed_message": h(appended(appended(CERTIFICATE_LABEL.to_vec(), &[0]), &tbs)),
            "signature": h(c.signature()),
            "encoding": h(&bytes),
        },
        "registration_request": {
            "pledge_true": h(&reg_bytes),
            "pledge_false": h(&no_pledge),
        },
        "accept": [
            acc("certificate decodes and re-encodes", "decode_certificate", &bytes, json!({}), json!(h(&bytes))),
            acc("certificate verifies at now", "verify_certificate", &bytes, ctx.clone(), json!(SERIAL)),
            acc("certificate verifies at valid_from", "verify_certificate", &bytes, json!({"now": VALID_FROM}), json!(SERIAL)),
            acc("certificate verifies at valid_until - 1", "verify_certificate", &bytes, json!({"now": VALID_UNTIL - 1}), json!(SERIAL)),
            acc("venue info", "decode_venue_info", info().encode(), json!({}), json!(h(info().encode()))),
            acc("registration with pledge", "decode_registration", &reg_bytes, json!({}), json!(h(&reg_bytes))),
            acc("registration without pledge decodes (the RA refuses it later)", "decode_registration", &no_pledge, json!({}), json!(h(&no_pledge))),
        ],
        "negative": negative,
    })
}

// ---------------------------------------------------------------------------------------------
// code.json
// ---------------------------------------------------------------------------------------------

fn gen_code() -> Value {
    let cb = cert().encode();
    let st = static_code();
    let sb = st.encode();
    let m = master();
    let seed = *m.static_seed().expose();
    assert_eq!(
        raw_code(1, &cb, None, &seed, &venue()),
        sb,
        "independent code encoder"
    );
    let rot = rotating_code();
    let rb = rot.encode();
    let e = epoch_of(NOW);
    let until = NOW + time::DEFAULT_DISPLAY_VALIDITY_MINUTES;
    let rseed = *m.rotating_seed(e).expose();
    assert_eq!(raw_code(2, &cb, Some((e, until)), &rseed, &venue()), rb);
    let url = st.to_url(DEFAULT_BASE_URL);
    let now = json!({"now": NOW});
    let sig_at = sb.len() - 64;
    let seed_at = sig_at - 32;

    let other_seed = *MasterSeed::from_bytes(OTHER_MASTER).static_seed().expose();
    let mut swapped = sb.clone();
    swapped[seed_at..sig_at].copy_from_slice(&other_seed);
    let mut mall = sb.clone();
    malleate(&mut mall[sig_at..]);
    let mut tampered_cert = sb.clone();
    tampered_cert[2 + 16] ^= 1; // the serial's last byte inside the certificate
    let untrusted_cert = {
        let mut r = RawCert::valid();
        r.ra_key_id = other().key_id().0;
        let tbs = r.tbs();
        appended(tbs.clone(), &other().sign(CERTIFICATE_LABEL, &tbs))
    };
    let expired_and_forged = with_last(sb.clone(), |b| *b ^= 1);

    let mut negative = vec![
        neg("empty", "decode_code", b"", Error::Empty, json!({})),
        neg(
            "unknown version",
            "decode_code",
            versioned(sb.clone(), 2),
            Error::UnsupportedVersion { found: 2 },
            json!({}),
        ),
        neg(
            "unknown code kind 0",
            "decode_code",
            {
                let mut b = sb.clone();
                b[1] = 0;
                b
            },
            Error::UnknownCodeKind { found: 0 },
            json!({}),
        ),
        neg(
            "unknown code kind 3",
            "decode_code",
            {
                let mut b = sb.clone();
                b[1] = 3;
                b
            },
            Error::UnknownCodeKind { found: 3 },
            json!({}),
        ),
        neg(
            "truncated (no kind byte)",
            "decode_code",
            [1u8],
            Error::Truncated,
            json!({}),
        ),
        neg(
            "truncated after the kind byte (nested certificate missing)",
            "decode_code",
            [1u8, 1],
            Error::Truncated,
            json!({}),
        ),
        neg(
            "truncated by one byte",
            "decode_code",
            truncated(&sb),
            Error::Truncated,
            json!({}),
        ),
        neg(
            "trailing byte",
            "decode_code",
            appended(sb.clone(), &[0]),
            Error::TrailingBytes,
            json!({}),
        ),
        neg(
            "static kind byte on a rotating code (lengths no longer add up)",
            "decode_code",
            {
                let mut b = rb.clone();
                b[1] = 1;
                b
            },
            Error::TrailingBytes,
            json!({}),
        ),
        neg(
            "longer than 1024 bytes",
            "decode_code",
            vec![1u8; 1025],
            Error::TooLarge,
            json!({}),
        ),
        neg(
            "swapped seed (genuine certificate, another venue's seed)",
            "verify_code",
            &swapped,
            Error::VenueSignatureInvalid,
            now.clone(),
        ),
        neg(
            "tampered venue signature",
            "verify_code",
            with_last(sb.clone(), |b| *b ^= 0x80),
            Error::VenueSignatureInvalid,
            now.clone(),
        ),
        neg(
            "malleable venue signature (s + L)",
            "verify_code",
            &mall,
            Error::VenueSignatureInvalid,
            now.clone(),
        ),
        neg(
            "seed signed by a key other than the certificate's",
            "verify_code",
            raw_code(1, &cb, None, &seed, &other()),
            Error::VenueSignatureInvalid,
            now.clone(),
        ),
        neg(
            "static code signature presented as rotating",
            "verify_code",
            {
                let mut b = raw_code(1, &cb, None, &rseed, &venue());
                b[1] = 2;
                b.splice(
                    2 + cb.len()..2 + cb.len(),
                    e.to_be_bytes().into_iter().chain(until.to_be_bytes()),
                );
                b
            },
            Error::VenueSignatureInvalid,
            now.clone(),
        ),
        neg(
            "tampered certificate inside the code",
            "verify_code",
            &tampered_cert,
            Error::CertificateSignatureInvalid,
            now.clone(),
        ),
        neg(
            "certificate from an untrusted RA",
            "verify_code",
            raw_code(1, &untrusted_cert, None, &seed, &venue()),
            Error::UnknownKeyId,
            now.clone(),
        ),
        neg(
            "signatures are checked before validity: forged and expired",
            "verify_code",
            &expired_and_forged,
            Error::VenueSignatureInvalid,
            json!({"now": VALID_UNTIL + 5}),
        ),
        neg(
            "expired certificate",
            "verify_code",
            &sb,
            Error::CertificateExpired,
            json!({"now": VALID_UNTIL}),
        ),
        neg(
            "certificate not yet valid",
            "verify_code",
            &sb,
            Error::CertificateNotYetValid,
            json!({"now": VALID_FROM - 1}),
        ),
        neg(
            "revoked venue",
            "verify_code",
            &sb,
            Error::Revoked,
            json!({"now": NOW, "revoked_serials": [3, SERIAL]}),
        ),
        neg(
            "superseded certificate (an old poster after the venue updated its information)",
            "verify_code",
            &sb,
            Error::Superseded,
            json!({"now": NOW, "revoked_serials": [3], "superseded_serials": [SERIAL]}),
        ),
        neg(
            "validity is checked before revocation",
            "verify_code",
            &sb,
            Error::CertificateExpired,
            json!({"now": VALID_UNTIL, "revoked_serials": [SERIAL]}),
        ),
        neg(
            "stale rotating code: now = valid_until + skew",
            "verify_code",
            &rb,
            Error::CodeStale,
            json!({"now": until + time::CLOCK_SKEW_MINUTES}),
        ),
        neg(
            "stale rotating code: scanned an hour later",
            "verify_code",
            &rb,
            Error::CodeStale,
            json!({"now": NOW + 60}),
        ),
        neg(
            "rotating code valid further ahead than allowed",
            "verify_code",
            raw_code(2, &cb, Some((e, NOW + 13)), &rseed, &venue()),
            Error::CodeValidityInvalid,
            now.clone(),
        ),
        neg(
            "rotating code for tomorrow's epoch",
            "verify_code",
            raw_code(
                2,
                &cb,
                Some((e + 1, until)),
                m.rotating_seed(e + 1).expose(),
                &venue(),
            ),
            Error::CodeValidityInvalid,
            now.clone(),
        ),
        neg(
            "rotating code for yesterday's epoch",
            "verify_code",
            raw_code(
                2,
                &cb,
                Some((e - 1, until)),
                m.rotating_seed(e - 1).expose(),
                &venue(),
            ),
            Error::CodeValidityInvalid,
            now.clone(),
        ),
    ];
    let digits = st.to_digits();
    negative.extend([
        neg(
            "URL without a fragment",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": DEFAULT_BASE_URL}),
        ),
        neg(
            "http URL",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("http://vc.example/c#{digits}")}),
        ),
        neg(
            "URL without a host",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://#{digits}")}),
        ),
        neg(
            "URL with a space before the fragment",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://vc.example/c #{digits}")}),
        ),
        neg(
            "fragment with a letter",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://vc.example/c#{}x", &digits[..digits.len() - 1])}),
        ),
        neg(
            "empty fragment",
            "code_from_url",
            b"",
            Error::Empty,
            json!({"text": "https://vc.example/c#"}),
        ),
        neg(
            "fragment one digit short (length not canonical)",
            "code_from_url",
            b"",
            Error::NonCanonical,
            json!({"text": format!("https://vc.example/c#{}", &digits[..digits.len() - 1])}),
        ),
        neg(
            "fragment chunk out of range",
            "code_from_url",
            b"",
            Error::NonCanonical,
            json!({"text": format!("https://vc.example/c#99999999999999999{}", &digits[17..])}),
        ),
        neg(
            "bare digits with one digit dropped",
            "parse_code",
            b"",
            Error::NonCanonical,
            json!({"text": &digits[1..]}),
        ),
    ]);

    json!({
        "description": "Venue codes: static and rotating, as raw bytes (venue signature label \"venuecode/v1/venue-code\"), as decimal digits for QR numeric mode and as the URL https://host/path#digits; verification order (certificate key id and signature, venue signature, certificate validity, rotating display validity, revocation) with one negative per check.",
        "context": context(),
        "base_url": DEFAULT_BASE_URL,
        "static": {
            "seed": h(seed),
            "signed_message": h(appended(appended(CODE_LABEL.to_vec(), &[0]), &sb[..sig_at])),
            "encoding": h(&sb),
            "bytes": sb.len(),
            "digits": digits,
            "url": url,
        },
        "rotating": {
            "now": NOW,
            "epoch": e,
            "valid_until": until,
            "seed": h(rseed),
            "encoding": h(&rb),
            "bytes": rb.len(),
            "digits": rot.to_digits(),
            "url": rot.to_url(DEFAULT_BASE_URL),
        },
        "accept": [
            acc("static code verifies", "verify_code", &sb, now.clone(), json!(h(seed))),
            acc("static code verifies when another serial is revoked", "verify_code", &sb, json!({"now": NOW, "revoked_serials": [3]}), json!(h(seed))),
            acc("rotating code verifies at now", "verify_code", &rb, now.clone(), json!(h(rseed))),
            acc("rotating code verifies at valid_until + skew - 1", "verify_code", &rb, json!({"now": until + time::CLOCK_SKEW_MINUTES - 1}), json!(h(rseed))),
            acc("rotating code valid exactly 12 minutes ahead", "verify_code", raw_code(2, &cb, Some((e, NOW + 12)), &rseed, &venue()), now.clone(), json!(h(rseed))),
            acc("static URL parses", "parse_code", b"", json!({"text": url}), json!(h(&sb))),
            acc("static URL with upper-case scheme and surrounding whitespace", "parse_code", b"", json!({"text": format!("  HTTPS://VC.EXAMPLE/c#{digits}\n")}), json!(h(&sb))),
            acc("bare digits parse", "parse_code", b"", json!({"text": digits}), json!(h(&sb))),
            acc("rotating URL parses", "code_from_url", b"", json!({"text": rot.to_url("https://example.org/v")}), json!(h(&rb))),
        ],
        "negative": negative,
    })
}

// ---------------------------------------------------------------------------------------------
// decimal.json
// ---------------------------------------------------------------------------------------------

fn gen_decimal() -> Value {
    let inputs: Vec<Vec<u8>> = vec![
        vec![0x00],
        vec![0xff],
        vec![0x01, 0x00],
        vec![0xff, 0xff],
        vec![0xff; 3],
        vec![0xff; 4],
        vec![0xff; 5],
        vec![0xff; 6],
        vec![0xff; 7],
        vec![0x00; 7],
        vec![0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08],
        (0u8..20).collect(),
        vec![0xff; 14],
    ];
    let cases: Vec<Value> = inputs
        .iter()
        .map(|b| json!({"bytes": h(b), "digits": encode_decimal(b)}))
        .collect();
    let n = |name: &str, text: &str, e: Error| {
        neg(name, "decode_decimal", b"", e, json!({"text": text}))
    };
    json!({
        "description": "Decimal encoding for QR numeric mode: each 7-byte big-endian chunk becomes 17 zero-padded digits; a final chunk of k = 1..6 bytes becomes 3, 5, 8, 10, 13 or 15 digits. Decoding accepts only that canonical form.",
        "digits_for_tail_bytes": [0, 3, 5, 8, 10, 13, 15, 17],
        "cases": cases,
        "negative": [
            n("empty", "", Error::Empty),
            n("chunk 256 in a one-byte tail", "256", Error::NonCanonical),
            n("chunk 65536 in a two-byte tail", "65536", Error::NonCanonical),
            n("full chunk equal to 2^56", "72057594037927936", Error::NonCanonical),
            n("full chunk of nines", "99999999999999999", Error::NonCanonical),
            n("tail of 4 digits (no byte count gives 4)", "1234", Error::NonCanonical),
            n("tail of 1 digit", "000000000000000001", Error::NonCanonical),
            n("a letter", "12a", Error::InvalidUrl),
            n("a plus sign", "+12", Error::InvalidUrl),
            n("a space", " 255", Error::InvalidUrl),
            n("non-ASCII digit", "２５５", Error::InvalidUrl),
            n("more than 3072 digits", &"0".repeat(3073), Error::TooLarge),
        ],
        "accept": [
            acc("leading zeros are part of the canonical form", "decode_decimal", b"", json!({"text": "000"}), json!("00")),
            acc("largest full chunk", "decode_decimal", b"", json!({"text": "72057594037927935"}), json!("ffffffffffffff")),
        ],
    })
}

fn check_decimal(doc: &Value) {
    for c in doc["cases"].as_array().unwrap() {
        let bytes = unh(&c["bytes"]);
        let digits = c["digits"].as_str().unwrap();
        assert_eq!(encode_decimal(&bytes), digits);
        assert_eq!(decode_decimal(digits).unwrap(), bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// exposure.json
// ---------------------------------------------------------------------------------------------

const MESSAGES: [&str; 2] = [
    "You may have been exposed. Get tested and watch for symptoms.",
    "您可能曾与确诊病例同时在场，请尽快进行核酸检测。",
];

struct RawBatch {
    ha_key_id: [u8; 8],
    batch_id: [u8; 16],
    created_at: u32,
    messages: Vec<Vec<u8>>,
    records: Vec<Vec<u8>>,
    record_count: Option<u32>,
}

impl RawBatch {
    fn header(&self) -> Vec<u8> {
        let mut b = vec![1];
        b.extend_from_slice(&self.ha_key_id);
        b.extend_from_slice(&self.batch_id);
        b.extend_from_slice(&self.created_at.to_be_bytes());
        b.push(self.messages.len() as u8);
        for m in &self.messages {
            b.extend_from_slice(&(m.len() as u16).to_be_bytes());
            b.extend_from_slice(m);
        }
        let count = self.record_count.unwrap_or(self.records.len() as u32);
        b.extend_from_slice(&count.to_be_bytes());
        let all: Vec<&[u8]> = self.records.iter().map(Vec::as_slice).collect();
        b.extend_from_slice(&sha256(&all));
        b
    }

    fn signed(&self, key: &SigningKey) -> Vec<u8> {
        let tbs = self.header();
        let mut b = appended(tbs.clone(), &key.sign(BATCH_LABEL, &tbs));
        for r in &self.records {
            b.extend_from_slice(r);
        }
        b
    }
}

fn exposure_windows() -> Vec<(String, ExposureWindow)> {
    let m = master();
    let e = epoch_of(NOW);
    let midnight = (e + 1) * time::EPOCH_MINUTES;
    vec![
        (
            "static".into(),
            ExposureWindow {
                seed: m.static_seed(),
                start: NOW + 30,
                end: NOW + 200,
                risk: RiskLevel::HIGH,
                message_index: 0,
            },
        ),
        (
            format!("rotating epoch {e}"),
            ExposureWindow {
                seed: m.rotating_seed(e),
                start: midnight - 45,
                end: midnight + 20,
                risk: RiskLevel::LOW,
                message_index: 1,
            },
        ),
    ]
}

fn gen_exposure() -> Value {
    let mut b = BatchBuilder::with_id(
        BATCH_ID,
        NOW + 300,
        MESSAGES.iter().map(|s| (*s).to_owned()).collect(),
    )
    .unwrap();
    let mut records_doc = Vec::new();
    let mut accept = Vec::new();
    for (label, w) in exposure_windows() {
        b.add(&w).unwrap();
        let keys = w.seed.slot_keys();
        let mut pt = Vec::new();
        pt.extend_from_slice(&w.start.to_be_bytes());
        pt.extend_from_slice(&((w.end - w.start) as u16).to_be_bytes());
        pt.extend_from_slice(&[w.risk.0, w.message_index]);
        for slot in slot_of(w.start)..=slot_of(w.end - 1) {
            let token = keys.token(slot);
            let key = keys.seal_key(slot, &BATCH_ID);
            let sealed = aead_seal(key.expose(), &RECORD_NONCE, &token.0, &pt).unwrap();
            let record = appended(token.0.to_vec(), &sealed);
            let opened = json!({"window_start": w.start, "window_minutes": w.end - w.start,
                                "risk": w.risk.0, "message_index": w.message_index});
            accept.push(acc(
                &format!("open the {label} record of slot {slot}"),
                "open_record",
                &record,
                json!({"seed": h(w.seed.expose()), "slot": slot, "batch_id": h(BATCH_ID)}),
                opened,
            ));
            records_doc.push(json!({
                "seed": label, "seed_bytes": h(w.seed.expose()), "slot": slot,
                "token": h(token.0), "seal_key": h(key.expose()), "plaintext": h(&pt),
                "record": h(&record),
            }));
        }
    }
    let batch = b.sign(&ha()).unwrap();
    let bytes = batch.encode();
    let hdr = batch.header().header();
    let records: Vec<Vec<u8>> = batch
        .records()
        .iter()
        .map(|r| appended(r.token.0.to_vec(), &r.sealed))
        .collect();
    let raw = RawBatch {
        ha_key_id: ha().key_id().0,
        batch_id: BATCH_ID,
        created_at: NOW + 300,
        messages: MESSAGES.iter().map(|m| m.as_bytes().to_vec()).collect(),
        records: records.clone(),
        record_count: None,
    };
    assert_eq!(raw.signed(&ha()), bytes, "independent batch encoder");
    let header_len = bytes.len() - records.len() * 40;
    let ctx_none = json!({});
    let vary = |f: &dyn Fn(&mut RawBatch), key: &SigningKey| {
        let mut r = RawBatch {
            ha_key_id: key.key_id().0,
            batch_id: BATCH_ID,
            created_at: NOW + 300,
            messages: MESSAGES.iter().map(|m| m.as_bytes().to_vec()).collect(),
            records: records.clone(),
            record_count: None,
        };
        f(&mut r);
        r.signed(key)
    };
    let first = &records_doc[0];
    let rec0 = unh(&first["record"]);
    let seed0 = first["seed_bytes"].clone();
    let slot0 = num(&first["slot"]);
    let seal_custom = |pt: &[u8]| {
        let s = Seed::from_bytes(arr(&seed0));
        let keys = s.slot_keys();
        let slot = u32::try_from(slot0).unwrap();
        let t = keys.token(slot);
        appended(
            t.0.to_vec(),
            &aead_seal(
                keys.seal_key(slot, &BATCH_ID).expose(),
                &RECORD_NONCE,
                &t.0,
                pt,
            )
            .unwrap(),
        )
    };
    let pt_with = |minutes: u16| {
        let mut p = (NOW + 30).to_be_bytes().to_vec();
        p.extend_from_slice(&minutes.to_be_bytes());
        p.extend_from_slice(&[2, 0]);
        p
    };
    let open_ctx = json!({"seed": seed0, "slot": slot0, "batch_id": h(BATCH_ID)});
    let mut reversed = records.clone();
    reversed.reverse();
    let mut duplicated = records.clone();
    duplicated.insert(1, records[0].clone());

    let negative = vec![
        neg("empty", "decode_batch", b"", Error::Empty, ctx_none.clone()),
        neg(
            "unknown version",
            "decode_batch",
            versioned(bytes.clone(), 2),
            Error::UnsupportedVersion { found: 2 },
            ctx_none.clone(),
        ),
        neg(
            "truncated inside the header",
            "decode_batch",
            &bytes[..40],
            Error::Truncated,
            ctx_none.clone(),
        ),
        neg(
            "truncated by one byte",
            "decode_batch",
            truncated(&bytes),
            Error::Truncated,
            ctx_none.clone(),
        ),
        neg(
            "one whole record missing",
            "decode_batch",
            &bytes[..bytes.len() - 40],
            Error::Truncated,
            ctx_none.clone(),
        ),
        neg(
            "an extra record after the signed count",
            "decode_batch",
            appended(bytes.clone(), &records[0]),
            Error::TrailingBytes,
            ctx_none.clone(),
        ),
        neg(
            "tampered record (token)",
            "decode_batch",
            flip(bytes.clone(), header_len),
            Error::BatchDigestMismatch,
            ctx_none.clone(),
        ),
        neg(
            "tampered record (sealed part)",
            "decode_batch",
            with_last(bytes.clone(), |b| *b ^= 1),
            Error::BatchDigestMismatch,
            ctx_none.clone(),
        ),
        neg(
            "tampered header (created_at)",
            "verify_batch",
            flip(bytes.clone(), 1 + 8 + 16 + 3),
            Error::BatchSignatureInvalid,
            ctx_none.clone(),
        ),
        neg(
            "tampered HA signature",
            "verify_batch",
            flip(bytes.clone(), header_len - 1),
            Error::BatchSignatureInvalid,
            ctx_none.clone(),
        ),
        neg(
            "malleable HA signature (s + L)",
            "verify_batch",
            {
                let mut b = bytes.clone();
                malleate(&mut b[header_len - 64..header_len]);
                b
            },
            Error::BatchSignatureInvalid,
            ctx_none.clone(),
        ),
        neg(
            "signed by an untrusted key",
            "verify_batch",
            vary(&|_| {}, &other()),
            Error::UnknownKeyId,
            ctx_none.clone(),
        ),
        neg(
            "signed by the RA key (not an HA key)",
            "verify_batch",
            vary(&|_| {}, &ra()),
            Error::UnknownKeyId,
            ctx_none.clone(),
        ),
        neg(
            "records not sorted by token (correctly signed)",
            "decode_batch",
            vary(&|r| r.records = reversed.clone(), &ha()),
            Error::NonCanonical,
            ctx_none.clone(),
        ),
        neg(
            "duplicate token (correctly signed)",
            "decode_batch",
            vary(&|r| r.records = duplicated.clone(), &ha()),
            Error::NonCanonical,
            ctx_none.clone(),
        ),
        neg(
            "17 messages",
            "decode_batch",
            vary(&|r| r.messages = vec![b"Get tested.".to_vec(); 17], &ha()),
            Error::TooLarge,
            ctx_none.clone(),
        ),
        neg(
            "empty message",
            "decode_batch",
            vary(&|r| r.messages[1].clear(), &ha()),
            Error::NonCanonical,
            ctx_none.clone(),
        ),
        neg(
            "message of 1025 bytes",
            "decode_batch",
            vary(&|r| r.messages[1] = vec![b'a'; 1025], &ha()),
            Error::TooLarge,
            ctx_none.clone(),
        ),
        neg(
            "invalid UTF-8 in a message",
            "decode_batch",
            vary(&|r| r.messages[0][0] = 0xc0, &ha()),
            Error::InvalidUtf8,
            ctx_none.clone(),
        ),
        neg(
            "record count above 4000000",
            "decode_batch",
            vary(&|r| r.record_count = Some(4_000_001), &ha()),
            Error::TooLarge,
            ctx_none.clone(),
        ),
        neg(
            "record opened with another batch id",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": seed0, "slot": slot0, "batch_id": h([0u8; 16])}),
        ),
        neg(
            "record opened for the wrong slot",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": seed0, "slot": slot0 + 1, "batch_id": h(BATCH_ID)}),
        ),
        neg(
            "record opened with another seed",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": h(MASTER), "slot": slot0, "batch_id": h(BATCH_ID)}),
        ),
        neg(
            "record with a tampered token (the token is the AAD)",
            "open_record",
            flip(rec0.clone(), 0),
            Error::OpenFailed,
            open_ctx.clone(),
        ),
        neg(
            "sealed window of 0 minutes",
            "open_record",
            seal_custom(&pt_with(0)),
            Error::ValueOutOfRange,
            open_ctx.clone(),
        ),
        neg(
            "sealed window of 721 minutes",
            "open_record",
            seal_custom(&pt_with(721)),
            Error::ValueOutOfRange,
            open_ctx.clone(),
        ),
    ];

    accept.push(acc(
        "batch decodes and verifies",
        "verify_batch",
        &bytes,
        json!({}),
        json!(records.len()),
    ));
    accept.push(acc(
        "empty batch",
        "verify_batch",
        vary(&|r| r.records.clear(), &ha()),
        json!({}),
        json!(0),
    ));
    // The streaming path (header, signature, then records one by one) must fail every batch
    // case with the same error as the whole-batch decoder.
    let streamed = |cases: &[Value]| -> Vec<Value> {
        cases
            .iter()
            .filter(|c| c["op"] == "decode_batch" || c["op"] == "verify_batch")
            .map(|c| {
                let mut c = c.clone();
                c["name"] = json!(format!("{} (streamed)", c["name"].as_str().unwrap()));
                c["op"] = json!("stream_batch");
                c
            })
            .collect()
    };
    let mut negative = negative;
    negative.extend(streamed(&negative));
    accept.extend(streamed(&accept));
    json!({
        "description": "Exposure records (16-byte slot token || ChaCha20-Poly1305 of an 8-byte plaintext under the (seed, slot, batch id) seal key, zero nonce, token as AAD) and a whole HA-signed batch (label \"venuecode/v1/exposure-batch\") whose header signs the SHA-256 of the sorted records. The rotating window crosses midnight, so its records all use the seed of the day it started.",
        "context": context(),
        "batch_id": h(BATCH_ID),
        "created_at": NOW + 300,
        "messages": MESSAGES,
        "windows": exposure_windows().iter().map(|(l, w)| json!({
            "seed": l, "start": w.start, "end": w.end, "risk": w.risk.0, "message_index": w.message_index,
        })).collect::<Vec<_>>(),
        "records": records_doc,
        "batch": {
            "record_count": hdr.record_count,
            "records_digest": h(hdr.records_digest),
            "header_signed_body": h(&bytes[..header_len - 64]),
            "signature": h(&bytes[header_len - 64..header_len]),
            "encoding": h(&bytes),
        },
        "accept": accept,
        "negative": negative,
    })
}

// ---------------------------------------------------------------------------------------------
// revocation.json
// ---------------------------------------------------------------------------------------------

fn raw_revocations(
    key: &SigningKey,
    after: u64,
    up_to: u64,
    entries: &[(u64, u64, u32, u8)],
    count: Option<u32>,
) -> Vec<u8> {
    let mut b = vec![1];
    b.extend_from_slice(&key.key_id().0);
    b.extend_from_slice(&(NOW + 5).to_be_bytes());
    b.extend_from_slice(&after.to_be_bytes());
    b.extend_from_slice(&up_to.to_be_bytes());
    b.extend_from_slice(&count.unwrap_or(entries.len() as u32).to_be_bytes());
    for (seq, serial, at, reason) in entries {
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&serial.to_be_bytes());
        b.extend_from_slice(&at.to_be_bytes());
        b.push(*reason);
    }
    appended(b.clone(), &key.sign(REVOCATION_LABEL, &b))
}

fn gen_revocation() -> Value {
    let entries = [
        (1, 3, NOW - 100, 1),
        (2, SERIAL, NOW - 50, 2),
        (3, 12, NOW, 3),
    ];
    let list = |after: u64, es: &[(u64, u64, u32, u8)]| {
        RevocationList::sign(
            RevocationListBody {
                ra_key_id: ra().key_id(),
                issued_at: NOW + 5,
                after,
                up_to: 3,
                entries: es
                    .iter()
                    .map(|&(sequence, serial, revoked_at, r)| Revocation {
                        sequence,
                        serial,
                        revoked_at,
                        reason: RevocationReason(r),
                    })
                    .collect(),
            },
            &ra(),
        )
        .unwrap()
        .encode()
    };
    let full = list(0, &entries);
    let delta = list(2, &entries[2..]);
    assert_eq!(raw_revocations(&ra(), 0, 3, &entries, None), full);
    let sig_at = full.len() - 64;
    let no = json!({});
    json!({
        "description": "RA-signed revocation lists (label \"venuecode/v1/revocation-list\"): a full list (after = 0) and a delta (after = 2), entries strictly increasing in sequence within (after, up_to]. Reasons: 1 deactivated by the venue, 2 disabled by the authority, 3 superseded.",
        "context": context(),
        "full": {"after": 0, "up_to": 3, "issued_at": NOW + 5, "entries": entries.iter().map(|e| json!({
            "sequence": e.0, "serial": e.1, "revoked_at": e.2, "reason": e.3})).collect::<Vec<_>>(),
            "encoding": h(&full)},
        "delta": {"after": 2, "up_to": 3, "encoding": h(&delta)},
        "accept": [
            acc("full list verifies", "verify_revocation_list", &full, json!({}), json!(3)),
            acc("delta list verifies", "verify_revocation_list", &delta, json!({}), json!(3)),
            acc("empty list with after = up_to", "verify_revocation_list", raw_revocations(&ra(), 3, 3, &[], None), json!({}), json!(3)),
        ],
        "negative": [
            neg("empty", "decode_revocation_list", b"", Error::Empty, no.clone()),
            neg("unknown version", "decode_revocation_list", versioned(full.clone(), 9), Error::UnsupportedVersion { found: 9 }, no.clone()),
            neg("truncated by one byte", "decode_revocation_list", truncated(&full), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_revocation_list", appended(full.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("tampered serial", "verify_revocation_list", flip(full.clone(), 1 + 8 + 4 + 8 + 8 + 4 + 8 + 7), Error::RevocationListSignatureInvalid, no.clone()),
            neg("tampered signature", "verify_revocation_list", flip(full.clone(), sig_at), Error::RevocationListSignatureInvalid, no.clone()),
            neg("malleable signature (s + L)", "verify_revocation_list", { let mut b = full.clone(); malleate(&mut b[sig_at..]); b }, Error::RevocationListSignatureInvalid, no.clone()),
            neg("signed by an untrusted key", "verify_revocation_list", raw_revocations(&other(), 0, 3, &entries, None), Error::UnknownKeyId, no.clone()),
            neg("signed by the HA (not an RA key)", "verify_revocation_list", raw_revocations(&ha(), 0, 3, &entries, None), Error::UnknownKeyId, no.clone()),
            neg("entries out of order", "decode_revocation_list", raw_revocations(&ra(), 0, 3, &[entries[1], entries[0], entries[2]], None), Error::NonCanonical, no.clone()),
            neg("duplicate sequence", "decode_revocation_list", raw_revocations(&ra(), 0, 3, &[entries[0], entries[0]], None), Error::NonCanonical, no.clone()),
            neg("entry at or before the cursor", "decode_revocation_list", raw_revocations(&ra(), 2, 3, &entries[1..], None), Error::NonCanonical, no.clone()),
            neg("entry past up_to", "decode_revocation_list", raw_revocations(&ra(), 0, 2, &entries, None), Error::NonCanonical, no.clone()),
            neg("up_to below after", "decode_revocation_list", raw_revocations(&ra(), 4, 3, &[], None), Error::ValueOutOfRange, no.clone()),
            neg("count above 1000000", "decode_revocation_list", raw_revocations(&ra(), 0, 3, &entries, Some(1_000_001)), Error::TooLarge, no.clone()),
            neg("count larger than the entries present", "decode_revocation_list", raw_revocations(&ra(), 0, 3, &entries, Some(7)), Error::Truncated, no.clone()),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// sealed.json
// ---------------------------------------------------------------------------------------------

const IKM_UPLOAD: [u8; 32] = [0x21; 32];
const IKM_GUEST_1: [u8; 32] = [0x22; 32];
const IKM_GUEST_2: [u8; 32] = [0x23; 32];
const IKM_SEEDS: [u8; 32] = [0x24; 32];
const IKM_BAD: [u8; 32] = [0x25; 32];

/// An RNG that hands hpke exactly one fixed 32-byte IKM, as `seal_with_ikm` does.
struct FixedRng(Option<[u8; 32]>);

impl rand_core::RngCore for FixedRng {
    fn next_u32(&mut self) -> u32 {
        unimplemented!()
    }
    fn next_u64(&mut self) -> u64 {
        unimplemented!()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.copy_from_slice(&self.0.take().unwrap());
    }
}

impl rand_core::CryptoRng for FixedRng {}

type Kem = hpke::kem::X25519HkdfSha256;

/// HPKE base-mode seal straight through the hpke crate, for plaintexts the crate's own sealer
/// would never produce (bad padding).
fn hpke_seal_raw(
    pk: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    ikm: [u8; 32],
) -> (Vec<u8>, Vec<u8>) {
    use hpke::{Deserializable, Serializable};
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(pk).unwrap();
    let (enc, ct) =
        hpke::single_shot_seal::<hpke::aead::ChaCha20Poly1305, hpke::kdf::HkdfSha256, Kem, _>(
            &hpke::OpModeS::Base,
            &pk,
            info,
            pt,
            aad,
            &mut FixedRng(Some(ikm)),
        )
        .unwrap();
    (enc.to_bytes().to_vec(), ct)
}

fn sealed_bytes(recipient: &[u8; 8], enc: &[u8], ct: &[u8]) -> Vec<u8> {
    let mut b = vec![1];
    b.extend_from_slice(recipient);
    b.extend_from_slice(enc);
    b.extend_from_slice(&(ct.len() as u32).to_be_bytes());
    b.extend_from_slice(ct);
    b
}

fn guests() -> [GuestBookEntry; 2] {
    [
        GuestBookEntry {
            venue_serial: SERIAL,
            name: "卢伟".into(),
            phone: "18212341234".into(),
            arrival: NOW,
            departure: NOW + 45,
        },
        GuestBookEntry {
            venue_serial: SERIAL,
            name: "Zhang San".into(),
            phone: "+86 931-1234-5678".into(),
            arrival: NOW + 10,
            departure: NOW + 70,
        },
    ]
}

fn gen_sealed() -> Value {
    let enc_key = ha_enc().public_key();
    let kid = enc_key.key_id().0;
    let aad = appended(vec![1], &kid);
    let upload = Upload {
        entries: vec![
            UploadEntry {
                code: static_code(),
                arrival: NOW + 30,
                departure: NOW + 200,
            },
            UploadEntry {
                code: rotating_code(),
                arrival: NOW + 1,
                departure: NOW + 61,
            },
        ],
    };
    let upload_plain = upload.encode();
    let sealed_upload = seal_with_ikm(&enc_key, UPLOAD_INFO, &upload_plain, &IKM_UPLOAD).unwrap();
    let su = sealed_upload.encode();
    let (enc_raw, ct_raw) = hpke_seal_raw(
        enc_key.as_bytes(),
        UPLOAD_INFO,
        &aad,
        &pad(&upload_plain).unwrap(),
        IKM_UPLOAD,
    );
    assert_eq!(
        sealed_bytes(&kid, &enc_raw, &ct_raw),
        su,
        "seal_with_ikm is plain HPKE"
    );

    let [g1, g2] = guests();
    let s1 = seal_with_ikm(&enc_key, GUEST_BOOK_INFO, &g1.encode(), &IKM_GUEST_1).unwrap();
    let s2 = seal_with_ikm(&enc_key, GUEST_BOOK_INFO, &g2.encode(), &IKM_GUEST_2).unwrap();
    let bundle = sealed::SealedBundle {
        items: vec![s1.clone(), s2.clone()],
    }
    .encode();

    let m = master();
    let e = epoch_of(NOW);
    let release = SeedRelease {
        venue_serial: SERIAL,
        seeds: vec![
            (e - 2, m.rotating_seed(e - 2)),
            (e - 1, m.rotating_seed(e - 1)),
            (e, m.rotating_seed(e)),
        ],
    };
    let release_plain = release.encode();
    let sealed_release =
        seal_with_ikm(&enc_key, SEED_RELEASE_INFO, &release_plain, &IKM_SEEDS).unwrap();
    let signed_release = |serial: u64, sealed: &SealedMessage, key: &SigningKey| {
        let mut tbs = vec![1];
        tbs.extend_from_slice(&serial.to_be_bytes());
        tbs.extend_from_slice(&sealed.encode());
        let sig = key.sign(SEED_RELEASE_LABEL, &tbs);
        appended(tbs, &sig)
    };
    let ssr = signed_release(SERIAL, &sealed_release, &venue());
    // The crate's own type round-trips the independently built bytes.
    assert_eq!(SignedSeedRelease::decode(&ssr).unwrap().encode(), ssr);

    let up_info = json!({"info": "venuecode/v1/upload"});
    let gb_info = json!({"info": "venuecode/v1/guest-book"});
    let no = json!({});
    let with_enc = |enc: &[u8]| {
        let mut b = su.clone();
        b[9..41].copy_from_slice(enc);
        b
    };
    let bad_pad = |mutate: &dyn Fn(&mut Vec<u8>)| {
        let mut p = pad(&upload_plain).unwrap().to_vec();
        mutate(&mut p);
        let (enc, ct) = hpke_seal_raw(enc_key.as_bytes(), UPLOAD_INFO, &aad, &p, IKM_BAD);
        sealed_bytes(&kid, &enc, &ct)
    };
    let padded = pad(&upload_plain).unwrap().to_vec();
    let other_serial_inside = {
        let r = SeedRelease {
            venue_serial: SERIAL + 1,
            ..release.clone()
        };
        let s = seal_with_ikm(&enc_key, SEED_RELEASE_INFO, &r.encode(), &IKM_SEEDS).unwrap();
        signed_release(SERIAL, &s, &venue())
    };
    let gb_raw = |name: &[u8], phone: &[u8], a: u32, d: u32| {
        let mut b = vec![1];
        b.extend_from_slice(&SERIAL.to_be_bytes());
        b.push(name.len() as u8);
        b.extend_from_slice(name);
        b.push(phone.len() as u8);
        b.extend_from_slice(phone);
        b.extend_from_slice(&a.to_be_bytes());
        b.extend_from_slice(&d.to_be_bytes());
        b
    };
    assert_eq!(
        gb_raw("卢伟".as_bytes(), b"18212341234", NOW, NOW + 45),
        g1.encode()
    );
    let mut negative = vec![
        neg("empty", "decode_sealed", b"", Error::Empty, no.clone()),
        neg(
            "unknown version",
            "decode_sealed",
            versioned(su.clone(), 2),
            Error::UnsupportedVersion { found: 2 },
            no.clone(),
        ),
        neg(
            "truncated by one byte",
            "decode_sealed",
            truncated(&su),
            Error::Truncated,
            no.clone(),
        ),
        neg(
            "trailing byte",
            "decode_sealed",
            appended(su.clone(), &[0]),
            Error::TrailingBytes,
            no.clone(),
        ),
        neg(
            "ciphertext length not a padding bucket plus tag",
            "decode_sealed",
            sealed_bytes(&kid, &enc_raw, &ct_raw[..100]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "ciphertext length field above the largest bucket plus tag",
            "decode_sealed",
            {
                let mut b = sealed_bytes(&kid, &enc_raw, &[]);
                b[41..45].copy_from_slice(&(131_072u32 + 17).to_be_bytes());
                b
            },
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "addressed to another key id",
            "open_sealed",
            {
                let mut b = su.clone();
                b[1] ^= 1;
                b
            },
            Error::UnknownKeyId,
            up_info.clone(),
        ),
        neg(
            "tampered ciphertext",
            "open_sealed",
            with_last(su.clone(), |b| *b ^= 1),
            Error::OpenFailed,
            up_info.clone(),
        ),
        neg(
            "tampered enc (still a valid point)",
            "open_sealed",
            flip(su.clone(), 9),
            Error::OpenFailed,
            up_info.clone(),
        ),
        neg(
            "opened with the guest-book info string",
            "open_sealed",
            &su,
            Error::OpenFailed,
            gb_info.clone(),
        ),
        neg(
            "padding byte not zero",
            "open_sealed",
            bad_pad(&|p| *p.last_mut().unwrap() = 1),
            Error::NonCanonical,
            up_info.clone(),
        ),
        neg(
            "padding length field past the bucket",
            "open_sealed",
            bad_pad(&|p| p[..4].copy_from_slice(&5000u32.to_be_bytes())),
            Error::Truncated,
            up_info.clone(),
        ),
        neg(
            "padding length field one short (a zero content byte left over)",
            "open_sealed",
            bad_pad(&|p| {
                let n = u32::from_be_bytes(p[..4].try_into().unwrap());
                p[..4].copy_from_slice(&(n - 1).to_be_bytes());
                p[3 + n as usize] = 1;
            }),
            Error::NonCanonical,
            up_info.clone(),
        ),
        neg(
            "unpad: size not a bucket",
            "unpad",
            &padded[..255],
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "unpad: non-zero padding",
            "unpad",
            with_last(padded.clone(), |b| *b = 0x80),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: departure equals arrival",
            "decode_upload",
            {
                let mut b = upload_plain.clone();
                let n = b.len();
                let a = b[n - 8..n - 4].to_vec();
                b[n - 4..].copy_from_slice(&a);
                b
            },
            Error::ValueOutOfRange,
            no.clone(),
        ),
        neg(
            "upload: 301 entries",
            "decode_upload",
            {
                let mut b = vec![1];
                b.extend_from_slice(&301u16.to_be_bytes());
                b
            },
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "upload: entry code with an unknown version",
            "decode_upload",
            {
                let mut b = upload_plain.clone();
                b[3 + 2] ^= 0xff;
                b
            },
            Error::UnsupportedVersion { found: 0xfe },
            no.clone(),
        ),
        neg(
            "upload: unknown version",
            "decode_upload",
            versioned(upload_plain.clone(), 2),
            Error::UnsupportedVersion { found: 2 },
            no.clone(),
        ),
        neg(
            "upload: trailing byte",
            "decode_upload",
            appended(upload_plain.clone(), &[0]),
            Error::TrailingBytes,
            no.clone(),
        ),
        neg(
            "guest book: empty name",
            "decode_guest_book",
            gb_raw(b"", b"18212341234", NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: blank name",
            "decode_guest_book",
            gb_raw(b"   ", b"18212341234", NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: invalid UTF-8 name",
            "decode_guest_book",
            gb_raw(&[0xe5, 0x8d], b"18212341234", NOW, NOW + 45),
            Error::InvalidUtf8,
            no.clone(),
        ),
        neg(
            "guest book: name of 65 bytes",
            "decode_guest_book",
            gb_raw(&[b'a'; 65], b"18212341234", NOW, NOW + 45),
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "guest book: phone with a letter",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), b"1821234123x", NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: plus sign not first",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), b"86+18212341234", NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: departure before arrival",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), b"18212341234", NOW, NOW - 1),
            Error::ValueOutOfRange,
            no.clone(),
        ),
        neg(
            "seed release: epochs not increasing",
            "decode_seed_release",
            SeedRelease {
                venue_serial: SERIAL,
                seeds: vec![(e, m.rotating_seed(e)), (e - 1, m.rotating_seed(e - 1))],
            }
            .encode(),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "seed release: duplicate epoch",
            "decode_seed_release",
            SeedRelease {
                venue_serial: SERIAL,
                seeds: vec![(e, m.rotating_seed(e)), (e, m.rotating_seed(e))],
            }
            .encode(),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "seed release: 61 seeds",
            "decode_seed_release",
            {
                let mut b = vec![1];
                b.extend_from_slice(&SERIAL.to_be_bytes());
                b.push(61);
                b
            },
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "signed seed release: tampered signature",
            "open_signed_seed_release",
            with_last(ssr.clone(), |b| *b ^= 1),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "signed seed release: clear serial changed",
            "open_signed_seed_release",
            flip(ssr.clone(), 8),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "signed seed release: signed by another key",
            "open_signed_seed_release",
            signed_release(SERIAL, &sealed_release, &other()),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "signed seed release: serial inside differs from the clear serial",
            "open_signed_seed_release",
            other_serial_inside,
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "signed seed release: sealed with the upload info string",
            "open_signed_seed_release",
            signed_release(
                SERIAL,
                &seal_with_ikm(&enc_key, UPLOAD_INFO, &release_plain, &IKM_SEEDS).unwrap(),
                &venue(),
            ),
            Error::OpenFailed,
            no.clone(),
        ),
        neg(
            "bundle: 10001 items",
            "decode_bundle",
            {
                let mut b = vec![1];
                b.extend_from_slice(&10_001u32.to_be_bytes());
                b
            },
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "bundle: count larger than the items present",
            "decode_bundle",
            {
                let mut b = bundle.clone();
                b[4] = 3;
                b
            },
            Error::Truncated,
            no.clone(),
        ),
        neg(
            "bundle: trailing byte",
            "decode_bundle",
            appended(bundle.clone(), &[1]),
            Error::TrailingBytes,
            no.clone(),
        ),
    ];
    for (what, hx) in LOW_ORDER_X25519 {
        negative.push(neg(
            &format!("low-order enc: {what}"),
            "open_sealed",
            with_enc(&hex::decode(hx).unwrap()),
            Error::NonContributory,
            up_info.clone(),
        ));
    }

    json!({
        "description": "Messages sealed to the HA with HPKE base mode (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305), fixed ephemeral IKM: a case's upload, two guest-book entries in a bundle, and a venue-signed seed release. AAD = 0x01 || recipient key id; plaintext = u32 length || content || zeros, padded to a bucket.",
        "context": context(),
        "ha_encryption_public_key": h(enc_key.as_bytes()),
        "ha_encryption_key_id": h(kid),
        "aad": h(&aad),
        "padding_buckets": sealed::PAD_BUCKETS,
        "upload": {
            "info": "venuecode/v1/upload",
            "ikm_e": h(IKM_UPLOAD),
            "content": h(&upload_plain),
            "padded_length": padded.len(),
            "enc": h(sealed_upload.enc),
            "encoding": h(&su),
        },
        "guest_book": [
            {"name": g1.name, "phone": g1.phone, "arrival": g1.arrival, "departure": g1.departure,
             "info": "venuecode/v1/guest-book", "ikm_e": h(IKM_GUEST_1), "content": h(g1.encode()), "encoding": h(s1.encode())},
            {"name": g2.name, "phone": g2.phone, "arrival": g2.arrival, "departure": g2.departure,
             "info": "venuecode/v1/guest-book", "ikm_e": h(IKM_GUEST_2), "content": h(g2.encode()), "encoding": h(s2.encode())},
        ],
        "bundle": h(&bundle),
        "seed_release": {
            "info": "venuecode/v1/seed-release",
            "ikm_e": h(IKM_SEEDS),
            "content": h(&release_plain),
            "sealed": h(sealed_release.encode()),
            "signed_message": h(appended(appended(SEED_RELEASE_LABEL.to_vec(), &[0]), &ssr[..ssr.len() - 64])),
            "encoding": h(&ssr),
        },
        "accept": [
            acc("open the upload", "open_sealed", &su, up_info.clone(), json!(h(&upload_plain))),
            acc("the upload content decodes", "decode_upload", &upload_plain, no.clone(), json!(h(&upload_plain))),
            acc("open the first guest-book entry", "open_sealed", s1.encode(), gb_info.clone(), json!(h(g1.encode()))),
            acc("open the second guest-book entry", "open_sealed", s2.encode(), gb_info.clone(), json!(h(g2.encode()))),
            acc("the bundle decodes", "decode_bundle", &bundle, no.clone(), json!(h(&bundle))),
            acc("the seed release verifies and opens", "open_signed_seed_release", &ssr, no.clone(), json!(h(&release_plain))),
            acc("unpad", "unpad", &padded, no.clone(), json!(h(&upload_plain))),
            acc("an empty upload decodes", "decode_upload", [1u8, 0, 0], no.clone(), json!("010000")),
        ],
        "negative": negative,
    })
}

// ---------------------------------------------------------------------------------------------
// envelope.json
// ---------------------------------------------------------------------------------------------

const TIMESTAMP: u64 = 1_740_000_000;
const NONCE: [u8; 16] = [0x4e; 16];

fn gen_envelope() -> Value {
    let body = RegistrationRequest {
        venue_key: venue().public_key(),
        info: info(),
        pledge: true,
    }
    .encode();
    let env = RequestEnvelope::sign_with(&venue(), "POST", "/v1/venues", &body, TIMESTAMP, NONCE)
        .unwrap();
    let eb = env.encode();
    let mut signed = vec![1];
    signed.extend_from_slice(&venue().key_id().0);
    signed.extend_from_slice(&TIMESTAMP.to_be_bytes());
    signed.extend_from_slice(&NONCE);
    signed.push(4);
    signed.extend_from_slice(b"POST");
    signed.extend_from_slice(&10u16.to_be_bytes());
    signed.extend_from_slice(b"/v1/venues");
    signed.extend_from_slice(&sha256(&[&body]));
    assert_eq!(eb[33..], venue().sign(REQUEST_LABEL, &signed));
    let get = RequestEnvelope::sign_with(
        &ha(),
        "GET",
        "/v1/uploads?after=3",
        b"",
        TIMESTAMP + 1,
        [0x4f; 16],
    )
    .unwrap();
    let vk = json!(h(venue().public_key().as_bytes()));
    let call = |method: &str, path: &str, b: &[u8], now: u64, key: &Value| json!({"method": method, "path": path, "body": h(b), "now": now, "signer_public_key": key});
    let tan = "K7Q2-M9XD-4TZP";
    let t = |name: &str, text: &str| {
        neg(
            name,
            "tan_hash",
            b"",
            Error::InvalidArgument(""),
            json!({"text": text}),
        )
    };
    let no = json!({});
    json!({
        "description": "Signed request envelopes (label \"venuecode/v1/request\"; signed body: version, key id, timestamp, nonce, method, path with query, SHA-256 of the HTTP body) with fixed nonce and timestamp, their header form (unpadded base64url), and TAN hashes SHA-256(\"venuecode/v1/tan\" || 0x00 || tan).",
        "context": context(),
        "register": {
            "method": "POST", "path": "/v1/venues", "body": h(&body), "timestamp": TIMESTAMP, "nonce": h(NONCE),
            "signer_public_key": vk,
            "signed_body": h(&signed),
            "encoding": h(&eb),
            "header": env.to_header(),
        },
        "list_uploads": {
            "method": "GET", "path": "/v1/uploads?after=3", "body": "", "timestamp": TIMESTAMP + 1, "nonce": h([0x4f; 16]),
            "signer_public_key": h(ha().public_key().as_bytes()),
            "encoding": h(get.encode()),
            "header": get.to_header(),
        },
        "tan": [
            {"tan": tan, "hash": h(tan_hash(tan).unwrap())},
            {"tan": "0123456789", "hash": h(tan_hash("0123456789").unwrap())},
        ],
        "accept": [
            acc("verifies at the signing time", "verify_envelope", &eb, call("POST", "/v1/venues", &body, TIMESTAMP, &vk), Value::Null),
            acc("verifies 300 s late", "verify_envelope", &eb, call("POST", "/v1/venues", &body, TIMESTAMP + 300, &vk), Value::Null),
            acc("verifies 300 s early", "verify_envelope", &eb, call("POST", "/v1/venues", &body, TIMESTAMP - 300, &vk), Value::Null),
            acc("header parses", "envelope_from_header", b"", json!({"text": env.to_header()}), json!(h(&eb))),
            acc("GET with a query verifies", "verify_envelope", get.encode(), call("GET", "/v1/uploads?after=3", b"", TIMESTAMP, &json!(h(ha().public_key().as_bytes()))), Value::Null),
            acc("TAN hash", "tan_hash", b"", json!({"text": tan}), json!(h(tan_hash(tan).unwrap()))),
        ],
        "negative": [
            neg("wrong key (key id mismatch)", "verify_envelope", &eb, Error::UnknownKeyId, call("POST", "/v1/venues", &body, TIMESTAMP, &json!(h(ha().public_key().as_bytes())))),
            neg("301 s late", "verify_envelope", &eb, Error::RequestTimestampOutOfWindow, call("POST", "/v1/venues", &body, TIMESTAMP + 301, &vk)),
            neg("301 s early", "verify_envelope", &eb, Error::RequestTimestampOutOfWindow, call("POST", "/v1/venues", &body, TIMESTAMP - 301, &vk)),
            neg("key is checked before time", "verify_envelope", &eb, Error::UnknownKeyId, call("POST", "/v1/venues", &body, 0, &json!(h(ha().public_key().as_bytes())))),
            neg("other body", "verify_envelope", &eb, Error::RequestSignatureInvalid, call("POST", "/v1/venues", b"", TIMESTAMP, &vk)),
            neg("other method", "verify_envelope", &eb, Error::RequestSignatureInvalid, call("PUT", "/v1/venues", &body, TIMESTAMP, &vk)),
            neg("other path", "verify_envelope", &eb, Error::RequestSignatureInvalid, call("POST", "/v1/venues/7", &body, TIMESTAMP, &vk)),
            neg("query dropped", "verify_envelope", get.encode(), Error::RequestSignatureInvalid, call("GET", "/v1/uploads", b"", TIMESTAMP, &json!(h(ha().public_key().as_bytes())))),
            neg("tampered nonce", "verify_envelope", flip(eb.clone(), 20), Error::RequestSignatureInvalid, call("POST", "/v1/venues", &body, TIMESTAMP, &vk)),
            neg("malleable signature (s + L)", "verify_envelope", { let mut b = eb.clone(); malleate(&mut b[33..]); b }, Error::RequestSignatureInvalid, call("POST", "/v1/venues", &body, TIMESTAMP, &vk)),
            neg("method longer than 16 bytes", "verify_envelope", &eb, Error::RequestSignatureInvalid, call("POSTPOSTPOSTPOSTX", "/v1/venues", &body, TIMESTAMP, &vk)),
            neg("empty", "decode_envelope", b"", Error::Empty, no.clone()),
            neg("unknown version", "decode_envelope", versioned(eb.clone(), 2), Error::UnsupportedVersion { found: 2 }, no.clone()),
            neg("truncated", "decode_envelope", truncated(&eb), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_envelope", appended(eb.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("header with padding", "envelope_from_header", b"", Error::NonCanonical, json!({"text": format!("{}==", env.to_header())})),
            neg("header in standard base64 alphabet", "envelope_from_header", b"", Error::NonCanonical, json!({"text": format!("{}+", &env.to_header()[1..])})),
            t("TAN of 9 characters", "123456789"),
            t("TAN of 65 characters", &"A".repeat(65)),
            t("TAN with a space", "K7Q2 M9XD 4TZP"),
            t("TAN with non-ASCII", "K7Q2-M9XD-4TZP-é"),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// count.json
// ---------------------------------------------------------------------------------------------

fn gen_count() -> Value {
    let m = master();
    let e = epoch_of(NOW);
    let tags = vec![
        m.static_seed().slot_keys().count_tag(e),
        m.rotating_seed(e).slot_keys().count_tag(e),
        m.static_seed().slot_keys().count_tag(e),
    ];
    let b = CountPingBatch { tags: tags.clone() }.encode();
    let no = json!({});
    let header = |n: u16| {
        let mut v = vec![1];
        v.extend_from_slice(&n.to_be_bytes());
        v
    };
    json!({
        "description": "Count ping batches: version, u16 count (1 to 256), then 16-byte count tags; a tag may repeat. Tags are HKDF-Expand(PRK(seed), \"count\" || epoch, 16).",
        "epoch": e,
        "tags": tags.iter().map(|t| h(t.0)).collect::<Vec<_>>(),
        "encoding": h(&b),
        "accept": [
            acc("batch of three pings", "decode_count_pings", &b, no.clone(), json!(h(&b))),
            acc("batch of 256 pings", "decode_count_pings", appended(header(256), &[0x11; 256 * 16]), no.clone(), json!(h(appended(header(256), &[0x11; 256 * 16])))),
        ],
        "negative": [
            neg("empty", "decode_count_pings", b"", Error::Empty, no.clone()),
            neg("unknown version", "decode_count_pings", versioned(b.clone(), 2), Error::UnsupportedVersion { found: 2 }, no.clone()),
            neg("zero pings", "decode_count_pings", header(0), Error::NonCanonical, no.clone()),
            neg("257 pings", "decode_count_pings", appended(header(257), &[0x11; 257 * 16]), Error::TooLarge, no.clone()),
            neg("truncated", "decode_count_pings", truncated(&b), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_count_pings", appended(b.clone(), &[0]), Error::TrailingBytes, no.clone()),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// size-budget.json
// ---------------------------------------------------------------------------------------------

const BUDGET_NAME: &str = "兰州市安宁区北滨河路综合文化体育服务中心";
const BUDGET_ADDRESS: &str = "甘肃省兰州市安宁区北滨河西路一千二百三十四号综合服务大楼一层";
/// Data bits of a version 15 symbol at error-correction level M (415 data codewords).
const V15_M_DATA_BITS: usize = 415 * 8;

/// Bits of a byte-mode segment then a numeric-mode segment in a version 10 to 26 symbol.
fn qr_bits(prefix_bytes: usize, digits: usize) -> usize {
    let byte_segment = 4 + 16 + 8 * prefix_bytes;
    let numeric = 4 + 12 + 10 * (digits / 3) + [0, 4, 7][digits % 3];
    byte_segment + numeric
}

fn gen_size_budget() -> Value {
    assert_eq!(BUDGET_NAME.chars().count(), 20);
    assert_eq!(BUDGET_ADDRESS.chars().count(), 30);
    let info = VenueInfo::new(
        BUDGET_NAME,
        BUDGET_ADDRESS,
        RegionCode::new(REGION).unwrap(),
        VenueCategory::SOCIAL_SERVICES,
        120,
    )
    .unwrap();
    let cert = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra().key_id(),
            serial: 1_000_000,
            venue_key: venue().public_key(),
            info,
            valid_from: VALID_FROM,
            valid_until: VALID_UNTIL,
        },
        &ra(),
    )
    .unwrap();
    let st = VenueCode::new_static(cert.clone(), &master(), &venue()).unwrap();
    let rot = VenueCode::new_rotating(cert.clone(), &master(), &venue(), NOW).unwrap();
    let prefix = format!("{DEFAULT_BASE_URL}#");
    let row = |code: &VenueCode| {
        let digits = code.to_digits().len();
        let bits = qr_bits(prefix.len(), digits);
        json!({
            "bytes": code.encode().len(),
            "digits": digits,
            "url_characters": prefix.len() + digits,
            "qr_bits_byte_then_numeric": bits,
            "fits_version_15_m": bits <= V15_M_DATA_BITS,
            "encoding": h(code.encode()),
        })
    };
    json!({
        "description": "Size budget: a static code for a venue with a 20-character Chinese name and a 30-character Chinese address, under the default base URL, fits a version 15 QR symbol at level M (3320 data bits) as a byte-mode segment for \"https://vc.example/c#\" and a numeric-mode segment for the digits. The rotating code, 8 bytes longer, needs version 16 at level M.",
        "name": BUDGET_NAME,
        "address": BUDGET_ADDRESS,
        "name_bytes": BUDGET_NAME.len(),
        "address_bytes": BUDGET_ADDRESS.len(),
        "certificate_bytes": cert.encode().len(),
        "url_prefix": prefix,
        "version_15_m_data_bits": V15_M_DATA_BITS,
        "static": row(&st),
        "rotating": row(&rot),
    })
}

fn check_size_budget(doc: &Value) {
    for kind in ["static", "rotating"] {
        let r = &doc[kind];
        let code = VenueCode::decode(&unh(&r["encoding"])).unwrap();
        assert_eq!(
            code.certificate().info().name().len() as u64,
            num(&doc["name_bytes"])
        );
        let digits = code.to_digits().len();
        assert_eq!(digits as u64, num(&r["digits"]));
        assert_eq!(
            qr_bits(doc["url_prefix"].as_str().unwrap().len(), digits) as u64,
            num(&r["qr_bits_byte_then_numeric"])
        );
    }
    assert_eq!(doc["static"]["fits_version_15_m"], json!(true));
}

// ---------------------------------------------------------------------------------------------
// hpke-rfc9180-a2.json
// ---------------------------------------------------------------------------------------------

fn gen_rfc9180() -> Value {
    json!({
        "description": "RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode, and its first encryption (sequence number 0). The test derives the recipient key with DecryptionKey::derive, the enc with seal_with_ikm, and the ciphertext through the same hpke configuration the crate seals with.",
        "mode": 0, "kem_id": 32, "kdf_id": 1, "aead_id": 3,
        "info": "4f6465206f6e2061204772656369616e2055726e",
        "ikmE": "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
        "pkEm": "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
        "skEm": "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
        "ikmR": "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
        "pkRm": "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
        "skRm": "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
        "enc": "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
        "encryptions": [{
            "sequence_number": 0,
            "pt": "4265617574792069732074727574682c20747275746820626561757479",
            "aad": "436f756e742d30",
            "ct": "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
        }],
    })
}

fn check_rfc9180(doc: &Value) {
    let r = DecryptionKey::derive(&arr(&doc["ikmR"])).unwrap();
    assert_eq!(h(*r.to_secret()), doc["skRm"].as_str().unwrap());
    assert_eq!(h(r.public_key().as_bytes()), doc["pkRm"].as_str().unwrap());
    let e = DecryptionKey::derive(&arr(&doc["ikmE"])).unwrap();
    assert_eq!(h(*e.to_secret()), doc["skEm"].as_str().unwrap());
    assert_eq!(h(e.public_key().as_bytes()), doc["pkEm"].as_str().unwrap());
    // The crate's sealer draws its ephemeral key from the IKM exactly as RFC 9180 does.
    let info = unh(&doc["info"]);
    let ours = seal_with_ikm(&r.public_key(), &info, b"x", &arr(&doc["ikmE"])).unwrap();
    assert_eq!(h(ours.enc), doc["enc"].as_str().unwrap());
    let first = &doc["encryptions"][0];
    let (enc, ct) = hpke_seal_raw(
        r.public_key().as_bytes(),
        &info,
        &unh(&first["aad"]),
        &unh(&first["pt"]),
        arr(&doc["ikmE"]),
    );
    assert_eq!(h(enc), doc["enc"].as_str().unwrap());
    assert_eq!(h(ct), first["ct"].as_str().unwrap());
}
