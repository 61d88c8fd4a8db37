//! Raw venue code bytes (what the URL fragment decodes to).
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_fuzz::canonical;
use venuecode_protocol::VenueCode;

fuzz_target!(|data: &[u8]| {
    if let Some(code) = canonical::<VenueCode>(data) {
        // The URL form of an accepted code parses back to the same code.
        let url = code.to_url(venuecode_protocol::code::DEFAULT_BASE_URL);
        assert_eq!(VenueCode::parse(&url).as_ref(), Ok(&code));
        let _ = code.verify(
            &venuecode_fuzz::keys().anchors,
            venuecode_protocol::time::UnixMinute::new(29_000_000),
            None,
        );
    }
});
