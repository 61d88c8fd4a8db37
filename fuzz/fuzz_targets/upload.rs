//! The plaintext of a case's upload, as the HA decodes it after opening.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::Upload;

fuzz_target!(|data: &[u8]| {
    if let Some(upload) = venuecode_fuzz::canonical::<Upload>(data) {
        // What the decoder accepts, the checked constructor builds again.
        let again = Upload::new(upload.tan(), upload.entries().to_vec());
        assert_eq!(again.as_ref(), Ok(&upload));
        // The HA's claim checks never panic, whatever the times.
        for e in upload.entries() {
            let _ = e.check_claim(e.departure());
            let _ = e.check_claim(venuecode_protocol::time::UnixMinute::MAX);
        }
    }
});
