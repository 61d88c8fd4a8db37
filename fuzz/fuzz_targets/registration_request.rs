//! A venue's registration request body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::{Codec, RegistrationRequest, VenueInfo};

fuzz_target!(|data: &[u8]| {
    let _ = venuecode_fuzz::canonical::<RegistrationRequest>(data);
    // The venue information inside it, on its own.
    if let Some(rest) = data.get(33..) {
        if let Some(info) = venuecode_fuzz::canonical::<VenueInfo>(rest) {
            assert_eq!(VenueInfo::decode(&info.encode()), Ok(info));
        }
    }
});
