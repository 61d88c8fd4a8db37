//! RA-signed trust bundles: decoding, first-install and update verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::TrustBundle;

fuzz_target!(|data: &[u8]| {
    if let Some(bundle) = venuecode_fuzz::canonical::<TrustBundle>(data) {
        let _ = bundle.verify_initial();
        let _ = bundle.verify_update(&bundle);
        let _ = bundle.anchors();
    }
});
