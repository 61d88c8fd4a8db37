//! Attacks from one machine with a few hundred connections, against a real server on
//! loopback: slow headers (slowloris), slow bodies, bodies sent without the right signature,
//! registration abuse and long update chains. Each test says the attack, then what must hold.
//! Waits are bounded and generous; server state is read from its metrics, never guessed from a
//! sleep. (Memory under the same attacks, measured on the binary, is in `hostile_process.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode_testkit::server as common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::raw::{connect_from, read_response, status_from};
use common::{now, Harness};
use venuecode_protocol::{Codec as _, SigningKey};

fn get_from(local: &str, addr: SocketAddr, path: &str) -> u16 {
    status_from(
        local,
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    )
    .0
}

/// Waits (up to 20 s) until the server reports `n` open connections on its public listener.
fn wait_connections(h: &Harness, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let open = h.metric("venuecode_connections_open ");
        if open == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} connections open, not {n}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the server closes `s` (end of stream or reset) within `limit`, reading and
/// dropping whatever it sends first.
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

/// Opens a connection from `local` and sends the start of a request head, never its end.
fn half_open(local: &str, addr: SocketAddr) -> TcpStream {
    let mut s = connect_from(local, addr);
    s.write_all(b"GET /v1/authority HTTP/1.1\r\nHost: t\r\nX-Slow: a")
        .unwrap();
    s
}

#[test]
fn slowloris_heads_are_cut_off_capped_per_address_and_bounded_in_size() {
    let h = Harness::start_with(|c| {
        // Long enough for a loaded machine to open the heads and look at them before the
        // deadline, and for "closed at once" to be told apart from "closed at the deadline".
        c.header_timeout_ms = 6_000;
        c.max_connections_per_ip = 8;
        c.max_connections = 64;
        c.max_header_bytes = 8 * 1024;
    });
    let addr = h.addr;
    // The attacker (127.0.0.1) fills its address's cap with heads it never finishes.
    let mut held: Vec<TcpStream> = (0..8).map(|_| half_open("127.0.0.1", addr)).collect();
    wait_connections(&h, 8);
    // A ninth connection from the same address is closed at once, unanswered: well before
    // the 6 s header deadline that would close it anyway.
    let mut extra = half_open("127.0.0.1", addr);
    assert!(closed_within(&mut extra, Duration::from_secs(3)));
    // An honest client elsewhere is served meanwhile.
    assert_eq!(get_from("127.0.0.2", addr, "/v1/authority"), 200);
    // The server closes every unfinished head at the header deadline (6 s; allowed 30 s).
    for s in &mut held {
        assert!(
            closed_within(s, Duration::from_secs(30)),
            "a slow head stayed open"
        );
    }
    wait_connections(&h, 0);
    assert_eq!(get_from("127.0.0.1", addr, "/v1/authority"), 200);

    // Idle keep-alive: a connection that finished a request and then says nothing is closed.
    let mut idle = connect_from("127.0.0.1", addr);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(20)));

    // Header bytes are bounded: a head over 8 KiB is answered 431 and the connection closed.
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let (status, _) = status_from("127.0.0.1", addr, &big);
    assert!(matches!(status, 431 | 0), "an oversized head got {status}");
    assert!(h.metric("venuecode_events_total{event=\"header_timeout\"} ") >= 8);
}

#[test]
fn slowloris_total_connection_cap_closes_connections_beyond_it() {
    let h = Harness::start_with(|c| {
        // The held heads must outlive the refusals the loop below looks for, on a loaded
        // machine too; a kept connection is not closed within a try's 2 s.
        c.header_timeout_ms = 6_000;
        c.max_connections_per_ip = 100;
        c.max_connections = 6;
    });
    let addr = h.addr;
    let mut held: Vec<TcpStream> = (0..6).map(|_| half_open("127.0.0.1", addr)).collect();
    // Beyond the total cap every connection is closed at once, from any address.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut refused = false;
    while !refused && Instant::now() < deadline {
        let mut s = half_open("127.0.0.3", addr);
        refused = closed_within(&mut s, Duration::from_secs(2));
    }
    assert!(refused, "a connection beyond the cap was kept");
    // The held heads expire, and the cap has room again.
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(30)));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while get_from("127.0.0.3", addr, "/v1/authority") != 200 {
        assert!(Instant::now() < deadline, "the cap never had room again");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends the head of a POST whose body is `length` bytes, and `sent` of them.
fn post_head(addr: SocketAddr, path: &str, extra: &str, length: usize, sent: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: t\r\n{extra}Content-Length: {length}\r\n\r\n"
    )
    .unwrap();
    s.write_all(sent).unwrap();
    s
}

/// Reads one response (status and text) without sending anything more.
fn answer(s: &mut TcpStream) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    read_response(s)
}

#[test]
fn slow_body_uploaders_take_no_read_slots_and_are_cut_off_at_the_minimum_rate() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.max_concurrency = 4;
        c.max_write_concurrency = 4;
        c.min_body_rate = 1024;
        c.body_grace_ms = 1_000;
        c.request_timeout_ms = 120_000;
    });
    // Every write slot is taken by a body that trickles (10 of a count ping's 25 bytes).
    let mut held: Vec<TcpStream> = (0..4)
        .map(|_| post_head(h.addr, "/v1/counts", "", 25, &[0u8; 10]))
        .collect();
    h.wait_in_flight(4);
    // Phones still get their revocation lists and batches: reads have their own slots.
    for _ in 0..10 {
        assert_eq!(h.get("/v1/revocations").status, 200);
        assert_eq!(h.get("/v1/batches").status, 200);
    }
    // Each trickling body falls behind 1 KiB/s after its 1 s grace and is answered 408, long
    // before the two-minute request timeout.
    let started = Instant::now();
    for s in &mut held {
        let (status, text) = answer(s);
        assert_eq!(status, 408, "{text}");
        assert!(text.contains("slower than 1024 bytes a second"), "{text}");
    }
    assert!(started.elapsed() < Duration::from_secs(60));
    // The write slots are free again.
    let r = h.request("POST", "/v1/counts", &[], &Harness::ping([1; 8], [1; 16]));
    assert_eq!(r.status, 202);
}

#[test]
fn unauthenticated_body_is_refused_from_its_headers_before_it_is_read() {
    let h = Harness::start_with(|c| {
        c.max_body_bytes_in_flight = 4 * 1024 * 1024;
        c.request_timeout_ms = 60_000;
    });
    let addr = h.addr;
    const BIG: usize = 60 * 1024 * 1024;
    let venue = SigningKey::generate().unwrap();
    let header = |key: &SigningKey, method: &str, path: &str, ts: u64| -> String {
        let (name, value) = Harness::sig(key, method, path, b"", ts);
        format!("{name}: {value}\r\n")
    };
    // Each refusal comes while not one byte of the 60 MiB body has been sent.
    let refused = |path: &str, extra: String| -> (u16, String) {
        let mut s = post_head(addr, path, &extra, BIG, b"");
        answer(&mut s)
    };
    let (status, text) = refused("/v1/batches", String::new());
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_missing"), "{text}");
    let (status, text) = refused("/v1/batches", header(&venue, "POST", "/v1/batches", now()));
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_invalid"), "{text}");
    let stale = header(&h.ha, "POST", "/v1/batches", now() - 400);
    let (status, text) = refused("/v1/batches", stale);
    assert!(text.contains("timestamp_out_of_window"), "{status} {text}");
    let admin = header(&h.admin, "POST", "/v1/tans", now());
    let mut s = post_head(addr, "/v1/tans", &admin, 1024 * 1024, b"");
    let (status, text) = answer(&mut s);
    assert_eq!(status, 401, "{text}");
    let (status, text) = refused(
        "/v1/uploads",
        format!(
            "venuecode-tan-hash: {}\r\n",
            venuecode_protocol::envelope::tan_hash_hex("NEVER-ISSUED-1").unwrap()
        ),
    );
    // The upload limit (8 MiB) comes first, then the TAN: both before the body.
    assert_eq!(status, 413, "{text}");
    let mut s = post_head(
        addr,
        "/v1/uploads",
        &format!(
            "venuecode-tan-hash: {}\r\n",
            venuecode_protocol::envelope::tan_hash_hex("NEVER-ISSUED-1").unwrap()
        ),
        1000,
        b"",
    );
    let (status, text) = answer(&mut s);
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("tan_unknown"), "{text}");

    // The budget of body bytes in flight (4 MiB here): a trusted key's 3 MiB body still
    // arriving holds 3 MiB of it; a second 2 MiB body is shed with 503 before it is read.
    let body = vec![0u8; 3 * 1024 * 1024];
    let (name, value) = Harness::sig(&h.ha, "POST", "/v1/batches", &body, now());
    let mut first = post_head(
        addr,
        "/v1/batches",
        &format!("{name}: {value}\r\n"),
        body.len(),
        b"",
    );
    h.wait_in_flight(1);
    let second = vec![0u8; 2 * 1024 * 1024];
    let (name, value) = Harness::sig(&h.ha, "POST", "/v1/batches", &second, now());
    let extra = format!("{name}: {value}\r\n");
    let mut s = post_head(addr, "/v1/batches", &extra, second.len(), b"");
    let (status, text) = answer(&mut s);
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("overloaded"), "{text}");
    // Small bodies within the budget are still read.
    let r = h.signed(&h.ha, "POST", "/v1/batches", b"not a batch");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    first.write_all(&body).unwrap();
    let (status, text) = answer(&mut first);
    assert_eq!(status, 400, "{text}");
    // The budget is whole again.
    let r = h.signed(&h.ha, "POST", "/v1/batches", &second);
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    assert_eq!(h.get("/v1/batches").json()["latest"], 0);
}

/// Sends a whole `POST /v1/batches` from `local` with a signature header made by `key` over
/// `signed_over` instead of `body`, and reads the answer.
fn post_signed_over(
    h: &Harness,
    local: &str,
    key: &SigningKey,
    signed_over: &[u8],
    body: &[u8],
) -> (u16, String) {
    let (name, value) = Harness::sig(key, "POST", "/v1/batches", signed_over, now());
    let mut s = connect_from(local, h.addr);
    write!(
        s,
        "POST /v1/batches HTTP/1.1\r\nHost: t\r\n{name}: {value}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    answer(&mut s)
}

#[test]
fn unauthenticated_body_under_a_copied_key_id_is_hashed_once_then_refused_from_its_headers() {
    let h = Harness::start_with(|c| c.request_timeout_ms = 60_000);
    // A stranger's 2 MiB body under an HA envelope made for another body: the headers pass,
    // the body is read and hashed, and the signature fails.
    let big = vec![7u8; 2 * 1024 * 1024];
    let (status, text) = post_signed_over(&h, "127.0.0.1", &h.ha, b"other", &big);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_invalid"), "{text}");
    // Its address now owes the 2 MiB it made the server hash in vain (8 s at 256 KiB/s): its
    // next large signed body is refused with 429 and a Retry-After while not one byte of it
    // has been sent.
    let (name, value) = Harness::sig(&h.ha, "POST", "/v1/batches", b"other", now());
    let mut s = post_head(
        h.addr,
        "/v1/batches",
        &format!("{name}: {value}\r\n"),
        big.len(),
        b"",
    );
    let (status, text) = answer(&mut s);
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("rate_limited"), "{text}");
    let retry = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after: ")
                .map(str::to_owned)
        })
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(matches!(retry, Some(6..=8)), "{text}");
    // Even a genuine large body from that address waits; small signed bodies do not.
    let (status, text) = post_signed_over(&h, "127.0.0.1", &h.ha, &big, &big);
    assert_eq!(status, 429, "{text}");
    let r = h.signed(&h.ha, "POST", "/v1/batches", b"not a batch");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    // Another address owes nothing: its genuine large body is read and its signature verifies
    // (then the body is refused as not a batch).
    let (status, text) = post_signed_over(&h, "127.0.0.2", &h.ha, &big, &big);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("malformed"), "{text}");
    // The debt drains at 256 KiB a second: after its Retry-After, the first address is served.
    std::thread::sleep(Duration::from_secs(retry.unwrap_or(8)));
    let (status, text) = post_signed_over(&h, "127.0.0.1", &h.ha, &big, &big);
    assert_eq!(status, 400, "{text}");
    assert_eq!(h.get("/v1/batches").json()["latest"], 0);
}

#[test]
fn unauthenticated_body_on_the_v2_routes_is_refused_from_its_headers_before_it_is_read() {
    let h = Harness::start_with(|c| {
        c.counts = true;
        c.request_timeout_ms = 60_000;
    });
    let addr = h.addr;
    let header = |key: &SigningKey, path: &str| -> String {
        let (name, value) = Harness::sig(key, "POST", path, b"", now());
        format!("{name}: {value}\r\n")
    };
    // Each answer comes while not one byte of the body has been sent.
    let refused = |path: &str, extra: String, length: usize| -> (u16, String) {
        let mut s = post_head(addr, path, &extra, length, b"");
        answer(&mut s)
    };
    // Checkpoints: HA-signed, 1 KiB.
    let (status, text) = refused("/v1/checkpoints", String::new(), 157);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_missing"), "{text}");
    let stranger = SigningKey::generate().unwrap();
    let (status, text) = refused("/v1/checkpoints", header(&stranger, "/v1/checkpoints"), 157);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_invalid"), "{text}");
    let (status, text) = refused(
        "/v1/checkpoints",
        header(&h.ha, "/v1/checkpoints"),
        2 * 1024,
    );
    assert_eq!(status, 413, "{text}");
    // Count-tag registrations: signed by the venue's own key, 16 KiB.
    let (venue, serial) = h.register("Tagging Venue");
    let path = format!("/v1/venues/{serial}/count-tags");
    let (status, text) = refused(&path, header(&venue, &path), 17 * 1024);
    assert_eq!(status, 413, "{text}");
    let (status, text) = refused(&path, header(&h.ha, &path), 8 * 1024);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature_invalid"), "{text}");
    let other = "/v1/venues/999/count-tags";
    let (status, text) = refused(other, header(&venue, other), 8 * 1024);
    assert_eq!(status, 404, "{text}");
    // Count pings: one ping of 25 bytes.
    let (status, text) = refused("/v1/counts", String::new(), 26);
    assert_eq!(status, 413, "{text}");
    // Within their limits and signed by the right keys, bodies are read and decoded.
    let r = h.signed(&h.ha, "POST", "/v1/checkpoints", b"not a checkpoint");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let r = h.signed(&venue, "POST", &path, &vec![0u8; 8 * 1024]);
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let r = h.request("POST", "/v1/counts", &[], &Harness::ping([1; 8], [1; 16]));
    assert_eq!(r.status, 202);
}

fn register_as(h: &Harness, key: &SigningKey, name: &str, from: Option<&str>) -> common::Resp {
    let body = Harness::registration(key, name, 620_105, true);
    let (sig_name, sig) = Harness::sig(key, "POST", "/v1/venues", &body, now());
    let mut headers = vec![(sig_name, sig)];
    if let Some(ip) = from {
        headers.push(("x-forwarded-for", ip.to_owned()));
    }
    h.request("POST", "/v1/venues", &headers, &body)
}

#[test]
fn registration_abuse_copies_invisible_variants_and_disabled_keys_are_refused() {
    let h = Harness::start();
    let fresh = || SigningKey::generate().unwrap();
    let original = fresh();
    let r = register_as(&h, &original, "Golden Dragon", None);
    assert_eq!(r.status, 201);
    let serial = venuecode_protocol::VenueCertificate::decode(&r.body)
        .unwrap()
        .serial();
    // A byte-identical copy under another key: refused.
    let r = register_as(&h, &fresh(), "Golden Dragon", None);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate_venue"));
    // Variants that look the same: zero-width space, zero-width joiner, byte order mark,
    // right-to-left override, line separator, soft hyphen.
    for variant in [
        "Golden\u{200B} Dragon",
        "Golden\u{200D} Dragon",
        "\u{FEFF}Golden Dragon",
        "Golden Dragon\u{202E}",
        "Golden\u{2028}Dragon",
        "Gol\u{AD}den Dragon",
    ] {
        let r = register_as(&h, &fresh(), variant, None);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "malformed"),
            "{variant:?}"
        );
        assert!(r.code_if_error().is_some());
    }
    // Canonically equivalent spellings are one name: issued in NFC, and then a duplicate.
    let r = register_as(&h, &fresh(), "Cafe\u{301} Noir", None);
    assert_eq!(r.status, 201);
    let cert = venuecode_protocol::VenueCertificate::decode(&r.body).unwrap();
    assert_eq!(cert.info().name(), "Caf\u{e9} Noir");
    let r = register_as(&h, &fresh(), "Caf\u{e9} Noir", None);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate_venue"));
    // A key registers once; a key the RA disabled can never register again, under any name.
    let r = register_as(&h, &original, "Golden Dragon Two", None);
    assert_eq!((r.status, r.code().as_str()), (409, "venue_key_registered"));
    let path = format!("/v1/admin/venues/{serial}/disable");
    assert_eq!(h.signed(&h.admin, "POST", &path, b"").status, 200);
    let r = register_as(&h, &original, "Golden Dragon Reborn", None);
    assert_eq!((r.status, r.code().as_str()), (403, "venue_disabled"));
    // Once disabled, its name is free for a genuine venue.
    assert_eq!(register_as(&h, &fresh(), "Golden Dragon", None).status, 201);
    let stats = h.get("/v1/stats/venues").json();
    assert_eq!(stats["by_region"][0]["active"], 2, "{stats}");
}

#[test]
fn registration_abuse_is_rate_limited_per_address_and_in_total() {
    let h = Harness::start_with(|c| {
        c.client_ip_header = Some("x-forwarded-for".into());
        c.registrations_per_ip_per_hour = 3;
        c.registrations_per_minute = 5;
    });
    let mut statuses = Vec::new();
    for i in 0..6 {
        let key = SigningKey::generate().unwrap();
        let r = register_as(&h, &key, &format!("Stall {i}"), Some("192.0.2.1"));
        statuses.push(r.status);
        if r.status == 429 {
            assert!(r.header("retry-after").is_some());
        }
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429, 429]);
    // Another address has its own allowance, until the server-wide limit (5 a minute).
    let mut statuses = Vec::new();
    for i in 0..3 {
        let key = SigningKey::generate().unwrap();
        let r = register_as(&h, &key, &format!("Kiosk {i}"), Some("192.0.2.2"));
        statuses.push(r.status);
    }
    assert_eq!(statuses, [201, 201, 429]);
    // Reads are untouched.
    assert_eq!(h.get("/v1/authority").status, 200);
}

#[test]
fn update_chain_lookup_returns_the_newest_certificate_past_10000_updates() {
    use std::sync::Arc;
    use venuecode_server::storage::{MemoryStorage, Storage, VenueRecord};
    use venuecode_server::{Config, Keys, Server};
    let h = Harness::start();
    // A chain of 12,000 certificates of one venue key, written straight into a store.
    let store = Arc::new(MemoryStorage::new());
    let record = |serial: u64| VenueRecord {
        serial,
        certificate: format!("certificate {serial}").into_bytes(),
        venue_key: [7; 32],
        region: 620_105,
        category: 1,
        issued_at: 0,
        revoked: None,
        superseded_by: None,
    };
    const CHAIN: u64 = 12_000;
    store.insert_venue(&record(1)).unwrap();
    for serial in 2..=CHAIN {
        store
            .supersede_venue(serial - 1, &record(serial), 3, 0)
            .unwrap();
    }
    let config: Config = h.config.clone();
    let mut config = config;
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.metrics_listen = None;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let keys = Keys::load(&config).unwrap();
    let store: Arc<dyn Storage> = store;
    let server = rt.block_on(Server::bind_with(config, keys, store)).unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(server.run(async {
        let _ = stopped.await;
    }));
    let newest = format!("certificate {CHAIN}");
    let get = |serial: u64| -> String {
        let (status, text) = status_from(
            "127.0.0.1",
            addr,
            &format!("GET /v1/venues/{serial} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "{text}");
        text.rsplit("\r\n\r\n").next().unwrap().to_owned()
    };
    // Every serial of the chain, the first included, answers with the newest certificate.
    for serial in [1, 2, 5_000, 10_001, CHAIN - 1, CHAIN] {
        assert_eq!(get(serial), newest, "serial {serial}");
    }
    // And the first costs what the newest costs: timed for the log, bounded generously.
    let time = |serial: u64| {
        let t = Instant::now();
        for _ in 0..20 {
            get(serial);
        }
        t.elapsed() / 20
    };
    let (first, last) = (time(1), time(CHAIN));
    eprintln!("lookup of serial 1: {first:?}; of serial {CHAIN}: {last:?}");
    assert!(first < Duration::from_secs(1), "{first:?}");
    let _ = stop.send(());
    rt.block_on(task).unwrap().unwrap();
}

#[test]
fn registration_abuse_review_mode_holds_registrations_until_the_admin_decides() {
    let h = Harness::start_with(|c| c.review_registrations = true);
    let first = SigningKey::generate().unwrap();
    let r = register_as(&h, &first, "Night Market Stall", None);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["pending"].as_u64().unwrap();
    // Nothing is issued while it waits.
    assert_eq!(h.get(&format!("/v1/registrations/{id}")).status, 202);
    assert_eq!(
        h.get("/v1/stats/venues").json()["by_region"],
        serde_json::json!([])
    );
    // A copy waits too, but cannot be approved once the first is.
    let copy = register_as(
        &h,
        &SigningKey::generate().unwrap(),
        "Night Market Stall",
        None,
    );
    let copy_id = copy.json()["pending"].as_u64().unwrap();
    let third = register_as(&h, &SigningKey::generate().unwrap(), "Spam Venue", None);
    let third_id = third.json()["pending"].as_u64().unwrap();

    // Only the RA administrator sees and decides.
    let r = h.signed(&h.ha, "GET", "/v1/admin/registrations", b"");
    assert_eq!(r.status, 401);
    let list = h
        .signed(&h.admin, "GET", "/v1/admin/registrations", b"")
        .json();
    let names: Vec<_> = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["Night Market Stall", "Night Market Stall", "Spam Venue"]
    );
    let approve = |id: u64| {
        h.signed(
            &h.admin,
            "POST",
            &format!("/v1/admin/registrations/{id}/approve"),
            b"",
        )
    };
    let refuse = |id: u64| {
        h.signed(
            &h.admin,
            "POST",
            &format!("/v1/admin/registrations/{id}/refuse"),
            b"",
        )
    };
    let issued = approve(id);
    assert_eq!(issued.status, 201);
    let cert = venuecode_protocol::VenueCertificate::decode(&issued.body).unwrap();
    assert_eq!(cert.body().venue_key, first.public_key());
    // The venue collects its certificate.
    let r = h.get(&format!("/v1/registrations/{id}"));
    assert_eq!((r.status, r.body.clone()), (200, issued.body.clone()));
    assert_eq!(approve(id).code(), "already_reviewed");
    let r = approve(copy_id);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate_venue"));
    assert_eq!(refuse(copy_id).status, 200);
    assert_eq!(refuse(third_id).status, 200);
    let r = h.get(&format!("/v1/registrations/{third_id}"));
    assert_eq!((r.status, r.code().as_str()), (403, "registration_refused"));
    let list = h
        .signed(&h.admin, "GET", "/v1/admin/registrations", b"")
        .json();
    assert_eq!(list["registrations"], serde_json::json!([]));
    // The approved key is registered now: it cannot queue again.
    let r = register_as(&h, &first, "Night Market Stall Two", None);
    assert_eq!((r.status, r.code().as_str()), (409, "venue_key_registered"));
    let stats = h.get("/v1/stats/venues").json();
    assert_eq!(stats["by_region"][0]["active"], 1, "{stats}");
}
