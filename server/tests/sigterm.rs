//! The server binary finishes the requests in flight on SIGTERM, then exits with success.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::raw::in_flight;
use venuecode_protocol::count::CountPing;
use venuecode_protocol::{Codec, CountTag, KeyId, SigningKey};
use venuecode_server::config::{write_public_key, write_signing_key};

/// Ends the child (by its handle) if the test fails before it exits.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn sigterm_drains_requests_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let ra = SigningKey::generate().unwrap();
    let ha = SigningKey::generate().unwrap();
    write_signing_key(&dir.path().join("ra.key"), &ra).unwrap();
    write_public_key(&dir.path().join("ha.pub"), &ha.public_key()).unwrap();
    let free_port = || {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let addr = format!("127.0.0.1:{}", free_port());
    let metrics = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_venuecode-server"))
        .args(["--listen", &addr, "--metrics-listen", &metrics, "--counts"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--ra-key")
        .arg(dir.path().join("ra.key"))
        .arg("--ha-keys")
        .arg(dir.path().join("ha.pub"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reap(child);

    let deadline = Instant::now() + Duration::from_secs(20);
    let mut conn = loop {
        match TcpStream::connect(&addr) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("server did not start: {e}"),
        }
    };
    let body = CountPing {
        venue_key_id: KeyId([4; 8]),
        tag: CountTag([4; 16]),
    }
    .encode();
    write!(
        conn,
        "POST /v1/counts HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    conn.write_all(&body[..3]).unwrap();
    // The signal must find the request being served: wait until the server says so.
    let deadline = Instant::now() + Duration::from_secs(10);
    while in_flight(metrics.parse().unwrap()) < 1 {
        assert!(Instant::now() < deadline, "the request never got in flight");
        std::thread::sleep(Duration::from_millis(20));
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(200));
    conn.write_all(&body[3..]).unwrap();
    let mut response = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 202"), "{response}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
