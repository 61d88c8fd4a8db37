//! The plaintext of a venue's seed release.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::SeedRelease;

fuzz_target!(|data: &[u8]| {
    let _ = venuecode_fuzz::canonical::<SeedRelease>(data);
});
