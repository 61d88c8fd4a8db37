//! What a scanner hands over: a URL or bare digits, as arbitrary UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::{Codec, VenueCode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = VenueCode::parse(text) {
        // The URL's prefix is free (any https host and path), but the payload is canonical: the
        // digits must be exactly the code's digits, and the bytes its encoding.
        let t = text.trim();
        let digits = t.split_once('#').map_or(t, |(_, d)| d);
        assert_eq!(code.to_digits(), digits);
        assert_eq!(VenueCode::decode(&code.encode()).as_ref(), Ok(&code));
    }
    if let Ok(code) = VenueCode::from_url(text) {
        assert!(text.ends_with(&format!("#{}", code.to_digits())));
    }
});
