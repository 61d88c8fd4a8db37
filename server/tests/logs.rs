//! The logs carry no user data: no TAN, no upload, no venue details, no client address.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{now, Harness};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_hold_no_user_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "info,venuecode_server=trace",
        ))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let h = Harness::start_with(|c| c.counts = true);
    let key = venuecode_protocol::SigningKey::generate().unwrap();
    let reg = Harness::registration(&key, "Secret Noodle Bar", 620_105, true);
    assert_eq!(h.signed(&key, "POST", "/v1/venues", &reg).status, 201);
    let tan = "PRIVATE-TAN-424242";
    assert_eq!(h.register_tans(&[(tan, now() + 600, "case")]).status, 201);
    let upload = h.case_upload();
    assert_eq!(h.upload(tan, &upload).status, 201);
    assert_eq!(h.upload(tan, &upload).status, 409);
    assert_eq!(h.upload("WRONG-TAN-99999", &upload).status, 403);
    let tag = [0x5a; 16];
    assert_eq!(
        h.request("POST", "/v1/counts", &[], &Harness::ping([0x5a; 8], tag))
            .status,
        202
    );
    assert_eq!(h.get("/v1/venues/1").status, 200);
    drop(h);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("route=/v1/uploads"), "{text}");
    assert!(text.contains("upload stored"), "{text}");
    let tan_hash = hex::encode(venuecode_protocol::envelope::tan_hash(tan).unwrap());
    let forbidden = [
        tan.to_owned(),
        "WRONG-TAN".to_owned(),
        tan_hash,
        "Secret Noodle".to_owned(),
        "Example Road".to_owned(),
        hex::encode(tag),
        hex::encode(&upload[..24]),
        hex::encode(key.public_key().as_bytes()),
    ];
    for f in &forbidden {
        assert!(!text.contains(f.as_str()), "log holds {f}:\n{text}");
    }
    for line in text.lines().filter(|l| !l.contains("listening")) {
        assert!(!line.contains("127.0.0.1"), "log holds an address: {line}");
    }
}
