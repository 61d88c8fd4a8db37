//! The plaintext of a case's upload, as the HA decodes it after opening.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::Upload;

fuzz_target!(|data: &[u8]| {
    if let Some(upload) = venuecode_fuzz::canonical::<Upload>(data) {
        // What the decoder accepts, the sender-side check accepts too.
        assert_eq!(upload.check(), Ok(()));
    }
});
