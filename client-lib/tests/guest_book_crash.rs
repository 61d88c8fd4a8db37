//! Crash durability of the guest book: a child process (this test binary, re-executed in child
//! mode) records, edits, checks out and deletes guests, printing an acknowledgement after each
//! change returns; the parent SIGKILLs it at a random moment, reopens the book and checks that
//! every acknowledged change is there, that nothing reads as corrupt, and that each record and
//! the entry sealed to the HA inside it agree (a change is never half applied). The next child
//! continues on the same book.
//!
//! `VENUECODE_CRASH_CYCLES` sets the number of kill cycles (default 50); `VENUECODE_CRASH_SEED`
//! replays a run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use venuecode_client::{DiaryKey, GuestBook, GuestEdit, ManualClock};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{DecryptionKey, GuestBookEntry, TrustBundle};
use venuecode_testkit::crash::{self, Rng};

/// Set in the child: the guest book's path.
const CHILD_ENV: &str = "VENUECODE_GUEST_BOOK_CRASH_CHILD";
const KEY: [u8; 32] = [0x4d; 32];
use crash::START;

fn trust() -> (TrustBundle, DecryptionKey) {
    let t = crash::story_trust();
    (t.bundle, t.ha_enc)
}

fn open(path: &Path) -> GuestBook {
    let (t, _) = trust();
    GuestBook::open(
        path,
        DiaryKey::from_bytes(KEY),
        7,
        &t,
        ManualClock::at_minute(START + 100),
    )
    .unwrap_or_else(|e| panic!("the guest book does not open: {e:?}"))
}

/// The child: for each guest, record on arrival, move the arrival, check out, and delete every
/// third; each acknowledged once it returned.
fn child(path: &Path) {
    let book = open(path);
    let mut out = std::io::stdout().lock();
    for i in 0..100_000u32 {
        let arrival = START + (i % 50);
        let g = book
            .add_open("卢伟", "18212341234", arrival, arrival + 60)
            .unwrap();
        writeln!(out, "ADD {} {arrival}", g.id).unwrap();
        out.flush().unwrap();
        let moved = arrival - 1;
        book.edit(
            g.id,
            &GuestEdit {
                arrival: Some(moved),
                ..GuestEdit::default()
            },
        )
        .unwrap();
        writeln!(out, "ARR {} {moved}", g.id).unwrap();
        out.flush().unwrap();
        let departure = arrival + 20 + (i % 7);
        book.check_out(g.id, departure).unwrap();
        writeln!(out, "OUT {} {departure}", g.id).unwrap();
        out.flush().unwrap();
        if i % 3 == 2 {
            book.delete(g.id).unwrap();
            writeln!(out, "DEL {}", g.id).unwrap();
            out.flush().unwrap();
        }
    }
}

#[test]
fn guest_book_crash_child() {
    // Child mode only: as a normal test, this does nothing.
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
    }
}

/// What the acknowledgements say a guest must look like.
#[derive(Default, Debug)]
struct Expected {
    /// The arrival recorded.
    arrival: UnixMinute,
    /// The moved arrival, once acknowledged.
    moved: Option<UnixMinute>,
    departure: Option<UnixMinute>,
    deleted: bool,
}

#[test]
fn every_acknowledged_guest_book_change_survives_kill_9() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let (cycles, seed) = crash::settings();
    // Each cycle starts a process: a third of the diary harness's cycles is plenty here.
    let cycles = cycles.div_ceil(3);
    eprintln!("guest book crash harness: {cycles} cycles, VENUECODE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let (_, ha_enc) = trust();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("guests.redb");
    let exe = std::env::current_exe().unwrap();
    let mut expected: BTreeMap<u64, Expected> = BTreeMap::new();

    for cycle in 0..cycles {
        let mut child = crash::child_command(&exe, "guest_book_crash_child")
            .env(CHILD_ENV, &path)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let mut first = true;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Killed only once the book exists: its first creation is not under test.
                if first && line.contains("ADD ") {
                    let _ = tx.send(());
                    first = false;
                }
                lines.push(line);
            }
            lines
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the child acknowledged nothing");
        std::thread::sleep(Duration::from_micros(rng.below(150_000)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child ended on its own: {status}");
        for l in reader.join().unwrap() {
            // The first acknowledgement shares its line with the test harness's `test … ` prefix.
            let start = ["ADD ", "ARR ", "OUT ", "DEL "]
                .iter()
                .filter_map(|k| l.find(k))
                .min();
            let Some(start) = start else { continue };
            let f: Vec<&str> = l[start..].split_whitespace().collect();
            let minute = |t: &str| UnixMinute::new(t.parse().unwrap());
            match f.as_slice() {
                ["ADD", id, a] => {
                    expected.entry(id.parse().unwrap()).or_default().arrival = minute(a);
                }
                ["ARR", id, a] => {
                    expected.get_mut(&id.parse().unwrap()).unwrap().moved = Some(minute(a));
                }
                ["OUT", id, d] => {
                    expected.get_mut(&id.parse().unwrap()).unwrap().departure = Some(minute(d));
                }
                ["DEL", id] => expected.get_mut(&id.parse().unwrap()).unwrap().deleted = true,
                _ => {}
            }
        }

        // Reopen and check.
        let book = open(&path);
        let list = book
            .list()
            .unwrap_or_else(|e| panic!("cycle {cycle} (seed {seed}): unreadable: {e:?}"));
        let stored: BTreeMap<u64, _> = list.into_iter().map(|g| (g.id, g)).collect();
        for (id, e) in &expected {
            let g = stored.get(id);
            // A change not yet acknowledged when the child died may or may not have landed;
            // an acknowledged one must have.
            if e.deleted {
                assert!(
                    g.is_none(),
                    "cycle {cycle} (seed {seed}): deleted {id} is back"
                );
                continue;
            }
            let Some(g) = g else {
                // Only a delete, after the acknowledged check-out, may be unacknowledged.
                assert!(
                    e.departure.is_some(),
                    "cycle {cycle} (seed {seed}): guest {id} is lost"
                );
                continue;
            };
            match e.moved {
                Some(m) => assert_eq!(g.arrival, m, "cycle {cycle} (seed {seed}): {id}"),
                None => assert!(
                    g.arrival == e.arrival || g.arrival == e.arrival - 1,
                    "cycle {cycle} (seed {seed}): {id} arrival {}",
                    g.arrival
                ),
            }
            if let Some(d) = e.departure {
                assert!(!g.open, "cycle {cycle} (seed {seed}): {id} open again");
                assert_eq!(g.departure, d, "cycle {cycle} (seed {seed}): {id}");
            } else if e.moved.is_none() {
                assert!(
                    g.open,
                    "cycle {cycle} (seed {seed}): {id} closed before its edit"
                );
            }
        }
        // Whatever was not acknowledged is either wholly there or wholly absent: each record's
        // times are the ones sealed to the HA.
        for g in stored.values() {
            let sealed = GuestBookEntry::open(&ha_enc, &g.sealed).unwrap();
            assert_eq!(
                (sealed.arrival(), sealed.departure()),
                (g.arrival, g.departure),
                "cycle {cycle} (seed {seed}): guest {} half changed",
                g.id
            );
        }
        drop(book);
    }
    assert!(!expected.is_empty());
}
