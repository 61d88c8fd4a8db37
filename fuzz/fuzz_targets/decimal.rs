//! The decimal payload encoding of the URL fragment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::code::{decode_decimal, encode_decimal};

fuzz_target!(|data: &[u8]| {
    // As digits: whatever decodes must be the canonical digits of its bytes.
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(bytes) = decode_decimal(text) {
            assert_eq!(encode_decimal(&bytes), text);
        }
    }
    // As bytes: every byte string survives the trip through digits.
    if !data.is_empty() && data.len() <= 1024 {
        assert_eq!(decode_decimal(&encode_decimal(data)).as_deref(), Ok(data));
    }
});
