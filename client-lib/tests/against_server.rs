//! The visitor flow over real HTTP against the server, started in-process:
//! register → check in → share with a TAN → the HA publishes a batch and a checkpoint → sync →
//! exposure; the venue helpers; and, through a proxying transport in front of the real server,
//! a withheld batch, a replayed revocation list and trust bundles with substituted keys.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use venuecode_client::api;
use venuecode_client::transport::{Method, Request, Response, Transport};
use venuecode_client::Error;
use venuecode_client::*;
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::*;
use venuecode_testkit::fixture::{self, Authorities};

/// A server on a free local port, stopped on drop.
struct Running {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The loopback server URL the trust bundles name.
const URL: &str = "http://127.0.0.1";

/// The first trust bundle of `auth`, as `authority init` writes it.
fn first_bundle(auth: &Authorities) -> TrustBundle {
    auth.bundle(URL)
}

/// A visitor configuration trusting [`first_bundle`].
fn visitor_config(auth: &Authorities) -> VisitorConfig {
    VisitorConfig::new(first_bundle(auth)).unwrap()
}

fn start(dir: &Path, auth: &Authorities) -> Running {
    start_serving(dir, auth, &first_bundle(auth))
}

/// A venue registered over `http` as `name` with a fresh key and master seed, and its key.
fn registered_venue(http: &HttpTransport, auth: &Authorities, name: &str) -> (Venue, SigningKey) {
    let venue_key = SigningKey::generate().unwrap();
    let cert = register_venue(http, &venue_key, name);
    let master = MasterSeed::generate().unwrap();
    let venue = Venue::new(cert, master, venue_key.clone(), &first_bundle(auth)).unwrap();
    (venue, venue_key)
}

/// A phone's visitor with a fresh diary key in `dir`, on `clock`, talking through `transport`.
fn open_phone(
    dir: &Path,
    config: VisitorConfig,
    clock: impl Clock + 'static,
    transport: impl Transport + 'static,
) -> Visitor {
    let key = DiaryKey::generate().unwrap();
    Visitor::open(dir.join("phone.redb"), key, config, clock, transport).unwrap()
}

/// The server, serving `served` on `GET /v1/trust-bundle`.
fn start_serving(dir: &Path, auth: &Authorities, served: &TrustBundle) -> Running {
    let keys = auth.write_keys(dir);
    let bundle_path = dir.join("trust-bundle.bin");
    std::fs::write(&bundle_path, served.encode()).unwrap();
    let mut config =
        venuecode_server::Config::new(dir.join("data"), keys.ra_key, vec![keys.ha_keys]);
    config.ha_encryption_key = Some(keys.ha_encryption_key);
    config.trust_bundle = Some(bundle_path);
    config.counts = true;
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = venuecode_server::Server::bind(config).await.unwrap();
            addr_tx.send(server.local_addr().unwrap()).unwrap();
            server
                .run(async move {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    Running {
        base: format!("http://{addr}"),
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

fn now_secs() -> u64 {
    SystemClock.now_seconds()
}

/// Sends a request signed by `key` and returns the body of a 2xx answer.
fn signed(t: &HttpTransport, req: Request, key: &SigningKey) -> Vec<u8> {
    let req = api::sign(req, key, now_secs()).unwrap();
    let mut r = t.send(req).unwrap();
    let status = r.status;
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut r.body, &mut body).unwrap();
    assert!(
        (200..300).contains(&status),
        "status {status}: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

fn register_venue(t: &HttpTransport, key: &SigningKey, name: &str) -> VenueCertificate {
    let req = fixture::registration_request(key, fixture::restaurant(name), true);
    let body = signed(
        t,
        Request::post("/v1/venues", req.encode(), "application/octet-stream"),
        key,
    );
    VenueCertificate::decode(&body).unwrap()
}

fn register_tan(t: &HttpTransport, ha: &SigningKey, tan: &str, purpose: &str) {
    let body = serde_json::json!({"tans": [{
        "hash": hex::encode(tan_hash(tan).unwrap()),
        "expires_at": now_secs() + 3600,
        "purpose": purpose,
    }]});
    signed(
        t,
        Request::post(
            "/v1/tans",
            body.to_string().into_bytes(),
            "application/json",
        ),
        ha,
    );
}

/// The HA's side of the chain: signs the next batch of `windows` and a fresh checkpoint, and
/// posts both.
struct Ha<'a> {
    key: &'a SigningKey,
    head: ChainHead,
}

impl Ha<'_> {
    fn checkpoint(&self, t: &HttpTransport) {
        let cp = Checkpoint::sign(
            CheckpointBody::new(
                self.key.key_id(),
                SystemClock.now_minute(),
                self.head,
                (1, [0; 32]),
            ),
            self.key,
        )
        .unwrap();
        signed(
            t,
            Request::post("/v1/checkpoints", cp.encode(), "application/octet-stream"),
            self.key,
        );
    }

    fn publish(&mut self, t: &HttpTransport, windows: &[ExposureWindow]) -> u64 {
        let mut b = BatchBuilder::new(
            self.head,
            SystemClock.now_minute(),
            vec!["Get tested.".into()],
        )
        .unwrap();
        for w in windows {
            b.add(w).unwrap();
        }
        let batch = b.sign(self.key).unwrap();
        signed(
            t,
            Request::post("/v1/batches", batch.encode(), "application/octet-stream"),
            self.key,
        );
        self.head = batch.chain_head();
        self.checkpoint(t);
        self.head.sequence
    }
}

/// A window of `code` from `start` to `end`.
fn window(code: &VenueCode, start: UnixMinute, end: UnixMinute) -> ExposureWindow {
    ExposureWindow {
        seed: code.seed().clone(),
        venue_key: code.certificate().body().venue_key,
        start,
        end,
        risk: RiskLevel::HIGH,
        message_index: 0,
    }
}

/// What the proxy answers itself: path prefix, status and body.
type Answer = (String, u16, Vec<u8>);

/// A transport in front of the real server that can answer some `GET`s itself (a proxy
/// replaying or substituting what the server said) and counts count-ping posts.
#[derive(Clone)]
struct Proxy {
    inner: HttpTransport,
    replace: Arc<Mutex<Vec<Answer>>>,
    ping_posts: Arc<AtomicUsize>,
}

impl Proxy {
    fn new(base: &str) -> Self {
        Self {
            inner: HttpTransport::new(base).unwrap(),
            replace: Arc::default(),
            ping_posts: Arc::default(),
        }
    }

    /// Answers every `GET` whose path starts with `prefix` with `status` and `body`.
    fn answer(&self, prefix: &str, status: u16, body: Vec<u8>) {
        self.replace
            .lock()
            .unwrap()
            .push((prefix.to_owned(), status, body));
    }

    fn pass_through(&self) {
        self.replace.lock().unwrap().clear();
    }
}

impl Transport for Proxy {
    fn send(&self, request: Request) -> venuecode_client::Result<Response> {
        if request.method == Method::Get {
            let replace = self.replace.lock().unwrap();
            if let Some((_, status, body)) = replace
                .iter()
                .find(|(p, _, _)| request.path.starts_with(p.as_str()))
            {
                return Ok(Response::from_bytes(*status, body.clone()));
            }
        }
        if request.method == Method::Post && request.path == "/v1/counts" {
            self.ping_posts.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.send(request)
    }
}

/// Reads a whole answer of the real server.
fn get(t: &HttpTransport, path: &str) -> Vec<u8> {
    let mut r = t.send(Request::get(path)).unwrap();
    assert_eq!(r.status, 200, "{path}");
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut r.body, &mut body).unwrap();
    body
}

#[test]
fn check_in_share_publish_sync_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    let anchors = first_bundle(&auth).anchors();
    let mut ha = Ha {
        key: &auth.ha,
        head: ChainHead::GENESIS,
    };
    ha.checkpoint(&http);

    // A venue registers and gets its certificate from the server's RA.
    let venue_key = SigningKey::generate().unwrap();
    let cert = register_venue(&http, &venue_key, "兰州牛肉面馆");
    cert.verify_signature(&anchors).unwrap();
    let master = MasterSeed::generate().unwrap();
    let venue = Venue::new(
        cert,
        master.clone(),
        venue_key.clone(),
        &first_bundle(&auth),
    )
    .unwrap();
    let poster = venue
        .static_code()
        .unwrap()
        .to_url(venuecode_protocol::code::DEFAULT_BASE_URL);

    // Two visitors check in; their clocks start at the real time (the certificate was just
    // issued) and move on by themselves afterwards.
    let start_minute = SystemClock.now_minute();
    let clock = ManualClock::at_minute(start_minute);
    let config = visitor_config(&auth);
    let open = |name: &str| {
        Visitor::open(
            dir.path().join(name),
            DiaryKey::generate().unwrap(),
            config.clone(),
            clock.clone(),
            HttpTransport::new(&server.base).unwrap(),
        )
        .unwrap()
    };
    let case = open("case.redb");
    let contact = open("contact.redb");
    let c = case.scan_and_check_in(&poster).unwrap();
    clock.advance_minutes(10);
    contact.scan_and_check_in(&poster).unwrap();
    clock.advance_minutes(40);
    case.check_out(c.entry.id()).unwrap();
    clock.advance_minutes(120);

    // Error answers map to the client's errors over real HTTP.
    match api::open_batch(&http, 99) {
        Err(Error::Server { status, code, .. }) => {
            assert_eq!(status, 404);
            assert_eq!(code, venuecode_client::error::ErrorCode::NotFound);
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("batch 99 exists"),
    }

    // Sync before anything is published: revocations and the checkpoint verify, no batch,
    // up to date; the server's trust bundle is the one held.
    let first = contact.sync().unwrap();
    assert_eq!(first.batches, 0);
    assert!(first.is_up_to_date(), "{first:?}");
    assert!(matches!(first.trust_bundle, PartOutcome::Unchanged));

    // The case shares with a TAN from the HA.
    let tan = "CASE-ABCDEFGH12";
    register_tan(&http, &auth.ha, tan, "case");
    let ids: Vec<_> = case
        .share_candidates(start_minute - 1440, clock.now_minute())
        .unwrap()
        .iter()
        .map(|e| e.id())
        .collect();
    assert_eq!(ids.len(), 1);
    let receipt = case.share(tan, &ids).unwrap();
    assert_eq!(receipt.entries, 1);
    // The TAN works once; an unknown TAN is refused as such.
    assert!(matches!(case.retry_share(), Err(Error::NoPendingUpload)));
    let used = api::upload(&http, tan, vec![1, 2, 3]);
    assert!(matches!(used, Err(Error::TanUsed)), "{used:?}");
    assert!(matches!(
        api::upload(&http, "NEVER-ISSUED-1", vec![1]),
        Err(Error::TanUnknown)
    ));

    // The HA fetches the upload, opens it offline and publishes a batch.
    let get = Request::get(format!("/v1/uploads/{}", receipt.upload_id));
    let sealed = signed(&http, get, &auth.ha);
    let upload = Upload::open(&auth.ha_enc, &SealedMessage::decode(&sealed).unwrap()).unwrap();
    assert_eq!(upload.entries().len(), 1);
    let shared = &upload.entries()[0];
    shared.code().verify_signatures(&anchors).unwrap();
    assert_eq!(shared.departure() - shared.arrival(), 50);
    shared.check_claim(clock.now_minute()).unwrap();
    ha.publish(
        &http,
        &[window(shared.code(), shared.arrival(), shared.departure())],
    );

    // The contact's phone syncs over HTTP and raises the exposure, once.
    let report = contact.sync().unwrap();
    assert_eq!(report.batches, 1);
    assert_eq!(report.chain, ChainStatus::Ok);
    assert!(report.is_up_to_date(), "{report:?}");
    assert_eq!(report.new_exposures.len(), 1);
    let e = &report.new_exposures[0];
    assert_eq!(e.venue_name(), "兰州牛肉面馆");
    assert_eq!(e.overlap_minutes(), 40);
    assert_eq!(e.risk(), RiskLevel::HIGH);
    assert_eq!(e.message(), "Get tested.");
    assert!(contact.sync().unwrap().new_exposures.is_empty());
    // The venue sees that it was notified.
    let notified = venue
        .check_notified(&http, 0, start_minute - 60, clock.now_minute() + 60)
        .unwrap();
    assert_eq!(notified.notices.len(), 1);

    // The venue updates its information: the server issues a new certificate and supersedes
    // the old one. After their next sync, phones refuse the old poster with their own message,
    // and the new poster works.
    let info = VenueInfo::new(
        "兰州牛肉面馆",
        "甘肃省兰州市安宁区北滨河西路2号",
        RegionCode::new(620105).unwrap(),
        VenueCategory::RESTAURANT,
        45,
        32,
    )
    .unwrap();
    let update = RegistrationRequest {
        venue_key: venue_key.public_key(),
        info: info.clone(),
        pledge: true,
    };
    let body = signed(
        &http,
        Request {
            method: Method::Put,
            path: format!("/v1/venues/{}", venue.certificate().serial()),
            headers: Vec::new(),
            body: update.encode(),
            content_type: Some("application/octet-stream"),
        },
        &venue_key,
    );
    let new_cert = VenueCertificate::decode(&body).unwrap();
    new_cert.verify_signature(&anchors).unwrap();
    assert_eq!(new_cert.info(), &info);
    assert_ne!(new_cert.serial(), venue.certificate().serial());
    let updated = Venue::new(new_cert, master, venue_key.clone(), &first_bundle(&auth)).unwrap();
    let new_poster = updated
        .static_code()
        .unwrap()
        .to_url(venuecode_protocol::code::DEFAULT_BASE_URL);
    contact.sync_revocations().unwrap();
    let old = contact.scan(&poster).unwrap_err();
    assert!(matches!(old, Error::Superseded), "{old:?}");
    assert!(old.to_string().contains("current poster"), "{old}");
    contact.scan(&new_poster).unwrap();

    // The venue deactivates its code; phones refuse it after the next sync, and the old
    // poster stays refused.
    signed(
        &http,
        Request::post(
            format!("/v1/venues/{}/revoke", updated.certificate().serial()),
            Vec::new(),
            "application/octet-stream",
        ),
        &venue_key,
    );
    contact.sync_revocations().unwrap();
    assert!(matches!(contact.scan(&new_poster), Err(Error::Revoked)));
    assert!(matches!(contact.scan(&poster), Err(Error::Superseded)));
}

#[test]
fn venue_helpers_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    let (venue, _) = registered_venue(&http, &auth, "甘肃省博物馆");
    let serial = venue.certificate().serial();
    let now = SystemClock.now_minute();
    let day = venue.day_of(now);

    // Guest book: disclosed to the mailbox with a guest-book TAN; only the HA opens it.
    let book = GuestBook::open(
        dir.path().join("guests.redb"),
        DiaryKey::generate().unwrap(),
        serial,
        &first_bundle(&auth),
        SystemClock,
    )
    .unwrap();
    book.add("卢伟", "18212341234", now - 60, now - 15).unwrap();
    register_tan(&http, &auth.ha, "GUESTBOOK-0001", "guestbook");
    let d = book
        .disclose(&http, "GUESTBOOK-0001", now - 120, now)
        .unwrap();
    assert_eq!(d.entries, 1);
    let raw = signed(
        &http,
        Request::get(format!("/v1/uploads/{}", d.upload_id)),
        &auth.ha,
    );
    let bundle = venuecode_protocol::sealed::SealedBundle::decode(&raw).unwrap();
    let guest = GuestBookEntry::open(&auth.ha_enc, &bundle.items()[0]).unwrap();
    assert_eq!(guest.name(), "卢伟");

    // Seed release with a seeds TAN: a plain sealed message; the HA matches it by venue key.
    register_tan(&http, &auth.ha, "SEEDS-00000001", "seeds");
    let release = venue.release_seeds(&[day - 1, day]).unwrap();
    let id = venue
        .upload_seed_release(&http, "SEEDS-00000001", &release)
        .unwrap();
    let raw = signed(&http, Request::get(format!("/v1/uploads/{id}")), &auth.ha);
    let opened = SeedRelease::open(&auth.ha_enc, &SealedMessage::decode(&raw).unwrap()).unwrap();
    assert_eq!(*opened.venue_key(), venue.certificate().body().venue_key);
    assert_eq!(opened.seeds().len(), 2);

    // Count tags registered for the venue's local day; two check-ins, each ping sent on its
    // own at its own time, one request each, and counted for this venue.
    venue
        .register_count_tags(&http, &[day], &SystemClock)
        .unwrap();
    let clock = ManualClock::at_minute(now);
    let mut config = visitor_config(&auth);
    config.count_pings = true;
    config.ping_delay_max_minutes = 30;
    let proxy = Proxy::new(&server.base);
    let phone = open_phone(dir.path(), config, clock.clone(), proxy.clone());
    let base = venuecode_protocol::code::DEFAULT_BASE_URL;
    let first = phone
        .scan_and_check_in(&venue.static_code().unwrap().to_url(base))
        .unwrap();
    phone.check_out(first.entry.id()).unwrap();
    clock.advance_minutes(1);
    phone
        .scan_and_check_in(&venue.rotating_code(&clock).unwrap().to_url(base))
        .unwrap();
    assert_eq!(phone.pending_count_pings().unwrap(), 2);
    let mut sent = 0;
    for _ in 0..=31 {
        let due = phone.due_count_pings().unwrap();
        let n = phone.send_due_pings().unwrap();
        assert_eq!(n, due, "only due pings are sent");
        sent += n;
        assert_eq!(
            proxy.ping_posts.load(Ordering::SeqCst),
            sent,
            "one request each"
        );
        clock.advance_minutes(1);
    }
    assert_eq!(sent, 2);
    assert_eq!(phone.pending_count_pings().unwrap(), 0);
    assert_eq!(venue.check_in_count(&http, day).unwrap(), 2);
    // A day outside the server's window is refused before anything is sent.
    assert!(venue
        .register_count_tags(&http, &[day + 5], &SystemClock)
        .is_err());
}

#[test]
fn withheld_batch_through_a_proxy_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    let mut ha = Ha {
        key: &auth.ha,
        head: ChainHead::GENESIS,
    };
    let (venue, _) = registered_venue(&http, &auth, "兰州牛肉面馆");
    let code = venue.static_code().unwrap();
    let now = SystemClock.now_minute();
    let clock = ManualClock::at_minute(now);
    let proxy = Proxy::new(&server.base);
    let phone = open_phone(
        dir.path(),
        visitor_config(&auth),
        clock.clone(),
        proxy.clone(),
    );
    phone
        .scan_and_check_in(&code.to_url(venuecode_protocol::code::DEFAULT_BASE_URL))
        .unwrap();
    clock.advance_minutes(90);
    let other = MasterSeed::generate().unwrap().static_seed();
    ha.publish(
        &http,
        &[ExposureWindow {
            seed: other,
            venue_key: auth.ha.public_key(),
            start: now,
            end: now + 30,
            risk: RiskLevel::LOW,
            message_index: 0,
        }],
    );
    ha.publish(&http, &[window(&code, now, now + 60)]);

    // The proxy hides batch 2 from this phone: not listed, not served.
    proxy.answer(
        "/v1/batches?",
        200,
        br#"{"batches":[],"latest":1}"#.to_vec(),
    );
    proxy.answer("/v1/batches/2", 404, br#"{"error":"not_found"}"#.to_vec());
    let r = phone.sync().unwrap();
    assert_eq!(r.batches, 1);
    assert!(r.new_exposures.is_empty());
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 2 });
    assert!(!r.is_up_to_date());

    // Without the proxy's interference the exposure is raised.
    proxy.pass_through();
    let r = phone.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);
    assert_eq!(r.chain, ChainStatus::Ok);

    // An older checkpoint replayed by the proxy is refused as a rollback.
    let old = Checkpoint::sign(
        CheckpointBody::new(auth.ha.key_id(), now - 60, ChainHead::GENESIS, (1, [0; 32])),
        &auth.ha,
    )
    .unwrap();
    proxy.answer("/v1/checkpoint", 200, old.encode());
    let r = phone.sync().unwrap();
    assert!(
        matches!(
            r.checkpoint,
            PartOutcome::Refused(Error::Protocol(venuecode_protocol::Error::Rollback))
        ),
        "{r:?}"
    );
    assert_eq!(r.chain, ChainStatus::Ok);
}

#[test]
fn rollback_replayed_revocation_list_through_a_proxy_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities::new();
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    Ha {
        key: &auth.ha,
        head: ChainHead::GENESIS,
    }
    .checkpoint(&http);
    let (venue, venue_key) = registered_venue(&http, &auth, "兰州牛肉面馆");
    let poster = venue
        .static_code()
        .unwrap()
        .to_url(venuecode_protocol::code::DEFAULT_BASE_URL);
    // The genuine, signed list before the revocation.
    let old = get(&http, "/v1/revocations?after=0");
    let proxy = Proxy::new(&server.base);
    let phone = open_phone(
        dir.path(),
        visitor_config(&auth),
        SystemClock,
        proxy.clone(),
    );
    phone.scan(&poster).unwrap();
    signed(
        &http,
        Request::post(
            format!("/v1/venues/{}/revoke", venue.certificate().serial()),
            Vec::new(),
            "application/octet-stream",
        ),
        &venue_key,
    );
    let r = phone.sync().unwrap();
    assert!(matches!(r.revocations, PartOutcome::Updated), "{r:?}");
    assert!(matches!(phone.scan(&poster), Err(Error::Revoked)));

    // The proxy replays the old list: refused, the revocation stays, the rest of the sync
    // still runs.
    proxy.answer("/v1/revocations", 200, old);
    let r = phone.sync().unwrap();
    assert!(
        matches!(
            r.revocations,
            PartOutcome::Refused(Error::Protocol(venuecode_protocol::Error::Rollback))
        ),
        "{r:?}"
    );
    assert!(r.checkpoint.is_ok());
    assert!(matches!(phone.scan(&poster), Err(Error::Revoked)));
}

#[test]
fn trust_bundles_served_by_the_server_rotate_only_when_genuine() {
    let auth = Authorities::new();

    // A server serving a bundle of substituted keys (signed by the attacker's own "RA"):
    // refused, nothing changes.
    let dir = tempfile::tempdir().unwrap();
    let evil_ra = SigningKey::generate().unwrap();
    let evil_ha = SigningKey::generate().unwrap();
    let evil = auth.bundle_with(7, &evil_ra, &[&evil_ha], URL);
    let server = start_serving(dir.path(), &auth, &evil);
    let phone = open_phone(
        dir.path(),
        visitor_config(&auth),
        SystemClock,
        HttpTransport::new(&server.base).unwrap(),
    );
    let r = phone.sync().unwrap();
    assert!(
        matches!(
            r.trust_bundle,
            PartOutcome::Refused(Error::Protocol(venuecode_protocol::Error::UnknownKeyId))
        ),
        "{r:?}"
    );
    assert_eq!(phone.trust_bundle().unwrap(), first_bundle(&auth));
    drop(phone);
    drop(server);

    // A server serving a genuine rotation (bundle 2, signed by the held RA key, adding an HA
    // key): applied.
    let dir = tempfile::tempdir().unwrap();
    let ha2 = SigningKey::generate().unwrap();
    let rotated = auth.bundle_with(2, &auth.ra, &[&auth.ha, &ha2], URL);
    let server = start_serving(dir.path(), &auth, &rotated);
    let phone = open_phone(
        dir.path(),
        visitor_config(&auth),
        SystemClock,
        HttpTransport::new(&server.base).unwrap(),
    );
    let r = phone.sync().unwrap();
    assert!(matches!(r.trust_bundle, PartOutcome::Updated), "{r:?}");
    assert_eq!(phone.trust_bundle().unwrap(), rotated);
    assert!(phone.anchors().unwrap().ha(&ha2.key_id()).is_ok());
}
