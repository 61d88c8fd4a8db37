//! HTTPS between the library and the server, which terminates TLS itself with a certificate
//! from a test CA made here (rcgen): the client that trusts the CA syncs; one that does not,
//! or that meets a self-signed certificate or one for another host, refuses and stores nothing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use venuecode_client::api;
use venuecode_client::transport::Request;
use venuecode_client::Error;
use venuecode_client::*;
use venuecode_protocol::*;
use venuecode_testkit::fixture::{self, Authorities};
use venuecode_testkit::pki::{self_signed, TestCa};

/// The trust bundle the app ships with.
fn app_bundle(auth: &Authorities) -> TrustBundle {
    auth.bundle("https://localhost")
}

/// The server on a loopback port, serving HTTPS with the given certificate; stopped on drop.
struct TlsServer {
    port: u16,
    handle: Option<venuecode_server::ServerHandle>,
    rt: tokio::runtime::Runtime,
}

impl TlsServer {
    fn start(dir: &Path, auth: &Authorities, (cert, key): (String, String)) -> Self {
        let keys = auth.write_keys(dir);
        let cert_path = dir.join("server.crt");
        let key_path = dir.join("server.key");
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        let mut config =
            venuecode_server::Config::new(dir.join("data"), keys.ra_key, vec![keys.ha_keys]);
        config.tls_cert = Some(cert_path);
        config.tls_key = Some(key_path);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(venuecode_server::Server::spawn(config))
            .unwrap();
        Self {
            port: handle.addr().port(),
            handle: Some(handle),
            rt,
        }
    }

    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = self.rt.block_on(h.shutdown());
        }
    }
}

fn write_ca(dir: &Path, ca: &TestCa) -> PathBuf {
    let path = dir.join("ca.pem");
    std::fs::write(&path, &ca.pem).unwrap();
    path
}

fn signed_post(t: &HttpTransport, path: &str, body: Vec<u8>, key: &SigningKey) -> Vec<u8> {
    let now = SystemClock.now_seconds();
    let req = api::sign(
        Request::post(path, body, "application/octet-stream"),
        key,
        now,
    )
    .unwrap();
    let mut r = t.send(req).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r.body, &mut out).unwrap();
    assert!((200..300).contains(&r.status), "status {}", r.status);
    out
}

fn visitor(dir: &Path, name: &str, auth: &Authorities, transport: HttpTransport) -> Visitor {
    let clock = ManualClock::at_minute(SystemClock.now_minute());
    visitor_at(dir, name, auth, transport, clock)
}

fn visitor_at(
    dir: &Path,
    name: &str,
    auth: &Authorities,
    transport: HttpTransport,
    clock: ManualClock,
) -> Visitor {
    Visitor::open(
        dir.join(name),
        DiaryKey::generate().unwrap(),
        VisitorConfig::new(app_bundle(auth)).unwrap(),
        clock,
        transport,
    )
    .unwrap()
}

/// Every part of the sync failed on the certificate, and nothing is reported up to date.
fn assert_certificate_refused(result: venuecode_client::Result<SyncReport>) {
    let report = result.unwrap();
    assert!(!report.is_up_to_date());
    for part in [
        &report.trust_bundle,
        &report.revocations,
        &report.checkpoint,
        &report.batch_sync,
    ] {
        assert!(matches!(part, PartOutcome::Failed(_)), "{report:?}");
    }
    match report.first_error() {
        Some(e @ Error::Network(_)) => {
            let text = e.to_string();
            assert!(text.contains("certificate is not trusted"), "{text}");
            assert!(
                text.contains("https://"),
                "the error names the server: {text}"
            );
        }
        other => panic!("expected a refused certificate, got {other:?}"),
    }
}

#[test]
fn tls_client_trusting_the_private_ca_syncs_and_one_without_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let ca = TestCa::new("Test health authority CA");
    let server = TlsServer::start(
        &dir.path().join("server"),
        &auth,
        ca.issue(&["localhost", "127.0.0.1"]),
    );
    let ca_file = write_ca(dir.path(), &ca);
    let https = |host: &str| {
        HttpTransport::builder(&server.url(host))
            .trust_ca_file(&ca_file)
            .build()
            .unwrap()
    };
    let http = https("127.0.0.1");

    // A venue registers over HTTPS (a signed POST), and a visitor who trusts the CA (by host
    // name this time) and one who does not check in there.
    let venue_key = SigningKey::generate().unwrap();
    let request =
        fixture::registration_request(&venue_key, fixture::restaurant("兰州牛肉面馆"), true);
    let cert = signed_post(&http, "/v1/venues", request.encode(), &venue_key);
    let cert = VenueCertificate::decode(&cert).unwrap();
    let venue = Venue::new(
        cert,
        MasterSeed::generate().unwrap(),
        venue_key,
        &app_bundle(&auth),
    )
    .unwrap();
    let code = venue.static_code().unwrap();
    let poster = code.to_url(venuecode_protocol::code::DEFAULT_BASE_URL);
    let arrival = SystemClock.now_minute();
    let clock = ManualClock::at_minute(arrival);
    let trusting = visitor_at(
        dir.path(),
        "trusting.redb",
        &auth,
        https("localhost"),
        clock.clone(),
    );
    // Only the public web roots: the private CA is unknown to it.
    let public_only = HttpTransport::new(&server.url("127.0.0.1")).unwrap();
    let untrusting = visitor_at(
        dir.path(),
        "untrusting.redb",
        &auth,
        public_only,
        clock.clone(),
    );
    let stays = [
        trusting.scan_and_check_in(&poster).unwrap(),
        untrusting.scan_and_check_in(&poster).unwrap(),
    ];
    clock.advance_minutes(40);
    trusting.check_out(stays[0].entry.id()).unwrap();
    untrusting.check_out(stays[1].entry.id()).unwrap();

    // The HA publishes a batch naming the venue, and its checkpoint, over HTTPS.
    let mut b = BatchBuilder::new(ChainHead::GENESIS, arrival, vec!["Get tested.".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: code.seed().clone(),
        venue_key: code.certificate().body().venue_key,
        start: arrival,
        end: arrival + 60,
        risk: RiskLevel::HIGH,
        message_index: 0,
    })
    .unwrap();
    let batch = b.sign(&auth.ha).unwrap();
    signed_post(&http, "/v1/batches", batch.encode(), &auth.ha);
    let cp = Checkpoint::sign(
        CheckpointBody::new(
            auth.ha.key_id(),
            SystemClock.now_minute(),
            batch.chain_head(),
            (1, [0; 32]),
        ),
        &auth.ha,
    )
    .unwrap();
    signed_post(&http, "/v1/checkpoints", cp.encode(), &auth.ha);

    // The phone that trusts the CA syncs and raises the exposure, up to date.
    let report = trusting.sync().unwrap();
    assert_eq!((report.batches, report.new_exposures.len()), (1, 1));
    assert_eq!(report.chain, ChainStatus::Ok);

    // The one that does not refuses the certificate: a network error naming the server, and
    // nothing stored.
    assert_certificate_refused(untrusting.sync());
    assert!(untrusting.exposures().unwrap().is_empty());
    assert!(matches!(
        api::list_batches(&HttpTransport::new(&server.url("localhost")).unwrap(), 0),
        Err(Error::Network(_))
    ));
}

#[test]
fn tls_self_signed_or_wrong_host_certificates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let ca = TestCa::new("Test health authority CA");
    let ca_file = write_ca(dir.path(), &ca);

    // A self-signed certificate for the right host: not issued by the trusted CA.
    let rogue = TlsServer::start(&dir.path().join("rogue"), &auth, self_signed());
    let t = HttpTransport::builder(&rogue.url("127.0.0.1"))
        .trust_ca_file(&ca_file)
        .build()
        .unwrap();
    assert_certificate_refused(visitor(dir.path(), "a.redb", &auth, t).sync());

    // A certificate from the trusted CA, but for another host.
    let elsewhere = TlsServer::start(
        &dir.path().join("elsewhere"),
        &auth,
        ca.issue(&["venuecode.example"]),
    );
    for host in ["127.0.0.1", "localhost"] {
        let t = HttpTransport::builder(&elsewhere.url(host))
            .trust_ca_pem(ca.pem.clone())
            .build()
            .unwrap();
        let v = visitor(dir.path(), &format!("b-{host}.redb"), &auth, t);
        assert_certificate_refused(v.sync());
        assert!(v.exposures().unwrap().is_empty());
    }
}

#[test]
fn tls_plain_http_is_refused_to_other_machines_before_connecting() {
    // 192.0.2.1 (TEST-NET-1) is never routed: a connection attempt would hang, not fail.
    let refused = HttpTransport::new("http://192.0.2.1:8080");
    match refused {
        Err(e @ Error::InsecureServerUrl(_)) => {
            let text = e.to_string();
            assert!(text.contains("http://192.0.2.1:8080"), "{text}");
            assert!(text.contains("https://"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(HttpTransport::builder("http://192.0.2.1:8080")
        .allow_insecure_http(true)
        .build()
        .is_ok());

    // Plain HTTP to a TLS server on loopback is allowed by the client but fails at the server.
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let ca = TestCa::new("Test health authority CA");
    let server = TlsServer::start(dir.path(), &auth, ca.issue(&["127.0.0.1"]));
    let plain = HttpTransport::new(&format!("http://127.0.0.1:{}", server.port)).unwrap();
    assert!(matches!(
        api::list_batches(&plain, 0),
        Err(Error::Network(_) | Error::BadResponse(_) | Error::Server { .. })
    ));
}
