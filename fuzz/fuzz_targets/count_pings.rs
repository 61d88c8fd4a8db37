//! Count pings (one per request) and a venue's count-tag registration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::{CountPing, CountTagRegistration};

fuzz_target!(|data: &[u8]| {
    let _ = venuecode_fuzz::canonical::<CountPing>(data);
    if let Some(reg) = venuecode_fuzz::canonical::<CountTagRegistration>(data) {
        let again = CountTagRegistration::new(reg.tags().to_vec());
        assert_eq!(again.as_ref(), Ok(&reg));
        let _ = reg.check_epochs(venuecode_protocol::time::Epoch::new(20_139));
    }
});
