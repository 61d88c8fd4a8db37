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
/// A new database is made whole under a temporary name beside `path` and renamed into place
/// once it is on disk: a process killed while redb lays out a new file (the app closed at
/// first launch) leaves no half-made file at `path`, which redb would refuse to open, or
/// panic on, ever after. The next open starts afresh.
pub(crate) fn create_database(path: &Path) -> Result<Database> {
    let storage = |e: std::io::Error| Error::Storage(Box::new(e));
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let file = open_private(path).map_err(storage)?;
            return Ok(redb::Builder::new().create_file(file)?);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(storage(e)),
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| storage(std::io::ErrorKind::InvalidInput.into()))?;
    let making = path.with_file_name(format!(".{name}.creating"));
    // Left by a process killed while making it: never used, so it goes.
    if let Err(e) = std::fs::remove_file(&making) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(storage(e));
        }
    }
    let file = open_private(&making).map_err(storage)?;
    let on_disk = file.try_clone().map_err(storage)?;
    let db = redb::Builder::new().create_file(file)?;
    on_disk.sync_all().map_err(storage)?;
    std::fs::rename(&making, path).map_err(storage)?;
    // The rename itself is durable once the directory is.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(storage)?;
    }
    Ok(db)
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
