//! Key files on disk. The format (labels, kinds, parsing and encoding) is
//! [`venuecode_protocol::keyfile`]'s, shared with the authority library; this module reads the
//! files the server is started with.

use std::path::Path;

use zeroize::Zeroizing;

pub use venuecode_protocol::keyfile::{encode, parse, parse_one, KeyFileError, KeyKind};

fn read_text(path: &Path) -> Result<Zeroizing<String>, KeyFileError> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| KeyFileError::unreadable(path, &e))
}

/// Reads a key file that must hold keys of `expected` kind.
pub fn read(path: &Path, expected: KeyKind) -> Result<Vec<Zeroizing<[u8; 32]>>, KeyFileError> {
    parse(path, &read_text(path)?, expected)
}

/// Reads a key file that must hold exactly one key of `expected` kind.
pub fn read_one(path: &Path, expected: KeyKind) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
    parse_one(path, &read_text(path)?, expected)
}
