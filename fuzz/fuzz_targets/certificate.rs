//! RA-signed venue certificates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use venuecode_protocol::VenueCertificate;

fuzz_target!(|data: &[u8]| {
    if let Some(cert) = venuecode_fuzz::canonical::<VenueCertificate>(data) {
        let _ = cert.verify_signature(&venuecode_fuzz::keys().anchors);
        let _ = cert.check_validity(venuecode_protocol::time::UnixMinute::MAX);
        let _ = cert.check_validity(venuecode_protocol::time::UnixMinute::MIN);
    }
});
