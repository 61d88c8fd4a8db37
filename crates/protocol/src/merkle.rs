//! The digest a batch header signs over its records (SPEC §12.2): the Merkle Tree Hash of RFC 9162
//! §2.1.1 (SHA-256, leaf hashes `SHA-256(0x00 || leaf)`, interior nodes
//! `SHA-256(0x01 || left || right)`), whose leaves are the records cut into runs of
//! [`RECORDS_PER_LEAF`] (the last run may be shorter).
//!
//! Why a tree and not one SHA-256 over all records: a browser's SHA-256 (WebCrypto) hashes a whole
//! buffer in one call, never a stream, so with one digest it could only start once the last byte
//! of a large batch had arrived. With leaves, each run is hashed as soon as it is complete, while
//! the rest still downloads, and the root over a few hundred leaf hashes costs nothing. Natively
//! the cost is the same SHA-256 over the same bytes, plus one 64-byte block per leaf.
//!
//! The tree of no leaf hashes to `SHA-256("")`, as RFC 9162 says: an empty batch's digest.

use crate::primitives::{sha256, Sha256Stream};

/// Records in each leaf of the records' tree: 16,384 records, 640 KiB.
pub const RECORDS_PER_LEAF: usize = 1 << 14;

/// Bytes of a full leaf.
pub const LEAF_BYTES: usize = RECORDS_PER_LEAF * crate::exposure::RECORD_BYTES;

/// How many leaves a batch of `record_count` records has.
pub fn leaf_count(record_count: u32) -> usize {
    (record_count as usize).div_ceil(RECORDS_PER_LEAF)
}

/// RFC 9162's leaf hash of one run of records: `SHA-256(0x00 || bytes)`.
pub fn leaf_hash(bytes: &[u8]) -> [u8; 32] {
    sha256(&[&[0x00], bytes])
}

/// RFC 9162's Merkle Tree Hash of a list of leaves given by their leaf hashes.
pub fn root(leaf_hashes: &[[u8; 32]]) -> [u8; 32] {
    match leaf_hashes {
        [] => sha256(&[]),
        [one] => *one,
        _ => {
            // The largest power of two smaller than the number of leaves (n ≥ 2, so k ≥ 1).
            let below = leaf_hashes.len() - 1;
            let k = 1usize << (usize::BITS - 1 - below.leading_zeros());
            let (left, right) = leaf_hashes.split_at(k);
            sha256(&[&[0x01], &root(left), &root(right)])
        }
    }
}

/// The records digest of a batch's records, whole in memory.
pub fn records_digest(records: &[u8]) -> [u8; 32] {
    let leaves: Vec<[u8; 32]> = records.chunks(LEAF_BYTES).map(leaf_hash).collect();
    root(&leaves)
}

/// The records digest over a stream: feed the record bytes in pieces of any length.
///
/// Memory: one SHA-256 state and 32 bytes per completed leaf (at most 245 leaves under the
/// protocol's 4,000,000 records, SPEC §12.2).
#[derive(Clone, Debug)]
pub struct RecordsHasher {
    /// The current leaf's hash, started with the leaf prefix.
    leaf: Sha256Stream,
    /// Bytes in the current leaf.
    in_leaf: usize,
    leaves: Vec<[u8; 32]>,
}

impl Default for RecordsHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordsHasher {
    /// No records yet.
    pub fn new() -> Self {
        Self {
            leaf: Self::leaf_start(),
            in_leaf: 0,
            leaves: Vec::new(),
        }
    }

    fn leaf_start() -> Sha256Stream {
        let mut h = Sha256Stream::new();
        h.update(&[0x00]);
        h
    }

    /// Feeds the next record bytes.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = bytes.len().min(LEAF_BYTES - self.in_leaf);
            let (now, rest) = bytes.split_at(take);
            self.leaf.update(now);
            self.in_leaf += take;
            bytes = rest;
            if self.in_leaf == LEAF_BYTES {
                let full = std::mem::replace(&mut self.leaf, Self::leaf_start());
                self.leaves.push(full.finish());
                self.in_leaf = 0;
            }
        }
    }

    /// The digest of the bytes fed so far (the hasher can go on).
    pub fn digest(&self) -> [u8; 32] {
        if self.in_leaf == 0 {
            return root(&self.leaves);
        }
        let mut leaves = self.leaves.clone();
        leaves.push(self.leaf.clone().finish());
        root(&leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// RFC 9162's definition, written out: MTH(D[n]) with k the largest power of two < n.
    fn mth(leaves: &[&[u8]]) -> [u8; 32] {
        match leaves.len() {
            0 => sha256(&[]),
            1 => sha256(&[&[0], leaves[0]]),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                sha256(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
            }
        }
    }

    /// RFC 6962's reference tree (the Certificate Transparency implementations' test data):
    /// eight leaves and the root of each prefix of them, from the empty tree on.
    const CT_LEAVES: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const CT_ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn the_root_is_rfc_9162s_merkle_tree_hash() {
        let hashes: Vec<[u8; 32]> = CT_LEAVES.iter().map(|l| leaf_hash(l)).collect();
        for (n, want) in CT_ROOTS.iter().enumerate() {
            assert_eq!(root(&hashes[..n]), hex(want), "{n} leaves");
        }
        // Every shape up to 70 leaves, against the definition written out.
        let data: Vec<Vec<u8>> = (0u8..70).map(|i| vec![i; usize::from(i % 5)]).collect();
        for n in 0..data.len() {
            let leaves: Vec<&[u8]> = data[..n].iter().map(Vec::as_slice).collect();
            let hashes: Vec<[u8; 32]> = leaves.iter().map(|l| leaf_hash(l)).collect();
            assert_eq!(root(&hashes), mth(&leaves), "{n} leaves");
        }
    }

    #[test]
    fn the_stream_cuts_leaves_where_the_whole_digest_does() {
        let rec = crate::exposure::RECORD_BYTES;
        for records in [
            0,
            1,
            RECORDS_PER_LEAF - 1,
            RECORDS_PER_LEAF,
            RECORDS_PER_LEAF + 1,
            3 * RECORDS_PER_LEAF + 5,
        ] {
            let bytes: Vec<u8> = (0..records * rec).map(|i| (i * 7 % 251) as u8).collect();
            let leaves: Vec<&[u8]> = bytes.chunks(LEAF_BYTES).collect();
            let want = mth(&leaves);
            assert_eq!(records_digest(&bytes), want, "{records} records");
            assert_eq!(leaves.len(), leaf_count(records as u32));
            for piece in [1, 40, 4096, 65_537, LEAF_BYTES, bytes.len().max(1)] {
                let mut h = RecordsHasher::new();
                for p in bytes.chunks(piece) {
                    h.update(p);
                }
                assert_eq!(h.digest(), want, "{records} records in pieces of {piece}");
                // digest() does not end the stream.
                assert_eq!(h.digest(), want);
            }
        }
        // Moving a byte across a leaf boundary changes the digest.
        let a = vec![1u8; LEAF_BYTES + rec];
        let mut b = a.clone();
        b.swap(LEAF_BYTES - 1, LEAF_BYTES);
        b[LEAF_BYTES - 1] = 2;
        assert_ne!(records_digest(&a), records_digest(&b));
    }
}
