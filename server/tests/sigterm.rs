//! The server binary finishes the requests in flight on SIGTERM, then exits with success.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::start_binary;
use common::raw::in_flight;
use venuecode_protocol::count::CountPing;
use venuecode_protocol::{Codec, CountTag, KeyId};

#[test]
fn sigterm_drains_requests_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // On an ephemeral port the server picks and logs: a port picked here and handed over
    // could be taken by another test's listener meanwhile.
    // Killed when dropped, should the test fail before it exits.
    let mut server = start_binary(
        env!("CARGO_BIN_EXE_venuecode-server"),
        dir.path(),
        &["--counts"],
    );
    let addr = server.addr.to_string();
    let metrics = server.metrics.expect("the metrics listener's address");
    let mut conn = TcpStream::connect(&addr).unwrap();
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
    while in_flight(metrics) < 1 {
        assert!(Instant::now() < deadline, "the request never got in flight");
        std::thread::sleep(Duration::from_millis(20));
    }

    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The server closes its listener when it handles the signal, then drains. The rest of the
    // body goes only once it has (not after a fixed pause that a loaded machine can outlast),
    // so the request is finished by the drain.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    conn.write_all(&body[3..]).unwrap();
    let mut response = String::new();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 202"), "{response}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
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
