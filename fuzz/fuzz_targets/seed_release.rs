//! The plaintext of a venue's seed release (venue key, seeds, signature), and its signature
//! check for the fixed HA encryption key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::SeedRelease;

fuzz_target!(|data: &[u8]| {
    if let Some(release) = venuecode_fuzz::canonical::<SeedRelease>(data) {
        let k = venuecode_fuzz::keys();
        let _ = release.verify(&k.ha_enc.public_key().key_id());
    }
});
