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
pub(crate) fn create_database(path: &Path) -> Result<Database> {
    let file = open_private(path).map_err(|e| Error::Storage(Box::new(e)))?;
    Ok(redb::Builder::new().create_file(file)?)
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
