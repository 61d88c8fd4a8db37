//! Plain-socket helpers for tests that hold requests half-sent.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Whether a response (or the end of the stream) is waiting on `s`, without blocking.
pub fn answered(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let ready = !matches!(s.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    s.set_nonblocking(false).unwrap();
    ready
}

/// Requests the server at `addr` is serving now, from its metrics, not counting the scrape
/// that asks.
pub fn in_flight(addr: SocketAddr) -> i64 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix("venuecode_http_requests_in_flight "))
        .unwrap_or_else(|| panic!("no in-flight gauge in {text}"));
    value.trim().parse::<i64>().unwrap() - 1
}
