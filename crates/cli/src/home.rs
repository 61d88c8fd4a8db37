//! The state directory the `venuecode` command keeps keys and data in, one folder per role.
//!
//! ```text
//! HOME/
//!   trust-bundle.bin          the RA-signed trust bundle this home trusts (`trust install`)
//!   ra/ra.key, ra.pub         registration authority signing key (the server signs with it)
//!   ra/admin.key, admin.pub   RA administrator key (signs disable requests)
//!   authority/ha-signing.key, .pub       health authority signing key
//!   authority/ha-encryption.key, .pub    health authority HPKE key
//!   authority/trust-bundle.bin           the RA-signed trust bundle `authority init` wrote
//!   authority/chain.json                 the HA's batch chain: head, ledger, batch ids used
//!   authority/published.json             fingerprints of the windows published
//!   venue/venue.key, master.seed         venue secrets (also on the recovery sheet)
//!   venue/certificate.hex, profile.json  the certificate and poster details
//!   venue/guestbook.redb, guestbook.key  assisted check-ins, sealed to the HA
//!   visitor/diary.redb, diary.key        the visitor's encrypted diary and its key
//! ```
//!
//! Key files are labelled by kind (`venuecode ed25519 secret key`, `venuecode ed25519 public
//! key`, …; see [`venuecode_protocol::keyfile`]) and read strictly by label, so a secret key is
//! never taken for a public one. Secret files are written with mode 0600 from their creation,
//! atomically (temporary file, then rename), so an interrupted write never leaves half a key. A phone app keeps the diary key in the platform
//! keystore; the command keeps it in a file because it has no keystore.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use venuecode_protocol::keyfile::{self, KeyKind};
use venuecode_protocol::{Codec, EncryptionKey, PublicKey, TrustAnchors, TrustBundle};
use zeroize::Zeroizing;

/// The state directory.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// A home rooted at `root` (created on first write).
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

    /// A role folder, created if missing.
    pub fn dir(&self, role: &str) -> Result<PathBuf> {
        let dir = self.root.join(role);
        fs::create_dir_all(&dir).map_err(|e| {
            crate::cli_error!(
                "error-cannot-create",
                path = dir.display().to_string(),
                detail = crate::errors::io_text(&e)
            )
        })?;
        Ok(dir)
    }
}

/// Writes `contents` to `path` atomically; `secret` files get mode 0600 (see
/// [`venuecode_authority::write_atomic`]).
pub fn write_file(path: &Path, contents: &[u8], secret: bool) -> Result<()> {
    venuecode_authority::write_atomic(path, contents, secret).map_err(|e| {
        crate::cli_error!(
            "error-cannot-write",
            path = path.display().to_string(),
            detail = crate::errors::io_text(&e)
        )
        .into()
    })
}

/// Writes a one-line hex file of public data (the venue certificate).
pub fn write_hex(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, format!("{}\n", hex::encode(bytes)).as_bytes(), false)
}

/// Writes a labelled key file of `kind` (see [`venuecode_protocol::keyfile`]) atomically; secret
/// kinds get mode 0600 from creation.
pub fn write_key(path: &Path, kind: KeyKind, key: &[u8; 32]) -> Result<()> {
    write_file(
        path,
        keyfile::encode(kind, &[key]).as_bytes(),
        kind.is_secret(),
    )
}

/// Reads a key file that must hold exactly one key of `kind`; another kind is refused with a
/// message naming the file and what was expected.
pub fn read_key(path: &Path, kind: KeyKind) -> Result<Zeroizing<[u8; 32]>> {
    Ok(venuecode_authority::home::read_key(path, kind)?)
}

/// Reads a symmetric secret key file (the diary or guest-book key), or creates one (mode
/// 0600) with fresh random bytes.
pub fn load_or_create_key(path: &Path) -> Result<Zeroizing<[u8; 32]>> {
    if path.exists() {
        return read_key(path, KeyKind::SymmetricSecret);
    }
    let key = Zeroizing::new(venuecode_protocol::rand::random_array::<32>()?);
    write_key(path, KeyKind::SymmetricSecret, &key)?;
    Ok(key)
}

/// Refuses to overwrite an existing file: keys are never replaced silently.
pub fn refuse_existing(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(
            crate::cli_error!("error-key-exists", path = path.display().to_string()).into(),
        );
    }
    Ok(())
}

/// The name of the installed trust bundle inside a home.
pub const TRUST_BUNDLE_FILE: &str = "trust-bundle.bin";

/// The keys a home trusts: the RA-signed trust bundle installed in it (SPEC §4.5). There is no
/// trust on first use: every role reads the authority keys from this bundle only, and a home
/// without one refuses to work until a bundle is installed (`venuecode trust install FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    bundle: TrustBundle,
}

/// What installing a bundle did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustInstall {
    /// The home had no bundle; this one is now installed.
    Installed,
    /// The very same bundle was installed already.
    Unchanged,
    /// The bundle replaced an older one (signed by an RA key of the old one, higher sequence).
    Updated {
        /// The sequence it replaced.
        from: u64,
    },
}

impl Trust {
    /// Wraps a bundle that verified on its own ([`TrustBundle::verify_initial`]).
    pub fn new(bundle: TrustBundle) -> Result<Self> {
        bundle.verify_initial().map_err(|e| {
            crate::cli_error!(
                "error-trust-bundle-invalid",
                detail = crate::errors::protocol_text(&e)
            )
        })?;
        Ok(Self { bundle })
    }

    /// The bundle.
    pub fn bundle(&self) -> &TrustBundle {
        &self.bundle
    }

    /// The trust anchors for verification (RA and HA signing keys of the bundle).
    pub fn anchors(&self) -> Result<TrustAnchors> {
        Ok(self.bundle.anchors())
    }

    /// The HA's encryption key.
    pub fn encryption_key(&self) -> Result<EncryptionKey> {
        Ok(self.bundle.ha_encryption_key())
    }

    /// Reads and checks a bundle file (as written by `authority init`).
    pub fn read_file(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| {
            crate::cli_error!(
                "error-cannot-read",
                path = path.display().to_string(),
                detail = crate::errors::io_text(&e)
            )
        })?;
        let bundle = TrustBundle::decode(&bytes).map_err(|e| {
            crate::cli_error!(
                "error-not-a-trust-bundle",
                path = path.display().to_string(),
                detail = crate::errors::protocol_text(&e)
            )
        })?;
        Self::new(bundle).with_context(|| path.display().to_string())
    }

    /// Loads the bundle installed in the home, if any.
    pub fn load(home: &Home) -> Result<Option<Self>> {
        let path = home.path(TRUST_BUNDLE_FILE);
        if !path.exists() {
            return Ok(None);
        }
        Self::read_file(&path).map(Some)
    }

    /// The bundle installed in the home, or an error that says how to install one.
    pub fn require(home: &Home) -> Result<Self> {
        Self::load(home)?.ok_or_else(|| {
            crate::cli_error!("error-no-trust", root = home.root().display().to_string()).into()
        })
    }

    /// Installs `new` in the home. With no bundle installed it must verify on its own; over an
    /// installed bundle it must be that very bundle, or an update signed by one of the
    /// installed bundle's RA keys with a higher sequence. Anything else is refused and the
    /// installed bundle stays.
    pub fn install(home: &Home, new: &TrustBundle) -> Result<TrustInstall> {
        new.verify_initial().map_err(|e| {
            crate::cli_error!(
                "error-trust-bundle-invalid",
                detail = crate::errors::protocol_text(&e)
            )
        })?;
        let outcome = match Self::load(home)? {
            None => TrustInstall::Installed,
            Some(current) if current.bundle == *new => return Ok(TrustInstall::Unchanged),
            Some(current) => {
                new.verify_update(&current.bundle).map_err(|e| {
                    crate::cli_error!(
                        "error-trust-bundle-not-update",
                        sequence = new.sequence(),
                        installed = current.bundle.sequence(),
                        key = current.bundle.signer_key_id().to_hex(),
                        detail = crate::errors::protocol_text(&e)
                    )
                })?;
                TrustInstall::Updated {
                    from: current.bundle.sequence(),
                }
            }
        };
        write_file(&home.path(TRUST_BUNDLE_FILE), &new.encode(), false)?;
        Ok(outcome)
    }
}

/// Parses 64 hex digits.
pub fn hex32(s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out)
        .map_err(|_| crate::cli_error!("error-bad-hex-key", text = s))?;
    Ok(out)
}

/// Parses an Ed25519 public key from hex.
pub fn public_key(s: &str) -> Result<PublicKey> {
    PublicKey::from_bytes(&hex32(s)?).map_err(|e| {
        crate::cli_error!(
            "error-bad-public-key",
            text = s,
            detail = crate::errors::protocol_text(&e)
        )
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn secret_files_are_mode_0600_even_over_a_stale_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k").join("diary.key");
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let stale = dir.path().join("k").join(".diary.key.tmp");
        fs::write(&stale, b"old").expect("write");
        fs::set_permissions(&stale, fs::Permissions::from_mode(0o644)).expect("chmod");
        let key = load_or_create_key(&path).expect("created");
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("venuecode symmetric secret key\n"));
        assert_eq!(*load_or_create_key(&path).expect("read back"), *key);
        // Read strictly by kind: a diary key is not a venue master seed.
        let e = read_key(&path, KeyKind::VenueMasterSeed).expect_err("wrong kind");
        assert!(
            e.to_string().contains("expected a venue master seed"),
            "{e}"
        );
    }
}
