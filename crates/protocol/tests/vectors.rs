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
use venuecode_protocol::aead::aead_seal;
use venuecode_protocol::certificate::{CERTIFICATE_LABEL, REGISTRATION_VERSION};
use venuecode_protocol::chain::{retained_range, CHECKPOINT_LABEL};
use venuecode_protocol::code::{encode_decimal, CODE_LABEL, DEFAULT_BASE_URL};
use venuecode_protocol::envelope::{tan_hash, REQUEST_LABEL};
use venuecode_protocol::exposure::{BATCH_LABEL, BATCH_LINK_LABEL, RECORD_NONCE};
use venuecode_protocol::hash::sha256;
use venuecode_protocol::keys::KEY_ID_LABEL;
use venuecode_protocol::revocation::REVOCATION_LABEL;
use venuecode_protocol::sealed::{
    self, pad, seal_with_ikm, GUEST_BOOK_INFO, SEED_RELEASE_INFO, SEED_RELEASE_LABEL, UPLOAD_INFO,
};
use venuecode_protocol::time::{
    epoch_of, epoch_start, epochs_for_slot, local_epoch, overlap_minutes, slot_of, slot_start,
    stay_slots, Epoch, Slot, Slots, UnixMinute,
};
use venuecode_protocol::trust::TRUST_BUNDLE_LABEL;
use venuecode_protocol::vectors::{
    arr, check_case, check_decimal, check_seeds, check_time, ename, found, h, num, run,
    slot_values, unh, BATCH_ID,
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
    ("checkpoint.json", gen_checkpoint),
    ("trust.json", gen_trust),
    ("trace.json", gen_trace),
    ("size-budget.json", gen_size_budget),
    ("hpke-rfc9180-a2.json", gen_rfc9180),
];

/// Files whose checks go beyond the generic case runner.
fn extra_check(file: &str, doc: &Value) {
    match file {
        "time.json" => check_time(doc),
        "decimal.json" => check_decimal(doc),
        "seeds.json" => check_seeds(doc),
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
            if let Err(e) = check_case(name, &ctx, case, list == "negative") {
                panic!("{e}");
            }
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

// ---------------------------------------------------------------------------------------------
// Fixed inputs
// ---------------------------------------------------------------------------------------------

/// 2025-02-19T21:20Z in Unix minutes: epoch 20138, slot 483333.
const NOW: u32 = 29_000_000;

/// A bare minute of this generator as the protocol's type.
fn um(t: u32) -> UnixMinute {
    UnixMinute::new(t)
}
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
/// UTC+08:00 in quarter hours: NOW is 05:20 local time on local day 20139.
const OFFSET: i8 = 32;

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
        OFFSET,
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
            valid_from: um(VALID_FROM),
            valid_until: um(VALID_UNTIL),
        },
        &ra(),
    )
    .unwrap()
}

fn static_code() -> VenueCode {
    VenueCode::new_static(cert(), &master(), &venue()).unwrap()
}

fn rotating_code() -> VenueCode {
    VenueCode::new_rotating(cert(), &master(), &venue(), um(NOW)).unwrap()
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
    offset: i8,
    valid_from: u32,
    valid_until: u32,
}

impl RawCert {
    fn valid() -> Self {
        Self {
            version: 2,
            ra_key_id: ra().key_id().0,
            serial: SERIAL,
            venue_key: *venue().public_key().as_bytes(),
            name: NAME.as_bytes().to_vec(),
            address: ADDRESS.as_bytes().to_vec(),
            region: REGION,
            category: 9,
            stay: STAY,
            offset: OFFSET,
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
        b.extend_from_slice(&self.offset.to_be_bytes());
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

/// A venue code; `rotating` is `(epoch_back, valid_until)`.
fn raw_code(
    kind: u8,
    cert: &[u8],
    rotating: Option<(u8, UnixMinute)>,
    seed: &[u8; 32],
    key: &SigningKey,
) -> Vec<u8> {
    let mut tbs = vec![2, kind];
    tbs.extend_from_slice(cert);
    if let Some((back, until)) = rotating {
        tbs.push(back);
        tbs.extend_from_slice(&until.get().to_be_bytes());
    }
    tbs.extend_from_slice(seed);
    appended(tbs.clone(), &key.sign(CODE_LABEL, &tbs))
}

/// Ed25519 signatures that a lax verifier accepts and `verify_strict` refuses, built with raw
/// point and scalar arithmetic over the RFC 8032 equation `[S]B = R + [k]A`, `k = SHA-512(R ||
/// A || M) mod L`. Each breaks exactly one strictness rule.
mod lax {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};

    fn secret(seed: &[u8; 32]) -> Scalar {
        let h = Sha512::digest(seed);
        let mut a = [0u8; 32];
        a.copy_from_slice(&h[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        Scalar::from_bytes_mod_order(a)
    }

    fn challenge(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
        Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(a)
                .chain_update(m),
        )
    }

    fn point(bytes: &[u8; 32]) -> EdwardsPoint {
        CompressedEdwardsY(*bytes).decompress().unwrap()
    }

    /// Signs `m` with the key of `seed`, using the R encoding `r_bytes` whose discrete log
    /// (ignoring any torsion) is `r`.
    fn sign(seed: &[u8; 32], m: &[u8], r_bytes: [u8; 32], r: Scalar) -> (Scalar, [u8; 64]) {
        let a = secret(seed);
        let pk = (B * a).compress().to_bytes();
        let k = challenge(&r_bytes, &pk, m);
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(&s.to_bytes());
        (k, sig)
    }

    fn holds(seed: &[u8; 32], k: Scalar, sig: &[u8; 64], cofactor: bool) -> bool {
        let a = B * secret(seed);
        let r = point(sig[..32].try_into().unwrap());
        let s = Scalar::from_canonical_bytes(sig[32..].try_into().unwrap()).unwrap();
        let (lhs, rhs) = (B * s, r + a * k);
        if cofactor {
            lhs.mul_by_cofactor() == rhs.mul_by_cofactor()
        } else {
            lhs == rhs
        }
    }

    /// R is the identity (small order): the cofactorless equation holds.
    pub fn small_order_r(seed: &[u8; 32], m: &[u8]) -> [u8; 64] {
        let mut id = [0u8; 32];
        id[0] = 1;
        let (k, sig) = sign(seed, m, id, Scalar::ZERO);
        assert!(holds(seed, k, &sig, false));
        sig
    }

    /// R is the identity encoded non-canonically (y = p + 1): the equation holds for a
    /// verifier that decodes R and compares points.
    pub fn non_canonical_r(seed: &[u8; 32], m: &[u8]) -> [u8; 64] {
        let mut y = [0xffu8; 32];
        y[0] = 0xee;
        y[31] = 0x7f;
        let (k, sig) = sign(seed, m, y, Scalar::ZERO);
        assert!(holds(seed, k, &sig, false));
        sig
    }

    /// R = [r]B + T with T of order 8 (R itself is not of small order): only the cofactored
    /// equation `[8][S]B = [8]R + [8][k]A` holds.
    pub fn cofactored_only(seed: &[u8; 32], m: &[u8], order8: &[u8; 32]) -> [u8; 64] {
        let r = Scalar::from_bytes_mod_order([7u8; 32]);
        let big_r = B * r + point(order8);
        assert!(!big_r.is_small_order());
        let (k, sig) = sign(seed, m, big_r.compress().to_bytes(), r);
        assert!(!holds(seed, k, &sig, false));
        assert!(holds(seed, k, &sig, true));
        sig
    }
}

// ---------------------------------------------------------------------------------------------
// keys.json
// ---------------------------------------------------------------------------------------------

/// Small-order Edwards points (the identity, order 2, 4 and 8), canonical and not: `x = 0` with
/// the sign bit set, and `y = p`, `y = p + 1`, are refused as weak before the canonical check.
const WEAK_ED25519: [(&str, &str); 9] = [
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
    (
        "identity with the sign bit set (x = 0)",
        "0100000000000000000000000000000000000000000000000000000000000080",
    ),
    (
        "order 2 (y = -1) with the sign bit set (x = 0)",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "order 4, y = p (non-canonical y = 0)",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "identity, y = p + 1 (non-canonical y = 1)",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
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
        "description": "Fixed keys of the RA, HA, venue and a stranger, with key ids: the first 8 bytes of SHA-256(\"venuecode/v2/key-id\" || 0x00 || algorithm || public key), algorithm 0x01 for Ed25519 and 0x02 for X25519. The HA encryption key is RFC 9180 DeriveKeyPair(ikm). Negative cases: weak (small-order) Ed25519 keys, also x = 0 with the sign bit set and y = p, y = p + 1 (weak before non-canonical), a non-point, non-canonical encodings (y >= p) of valid points, and low-order X25519 recipient keys.",
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
        .map(|&t| json!({"minute": t, "slot": slot_of(um(t)), "epoch": epoch_of(um(t))}))
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
            let r = stay_slots(um(a), um(d));
            json!({"arrival": a, "departure": d, "first_slot": r.start(), "last_slot": r.end()})
        })
        .collect();
    let mut eps: Vec<Value> = Vec::new();
    for offset in [
        0i8,
        OFFSET,
        time::MIN_UTC_OFFSET,
        time::MAX_UTC_OFFSET,
        -1,
        22,
        23,
        -14,
    ] {
        let day = local_epoch(um(NOW), offset);
        // Local midnight need not fall on a slot boundary (offset -1 is 00:15 UTC, +05:30 is
        // 18:30 UTC, +05:45 18:15 UTC, -03:30 03:30 UTC): the slot containing it lists the new
        // day too.
        let first = slot_of(epoch_start(day, offset));
        for s in [
            first - 1,
            first,
            first + 1,
            first + 11,
            first + 12,
            first + 13,
            first + 23,
        ] {
            let r = epochs_for_slot(s, offset);
            eps.push(
                json!({"slot": s, "utc_offset": offset, "slot_start": slot_start(s),
                "first_epoch": r.start(), "last_epoch": r.end()}),
            );
        }
    }
    let mut local: Vec<Value> = Vec::new();
    for offset in [
        0i8,
        OFFSET,
        time::MIN_UTC_OFFSET,
        time::MAX_UTC_OFFSET,
        -1,
        1,
    ] {
        let day = local_epoch(um(NOW), offset);
        let midnight = epoch_start(day + 1, offset);
        for t in [
            UnixMinute::MIN,
            um(NOW),
            midnight - 1,
            midnight,
            UnixMinute::MAX,
        ] {
            local.push(
                json!({"minute": t, "utc_offset": offset, "local_epoch": local_epoch(t, offset)}),
            );
        }
        local.push(json!({"epoch": day + 1, "utc_offset": offset, "epoch_start": midnight}));
    }
    local.push(json!({"epoch": 0, "utc_offset": time::MAX_UTC_OFFSET, "epoch_start": epoch_start(Epoch::MIN, time::MAX_UTC_OFFSET)}));
    local.push(json!({"epoch": u32::MAX, "utc_offset": time::MIN_UTC_OFFSET, "epoch_start": epoch_start(Epoch::MAX, time::MIN_UTC_OFFSET)}));
    let overlaps: Vec<Value> = [(0, 10, 5, 20), (0, 10, 10, 20), (30, 40, 0, 20), (0, 100, 20, 30)]
        .iter()
        .map(|&(a0, a1, b0, b1)| {
            json!({"a": [a0, a1], "b": [b0, b1], "minutes": overlap_minutes(um(a0), um(a1), um(b0), um(b1))})
        })
        .collect();
    json!({
        "description": "Slot and epoch arithmetic on Unix minutes: slot = minute / 60 (UTC hours), UTC day = minute / 1440, the venue-local epoch local_epoch(t, offset) = floor((t + 15 * offset) / 1440) for a UTC offset in quarter hours (-48..=56), saturated to u32, and its start epoch_start(e, offset) = e * 1440 - 15 * offset (saturated); the slots a stay [arrival, departure) touches, the local epochs whose rotating seed a visitor present in a slot could hold (epochs_for_slot(slot, offset) = local_epoch(max(0, slot_start - 720), offset) ..= local_epoch(slot_start + 59, offset): the last epoch is that of the slot's last minute, so when local midnight falls inside the slot, an offset that is not a whole number of hours such as +05:30 = 22, +05:45 = 23 or -03:30 = -14 quarter hours, the new day is listed too), and overlap in minutes.",
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
            "MIN_UTC_OFFSET": time::MIN_UTC_OFFSET,
            "MAX_UTC_OFFSET": time::MAX_UTC_OFFSET,
        },
        "local_epochs": local,
        "slots": slots,
        "stays": stays,
        "epochs_for_slot": eps,
        "overlap": overlaps,
    })
}

// ---------------------------------------------------------------------------------------------
// seeds.json
// ---------------------------------------------------------------------------------------------

fn gen_seeds() -> Value {
    let m = master();
    let e = local_epoch(um(NOW), OFFSET);
    let s = slot_of(um(NOW));
    let epochs = [Epoch::MIN, e - 1, e, e + 1, e + 30];
    let vk = venue().public_key();
    // The impostor attack: another venue key with the very same seed gives unrelated values.
    let impostor = slot_values(
        "static, under a stranger's venue key (impostor)",
        &m.static_seed(),
        &other().public_key(),
        &[s, s + 1],
        &[e],
    );
    let genuine = m.static_seed().slot_keys(&vk);
    let fake = m.static_seed().slot_keys(&other().public_key());
    assert_ne!(genuine.token(s), fake.token(s));
    assert_ne!(genuine.count_tag(e), fake.count_tag(e));
    let rotating: Vec<Value> = epochs
        .iter()
        .map(|&ep| json!({"epoch": ep, "seed": h(m.rotating_seed(ep).expose())}))
        .collect();
    json!({
        "description": "Seed derivations from a venue master seed (HKDF-SHA256, salt \"venuecode/v2/seed\", info \"static\" or \"rotating\" || epoch u32 BE, 32 bytes; the epoch is the venue's local day), and the values bound to a seed and a venue key from PRK = HKDF-Extract(salt \"venuecode/v2/slot\", ikm = seed || venue_public_key): slot tokens (info \"token\" || slot, 16 bytes), record seal keys (info \"seal\" || slot || batch_id, 32 bytes) and count tags (info \"count\" || epoch, 16 bytes). The last set uses the same static seed under a stranger's venue key (the impostor of wire version 1): every value differs.",
        "master_seed": h(MASTER),
        "static_seed": h(m.static_seed().expose()),
        "rotating_seeds": rotating,
        "slot_values": vec![
            slot_values("static", &m.static_seed(), &vk, &[Slot::MIN, s, s + 1, s + 2, Slot::MAX], &[e, e + 1]),
            slot_values(&format!("rotating epoch {e}"), &m.rotating_seed(e), &vk, &[s, s + 1], &[e]),
            impostor,
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
            "version 1 (wire v1, no longer spoken)",
            "decode_certificate",
            versioned(bytes.clone(), 1),
            Error::UnsupportedVersion { found: 1 },
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
    // Strict Ed25519 beyond S < L: each signature satisfies a lax verifier's equation.
    let signed_msg = venuecode_protocol::keys::signed_message(CERTIFICATE_LABEL, &tbs);
    let order8: [u8; 32] = hex::decode(WEAK_ED25519[3].1).unwrap().try_into().unwrap();
    for (name, sig) in [
        ("strict Ed25519: small-order R (the identity), valid under the cofactorless equation", lax::small_order_r(&RA_SEED, &signed_msg)),
        ("strict Ed25519: non-canonical R (the identity as y = p + 1), valid for a verifier that compares decoded points", lax::non_canonical_r(&RA_SEED, &signed_msg)),
        ("strict Ed25519: R with an order-8 component, valid only under the cofactored equation", lax::cofactored_only(&RA_SEED, &signed_msg, &order8)),
    ] {
        negative.push(neg(name, "verify_certificate", appended(tbs.clone(), &sig), Error::CertificateSignatureInvalid, ctx.clone()));
    }

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
            "venue name with a C1 control character (U+0085 NEXT LINE) inside",
            mutate(&|r| r.name.splice(3..3, "\u{85}".bytes()).for_each(drop)),
            Error::NonCanonical,
        ),
        (
            "venue name with a leading ideographic space (U+3000)",
            mutate(&|r| r.name.splice(0..0, "\u{3000}".bytes()).for_each(drop)),
            Error::NonCanonical,
        ),
        (
            "venue name with a trailing ideographic space (U+3000)",
            mutate(&|r| r.name.extend("\u{3000}".bytes())),
            Error::NonCanonical,
        ),
        (
            "venue name with a leading no-break space (U+00A0)",
            mutate(&|r| r.name.splice(0..0, "\u{a0}".bytes()).for_each(drop)),
            Error::NonCanonical,
        ),
        (
            "address with a trailing no-break space (U+00A0)",
            mutate(&|r| r.address.extend("\u{a0}".bytes())),
            Error::NonCanonical,
        ),
        (
            "address with a trailing line separator (U+2028)",
            mutate(&|r| r.address.extend("\u{2028}".bytes())),
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
            "region code 830000 (one above the highest)",
            mutate(&|r| r.region = 830_000),
            Error::ValueOutOfRange,
        ),
        (
            "region code 109999 (one below the lowest)",
            mutate(&|r| r.region = 109_999),
            Error::ValueOutOfRange,
        ),
        (
            "UTC offset -49 quarter hours (below -12:00)",
            mutate(&|r| r.offset = -49),
            Error::ValueOutOfRange,
        ),
        (
            "UTC offset +57 quarter hours (above +14:00)",
            mutate(&|r| r.offset = 57),
            Error::ValueOutOfRange,
        ),
        (
            "UTC offset byte 0x80 (-128)",
            mutate(&|r| r.offset = i8::MIN),
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
        // Order pairings (SPEC §3 rule 9, §6): two faults, the first checked wins.
        (
            "order: untrimmed name and region 999999 (region is range-checked as read, text rules later)",
            mutate(&|r| {
                r.name.push(b' ');
                r.region = 999_999;
            }),
            Error::ValueOutOfRange,
        ),
        (
            "order: untrimmed name and default stay 721 (text rules before the stay bounds)",
            mutate(&|r| {
                r.name.push(b' ');
                r.stay = 721;
            }),
            Error::NonCanonical,
        ),
        (
            "order: default stay 14 and UTC offset +57 (stay bounds before offset bounds)",
            mutate(&|r| {
                r.stay = 14;
                r.offset = 57;
            }),
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
    {
        let mut r = RawCert::valid();
        r.stay = 14;
        r.offset = 57;
        negative.push(neg(
            "venue info: order: default stay 14 and UTC offset +57 (the stay is checked first)",
            "decode_venue_info",
            r.info_bytes(),
            Error::ValueOutOfRange,
            json!({}),
        ));
        let mut r = RawCert::valid();
        r.name.push(b' ');
        r.region = 999_999;
        negative.push(neg(
            "venue info: order: untrimmed name and region 999999 (region as read)",
            "decode_venue_info",
            r.info_bytes(),
            Error::ValueOutOfRange,
            json!({}),
        ));
    }
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
        versioned(reg_bytes.clone(), 1),
        Error::UnsupportedVersion { found: 1 },
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

    let accepted_variant = |name: &str, f: &dyn Fn(&mut RawCert)| {
        let mut r = RawCert::valid();
        f(&mut r);
        let b = r.signed();
        acc(name, "decode_certificate", &b, json!({}), json!(h(&b)))
    };
    let boundary_accepts = vec![
        accepted_variant("region code 110000 (lowest accepted)", &|r| r.region = 110_000),
        accepted_variant("region code 829999 (highest accepted)", &|r| r.region = 829_999),
        accepted_variant("UTC offset -48 (-12:00, lowest accepted)", &|r| r.offset = -48),
        accepted_variant("UTC offset +56 (+14:00, highest accepted)", &|r| r.offset = 56),
        accepted_variant("UTC offset 0", &|r| r.offset = 0),
        accepted_variant("ideographic space (U+3000) inside a name is kept", &|r| {
            r.name = "兰州\u{3000}牛肉面".as_bytes().to_vec()
        }),
        accepted_variant("a format character (U+200E LEFT-TO-RIGHT MARK) inside a name is not a control character", &|r| {
            r.name = "Cafe\u{200e}兰州".as_bytes().to_vec()
        }),
    ];
    json!({
        "description": "VenueInfo, VenueCertificate (RA-signed with label \"venuecode/v2/certificate\") and RegistrationRequest encodings, with decode and verification failures in the order the spec fixes. VenueInfo ends with the venue's UTC offset as an i8 in quarter hours (-48..=56). Names and addresses refuse control characters (Unicode category Cc, U+0085 included) anywhere and Unicode white space (U+3000, U+00A0, U+2028 included) at either end. The strict-Ed25519 negatives carry RA signatures that satisfy a lax verifier's equation: a small-order R, a non-canonical R, and one valid only under the cofactored equation.",
        "context": context(),
        "venue_info": {
            "name": NAME, "address": ADDRESS, "region": REGION, "category": 9,
            "category_slug": "restaurant", "default_stay_minutes": STAY, "utc_offset": OFFSET,
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
        "accept": vec![
            acc("certificate decodes and re-encodes", "decode_certificate", &bytes, json!({}), json!(h(&bytes))),
            acc("certificate verifies at now", "verify_certificate", &bytes, ctx.clone(), json!(SERIAL)),
            acc("certificate verifies at valid_from", "verify_certificate", &bytes, json!({"now": VALID_FROM}), json!(SERIAL)),
            acc("certificate verifies at valid_until - 1", "verify_certificate", &bytes, json!({"now": VALID_UNTIL - 1}), json!(SERIAL)),
            acc("venue info", "decode_venue_info", info().encode(), json!({}), json!(h(info().encode()))),
            acc("registration with pledge", "decode_registration", &reg_bytes, json!({}), json!(h(&reg_bytes))),
            acc("registration without pledge decodes (the RA refuses it later)", "decode_registration", &no_pledge, json!({}), json!(h(&no_pledge))),
        ].into_iter().chain(boundary_accepts).collect::<Vec<_>>(),
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
    let e = local_epoch(um(NOW), OFFSET);
    let until = um(NOW) + time::DEFAULT_DISPLAY_VALIDITY_MINUTES;
    let rseed = *m.rotating_seed(e).expose();
    assert_eq!(raw_code(2, &cb, Some((0, until)), &rseed, &venue()), rb);
    // Around the next local midnight (16:00 UTC for UTC+08:00).
    let midnight = epoch_start(e + 1, OFFSET);
    let nseed = *m.rotating_seed(e + 1).expose();
    let late = VenueCode::new_rotating(cert(), &m, &venue(), midnight - 5).unwrap();
    let lb = late.encode();
    assert_eq!(raw_code(2, &cb, Some((1, midnight)), &rseed, &venue()), lb);
    let at = |t: UnixMinute| json!({"now": t});
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
            versioned(sb.clone(), 1),
            Error::UnsupportedVersion { found: 1 },
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
            [2u8],
            Error::Truncated,
            json!({}),
        ),
        neg(
            "truncated after the kind byte (nested certificate missing)",
            "decode_code",
            [2u8, 1],
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
            "order: longer than 1024 bytes with unknown version 9 (size before version)",
            "decode_code",
            {
                let mut b = vec![0u8; 1025];
                b[0] = 9;
                b
            },
            Error::TooLarge,
            json!({}),
        ),
        neg(
            "order: longer than 1024 bytes with version 2 (a valid code and trailing zeros)",
            "decode_code",
            {
                let mut b = rb.clone();
                b.resize(1025, 0);
                b
            },
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
                    [0u8].into_iter().chain(until.get().to_be_bytes()),
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
            raw_code(2, &cb, Some((0, um(NOW + 13))), &rseed, &venue()),
            Error::CodeValidityInvalid,
            now.clone(),
        ),
        neg(
            "rotating code for yesterday's epoch (epoch_back 1) far from local midnight",
            "verify_code",
            raw_code(2, &cb, Some((1, until)), m.rotating_seed(e - 1).expose(), &venue()),
            Error::CodeValidityInvalid,
            now.clone(),
        ),
        neg(
            "epoch_back 1 when valid_until - 10 is already past local midnight (look-back boundary)",
            "verify_code",
            raw_code(2, &cb, Some((1, midnight + 10)), &rseed, &venue()),
            Error::CodeValidityInvalid,
            at(midnight + 1),
        ),
        neg(
            "epoch_back 1 with valid_until one minute before local midnight",
            "verify_code",
            raw_code(2, &cb, Some((1, midnight - 1)), m.rotating_seed(e - 1).expose(), &venue()),
            Error::CodeValidityInvalid,
            at(midnight - 5),
        ),
        neg(
            "epoch_back 2",
            "decode_code",
            raw_code(2, &cb, Some((2, until)), &rseed, &venue()),
            Error::NonCanonical,
            json!({}),
        ),
        neg(
            "epoch_back 0xff",
            "decode_code",
            raw_code(2, &cb, Some((0xff, until)), &rseed, &venue()),
            Error::NonCanonical,
            json!({}),
        ),
        neg(
            "epoch_back 1 on local day 0 (a day before 1970)",
            "decode_code",
            raw_code(2, &cb, Some((1, UnixMinute::MIN)), &rseed, &venue()),
            Error::ValueOutOfRange,
            json!({}),
        ),
    ];
    let digits = st.to_digits();
    negative.extend([
        neg(
            "URL with a C1 control character (U+0085) before the fragment",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://vc.example/c\u{85}#{digits}")}),
        ),
        neg(
            "URL with a no-break space (U+00A0) before the fragment",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://vc.example/c\u{a0}#{digits}")}),
        ),
        neg(
            "URL with an ideographic space (U+3000) in the host",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("https://vc.\u{3000}example/c#{digits}")}),
        ),
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
            "http URL to a loopback-looking host name",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("http://127.0.0.1.example/c#{digits}")}),
        ),
        neg(
            "http URL to 128.0.0.1",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("http://128.0.0.1/c#{digits}")}),
        ),
        neg(
            "http URL to a loopback host with user info",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("http://user@127.0.0.1/c#{digits}")}),
        ),
        neg(
            "http URL to ::1 without brackets",
            "code_from_url",
            b"",
            Error::InvalidUrl,
            json!({"text": format!("http://::1/c#{digits}")}),
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
        "description": "Venue codes: static and rotating, as raw bytes (venue signature label \"venuecode/v2/venue-code\"), as decimal digits for QR numeric mode and as the URL https://host/path#digits; verification order (certificate key id and signature, venue signature, certificate validity, rotating display validity, revocation) with one negative per check. A rotating code carries epoch_back u8 (0 or 1, else NonCanonical) and valid_until u32 after the certificate: epoch = local_epoch(valid_until, utc_offset) - epoch_back, and epoch_back 1 is valid only when local_epoch(valid_until - 10) < local_epoch(valid_until), a code shown in the 10 minutes before the venue's local midnight.",
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
            "utc_offset": OFFSET,
            "epoch": e,
            "epoch_back": 0,
            "valid_until": until,
            "seed": h(rseed),
            "encoding": h(&rb),
            "bytes": rb.len(),
            "digits": rot.to_digits(),
            "url": rot.to_url(DEFAULT_BASE_URL),
        },
        "rotating_before_local_midnight": {
            "now": midnight - 5,
            "local_midnight": midnight,
            "epoch": e,
            "epoch_back": 1,
            "valid_until": midnight,
            "seed": h(rseed),
            "encoding": h(&lb),
        },
        "accept": [
            acc("rotating code shown 5 minutes before local midnight (epoch_back 1)", "verify_code", &lb, at(midnight - 5), json!(h(rseed))),
            acc("the same code scanned just after local midnight", "verify_code", &lb, at(midnight + 1), json!(h(rseed))),
            acc("epoch_back 1 with valid_until 9 minutes past local midnight (look-back boundary)", "verify_code", raw_code(2, &cb, Some((1, midnight + 9)), &rseed, &venue()), at(midnight + 1), json!(h(rseed))),
            acc("epoch_back 0 with valid_until 10 minutes past local midnight: the new day's seed", "verify_code", raw_code(2, &cb, Some((0, midnight + 10)), &nseed, &venue()), at(midnight + 1), json!(h(nseed))),
            acc("static code verifies", "verify_code", &sb, now.clone(), json!(h(seed))),
            acc("static code verifies when another serial is revoked", "verify_code", &sb, json!({"now": NOW, "revoked_serials": [3]}), json!(h(seed))),
            acc("rotating code verifies at now", "verify_code", &rb, now.clone(), json!(h(rseed))),
            acc("rotating code verifies at valid_until + skew - 1", "verify_code", &rb, json!({"now": until + time::CLOCK_SKEW_MINUTES - 1}), json!(h(rseed))),
            acc("rotating code valid exactly 12 minutes ahead", "verify_code", raw_code(2, &cb, Some((0, um(NOW + 12))), &rseed, &venue()), now.clone(), json!(h(rseed))),
            acc("static URL parses", "parse_code", b"", json!({"text": url}), json!(h(&sb))),
            acc("static URL with upper-case scheme and surrounding whitespace", "parse_code", b"", json!({"text": format!("  HTTPS://VC.EXAMPLE/c#{digits}\n")}), json!(h(&sb))),
            acc("bare digits parse", "parse_code", b"", json!({"text": digits}), json!(h(&sb))),
            acc("rotating URL parses", "code_from_url", b"", json!({"text": rot.to_url("https://example.org/v")}), json!(h(&rb))),
            acc("http URL to 127.0.0.1 with a port parses (a drill on one machine)", "code_from_url", b"", json!({"text": format!("http://127.0.0.1:8080/c#{digits}")}), json!(h(&sb))),
            acc("http URL to [::1] parses", "code_from_url", b"", json!({"text": format!("http://[::1]/c#{digits}")}), json!(h(&sb))),
            acc("http URL to LOCALHOST with an upper-case scheme parses", "parse_code", b"", json!({"text": format!("HTTP://LOCALHOST:1/c#{digits}")}), json!(h(&sb))),
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

// ---------------------------------------------------------------------------------------------
// exposure.json
// ---------------------------------------------------------------------------------------------

const MESSAGES: [&str; 2] = [
    "You may have been exposed. Get tested and watch for symptoms.",
    "您可能曾与确诊病例同时在场，请尽快进行核酸检测。",
];

/// A batch's records digest written out from RFC 9162 §2.1.1 rather than through the crate's
/// tree: leaves of 16,384 records (640 KiB), leaf hash SHA-256(0x00 || leaf), node
/// SHA-256(0x01 || left || right), the left subtree the largest power of two of leaves below
/// their count.
fn records_mth(records: &[u8]) -> [u8; 32] {
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() <= 1 {
            return leaves.first().copied().unwrap_or_else(|| sha256(&[]));
        }
        let mut k = 1;
        while 2 * k < leaves.len() {
            k *= 2;
        }
        sha256(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
    }
    let leaves: Vec<[u8; 32]> = records
        .chunks(16_384 * 40)
        .map(|l| sha256(&[&[0], l]))
        .collect();
    mth(&leaves)
}

struct RawBatch {
    ha_key_id: [u8; 8],
    sequence: u64,
    previous: [u8; 32],
    batch_id: [u8; 16],
    created_at: u32,
    messages: Vec<Vec<u8>>,
    records: Vec<Vec<u8>>,
    record_count: Option<u32>,
}

impl RawBatch {
    fn header(&self) -> Vec<u8> {
        let mut b = vec![3];
        b.extend_from_slice(&self.ha_key_id);
        b.extend_from_slice(&self.sequence.to_be_bytes());
        b.extend_from_slice(&self.previous);
        b.extend_from_slice(&self.batch_id);
        b.extend_from_slice(&self.created_at.to_be_bytes());
        b.push(self.messages.len() as u8);
        for m in &self.messages {
            b.extend_from_slice(&(m.len() as u16).to_be_bytes());
            b.extend_from_slice(m);
        }
        let count = self.record_count.unwrap_or(self.records.len() as u32);
        b.extend_from_slice(&count.to_be_bytes());
        b.extend_from_slice(&records_mth(&self.records.concat()));
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

/// A `build_batch` case: windows `(start, end, risk, message_index)` of the static seed under
/// the venue key, in the order added, with the fixed batch id, messages and HA key.
fn merge_case(windows: &[(u32, u32, u8, u8)]) -> Value {
    let seed = master().static_seed();
    json!({
        "ha_seed": h(HA_SEED),
        "batch_id": h(BATCH_ID),
        "created_at": NOW + 800,
        "messages": MESSAGES,
        "windows": windows.iter().map(|&(start, end, risk, message_index)| json!({
            "seed": h(seed.expose()), "venue_key": h(venue().public_key().as_bytes()),
            "start": start, "end": end, "risk": risk, "message_index": message_index,
        })).collect::<Vec<_>>(),
    })
}

fn exposure_windows() -> Vec<(String, ExposureWindow)> {
    let m = master();
    let e = local_epoch(um(NOW), OFFSET);
    let midnight = epoch_start(e + 1, OFFSET);
    vec![
        (
            "static".into(),
            ExposureWindow {
                seed: m.static_seed(),
                venue_key: venue().public_key(),
                start: um(NOW + 30),
                end: um(NOW + 200),
                risk: RiskLevel::HIGH,
                message_index: 0,
            },
        ),
        (
            format!("rotating epoch {e}"),
            ExposureWindow {
                seed: m.rotating_seed(e),
                venue_key: venue().public_key(),
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
        ChainHead::GENESIS,
        BATCH_ID,
        um(NOW + 300),
        MESSAGES.iter().map(|s| (*s).to_owned()).collect(),
    )
    .unwrap();
    let mut records_doc = Vec::new();
    let mut accept = Vec::new();
    for (label, w) in exposure_windows() {
        b.add(&w).unwrap();
        let keys = w.seed.slot_keys(&w.venue_key);
        let mut pt = Vec::new();
        pt.extend_from_slice(&w.start.get().to_be_bytes());
        pt.extend_from_slice(&((w.end - w.start) as u16).to_be_bytes());
        pt.extend_from_slice(&[w.risk.0, w.message_index]);
        for slot in Slots::new(slot_of(w.start), slot_of(w.end - 1)) {
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
                json!({"seed": h(w.seed.expose()), "venue_key": h(w.venue_key.as_bytes()), "slot": slot, "batch_id": h(BATCH_ID)}),
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
        sequence: 1,
        previous: [0; 32],
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
            sequence: 1,
            previous: [0; 32],
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
        let keys = s.slot_keys(&venue().public_key());
        let slot = Slot::new(u32::try_from(slot0).unwrap());
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
    let vkh = h(venue().public_key().as_bytes());
    let open_ctx = json!({"seed": seed0, "venue_key": vkh, "slot": slot0, "batch_id": h(BATCH_ID)});
    let mut reversed = records.clone();
    reversed.reverse();
    let mut duplicated = records.clone();
    duplicated.insert(1, records[0].clone());

    let negative = vec![
        neg("empty", "decode_batch", b"", Error::Empty, ctx_none.clone()),
        neg(
            "unknown version",
            "decode_batch",
            versioned(bytes.clone(), 1),
            Error::UnsupportedVersion { found: 1 },
            ctx_none.clone(),
        ),
        neg(
            "version 2 (one SHA-256 over the records, before the records tree), signed",
            "decode_batch",
            {
                let mut tbs = raw.header();
                tbs[0] = 2;
                let at = tbs.len() - 32;
                tbs[at..].copy_from_slice(&sha256(&[&records.concat()]));
                let mut b = appended(tbs.clone(), &ha().sign(BATCH_LABEL, &tbs));
                b.extend_from_slice(&records.concat());
                b
            },
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
            "one extra byte after the last record",
            "decode_batch",
            appended(bytes.clone(), &[0]),
            Error::TrailingBytes,
            ctx_none.clone(),
        ),
        neg(
            "39 extra bytes after the last record (less than a record)",
            "decode_batch",
            appended(bytes.clone(), &[0; 39]),
            Error::TrailingBytes,
            ctx_none.clone(),
        ),
        neg(
            "one extra byte after an empty batch (record count 0)",
            "verify_batch",
            appended(vary(&|r| r.records.clear(), &ha()), &[0]),
            Error::TrailingBytes,
            ctx_none.clone(),
        ),
        neg(
            "order: a tampered record and one extra byte (the digest is checked before the bytes left)",
            "decode_batch",
            appended(with_last(bytes.clone(), |b| *b ^= 1), &[0]),
            Error::BatchDigestMismatch,
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
            flip(bytes.clone(), 1 + 8 + 8 + 32 + 16 + 3),
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
            json!({"seed": seed0, "venue_key": vkh, "slot": slot0, "batch_id": h([0u8; 16])}),
        ),
        neg(
            "record opened for the wrong slot",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": seed0, "venue_key": vkh, "slot": slot0 + 1, "batch_id": h(BATCH_ID)}),
        ),
        neg(
            "record opened with another seed",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": h(MASTER), "venue_key": vkh, "slot": slot0, "batch_id": h(BATCH_ID)}),
        ),
        neg(
            "record opened with the same seed under another venue key (impostor)",
            "open_record",
            &rec0,
            Error::OpenFailed,
            json!({"seed": seed0, "venue_key": h(other().public_key().as_bytes()), "slot": slot0, "batch_id": h(BATCH_ID)}),
        ),
        neg(
            "batch sequence 0",
            "decode_batch",
            vary(&|r| r.sequence = 0, &ha()),
            Error::ValueOutOfRange,
            ctx_none.clone(),
        ),
        neg(
            "batch sequence 1 with a non-zero previous link",
            "decode_batch",
            vary(&|r| r.previous[31] = 1, &ha()),
            Error::NonCanonical,
            ctx_none.clone(),
        ),
        neg(
            "tampered header (sequence 1 -> 257)",
            "verify_batch",
            flip(bytes.clone(), 1 + 8 + 6),
            Error::BatchSignatureInvalid,
            ctx_none.clone(),
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
        neg(
            "merge: two windows of one seed whose hull spans 721 minutes",
            "build_batch",
            b"",
            Error::InvalidArgument(""),
            merge_case(&[
                (NOW, NOW + 60, 1, 0),
                (NOW + 30, NOW + 721, 1, 0),
            ]),
        ),
        neg(
            "merge: a message index outside the table is refused by the builder",
            "build_batch",
            b"",
            Error::InvalidArgument(""),
            merge_case(&[(NOW, NOW + 60, 1, 2)]),
        ),
    ];

    assert_eq!(
        batch.link(),
        sha256(&[BATCH_LINK_LABEL, &[0], &bytes[..header_len - 64]])
    );
    accept.push(acc(
        "batch decodes and verifies",
        "verify_batch",
        &bytes,
        json!({}),
        json!(records.len()),
    ));
    accept.push(acc(
        "batch link",
        "batch_link",
        &bytes,
        json!({}),
        json!(h(batch.link())),
    ));
    accept.push(acc(
        "empty batch",
        "verify_batch",
        vary(&|r| r.records.clear(), &ha()),
        json!({}),
        json!(0),
    ));
    // A message index outside the batch's table opens normally (the app shows its own text).
    accept.push(acc(
        "record with message index 5 (outside a table of 2) opens",
        "open_record",
        seal_custom(&{
            let mut p = pt_with(170);
            p[7] = 5;
            p
        }),
        open_ctx.clone(),
        json!({"window_start": NOW + 30, "window_minutes": 170, "risk": 2, "message_index": 5}),
    ));
    accept.push(acc(
        "record with message index 255 and an unknown risk 9 opens",
        "open_record",
        seal_custom(&{
            let mut p = pt_with(170);
            p[6] = 9;
            p[7] = 255;
            p
        }),
        open_ctx.clone(),
        json!({"window_start": NOW + 30, "window_minutes": 170, "risk": 9, "message_index": 255}),
    ));
    // Merging (SPEC §12.1): two windows of one seed in one slot share a record carrying the
    // hull, the higher risk and that risk's message; on equal risk the earlier window's message
    // stays.
    for (name, windows) in [
        (
            "merge: overlapping windows of the static seed, the later one of higher risk",
            vec![(NOW + 10, NOW + 100, 1, 0), (NOW + 80, NOW + 170, 2, 1)],
        ),
        (
            "merge: overlapping windows, the earlier one of higher risk keeps its message",
            vec![(NOW + 10, NOW + 100, 2, 0), (NOW + 80, NOW + 170, 1, 1)],
        ),
        (
            "merge: equal risk, different messages: the earlier window's message stays",
            vec![(NOW + 10, NOW + 100, 1, 0), (NOW + 80, NOW + 170, 1, 1)],
        ),
        (
            "merge: equal risk, the later-added window starts first: the first-added message stays",
            vec![(NOW + 80, NOW + 170, 1, 1), (NOW + 10, NOW + 100, 1, 0)],
        ),
        (
            "merge: two disjoint windows in one slot share a record with their hull",
            vec![(NOW + 1, NOW + 5, 1, 0), (NOW + 20, NOW + 30, 1, 1)],
        ),
        (
            "merge: a hull of exactly 720 minutes is accepted",
            vec![(NOW, NOW + 60, 1, 0), (NOW + 30, NOW + 720, 2, 1)],
        ),
    ] {
        let case = merge_case(&windows);
        let out = run(&json!({}), &{
            let mut c = case.clone();
            c["op"] = json!("build_batch");
            c
        })
        .unwrap();
        accept.push(acc(name, "build_batch", b"", case, out));
    }
    // The records digest over several leaves, from the independent `records_mth`.
    for (name, records) in [
        ("records digest: no record", 0usize),
        ("records digest: one record, one leaf", 1),
        ("records digest: one full leaf", 16_384),
        ("records digest: a full leaf and one record", 16_385),
        ("records digest: two full leaves", 32_768),
        (
            "records digest: three leaves, the last of one record",
            32_769,
        ),
        ("records digest: five leaves", 65_540),
    ] {
        let bytes: Vec<u8> = (0..records * 40).map(|j| (j % 251) as u8).collect();
        accept.push(acc(
            name,
            "records_digest",
            b"",
            json!({"records": records}),
            json!({"leaves": records.div_ceil(16_384), "digest": h(records_mth(&bytes))}),
        ));
    }
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
        "description": "Exposure records (16-byte slot token || ChaCha20-Poly1305 of an 8-byte plaintext under the (seed, venue key, slot, batch id) seal key, zero nonce, token as AAD) and a whole HA-signed batch (label \"venuecode/v2/exposure-batch\") whose header carries the HA's chain position (sequence u64 from 1, previous = link of batch sequence - 1, zeros for sequence 1) and signs the digest of the sorted records: RFC 9162's Merkle Tree Hash (SHA-256, leaf hash SHA-256(0x00 || leaf), node SHA-256(0x01 || left || right)) whose leaves are the records in runs of 16,384 (the last run shorter); no record hashes to SHA-256(\"\"). records_digest cases compute it over `records` records whose bytes are b[j] = j mod 251. link = SHA-256(\"venuecode/v2/batch-link\" || 0x00 || header bytes before the signature). The rotating window crosses the venue's local midnight (UTC+08:00), so its records all use the seed of the local day it started. stream_batch cases run the sans-I/O BatchReader on the same bytes, fed in 37-byte pieces: any byte after the last record the header counts is TrailingBytes (after the digest check), as for a whole-batch decode. A record's message_index and risk are not checked against the batch when opening. build_batch cases run the HA's builder (SPEC §12.1) on windows of one seed (ha_seed signs, chain genesis) and open each record: windows of one seed in one slot share one record with the hull of the windows, the higher risk and its message (on equal risk the first-added window's message stays); a hull over 720 minutes or a message index outside the table is InvalidArgument.",
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
            "sequence": hdr.sequence,
            "previous": h(hdr.previous),
            "link": h(sha256(&[BATCH_LINK_LABEL, &[0], &bytes[..header_len - 64]])),
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
    raw_revocations_at(key, NOW + 5, after, up_to, up_to.max(3), entries, count)
}

fn raw_revocations_at(
    key: &SigningKey,
    issued_at: u32,
    after: u64,
    up_to: u64,
    head: u64,
    entries: &[(u64, u64, u32, u8)],
    count: Option<u32>,
) -> Vec<u8> {
    let mut b = vec![2];
    b.extend_from_slice(&key.key_id().0);
    b.extend_from_slice(&issued_at.to_be_bytes());
    b.extend_from_slice(&after.to_be_bytes());
    b.extend_from_slice(&up_to.to_be_bytes());
    b.extend_from_slice(&head.to_be_bytes());
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
                issued_at: um(NOW + 5),
                after,
                up_to: 3,
                head: 3,
                entries: es
                    .iter()
                    .map(|&(sequence, serial, revoked_at, r)| Revocation {
                        sequence,
                        serial,
                        revoked_at: um(revoked_at),
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
    // Pages and applying lists in order to one set.
    let page = |issued_at: u32, after: u64, up_to: u64, head: u64| {
        let es: Vec<_> = entries
            .iter()
            .copied()
            .filter(|e| e.0 > after && e.0 <= up_to)
            .collect();
        raw_revocations_at(&ra(), issued_at, after, up_to, head, &es, None)
    };
    let apply = |lists: Vec<Vec<u8>>| json!({"lists": lists.iter().map(h).collect::<Vec<_>>()});
    let applied = |cursor: u64, issued_at: u32, serials: &[u64]| json!({"cursor": cursor, "issued_at": issued_at, "serials": serials});
    let apply_accept = vec![
        acc(
            "apply: a full list",
            "apply_revocation_lists",
            b"",
            apply(vec![full.clone()]),
            applied(3, NOW + 5, &[3, 7, 12]),
        ),
        acc(
            "apply: two pages (up_to < head, then the rest)",
            "apply_revocation_lists",
            b"",
            apply(vec![page(NOW + 5, 0, 2, 3), page(NOW + 5, 2, 3, 3)]),
            applied(3, NOW + 5, &[3, 7, 12]),
        ),
        acc(
            "apply: a full list then a delta from its cursor",
            "apply_revocation_lists",
            b"",
            apply(vec![page(NOW, 0, 2, 2), page(NOW + 5, 2, 3, 3)]),
            applied(3, NOW + 5, &[3, 7, 12]),
        ),
        acc(
            "apply: an overlapping delta (after below the cursor)",
            "apply_revocation_lists",
            b"",
            apply(vec![page(NOW, 0, 2, 2), page(NOW + 5, 1, 3, 3)]),
            applied(3, NOW + 5, &[3, 7, 12]),
        ),
        acc(
            "apply: a newer full list replaces the set",
            "apply_revocation_lists",
            b"",
            apply(vec![
                page(NOW, 0, 2, 2),
                raw_revocations_at(&ra(), NOW + 5, 0, 3, 3, &entries[2..], None),
            ]),
            applied(3, NOW + 5, &[12]),
        ),
        acc(
            "apply: the same list twice",
            "apply_revocation_lists",
            b"",
            apply(vec![full.clone(), full.clone()]),
            applied(3, NOW + 5, &[3, 7, 12]),
        ),
    ];
    let apply_negative = vec![
        neg(
            "apply: a delta that skips sequences (gap)",
            "apply_revocation_lists",
            b"",
            Error::RevocationGap,
            apply(vec![page(NOW, 0, 1, 3), page(NOW + 5, 2, 3, 3)]),
        ),
        neg(
            "apply: order: a delta that is both a gap (after > cursor) and a rollback (issued earlier): gap first",
            "apply_revocation_lists",
            b"",
            Error::RevocationGap,
            apply(vec![page(NOW + 5, 0, 1, 3), page(NOW, 2, 3, 3)]),
        ),
        neg(
            "apply: a delta as the first list (gap from cursor 0)",
            "apply_revocation_lists",
            b"",
            Error::RevocationGap,
            apply(vec![delta.clone()]),
        ),
        neg(
            "apply: an older full list after a newer one (up_to below the cursor)",
            "apply_revocation_lists",
            b"",
            Error::Rollback,
            apply(vec![full.clone(), page(NOW, 0, 2, 2)]),
        ),
        neg(
            "apply: the same cursor but issued earlier (replayed older list)",
            "apply_revocation_lists",
            b"",
            Error::Rollback,
            apply(vec![full.clone(), page(NOW + 4, 0, 3, 3)]),
        ),
        neg(
            "apply: a list that fails verification is not applied",
            "apply_revocation_lists",
            b"",
            Error::RevocationListSignatureInvalid,
            apply(vec![flip(full.clone(), sig_at)]),
        ),
    ];
    json!({
        "description": "RA-signed revocation lists (label \"venuecode/v2/revocation-list\"): version, RA key id, issued_at, after, up_to, head (the RA's highest sequence; up_to <= head, else ValueOutOfRange; up_to < head means more pages follow, at most MAX_REVOCATION_PAGE = 10000 entries each), entries strictly increasing in sequence within (after, up_to]. A full list (after = 0) and a delta (after = 2). Reasons: 1 deactivated by the venue, 2 disabled by the authority, 3 superseded. apply_revocation_lists verifies and applies lists in order to one set: after > cursor is RevocationGap; up_to < cursor or issued_at below the last applied list's is Rollback; after = 0 replaces the set.",
        "context": context(),
        "full": {"after": 0, "up_to": 3, "head": 3, "issued_at": NOW + 5, "entries": entries.iter().map(|e| json!({
            "sequence": e.0, "serial": e.1, "revoked_at": e.2, "reason": e.3})).collect::<Vec<_>>(),
            "encoding": h(&full)},
        "delta": {"after": 2, "up_to": 3, "encoding": h(&delta)},
        "accept": vec![
            acc("full list verifies", "verify_revocation_list", &full, json!({}), json!(3)),
            acc("delta list verifies", "verify_revocation_list", &delta, json!({}), json!(3)),
            acc("empty list with after = up_to", "verify_revocation_list", raw_revocations(&ra(), 3, 3, &[], None), json!({}), json!(3)),
            acc("first page: up_to below head", "verify_revocation_list", page(NOW + 5, 0, 2, 3), json!({}), json!(2)),
        ].into_iter().chain(apply_accept).collect::<Vec<_>>(),
        "negative": vec![
            neg("empty", "decode_revocation_list", b"", Error::Empty, no.clone()),
            neg("unknown version", "decode_revocation_list", versioned(full.clone(), 9), Error::UnsupportedVersion { found: 9 }, no.clone()),
            neg("truncated by one byte", "decode_revocation_list", truncated(&full), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_revocation_list", appended(full.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("tampered serial", "verify_revocation_list", flip(full.clone(), 1 + 8 + 4 + 8 + 8 + 8 + 4 + 8 + 7), Error::RevocationListSignatureInvalid, no.clone()),
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
            neg("head below up_to", "decode_revocation_list", raw_revocations_at(&ra(), NOW + 5, 0, 3, 2, &entries, None), Error::ValueOutOfRange, no.clone()),
        ].into_iter().chain(apply_negative).collect::<Vec<_>>(),
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
    let mut b = vec![2];
    b.extend_from_slice(recipient);
    b.extend_from_slice(enc);
    b.extend_from_slice(&(ct.len() as u32).to_be_bytes());
    b.extend_from_slice(ct);
    b
}

fn guests() -> [GuestBookEntry; 2] {
    [
        GuestBookEntry::new(SERIAL, "卢伟", "18212341234", um(NOW), um(NOW + 45)).unwrap(),
        GuestBookEntry::new(
            SERIAL,
            "Zhang San",
            "+86 931-1234-5678",
            um(NOW + 10),
            um(NOW + 70),
        )
        .unwrap(),
    ]
}

/// The TAN inside the vectors' upload (the same one as the envelope vectors' TAN hash).
const UPLOAD_TAN: &str = "K7Q2-M9XD-4TZP";

/// An upload plaintext's version byte and length-prefixed TAN.
fn upload_head(tan: &[u8]) -> Vec<u8> {
    let mut b = vec![2, tan.len() as u8];
    b.extend_from_slice(tan);
    b
}

fn gen_sealed() -> Value {
    let enc_key = ha_enc().public_key();
    let kid = enc_key.key_id().0;
    let aad = appended(vec![2], &kid);
    let upload = Upload::new(
        UPLOAD_TAN,
        vec![
            UploadEntry::new(static_code(), um(NOW + 30), um(NOW + 200)).unwrap(),
            UploadEntry::new(rotating_code(), um(NOW + 1), um(NOW + 61)).unwrap(),
        ],
    )
    .unwrap();
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
    let bundle = sealed::SealedBundle::new(vec![s1.clone(), s2.clone()])
        .unwrap()
        .encode();

    let m = master();
    let e = local_epoch(um(NOW), OFFSET);
    let seeds = vec![
        (e - 2, m.rotating_seed(e - 2)),
        (e - 1, m.rotating_seed(e - 1)),
        (e, m.rotating_seed(e)),
    ];
    // The release plaintext built by hand: version, venue key, count, (epoch, seed)..., then the
    // venue's signature over those bytes followed by the recipient key id.
    let release_tbs = |key: &PublicKey, seeds: &[(Epoch, Seed)]| {
        let mut b = vec![2];
        b.extend_from_slice(key.as_bytes());
        b.push(seeds.len() as u8);
        for (ep, sd) in seeds {
            b.extend_from_slice(&ep.get().to_be_bytes());
            b.extend_from_slice(sd.expose());
        }
        b
    };
    let release_plain_with = |tbs: &[u8], signer: &SigningKey, recipient: &[u8; 8]| {
        let sig = signer.sign(SEED_RELEASE_LABEL, &appended(tbs.to_vec(), recipient));
        appended(tbs.to_vec(), &sig)
    };
    let rtbs = release_tbs(&venue().public_key(), &seeds);
    let release_plain = release_plain_with(&rtbs, &venue(), &kid);
    let release = SeedRelease::sign(&venue(), seeds.clone(), &enc_key.key_id()).unwrap();
    assert_eq!(
        release.encode(),
        release_plain,
        "independent seed-release encoder"
    );
    let sealed_release =
        seal_with_ikm(&enc_key, SEED_RELEASE_INFO, &release_plain, &IKM_SEEDS).unwrap();
    let ssr = sealed_release.encode();
    let seal_release = |plain: &[u8]| {
        seal_with_ikm(&enc_key, SEED_RELEASE_INFO, plain, &IKM_SEEDS)
            .unwrap()
            .encode()
    };
    let other_kid = DecryptionKey::derive(&[0x33; 32])
        .unwrap()
        .public_key()
        .key_id()
        .0;
    let up_info = json!({"info": "venuecode/v2/upload"});
    let gb_info = json!({"info": "venuecode/v2/guest-book"});
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
    let gb_raw = |name: &[u8], phone: &[u8], a: u32, d: u32| {
        let mut b = vec![2];
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
            versioned(su.clone(), 1),
            Error::UnsupportedVersion { found: 1 },
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
                let mut b = upload_head(UPLOAD_TAN.as_bytes());
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
                b[2 + UPLOAD_TAN.len() + 2 + 2] ^= 0xff;
                b
            },
            Error::UnsupportedVersion { found: 0xfd },
            no.clone(),
        ),
        neg(
            "upload: unknown version",
            "decode_upload",
            versioned(upload_plain.clone(), 1),
            Error::UnsupportedVersion { found: 1 },
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
            "upload: an empty TAN",
            "decode_upload",
            appended(upload_head(b""), &[0, 0]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: a TAN of 9 characters (shortest is 10)",
            "decode_upload",
            appended(upload_head(b"K7Q2-M9XD"), &[0, 0]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: a TAN of 65 characters (longest is 64)",
            "decode_upload",
            appended(upload_head(&[b'K'; 65]), &[0, 0]),
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "upload: a TAN with a space (not printable ASCII)",
            "decode_upload",
            appended(upload_head(b"K7Q2 M9XD 4TZP"), &[0, 0]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: a TAN with a control character",
            "decode_upload",
            appended(upload_head(b"K7Q2-M9XD\n4TZP"), &[0, 0]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: a TAN with a non-ASCII character",
            "decode_upload",
            appended(upload_head("K7Q2-M9XD-4TZÉ".as_bytes()), &[0, 0]),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "upload: an entry whose code field has length 0 (a nested empty field is Empty)",
            "decode_upload",
            {
                let mut b = upload_head(UPLOAD_TAN.as_bytes());
                b.extend_from_slice(&[0, 1, 0, 0]);
                b.extend_from_slice(&(NOW + 30).to_be_bytes());
                b.extend_from_slice(&(NOW + 200).to_be_bytes());
                b
            },
            Error::Empty,
            no.clone(),
        ),
        neg(
            "unpad: 10 bytes of content padded to 1024 (not the smallest bucket, 256)",
            "unpad",
            {
                let mut p = pad(&[0x61; 10]).unwrap().to_vec();
                p.resize(1024, 0);
                p
            },
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "unpad: 252 bytes of content (fills 256 exactly) padded to 1024",
            "unpad",
            {
                let mut p = pad(&[0x61; 252]).unwrap().to_vec();
                assert_eq!(p.len(), 256);
                p.resize(1024, 0);
                p
            },
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "unpad: an empty content padded to 2048",
            "unpad",
            {
                let mut p = pad(&[]).unwrap().to_vec();
                p.resize(2048, 0);
                p
            },
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "the upload padded to the bucket above the smallest that holds it",
            "open_sealed",
            bad_pad(&|p| {
                let at = sealed::PAD_BUCKETS.iter().position(|b| *b == p.len()).unwrap();
                p.resize(sealed::PAD_BUCKETS[at + 1], 0)
            }),
            Error::NonCanonical,
            up_info.clone(),
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
            "guest book: name with a C1 control character (U+0085)",
            "decode_guest_book",
            gb_raw("卢\u{85}伟".as_bytes(), b"18212341234", NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: phone with a C1 control character (U+0085)",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), "182\u{85}12341234".as_bytes(), NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: phone with a no-break space (U+00A0)",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), "182\u{a0}12341234".as_bytes(), NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "guest book: phone with full-width digits",
            "decode_guest_book",
            gb_raw("卢伟".as_bytes(), "１８２１２３".as_bytes(), NOW, NOW + 45),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "seed release: epochs not increasing",
            "decode_seed_release",
            release_plain_with(&release_tbs(&venue().public_key(), &[seeds[1].clone(), seeds[0].clone()]), &venue(), &kid),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "seed release: duplicate epoch",
            "decode_seed_release",
            release_plain_with(&release_tbs(&venue().public_key(), &[seeds[0].clone(), seeds[0].clone()]), &venue(), &kid),
            Error::NonCanonical,
            no.clone(),
        ),
        neg(
            "seed release: 61 seeds",
            "decode_seed_release",
            {
                let mut b = vec![2];
                b.extend_from_slice(venue().public_key().as_bytes());
                b.push(61);
                b
            },
            Error::TooLarge,
            no.clone(),
        ),
        neg(
            "seed release: weak venue key",
            "decode_seed_release",
            {
                let mut b = release_plain.clone();
                b[1..33].copy_from_slice(&hex::decode(WEAK_ED25519[0].1).unwrap());
                b
            },
            Error::WeakPublicKey,
            no.clone(),
        ),
        neg(
            "seed release: truncated signature",
            "decode_seed_release",
            truncated(&release_plain),
            Error::Truncated,
            no.clone(),
        ),
        neg(
            "sealed seed release: tampered signature",
            "open_seed_release",
            seal_release(&with_last(release_plain.clone(), |b| *b ^= 1)),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "sealed seed release: wrong venue key inside (signed by the venue, names a stranger's key)",
            "open_seed_release",
            seal_release(&release_plain_with(&release_tbs(&other().public_key(), &seeds), &venue(), &kid)),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "sealed seed release: names the venue's key, signed by another key",
            "open_seed_release",
            seal_release(&release_plain_with(&rtbs, &other(), &kid)),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "sealed seed release: signed for another HA encryption key, sealed to this one",
            "open_seed_release",
            seal_release(&release_plain_with(&rtbs, &venue(), &other_kid)),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "sealed seed release: signature without the recipient key id",
            "open_seed_release",
            seal_release(&appended(rtbs.clone(), &venue().sign(SEED_RELEASE_LABEL, &rtbs))),
            Error::SeedReleaseSignatureInvalid,
            no.clone(),
        ),
        neg(
            "sealed seed release: sealed with the upload info string",
            "open_seed_release",
            seal_with_ikm(&enc_key, UPLOAD_INFO, &release_plain, &IKM_SEEDS).unwrap().encode(),
            Error::OpenFailed,
            no.clone(),
        ),
        neg(
            "bundle: 10001 items",
            "decode_bundle",
            {
                let mut b = vec![2];
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

    // The HA's checks of each uploaded check-in (UploadEntry::check_claim).
    let rb = rotating_code().encode();
    let sb = static_code().encode();
    let claim = |a: u32, d: u32, r: u32| json!({"arrival": a, "departure": d, "received_at": r});
    let until = NOW + time::DEFAULT_DISPLAY_VALIDITY_MINUTES;
    let claim_accept = vec![
        acc("claim: static code, stay inside the certificate validity", "check_claim", &sb, claim(NOW + 30, NOW + 200, NOW + 300), Value::Null),
        acc("claim: departure at received_at + skew", "check_claim", &sb, claim(NOW, NOW + 62, NOW + 60), Value::Null),
        acc("claim: a stay of exactly 720 minutes", "check_claim", &sb, claim(NOW, NOW + 720, NOW + 800), Value::Null),
        acc("claim: static code, arrival at valid_from", "check_claim", &sb, claim(VALID_FROM, VALID_FROM + 60, NOW), Value::Null),
        acc("claim: rotating code, arrival at the first minute it could be shown (valid_until - 12)", "check_claim", &rb, claim(until - 12, until + 60, NOW + 300), Value::Null),
        acc("claim: rotating code, arrival at valid_until + skew - 1", "check_claim", &rb, claim(until + 1, until + 60, NOW + 300), Value::Null),
    ];
    let claim_negative = vec![
        neg("claim: a stay of 721 minutes", "check_claim", &sb, Error::ValueOutOfRange, claim(NOW, NOW + 721, NOW + 800)),
        neg("claim: departure after received_at + skew", "check_claim", &sb, Error::ValueOutOfRange, claim(NOW, NOW + 63, NOW + 60)),
        neg("claim: departure before arrival", "check_claim", &sb, Error::ValueOutOfRange, claim(NOW, NOW - 1, NOW + 60)),
        neg("claim: static code, arrival before the certificate validity", "check_claim", &sb, Error::CertificateNotYetValid, claim(VALID_FROM - 1, VALID_FROM + 60, NOW)),
        neg("claim: static code, arrival after the certificate validity", "check_claim", &sb, Error::CertificateExpired, claim(VALID_UNTIL, VALID_UNTIL + 60, VALID_UNTIL + 100)),
        neg("claim: rotating code, arrival before it could be shown (a photographed code claiming earlier hours)", "check_claim", &rb, Error::ClaimOutsideDisplayWindow, claim(until - 13, until + 60, NOW + 300)),
        neg("claim: rotating code, arrival at valid_until + skew (a photographed code claiming later hours)", "check_claim", &rb, Error::ClaimOutsideDisplayWindow, claim(until + 2, until + 60, NOW + 300)),
        neg("claim: the stay length is checked before the display window", "check_claim", &rb, Error::ValueOutOfRange, claim(until + 100, until + 900, NOW + 2000)),
    ];
    json!({
        "description": "Messages sealed to the HA with HPKE base mode (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305), fixed ephemeral IKM: a case's upload, two guest-book entries in a bundle, and a seed release. The upload plaintext is version 2 || tan_len u8 (10..=64) || TAN (printable ASCII, 0x21..=0x7e; the TAN the HA issued, whose hash alone travels in the Venuecode-Tan-Hash header) || count u16 (0..=300) || (code_len u16, code, arrival u32, departure u32)...; an empty, short or non-printable TAN is NonCanonical, a TAN length over 64 TooLarge. AAD = 0x02 || recipient key id; plaintext = u32 length || content || zeros, padded to a bucket. The seed release plaintext is version 2 || venue key || count || (epoch u32, seed)... || signature, the venue key's signature over label \"venuecode/v2/seed-release\" || 0x00 || the bytes before the signature || the recipient's 8-byte key id; what the venue uploads is just the sealed message. check_claim cases are the HA's checks of each uploaded check-in: stay at most 720 minutes, departure no later than received_at + 2, a rotating code's arrival within [valid_until - 12, valid_until + 2), a static code's arrival within the certificate validity.",
        "context": context(),
        "ha_encryption_public_key": h(enc_key.as_bytes()),
        "ha_encryption_key_id": h(kid),
        "aad": h(&aad),
        "padding_buckets": sealed::PAD_BUCKETS,
        "upload": {
            "info": "venuecode/v2/upload",
            "ikm_e": h(IKM_UPLOAD),
            "content": h(&upload_plain),
            "padded_length": padded.len(),
            "enc": h(sealed_upload.enc()),
            "encoding": h(&su),
        },
        "guest_book": [
            {"name": g1.name(), "phone": g1.phone(), "arrival": g1.arrival(), "departure": g1.departure(),
             "info": "venuecode/v2/guest-book", "ikm_e": h(IKM_GUEST_1), "content": h(g1.encode()), "encoding": h(s1.encode())},
            {"name": g2.name(), "phone": g2.phone(), "arrival": g2.arrival(), "departure": g2.departure(),
             "info": "venuecode/v2/guest-book", "ikm_e": h(IKM_GUEST_2), "content": h(g2.encode()), "encoding": h(s2.encode())},
        ],
        "bundle": h(&bundle),
        "seed_release": {
            "info": "venuecode/v2/seed-release",
            "ikm_e": h(IKM_SEEDS),
            "venue_public_key": h(venue().public_key().as_bytes()),
            "epochs": seeds.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
            "recipient_key_id": h(kid),
            "signed_message": h(appended(appended(appended(SEED_RELEASE_LABEL.to_vec(), &[0]), &rtbs), &kid)),
            "content": h(&release_plain),
            "encoding": h(&ssr),
        },
        "accept": vec![
            acc("open the upload", "open_sealed", &su, up_info.clone(), json!(h(&upload_plain))),
            acc("the upload content decodes", "decode_upload", &upload_plain, no.clone(), json!(h(&upload_plain))),
            acc("open the first guest-book entry", "open_sealed", s1.encode(), gb_info.clone(), json!(h(g1.encode()))),
            acc("open the second guest-book entry", "open_sealed", s2.encode(), gb_info.clone(), json!(h(g2.encode()))),
            acc("the bundle decodes", "decode_bundle", &bundle, no.clone(), json!(h(&bundle))),
            acc("the seed release opens and verifies", "open_seed_release", &ssr, no.clone(), json!({"venue_key": h(venue().public_key().as_bytes()), "epochs": seeds.iter().map(|(e, _)| *e).collect::<Vec<_>>()})),
            acc("the seed release content decodes", "decode_seed_release", &release_plain, no.clone(), json!(h(&release_plain))),
            acc("guest book: a format character (U+200E) in a name is not a control character", "decode_guest_book", gb_raw("卢\u{200e}伟".as_bytes(), b"18212341234", NOW, NOW + 45), no.clone(), json!(h(gb_raw("卢\u{200e}伟".as_bytes(), b"18212341234", NOW, NOW + 45)))),
            acc("unpad", "unpad", &padded, no.clone(), json!(h(&upload_plain))),
            acc("an upload with no entries decodes", "decode_upload", appended(upload_head(UPLOAD_TAN.as_bytes()), &[0, 0]), no.clone(), json!(h(appended(upload_head(UPLOAD_TAN.as_bytes()), &[0, 0])))),
            acc("an upload whose TAN is 64 printable characters decodes", "decode_upload", appended(upload_head(&[b'~'; 64]), &[0, 0]), no.clone(), json!(h(appended(upload_head(&[b'~'; 64]), &[0, 0])))),
            acc("unpad: 10 bytes of content in the smallest bucket (256)", "unpad", pad(&[0x61; 10]).unwrap(), no.clone(), json!(h([0x61; 10]))),
            acc("unpad: 252 bytes of content fill the 256 bucket exactly", "unpad", pad(&[0x61; 252]).unwrap(), no.clone(), json!(h([0x61; 252]))),
            acc("unpad: 253 bytes of content take the 1024 bucket (the smallest that holds 257)", "unpad", { let p = pad(&[0x61; 253]).unwrap().to_vec(); assert_eq!(p.len(), 1024); p }, no.clone(), json!(h([0x61; 253]))),
            acc("unpad: an empty content in the 256 bucket", "unpad", pad(&[]).unwrap(), no.clone(), json!("")),
        ].into_iter().chain(claim_accept).collect::<Vec<_>>(),
        "negative": negative.into_iter().chain(claim_negative).collect::<Vec<_>>(),
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
    let mut signed = vec![2];
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
    // 97 bytes take 130 base64 characters; the last carries 2 bits of data and 4 that must be 0.
    let header = env.to_header();
    assert_eq!(header.len(), 130);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = alphabet
        .iter()
        .position(|c| *c == header.as_bytes()[129])
        .unwrap();
    assert_eq!(last & 0x0f, 0);
    let trailing_bits = format!("{}{}", &header[..129], alphabet[last | 1] as char);
    json!({
        "description": "Signed request envelopes (label \"venuecode/v2/request\"; signed body: version, key id, timestamp, nonce, method, path with query, SHA-256 of the HTTP body) with fixed nonce and timestamp, their header form (unpadded base64url; padding, the standard alphabet and non-zero trailing bits are refused), and TAN hashes SHA-256(\"venuecode/v2/tan\" || 0x00 || tan).",
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
            neg("unknown version", "decode_envelope", versioned(eb.clone(), 1), Error::UnsupportedVersion { found: 1 }, no.clone()),
            neg("truncated", "decode_envelope", truncated(&eb), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_envelope", appended(eb.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("header with padding", "envelope_from_header", b"", Error::NonCanonical, json!({"text": format!("{}==", env.to_header())})),
            neg("header in standard base64 alphabet", "envelope_from_header", b"", Error::NonCanonical, json!({"text": format!("{}+", &env.to_header()[1..])})),
            neg("header with non-zero trailing bits in its last character", "envelope_from_header", b"", Error::NonCanonical, json!({"text": trailing_bits})),
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
    let e = local_epoch(um(NOW), OFFSET);
    let vk = venue().public_key();
    let st = m.static_seed().slot_keys(&vk).count_tag(e);
    let ro = m.rotating_seed(e).slot_keys(&vk).count_tag(e);
    let ping = CountPing {
        venue_key_id: vk.key_id(),
        tag: st,
    }
    .encode();
    let mut raw = vec![2];
    raw.extend_from_slice(&vk.key_id().0);
    raw.extend_from_slice(&st.0);
    assert_eq!(raw, ping, "independent ping encoder");
    let reg_raw = |pairs: &[(Epoch, [u8; 16])], count: Option<u16>| {
        let mut b = vec![2];
        b.extend_from_slice(&count.unwrap_or(pairs.len() as u16).to_be_bytes());
        for (ep, t) in pairs {
            b.extend_from_slice(&ep.get().to_be_bytes());
            b.extend_from_slice(t);
        }
        b
    };
    let next = m.static_seed().slot_keys(&vk).count_tag(e + 1);
    let (lo, hi) = if st.0 < ro.0 {
        (st.0, ro.0)
    } else {
        (ro.0, st.0)
    };
    let reg = reg_raw(&[(e, lo), (e, hi), (e + 1, next.0)], None);
    let decoded = CountTagRegistration::decode(&reg).unwrap();
    assert_eq!(decoded.encode(), reg);
    let no = json!({});
    let today = |t: Epoch| json!({"today": t});
    let sixty_five: Vec<(Epoch, [u8; 16])> = (0..65).map(|i| (e, [i as u8; 16])).collect();
    json!({
        "description": "Count pings, one per request: version 2 || venue key id [8] || count tag [16] (25 bytes). The tag is HKDF-Expand(PRK(seed, venue key), \"count\" || local epoch, 16). A venue registers its tags (in a request signed by its venue key) as version 2 || u16 count (1 to 64) || (epoch u32, tag [16])..., pairs strictly increasing by epoch then tag; the server refuses epochs outside [today - 14, today + 1] of the venue's local day and counts a ping only when that venue key registered that tag.",
        "epoch": e,
        "venue_key_id": vk.key_id().to_hex(),
        "static_tag": h(st.0),
        "rotating_tag": h(ro.0),
        "ping": h(&ping),
        "registration": h(&reg),
        "accept": [
            acc("one ping", "decode_count_ping", &ping, no.clone(), json!(h(&ping))),
            acc("a registration of three tags over two days", "decode_count_tags", &reg, no.clone(), json!(h(&reg))),
            acc("registration epochs within [today - 14, today + 1]: today", "check_count_tag_epochs", &reg, today(e), Value::Null),
            acc("registration epochs within [today - 14, today + 1]: the last day still counted", "check_count_tag_epochs", &reg, today(e + 14), Value::Null),
            acc("registration of 64 tags", "decode_count_tags", reg_raw(&sixty_five[..64], None), no.clone(), json!(h(reg_raw(&sixty_five[..64], None)))),
        ],
        "negative": [
            neg("ping: empty", "decode_count_ping", b"", Error::Empty, no.clone()),
            neg("ping: version 1 (the v1 batch of pings)", "decode_count_ping", versioned(ping.clone(), 1), Error::UnsupportedVersion { found: 1 }, no.clone()),
            neg("ping: truncated", "decode_count_ping", truncated(&ping), Error::Truncated, no.clone()),
            neg("ping: only the version and key id", "decode_count_ping", &ping[..9], Error::Truncated, no.clone()),
            neg("ping: trailing byte", "decode_count_ping", appended(ping.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("ping: two tags in one request", "decode_count_ping", appended(ping.clone(), &ro.0), Error::TrailingBytes, no.clone()),
            neg("registration: no tags", "decode_count_tags", reg_raw(&[], None), Error::NonCanonical, no.clone()),
            neg("registration: 65 tags", "decode_count_tags", reg_raw(&sixty_five, None), Error::TooLarge, no.clone()),
            neg("registration: tags of one day out of order", "decode_count_tags", reg_raw(&[(e, hi), (e, lo)], None), Error::NonCanonical, no.clone()),
            neg("registration: days out of order", "decode_count_tags", reg_raw(&[(e + 1, next.0), (e, lo)], None), Error::NonCanonical, no.clone()),
            neg("registration: repeated pair", "decode_count_tags", reg_raw(&[(e, lo), (e, lo)], None), Error::NonCanonical, no.clone()),
            neg("registration: count larger than the pairs present", "decode_count_tags", reg_raw(&[(e, lo)], Some(2)), Error::Truncated, no.clone()),
            neg("registration: an epoch two days ahead", "check_count_tag_epochs", &reg, Error::ValueOutOfRange, today(e - 1)),
            neg("registration: an epoch older than the retention period", "check_count_tag_epochs", &reg, Error::ValueOutOfRange, today(e + 15)),
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
        OFFSET,
    )
    .unwrap();
    let cert = VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra().key_id(),
            serial: 1_000_000,
            venue_key: venue().public_key(),
            info,
            valid_from: um(VALID_FROM),
            valid_until: um(VALID_UNTIL),
        },
        &ra(),
    )
    .unwrap();
    let st = VenueCode::new_static(cert.clone(), &master(), &venue()).unwrap();
    let rot = VenueCode::new_rotating(cert.clone(), &master(), &venue(), um(NOW)).unwrap();
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
        "description": "Size budget: the static and the rotating code for a venue with a 20-character Chinese name and a 30-character Chinese address, under the default base URL, both fit a version 15 QR symbol at level M (3320 data bits) as a byte-mode segment for \"https://vc.example/c#\" and a numeric-mode segment for the digits. Certificate = 131 + name + address bytes, static code = 98 + certificate, rotating code = 103 + certificate (epoch_back u8 and valid_until u32).",
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
    assert_eq!(doc["rotating"]["fits_version_15_m"], json!(true));
    let cert = num(&doc["certificate_bytes"]);
    assert_eq!(
        cert,
        131 + num(&doc["name_bytes"]) + num(&doc["address_bytes"])
    );
    assert_eq!(num(&doc["static"]["bytes"]), 98 + cert);
    assert_eq!(num(&doc["rotating"]["bytes"]), 103 + cert);
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
    assert_eq!(h(ours.enc()), doc["enc"].as_str().unwrap());
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

// ---------------------------------------------------------------------------------------------
// checkpoint.json
// ---------------------------------------------------------------------------------------------

/// Runs a phone's `ChainState` over `steps` (checkpoints and whole batches, each batch read with
/// the `BatchReader` and then offered to the chain), and reports the head and the status at
/// `now`. The first failing step is the case's error.
#[allow(clippy::too_many_arguments)]
fn raw_checkpoint(
    key: &SigningKey,
    key_id: [u8; 8],
    issued_at: u32,
    sequence: u64,
    head: [u8; 32],
    retained_from: u64,
    retained_previous: [u8; 32],
    label: &[u8],
) -> Vec<u8> {
    let mut b = vec![2];
    b.extend_from_slice(&key_id);
    b.extend_from_slice(&issued_at.to_be_bytes());
    b.extend_from_slice(&sequence.to_be_bytes());
    b.extend_from_slice(&head);
    b.extend_from_slice(&retained_from.to_be_bytes());
    b.extend_from_slice(&retained_previous);
    appended(b.clone(), &key.sign(label, &b))
}

fn chain_batch(after: ChainHead, id: u8, created_at: UnixMinute) -> ExposureBatch {
    let mut b =
        BatchBuilder::with_id(after, [id; 16], created_at, vec![MESSAGES[0].to_owned()]).unwrap();
    b.add(&ExposureWindow {
        seed: master().static_seed(),
        venue_key: venue().public_key(),
        start: created_at - 120,
        end: created_at - 60,
        risk: RiskLevel::LOW,
        message_index: 0,
    })
    .unwrap();
    b.sign(&ha()).unwrap()
}

fn gen_checkpoint() -> Value {
    let b1 = chain_batch(ChainHead::GENESIS, 1, um(NOW + 100));
    let b2 = chain_batch(b1.chain_head(), 2, um(NOW + 200));
    let b3 = chain_batch(b2.chain_head(), 3, um(NOW + 300));
    let fork3 = chain_batch(b2.chain_head(), 0x33, um(NOW + 310));
    let fork4 = chain_batch(fork3.chain_head(), 0x34, um(NOW + 320));
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
    let cp = |issued_at: UnixMinute, head: ChainHead, retained: (u64, [u8; 32])| {
        Checkpoint::sign(
            CheckpointBody::new(ha().key_id(), issued_at, head, retained),
            &ha(),
        )
        .unwrap()
        .encode()
    };
    let none_expired = retained_range(&ledger, um(NOW)).unwrap();
    assert_eq!(none_expired, (1, [0; 32]));
    let two_expired = retained_range(&ledger, um(NOW + 250)).unwrap();
    assert_eq!(two_expired, (3, b2.link()));
    let all_expired = retained_range(&ledger, um(NOW + 301)).unwrap();
    assert_eq!(all_expired, (4, b3.link()));
    let cp3 = cp(um(NOW + 400), b3.chain_head(), none_expired);
    let hk = ha().key_id().0;
    assert_eq!(
        raw_checkpoint(
            &ha(),
            hk,
            NOW + 400,
            3,
            b3.link(),
            1,
            [0; 32],
            CHECKPOINT_LABEL
        ),
        cp3,
        "independent checkpoint encoder"
    );
    let cp2 = cp(um(NOW + 250), b2.chain_head(), none_expired);
    let cp3_earlier = cp(um(NOW + 350), b3.chain_head(), none_expired);
    let cp2_later = cp(um(NOW + 500), b2.chain_head(), none_expired);
    let cp_fork = cp(um(NOW + 450), fork3.chain_head(), none_expired);
    let cp_two_expired = cp(um(NOW + 500), b3.chain_head(), two_expired);
    let cp_all_expired = cp(um(NOW + 500), b3.chain_head(), all_expired);
    let cp_empty = cp(um(NOW), ChainHead::GENESIS, (1, [0; 32]));
    let sig_at = cp3.len() - 64;
    let batch_docs: Vec<Value> = [&b1, &b2, &b3]
        .iter()
        .map(|b| {
            json!({
                "sequence": b.header().header().sequence,
                "previous": h(b.header().header().previous),
                "link": h(b.link()),
                "created_at": b.header().header().created_at,
                "encoding": h(b.encode()),
            })
        })
        .collect();
    let no = json!({});
    let bat = |b: &ExposureBatch| json!({"batch": h(b.encode())});
    let chk = |c: &[u8]| json!({"checkpoint": h(c)});
    let chain = |steps: Vec<Value>, now: u32| json!({"steps": steps, "now": now});
    let status = |head: u64, s: Value| json!({"head": head, "status": s});
    let ok = || json!("ok");
    let withheld = |from: u64, to: u64| json!({"withheld": [from, to]});
    let rawc = |issued_at, sequence, head, from, prev| {
        raw_checkpoint(
            &ha(),
            hk,
            issued_at,
            sequence,
            head,
            from,
            prev,
            CHECKPOINT_LABEL,
        )
    };
    let now = NOW + 401;
    json!({
        "description": "The exposure-batch hash chain. A checkpoint (HA-signed, label \"venuecode/v2/checkpoint\") is version 2 || ha_key_id [8] || issued_at u32 || sequence u64 (latest batch; 0 = none) || head [32] (its link; zeros when sequence = 0) || retained_from u64 (lowest sequence still served, 1..=sequence + 1) || retained_previous [32] (link of batch retained_from - 1; zeros when retained_from = 1; the head when retained_from = sequence + 1) || signature [64]. Three batches of one chain (and a fork of batch 3) and the phone's ChainState over steps: each batch must extend the head (sequence + 1, previous = head link) or, for a phone behind the oldest retained batch, start at retained_from with retained_previous; a batch at a checkpoint's sequence must have its head link; a checkpoint issued earlier or naming a lower sequence than the held one or the head is Rollback; a gap, reorder, repeat or fork is BatchChainBroken. Status at now: withheld [from, to] when the checkpoint names still-served batches beyond the head, stale when there is no checkpoint or it is more than 2880 minutes old, else ok.",
        "context": context(),
        "batches": batch_docs,
        "fork_batch_3": {"previous": h(fork3.header().header().previous), "link": h(fork3.link()), "encoding": h(fork3.encode())},
        "retention": [
            {"expire_before": NOW, "retained_from": 1, "retained_previous": h([0u8; 32])},
            {"expire_before": NOW + 250, "retained_from": 3, "retained_previous": h(b2.link())},
            {"expire_before": NOW + 301, "retained_from": 4, "retained_previous": h(b3.link())},
        ],
        "checkpoint": {
            "issued_at": NOW + 400,
            "sequence": 3,
            "head": h(b3.link()),
            "retained_from": 1,
            "signed_message": h(appended(appended(CHECKPOINT_LABEL.to_vec(), &[0]), &cp3[..sig_at])),
            "encoding": h(&cp3),
        },
        "accept": [
            acc("checkpoint decodes", "decode_checkpoint", &cp3, no.clone(), json!(h(&cp3))),
            acc("checkpoint verifies", "verify_checkpoint", &cp3, no.clone(), json!(3)),
            acc("checkpoint of an HA with no batch yet", "verify_checkpoint", &cp_empty, no.clone(), json!(0)),
            acc("checkpoint with batches 1 and 2 expired", "verify_checkpoint", &cp_two_expired, no.clone(), json!(3)),
            acc("checkpoint with every batch expired", "verify_checkpoint", &cp_all_expired, no.clone(), json!(3)),
            acc("chain: three batches then their checkpoint", "chain", b"", chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp3)], now), status(3, ok())),
            acc("chain: the checkpoint first, then the batches", "chain", b"", chain(vec![chk(&cp3), bat(&b1), bat(&b2), bat(&b3)], now), status(3, ok())),
            acc("chain: a newer checkpoint replaces an older one", "chain", b"", chain(vec![chk(&cp2), bat(&b1), bat(&b2), chk(&cp3), bat(&b3)], now), status(3, ok())),
            acc("chain: batch 3 withheld (gap up to the checkpoint)", "chain", b"", chain(vec![chk(&cp3), bat(&b1), bat(&b2)], now), status(2, withheld(3, 3))),
            acc("chain: nothing read yet", "chain", b"", chain(vec![chk(&cp3)], now), status(0, withheld(1, 3))),
            acc("chain: no checkpoint at all is stale", "chain", b"", chain(vec![bat(&b1)], now), status(1, json!("stale"))),
            acc("chain: checkpoint exactly 2880 minutes old", "chain", b"", chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp3)], NOW + 400 + 2880), status(3, ok())),
            acc("chain: checkpoint 2881 minutes old is stale", "chain", b"", chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp3)], NOW + 400 + 2881), status(3, json!("stale"))),
            acc("chain: a shorter stale bound (60 minutes)", "chain", b"", {
                let mut c = chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp3)], NOW + 461);
                c["stale_minutes"] = json!(60);
                c
            }, status(3, json!("stale"))),
            acc("chain: a new phone starts at retained_from when older batches expired", "chain", b"", chain(vec![chk(&cp_two_expired), bat(&b3)], NOW + 501), status(3, ok())),
            acc("chain: a new phone is told only the still-served batches are missing, not the expired ones", "chain", b"", chain(vec![chk(&cp_two_expired)], NOW + 501), status(0, withheld(3, 3))),
            acc("chain: a checkpoint below the phone's head (a cached copy) is taken; the batches read stay", "chain", b"", chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp2_later)], now), status(3, ok())),
            acc("chain: every batch expired: nothing to read", "chain", b"", chain(vec![chk(&cp_all_expired)], NOW + 501), status(0, ok())),
            acc("chain: an equal checkpoint (same issued_at and sequence) is accepted again", "chain", b"", chain(vec![chk(&cp3), bat(&b1), bat(&b2), bat(&b3), chk(&cp3)], now), status(3, ok())),
            acc("chain: an equal checkpoint before any batch is accepted again", "chain", b"", chain(vec![chk(&cp3), chk(&cp3), bat(&b1)], now), status(1, withheld(2, 3))),
            acc("chain: withheld takes precedence over stale (batch 3 missing, checkpoint 2881 minutes old)", "chain", b"", chain(vec![chk(&cp3), bat(&b1), bat(&b2)], NOW + 400 + 2881), status(2, withheld(3, 3))),
        ],
        "negative": [
            neg("empty", "decode_checkpoint", b"", Error::Empty, no.clone()),
            neg("version 1", "decode_checkpoint", versioned(cp3.clone(), 1), Error::UnsupportedVersion { found: 1 }, no.clone()),
            neg("truncated by one byte", "decode_checkpoint", truncated(&cp3), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_checkpoint", appended(cp3.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("sequence 0 with a non-zero head", "decode_checkpoint", rawc(NOW, 0, b3.link(), 1, [0; 32]), Error::NonCanonical, no.clone()),
            neg("order: sequence 0 with a non-zero head, cut inside the signature (the body is checked first)", "decode_checkpoint", { let b = rawc(NOW, 0, b3.link(), 1, [0; 32]); b[..b.len() - 32].to_vec() }, Error::NonCanonical, no.clone()),
            neg("order: retained_from 0, cut inside the signature", "decode_checkpoint", { let b = rawc(NOW, 3, b3.link(), 0, [0; 32]); b[..b.len() - 1].to_vec() }, Error::ValueOutOfRange, no.clone()),
            neg("retained_from 0", "decode_checkpoint", rawc(NOW, 3, b3.link(), 0, [0; 32]), Error::ValueOutOfRange, no.clone()),
            neg("retained_from above sequence + 1", "decode_checkpoint", rawc(NOW, 3, b3.link(), 5, b3.link()), Error::ValueOutOfRange, no.clone()),
            neg("retained_from 1 with a non-zero retained_previous", "decode_checkpoint", rawc(NOW, 3, b3.link(), 1, b1.link()), Error::NonCanonical, no.clone()),
            neg("everything expired but retained_previous is not the head", "decode_checkpoint", rawc(NOW, 3, b3.link(), 4, b2.link()), Error::NonCanonical, no.clone()),
            neg("tampered head", "verify_checkpoint", flip(cp3.clone(), 1 + 8 + 4 + 8), Error::CheckpointSignatureInvalid, no.clone()),
            neg("tampered signature", "verify_checkpoint", flip(cp3.clone(), sig_at), Error::CheckpointSignatureInvalid, no.clone()),
            neg("malleable signature (s + L)", "verify_checkpoint", { let mut b = cp3.clone(); malleate(&mut b[sig_at..]); b }, Error::CheckpointSignatureInvalid, no.clone()),
            neg("signed under the batch label", "verify_checkpoint", raw_checkpoint(&ha(), hk, NOW + 400, 3, b3.link(), 1, [0; 32], BATCH_LABEL), Error::CheckpointSignatureInvalid, no.clone()),
            neg("signed by the RA key (not an HA key)", "verify_checkpoint", raw_checkpoint(&ra(), ra().key_id().0, NOW + 400, 3, b3.link(), 1, [0; 32], CHECKPOINT_LABEL), Error::UnknownKeyId, no.clone()),
            neg("chain: batch 2 before batch 1 (reorder)", "chain", b"", Error::BatchChainBroken, chain(vec![bat(&b2)], now)),
            neg("chain: batch 3 after batch 1 (gap)", "chain", b"", Error::BatchChainBroken, chain(vec![bat(&b1), bat(&b3)], now)),
            neg("chain: batch 1 twice (repeat)", "chain", b"", Error::BatchChainBroken, chain(vec![bat(&b1), bat(&b1)], now)),
            neg("chain: another batch 3 where the checkpoint names batch 3 (fork)", "chain", b"", Error::BatchChainBroken, chain(vec![chk(&cp3), bat(&b1), bat(&b2), bat(&fork3)], now)),
            neg("chain: a checkpoint naming another batch 3 after batch 3 was read (fork)", "chain", b"", Error::BatchChainBroken, chain(vec![bat(&b1), bat(&b2), bat(&b3), chk(&cp_fork)], now)),
            neg("chain: two checkpoints naming different batches 3 (fork)", "chain", b"", Error::BatchChainBroken, chain(vec![chk(&cp3), chk(&cp_fork)], now)),
            neg("chain: a batch 4 built on another batch 3 (fork)", "chain", b"", Error::BatchChainBroken, chain(vec![bat(&b1), bat(&b2), bat(&b3), bat(&fork4)], now)),
            neg("chain: a new phone offered batch 2 when the checkpoint retains from 3", "chain", b"", Error::BatchChainBroken, chain(vec![chk(&cp_two_expired), bat(&b2)], NOW + 501)),
            neg("chain: rollback to an older checkpoint (earlier, lower sequence)", "chain", b"", Error::Rollback, chain(vec![chk(&cp3), chk(&cp2)], now)),
            neg("chain: rollback to a checkpoint issued earlier for the same batch", "chain", b"", Error::Rollback, chain(vec![chk(&cp3), chk(&cp3_earlier)], now)),

            neg("chain: a forged checkpoint", "chain", b"", Error::CheckpointSignatureInvalid, chain(vec![chk(&flip(cp3.clone(), 12))], now)),
            neg("chain: a forged batch", "chain", b"", Error::BatchSignatureInvalid, chain(vec![json!({"batch": h(flip(b1.encode(), 60))})], now)),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// trust.json
// ---------------------------------------------------------------------------------------------

const NEW_RA_SEED: [u8; 32] = [0x0b; 32];

struct RawBundle {
    sequence: u64,
    ra_keys: Vec<[u8; 32]>,
    ha_keys: Vec<[u8; 32]>,
    enc: [u8; 32],
    server_url: Vec<u8>,
    code_base_url: Vec<u8>,
}

impl RawBundle {
    fn valid(sequence: u64, ra_keys: &[&SigningKey]) -> Self {
        Self {
            sequence,
            ra_keys: ra_keys.iter().map(|k| *k.public_key().as_bytes()).collect(),
            ha_keys: vec![*ha().public_key().as_bytes()],
            enc: *ha_enc().public_key().as_bytes(),
            server_url: b"https://vc.example".to_vec(),
            code_base_url: DEFAULT_BASE_URL.as_bytes().to_vec(),
        }
    }

    fn tbs(&self, signer: &[u8; 8]) -> Vec<u8> {
        let mut b = vec![2];
        b.extend_from_slice(&self.sequence.to_be_bytes());
        b.extend_from_slice(&NOW.to_be_bytes());
        for keys in [&self.ra_keys, &self.ha_keys] {
            b.push(keys.len() as u8);
            for k in keys {
                b.extend_from_slice(k);
            }
        }
        b.extend_from_slice(&self.enc);
        for url in [&self.server_url, &self.code_base_url] {
            b.push(url.len() as u8);
            b.extend_from_slice(url);
        }
        b.extend_from_slice(signer);
        b
    }

    fn signed(&self, key: &SigningKey) -> Vec<u8> {
        let tbs = self.tbs(&key.key_id().0);
        appended(tbs.clone(), &key.sign(TRUST_BUNDLE_LABEL, &tbs))
    }
}

fn gen_trust() -> Value {
    let new_ra = SigningKey::from_seed(&NEW_RA_SEED).unwrap();
    let first = RawBundle::valid(1, &[&ra()]).signed(&ra());
    let body = TrustBundleBody {
        sequence: 1,
        issued_at: um(NOW),
        ra_keys: vec![ra().public_key()],
        ha_signing_keys: vec![ha().public_key()],
        ha_encryption_key: ha_enc().public_key(),
        server_url: "https://vc.example".into(),
        code_base_url: DEFAULT_BASE_URL.into(),
    };
    assert_eq!(
        TrustBundle::sign(body, &ra()).unwrap().encode(),
        first,
        "independent bundle encoder"
    );
    let second = RawBundle::valid(2, &[&ra(), &new_ra]).signed(&ra());
    let third = RawBundle::valid(3, &[&new_ra]).signed(&new_ra);
    let sig_at = first.len() - 64;
    let no = json!({});
    let cur = |b: &[u8]| json!({"current": h(b)});
    let vary = |f: &dyn Fn(&mut RawBundle)| {
        let mut r = RawBundle::valid(1, &[&ra()]);
        f(&mut r);
        r.signed(&ra())
    };
    let url = |u: &str| vary(&|r| r.server_url = u.as_bytes().to_vec());
    let bundle_accept = |name: &str, b: Vec<u8>| {
        acc(
            name,
            "verify_trust_bundle_initial",
            &b,
            no.clone(),
            json!(1),
        )
    };
    let url_neg =
        |name: &str, u: &str, e: Error| neg(name, "decode_trust_bundle", url(u), e, no.clone());
    let base_url = |u: &str| vary(&|r| r.code_base_url = u.as_bytes().to_vec());
    let keys_of = |seeds: &[u8]| -> Vec<[u8; 32]> {
        seeds
            .iter()
            .map(|s| {
                *SigningKey::from_seed(&[*s; 32])
                    .unwrap()
                    .public_key()
                    .as_bytes()
            })
            .collect()
    };
    let weak0: [u8; 32] = hex::decode(WEAK_ED25519[0].1).unwrap().try_into().unwrap();
    // The URL rules hold for both URLs: each refused URL, as server_url and as code_base_url.
    let mut url_cases: Vec<Value> = Vec::new();
    for (what, u) in [
        (
            "upper-case scheme HTTPS:// (only the canonical lower case)",
            "HTTPS://vc.example",
        ),
        (
            "upper-case scheme HTTP:// to localhost",
            "HTTP://localhost:8080",
        ),
        ("http://localhost: with an empty port", "http://localhost:"),
        ("a port of 6 digits", "http://localhost:123456"),
        ("a port with a letter", "http://localhost:80a"),
        ("http://::1 without brackets", "http://::1"),
        ("http://[::2] (not loopback)", "http://[::2]"),
        ("plain http to a public host", "http://vc.example"),
        (
            "http with user info naming loopback",
            "http://127.0.0.1@vc.example",
        ),
        ("ftp scheme", "ftp://vc.example"),
        ("a fragment", "https://vc.example/c#x"),
        ("no host", "https://"),
    ] {
        url_cases.push(neg(
            &format!("server_url: {what}"),
            "decode_trust_bundle",
            url(u),
            Error::InvalidUrl,
            no.clone(),
        ));
        url_cases.push(neg(
            &format!("code_base_url: {what}"),
            "decode_trust_bundle",
            base_url(u),
            Error::InvalidUrl,
            no.clone(),
        ));
    }
    url_cases.push(neg(
        "code_base_url: empty",
        "decode_trust_bundle",
        base_url(""),
        Error::NonCanonical,
        no.clone(),
    ));
    url_cases.push(neg(
        "code_base_url: 201 bytes",
        "decode_trust_bundle",
        base_url(&format!("https://{}", "a".repeat(193))),
        Error::TooLarge,
        no.clone(),
    ));
    url_cases.push(neg(
        "HA keys: five HA signing keys",
        "decode_trust_bundle",
        vary(&|r| r.ha_keys = keys_of(&[2, 1, 4, 9, 0x0b])),
        Error::TooLarge,
        no.clone(),
    ));
    url_cases.push(neg(
        "HA keys: a repeated HA signing key",
        "decode_trust_bundle",
        vary(&|r| r.ha_keys.push(r.ha_keys[0])),
        Error::NonCanonical,
        no.clone(),
    ));
    url_cases.push(neg(
        "HA keys: a weak HA signing key",
        "decode_trust_bundle",
        vary(&|r| r.ha_keys[0] = weak0),
        Error::WeakPublicKey,
        no.clone(),
    ));
    url_cases.push(neg(
        "HA keys: a weak HA signing key after a valid one",
        "decode_trust_bundle",
        vary(&|r| r.ha_keys.push(weak0)),
        Error::WeakPublicKey,
        no.clone(),
    ));
    url_cases.push(neg(
        "order: sequence 0 and a bad server_url (URLs as read, sequence after)",
        "decode_trust_bundle",
        vary(&|r| {
            r.sequence = 0;
            r.server_url = b"http://vc.example".to_vec();
        }),
        Error::InvalidUrl,
        no.clone(),
    ));
    url_cases.push(neg(
        "order: sequence 0 and a bad code_base_url",
        "decode_trust_bundle",
        vary(&|r| {
            r.sequence = 0;
            r.code_base_url = b"HTTPS://vc.example/c".to_vec();
        }),
        Error::InvalidUrl,
        no.clone(),
    ));
    json!({
        "description": "Trust bundles (RA-signed, label \"venuecode/v2/trust-bundle\"): version 2 || sequence u64 (from 1) || issued_at u32 || RA keys (u8 count 1..=4, 32 bytes each, no repeats) || HA signing keys (likewise) || HA encryption key [32] || server_url (u8 length, 1..=200 bytes) || code_base_url (likewise) || signer_key_id [8] || signature [64] over every byte before it. URLs (both server_url and code_base_url) are printable ASCII without '#' or user info, https://host..., or http:// only to localhost, 127.0.0.0/8 or [::1]; the scheme must be lower case (HTTPS:// is InvalidUrl), a port is 1..=5 digits. A first install must be signed by one of the bundle's own RA keys; an update must be signed by an RA key of the held bundle (UnknownKeyId otherwise) and carry a higher sequence (Rollback otherwise). The update chain here adds a new RA key (2, signed by the old one) and then drops the old key (3, signed by the new one).",
        "context": context(),
        "new_ra_public_key": h(new_ra.public_key().as_bytes()),
        "bundles": [
            {"sequence": 1, "signer_key_id": ra().key_id().to_hex(), "signed_message": h(appended(appended(TRUST_BUNDLE_LABEL.to_vec(), &[0]), &first[..sig_at])), "encoding": h(&first)},
            {"sequence": 2, "signer_key_id": ra().key_id().to_hex(), "encoding": h(&second)},
            {"sequence": 3, "signer_key_id": new_ra.key_id().to_hex(), "encoding": h(&third)},
        ],
        "accept": [
            acc("bundle decodes", "decode_trust_bundle", &first, no.clone(), json!(h(&first))),
            acc("first install: signed by its own RA key", "verify_trust_bundle_initial", &first, no.clone(), json!(1)),
            acc("update adding an RA key, signed by the held RA key", "verify_trust_bundle_update", &second, cur(&first), json!(2)),
            acc("update dropping the old RA key, signed by the new one the phone now trusts", "verify_trust_bundle_update", &third, cur(&second), json!(3)),
            acc("an update may skip sequences", "verify_trust_bundle_update", RawBundle::valid(9, &[&ra()]).signed(&ra()), cur(&first), json!(9)),
            bundle_accept("http to 127.0.0.1 with a port", url("http://127.0.0.1:8080")),
            bundle_accept("http to [::1]", url("http://[::1]:8080/api")),
            bundle_accept("http to localhost", url("http://localhost:8080")),
            bundle_accept("an URL of 200 bytes", url(&format!("https://{}", "a".repeat(192)))),
            bundle_accept("four RA keys", vary(&|r| r.ra_keys = [1u8, 4, 9, 0x0b].iter().map(|s| *SigningKey::from_seed(&[*s; 32]).unwrap().public_key().as_bytes()).collect())),
            bundle_accept("four HA signing keys", vary(&|r| r.ha_keys = keys_of(&[2, 4, 9, 0x0b]))),
            bundle_accept("code_base_url: http to 127.0.0.1 with a port and path", base_url("http://127.0.0.1:8080/c")),
            bundle_accept("code_base_url: http to [::1]", base_url("http://[::1]:8080/c")),
            bundle_accept("code_base_url: http to LOCALHOST (the host name is case-insensitive)", base_url("http://LOCALHOST:8080/c")),
            bundle_accept("server_url: https with a port and query", url("https://vc.example:8443/api?x=1")),
        ],
        "negative": (vec![
            neg("empty", "decode_trust_bundle", b"", Error::Empty, no.clone()),
            neg("version 1", "decode_trust_bundle", versioned(first.clone(), 1), Error::UnsupportedVersion { found: 1 }, no.clone()),
            neg("truncated by one byte", "decode_trust_bundle", truncated(&first), Error::Truncated, no.clone()),
            neg("trailing byte", "decode_trust_bundle", appended(first.clone(), &[0]), Error::TrailingBytes, no.clone()),
            neg("sequence 0", "decode_trust_bundle", vary(&|r| r.sequence = 0), Error::ValueOutOfRange, no.clone()),
            neg("no RA key", "decode_trust_bundle", vary(&|r| r.ra_keys.clear()), Error::NonCanonical, no.clone()),
            neg("five RA keys", "decode_trust_bundle", vary(&|r| r.ra_keys = [1u8, 2, 4, 9, 0x0b].iter().map(|s| *SigningKey::from_seed(&[*s; 32]).unwrap().public_key().as_bytes()).collect()), Error::TooLarge, no.clone()),
            neg("repeated RA key", "decode_trust_bundle", vary(&|r| r.ra_keys.push(r.ra_keys[0])), Error::NonCanonical, no.clone()),
            neg("no HA signing key", "decode_trust_bundle", vary(&|r| r.ha_keys.clear()), Error::NonCanonical, no.clone()),
            neg("weak RA key", "decode_trust_bundle", vary(&|r| r.ra_keys[0] = hex::decode(WEAK_ED25519[0].1).unwrap().try_into().unwrap()), Error::WeakPublicKey, no.clone()),
            neg("low-order HA encryption key", "decode_trust_bundle", vary(&|r| r.enc = hex::decode(LOW_ORDER_X25519[0].1).unwrap().try_into().unwrap()), Error::NonContributory, no.clone()),
            url_neg("plain http to a public host", "http://vc.example", Error::InvalidUrl),
            url_neg("http to a loopback-looking host name", "http://localhost.vc.example", Error::InvalidUrl),
            url_neg("http with user info naming loopback", "http://127.0.0.1@vc.example", Error::InvalidUrl),
            url_neg("http to 128.0.0.1", "http://128.0.0.1", Error::InvalidUrl),
            url_neg("no scheme", "vc.example", Error::InvalidUrl),
            url_neg("no host", "https:///c", Error::InvalidUrl),
            url_neg("URL with a space", "https://vc.example/a b", Error::InvalidUrl),
            url_neg("URL with a C1 control character (U+0085)", "https://vc.example/\u{85}", Error::InvalidUrl),
            url_neg("URL with a no-break space (U+00A0)", "https://vc.example\u{a0}", Error::InvalidUrl),
            url_neg("URL with a fragment", "https://vc.example/c#x", Error::InvalidUrl),
            url_neg("empty URL", "", Error::NonCanonical),
            url_neg("URL of 201 bytes", &format!("https://{}", "a".repeat(193)), Error::TooLarge),
            neg("URL that is not UTF-8", "decode_trust_bundle", vary(&|r| r.code_base_url = b"https://vc.example/\xff".to_vec()), Error::InvalidUtf8, no.clone()),
            neg("first install signed by a key not among its RA keys", "verify_trust_bundle_initial", RawBundle::valid(1, &[&new_ra]).signed(&ra()), Error::UnknownKeyId, no.clone()),
            neg("tampered signature", "verify_trust_bundle_initial", flip(first.clone(), sig_at), Error::TrustBundleSignatureInvalid, no.clone()),
            neg("tampered server URL", "verify_trust_bundle_initial", { let mut b = first.clone(); let at = b.windows(10).position(|w| w == b"vc.example").unwrap(); b[at] = b'w'; b }, Error::TrustBundleSignatureInvalid, no.clone()),
            neg("malleable signature (s + L)", "verify_trust_bundle_initial", { let mut b = first.clone(); malleate(&mut b[sig_at..]); b }, Error::TrustBundleSignatureInvalid, no.clone()),
            neg("signed by the HA key under the RA key id", "verify_trust_bundle_initial", { let r = RawBundle::valid(1, &[&ra()]); let tbs = r.tbs(&ra().key_id().0); appended(tbs.clone(), &ha().sign(TRUST_BUNDLE_LABEL, &tbs)) }, Error::TrustBundleSignatureInvalid, no.clone()),
            neg("update signed by a key the phone does not trust", "verify_trust_bundle_update", third.clone(), Error::UnknownKeyId, cur(&first)),
            neg("a stranger's self-signed bundle as an update", "verify_trust_bundle_update", RawBundle::valid(5, &[&other()]).signed(&other()), Error::UnknownKeyId, cur(&first)),
            neg("update with the same sequence", "verify_trust_bundle_update", RawBundle::valid(2, &[&ra()]).signed(&ra()), Error::Rollback, cur(&second)),
            neg("update with a lower sequence (rollback)", "verify_trust_bundle_update", first.clone(), Error::Rollback, cur(&second)),
        ].into_iter().chain(url_cases).collect::<Vec<Value>>()),
    })
}

// ---------------------------------------------------------------------------------------------
// trace.json
// ---------------------------------------------------------------------------------------------

fn cert_with_offset(offset: i8) -> VenueCertificate {
    let mut body = cert().body().clone();
    body.info = VenueInfo::new(
        NAME,
        ADDRESS,
        RegionCode::new(REGION).unwrap(),
        VenueCategory::RESTAURANT,
        STAY,
        offset,
    )
    .unwrap();
    VenueCertificate::sign(body, &ra()).unwrap()
}

fn gen_trace() -> Value {
    let m = master();
    let e = local_epoch(um(NOW), OFFSET);
    let midnight = epoch_start(e + 1, OFFSET);
    let rel = |epochs: &[Epoch]| {
        json!(epochs
            .iter()
            .map(|&ep| json!({"epoch": ep, "seed": h(m.rotating_seed(ep).expose())}))
            .collect::<Vec<_>>())
    };
    let win = |start: UnixMinute, end: UnixMinute, released: Value| json!({"start": start, "end": end, "released": released});
    let sb = static_code().encode();
    let before_midnight = VenueCode::new_rotating(cert(), &m, &venue(), midnight - 100)
        .unwrap()
        .encode();
    let morning = rotating_code().encode();
    let utc = VenueCode::new_rotating(cert_with_offset(0), &m, &venue(), um(NOW)).unwrap();
    let utc_midnight = epoch_start(local_epoch(um(NOW), 0) + 1, 0);
    let west = VenueCode::new_rotating(cert_with_offset(-48), &m, &venue(), um(NOW)).unwrap();
    let west_day = local_epoch(um(NOW), -48);
    let west_midnight = epoch_start(west_day + 1, -48);
    let east = VenueCode::new_rotating(cert_with_offset(56), &m, &venue(), um(NOW)).unwrap();
    let east_day = local_epoch(um(NOW), 56);
    let run_plan = |code: &[u8], c: &Value| {
        run(&context(), &{
            let mut x = c.clone();
            x["op"] = json!("plan_trace");
            x["input"] = json!(h(code));
            x
        })
        .unwrap()
    };
    let case = |name: &str, code: &[u8], c: Value| {
        let out = run_plan(code, &c);
        acc(name, "plan_trace", code, c, out)
    };
    // Offsets that are not whole hours: local midnight M falls inside slot s. A visitor present
    // in s holds the old day's seed (scanned before M, or up to 720 minutes before the slot) or
    // the new day's (scanned in s after M), so records for s must exist under both, each clipped
    // to the minutes anyone can hold it.
    let parts_of = |out: &Value| -> Vec<(u64, u64, u64)> {
        out["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (num(&p["epoch"]), num(&p["start"]), num(&p["end"])))
            .collect()
    };
    let mut half_hours = Vec::new();
    for (label, q) in [("+05:30", 22i8), ("+05:45", 23), ("-03:30", -14)] {
        let crt = cert_with_offset(q);
        let d = local_epoch(um(NOW), q);
        let mid = epoch_start(d + 1, q);
        let s0 = slot_start(slot_of(mid));
        assert!(s0 < mid && mid < s0 + 60, "{label}: midnight inside a slot");
        let (d64, mid64) = (u64::from(d.get()), u64::from(mid.get()));
        let old_code = VenueCode::new_rotating(crt.clone(), &m, &venue(), mid - 100)
            .unwrap()
            .encode();
        let new_code = VenueCode::new_rotating(crt.clone(), &m, &venue(), mid + 5)
            .unwrap()
            .encode();
        let c = win(mid - 20, mid + 10, rel(&[d + 1]));
        let out = run_plan(&old_code, &c);
        assert_eq!(
            parts_of(&out),
            vec![(d64, mid64 - 20, mid64 + 10), (d64 + 1, mid64, mid64 + 10)],
            "{label}"
        );
        half_hours.push(acc(
            &format!("UTC{label} (offset {q}): a window that ends inside the slot of local midnight, after it, is also published under the new day's seed from midnight"),
            "plan_trace",
            &old_code,
            c,
            out,
        ));
        let c = win(mid - 20, mid + 10, rel(&[]));
        let out = run_plan(&old_code, &c);
        assert_eq!(out["missing_epochs"], json!([d + 1]), "{label}");
        half_hours.push(acc(
            &format!("UTC{label} (offset {q}): the same window without the new day's seed released: that day is missing"),
            "plan_trace",
            &old_code,
            c,
            out,
        ));
        let c = win(mid + 2, mid + 12, rel(&[d]));
        let out = run_plan(&new_code, &c);
        assert_eq!(
            parts_of(&out),
            vec![
                (d64, mid64 + 2, mid64 + 12),
                (d64 + 1, mid64 + 2, mid64 + 12)
            ],
            "{label}"
        );
        half_hours.push(acc(
            &format!("UTC{label} (offset {q}): a case who scanned just after local midnight, window inside that slot: the code's own (new) day and the old day"),
            "plan_trace",
            &new_code,
            c,
            out,
        ));
        let c = win(s0 + 1, mid - 1, rel(&[d + 1]));
        let out = run_plan(&old_code, &c);
        assert_eq!(
            parts_of(&out),
            vec![(d64, u64::from(s0.get()) + 1, mid64 - 1)],
            "{label}"
        );
        half_hours.push(acc(
            &format!("UTC{label} (offset {q}): a window inside the slot of local midnight that ends before it: the new day's clipped window is empty, only the old day"),
            "plan_trace",
            &old_code,
            c,
            out,
        ));
        let c = win(mid - 20, s0 + 70, rel(&[d + 1]));
        let out = run_plan(&old_code, &c);
        assert_eq!(
            parts_of(&out),
            vec![
                (d64, mid64 - 20, u64::from(s0.get()) + 70),
                (d64 + 1, mid64, u64::from(s0.get()) + 70)
            ],
            "{label}"
        );
        half_hours.push(acc(
            &format!(
                "UTC{label} (offset {q}): a window from before local midnight into the next slot"
            ),
            "plan_trace",
            &old_code,
            c,
            out,
        ));
        // 12 slots after the midnight slot a stay may still have started before midnight.
        let late = s0 + 12 * 60;
        let c = win(late + 1, late + 10, rel(&[d]));
        let out = run_plan(&new_code, &c);
        assert_eq!(
            parts_of(&out),
            vec![
                (d64, u64::from(late.get()) + 1, u64::from(late.get()) + 10),
                (
                    d64 + 1,
                    u64::from(late.get()) + 1,
                    u64::from(late.get()) + 10
                )
            ],
            "{label}"
        );
        half_hours.push(acc(
            &format!("UTC{label} (offset {q}): the twelfth slot after the slot of local midnight still needs the old day"),
            "plan_trace",
            &new_code,
            c,
            out,
        ));
    }
    json!({
        "description": "Which seeds the HA publishes for an exposure window [start, end) at the venue of an uploaded code (plan_trace, SPEC §12.3): a static code's seed for the whole window; for a rotating code, for every slot s of the window, the seed of each venue-local epoch in epochs_for_slot(s, utc_offset) (the upload's own epoch from the code, the others from the venue's released seeds), the window under epoch e's seed clipped to [epoch_start(e), epoch_start(e + 1) + 720); needed epochs without a seed are listed as missing. Every part is bound to the code's venue key. Codes use the venue's UTC offset from the certificate: +08:00 (32) unless the case says otherwise. epochs_for_slot(s, q) = local_epoch(max(0, slot_start(s) - 720), q) ..= local_epoch(slot_start(s) + 59, q): for an offset that is not a whole number of hours (+05:30 = 22, +05:45 = 23, -03:30 = -14 quarter hours) local midnight falls inside a slot, and that slot needs both the old day's seed and the new day's (clipped from midnight).",
        "context": context(),
        "local_midnight": midnight,
        "accept": (vec![
            case("static code: one part, the whole window", &sb, win(um(NOW + 30), um(NOW + 200), rel(&[]))),
            case("rotating code across local midnight, next day not released", &before_midnight, win(midnight - 90, midnight + 120, rel(&[]))),
            case("rotating code across local midnight, next day released", &before_midnight, win(midnight - 90, midnight + 120, rel(&[e + 1]))),
            case("rotating code in the morning also needs the day before (a stay may have started then)", &morning, win(um(NOW - 30), um(NOW + 60), rel(&[]))),
            case("the day before released; unrelated released days are ignored", &morning, win(um(NOW - 30), um(NOW + 60), rel(&[e - 5, e - 1, e + 3]))),
            case("rotating code late in the local day: only that day", &before_midnight, win(midnight - 300, midnight - 200, rel(&[]))),
            case("a 12-hour window from local 18:00 needs that day and the next", &before_midnight, win(midnight - 360, midnight + 360, rel(&[e + 1]))),
            case("UTC venue (offset 0), window across UTC midnight", &utc.encode(), win(utc_midnight - 30, utc_midnight + 30, rel(&[local_epoch(um(NOW), 0) + 1]))),
            case("UTC-12:00 venue (offset -48), window across its local midnight", &west.encode(), win(west_midnight - 30, west_midnight + 30, rel(&[west_day + 1]))),
            case("UTC+14:00 venue (offset 56), same UTC window as the first rotating case", &east.encode(), win(midnight - 90, midnight + 120, rel(&[east_day - 1, east_day + 1]))),
        ].into_iter().chain(half_hours).collect::<Vec<Value>>()),
        "negative": [
            neg("empty window", "plan_trace", &sb, Error::InvalidArgument(""), win(um(NOW), um(NOW), rel(&[]))),
            neg("inverted window", "plan_trace", &sb, Error::InvalidArgument(""), win(um(NOW), um(NOW - 1), rel(&[]))),
        ],
    })
}
