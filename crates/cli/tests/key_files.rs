//! Key files have labelled kinds, and `venuecode server` refuses a secret key given where a
//! public one belongs, before it opens a store or publishes anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn venuecode() -> Command {
    venuecode_testkit::cli::clean_command(env!("CARGO_BIN_EXE_venuecode"))
}

fn init(home: &Path) {
    let out = venuecode()
        .arg("--home")
        .arg(home)
        .args(["authority", "init"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn key_files_are_labelled_and_secret_ones_are_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("ha");
    init(&home);
    for (file, label) in [
        ("ra/ra.key", "venuecode ed25519 secret key"),
        ("ra/ra.pub", "venuecode ed25519 public key"),
        ("ra/admin.key", "venuecode ed25519 secret key"),
        ("ra/admin.pub", "venuecode ed25519 public key"),
        ("authority/ha-signing.key", "venuecode ed25519 secret key"),
        ("authority/ha-signing.pub", "venuecode ed25519 public key"),
        ("authority/ha-encryption.key", "venuecode x25519 secret key"),
        ("authority/ha-encryption.pub", "venuecode x25519 public key"),
    ] {
        let path = home.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next(), Some(label), "{file}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            if file.ends_with(".key") {
                assert_eq!(mode, 0o600, "{file}");
            }
        }
    }
}

#[test]
fn the_server_refuses_a_secret_key_where_a_public_key_belongs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("ha");
    init(&home);
    let data = dir.path().join("data");
    let cases: [(&str, &str, &str); 4] = [
        (
            "--ha-keys",
            "authority/ha-signing.key",
            "authority/ha-signing.pub",
        ),
        ("--ha-keys", "ra/ra.key", "authority/ha-signing.pub"),
        ("--admin-key", "ra/admin.key", "ra/admin.pub"),
        (
            "--ha-encryption-key",
            "authority/ha-encryption.key",
            "authority/ha-encryption.pub",
        ),
    ];
    for (flag, wrong, _) in cases {
        let mut args: Vec<(&str, String)> = cases
            .iter()
            .filter(|(f, ..)| *f != flag)
            .map(|(f, _, right)| (*f, home.join(right).display().to_string()))
            .collect();
        args.dedup_by_key(|(f, _)| *f);
        args.push((flag, home.join(wrong).display().to_string()));
        let mut cmd = venuecode();
        cmd.arg("server")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .arg("--ra-key")
            .arg(home.join("ra/ra.key"));
        for (f, v) in &args {
            cmd.arg(f).arg(v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag} {wrong} was accepted");
        assert!(
            stderr.contains(wrong) && stderr.contains("is a SECRET key"),
            "{flag} {wrong}: {stderr}"
        );
        assert!(stderr.contains("give the matching .pub file"), "{stderr}");
        assert!(
            !data.exists(),
            "a store was created before the keys were checked"
        );
    }
}
