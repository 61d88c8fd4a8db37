//! The state directory the `venuecode` command keeps keys and data in, one folder per role.
//!
//! ```text
//! HOME/
//!   trust.json                authority public keys this home trusts (pinned on first use)
//!   ra/ra.key, ra.pub         registration authority signing key (the server signs with it)
//!   ra/admin.key, admin.pub   RA administrator key (signs disable requests)
//!   authority/ha-signing.key, .pub       health authority signing key
//!   authority/ha-encryption.key, .pub    health authority HPKE key
//!   venue/venue.key, master.seed         venue secrets (also on the recovery sheet)
//!   venue/certificate.hex, profile.json  the certificate and poster details
//!   venue/guestbook.redb, guestbook.key  assisted check-ins, sealed to the HA
//!   visitor/diary.redb, diary.key        the visitor's encrypted diary and its key
//! ```
//!
//! Key files are labelled by kind (`venuecode ed25519 secret key`, `venuecode ed25519 public
//! key`, …; see [`venuecode_server::keyfile`]) and read strictly by label, so a secret key is
//! never taken for a public one. Secret files are written with mode 0600 from their creation,
//! atomically (temporary file, then rename), so an interrupted write never leaves half a key. A phone app keeps the diary key in the platform
//! keystore; the command keeps it in a file because it has no keystore.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use venuecode_protocol::{EncryptionKey, PublicKey, TrustAnchors};
use venuecode_server::keyfile::{self, KeyKind};
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
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }
}

/// Writes `contents` to `path` atomically; `secret` files get mode 0600.
pub fn write_file(path: &Path, contents: &[u8], secret: bool) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent folder", path.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        // A stale temporary file keeps its old mode when reopened: narrow it before writing.
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(contents)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes a one-line hex file of public data (the venue certificate).
pub fn write_hex(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, format!("{}\n", hex::encode(bytes)).as_bytes(), false)
}

/// Writes a labelled key file of `kind` (see [`venuecode_server::keyfile`]) atomically; secret
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
    Ok(keyfile::read_one(path, kind)?)
}

/// Reads a symmetric secret key file (the diary or guest-book key), or creates one (mode
/// 0600) with fresh random bytes.
pub fn load_or_create_key(path: &Path) -> Result<Zeroizing<[u8; 32]>> {
    if path.exists() {
        return read_key(path, KeyKind::SymmetricSecret);
    }
    let key = Zeroizing::new(venuecode_protocol::primitives::random_array::<32>()?);
    write_key(path, KeyKind::SymmetricSecret, &key)?;
    Ok(key)
}

/// Refuses to overwrite an existing file: keys are never replaced silently.
pub fn refuse_existing(path: &Path) -> Result<()> {
    if path.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key (move it away first)",
            path.display()
        );
    }
    Ok(())
}

/// The authority public keys a visitor or venue trusts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Trust {
    /// RA public key, hex.
    pub ra_public_key: String,
    /// HA signing public keys, hex.
    pub ha_signing_keys: Vec<String>,
    /// HA encryption public key, hex.
    pub ha_encryption_key: String,
}

impl Trust {
    /// The trust anchors for verification.
    pub fn anchors(&self) -> Result<TrustAnchors> {
        let mut anchors = TrustAnchors::default();
        anchors.add_ra(public_key(&self.ra_public_key)?);
        for k in &self.ha_signing_keys {
            anchors.add_ha(public_key(k)?);
        }
        Ok(anchors)
    }

    /// The HA's encryption key.
    pub fn encryption_key(&self) -> Result<EncryptionKey> {
        EncryptionKey::from_bytes(&hex32(&self.ha_encryption_key)?)
            .map_err(|e| anyhow!("HA encryption key in trust.json: {e}"))
    }

    /// Loads `trust.json` from the home.
    pub fn load(home: &Home) -> Result<Option<Self>> {
        let path = home.path("trust.json");
        if !path.exists() {
            return Ok(None);
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let trust: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a trust file", path.display()))?;
        trust.anchors()?;
        trust.encryption_key()?;
        Ok(Some(trust))
    }

    /// Saves `trust.json` in the home.
    pub fn save(&self, home: &Home) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        write_file(&home.path("trust.json"), text.as_bytes(), false)
    }
}

/// Parses 64 hex digits.
pub fn hex32(s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).map_err(|_| anyhow!("`{s}` is not 64 hex digits"))?;
    Ok(out)
}

/// Parses an Ed25519 public key from hex.
pub fn public_key(s: &str) -> Result<PublicKey> {
    PublicKey::from_bytes(&hex32(s)?).map_err(|e| anyhow!("public key {s}: {e}"))
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
