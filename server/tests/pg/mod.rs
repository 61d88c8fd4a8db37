//! A PostgreSQL server for the tests: the one `VENUECODE_TEST_POSTGRES_URL` names, or else the
//! private loopback cluster that `scripts/postgres.sh` starts (and installs, as root on Debian),
//! once per test binary. Each test gets a database of its own, dropped afterwards.
//!
//! There is no skipping: without a reachable PostgreSQL these tests fail and say what to run.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The variable naming the server's URL (`postgres://user@host:port/dbname`).
pub const URL_VAR: &str = "VENUECODE_TEST_POSTGRES_URL";

/// The administrative URL: from the environment, or from starting `scripts/postgres.sh`.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var(URL_VAR) {
            if !url.is_empty() {
                return url;
            }
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let url = stdout
            .lines()
            .filter_map(|l| l.trim().strip_prefix(&format!("export {URL_VAR}=")))
            .next_back()
            .map(str::to_owned);
        match (out.status.success(), url) {
            (true, Some(url)) => url,
            _ => panic!(
                "the PostgreSQL tests need a PostgreSQL server, and starting one with \
                 scripts/postgres.sh failed ({}):\n{}\nRun `eval \"$(scripts/postgres.sh)\"` \
                 (as root on Debian it installs postgresql), or set {URL_VAR} to a server's URL.",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    })
}

/// `url` with its database name replaced by `db`.
fn with_dbname(url: &str, db: &str) -> String {
    let rest_at = url.find("://").map_or(0, |i| i + 3);
    let (head, rest) = url.split_at(rest_at);
    let (authority, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{head}{authority}/{db}{query}")
}

fn admin() -> postgres::Client {
    postgres::Client::connect(admin_url(), postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "cannot connect to PostgreSQL at {URL_VAR}={}: {e}\nRun `eval \"$(scripts/postgres.sh)\"`.",
            admin_url()
        )
    })
}

/// A fresh, empty database, dropped when this is dropped.
pub struct TestDb {
    name: String,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "venuecode_test_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = admin();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = with_dbname(admin_url(), &name);
        Self { name, url }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // The postgres client runs a runtime of its own, so keep it off any async thread.
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(admin_url(), postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_dbname("postgres://u@127.0.0.1:5/venuecode", "x"),
        "postgres://u@127.0.0.1:5/x"
    );
    assert_eq!(
        with_dbname("postgresql://u@h/d?sslmode=disable", "x"),
        "postgresql://u@h/x?sslmode=disable"
    );
    assert_eq!(with_dbname("postgres://u@h:1", "x"), "postgres://u@h:1/x");
}
