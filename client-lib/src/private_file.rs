//! Files holding private data (the diary, the guest book) are created readable and writable by
//! their owner only (mode 0600), before a byte is written to them.

use std::fs::{File, OpenOptions};
use std::path::Path;

use redb::Database;

use crate::error::{Error, Result};

/// The permission bits of a private file.
#[cfg(unix)]
pub(crate) const PRIVATE_MODE: u32 = 0o600;

/// Opens or creates the redb database at `path` in a file of mode 0600. A file that already
/// exists with wider permissions is narrowed to 0600 before the database is read.
///
/// A new database is made whole under a temporary name beside `path` and linked into place
/// once it is on disk: a process killed while redb lays out a new file (the app closed at
/// first launch) leaves no half-made file at `path`, which redb would refuse to open, or
/// panic on, ever after. The next open starts afresh.
///
/// The temporary name is this process's and this call's own, and the link never replaces a
/// file: two processes (an app and its background sync) that make the same new diary at the
/// same moment cannot unlink each other's file, and the one that links second drops its own
/// and opens the first one's (refused by redb while the first holds it open), rather than
/// putting an empty diary in place of one the first is already writing to, whose check-ins
/// would then go to a file nobody can find.
pub(crate) fn create_database(path: &Path) -> Result<Database> {
    let storage = |e: std::io::Error| Error::Storage(Box::new(e));
    match std::fs::symlink_metadata(path) {
        Ok(_) => return open_existing(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(storage(e)),
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| storage(std::io::ErrorKind::InvalidInput.into()))?;
    let prefix = format!(".{name}.creating");
    remove_abandoned(path, &prefix);
    let making = path.with_file_name(format!("{prefix}.{}", unique_suffix()));
    let made = make_new(&making, path);
    // Linked into place or not, the temporary name goes.
    let _ = std::fs::remove_file(&making);
    match made? {
        Some(db) => Ok(db),
        // Another process made it first: its file, never an empty one in its place.
        None => open_existing(path),
    }
}

fn open_existing(path: &Path) -> Result<Database> {
    let file = open_private(path).map_err(|e| Error::Storage(Box::new(e)))?;
    Ok(redb::Builder::new().create_file(file)?)
}

/// Makes a new database at `making` and links it at `path`; `None` when `path` appeared
/// meanwhile (the new database is dropped, the file at `path` kept).
fn make_new(making: &Path, path: &Path) -> Result<Option<Database>> {
    let storage = |e: std::io::Error| Error::Storage(Box::new(e));
    let file = open_private(making).map_err(storage)?;
    let on_disk = file.try_clone().map_err(storage)?;
    let db = redb::Builder::new().create_file(file)?;
    on_disk.sync_all().map_err(storage)?;
    match std::fs::hard_link(making, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(storage(e)),
    }
    // The link itself is durable once the directory is.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(storage)?;
    }
    Ok(Some(db))
}

/// A name no other process or call uses at the same time: the process id, the time and a
/// counter.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}.{nanos:x}.{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    )
}

/// How old a temporary file must be to count as left by a process killed while making a
/// database (making one takes milliseconds).
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the temporary files beside `path` that a killed process left (named `prefix…`
/// and not changed for [`ABANDONED_AFTER`]); never used, so they go. Best effort: a file
/// that cannot be removed stays.
fn remove_abandoned(path: &Path, prefix: &str) {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let abandoned = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(prefix))
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age >= ABANDONED_AFTER);
        if abandoned {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        opts.mode(PRIVATE_MODE);
        let file = opts.open(path)?;
        let mut perms = file.metadata()?.permissions();
        if perms.mode() & 0o777 != PRIVATE_MODE {
            perms.set_mode(PRIVATE_MODE);
            file.set_permissions(perms)?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        opts.open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableTable as _;

    const MARKS: redb::TableDefinition<u8, u8> = redb::TableDefinition::new("marks");

    fn mark(db: &Database, n: u8) {
        let tx = db.begin_write().unwrap();
        tx.open_table(MARKS).unwrap().insert(n, n).unwrap();
        tx.commit().unwrap();
    }

    fn marks(path: &Path) -> Vec<u8> {
        let db = create_database(path).unwrap();
        let tx = db.begin_read().unwrap();
        let table = tx.open_table(MARKS).unwrap();
        let out = table
            .iter()
            .unwrap()
            .map(|r| r.unwrap().0.value())
            .collect();
        out
    }

    /// The moment two processes make the same new diary: the second has its database made
    /// when the first's appears at the path. The first's file stays (with what it wrote), the
    /// second opens it instead of replacing it, and no temporary file is left.
    #[test]
    fn a_database_made_second_never_replaces_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.redb");
        let first = create_database(&path).unwrap();
        mark(&first, 1);
        let making = dir.path().join(".diary.redb.creating.other");
        assert!(make_new(&making, &path).unwrap().is_none());
        std::fs::remove_file(&making).unwrap();
        // While the first holds it, redb refuses a second opening: an error, not an empty diary.
        assert!(create_database(&path).is_err());
        drop(first);
        assert_eq!(marks(&path), vec![1]);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("diary.redb")]);
    }

    /// Two threads make the same new database at once, many times: every one that got a
    /// database wrote to the file at the path.
    #[test]
    fn databases_made_at_the_same_moment_are_one_file() {
        let dir = tempfile::tempdir().unwrap();
        for round in 0..8u8 {
            let path = dir.path().join(format!("d{round}.redb"));
            let start = std::sync::Barrier::new(2);
            let wrote: Vec<Option<u8>> = std::thread::scope(|s| {
                let handles: Vec<_> = (1..=2u8)
                    .map(|n| {
                        let (path, start) = (&path, &start);
                        s.spawn(move || {
                            start.wait();
                            let db = create_database(path).ok()?;
                            mark(&db, n);
                            Some(n)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let wrote: Vec<u8> = wrote.into_iter().flatten().collect();
            assert!(!wrote.is_empty(), "round {round}: neither made it");
            let mut found = marks(&path);
            found.sort_unstable();
            assert_eq!(found, wrote, "round {round}: a write went to a lost file");
        }
    }

    #[test]
    fn temporary_files_of_killed_processes_go_once_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.redb");
        let old = dir.path().join(".diary.redb.creating.1.2.3");
        let fresh = dir.path().join(".diary.redb.creating.4.5.6");
        let other = dir.path().join(".guests.redb.creating.1.2.3");
        for f in [&old, &fresh, &other] {
            std::fs::write(f, b"half").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - ABANDONED_AFTER * 2;
        for f in [&old, &other] {
            File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        drop(create_database(&path).unwrap());
        assert!(!old.exists());
        assert!(fresh.exists(), "a file being made now stays");
        assert!(other.exists(), "another database's file stays");
    }
}
