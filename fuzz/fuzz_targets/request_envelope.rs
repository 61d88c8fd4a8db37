//! Signed request envelopes, in binary and in the header's base64url form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::RequestEnvelope;

fuzz_target!(|data: &[u8]| {
    if let Some(env) = venuecode_fuzz::canonical::<RequestEnvelope>(data) {
        let k = venuecode_fuzz::keys();
        let _ = env.verify(&k.venue, "POST", "/v1/venues", b"body", env.timestamp);
    }
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(env) = RequestEnvelope::from_header(text) {
            assert_eq!(env.to_header(), text.trim(), "header form not canonical");
        }
    }
});
