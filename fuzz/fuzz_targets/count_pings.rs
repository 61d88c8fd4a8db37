//! Batches of count pings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::CountPingBatch;

fuzz_target!(|data: &[u8]| {
    let _ = venuecode_fuzz::canonical::<CountPingBatch>(data);
});
