//! The server terminating TLS itself (`--tls-cert`/`--tls-key`), with a test CA made here by
//! rcgen: the API and shutdown work as over plain HTTP, and the metrics listener beside it
//! (plain HTTP, whatever the public listener speaks) counts its requests; slow or failed
//! handshakes block nobody; bad certificate or key files stop it at start-up with a message naming them.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use std::io::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Harness;
use venuecode_server::{Config, Server, ServerError};
use venuecode_testkit::pki::TestCa;

/// A test CA's certificate, and a certificate and key it issued for 127.0.0.1 and localhost,
/// written as PEM files in `dir`.
struct Pki {
    ca_pem: String,
    cert: PathBuf,
    key: PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let ca = TestCa::new("Test health authority CA");
    let (cert_pem, key_pem) = ca.issue(&["127.0.0.1", "localhost"]);
    let ca_pem = ca.pem;
    let pki = Pki {
        ca_pem,
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    };
    std::fs::write(&pki.cert, cert_pem).unwrap();
    std::fs::write(&pki.key, key_pem).unwrap();
    pki
}

fn tls_harness(pki: &Pki) -> Harness {
    let mut h = Harness::start_with(|c| {
        c.tls_cert = Some(pki.cert.clone());
        c.tls_key = Some(pki.key.clone());
    });
    h.trust_ca(&pki.ca_pem);
    h
}

/// The metrics, from the metrics listener (plain HTTP beside the TLS port).
fn metrics(h: &Harness) -> String {
    h.metrics()
}

/// Over TLS too, a request refused from its head gets its answer every time: the server sends
/// `close_notify`, shuts its side and drains the client's body before it closes (issue #11).
#[test]
fn tls_refusals_of_requests_with_bodies_reach_the_client_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let h = tls_harness(&pki);
    for i in 0..100 {
        let r = h.request("PATCH", "/v1/venues", &[], b"");
        assert_eq!(r.status, 405, "iteration {i}");
        let r = h.request("POST", "/v1/batches", &[], &[0u8; 2048]);
        assert_eq!(r.status, 401, "iteration {i}");
        let r = h.request("POST", "/v1/batches", &[], b"");
        assert_eq!(r.status, 401, "iteration {i}");
    }
}

#[test]
fn tls_server_serves_the_api_over_https_and_its_metrics_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let h = tls_harness(&pki);
    assert!(h.base.starts_with("https://127.0.0.1:"), "{}", h.base);

    let r = h.get("/healthz");
    assert_eq!((r.status, r.body.as_slice()), (200, b"ok".as_slice()));
    // A signed write (the RA issues a certificate) and the per-IP rate-limited upload route,
    // which needs the peer address from the TLS connection.
    let (_key, serial) = h.register("TLS Noodles");
    assert_eq!(h.get(&format!("/v1/venues/{serial}")).status, 200);
    assert_eq!(h.upload("NEVER-ISSUED-1", b"x").code(), "tan_unknown");
    let text = metrics(&h);
    assert!(text.contains("route=\"/v1/venues\""), "{text}");
    assert!(text.contains("route=\"/v1/uploads\""), "{text}");

    // Plain HTTP to the TLS port gets no answer, and the failed handshake is counted.
    let plain: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    assert!(plain
        .get(format!("http://{}/healthz", h.addr))
        .call()
        .is_err());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !metrics(&h).contains("venuecode_events_total{event=\"tls_handshake_failed\"}") {
        assert!(Instant::now() < deadline, "{}", metrics(&h));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn tls_idle_connections_block_neither_other_clients_nor_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let mut h = tls_harness(&pki);
    // Connections that never start their handshake, or stop half-way through the first bytes.
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(h.addr).unwrap())
        .collect();
    idle[0].write_all(&[0x16, 0x03, 0x01]).unwrap();

    let started = Instant::now();
    assert_eq!(h.get("/healthz").status, 200);
    assert!(started.elapsed() < Duration::from_secs(5));

    // The server stops promptly although those connections are still open, and the store is
    // closed (the restart on the same data directory opens it again).
    let stopping = Instant::now();
    h.stop();
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    drop(idle);
    h.launch();
    assert!(h.base.starts_with("https://"));
    assert_eq!(h.get("/healthz").status, 200);
}

/// Binds a server with these TLS files and returns the start-up error's text.
fn start_error(dir: &Path, cert: Option<PathBuf>, key: Option<PathBuf>) -> String {
    use venuecode_server::config::{write_public_key, write_signing_key};
    let ra = venuecode_protocol::SigningKey::generate().unwrap();
    write_signing_key(&dir.join("ra.key"), &ra).unwrap();
    write_public_key(&dir.join("ha.pub"), &ra.public_key()).unwrap();
    let mut config = Config::new(
        dir.join("data"),
        dir.join("ra.key"),
        vec![dir.join("ha.pub")],
    );
    config.tls_cert = cert;
    config.tls_key = key;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match rt.block_on(Server::bind(config)) {
        Err(e @ ServerError::Config(_)) => e.to_string(),
        Err(other) => panic!("not a configuration error: {other}"),
        Ok(_) => panic!("the server started"),
    }
}

#[test]
fn tls_bad_certificate_or_key_files_stop_the_server_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = pki(&d.join(""));
    let other = {
        let sub = d.join("other");
        std::fs::create_dir_all(&sub).unwrap();
        pki(&sub)
    };
    let missing = d.join("missing.pem");
    let empty = d.join("empty.pem");
    std::fs::write(&empty, "").unwrap();

    let e = start_error(d, Some(good.cert.clone()), None);
    assert!(e.contains("--tls-cert needs --tls-key"), "{e}");
    let e = start_error(d, None, Some(good.key.clone()));
    assert!(e.contains("--tls-key needs --tls-cert"), "{e}");
    let e = start_error(d, Some(missing.clone()), Some(good.key.clone()));
    assert!(e.contains("missing.pem"), "{e}");
    let e = start_error(d, Some(empty.clone()), Some(good.key.clone()));
    assert!(
        e.contains("empty.pem") && e.contains("no certificate"),
        "{e}"
    );
    let e = start_error(d, Some(good.cert.clone()), Some(empty.clone()));
    assert!(
        e.contains("empty.pem") && e.contains("no private key"),
        "{e}"
    );
    // The certificate as its own key: no key in it.
    let e = start_error(d, Some(good.cert.clone()), Some(good.cert.clone()));
    assert!(e.contains("no private key"), "{e}");
    // A key that belongs to another certificate.
    let e = start_error(d, Some(good.cert.clone()), Some(other.key.clone()));
    assert!(e.contains("does not go with"), "{e}");
    // The error never shows the key.
    let key_text = std::fs::read_to_string(&other.key).unwrap();
    let body: String = key_text.lines().nth(1).unwrap().to_owned();
    assert!(!e.contains(&body), "{e}");
}
