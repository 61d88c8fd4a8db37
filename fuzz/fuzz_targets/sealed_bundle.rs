//! Bundles of sealed messages (a venue's guest-book entries for a window).
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::sealed::SealedBundle;

fuzz_target!(|data: &[u8]| {
    let _ = venuecode_fuzz::canonical::<SealedBundle>(data);
});
