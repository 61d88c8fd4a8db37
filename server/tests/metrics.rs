//! The metrics are the operator's, not the internet's: the upload and TAN counters tell the
//! second each case uploads, so the public listener answers `/metrics` with 404 like any
//! unknown route, and only the metrics listener (`--metrics-listen`) serves them. That listener
//! has connection caps of its own and takes no processing slot, so it answers while the public
//! listener is full.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode_testkit::server as common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::raw::{connect_from, read_response, status_from};
use common::{now, Harness};

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    status_from(
        "127.0.0.1",
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn only_the_metrics_listener_tells_when_a_case_uploaded() {
    let h = Harness::start();
    let tan = "METRICS-TAN-0001";
    assert_eq!(h.register_tans(&[(tan, now() + 600, "case")]).status, 201);
    assert_eq!(h.upload(tan, &h.case_upload()).status, 201);

    // The public listener: 404 like any unknown route, no counter in the answer.
    for path in ["/metrics", "/metrics/", "/metrics?format=openmetrics"] {
        let r = h.get(path);
        assert_eq!((r.status, r.code().as_str()), (404, "not_found"), "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains("venuecode_"), "{path}: {body}");
        assert!(!body.contains("upload_stored"), "{path}: {body}");
    }
    let doc = h.get("/v1/openapi.json").json();
    assert!(doc["paths"].get("/v1/authority").is_some(), "{doc}");
    assert!(doc["paths"].get("/metrics").is_none(), "{doc}");

    // The metrics listener: the upload and the TAN registration are there.
    let text = h.metrics();
    assert!(
        text.contains("venuecode_events_total{event=\"upload_stored\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("venuecode_events_total{event=\"tans_registered\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "venuecode_http_requests_total{method=\"POST\",route=\"/v1/uploads\",status=\"201\"} 1\n"
        ),
        "{text}"
    );
    // It serves nothing else, and its scrapes are not counted among the public requests.
    let (status, body) = get(h.metrics_addr, "/healthz");
    assert_eq!(status, 200);
    assert!(body.ends_with("ok"), "{body}");
    assert_eq!(get(h.metrics_addr, "/v1/authority").0, 404);
    assert_eq!(get(h.metrics_addr, "/c/").0, 404);
    let (status, text) = status_from(
        "127.0.0.1",
        h.metrics_addr,
        "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(status, 405, "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert!(!h.metrics().contains("route=\"/metrics\""));
}

/// Opens a connection from `local` and sends the start of a request head, never its end.
fn half_open(local: &str, addr: SocketAddr) -> TcpStream {
    let mut s = connect_from(local, addr);
    s.write_all(b"GET /v1/authority HTTP/1.1\r\nHost: t\r\nX-Slow: a")
        .unwrap();
    s
}

#[test]
fn the_metrics_listener_answers_while_the_public_one_is_full() {
    let h = Harness::start_with(|c| {
        c.max_connections = 4;
        c.max_connections_per_ip = 100;
        c.header_timeout_ms = 60_000;
    });
    // Scrapers' connections, kept open (keep-alive), take no place of the public listener.
    let mut scrapers: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect_from("127.0.0.3", h.metrics_addr);
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            assert_eq!(read_response(&mut s).0, 200);
            s
        })
        .collect();
    // An attacker takes every public connection with heads it never finishes.
    let _held: Vec<TcpStream> = (0..4).map(|_| half_open("127.0.0.1", h.addr)).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let open = h.metric("venuecode_connections_open ");
        if open == 4 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} connections open, not 4");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The public listener closes every further connection unanswered...
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, text) = status_from(
            "127.0.0.2",
            h.addr,
            "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        );
        if status == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a connection over the cap: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // ...while the metrics listener answers, on new connections and on the kept ones, and
    // shows the refusals.
    for _ in 0..20 {
        assert!(h.metric("venuecode_events_total{event=\"connection_refused_total_cap\"} ") >= 1);
    }
    for s in &mut scrapers {
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let (status, text) = read_response(s);
        assert_eq!(status, 200);
        assert!(text.contains("venuecode_connections_open 4\n"), "{text}");
    }
}

#[test]
fn without_metrics_listen_metrics_are_not_served_at_all() {
    let h = Harness::start_with(|c| c.metrics_listen = None);
    assert_eq!(h.metrics_addr.port(), 0);
    assert_eq!(h.get("/healthz").status, 200);
    assert_eq!(h.get("/metrics").status, 404);
}

#[test]
fn a_metrics_address_other_hosts_can_reach_needs_to_be_allowed() {
    let h = Harness::start_with(|c| c.metrics_listen = None);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = |metrics: &str, allow: bool| {
        let mut c = h.config.clone();
        c.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        c.data_dir = data.path().to_owned();
        c.metrics_listen = Some(metrics.parse().unwrap());
        c.metrics_allow_remote = allow;
        c
    };
    let err = rt
        .block_on(venuecode_server::Server::bind(config("0.0.0.0:0", false)))
        .expect_err("an address on every interface is refused");
    let msg = err.to_string();
    assert!(msg.contains("--metrics-listen 0.0.0.0:0"), "{msg}");
    assert!(msg.contains("--metrics-allow-remote"), "{msg}");
    // Allowed, it is served there (reached here over loopback).
    let server = rt
        .block_on(venuecode_server::Server::bind(config("0.0.0.0:0", true)))
        .expect("allowed");
    let metrics = server.metrics_addr().unwrap().expect("metrics listener");
    assert!(metrics.ip().is_unspecified());
    drop(server);
    let server = rt
        .block_on(venuecode_server::Server::bind(config("[::1]:0", false)))
        .expect("IPv6 loopback needs no permission");
    assert!(server.metrics_addr().unwrap().unwrap().ip().is_loopback());
}
