//! The plaintext of a guest-book entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::GuestBookEntry;

fuzz_target!(|data: &[u8]| {
    if let Some(entry) = venuecode_fuzz::canonical::<GuestBookEntry>(data) {
        // What the decoder accepts, the checked constructor builds again.
        let again = GuestBookEntry::new(
            entry.venue_serial(),
            entry.name(),
            entry.phone(),
            entry.arrival(),
            entry.departure(),
        );
        assert_eq!(again.as_ref(), Ok(&entry));
        // The masked labels staff see never panic on accepted input.
        let _ = format!("{entry:?}");
    }
});
