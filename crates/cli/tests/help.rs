//! Every command explains itself: `--help` exits 0 and shows an example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["server"],
    &["venue", "register"],
    &["venue", "poster"],
    &["venue", "code"],
    &["venue", "recovery-sheet"],
    &["venue", "display"],
    &["venue", "guestbook", "add"],
    &["venue", "guestbook", "list"],
    &["venue", "guestbook", "disclose"],
    &["venue", "notified"],
    &["venue", "release-seeds"],
    &["venue", "counts"],
    &["venue", "revoke"],
    &["authority", "init"],
    &["authority", "tan"],
    &["authority", "uploads", "list"],
    &["authority", "uploads", "open"],
    &["authority", "uploads", "delete"],
    &["authority", "publish"],
    &["authority", "disable"],
    &["authority", "stats"],
    &["visitor", "scan"],
    &["visitor", "checkout"],
    &["visitor", "diary"],
    &["visitor", "edit"],
    &["visitor", "hide"],
    &["visitor", "sync"],
    &["visitor", "share"],
];

#[test]
fn every_command_has_help_with_an_example() {
    for path in COMMANDS {
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(*path)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{path:?} --help failed");
        assert!(
            text.contains("Example"),
            "{path:?} --help shows no example:\n{text}"
        );
    }
}

#[test]
fn a_missing_pledge_is_refused_before_anything_is_written() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
        .args(["--home"])
        .arg(home.path())
        .args([
            "--server",
            "http://127.0.0.1:9",
            "venue",
            "register",
            "--name",
            "测试",
            "--address",
            "测试路1号",
            "--region",
            "620105",
            "--category",
            "restaurant",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("pledge"), "{err}");
    assert!(!home.path().join("venue").exists());
}
