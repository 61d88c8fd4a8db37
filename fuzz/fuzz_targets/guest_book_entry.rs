//! The plaintext of a guest-book entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::GuestBookEntry;

fuzz_target!(|data: &[u8]| {
    if let Some(entry) = venuecode_fuzz::canonical::<GuestBookEntry>(data) {
        assert_eq!(entry.check(), Ok(()));
        // The masked labels staff see never panic on accepted input.
        let _ = format!("{entry:?}");
    }
});
