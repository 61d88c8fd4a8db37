//! The interpreter of the JSON test vectors in `protocol-spec/vectors/` (feature `vectors`):
//! each case names an operation (`op`) of this crate, its input and the expected output or
//! error. One interpreter serves the crate's own vector test (`tests/vectors.rs`) and the
//! WebAssembly build's (crates/wasm, run in node), so that both check the same thing.
//!
//! Vector files are the tests' own input, not data from outside: a malformed file is a bug in
//! the vectors and panics.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::{json, Value};

use crate::code::{decode_decimal, encode_decimal};
use crate::codec::Reader;
use crate::envelope::tan_hash;
use crate::sealed::{self, unpad};
use crate::time::{
    epoch_of, epoch_start, epochs_for_slot, local_epoch, overlap_minutes, slot_of, stay_slots,
    Epoch, Slot, Slots, UnixMinute,
};
use crate::*;

pub fn h(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

pub fn unh(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

pub fn arr<const N: usize>(v: &Value) -> [u8; N] {
    unh(v).try_into().unwrap()
}

pub fn num(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

/// A JSON number as a [`UnixMinute`].
pub fn minute(v: &Value) -> UnixMinute {
    UnixMinute::new(u32::try_from(num(v)).unwrap())
}

/// A JSON number as a [`Slot`].
pub fn slot(v: &Value) -> Slot {
    Slot::new(u32::try_from(num(v)).unwrap())
}

/// A JSON number as an [`Epoch`].
pub fn epoch(v: &Value) -> Epoch {
    Epoch::new(u32::try_from(num(v)).unwrap())
}

/// The `Error` variant's name, as the vectors spell it.
pub fn ename(e: &Error) -> String {
    let d = format!("{e:?}");
    d.split([' ', '(', '{']).next().unwrap().to_owned()
}

pub fn found(e: &Error) -> Option<u8> {
    match e {
        Error::UnsupportedVersion { found } | Error::UnknownCodeKind { found } => Some(*found),
        _ => None,
    }
}

/// Runs one case: an `accept` case (`negative` false) must succeed with the stated output, a
/// `negative` case must fail with exactly the stated error. `Err` says how it did not.
pub fn check_case(
    file: &str,
    ctx: &Value,
    case: &Value,
    negative: bool,
) -> core::result::Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let expect = case["expect"].as_str().unwrap_or("?");
    let got = run(ctx, case);
    match (negative, expect, got) {
        (false, "ok", Ok(out)) => match case.get("output") {
            Some(want) if &out != want => Err(format!(
                "{file} / {name}: output differs: got {out}, want {want}"
            )),
            _ => Ok(()),
        },
        (true, want, Err(e)) if want != "ok" => {
            if ename(&e) != want {
                return Err(format!(
                    "{file} / {name}: wrong error: got {}, want {want}",
                    ename(&e)
                ));
            }
            match case.get("found") {
                Some(f) if found(&e).map(u64::from) != f.as_u64() => {
                    Err(format!("{file} / {name}: wrong found value"))
                }
                _ => Ok(()),
            }
        }
        (_, want, got) => Err(format!("{file} / {name}: expected {want}, got {got:?}")),
    }
}

pub fn anchors(ctx: &Value) -> TrustAnchors {
    TrustAnchors::new(
        PublicKey::from_bytes(&arr(&ctx["ra_public_key"])).unwrap(),
        PublicKey::from_bytes(&arr(&ctx["ha_public_key"])).unwrap(),
    )
}

/// The one interpreter of cases: each op names a decoder or a check, as the spec describes it.
pub fn run(ctx: &Value, c: &Value) -> Result<Value> {
    let op = c["op"].as_str().unwrap();
    let input = || unh(&c["input"]);
    let text = || c["text"].as_str().unwrap().to_owned();
    let now = || minute(&c["now"]);
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
                    UnixMinute::MIN,
                )
            });
            code.verify(&anchors(ctx), now(), revoked.as_ref())?;
            out(code.seed().expose().to_vec())
        }
        "parse_code" => out(VenueCode::parse(&text())?.encode()),
        "code_from_url" => out(VenueCode::from_url(&text())?.encode()),
        "decode_decimal" => out(decode_decimal(&text())?),
        "decode_batch" => out(ExposureBatch::decode(&input())?.encode()),
        "batch_link" => out(ExposureBatch::decode(&input())?.link().to_vec()),
        "stream_batch" => {
            // The sans-I/O reader phones use, fed in uneven pieces.
            let bytes = input();
            let mut reader = BatchReader::new(anchors(ctx));
            let mut n = 0;
            for piece in bytes.chunks(37) {
                n += reader.feed(piece)?.len();
            }
            reader.finish()?;
            Ok(json!(n))
        }
        "records_digest" => {
            // The digest a batch header signs over `records` records whose bytes are
            // b[j] = j mod 251: the Merkle tree over runs of RECORDS_PER_LEAF records.
            let n = usize::try_from(num(&c["records"])).unwrap();
            let bytes: Vec<u8> = (0..n * crate::exposure::RECORD_BYTES)
                .map(|j| (j % 251) as u8)
                .collect();
            let count = u32::try_from(n).unwrap();
            Ok(json!({
                "leaves": crate::merkle::leaf_count(count),
                "digest": h(crate::merkle::records_digest(&bytes)),
            }))
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
            let venue_key = PublicKey::from_bytes(&arr(&c["venue_key"]))?;
            let n = rec.open(
                &seed.slot_keys(&venue_key),
                slot(&c["slot"]),
                &arr(&c["batch_id"]),
            )?;
            Ok(json!({
                "window_start": n.window_start.get(),
                "window_minutes": n.window_minutes,
                "risk": n.risk.0,
                "message_index": n.message_index,
            }))
        }
        "build_batch" => {
            // The HA's batch builder (SPEC §12.1): the windows in order, then every record
            // opened by the seed and slot it belongs to, in (window, slot) order, once each.
            let messages: Vec<String> = c["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap().to_owned())
                .collect();
            let created_at = minute(&c["created_at"]);
            let batch_id: [u8; 16] = arr(&c["batch_id"]);
            let mut b = BatchBuilder::with_id(ChainHead::GENESIS, batch_id, created_at, messages)?;
            let windows: Vec<ExposureWindow> = c["windows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| ExposureWindow {
                    seed: Seed::from_bytes(arr(&w["seed"])),
                    venue_key: PublicKey::from_bytes(&arr(&w["venue_key"])).unwrap(),
                    start: minute(&w["start"]),
                    end: minute(&w["end"]),
                    risk: RiskLevel(u8::try_from(num(&w["risk"])).unwrap()),
                    message_index: u8::try_from(num(&w["message_index"])).unwrap(),
                })
                .collect();
            for w in &windows {
                b.add(w)?;
            }
            let ha = SigningKey::from_seed(&arr(&c["ha_seed"]))?;
            let batch = b.sign(&ha)?;
            let mut seen = std::collections::BTreeSet::new();
            let mut opened = Vec::new();
            for w in &windows {
                let keys = w.seed.slot_keys(&w.venue_key);
                for slot in Slots::new(slot_of(w.start), slot_of(w.end - 1)) {
                    let token = keys.token(slot);
                    if !seen.insert(token.0) {
                        continue;
                    }
                    let rec = batch
                        .records()
                        .iter()
                        .find(|r| r.token == token)
                        .expect("a record for every slot");
                    let n = rec.open(&keys, slot, &batch_id)?;
                    opened.push(json!({
                        "slot": slot,
                        "window_start": n.window_start.get(),
                        "window_minutes": n.window_minutes,
                        "risk": n.risk.0,
                        "message_index": n.message_index,
                    }));
                }
            }
            Ok(json!({
                "record_count": batch.records().len(),
                "encoding": h(batch.encode()),
                "opened": opened,
            }))
        }
        "decode_revocation_list" => out(RevocationList::decode(&input())?.encode()),
        "verify_revocation_list" => {
            let l = RevocationList::decode(&input())?;
            l.verify(&anchors(ctx))?;
            Ok(json!(l.body().up_to))
        }
        "apply_revocation_lists" => {
            // Verifies and applies each list in order to one set; the first failure is the
            // case's error.
            let mut set = RevocationSet::new();
            for l in c["lists"].as_array().unwrap() {
                let l = RevocationList::decode(&unh(l))?;
                l.verify(&anchors(ctx))?;
                set.apply(&l)?;
            }
            let mut serials: Vec<u64> = set.entries().map(|(s, _)| s).collect();
            serials.sort_unstable();
            Ok(json!({"cursor": set.cursor(), "issued_at": set.issued_at(), "serials": serials}))
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
        "open_seed_release" => {
            let msg = SealedMessage::decode(&input())?;
            let r = SeedRelease::open(&ha_key(), &msg)?;
            Ok(json!({
                "venue_key": h(r.venue_key().as_bytes()),
                "epochs": r.seeds().iter().map(|(e, _)| e.get()).collect::<Vec<_>>(),
            }))
        }
        "check_claim" => {
            let entry = UploadEntry::new(
                VenueCode::decode(&input())?,
                minute(&c["arrival"]),
                minute(&c["departure"]),
            )?;
            entry.check_claim(minute(&c["received_at"]))?;
            Ok(Value::Null)
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
        "decode_count_ping" => out(CountPing::decode(&input())?.encode()),
        "decode_count_tags" => out(CountTagRegistration::decode(&input())?.encode()),
        "check_count_tag_epochs" => {
            let reg = CountTagRegistration::decode(&input())?;
            reg.check_epochs(epoch(&c["today"]))?;
            Ok(Value::Null)
        }
        "decode_checkpoint" => out(Checkpoint::decode(&input())?.encode()),
        "verify_checkpoint" => {
            let cp = Checkpoint::decode(&input())?;
            cp.verify(&anchors(ctx))?;
            Ok(json!(cp.body().sequence))
        }
        "chain" => run_chain(ctx, c),
        "decode_trust_bundle" => out(TrustBundle::decode(&input())?.encode()),
        "verify_trust_bundle_initial" => {
            let b = TrustBundle::decode(&input())?;
            b.verify_initial()?;
            Ok(json!(b.sequence()))
        }
        "verify_trust_bundle_update" => {
            let current = TrustBundle::decode(&unh(&c["current"]))?;
            current.verify_initial()?;
            let b = TrustBundle::decode(&input())?;
            b.verify_update(&current)?;
            Ok(json!(b.sequence()))
        }
        "plan_trace" => {
            let code = VenueCode::decode(&input())?;
            let released = c["released"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (epoch(&r["epoch"]), Seed::from_bytes(arr(&r["seed"]))))
                .collect();
            let plan = plan_trace(&code, minute(&c["start"]), minute(&c["end"]), &released)?;
            Ok(json!({
                "parts": plan.parts.iter().map(|p| json!({
                    "epoch": p.epoch.map(Epoch::get), "seed": h(p.seed.expose()), "venue_key": h(p.venue_key.as_bytes()),
                    "start": p.start.get(), "end": p.end.get(),
                })).collect::<Vec<_>>(),
                "missing_epochs": plan.missing_epochs.iter().map(|e| e.get()).collect::<Vec<_>>(),
            }))
        }
        other => panic!("unknown op {other}"),
    }
}

pub fn run_chain(ctx: &Value, c: &Value) -> Result<Value> {
    let mut state = ChainState::new();
    if let Some(m) = c.get("stale_minutes") {
        state = state.with_stale_minutes(u32::try_from(num(m)).unwrap());
    }
    for step in c["steps"].as_array().unwrap() {
        if let Some(cp) = step.get("checkpoint") {
            state.accept_checkpoint(&Checkpoint::decode(&unh(cp))?, &anchors(ctx))?;
        }
        if let Some(b) = step.get("batch") {
            let mut reader = BatchReader::new(anchors(ctx));
            reader.feed(&unh(b))?;
            let header = reader.finish()?;
            state.accept_batch_header(&header)?;
        }
    }
    let status = match state.status(minute(&c["now"])) {
        ChainStatus::Ok => json!("ok"),
        ChainStatus::Withheld { from, to } => json!({"withheld": [from, to]}),
        ChainStatus::Stale => json!("stale"),
    };
    Ok(json!({"head": state.head().sequence, "status": status}))
}

pub fn check_time(doc: &Value) {
    for c in doc["slots"].as_array().unwrap() {
        assert_eq!(slot_of(minute(&c["minute"])), slot(&c["slot"]));
        assert_eq!(epoch_of(minute(&c["minute"])), epoch(&c["epoch"]));
    }
    for c in doc["stays"].as_array().unwrap() {
        let r = stay_slots(minute(&c["arrival"]), minute(&c["departure"]));
        assert_eq!(
            (r.start(), r.end()),
            (slot(&c["first_slot"]), slot(&c["last_slot"]))
        );
    }
    let off = |v: &Value| i8::try_from(v.as_i64().unwrap()).unwrap();
    for c in doc["local_epochs"].as_array().unwrap() {
        if let Some(e) = c.get("local_epoch") {
            assert_eq!(
                local_epoch(minute(&c["minute"]), off(&c["utc_offset"])),
                epoch(e)
            );
        } else {
            assert_eq!(
                epoch_start(epoch(&c["epoch"]), off(&c["utc_offset"])),
                minute(&c["epoch_start"])
            );
        }
    }
    for c in doc["epochs_for_slot"].as_array().unwrap() {
        let r = epochs_for_slot(slot(&c["slot"]), off(&c["utc_offset"]));
        assert_eq!(
            (r.start(), r.end()),
            (epoch(&c["first_epoch"]), epoch(&c["last_epoch"]))
        );
    }
    for c in doc["overlap"].as_array().unwrap() {
        let a = c["a"].as_array().unwrap();
        let b = c["b"].as_array().unwrap();
        assert_eq!(
            overlap_minutes(minute(&a[0]), minute(&a[1]), minute(&b[0]), minute(&b[1])),
            u32::try_from(num(&c["minutes"])).unwrap()
        );
    }
}

/// The batch id the seal-key vectors use.
pub const BATCH_ID: [u8; 16] = [
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
];

pub fn slot_values(
    label: &str,
    seed: &Seed,
    key: &PublicKey,
    slots: &[Slot],
    epochs: &[Epoch],
) -> Value {
    let keys = seed.slot_keys(key);
    json!({
        "seed": label,
        "seed_bytes": h(seed.expose()),
        "venue_public_key": h(key.as_bytes()),
        "slot_ikm": h([seed.expose().as_slice(), key.as_bytes().as_slice()].concat()),
        "tokens": slots.iter().map(|&s| json!({"slot": s.get(), "token": h(keys.token(s).0)}))
            .collect::<Vec<_>>(),
        "seal_keys": slots.iter().map(|&s| json!({"slot": s.get(), "batch_id": h(BATCH_ID),
            "seal_key": h(keys.seal_key(s, &BATCH_ID).expose())})).collect::<Vec<_>>(),
        "count_tags": epochs.iter().map(|&e| json!({"epoch": e.get(), "count_tag": h(keys.count_tag(e).0)}))
            .collect::<Vec<_>>(),
    })
}

pub fn check_decimal(doc: &Value) {
    for c in doc["cases"].as_array().unwrap() {
        let bytes = unh(&c["bytes"]);
        let digits = c["digits"].as_str().unwrap();
        assert_eq!(encode_decimal(&bytes), digits);
        assert_eq!(decode_decimal(digits).unwrap(), bytes);
    }
}

/// seeds.json: the master seed's static and rotating seeds, and every set of slot values
/// (tokens, seal keys, count tags) recomputed from its seed and venue key.
pub fn check_seeds(doc: &Value) {
    let master = MasterSeed::from_bytes(arr(&doc["master_seed"]));
    assert_eq!(
        h(master.static_seed().expose()),
        doc["static_seed"].as_str().unwrap()
    );
    for r in doc["rotating_seeds"].as_array().unwrap() {
        assert_eq!(
            h(master.rotating_seed(epoch(&r["epoch"])).expose()),
            r["seed"].as_str().unwrap()
        );
    }
    for v in doc["slot_values"].as_array().unwrap() {
        let seed = Seed::from_bytes(arr(&v["seed_bytes"]));
        let key = PublicKey::from_bytes(&arr(&v["venue_public_key"])).unwrap();
        let list = |list: &str| v[list].as_array().unwrap().iter();
        let slots: Vec<Slot> = list("tokens").map(|x| slot(&x["slot"])).collect();
        let epochs: Vec<Epoch> = list("count_tags").map(|x| epoch(&x["epoch"])).collect();
        let label = v["seed"].as_str().unwrap();
        let fresh = slot_values(label, &seed, &key, &slots, &epochs);
        assert_eq!(&fresh, v, "seeds.json / {label}");
    }
}
