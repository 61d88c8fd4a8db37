//! A sealed seed release with the venue's signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::SignedSeedRelease;

fuzz_target!(|data: &[u8]| {
    if let Some(release) = venuecode_fuzz::canonical::<SignedSeedRelease>(data) {
        let k = venuecode_fuzz::keys();
        let _ = release.open(&k.venue, &k.ha_enc);
    }
});
