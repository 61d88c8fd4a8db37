//! Key files: a label line that says what the file holds, then the key in hex.
//!
//! ```text
//! venuecode ed25519 public key
//! 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c
//! ```
//!
//! Public and secret keys have distinct labels ([`KeyKind::label`]), and every reader names
//! the kind it expects: a secret key given where a public one belongs (an operator pointing
//! `--ha-keys` at `ha-signing.key`) is refused with a message naming the file, instead of being
//! loaded and published. A public-key file may list several keys, one per line (the label may
//! repeat, so that `.pub` files can be concatenated); a secret-key file holds exactly one.
//! Blank lines and lines starting with `#` are ignored. Files without a label are refused.
//!
//! This module is the format only (text in, keys out, and back): the server
//! (`venuecode_server::keyfile`) and the authority library (`venuecode_authority::home`) read
//! and write the files.

use core::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// What a key file holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum KeyKind {
    /// An Ed25519 public key (a `.pub` file of a signing key).
    Ed25519Public,
    /// An Ed25519 signing key: the 32-byte RFC 8032 seed.
    Ed25519Secret,
    /// An X25519 public key (the HA's encryption key, `.pub`).
    X25519Public,
    /// An X25519 secret key (the HA's decryption key).
    X25519Secret,
    /// A 32-byte symmetric key (the diary key, the guest-book key).
    SymmetricSecret,
    /// A venue's 32-byte master seed, from which its codes' seeds derive.
    VenueMasterSeed,
}

impl KeyKind {
    /// Every kind, for parsing labels.
    pub const ALL: [Self; 6] = [
        Self::Ed25519Public,
        Self::Ed25519Secret,
        Self::X25519Public,
        Self::X25519Secret,
        Self::SymmetricSecret,
        Self::VenueMasterSeed,
    ];

    /// The first line of a file of this kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ed25519Public => "venuecode ed25519 public key",
            Self::Ed25519Secret => "venuecode ed25519 secret key",
            Self::X25519Public => "venuecode x25519 public key",
            Self::X25519Secret => "venuecode x25519 secret key",
            Self::SymmetricSecret => "venuecode symmetric secret key",
            Self::VenueMasterSeed => "venuecode venue master seed",
        }
    }

    /// Whether files of this kind hold a secret (and are written mode 0600).
    pub fn is_secret(self) -> bool {
        !matches!(self, Self::Ed25519Public | Self::X25519Public)
    }

    /// Words for messages: "an Ed25519 public key".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Ed25519Public => "an Ed25519 public key",
            Self::Ed25519Secret => "an Ed25519 secret key",
            Self::X25519Public => "an X25519 public key",
            Self::X25519Secret => "an X25519 secret key",
            Self::SymmetricSecret => "a symmetric secret key",
            Self::VenueMasterSeed => "a venue master seed",
        }
    }

    fn from_label(line: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == line)
    }
}

/// Why a key file was refused. Messages name the file and what was expected, never key bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The first line is not a key-file label.
    Unlabelled {
        /// The file.
        path: PathBuf,
        /// What the reader expected.
        expected: KeyKind,
    },
    /// The file holds another kind of key than the one expected.
    WrongKind {
        /// The file.
        path: PathBuf,
        /// What its label says.
        found: KeyKind,
        /// What the reader expected.
        expected: KeyKind,
    },
    /// A key line is not 64 hex digits, or a label of another kind follows the first.
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
    },
    /// A secret-key file holds more or fewer than one key, or a public-key file none.
    WrongCount {
        /// The file.
        path: PathBuf,
        /// What the file holds.
        kind: KeyKind,
        /// How many keys it holds.
        found: usize,
    },
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { path, reason } => {
                write!(f, "cannot read key file {}: {reason}", path.display())
            }
            Self::Unlabelled { path, expected } => write!(
                f,
                "key file {} has no label line; expected {} (first line `{}`, then the key in hex)",
                path.display(),
                expected.describe(),
                expected.label()
            ),
            Self::WrongKind {
                path,
                found,
                expected,
            } if found.is_secret() && !expected.is_secret() => write!(
                f,
                "key file {} is a SECRET key ({}); give the matching .pub file ({})",
                path.display(),
                found.describe(),
                expected.describe()
            ),
            Self::WrongKind {
                path,
                found,
                expected,
            } => write!(
                f,
                "key file {} holds {}; expected {}",
                path.display(),
                found.describe(),
                expected.describe()
            ),
            Self::BadLine { path, line } => write!(
                f,
                "key file {}: line {line} is not 64 hex digits",
                path.display()
            ),
            Self::WrongCount { path, kind, found } => write!(
                f,
                "key file {} holds {found} keys; {}",
                path.display(),
                if kind.is_secret() {
                    "a secret-key file holds exactly one"
                } else {
                    "a public-key file holds at least one"
                }
            ),
        }
    }
}

impl std::error::Error for KeyFileError {}

/// The text of a key file of `kind` holding `keys` (one for a secret kind).
pub fn encode(kind: KeyKind, keys: &[&[u8; 32]]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(
        kind.label().len() + 1 + keys.len() * 65,
    ));
    out.push_str(kind.label());
    out.push('\n');
    for key in keys {
        out.push_str(&Zeroizing::new(hex::encode(key)));
        out.push('\n');
    }
    out
}

/// Parses key-file text that must hold keys of `expected` kind; `path` names the file in
/// errors.
pub fn parse(
    path: &Path,
    text: &str,
    expected: KeyKind,
) -> Result<Vec<Zeroizing<[u8; 32]>>, KeyFileError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let unlabelled = || KeyFileError::Unlabelled {
        path: path.to_owned(),
        expected,
    };
    let (_, first) = lines.next().ok_or_else(unlabelled)?;
    let found = KeyKind::from_label(first).ok_or_else(unlabelled)?;
    if found != expected {
        return Err(KeyFileError::WrongKind {
            path: path.to_owned(),
            found,
            expected,
        });
    }
    let mut keys = Vec::new();
    for (n, line) in lines {
        if line == found.label() && !found.is_secret() {
            continue;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(line, &mut *key).map_err(|_| KeyFileError::BadLine {
            path: path.to_owned(),
            line: n,
        })?;
        keys.push(key);
    }
    let count_ok = if found.is_secret() {
        keys.len() == 1
    } else {
        !keys.is_empty()
    };
    if !count_ok {
        return Err(KeyFileError::WrongCount {
            path: path.to_owned(),
            kind: found,
            found: keys.len(),
        });
    }
    Ok(keys)
}

/// Parses key-file text that must hold exactly one key of `expected` kind (a secret-key file,
/// or a public-key file read for one key).
pub fn parse_one(
    path: &Path,
    text: &str,
    expected: KeyKind,
) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
    let mut keys = parse(path, text, expected)?;
    match (keys.pop(), keys.is_empty()) {
        (Some(key), true) => Ok(key),
        (_, _) => Err(KeyFileError::WrongCount {
            path: path.to_owned(),
            kind: expected,
            found: keys.len() + 1,
        }),
    }
}

impl KeyFileError {
    /// The file at `path` could not be read.
    pub fn unreadable(path: &Path, e: &std::io::Error) -> Self {
        Self::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("dir/k")
    }

    #[test]
    fn each_kind_round_trips_and_no_label_is_a_prefix_of_another() {
        let key = [7u8; 32];
        for kind in KeyKind::ALL {
            let text = encode(kind, &[&key]);
            let keys = parse(p(), &text, kind).expect("parses");
            assert_eq!(keys.len(), 1);
            assert_eq!(*keys[0], key);
            for other in KeyKind::ALL.into_iter().filter(|o| *o != kind) {
                assert!(matches!(
                    parse(p(), &text, other),
                    Err(KeyFileError::WrongKind { .. })
                ));
            }
        }
    }

    #[test]
    fn a_secret_key_where_a_public_one_belongs_says_so() {
        let text = encode(KeyKind::Ed25519Secret, &[&[1; 32]]);
        let e = parse(
            Path::new("ha/authority/ha-signing.key"),
            &text,
            KeyKind::Ed25519Public,
        )
        .expect_err("refused");
        let msg = e.to_string();
        assert!(msg.contains("ha/authority/ha-signing.key"), "{msg}");
        assert!(msg.contains("is a SECRET key"), "{msg}");
        assert!(msg.contains("give the matching .pub file"), "{msg}");
        assert!(!msg.contains(&hex::encode([1u8; 32])), "{msg}");
        let text = encode(KeyKind::X25519Secret, &[&[1; 32]]);
        let msg = parse(p(), &text, KeyKind::X25519Public)
            .expect_err("refused")
            .to_string();
        assert!(
            msg.contains("is a SECRET key (an X25519 secret key)"),
            "{msg}"
        );
    }

    #[test]
    fn public_files_list_keys_and_secret_files_hold_one() {
        let k = "ab".repeat(32);
        let label = KeyKind::Ed25519Public.label();
        let text = format!("# HA keys\n{label}\n\n{k}\n  {k}  \n{label}\n{k}\n");
        assert_eq!(
            parse(p(), &text, KeyKind::Ed25519Public)
                .expect("parses")
                .len(),
            3
        );
        let two = format!("{}\n{k}\n{k}\n", KeyKind::Ed25519Secret.label());
        assert!(matches!(
            parse(p(), &two, KeyKind::Ed25519Secret),
            Err(KeyFileError::WrongCount { found: 2, .. })
        ));
        let none = format!("{label}\n");
        assert!(matches!(
            parse(p(), &none, KeyKind::Ed25519Public),
            Err(KeyFileError::WrongCount { found: 0, .. })
        ));
    }

    #[test]
    fn unlabelled_mixed_and_bad_lines_are_refused() {
        let k = "ab".repeat(32);
        for text in [String::new(), format!("{k}\n"), "venuecode key\n".into()] {
            assert!(matches!(
                parse(p(), &text, KeyKind::Ed25519Public),
                Err(KeyFileError::Unlabelled { .. })
            ));
        }
        let pub_label = KeyKind::Ed25519Public.label();
        let mixed = format!(
            "{pub_label}\n{k}\n{}\n{k}\n",
            KeyKind::Ed25519Secret.label()
        );
        assert!(matches!(
            parse(p(), &mixed, KeyKind::Ed25519Public),
            Err(KeyFileError::BadLine { line: 3, .. })
        ));
        for bad in ["abcd".to_owned(), format!("{k}00"), format!("{k} x")] {
            let text = format!("{pub_label}\n{bad}\n");
            assert!(matches!(
                parse(p(), &text, KeyKind::Ed25519Public),
                Err(KeyFileError::BadLine { line: 2, .. })
            ));
        }
    }
}
