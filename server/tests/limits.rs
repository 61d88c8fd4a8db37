//! Abuse limits (413, 408, 503, 429) and a clean shutdown, against a real server.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::clock::on_one_day;
use venuecode_testkit::server as common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::raw::{answered, read_response};
use common::{now, Harness};

/// Opens a connection and sends the head of a POST whose body is `length` bytes, of which
/// only `sent` are sent now.
fn slow_post(addr: SocketAddr, path: &str, length: usize, sent: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    s.write_all(sent).unwrap();
    s.flush().unwrap();
    s
}

/// Reads a response's status code and the rest of what arrives.
fn read_status(s: &mut TcpStream) -> (u16, String) {
    read_response(s)
}

#[test]
fn bodies_over_the_route_limit_get_413() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.max_upload_bytes = 64 * 1024;
    });
    let r = h.request("POST", "/v1/venues", &[], &vec![1u8; 20 * 1024]);
    assert_eq!((r.status, r.code().as_str()), (413, "too_large"));
    let r = h.request("POST", "/v1/counts", &[], &vec![1u8; 9 * 1024]);
    assert_eq!((r.status, r.code().as_str()), (413, "too_large"));
    let r = h.upload("SOME-TAN-0001", &vec![1u8; 65 * 1024]);
    // The body limit applies before the TAN is looked at.
    assert_eq!((r.status, r.code().as_str()), (413, "too_large"));
    // The size comes first, from the Content-Length, before the signature is looked at.
    let body = vec![1u8; 2 * 1024];
    let r = h.signed(&h.ha, "POST", "/v1/admin/venues/1/disable", &body);
    assert_eq!((r.status, r.code().as_str()), (413, "too_large"));
}

#[test]
fn a_request_that_takes_too_long_gets_408() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.request_timeout_ms = 300;
    });
    let mut s = slow_post(h.addr, "/v1/counts", 25, b"\x02");
    let (status, text) = read_status(&mut s);
    assert_eq!(status, 408, "{text}");
    assert!(text.contains("\"timeout\""), "{text}");
    // The server is fine afterwards.
    assert_eq!(h.get("/healthz").status, 200);
}

#[test]
fn requests_over_the_concurrency_limit_are_shed_with_503() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.max_write_concurrency = 1;
        // The held request must keep its slot while the loop below probes for up to ten
        // seconds on a loaded machine: neither the request timeout nor the body grace (5 s
        // by default) may answer it first.
        c.request_timeout_ms = 60_000;
        c.body_grace_ms = 60_000;
    });
    let pings = Harness::ping([5; 8], [5; 16]);
    // Hold the only write slot with a request whose body has not arrived yet. The held request
    // reaches the limit layer as soon as its headers are parsed; on a loaded machine that can
    // take a while, and a probe can win the race for the slot, in which case the held request
    // is the one shed. So keep probing for up to ten seconds, holding again when that happens.
    let mut held = slow_post(h.addr, "/v1/counts", pings.len(), b"");
    let mut shed = None;
    let mut held_shed = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let r = h.request("POST", "/v1/counts", &[], &pings);
        if r.status == 503 {
            shed = Some(r);
            break;
        }
        if answered(&held) {
            let (status, text) = read_status(&mut held);
            assert_eq!(status, 503, "the held request was answered early: {text}");
            held_shed += 1;
            held = slow_post(h.addr, "/v1/counts", pings.len(), b"");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = shed.expect("a request was shed while the slot was held");
    assert!(held_shed < 100, "the held request never kept the slot");
    assert_eq!(r.code(), "overloaded");
    // Liveness and reads are not shed: they have their own slots.
    assert_eq!(h.get("/healthz").status, 200);
    assert_eq!(h.get("/v1/authority").status, 200);
    // Releasing the slot lets requests through again.
    held.write_all(&pings).unwrap();
    let (status, _) = read_status(&mut held);
    assert_eq!(status, 202);
    drop(held);
    assert_eq!(h.request("POST", "/v1/counts", &[], &pings).status, 202);
}

#[test]
fn the_per_ip_rate_limit_holds_under_concurrent_requests() {
    // Tags filed for today count only today's pings: a run across UTC midnight is run
    // again (testkit::clock).
    on_one_day(|_day| {
        let h = Arc::new(Harness::start_with(|c| {
            c.counts = true;
            c.rate_per_minute = 1;
            c.rate_burst = 5;
        }));
        let (_, _, id) = h.counting_venue("Limited Venue", &[[3; 16]]);
        let n = 16;
        let barrier = Arc::new(Barrier::new(n));
        let threads: Vec<_> = (0..n)
            .map(|_| {
                let (h, barrier) = (h.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let r = h.request("POST", "/v1/counts", &[], &Harness::ping(id, [3; 16]));
                    (r.status, r.header("retry-after"), r.code_if_error())
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let accepted = results.iter().filter(|r| r.0 == 202).count();
        let limited: Vec<_> = results.iter().filter(|r| r.0 == 429).collect();
        assert_eq!(accepted, 5, "{results:?}");
        assert_eq!(limited.len(), n - 5, "{results:?}");
        assert!(limited
            .iter()
            .all(|r| r.1.is_some() && r.2.as_deref() == Some("rate_limited")));
        // Exactly the accepted pings were counted.
        let c = h
            .get(&format!(
                "/v1/counts?key_id={}&tag={}",
                hex::encode(id),
                "03".repeat(16)
            ))
            .json();
        assert_eq!(c["counts"][0]["count"], 5);
        // Uploads share the limit's shape: the same address is refused before its TAN is looked at.
        let r = h.upload("ANY-TAN-00001", &h.case_upload());
        assert_eq!((r.status, r.code().as_str()), (429, "rate_limited"));
        // Reads are not rate-limited.
        assert_eq!(h.get("/v1/authority").status, 200);
        assert_eq!(
            h.register_tans(&[("LIMIT-TAN-001", now() + 60, "case")])
                .status,
            201
        );
    });
}

#[test]
fn shutdown_finishes_requests_in_flight() {
    let mut h = Harness::start_with(|c| c.counts = true);
    let body = Harness::ping([9; 8], [9; 16]);
    let (head, tail) = body.split_at(5);
    let mut s = slow_post(h.addr, "/v1/counts", body.len(), head);
    // Make sure the request is being read before the stop.
    h.wait_in_flight(1);
    h.signal_stop();
    // The listener closes when the stop is handled, then the server drains: the rest of the
    // body goes only once it has, so the request is finished by the drain.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(h.addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "still accepting after the stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    s.write_all(tail).unwrap();
    let (status, text) = read_status(&mut s);
    assert_eq!(status, 202, "{text}");
    drop(s);
    h.join().unwrap();
    assert!(
        TcpStream::connect(h.addr).is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn spawn_handle_serves_and_shuts_down_cleanly() {
    let h = Harness::start();
    let mut config = h.config.clone();
    // A second server on its own data directory and a free port.
    let dir = tempfile::tempdir().unwrap();
    config.data_dir = dir.path().join("data");
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..2 {
        // Twice: the first shutdown must have closed the database.
        let server = rt
            .block_on(venuecode_server::Server::spawn(config.clone()))
            .unwrap();
        let url = format!("http://{}/healthz", server.addr());
        let body = ureq::get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert_eq!(body, "ok");
        let metrics = server.metrics_addr().expect("a metrics listener");
        let text = ureq::get(&format!("http://{metrics}/metrics"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert!(text.contains("route=\"/healthz\""), "{text}");
        rt.block_on(server.shutdown()).unwrap();
    }
}

#[test]
fn under_load_every_answer_is_success_or_shed() {
    let h = Arc::new(Harness::start_with(|c| {
        c.counts = true;
        c.max_concurrency = 4;
    }));
    let threads: Vec<_> = (0..8u8)
        .map(|t| {
            let h = h.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for i in 0..25u8 {
                    let r = match i % 3 {
                        0 => h.request("POST", "/v1/counts", &[], &Harness::ping([t; 8], [t; 16])),
                        1 => h.get("/v1/stats/venues"),
                        _ => h.signed(&h.ha, "GET", "/v1/uploads", b""),
                    };
                    statuses.push(r.status);
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(statuses.len(), 200);
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 202 | 503)),
        "{statuses:?}"
    );
    assert!(statuses.iter().any(|s| *s != 503));
}

#[test]
fn behind_a_proxy_the_limit_keys_on_the_forwarded_address() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.rate_per_minute = 1;
        c.rate_burst = 2;
        c.client_ip_header = Some("x-forwarded-for".into());
    });
    let pings = Harness::ping([1; 8], [1; 16]);
    let from = |ip: &str| {
        h.request(
            "POST",
            "/v1/counts",
            &[("x-forwarded-for", format!("10.9.9.9, {ip}"))],
            &pings,
        )
        .status
    };
    assert_eq!(
        [from("192.0.2.1"), from("192.0.2.1"), from("192.0.2.1")],
        [202, 202, 429]
    );
    assert_eq!(
        [from("192.0.2.2"), from("192.0.2.2"), from("192.0.2.2")],
        [202, 202, 429]
    );
    // Without the header, the connection's address is the key.
    let r = h.request("POST", "/v1/counts", &[], &pings);
    assert_eq!(r.status, 202);
}
