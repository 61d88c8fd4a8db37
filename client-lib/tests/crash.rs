//! Crash durability of the diary: a child process (this test binary, re-executed in child
//! mode) checks in and syncs on one diary, printing an acknowledgement after each operation
//! returns; the parent SIGKILLs it at a random moment, reopens the diary and checks that every
//! acknowledged check-in and exposure is there and that nothing reads as corrupt. The next
//! child continues on the same diary.
//!
//! `VENUECODE_CRASH_CYCLES` sets the number of kill cycles (default 50); `VENUECODE_CRASH_SEED`
//! replays a run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use venuecode_client::transport::{Request, Response, Transport};
use venuecode_client::{DiaryKey, ManualClock, Venue, Visitor, VisitorConfig};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::*;
use venuecode_testkit::crash::{self, Rng};
use venuecode_testkit::fixture::{certificate, restaurant, revocation_list};

/// Set in the child: the diary path.
const CHILD_ENV: &str = "VENUECODE_DIARY_CRASH_CHILD";
const KEY: [u8; 32] = [0x5c; 32];
use crash::START;

struct Authorities {
    ra: SigningKey,
    ha: SigningKey,
    trust: TrustBundle,
    venues: [Venue; 2],
}

fn authorities() -> Authorities {
    let crash::StoryTrust {
        ra,
        ha,
        bundle: trust,
        ..
    } = crash::story_trust();
    let venue = |n: u8, name: &str| {
        let key = SigningKey::from_seed(&[10 + n; 32]).unwrap();
        let info = restaurant(name);
        let cert = certificate(
            &ra,
            u64::from(n) + 1,
            &key,
            info,
            START - 1440,
            START + 3650 * 1440,
        );
        Venue::new(cert, MasterSeed::from_bytes([20 + n; 32]), key, &trust).unwrap()
    };
    let venues = [venue(0, "兰州牛肉面馆"), venue(1, "安宁区图书馆")];
    Authorities {
        ra,
        ha,
        trust,
        venues,
    }
}

fn config(a: &Authorities) -> VisitorConfig {
    let mut c = VisitorConfig::new(a.trust.clone()).unwrap();
    // Keep everything: the harness checks every acknowledged entry, however old.
    c.retention_days = 100_000;
    // Stays are two minutes long here; any overlap raises an exposure.
    c.min_overlap_minutes = 1;
    c
}

/// A fake server whose batch sequence numbers start where the parent says, so that every
/// child's batches lie past the diary's stored head. Each child's chain starts after a prefix
/// its checkpoint declares expired (`retained_from`), which is how a phone resumes past batches
/// it never read.
#[derive(Clone)]
struct Fake {
    list: Vec<u8>,
    batches: Batches,
    checkpoint: Arc<Mutex<Vec<u8>>>,
}

/// Published batches by sequence number.
type Batches = Arc<Mutex<Vec<(u64, Vec<u8>)>>>;

impl Transport for Fake {
    fn send(&self, r: Request) -> venuecode_client::Result<Response> {
        let path = r.path.as_str();
        if path.starts_with("/v1/revocations") {
            return Ok(Response::from_bytes(200, self.list.clone()));
        }
        if path == "/v1/checkpoint" {
            let cp = self.checkpoint.lock().unwrap().clone();
            return Ok(Response::from_bytes(200, cp));
        }
        let batches = self.batches.lock().unwrap();
        if let Some(q) = path.strip_prefix("/v1/batches?after=") {
            let after: u64 = q.parse().unwrap();
            let listed: Vec<_> = batches
                .iter()
                .filter(|(s, _)| *s > after)
                .map(|(s, b)| serde_json::json!({"sequence": s, "size": b.len(), "records": 1}))
                .collect();
            let latest = batches.last().map_or(0, |(s, _)| *s);
            let body = serde_json::json!({"batches": listed, "latest": latest});
            return Ok(Response::from_bytes(200, body.to_string().into_bytes()));
        }
        if let Some(seq) = path.strip_prefix("/v1/batches/") {
            let seq: u64 = seq.parse().unwrap();
            if let Some((_, b)) = batches.iter().find(|(s, _)| *s == seq) {
                return Ok(Response::from_bytes(200, b.clone()));
            }
        }
        Ok(Response::from_bytes(
            404,
            b"{\"error\":\"not_found\"}".to_vec(),
        ))
    }
}

fn open(path: &Path, a: &Authorities, now: UnixMinute, t: impl Transport + 'static) -> Visitor {
    Visitor::open(
        path,
        DiaryKey::from_bytes(KEY),
        config(a),
        ManualClock::at_minute(now),
        t,
    )
    .unwrap()
}

/// The child: checks in at alternating venues, a minute apart, and every third check-in
/// publishes a batch that overlaps the stay before and syncs. Prints `ACK id minute` after
/// each check-in returns and `EXP n` (exposures in the diary) after each sync returns.
fn child(path: &Path) {
    let a = authorities();
    let start = UnixMinute::new(
        std::env::var("VENUECODE_DIARY_START")
            .unwrap()
            .parse()
            .unwrap(),
    );
    let first_seq: u64 = std::env::var("VENUECODE_DIARY_SEQ")
        .unwrap()
        .parse()
        .unwrap();
    let list = revocation_list(&a.ra, START, (0, 0, 0), &[]).encode();
    // This child's chain: batches from `first_seq` on, after a prefix declared expired.
    let mut head = ChainHead {
        sequence: first_seq - 1,
        link: [(first_seq % 251) as u8 + 1; 32],
    };
    let retained = (first_seq, head.link);
    let sign_checkpoint = |head: ChainHead, now: UnixMinute| {
        Checkpoint::sign(
            CheckpointBody::new(a.ha.key_id(), now, head, retained),
            &a.ha,
        )
        .unwrap()
        .encode()
    };
    let fake = Fake {
        list,
        batches: Arc::new(Mutex::new(Vec::new())),
        checkpoint: Arc::new(Mutex::new(sign_checkpoint(head, start))),
    };
    let clock = ManualClock::at_minute(start);
    let v = Visitor::open(
        path,
        DiaryKey::from_bytes(KEY),
        config(&a),
        clock.clone(),
        fake.clone(),
    )
    .unwrap();
    let mut out = std::io::stdout().lock();
    let codes: Vec<String> = a
        .venues
        .iter()
        .map(|v| v.static_code().unwrap().to_url(DEFAULT_BASE_URL))
        .collect();
    let mut seq = first_seq;
    // Bounded: the parent kills the child long before.
    for i in 0..100_000u32 {
        let now = start + 2 * i;
        clock.set_minute(now);
        let c = v.scan_and_check_in(&codes[(i % 2) as usize]).unwrap();
        writeln!(out, "ACK {} {now}", c.entry.id().0).unwrap();
        out.flush().unwrap();
        if i % 3 == 2 {
            // A window around now at this venue overlaps the visitor's earlier stays there.
            let venue = &a.venues[(i % 2) as usize];
            let mut b = BatchBuilder::new(head, now, vec!["Get tested.".into()]).unwrap();
            let code = venue.static_code().unwrap();
            b.add(&ExposureWindow {
                seed: code.seed().clone(),
                venue_key: code.certificate().body().venue_key,
                start: now - 30,
                end: now + 30,
                risk: RiskLevel::HIGH,
                message_index: 0,
            })
            .unwrap();
            let batch = b.sign(&a.ha).unwrap();
            assert_eq!(batch.header().header().sequence, seq);
            head = batch.chain_head();
            fake.batches.lock().unwrap().push((seq, batch.encode()));
            *fake.checkpoint.lock().unwrap() = sign_checkpoint(head, now);
            seq += 1;
            let r = v.sync().unwrap();
            assert!(r.batch_sync.is_ok(), "{r:?}");
            let n = v.exposures().unwrap().len();
            writeln!(out, "EXP {n} {}", seq - 1).unwrap();
            out.flush().unwrap();
        }
    }
}

#[test]
fn diary_crash_child() {
    // Child mode only: as a normal test, this does nothing.
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
    }
}

#[test]
fn every_acknowledged_check_in_survives_kill_9() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let (cycles, seed) = crash::settings();
    eprintln!("diary crash harness: {cycles} cycles, VENUECODE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let a = authorities();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.redb");
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<(u64, UnixMinute)> = Vec::new();
    let mut exposures_acked = 0usize;
    let mut cursor_acked = 0u64;
    let mut next_start = START;
    let mut killed_with_acks = 0;

    for cycle in 0..cycles {
        let mut child = crash::child_command(&exe, "diary_crash_child")
            .env(CHILD_ENV, &path)
            .env("VENUECODE_DIARY_START", next_start.to_string())
            // Past any head a killed child may have committed without acknowledging (one
            // batch at most), with a gap, so that the new chain starts after an expired prefix.
            .env("VENUECODE_DIARY_SEQ", (cursor_acked + 3).to_string())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let mut r = BufReader::new(stdout);
            let mut first = true;
            loop {
                let mut line = String::new();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if first && line.starts_with("ACK") {
                            let _ = tx.send(());
                            first = false;
                        }
                        lines.push(line);
                    }
                }
            }
            let mut rest = String::new();
            let _ = r.read_to_string(&mut rest);
            lines
        });
        // Kill at a random moment after the first acknowledged check-in.
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the child acknowledged nothing");
        std::thread::sleep(Duration::from_micros(rng.below(150_000)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child ended on its own: {status}");
        let lines = reader.join().unwrap();
        let before = acked.len();
        for l in &lines {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                ["ACK", id, minute] => acked.push((
                    id.parse().unwrap(),
                    UnixMinute::new(minute.parse().unwrap()),
                )),
                ["EXP", n, seq] => {
                    exposures_acked = exposures_acked.max(n.parse().unwrap());
                    cursor_acked = cursor_acked.max(seq.parse().unwrap());
                }
                _ => {}
            }
        }
        if acked.len() > before {
            killed_with_acks += 1;
        }
        let last = acked.last().map_or(START, |x| x.1);

        // Reopen and check.
        let v = open(
            &path,
            &a,
            last,
            Fake {
                list: Vec::new(),
                batches: Arc::default(),
                checkpoint: Arc::default(),
            },
        );
        let entries = v
            .all_entries()
            .unwrap_or_else(|e| panic!("cycle {cycle} (seed {seed}): entries unreadable: {e:?}"));
        let ids: std::collections::BTreeSet<u64> = entries.iter().map(|e| e.id().0).collect();
        for (id, minute) in &acked {
            assert!(
                ids.contains(id),
                "cycle {cycle} (seed {seed}): acknowledged check-in {id} at {minute} is missing"
            );
        }
        for e in &entries {
            assert!(
                e.departure() > e.arrival(),
                "cycle {cycle}: entry {:?} inconsistent",
                e.id()
            );
            v.entry(e.id()).unwrap();
        }
        let exposures = v
            .exposures()
            .unwrap_or_else(|e| panic!("cycle {cycle} (seed {seed}): exposures unreadable: {e:?}"));
        assert!(
            exposures.len() >= exposures_acked,
            "cycle {cycle} (seed {seed}): {} exposures, {exposures_acked} acknowledged",
            exposures.len()
        );
        drop(v);
        // The next child starts after anything this one may have written.
        next_start = entries
            .iter()
            .map(|e| e.scanned_at())
            .max()
            .unwrap_or(START)
            .max(last)
            + 10;
    }
    eprintln!(
        "diary crash harness: {} acknowledged check-ins and {exposures_acked} exposures kept over {cycles} kills",
        acked.len()
    );
    assert!(killed_with_acks == cycles);
    assert!(exposures_acked > 0, "no sync was acknowledged");
}

/// Set in the child of the creation test: the path of the diary to create.
const CREATE_ENV: &str = "VENUECODE_DIARY_CREATE_CHILD";

/// A server that is never reached.
struct NoServer;

impl Transport for NoServer {
    fn send(&self, _: Request) -> venuecode_client::Result<Response> {
        Ok(Response::from_bytes(
            404,
            b"{\"error\":\"not_found\"}".to_vec(),
        ))
    }
}

#[test]
fn diary_create_child() {
    // Child mode only: as a normal test, this does nothing.
    if let Some(path) = std::env::var_os(CREATE_ENV) {
        let a = authorities();
        let mut out = std::io::stdout();
        writeln!(out, "GO").unwrap();
        out.flush().unwrap();
        drop(open(Path::new(&path), &a, START, NoServer));
        writeln!(out, "OPENED").unwrap();
        out.flush().unwrap();
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[test]
fn a_diary_killed_while_being_created_opens_afterwards() {
    if std::env::var_os(CHILD_ENV).is_some() || std::env::var_os(CREATE_ENV).is_some() {
        return;
    }
    let (_, seed) = crash::settings();
    let mut rng = Rng(seed);
    let a = authorities();
    let dir = tempfile::tempdir().unwrap();
    // How long making a new diary takes here, so that the kills land inside it.
    let started = std::time::Instant::now();
    drop(open(&dir.path().join("timed.redb"), &a, START, NoServer));
    let making = started.elapsed().as_micros().max(1) as u64;
    let exe = std::env::current_exe().unwrap();
    let cycles = 24;
    let mut before_made = 0;
    for cycle in 0..cycles {
        let path = dir.path().join(format!("diary-{cycle}.redb"));
        let mut child = crash::child_command(&exe, "diary_create_child")
            .env(CREATE_ENV, &path)
            .spawn()
            .unwrap();
        let mut r = BufReader::new(child.stdout.take().unwrap());
        // The test harness prints its own lines first.
        let mut line = String::new();
        while !line.trim_end().ends_with("GO") {
            line.clear();
            let n = r.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "the child ended before GO; VENUECODE_CRASH_SEED={seed}"
            );
        }
        std::thread::sleep(Duration::from_micros(rng.below(2 * making)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut rest = String::new();
        let _ = r.read_to_string(&mut rest);
        if !rest.contains("OPENED") {
            before_made += 1;
        }
        // Wherever the kill landed, the diary opens (afresh if it was never made) and works.
        let v = open(&path, &a, START, NoServer);
        assert!(
            v.entries().unwrap().is_empty(),
            "VENUECODE_CRASH_SEED={seed}"
        );
    }
    eprintln!(
        "diary creation: {before_made} of {cycles} children killed before the diary was made \
         (making one takes {making} µs here); VENUECODE_CRASH_SEED={seed}"
    );
}
