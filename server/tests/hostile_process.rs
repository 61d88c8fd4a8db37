//! The attacks of `hostile.rs` at full size against the `venuecode-server` binary with its
//! default limits, reading its descriptors and memory from `/proc`: a few hundred slow heads
//! from one machine, heads of hundreds of KiB, and unsigned 64 MiB batches. Honest clients
//! come from another loopback address (127.0.0.2) and must be served throughout. The figures
//! are printed (`--nocapture`) and bounded generously.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode_testkit::server as common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use common::process::{memory_kib, start_binary, Running};
use common::raw::{connect_from, metric, status_from};

const BIN: &str = env!("CARGO_BIN_EXE_venuecode-server");

/// Starts the binary with its defaults but a short header deadline (2 s).
fn start(dir: &Path) -> Running {
    start_binary(BIN, dir, &["--header-timeout-ms", "2000"])
}

/// Open file descriptors of a process.
fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// An honest request from 127.0.0.2: its status and how long it took.
fn honest(addr: SocketAddr) -> (u16, Duration) {
    let t = Instant::now();
    let (status, _) = status_from(
        "127.0.0.2",
        addr,
        "GET /v1/revocations HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    (status, t.elapsed())
}

#[test]
fn slowloris_from_one_machine_holds_few_descriptors_and_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let (pid, addr) = (server.child.id(), server.addr);
    let metrics = server.metrics.expect("the server serves metrics");
    assert_eq!(honest(addr).0, 200);
    let fds_before = descriptors(pid);
    let (_, rss_before) = memory_kib(pid);

    // 300 connections from one machine, each with 12 KiB of a head it never finishes.
    let filler = format!("X-Filler: {}\r\n", "a".repeat(1000)).repeat(12);
    let mut held: Vec<TcpStream> = Vec::new();
    for _ in 0..300 {
        let mut s = connect_from("127.0.0.1", addr);
        let _ = s.write_all(b"GET /v1/authority HTTP/1.1\r\nHost: t\r\n");
        let _ = s.write_all(filler.as_bytes());
        held.push(s);
    }
    let open = metric(metrics, "venuecode_connections_open ");
    let fds = descriptors(pid);
    let (_, rss) = memory_kib(pid);
    let (status, took) = honest(addr);
    let refused = metric(
        metrics,
        "venuecode_events_total{event=\"connection_refused_address_cap\"} ",
    );
    eprintln!(
        "300 slow heads: {open} connections open, {refused} refused at the address cap; \
         descriptors {fds_before} -> {fds}; VmRSS {rss_before} -> {rss} KiB; \
         honest request {status} in {took:?}"
    );
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(open <= 64, "{open} connections open");
    assert!(
        fds <= fds_before + 64 + 8,
        "{fds_before} -> {fds} descriptors"
    );
    assert!(
        rss.saturating_sub(rss_before) < 32 * 1024,
        "{rss_before} -> {rss} KiB"
    );

    // At the header deadline every slow head is closed, and the descriptors come back.
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(metrics, "venuecode_connections_open ") > 0 {
        assert!(Instant::now() < deadline, "slow heads were never closed");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(held);
    let fds_after = descriptors(pid);
    eprintln!("after the header deadline: descriptors {fds_after}");
    assert!(fds_after <= fds_before + 4, "{fds_before} -> {fds_after}");

    // Heads of about 380 KB, 500 of them, from two addresses: refused at 16 KiB (431) or at
    // the address cap, never buffered whole.
    let (hwm_before, _) = memory_kib(pid);
    let huge = format!(
        "GET /v1/authority HTTP/1.1\r\nHost: t\r\n{}",
        format!("X-Filler: {}\r\n", "b".repeat(1000)).repeat(380)
    );
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let huge = huge.clone();
            std::thread::spawn(move || {
                let local = if t % 2 == 0 { "127.0.0.3" } else { "127.0.0.4" };
                let mut conns = Vec::new();
                for _ in 0..125 {
                    let mut s = connect_from(local, addr);
                    let _ = s.write_all(huge.as_bytes());
                    conns.push(s);
                }
                conns
            })
        })
        .collect();
    let conns: Vec<TcpStream> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let (hwm_after, rss_after) = memory_kib(pid);
    let (status, took) = honest(addr);
    eprintln!(
        "500 heads of 380 KB: VmHWM {hwm_before} -> {hwm_after} KiB, VmRSS {rss_after} KiB; \
         honest request {status} in {took:?}"
    );
    assert_eq!(status, 200);
    assert!(
        hwm_after.saturating_sub(hwm_before) < 48 * 1024,
        "{hwm_before} -> {hwm_after} KiB"
    );
    drop(conns);
}

#[test]
fn unauthenticated_body_burst_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let (pid, addr) = (server.child.id(), server.addr);
    assert_eq!(honest(addr).0, 200);
    let (hwm_before, rss_before) = memory_kib(pid);
    // 12 unsigned exposure batches of 64 MiB, each sent in full as fast as the server takes it.
    const BODY: usize = 64 * 1024 * 1024;
    let threads: Vec<_> = (0..12)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                write!(
                    s,
                    "POST /v1/batches HTTP/1.1\r\nHost: t\r\nContent-Length: {BODY}\r\n\r\n"
                )
                .unwrap();
                let chunk = vec![0x5a; 256 * 1024];
                let mut sent = 0;
                while sent < BODY {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                    sent += chunk.len();
                }
                sent
            })
        })
        .collect();
    let sent: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let (hwm_after, rss_after) = memory_kib(pid);
    let (status, took) = honest(addr);
    eprintln!(
        "12 unsigned 64 MiB batches ({} MiB written before the server closed): VmHWM \
         {hwm_before} -> {hwm_after} KiB, VmRSS {rss_before} -> {rss_after} KiB; honest \
         request {status} in {took:?}",
        sent / (1024 * 1024)
    );
    assert_eq!(status, 200);
    assert!(
        hwm_after.saturating_sub(hwm_before) < 16 * 1024,
        "peak memory grew {hwm_before} -> {hwm_after} KiB"
    );
}
