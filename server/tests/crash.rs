//! Crash durability: the `venuecode-server` binary is driven by concurrent writers
//! (exposure batches, TAN registrations and uploads, venue registrations) and killed with
//! SIGKILL at a random moment, again and again on one data directory. After every kill the
//! store must open, and every write that was answered with a 2xx must be in it.
//!
//! `VENUECODE_CRASH_CYCLES` sets the number of kill cycles (default 50; set thousands for a
//! long run). `VENUECODE_CRASH_SEED` replays a run (the seed is printed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use venuecode_protocol::envelope::{tan_hash, RequestEnvelope};
use venuecode_protocol::exposure::{BatchBuilder, ExposureWindow, RiskLevel};
use venuecode_protocol::sealed::{seal, UPLOAD_INFO};
use venuecode_protocol::{
    ChainHead, Codec, DecryptionKey, ExposureBatch, MasterSeed, SigningKey, VenueCategory,
    VenueCertificate,
};
use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
use venuecode_server::{RedbStorage, Storage};
use venuecode_testkit::crash::{self, Rng};
use venuecode_testkit::fixture::{registration_request, venue_info};
use venuecode_testkit::server::process::{self, Running};

const BIN: &str = env!("CARGO_BIN_EXE_venuecode-server");
const WRITERS: usize = 3;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// xorshift64*: enough randomness for kill times, and replayable from the printed seed.
/// A write the server acknowledged with a 2xx.
#[derive(Debug, Clone)]
enum Ack {
    Batch {
        sequence: u64,
        bytes: Vec<u8>,
    },
    Tan {
        tan: String,
    },
    Upload {
        id: u64,
        tan: String,
        bytes: Vec<u8>,
    },
    Venue {
        serial: u64,
        certificate: Vec<u8>,
    },
}

struct Keys {
    dir: PathBuf,
    ha: SigningKey,
    ha_enc: DecryptionKey,
}

impl Keys {
    fn new(dir: &Path) -> Self {
        let ra = SigningKey::generate().unwrap();
        let ha = SigningKey::generate().unwrap();
        let admin = SigningKey::generate().unwrap();
        let ha_enc = DecryptionKey::generate().unwrap();
        write_signing_key(&dir.join("ra.key"), &ra).unwrap();
        write_public_key(&dir.join("admin.pub"), &admin.public_key()).unwrap();
        write_public_key(&dir.join("ha.pub"), &ha.public_key()).unwrap();
        write_encryption_key(&dir.join("ha-enc.pub"), &ha_enc.public_key()).unwrap();
        Self {
            dir: dir.to_owned(),
            ha,
            ha_enc,
        }
    }
}

/// Starts the server binary on a free port and waits for its "listening" log line.
fn start(keys: &Keys, data: &Path) -> Running {
    let mut cmd = Command::new(BIN);
    cmd.args(process::key_dir_args(data, &keys.dir))
        .args(["--rate-burst", "1000000", "--rate-per-minute", "1000000"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    process::spawn(cmd)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// Sends a request; `None` when the connection failed (the server died).
fn send(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Option<(u16, Vec<u8>)> {
    let mut b = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"));
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    let mut resp = agent.run(b.body(body).unwrap()).ok()?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_vec().ok()?;
    Some((status, body))
}

/// The server's chain head, read from its latest batch; `None` when the server died.
fn chain_head(agent: &ureq::Agent, base: &str) -> Option<ChainHead> {
    let (_, list) = send(agent, base, "GET", "/v1/batches?after=0", &[], Vec::new())?;
    let latest = serde_json::from_slice::<serde_json::Value>(&list).ok()?["latest"].as_u64()?;
    if latest == 0 {
        return Some(ChainHead::GENESIS);
    }
    let path = format!("/v1/batches/{latest}");
    let (_, bytes) = send(agent, base, "GET", &path, &[], Vec::new())?;
    Some(ExposureBatch::decode(&bytes).unwrap().chain_head())
}

fn signed(key: &SigningKey, method: &str, path: &str, body: &[u8]) -> (&'static str, String) {
    let env = RequestEnvelope::sign(key, method, path, body, now()).unwrap();
    ("venuecode-signature", env.to_header())
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

/// One writer: cycles through the three kinds of write until a request fails to connect.
fn writer(
    base: String,
    keys: Arc<(SigningKey, DecryptionKey)>,
    acks: Arc<Mutex<Vec<Ack>>>,
    stop: Arc<AtomicBool>,
    id: usize,
) {
    let agent = agent();
    let (ha, ha_enc) = (&keys.0, &keys.1);
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let ack = match (n as usize + id) % 3 {
            0 => {
                let minute = venuecode_protocol::time::UnixMinute::new((now() / 60) as u32);
                let Some(head) = chain_head(&agent, &base) else {
                    return;
                };
                let mut b = BatchBuilder::new(head, minute, vec!["Get tested".into()]).unwrap();
                b.add(&ExposureWindow {
                    seed: MasterSeed::generate().unwrap().static_seed(),
                    venue_key: ha.public_key(),
                    start: minute - 90,
                    end: minute - 30,
                    risk: RiskLevel::HIGH,
                    message_index: 0,
                })
                .unwrap();
                let bytes = b.sign(ha).unwrap().encode();
                let sig = signed(ha, "POST", "/v1/batches", &bytes);
                let Some((status, body)) =
                    send(&agent, &base, "POST", "/v1/batches", &[sig], bytes.clone())
                else {
                    return;
                };
                if status != 201 {
                    // Anything but success must be a refusal the harness understands: another
                    // writer extended the chain first (409), or a fault.
                    assert!(status == 409 || status >= 500, "batch: {status}");
                    continue;
                }
                vec![Ack::Batch {
                    sequence: json(&body)["sequence"].as_u64().unwrap(),
                    bytes,
                }]
            }
            1 => {
                let tan = format!("CRASH-{id}-{n}-{}", now());
                let reg = serde_json::to_vec(&serde_json::json!({"tans": [{
                    "hash": hex::encode(tan_hash(&tan).unwrap()),
                    "expires_at": now() + 3600,
                    "purpose": "case",
                }]}))
                .unwrap();
                let sig = signed(ha, "POST", "/v1/tans", &reg);
                let Some((status, _)) = send(&agent, &base, "POST", "/v1/tans", &[sig], reg) else {
                    return;
                };
                if status != 201 {
                    continue;
                }
                acks.lock().unwrap().push(Ack::Tan { tan: tan.clone() });
                let bytes = seal(&ha_enc.public_key(), UPLOAD_INFO, tan.as_bytes())
                    .unwrap()
                    .encode();
                let Some((status, body)) = send(
                    &agent,
                    &base,
                    "POST",
                    "/v1/uploads",
                    &[(
                        "venuecode-tan-hash",
                        venuecode_protocol::envelope::tan_hash_hex(&tan).unwrap(),
                    )],
                    bytes.clone(),
                ) else {
                    return;
                };
                if status != 201 {
                    continue;
                }
                vec![Ack::Upload {
                    id: json(&body)["id"].as_u64().unwrap(),
                    tan,
                    bytes,
                }]
            }
            _ => {
                let key = SigningKey::generate().unwrap();
                let info = venue_info(
                    &format!("Crash Venue {id}-{n}"),
                    "1 Example Road",
                    VenueCategory::RESTAURANT,
                    60,
                    32,
                );
                let body = registration_request(&key, info, true).encode();
                let sig = signed(&key, "POST", "/v1/venues", &body);
                let Some((status, certificate)) =
                    send(&agent, &base, "POST", "/v1/venues", &[sig], body)
                else {
                    return;
                };
                if status != 201 {
                    continue;
                }
                let serial = VenueCertificate::decode(&certificate).unwrap().serial();
                vec![Ack::Venue {
                    serial,
                    certificate,
                }]
            }
        };
        acks.lock().unwrap().extend(ack);
    }
}

/// Opens the store directly and checks every acknowledged write. Returns the number checked.
fn verify(data: &Path, acks: &[Ack]) -> Result<usize, String> {
    let store = RedbStorage::open(data).map_err(|e| format!("the store does not open: {e}"))?;
    for a in acks {
        match a {
            Ack::Batch { sequence, bytes } => match store.batch(*sequence) {
                Ok(Some((_, got))) if &got == bytes => {}
                other => return Err(format!("batch {sequence} lost or changed: {other:?}")),
            },
            Ack::Tan { tan } => match store.tan(&tan_hash(tan).unwrap()) {
                Ok(Some(_)) => {}
                other => return Err(format!("TAN {tan} lost: {other:?}")),
            },
            Ack::Upload { id, tan, bytes } => {
                match store.upload(*id) {
                    Ok(Some((_, got))) if &got == bytes => {}
                    other => {
                        return Err(format!(
                            "upload {id} lost or changed: {:?}",
                            other.map(|o| o.map(|x| x.1.len()))
                        ))
                    }
                }
                match store.tan(&tan_hash(tan).unwrap()) {
                    Ok(Some(t)) if t.used => {}
                    other => return Err(format!("TAN {tan} of upload {id} not used: {other:?}")),
                }
            }
            Ack::Venue {
                serial,
                certificate,
            } => match store.venue(*serial) {
                Ok(Some(v)) if &v.certificate == certificate => {}
                other => return Err(format!("venue {serial} lost or changed: {other:?}")),
            },
        }
    }
    Ok(acks.len())
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    let (cycles, seed) = crash::settings();
    eprintln!("crash harness: {cycles} cycles, VENUECODE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(dir.path());
    let data = dir.path().join("data");
    let shared = Arc::new((keys.ha.clone(), keys.ha_enc.clone()));
    let mut all: Vec<Ack> = Vec::new();
    let mut kills_mid_write = 0;

    for cycle in 0..cycles {
        let running = start(&keys, &data);
        let acks = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..WRITERS)
            .map(|id| {
                let (base, keys, acks, stop) = (
                    running.base.clone(),
                    Arc::clone(&shared),
                    Arc::clone(&acks),
                    Arc::clone(&stop),
                );
                std::thread::spawn(move || writer(base, keys, acks, stop, id))
            })
            .collect();
        // Kill at a random moment while the writers are busy.
        std::thread::sleep(Duration::from_millis(20 + rng.below(250)));
        let pid = running.child.id();
        let mut running = running;
        running.child.kill().unwrap(); // SIGKILL
        let status = running.child.wait().unwrap();
        assert!(!status.success(), "pid {pid} exited on its own: {status}");
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("a writer panicked");
        }
        drop(running);
        let new = std::mem::take(&mut *acks.lock().unwrap());
        if !new.is_empty() {
            kills_mid_write += 1;
        }
        // This cycle's writes, and a sample of the earlier ones (all of them are checked at
        // the end), so that long runs stay linear.
        let mut check: Vec<Ack> = (0..all.len().min(200))
            .map(|_| all[rng.below(all.len() as u64) as usize].clone())
            .collect();
        check.extend(new.iter().cloned());
        all.extend(new);
        if let Err(e) = verify(&data, &check) {
            panic!("cycle {cycle} (seed {seed}): {e}");
        }
    }
    if let Err(e) = verify(&data, &all) {
        panic!("after {cycles} cycles (seed {seed}): {e}");
    }
    // The last server must also start on the data and serve what was acknowledged.
    let running = start(&keys, &data);
    let agent = agent();
    let last_batch = all.iter().rev().find_map(|a| match a {
        Ack::Batch { sequence, bytes } => Some((*sequence, bytes.clone())),
        _ => None,
    });
    if let Some((seq, bytes)) = last_batch {
        let (status, body) = send(
            &agent,
            &running.base,
            "GET",
            &format!("/v1/batches/{seq}"),
            &[],
            Vec::new(),
        )
        .unwrap();
        assert_eq!((status, body), (200, bytes));
    }
    drop(running);
    eprintln!(
        "crash harness: {} acknowledged writes kept over {cycles} kills ({kills_mid_write} during writes)",
        all.len()
    );
    assert!(
        kills_mid_write * 2 >= cycles,
        "most kills should land while writes are acknowledged ({kills_mid_write}/{cycles})"
    );
    assert!(all.iter().any(|a| matches!(a, Ack::Batch { .. })));
    assert!(all.iter().any(|a| matches!(a, Ack::Upload { .. })));
    assert!(all.iter().any(|a| matches!(a, Ack::Venue { .. })));
}

#[test]
fn a_store_killed_while_being_created_opens_afterwards() {
    let (_, seed) = crash::settings();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(dir.path());
    // How long a first start (the store made, then listening) takes here, to kill inside it.
    let started = std::time::Instant::now();
    drop(start(&keys, &dir.path().join("timed")));
    let making = started.elapsed().as_micros().max(1) as u64;
    let cycles = 16;
    for cycle in 0..cycles {
        let data = dir.path().join(format!("data-{cycle}"));
        let mut child = Command::new(BIN)
            .args(process::key_dir_args(&data, &keys.dir))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(making)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Wherever the kill landed, the store opens (afresh if it was never made).
        if let Err(e) = RedbStorage::open(&data) {
            panic!("cycle {cycle}: the store does not open ({e}); VENUECODE_CRASH_SEED={seed}");
        }
    }
    eprintln!("store creation: {cycles} kills within {making} µs of a first start; VENUECODE_CRASH_SEED={seed}");
}
