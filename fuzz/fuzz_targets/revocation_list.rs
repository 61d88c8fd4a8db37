//! RA-signed revocation lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::RevocationList;

fuzz_target!(|data: &[u8]| {
    if let Some(list) = venuecode_fuzz::canonical::<RevocationList>(data) {
        let _ = list.verify(&venuecode_fuzz::keys().anchors);
        let mut set = venuecode_protocol::RevocationSet::new();
        let _ = set.apply(&list);
    }
});
