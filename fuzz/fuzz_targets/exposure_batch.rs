//! HA-signed exposure batches, whole and as a streamed header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::codec::Reader;
use venuecode_protocol::exposure::RECORD_BYTES;
use venuecode_protocol::{ExposureBatch, ExposureRecord, SignedBatchHeader};

fuzz_target!(|data: &[u8]| {
    let whole = venuecode_fuzz::canonical::<ExposureBatch>(data);
    if let Some(batch) = &whole {
        let _ = batch.verify(&venuecode_fuzz::keys().anchors);
    }

    // The streaming path phones use: header, then records through the checker.
    let mut r = Reader::new(data);
    let Ok(header) = SignedBatchHeader::read(&mut r) else {
        assert!(whole.is_none());
        return;
    };
    let mut again = Vec::new();
    header.encode_into(&mut again);
    assert_eq!(&again[..], &data[..r.position()], "header not canonical");
    let mut checker = header.record_checker();
    let mut streamed = true;
    while r.remaining() >= RECORD_BYTES {
        let rec = ExposureRecord::read(&mut r).expect("40 bytes remain");
        if checker.push(&rec).is_err() {
            streamed = false;
            break;
        }
    }
    let streamed = streamed && r.remaining() == 0 && checker.finish().is_ok();
    // Both paths must agree on what is a valid batch.
    assert_eq!(
        streamed,
        whole.is_some(),
        "streamed and whole decoding disagree"
    );
});
