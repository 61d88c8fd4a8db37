//! The authority home's state lock, through the library's public API only: callers that issue
//! TANs at the same time keep every TAN (the TAN ledger is loaded for changing only through the
//! lock guard), and a holder killed while it holds the lock releases it.
//!
//! The kill test re-executes this test binary in child mode (`STATE_LOCK_CHILD` names the
//! home): the child takes the lock, saves some TANs, issues more without saving, says `HELD`
//! and waits; the parent SIGKILLs it while another caller waits for the lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use venuecode_authority::{
    fresh_tans, register_tans, AuthorityHome, HealthAuthority, TanLedger, UploadPurpose,
};
use venuecode_client::transport::{Request, Response, Transport};
use venuecode_protocol::{DecryptionKey, SigningKey};

/// Set in the child: the authority home's root.
const CHILD_ENV: &str = "VENUECODE_STATE_LOCK_CHILD";
/// A bound on waiting for a message that should come at once: only a broken lock hits it.
const GUARD: Duration = Duration::from_secs(60);

/// A server that accepts every request (`201 {}`): TAN registration succeeds.
struct Accepting;

impl Transport for Accepting {
    fn send(&self, _req: Request) -> venuecode_client::Result<Response> {
        Ok(Response::from_bytes(201, b"{}".to_vec()))
    }
}

fn ha() -> HealthAuthority {
    HealthAuthority {
        signing: SigningKey::from_seed(&[7; 32]).unwrap(),
        decryption: DecryptionKey::generate().unwrap(),
    }
}

/// The short ids of the TANs in the home's ledger (read without the lock).
fn ledger_ids(home: &AuthorityHome) -> BTreeSet<String> {
    home.tan_ledger()
        .unwrap()
        .entries()
        .into_iter()
        .map(|(hash, _)| hash[..venuecode_authority::TAN_ID_LEN].to_owned())
        .collect()
}

fn ids(tans: &[String]) -> BTreeSet<String> {
    tans.iter()
        .map(|t| TanLedger::short_id(t).unwrap())
        .collect()
}

/// Issues `tans` through the library as any caller would: lock, load, register, save.
fn issue(home: &AuthorityHome, tans: &[String], on_wait: impl FnOnce()) {
    let state = home.lock(on_wait).unwrap();
    let mut ledger = state.tan_ledger().unwrap();
    register_tans(
        &Accepting,
        &ha(),
        &mut ledger,
        tans,
        UploadPurpose::Case,
        3600,
    )
    .unwrap();
}

#[derive(Debug, PartialEq, Eq)]
enum Second {
    Waiting,
    Issued,
}

#[test]
fn a_caller_that_loads_the_tan_ledger_while_another_changes_it_keeps_the_others_tans() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = AuthorityHome::new(dir.path());
    let (first_tans, second_tans) = (fresh_tans(3).unwrap(), fresh_tans(4).unwrap());

    // The first caller has loaded the ledger for changing...
    let state = home.lock(|| panic!("nobody held the lock")).unwrap();
    let mut ledger = state.tan_ledger().unwrap();
    // ...when a second caller issues TANs.
    let (tx, rx) = mpsc::channel();
    let second = {
        let home = home.clone();
        let tans = second_tans.clone();
        std::thread::spawn(move || {
            let waiting = tx.clone();
            issue(&home, &tans, move || {
                waiting.send(Second::Waiting).unwrap();
            });
            tx.send(Second::Issued).unwrap();
        })
    };
    // The second either waits for the lock (as it must) or, were the ledger loadable for
    // changing without it, loads the empty ledger and saves its TANs before the first saves.
    let heard = rx
        .recv_timeout(GUARD)
        .expect("the second caller said nothing");
    register_tans(
        &Accepting,
        &ha(),
        &mut ledger,
        &first_tans,
        UploadPurpose::Case,
        3600,
    )
    .unwrap();
    drop(ledger);
    drop(state);
    second.join().unwrap();

    let expected: BTreeSet<String> = ids(&first_tans)
        .union(&ids(&second_tans))
        .cloned()
        .collect();
    assert_eq!(ledger_ids(&home), expected, "TANs were lost");
    assert_eq!(heard, Second::Waiting);
}

#[test]
fn tracers_issuing_tans_at_the_same_moment_keep_every_tan() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = AuthorityHome::new(dir.path());
    let (threads, rounds, per_round) = (4, 10, 5);
    let batches: Vec<Vec<Vec<String>>> = (0..threads)
        .map(|_| {
            (0..rounds)
                .map(|_| fresh_tans(per_round).unwrap())
                .collect()
        })
        .collect();
    let start = std::sync::Arc::new(std::sync::Barrier::new(threads));
    let workers: Vec<_> = batches
        .iter()
        .cloned()
        .map(|rounds| {
            let home = home.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                for tans in rounds {
                    issue(&home, &tans, || {});
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let expected: BTreeSet<String> = batches.iter().flatten().flat_map(|t| ids(t)).collect();
    assert_eq!(expected.len(), threads * rounds * per_round);
    let kept = ledger_ids(&home);
    assert_eq!(
        expected.difference(&kept).count(),
        0,
        "TANs were lost: {} of {} kept",
        kept.len(),
        expected.len()
    );
}

/// The child: holds the lock, with two TANs saved and one more issued but not saved, until it
/// is killed (or its standard input closes, should the parent die first).
fn child(root: &Path) {
    let home = AuthorityHome::new(root);
    let state = home.lock(|| {}).unwrap();
    let mut ledger = state.tan_ledger().unwrap();
    let saved = fresh_tans(2).unwrap();
    register_tans(
        &Accepting,
        &ha(),
        &mut ledger,
        &saved,
        UploadPurpose::Case,
        3600,
    )
    .unwrap();
    let unsaved = fresh_tans(1).unwrap();
    ledger.issue(&unsaved, UploadPurpose::Case, 1, 2).unwrap();
    let mut out = std::io::stdout().lock();
    // On a line of its own: the test harness has printed `test state_lock_child ... ` before.
    writeln!(out).unwrap();
    writeln!(
        out,
        "SAVED {}",
        ids(&saved).into_iter().collect::<Vec<_>>().join(" ")
    )
    .unwrap();
    writeln!(out, "UNSAVED {}", TanLedger::short_id(&unsaved[0]).unwrap()).unwrap();
    writeln!(out, "HELD").unwrap();
    out.flush().unwrap();
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

#[test]
fn state_lock_child() {
    // Child mode only: as a normal test, this does nothing.
    if let Some(root) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&root));
    }
}

#[cfg(unix)]
#[test]
fn a_lock_holder_killed_while_holding_the_lock_lets_the_next_caller_proceed() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = AuthorityHome::new(dir.path());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "state_lock_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut saved = BTreeSet::new();
    let mut unsaved = BTreeSet::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the child ended before it held the lock")
            .unwrap();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("SAVED") => saved.extend(words.map(str::to_owned)),
            Some("UNSAVED") => unsaved.extend(words.map(str::to_owned)),
            Some("HELD") => break,
            _ => {}
        }
    }
    assert_eq!((saved.len(), unsaved.len()), (2, 1));

    // The next caller waits for the lock the child holds...
    let (tx, rx) = mpsc::channel();
    let mine = fresh_tans(3).unwrap();
    let next = {
        let home = home.clone();
        let tans = mine.clone();
        std::thread::spawn(move || {
            let waiting = tx.clone();
            issue(&home, &tans, move || waiting.send("waiting").unwrap());
            tx.send("issued").unwrap();
        })
    };
    assert_eq!(rx.recv_timeout(GUARD).expect("no word"), "waiting");
    // ...and proceeds once the child is killed holding it.
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child ended on its own: {status}");
    assert_eq!(
        rx.recv_timeout(GUARD)
            .expect("the lock was not released when its holder was killed"),
        "issued"
    );
    next.join().unwrap();
    // The child's saved TANs are kept, its unsaved one never was, and the next caller's are
    // added.
    let expected: BTreeSet<String> = saved.union(&ids(&mine)).cloned().collect();
    assert_eq!(ledger_ids(&home), expected);
    assert!(ledger_ids(&home).is_disjoint(&unsaved));
    drop(child.stdin.take());
}
