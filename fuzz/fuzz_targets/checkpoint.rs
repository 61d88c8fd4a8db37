//! HA-signed checkpoints of the batch chain, and the phone's chain state fed with them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::{ChainState, Checkpoint};

fuzz_target!(|data: &[u8]| {
    if let Some(cp) = venuecode_fuzz::canonical::<Checkpoint>(data) {
        let anchors = &venuecode_fuzz::keys().anchors;
        let _ = cp.verify(anchors);
        let mut state = ChainState::new();
        // Forged checkpoints are refused; a genuine seed one is taken and then reported.
        if state.accept_checkpoint(&cp, anchors).is_ok() {
            let _ = state.status(cp.body().issued_at);
            let _ = state.status(venuecode_protocol::time::UnixMinute::MAX);
        }
    }
});
