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

/// A loopback address that refuses connections for as long as the returned socket lives: the
/// socket holds the port (bound, never listening), so no other test's server, started on an
/// ephemeral port meanwhile, can take it. (A port found free and let go can be.)
pub fn refusing_addr() -> (tokio::net::TcpSocket, SocketAddr) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = sock.local_addr().unwrap();
    (sock, addr)
}

/// The whole answer (head and body) to `GET /metrics` from the metrics listener at `metrics`.
pub fn scrape(metrics: SocketAddr) -> String {
    let mut s = TcpStream::connect(metrics).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert_eq!(status_of(&text), 200, "metrics listener answered: {text}");
    text
}

/// Requests the public listener is serving now, from the metrics listener at `metrics` (whose
/// scrapes are not counted).
pub fn in_flight(metrics: SocketAddr) -> i64 {
    let text = scrape(metrics);
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix("venuecode_http_requests_in_flight "))
        .unwrap_or_else(|| panic!("no in-flight gauge in {text}"));
    value.trim().parse::<i64>().unwrap()
}

/// A connection to `addr` from the loopback address `local` (Linux routes all of 127/8 to
/// loopback), so that a test can be an attacker and an honest client at once.
pub fn connect_from(local: &str, addr: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(format!("{local}:0").parse().unwrap()).unwrap();
        let s = sock.connect(addr).await.unwrap();
        let s = s.into_std().unwrap();
        s.set_nonblocking(false).unwrap();
        s
    })
}

/// One request on a fresh connection from `local`: the status (0 when the server closed the
/// connection without an answer) and the whole answer.
pub fn status_from(local: &str, addr: SocketAddr, request: &str) -> (u16, String) {
    let mut s = connect_from(local, addr);
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    if s.write_all(request.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut text = Vec::new();
    let _ = s.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text).into_owned();
    let status = status_of(&text);
    (status, text)
}

/// A metric's value (the first sample line starting with `name`; 0 when there is none),
/// scraped from the metrics listener at `metrics`.
pub fn metric(metrics: SocketAddr, name: &str) -> i64 {
    scrape(metrics)
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

/// The status code of an HTTP/1.1 response's text (0 when there is none).
pub fn status_of(text: &str) -> u16 {
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Reads one response from `s`: up to the end of its body by its `Content-Length` (none: the
/// head alone), or what arrived before the stream ended or failed. The status (0 when there is
/// none) and the text.
pub fn read_response(s: &mut TcpStream) -> (u16, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&got);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    (status_of(&text), text)
}
