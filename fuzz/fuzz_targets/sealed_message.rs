//! HPKE sealed messages as stored by the server, and the padding inside them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::sealed::{pad, unpad};
use venuecode_protocol::SealedMessage;

fuzz_target!(|data: &[u8]| {
    if let Some(msg) = venuecode_fuzz::canonical::<SealedMessage>(data) {
        // Opening fails cleanly on forged input (wrong key id, low-order enc, bad tag, bad
        // padding); the seeds hold genuine messages sealed to this key, which do open.
        let key = &venuecode_fuzz::keys().ha_enc;
        let _ = venuecode_protocol::Upload::open(key, &msg);
        let _ = venuecode_protocol::GuestBookEntry::open(key, &msg);
        let _ = venuecode_protocol::SeedRelease::open(key, &msg);
    }
    if let Ok(content) = unpad(data) {
        assert_eq!(&pad(content).expect("fits its own bucket")[..], data);
    }
});
