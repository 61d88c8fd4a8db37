//! Storage records for the backend tests (redb and PostgreSQL).

use venuecode_server::storage::NewBatch;

/// A stand-in link of batch `seq` (the storage does not compute links).
pub fn link(seq: u64) -> [u8; 32] {
    if seq == 0 {
        [0; 32]
    } else {
        let mut l = [0xa5; 32];
        l[..8].copy_from_slice(&seq.to_be_bytes());
        l
    }
}

/// Batch `seq` of a chain, with batch id `[id; 16]`.
pub fn chained<'a>(
    seq: u64,
    id: u8,
    records: u32,
    received_at: u64,
    bytes: &'a [u8],
) -> NewBatch<'a> {
    NewBatch {
        sequence: seq,
        previous: link(seq - 1),
        link: link(seq),
        batch_id: [id; 16],
        digest: [id; 32],
        records,
        received_at,
        bytes,
    }
}
