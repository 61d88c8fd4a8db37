//! HA-signed exposure batches: whole, through the sans-I/O `BatchReader` phones use (fed in
//! pieces), through it with the host's leaf hashes (as the web app computes them), and offered
//! to the phone's chain state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::codec::Reader;
use venuecode_protocol::merkle::{leaf_hash, LEAF_BYTES};
use venuecode_protocol::{BatchReader, ChainState, ExposureBatch, SignedBatchHeader};

fuzz_target!(|data: &[u8]| {
    let anchors = &venuecode_fuzz::keys().anchors;
    let whole = venuecode_fuzz::canonical::<ExposureBatch>(data);
    let verified = whole.as_ref().is_some_and(|b| b.verify(anchors).is_ok());

    // The header alone, then the records through the checker, without verification.
    let mut r = Reader::new(data);
    let Ok(header) = SignedBatchHeader::read(&mut r) else {
        assert!(whole.is_none());
        return;
    };
    let mut again = Vec::new();
    header.encode_into(&mut again);
    assert_eq!(&again[..], &data[..r.position()], "header not canonical");
    let mut checker = header.record_checker();
    let streamed = checker.push_records(&data[r.position()..], |_| {}).is_ok()
        && checker.finish().is_ok();
    assert_eq!(
        streamed,
        whole.is_some(),
        "streamed and whole decoding disagree"
    );

    // The BatchReader, fed in uneven pieces, verifies too: it accepts exactly the verified
    // batches.
    let mut reader = BatchReader::new(anchors.clone());
    let mut ok = true;
    let mut count = 0;
    for piece in data.chunks(1 + data.len() % 61) {
        match reader.feed(piece) {
            Ok(records) => count += records.len(),
            Err(_) => {
                ok = false;
                break;
            }
        }
    }
    let read = if ok { reader.finish().ok() } else { None };
    assert_eq!(
        read.is_some(),
        verified,
        "BatchReader and whole decoding disagree"
    );
    // With the host's leaf hashes of the bytes after the header: the same verdict.
    let mut host = BatchReader::with_host_digest(anchors.clone());
    let fed = data
        .chunks(1 + data.len() % 53)
        .all(|piece| host.feed(piece).is_ok());
    let hosted = fed
        && host.header_len().is_some_and(|at| {
            let leaves: Vec<[u8; 32]> = data[at..].chunks(LEAF_BYTES).map(leaf_hash).collect();
            host.finish_with_leaf_hashes(&leaves).is_ok()
        });
    assert_eq!(hosted, verified, "host leaf hashes and whole decoding disagree");
    if let (Some(header), Some(batch)) = (read, &whole) {
        assert_eq!(&header, batch.header());
        assert_eq!(count, batch.records().len());
        let mut chain = ChainState::new();
        let _ = chain.accept_batch_header(&header);
    }
});
