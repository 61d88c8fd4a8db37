//! The encrypted diary: one redb file holding one sealed snapshot of the whole diary state.
//!
//! Everything the diary holds (entries, exposures, the pending share, the trust bundle, the
//! batch chain state, the revocation set, count pings and the id counter: [`DiaryState`]) is
//! encoded together, padded to a size bucket ([`crate::state::SNAPSHOT_BUCKETS`]) and sealed with ChaCha20-Poly1305 under a key derived from the app's
//! diary key, with a fresh random nonce on every write and an AAD naming the layout version.
//!
//! What someone holding the file without the key sees: one table, `diary`, with two rows,
//! `key_check` (a constant sealed under a separate subkey, written once) and `snapshot` (nonce
//! and ciphertext). The table, its keys and the value lengths are the same for an empty diary,
//! a full one, one with exposures and one with a share waiting: only the size bucket shows, and
//! a fortnight of check-ins fits in the first. Every change is one redb write transaction with
//! [`Durability::Immediate`], so an acknowledged change survives a crash and the cursor always
//! moves together with the exposures it produced.

use core::fmt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use redb::{Database, Durability, ReadableTable, TableDefinition, TableHandle};
use venuecode_protocol::aead::{aead_open, aead_seal};
use venuecode_protocol::rand::random_array;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::DiaryKey;
use crate::state::DiaryState;

/// The one table of the diary file.
const DIARY: TableDefinition<&str, &[u8]> = TableDefinition::new("diary");
/// Tables of the retired layout (one sealed row per record), recognised to refuse them clearly.
const LEGACY_TABLES: [&str; 3] = ["meta", "entries", "exposures"];

const KEY_CHECK: &str = "key_check";
const SNAPSHOT: &str = "snapshot";

/// The constant sealed under the check key; opening it proves the key is right.
const KEY_CHECK_PLAINTEXT: &[u8] = b"venuecode diary v2";
/// AAD of the key-check row.
const KEY_CHECK_AAD: &[u8] = b"venuecode/client/diary/v2/key-check";
/// AAD of the snapshot row: names the layout version, so a snapshot of another version never
/// opens as this one.
const SNAPSHOT_AAD: &[u8] = b"venuecode/client/diary/v2/snapshot";
/// Nonce and AEAD tag around each sealed row.
const NONCE_BYTES: usize = 12;

/// The storage layer: sealing, the snapshot and transactions. The flows live in
/// [`crate::Visitor`].
pub(crate) struct Diary {
    db: Database,
    snapshot_key: Zeroizing<[u8; 32]>,
    /// The state of the last snapshot this handle read or committed. redb holds an exclusive
    /// lock on the file while it is open, so no other writer can make it stale; it spares
    /// opening the whole snapshot on every read.
    cache: Mutex<Option<DiaryState>>,
}

impl fmt::Debug for Diary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Diary(..)")
    }
}

fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce: [u8; NONCE_BYTES] = random_array()?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&aead_seal(key, &nonce, aad, plaintext)?);
    Ok(out)
}

fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let (nonce, ct) = sealed.split_at_checked(NONCE_BYTES).ok_or(Error::Corrupt)?;
    aead_open(key, nonce, aad, ct)
        .map(Zeroizing::new)
        .map_err(|_| Error::Corrupt)
}

impl Diary {
    /// Opens or creates the diary at `path` (created with mode 0600). A wrong key is detected
    /// from the key-check row before anything is written.
    pub(crate) fn open(path: &Path, key: &DiaryKey) -> Result<Self> {
        let db = crate::private_file::create_database(path)?;
        let check_key = key.derive(b"key-check");
        let snapshot_key = key.derive(b"snapshot");
        let (check, legacy) = {
            let rtx = db.begin_read()?;
            let check = match rtx.open_table(DIARY) {
                Ok(t) => t.get(KEY_CHECK)?.map(|v| v.value().to_vec()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(e.into()),
            };
            let legacy = rtx
                .list_tables()?
                .any(|t| LEGACY_TABLES.contains(&t.name()));
            (check, legacy)
        };
        if legacy {
            return Err(Error::UnsupportedDiaryLayout);
        }
        let diary = Self {
            db,
            snapshot_key,
            cache: Mutex::new(None),
        };
        match check {
            Some(sealed) => {
                let pt = open(&check_key, KEY_CHECK_AAD, &sealed).map_err(|_| Error::WrongKey)?;
                if pt.as_slice() != KEY_CHECK_PLAINTEXT {
                    return Err(Error::WrongKey);
                }
            }
            None => {
                let sealed_check = seal(&check_key, KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT)?;
                let snapshot = diary.seal_state(&DiaryState::fresh())?;
                let tx = diary.write()?;
                {
                    let mut t = tx.open_table(DIARY)?;
                    if t.get(KEY_CHECK)?.is_some() {
                        return Err(Error::Corrupt);
                    }
                    t.insert(KEY_CHECK, sealed_check.as_slice())?;
                    t.insert(SNAPSHOT, snapshot.as_slice())?;
                }
                tx.commit()?;
            }
        }
        Ok(diary)
    }

    fn write(&self) -> Result<redb::WriteTransaction> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate);
        Ok(tx)
    }

    fn seal_state(&self, state: &DiaryState) -> Result<Vec<u8>> {
        seal(&self.snapshot_key, SNAPSHOT_AAD, &state.to_padded()?)
    }

    fn open_state(
        &self,
        sealed: Option<redb::AccessGuard<'_, &'static [u8]>>,
    ) -> Result<DiaryState> {
        let sealed = sealed.ok_or(Error::Corrupt)?;
        let padded = open(&self.snapshot_key, SNAPSHOT_AAD, sealed.value())?;
        DiaryState::from_padded(&padded)
    }

    /// The cache, locked. A panic while it was held leaves it cleared rather than trusted.
    fn cache(&self) -> MutexGuard<'_, Option<DiaryState>> {
        match self.cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                *guard = None;
                guard
            }
        }
    }

    /// The current state: the latest committed snapshot.
    pub(crate) fn load(&self) -> Result<DiaryState> {
        let mut cache = self.cache();
        if let Some(state) = cache.as_ref() {
            return Ok(state.clone());
        }
        let state = {
            let rtx = self.db.begin_read()?;
            let t = rtx.open_table(DIARY)?;
            self.open_state(t.get(SNAPSHOT)?)?
        };
        *cache = Some(state.clone());
        Ok(state)
    }

    /// Applies `change` to the current state and writes the new snapshot in one write
    /// transaction; when `change` fails nothing is written.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut DiaryState) -> Result<T>) -> Result<T> {
        let mut cache = self.cache();
        let tx = self.write()?;
        let (state, out) = {
            let mut t = tx.open_table(DIARY)?;
            let mut state = match cache.take() {
                Some(state) => state,
                None => self.open_state(t.get(SNAPSHOT)?)?,
            };
            let before = state.clone();
            let out = match change(&mut state) {
                Ok(out) => out,
                Err(e) => {
                    drop(t);
                    tx.abort()?;
                    *cache = Some(before);
                    return Err(e);
                }
            };
            t.insert(SNAPSHOT, self.seal_state(&state)?.as_slice())?;
            (state, out)
        };
        tx.commit()?;
        *cache = Some(state);
        Ok(out)
    }
}
