//! The authorities' home: where an authority keeps the HA's and the RA's key files and the HA's
//! state files, under one root directory.
//!
//! ```text
//! ROOT/
//!   ra/ra.key, ra.pub                    registration authority signing key (the server signs with it)
//!   ra/admin.key, admin.pub              RA administrator key (signs disable and review requests)
//!   authority/ha-signing.key, .pub       health authority signing key
//!   authority/ha-encryption.key, .pub    health authority HPKE key
//!   authority/trust-bundle.bin           the RA-signed trust bundle `init` wrote
//!   authority/chain.json                 the HA's batch chain: head, ledger, batch ids used
//!   authority/pending-batch.bin          a batch signed but not yet known to be stored
//!   authority/published.json             fingerprints of the windows published
//!   authority/tans.json                  the TANs issued
//!   authority/state.lock                 locked while the keys or the files above change
//! ```
//!
//! Key files are in the labelled format of [`venuecode_protocol::keyfile`] (the server reads
//! the same files) and read strictly by kind; secret ones are written mode 0600 from their
//! creation, atomically ([`write_atomic`]). A command line, a console or a test opens the same
//! home with [`AuthorityHome::new`].
//!
//! The state files are changed only under the home's lock, and the types see to it: a state
//! file loaded for changing comes from the [`StateLock`] guard ([`AuthorityHome::lock`]) as a
//! [`Locked`] value that borrows the guard, and only a [`Locked`] value can be changed and saved.
//! So the lock is held from the load to the save, and two callers (threads, processes, or a
//! command line and an app) that issue TANs or publish at the same time never overwrite each
//! other's changes. Read-only views ([`AuthorityHome::tan_ledger`], [`AuthorityHome::chain`],
//! [`AuthorityHome::publish_ledger`]) load without the lock and cannot be saved.
//!
//! ```no_run
//! # fn issue(t: &dyn venuecode_client::transport::Transport) -> venuecode_authority::Result<()> {
//! use venuecode_authority::{fresh_tans, register_tans, AuthorityHome, UploadPurpose};
//! let home = AuthorityHome::new("/srv/venuecode");
//! let ha = home.load_ha()?;
//! let state = home.lock(|| eprintln!("waiting for another authority command"))?;
//! let mut tans = state.tan_ledger()?;
//! register_tans(t, &ha, &mut tans, &fresh_tans(25)?, UploadPurpose::Case, 86_400)?;
//! drop(tans);
//! drop(state); // the next caller loads the ledger with these TANs in it
//! # Ok(()) }
//! ```
//!
//! A ledger loaded without the lock cannot be saved, nor one that would outlive its lock:
//!
//! ```compile_fail,E0599
//! # fn f(home: &venuecode_authority::AuthorityHome) -> venuecode_authority::Result<()> {
//! let tans = home.tan_ledger()?; // read only
//! tans.save()?; // no such method: only a `Locked` ledger is saved
//! # Ok(()) }
//! ```
//!
//! ```compile_fail,E0597
//! # fn f(home: &venuecode_authority::AuthorityHome) -> venuecode_authority::Result<()> {
//! let tans = {
//!     let state = home.lock(|| {})?;
//!     state.tan_ledger()? // borrows `state`, dropped here while still borrowed
//! };
//! tans.save()?;
//! # Ok(()) }
//! ```
//!
//! Nor can a chain read without the lock post a checkpoint, which declares its head (a
//! checkpoint is posted through [`StateLock::chain`]):
//!
//! ```compile_fail,E0599
//! # use venuecode_authority::{AuthorityHome, HealthAuthority};
//! # fn f(
//! #     home: &AuthorityHome,
//! #     t: &dyn venuecode_client::transport::Transport,
//! #     ha: &HealthAuthority,
//! # ) -> venuecode_authority::Result<()> {
//! let chain = home.chain()?; // read only
//! chain.checkpoint(t, ha, venuecode_protocol::time::UnixMinute::new(0), 14)?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use venuecode_protocol::keyfile::{self, KeyFileError, KeyKind};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{Codec, DecryptionKey, SigningKey, TrustBundle, TrustBundleBody};
use zeroize::Zeroizing;

use crate::{
    write_atomic, AuthorityError, HaChain, HealthAuthority, PublishLedger, RegistrationAuthority,
    Result, TanLedger,
};

/// Where `init` writes the signed trust bundle to hand out (apps ship it; homes of other
/// roles install it).
pub const TRUST_BUNDLE_OUT: &str = "authority/trust-bundle.bin";
/// The file whose exclusive lock ([`AuthorityHome::lock`]) serializes whatever changes the
/// home's keys or the HA's state files; it stays empty.
pub const LOCK_FILE: &str = "authority/state.lock";
/// Where the HA keeps its batch chain: head, ledger of published batches, batch ids used.
pub const CHAIN_FILE: &str = "authority/chain.json";
/// A batch signed but not yet known to be stored by the server (posted again first).
pub const PENDING_BATCH_FILE: &str = "authority/pending-batch.bin";
/// Where the HA keeps the TANs it issued ([`TanLedger`]), mode 0600.
pub const TAN_LEDGER_FILE: &str = "authority/tans.json";
/// Where the HA keeps the fingerprints of the windows it published ([`PublishLedger`]).
pub const PUBLISH_LEDGER_FILE: &str = "authority/published.json";

/// Where the trust bundle says the server and the codes are.
#[derive(Debug, Clone)]
pub struct BundleUrls {
    /// The server's base URL.
    pub server_url: String,
    /// The base URL of venue-code QR URLs.
    pub code_base_url: String,
}

/// The authorities' home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityHome {
    root: PathBuf,
}

impl AuthorityHome {
    /// The home rooted at `root` (folders are created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the home.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The HA's keys, from `authority/`.
    pub fn load_ha(&self) -> Result<HealthAuthority> {
        Ok(HealthAuthority {
            signing: SigningKey::from_seed(&*read_key(
                &self.path("authority/ha-signing.key"),
                KeyKind::Ed25519Secret,
            )?)?,
            decryption: DecryptionKey::from_secret(&*read_key(
                &self.path("authority/ha-encryption.key"),
                KeyKind::X25519Secret,
            )?)?,
        })
    }

    /// The RA's keys, from `ra/`.
    pub fn load_ra(&self) -> Result<RegistrationAuthority> {
        Ok(RegistrationAuthority {
            signing: SigningKey::from_seed(&*read_key(
                &self.path("ra/ra.key"),
                KeyKind::Ed25519Secret,
            )?)?,
            admin: SigningKey::from_seed(&*read_key(
                &self.path("ra/admin.key"),
                KeyKind::Ed25519Secret,
            )?)?,
        })
    }

    /// The HA's batch chain ([`CHAIN_FILE`], [`PENDING_BATCH_FILE`]) to read (head, ledger);
    /// to publish on it or post a checkpoint of it, [`StateLock::chain`].
    pub fn chain(&self) -> Result<HaChain> {
        HaChain::load(self.path(CHAIN_FILE), self.path(PENDING_BATCH_FILE))
    }

    /// The HA's publish ledger ([`PUBLISH_LEDGER_FILE`]) to read; to record in it,
    /// [`StateLock::publish_ledger`].
    pub fn publish_ledger(&self) -> Result<PublishLedger> {
        PublishLedger::load(self.path(PUBLISH_LEDGER_FILE))
    }

    /// The HA's TAN ledger ([`TAN_LEDGER_FILE`]) to read (listing, checking an upload's TAN);
    /// to issue, cancel or use TANs, [`StateLock::tan_ledger`].
    pub fn tan_ledger(&self) -> Result<TanLedger> {
        TanLedger::load(self.path(TAN_LEDGER_FILE))
    }

    /// Takes the exclusive lock on this home's state files ([`LOCK_FILE`]) for as long as the
    /// returned guard lives; the state files are loaded for changing through the guard
    /// ([`StateLock::tan_ledger`], [`StateLock::chain`], [`StateLock::publish_ledger`]), which
    /// they borrow. Without it, two callers that load, change and save the TAN ledger at the
    /// same time would lose one's TANs (issued to people, then unknown to the HA, so their
    /// uploads are refused), and the chain or the publish ledger likewise. `on_wait` runs
    /// once, before waiting, when another holder (a process, or another guard in this one)
    /// has the lock. The system drops the lock when the holder exits, even by a crash. A
    /// thread that holds a guard and asks for another waits for ever.
    pub fn lock(&self, on_wait: impl FnOnce()) -> Result<StateLock> {
        let path = self.path(LOCK_FILE);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(AuthorityError::file(dir))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path).map_err(AuthorityError::file(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(AuthorityError::file(&path))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(AuthorityError::file(&path)(e)),
        }
        Ok(StateLock {
            home: self.clone(),
            _file: file,
        })
    }
}

/// The exclusive hold on an authority home's state files ([`AuthorityHome::lock`]); released
/// when dropped. The state files loaded through it to be changed borrow it ([`Locked`]), so
/// they are saved only while it is held.
#[derive(Debug)]
pub struct StateLock {
    home: AuthorityHome,
    _file: std::fs::File,
}

impl StateLock {
    /// The home this lock is on.
    pub fn home(&self) -> &AuthorityHome {
        &self.home
    }

    /// The HA's TAN ledger ([`TAN_LEDGER_FILE`]), to issue, cancel or use TANs and save it.
    /// Load each state file once per hold: two loads of the same file through one guard would
    /// overwrite each other's changes.
    pub fn tan_ledger(&self) -> Result<Locked<'_, TanLedger>> {
        Ok(Locked::new(self.home.tan_ledger()?, self))
    }

    /// The HA's batch chain ([`CHAIN_FILE`], [`PENDING_BATCH_FILE`]), to post batches and
    /// checkpoints on.
    pub fn chain(&self) -> Result<Locked<'_, HaChain>> {
        Ok(Locked::new(self.home.chain()?, self))
    }

    /// The HA's publish ledger ([`PUBLISH_LEDGER_FILE`]), to record what a publication added.
    pub fn publish_ledger(&self) -> Result<Locked<'_, PublishLedger>> {
        Ok(Locked::new(self.home.publish_ledger()?, self))
    }

    /// Creates fresh RA and HA keys in the home and signs the first trust bundle (sequence 1)
    /// with the RA key, written to [`TRUST_BUNDLE_OUT`]. Refuses to overwrite existing keys
    /// ([`AuthorityError::KeyExists`]) and URLs a phone would refuse
    /// ([`AuthorityError::InvalidUrl`]), before writing anything (but the lock file). Under the
    /// lock, so that two inits at once do not mix their keys: the second finds the first's and
    /// refuses.
    pub fn init(
        &self,
        urls: &BundleUrls,
        now: UnixMinute,
    ) -> Result<(RegistrationAuthority, HealthAuthority, TrustBundle)> {
        for (what, url) in [
            ("server URL", &urls.server_url),
            ("code base URL", &urls.code_base_url),
        ] {
            venuecode_protocol::trust::check_url(url).map_err(|reason| {
                AuthorityError::InvalidUrl {
                    what,
                    url: url.clone(),
                    reason,
                }
            })?;
        }
        for rel in [
            "ra/ra.key",
            "ra/admin.key",
            "authority/ha-signing.key",
            "authority/ha-encryption.key",
        ] {
            let path = self.home.path(rel);
            if path.exists() {
                return Err(AuthorityError::KeyExists { path });
            }
        }
        let ra = RegistrationAuthority {
            signing: SigningKey::generate()?,
            admin: SigningKey::generate()?,
        };
        let ha = HealthAuthority {
            signing: SigningKey::generate()?,
            decryption: DecryptionKey::generate()?,
        };
        let files: [(&str, KeyKind, Zeroizing<[u8; 32]>); 8] = [
            ("ra/ra.key", KeyKind::Ed25519Secret, ra.signing.to_seed()),
            ("ra/ra.pub", KeyKind::Ed25519Public, public(&ra.signing)),
            ("ra/admin.key", KeyKind::Ed25519Secret, ra.admin.to_seed()),
            ("ra/admin.pub", KeyKind::Ed25519Public, public(&ra.admin)),
            (
                "authority/ha-signing.key",
                KeyKind::Ed25519Secret,
                ha.signing.to_seed(),
            ),
            (
                "authority/ha-signing.pub",
                KeyKind::Ed25519Public,
                public(&ha.signing),
            ),
            (
                "authority/ha-encryption.key",
                KeyKind::X25519Secret,
                ha.decryption.to_secret(),
            ),
            (
                "authority/ha-encryption.pub",
                KeyKind::X25519Public,
                Zeroizing::new(*ha.decryption.public_key().as_bytes()),
            ),
        ];
        for (rel, kind, key) in &files {
            write_key(&self.home.path(rel), *kind, key)?;
        }
        let bundle = TrustBundle::sign(
            TrustBundleBody {
                sequence: 1,
                issued_at: now,
                ra_keys: vec![ra.signing.public_key()],
                ha_signing_keys: vec![ha.signing.public_key()],
                ha_encryption_key: ha.decryption.public_key(),
                server_url: urls.server_url.clone(),
                code_base_url: urls.code_base_url.clone(),
            },
            &ra.signing,
        )?;
        let out = self.home.path(TRUST_BUNDLE_OUT);
        write_atomic(&out, &bundle.encode(), false).map_err(AuthorityError::file(out))?;
        Ok((ra, ha, bundle))
    }
}

/// A state file loaded under a [`StateLock`] to be changed ([`StateLock::tan_ledger`],
/// [`StateLock::chain`], [`StateLock::publish_ledger`]): it reads as the file's contents
/// (`Deref`), and only it can be changed and saved. It borrows the guard, so it cannot outlive
/// the hold it was loaded under.
#[derive(Debug)]
pub struct Locked<'a, T> {
    pub(crate) value: T,
    _lock: &'a StateLock,
}

impl<'a, T> Locked<'a, T> {
    fn new(value: T, lock: &'a StateLock) -> Self {
        Self { value, _lock: lock }
    }
}

impl<T> std::ops::Deref for Locked<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

fn public(key: &SigningKey) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(*key.public_key().as_bytes())
}

/// Reads a key file that must hold exactly one key of `kind`; another kind is refused with a
/// message naming the file and what was expected, never the key.
pub fn read_key(path: &Path, kind: KeyKind) -> Result<Zeroizing<[u8; 32]>> {
    let text = std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| KeyFileError::unreadable(path, &e))?;
    Ok(keyfile::parse_one(path, &text, kind)?)
}

/// Writes a key file of `kind` holding `key`, atomically; secret kinds get mode 0600 from
/// their creation.
pub fn write_key(path: &Path, kind: KeyKind, key: &[u8; 32]) -> Result<()> {
    write_atomic(
        path,
        keyfile::encode(kind, &[key]).as_bytes(),
        kind.is_secret(),
    )
    .map_err(AuthorityError::file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_of_the_state_lock_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = AuthorityHome::new(dir.path());
        let first = home
            .lock(|| panic!("nobody held the lock"))
            .expect("first lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let root = dir.path().to_owned();
        let second = std::thread::spawn(move || {
            let waiting = tx.clone();
            let guard = AuthorityHome::new(root)
                .lock(move || waiting.send("waiting").expect("send"))
                .expect("second lock");
            tx.send("held").expect("send");
            drop(guard);
        });
        assert_eq!(rx.recv().expect("a message"), "waiting");
        // Not held while the first guard lives.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(first);
        assert_eq!(rx.recv().expect("a message"), "held");
        second.join().expect("second thread");
        // Released: a third holder gets it at once.
        drop(
            home.lock(|| panic!("the lock was not released"))
                .expect("third lock"),
        );
    }

    #[test]
    fn init_writes_keys_the_loaders_read_back_and_refuses_to_overwrite_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = AuthorityHome::new(dir.path());
        let urls = BundleUrls {
            server_url: "https://vc.example.cn".into(),
            code_base_url: "https://vc.example.cn/c".into(),
        };
        let state = home.lock(|| panic!("nobody held the lock")).expect("lock");
        let (ra, ha, bundle) = state
            .init(&urls, UnixMinute::new(29_000_000))
            .expect("init");
        assert_eq!(bundle.sequence(), 1);
        let ra2 = home.load_ra().expect("RA keys");
        let ha2 = home.load_ha().expect("HA keys");
        assert_eq!(ra2.signing.public_key(), ra.signing.public_key());
        assert_eq!(ra2.admin.public_key(), ra.admin.public_key());
        assert_eq!(ha2.signing.public_key(), ha.signing.public_key());
        assert_eq!(ha2.decryption.public_key(), ha.decryption.public_key());
        let written = std::fs::read(home.path(TRUST_BUNDLE_OUT)).expect("bundle");
        assert_eq!(TrustBundle::decode(&written).expect("decodes"), bundle);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(home.path("ra/admin.key"))
                .expect("admin key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second init overwrites nothing.
        let again = state
            .init(&urls, UnixMinute::new(29_000_000))
            .expect_err("refused");
        assert_eq!(again.code(), "key_exists");
        assert_eq!(
            home.load_ra().expect("kept").admin.public_key(),
            ra.admin.public_key()
        );
        // A public key where the secret one belongs is refused, naming the file.
        std::fs::copy(home.path("ra/admin.pub"), home.path("ra/admin.key")).expect("copy");
        let e = home.load_ra().expect_err("refused");
        assert_eq!(e.code(), "key_file");
        assert!(e.to_string().contains("admin.key"), "{e}");
    }

    #[test]
    fn urls_a_phone_would_refuse_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = AuthorityHome::new(dir.path());
        let urls = BundleUrls {
            server_url: "http://vc.example.cn".into(),
            code_base_url: "https://vc.example.cn/c".into(),
        };
        let e = home
            .lock(|| panic!("nobody held the lock"))
            .expect("lock")
            .init(&urls, UnixMinute::new(29_000_000))
            .expect_err("refused");
        assert_eq!(e.code(), "invalid_url");
        assert!(!home.path("ra").exists());
    }
}
