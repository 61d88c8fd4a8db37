//! The PostgreSQL side of the server figures: a database of the bench's own on the server that
//! `VENUECODE_TEST_POSTGRES_URL` names (`eval "$(scripts/postgres.sh)"` exports it), created
//! empty for the run and dropped at its end, and what that server says about itself (version,
//! durability settings, where it keeps its data, who else is connected).

use std::path::Path;
use std::time::Duration;

use postgres::{Client, NoTls};

use crate::BenchResult;

/// The variable naming the PostgreSQL server (`postgres://user@host:port/dbname`).
pub const URL_VAR: &str = "VENUECODE_TEST_POSTGRES_URL";

/// What the PostgreSQL server reports about itself, asked in the run.
pub struct PgInfo {
    /// `SELECT version()` up to its first comma (the part before "compiled by").
    pub version: String,
    pub fsync: String,
    pub synchronous_commit: String,
    pub full_page_writes: String,
    pub wal_sync_method: String,
    /// `inet_server_addr()`: the address the server answered on; `None` on a Unix socket.
    pub server_addr: Option<String>,
    /// File system of the server's `data_directory` (type and device), when readable.
    pub data_filesystem: Option<String>,
    /// Other client connections open on the server when the PostgreSQL runs began.
    pub others_before: i64,
}

/// A fresh, empty database created for this run, dropped (with the connections to it) when
/// this is dropped. Nothing else on the server is touched.
pub struct PgDb {
    admin_url: String,
    name: String,
    /// Its URL, for the server's `postgres_url`.
    pub url: String,
}

/// Markdown-table-safe text for a reason: one line, no column separators.
pub fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// An error with its causes (`postgres::Error` shows only its kind, "db error", by itself).
fn describe(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    text
}

/// `url` with its database name replaced by `db`; `None` if it is not a `postgres://` or
/// `postgresql://` URL.
fn with_dbname(url: &str, db: &str) -> Option<String> {
    let rest_at = ["postgres://", "postgresql://"]
        .iter()
        .find(|p| url.starts_with(*p))
        .map(|p| p.len())?;
    let (head, rest) = url.split_at(rest_at);
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    Some(format!("{head}{authority}/{db}{query}"))
}

fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.connect(NoTls)
}

impl PgDb {
    /// Creates the run's database on the server the environment names. `Err` says, in one
    /// line, why PostgreSQL is not available (the variable unset, no connection, …).
    pub fn from_env() -> Result<(Self, PgInfo), String> {
        let admin_url = match std::env::var(URL_VAR) {
            Ok(u) if !u.trim().is_empty() => u.trim().to_owned(),
            _ => {
                return Err(format!(
                    "PostgreSQL not available: {URL_VAR} is unset (bench/run.sh sets it with \
                     `eval \"$(scripts/postgres.sh)\"`)"
                ))
            }
        };
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let name = format!("venuecode_bench_{}_{secs}", std::process::id());
        let url = with_dbname(&admin_url, &name).ok_or_else(|| {
            format!("PostgreSQL not available: {URL_VAR} is not a postgres:// URL")
        })?;
        let mut admin = connect(&admin_url).map_err(|e| {
            one_line(&format!(
                "PostgreSQL not available: cannot connect to the server {URL_VAR} names: {}",
                describe(&e)
            ))
        })?;
        let info = info(&mut admin, &name).map_err(|e| {
            one_line(&format!(
                "PostgreSQL not available: cannot ask the server about itself: {}",
                describe(&e)
            ))
        })?;
        // A name made of this process's id and the time: no earlier database can have it, so
        // nothing is dropped first, and a clash fails here instead of reusing old data.
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| {
                one_line(&format!(
                    "PostgreSQL not available: cannot create a database: {}",
                    describe(&e)
                ))
            })?;
        Ok((
            Self {
                admin_url,
                name,
                url,
            },
            info,
        ))
    }

    /// Other client connections open on the server now (not ours to the run's database, nor
    /// this one).
    pub fn others(&self) -> BenchResult<i64> {
        let mut c = connect(&self.admin_url)?;
        Ok(others(&mut c, &self.name)?)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin_url = self.admin_url.clone();
        // The synchronous client runs a runtime of its own, so keep it off any async thread.
        let dropped = std::thread::spawn(move || -> Result<(), postgres::Error> {
            connect(&admin_url)?
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "venuecode-bench: could not drop the PostgreSQL database {}",
                self.name
            );
        }
    }
}

fn others(c: &mut Client, ours: &str) -> Result<i64, postgres::Error> {
    let row = c.query_one(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' \
         AND pid <> pg_backend_pid() AND datname::text IS DISTINCT FROM $1::text",
        &[&ours],
    )?;
    row.try_get(0)
}

fn info(c: &mut Client, ours: &str) -> Result<PgInfo, postgres::Error> {
    let row = c.query_one(
        "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit'), \
         current_setting('full_page_writes'), current_setting('wal_sync_method'), \
         host(inet_server_addr())",
        &[],
    )?;
    let version: String = row.try_get(0)?;
    let version = version
        .split_once(',')
        .map_or(version.as_str(), |(v, _)| v)
        .to_owned();
    // Only superusers and members of pg_read_all_settings may read it.
    let data_filesystem = c
        .query_one("SELECT current_setting('data_directory')", &[])
        .and_then(|r| r.try_get::<_, String>(0))
        .ok()
        .map(|d| crate::util::filesystem(Path::new(&d)));
    Ok(PgInfo {
        version,
        fsync: row.try_get(1)?,
        synchronous_commit: row.try_get(2)?,
        full_page_writes: row.try_get(3)?,
        wal_sync_method: row.try_get(4)?,
        server_addr: row.try_get(5)?,
        data_filesystem,
        others_before: others(c, ours)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(
            with_dbname("postgres://u@127.0.0.1:5/venuecode", "x").as_deref(),
            Some("postgres://u@127.0.0.1:5/x")
        );
        assert_eq!(
            with_dbname("postgresql://u@h/d?sslmode=disable", "x").as_deref(),
            Some("postgresql://u@h/x?sslmode=disable")
        );
        assert_eq!(
            with_dbname("postgres://u@h:1", "x").as_deref(),
            Some("postgres://u@h:1/x")
        );
        assert_eq!(with_dbname("host=h dbname=d", "x"), None);
    }
}
