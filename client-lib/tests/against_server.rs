//! The visitor flow over real HTTP against the server, started in-process:
//! register → check in → share with a TAN → the HA publishes → sync → exposure.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::mpsc;

use venuecode_client::api;
use venuecode_client::transport::{Method, Request};
use venuecode_client::Error;
use venuecode_client::*;
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::*;

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

struct Authorities {
    ra: SigningKey,
    ha: SigningKey,
    ha_enc: DecryptionKey,
}

fn start(dir: &Path, auth: &Authorities) -> Running {
    use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
    let ra_path = dir.join("ra.key");
    let ha_path = dir.join("ha.pub");
    let enc_path = dir.join("ha-enc.pub");
    write_signing_key(&ra_path, &auth.ra).unwrap();
    write_public_key(&ha_path, &auth.ha.public_key()).unwrap();
    write_encryption_key(&enc_path, &auth.ha_enc.public_key()).unwrap();
    let mut config = venuecode_server::Config::new(dir.join("data"), ra_path, vec![ha_path]);
    config.ha_encryption_key = Some(enc_path);
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
    let req = RegistrationRequest {
        venue_key: key.public_key(),
        info: VenueInfo::new(
            name,
            "甘肃省兰州市安宁区北滨河西路1号",
            RegionCode::new(620105).unwrap(),
            VenueCategory::RESTAURANT,
            60,
        )
        .unwrap(),
        pledge: true,
    };
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

#[test]
fn check_in_share_publish_sync_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authorities {
        ra: SigningKey::generate().unwrap(),
        ha: SigningKey::generate().unwrap(),
        ha_enc: DecryptionKey::generate().unwrap(),
    };
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    let anchors = TrustAnchors::new(auth.ra.public_key(), auth.ha.public_key());

    // A venue registers and gets its certificate from the server's RA.
    let venue_key = SigningKey::generate().unwrap();
    let cert = register_venue(&http, &venue_key, "兰州牛肉面馆");
    cert.verify_signature(&anchors).unwrap();
    let master = MasterSeed::generate().unwrap();
    let venue = Venue::new(cert, master.clone(), venue_key.clone()).unwrap();
    let poster = venue
        .static_code()
        .unwrap()
        .to_url(venuecode_protocol::code::DEFAULT_BASE_URL);

    // Two visitors check in; their clocks start at the real time (the certificate was just
    // issued) and move on by themselves afterwards.
    let start_minute = SystemClock.now_minute();
    let clock = ManualClock::at_minute(start_minute);
    let config = VisitorConfig::new(anchors.clone(), auth.ha_enc.public_key());
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
        Err(Error::Server { status, code }) => {
            assert_eq!(status, 404);
            assert_eq!(code, "not_found");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("batch 99 exists"),
    }

    // Sync before anything is published: revocations verify, no batch, no exposure.
    let first = contact.sync().unwrap();
    assert_eq!(first.batches, 0);

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
    assert_eq!(upload.entries.len(), 1);
    let shared = &upload.entries[0];
    shared.code.verify_signatures(&anchors).unwrap();
    assert_eq!(shared.departure - shared.arrival, 50);
    let mut b = BatchBuilder::new(clock.now_minute(), vec!["Get tested.".into()]).unwrap();
    b.add(&ExposureWindow {
        seed: shared.code.seed().clone(),
        start: shared.arrival,
        end: shared.departure,
        risk: RiskLevel::HIGH,
        message_index: 0,
    })
    .unwrap();
    let batch = b.sign(&auth.ha).unwrap();
    signed(
        &http,
        Request::post("/v1/batches", batch.encode(), "application/octet-stream"),
        &auth.ha,
    );

    // The contact's phone syncs over HTTP and raises the exposure, once.
    let report = contact.sync().unwrap();
    assert_eq!(report.batches, 1);
    assert_eq!(report.new_exposures.len(), 1);
    let e = &report.new_exposures[0];
    assert_eq!(e.venue_name(), "兰州牛肉面馆");
    assert_eq!(e.overlap_minutes(), 40);
    assert_eq!(e.risk(), RiskLevel::HIGH);
    assert_eq!(e.message(), "Get tested.");
    assert!(contact.sync().unwrap().new_exposures.is_empty());
    // The venue sees that it was notified.
    let notified = venue
        .check_notified(
            &http,
            &anchors,
            0,
            start_minute - 60,
            clock.now_minute() + 60,
        )
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
    let updated = Venue::new(new_cert, master, venue_key.clone()).unwrap();
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
    let auth = Authorities {
        ra: SigningKey::generate().unwrap(),
        ha: SigningKey::generate().unwrap(),
        ha_enc: DecryptionKey::generate().unwrap(),
    };
    let server = start(dir.path(), &auth);
    let http = HttpTransport::new(&server.base).unwrap();
    let anchors = TrustAnchors::new(auth.ra.public_key(), auth.ha.public_key());
    let venue_key = SigningKey::generate().unwrap();
    let cert = register_venue(&http, &venue_key, "甘肃省博物馆");
    let venue = Venue::new(cert, MasterSeed::generate().unwrap(), venue_key).unwrap();
    let serial = venue.certificate().serial();
    let now = SystemClock.now_minute();
    let day = venuecode_protocol::time::epoch_of(now);

    // Guest book: disclosed to the mailbox with a guest-book TAN; only the HA opens it.
    let book = GuestBook::open(
        dir.path().join("guests.redb"),
        DiaryKey::generate().unwrap(),
        serial,
        auth.ha_enc.public_key(),
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
    let guest = GuestBookEntry::open(&auth.ha_enc, &bundle.items[0]).unwrap();
    assert_eq!(guest.name, "卢伟");

    // Seed release with a seeds TAN.
    register_tan(&http, &auth.ha, "SEEDS-00000001", "seeds");
    let release = venue
        .release_seeds(&[day - 1, day], &auth.ha_enc.public_key())
        .unwrap();
    let id = venue
        .upload_seed_release(&http, "SEEDS-00000001", &release)
        .unwrap();
    let raw = signed(&http, Request::get(format!("/v1/uploads/{id}")), &auth.ha);
    let opened = SignedSeedRelease::decode(&raw)
        .unwrap()
        .open(&venue.certificate().body().venue_key, &auth.ha_enc)
        .unwrap();
    assert_eq!(opened.seeds.len(), 2);

    // Count tags registered, a phone's pings counted.
    venue
        .register_count_tags(&http, &[day], &SystemClock)
        .unwrap();
    let clock = ManualClock::at_minute(now);
    let mut config = VisitorConfig::new(anchors, auth.ha_enc.public_key());
    config.count_pings = true;
    let phone = Visitor::open(
        dir.path().join("phone.redb"),
        DiaryKey::generate().unwrap(),
        config,
        clock.clone(),
        HttpTransport::new(&server.base).unwrap(),
    )
    .unwrap();
    phone
        .scan_and_check_in(
            &venue
                .static_code()
                .unwrap()
                .to_url(venuecode_protocol::code::DEFAULT_BASE_URL),
        )
        .unwrap();
    clock.advance_minutes(1440);
    assert_eq!(phone.send_count_pings().unwrap(), 1);
    assert_eq!(venue.check_in_count(&http, day).unwrap(), 1);
}
