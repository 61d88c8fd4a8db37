//! The security review of wire v2, as a stranger and as ordinary people would try it, against
//! the library over the in-memory server (a proxy or a dishonest server is one that changes its
//! answers): replays and rollbacks of revocation pages, batches and checkpoints; a batch
//! re-sequenced or spliced from another chain; two phones shown different lists; trust bundles
//! signed by the wrong key or naming plain HTTP; a client told `https://` meeting plain HTTP;
//! a phone whose clock is hours off; a TAN with a typo; a phone offline longer than the
//! retention period; and what a seed release and a count ping show on the wire.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::fixture as common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use common::*;
use venuecode_client::transport::{Request, Response, TanState};
use venuecode_client::*;
use venuecode_protocol::time::EPOCH_MINUTES;
use venuecode_protocol::{
    ChainHead, Checkpoint, CheckpointBody, Codec, Error as P, SigningKey, TrustBundle,
    TrustBundleBody,
};

use common::revocation_page as page;

// ---- replays and rollbacks ----

#[test]
fn rollback_old_revocation_page_replayed_after_paging_is_refused() {
    let w = world();
    // Three revocations in two pages: the noodle bar (serial 7) on the first, the museum
    // (serial 8) on the second.
    let first = page(&w, 0, 2, 3, NOW, &[(1, 100), (2, 7)]);
    w.server.add_revocation_page(&first);
    w.server
        .add_revocation_page(&page(&w, 2, 3, 3, NOW, &[(3, 8)]));
    let v = w.visitor();
    w.sync_revokes(&v, &w.museum);

    // A proxy answers every later request with the first page again (genuinely signed, and
    // "more follows"): refused, and the museum stays revoked.
    w.sync_refuses_rollback(&v, first.encode(), &[&w.noodles, &w.museum]);
    // A replay of the first page renamed to start at the cursor cannot be made without the RA
    // key: the edited bytes fail the signature.
    let mut edited = first.encode();
    // version u8 | ra_key_id [8] | issued_at u32 | after u64
    edited[1 + 8 + 4..1 + 8 + 4 + 8].copy_from_slice(&3u64.to_be_bytes());
    w.server.intercept("/v1/revocations", edited);
    let r = v.sync().unwrap();
    assert!(matches!(r.revocations, PartOutcome::Refused(_)), "{r:?}");
    assert!(matches!(
        v.scan(&w.static_url(&w.museum)),
        Err(Error::Revoked)
    ));
}

#[test]
fn withheld_old_batch_reposted_by_a_proxy_under_a_new_sequence_breaks_its_signature() {
    let w = world();
    let v = w.visited_noodles();
    let old = w.noodles_batch();
    w.publish(&old);
    let r = v.sync().unwrap();
    assert_eq!(r.new_exposures.len(), 1);

    // The HA publishes batch 2; a proxy serves batch 1 again in its place, with the sequence
    // and previous link rewritten so that it would extend the phone's head.
    let genuine2 = w.other_batch(2);
    w.publish(&genuine2);
    let mut bytes = old.encode();
    // version u8 | ha_key_id [8] | sequence u64 | previous [32]
    bytes[9..17].copy_from_slice(&2u64.to_be_bytes());
    bytes[17..49].copy_from_slice(&old.link());
    w.server.intercept("/v1/batches/2", bytes);
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.batch_sync,
            PartOutcome::Refused(Error::Protocol(P::BatchSignatureInvalid))
        ),
        "{r:?}"
    );
    // Not matched again, and the phone says batch 2 is missing rather than "no exposure".
    assert!(r.new_exposures.is_empty());
    assert_eq!(v.exposures().unwrap().len(), 1);
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 2 });
    // Served unchanged, the old batch at its real place changes nothing either: it does not
    // extend the head.
    w.server.intercept("/v1/batches/2", old.encode());
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.batch_sync,
            PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
        ),
        "{r:?}"
    );
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 2 });
    assert_eq!(v.exposures().unwrap().len(), 1);
}

#[test]
fn withheld_batch_spliced_from_another_ha_chain_is_refused_and_not_matched() {
    // The phone trusts two HA signing keys (a rotation in progress); each key's batches here
    // form a chain of their own, and a server splices the second chain's batch 2 after the
    // first chain's batch 1.
    let w = world();
    let ha2 = SigningKey::from_seed(&[31; 32]).unwrap();
    let two = bundle(2, &[&w.ra], &[&w.ha, &ha2], &w.ha_enc, &w.ra);
    w.no_revocations();
    let v = w.visitor_with(VisitorConfig::new(two).unwrap());
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(120);
    w.publish(&w.other_batch(1));
    assert_eq!(v.sync().unwrap().cursor, 1);

    let other1 = w.noodles_batch_by(&ha2, ChainHead::GENESIS, "x");
    let other2 = w.noodles_batch_by(&ha2, other1.chain_head(), "x");
    w.server.publish_at(2, other2.encode());
    let r = v.sync().unwrap();
    assert!(
        matches!(
            r.batch_sync,
            PartOutcome::Refused(Error::Protocol(P::BatchChainBroken))
        ),
        "{r:?}"
    );
    assert!(v.exposures().unwrap().is_empty());
    assert_eq!(r.cursor, 1);
    // With the other chain's checkpoint (a higher sequence, the same issue time): the phone
    // takes it, cannot reach it from its head, and says so.
    w.server
        .set_checkpoint(&checkpoint(&ha2, other2.chain_head(), w.clock.now_minute()));
    let r = v.sync().unwrap();
    assert!(v.exposures().unwrap().is_empty());
    assert_eq!(r.chain, ChainStatus::Withheld { from: 2, to: 2 });
    assert!(!r.is_up_to_date());
}

#[test]
fn withheld_two_phones_shown_different_lists_never_both_hear_no_exposure() {
    // One honest view and one that withholds batch 2 from the second phone; both are given
    // genuine HA-signed bytes only.
    let w = world();
    w.no_revocations();
    let a = w.visitor();
    a.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    let other_server = MemoryServer::new();
    let dir_b = tempfile::tempdir().unwrap();
    let b = w.visitor_at_server(&dir_b.path().join("b.redb"), other_server.clone());
    b.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(120);
    other_server.set_revocations(&w.revocation_list(&[], NOW));

    let b1 = w.other_batch(1);
    let b2 = w.noodles_batch();
    for s in [&w.server, &other_server] {
        s.publish(&b1);
        s.publish(&b2);
    }
    w.publish_checkpoint();
    // The dishonest view serves the fresh checkpoint but hides batch 2.
    other_server.set_checkpoint(&checkpoint(&w.ha, w.head.get(), w.clock.now_minute()));
    other_server.withhold(2);
    let ra = a.sync().unwrap();
    assert_eq!(ra.new_exposures.len(), 1);
    assert_eq!(ra.chain, ChainStatus::Ok);
    let rb = b.sync().unwrap();
    assert!(rb.new_exposures.is_empty());
    assert_eq!(rb.chain, ChainStatus::Withheld { from: 2, to: 2 });
    assert!(!rb.is_up_to_date());

    // The dishonest view then serves the checkpoint of batch 1 only (genuine, older): refused
    // as a rollback, and the phone still knows batch 2 is missing.
    other_server.set_checkpoint(&checkpoint(
        &w.ha,
        b1.chain_head(),
        w.clock.now_minute() - 1,
    ));
    let rb = b.sync().unwrap();
    assert!(
        matches!(
            rb.checkpoint,
            PartOutcome::Refused(Error::Protocol(P::Rollback))
        ),
        "{rb:?}"
    );
    assert_eq!(rb.chain, ChainStatus::Withheld { from: 2, to: 2 });

    // A third phone that only ever sees the old view (checkpoint of batch 1) hears "complete"
    // until that checkpoint is older than the stale bound, then "may be stale": the withholding
    // is bounded in time, not undetectable.
    let third_server = MemoryServer::new();
    third_server.set_revocations(&w.revocation_list(&[], NOW));
    third_server.publish(&b1);
    third_server.set_checkpoint(&checkpoint(&w.ha, b1.chain_head(), w.clock.now_minute()));
    let dir_c = tempfile::tempdir().unwrap();
    let c = w.visitor_at_server(&dir_c.path().join("c.redb"), third_server.clone());
    assert_eq!(c.sync().unwrap().chain, ChainStatus::Ok);
    w.clock.advance_minutes(2 * EPOCH_MINUTES + 1);
    assert_eq!(c.sync().unwrap().chain, ChainStatus::Stale);
}

// ---- trust bundles ----

#[test]
fn trust_bundle_signed_by_an_ha_key_is_refused_as_first_install_and_as_rotation() {
    let w = world();
    // First install: signed by the HA key the bundle itself lists, not by one of its RA keys.
    let by_ha = bundle(1, &[&w.ra], &[&w.ha], &w.ha_enc, &w.ha);
    assert!(matches!(
        VisitorConfig::new(by_ha),
        Err(Error::Protocol(P::UnknownKeyId))
    ));
    // Rotation: sequence 2 signed by the trusted HA key (a held key, but not an RA key).
    let v = w.visited_noodles();
    let rotation = bundle(2, &[&w.ra], &[&w.ha], &w.ha_enc, &w.ha);
    assert!(matches!(
        v.update_trust_bundle(&rotation),
        Err(Error::Protocol(P::UnknownKeyId))
    ));
    w.server.set_trust_bundle(&rotation);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
    ));
    // Rotation signed by the new RA key only (listed in the new bundle, not held).
    let ra2 = SigningKey::from_seed(&[32; 32]).unwrap();
    let by_new = bundle(2, &[&w.ra, &ra2], &[&w.ha], &w.ha_enc, &ra2);
    w.server.set_trust_bundle(&by_new);
    assert!(matches!(
        v.sync().unwrap().trust_bundle,
        PartOutcome::Refused(Error::Protocol(P::UnknownKeyId))
    ));
    // The same sequence with other keys, genuinely signed by the held RA key.
    let older = bundle(1, &[&w.ra], &[&w.ha, &ra2], &w.ha_enc, &w.ra);
    assert!(matches!(
        v.update_trust_bundle(&older),
        Err(Error::Protocol(P::Rollback))
    ));
    assert_eq!(v.trust_bundle().unwrap(), w.trust);
}

#[test]
fn trust_bundle_shipped_by_an_app_update_replaces_the_held_one_only_if_a_held_ra_key_signed_it() {
    let w = world();
    let v = w.visited_noodles();
    assert_eq!(v.app_trust_bundle_refused(), None);
    drop(v);
    // An "app update" ships sequence 2 with another RA, HA and encryption key, self-signed by
    // its own new RA key: it verifies as a first install, but no held RA key signed it.
    let ra2 = SigningKey::from_seed(&[41; 32]).unwrap();
    let ha2 = SigningKey::from_seed(&[42; 32]).unwrap();
    let enc2 = venuecode_protocol::DecryptionKey::from_secret(&[43; 32]).unwrap();
    let swapped = bundle(2, &[&ra2], &[&ha2], &enc2, &ra2);
    let v = w.visitor_with(VisitorConfig::new(swapped).unwrap());
    assert_eq!(v.app_trust_bundle_refused(), Some(P::UnknownKeyId));
    // The held bundle is kept: its HA encryption key, to which shares are sealed, too.
    assert_eq!(v.trust_bundle().unwrap(), w.trust);
    drop(v);
    // A genuine update (sequence 2 signed by the held RA key) replaces it.
    let genuine = bundle(2, &[&w.ra, &ra2], &[&w.ha], &w.ha_enc, &w.ra);
    let v = w.visitor_with(VisitorConfig::new(genuine.clone()).unwrap());
    assert_eq!(v.app_trust_bundle_refused(), None);
    assert_eq!(v.trust_bundle().unwrap(), genuine);
    drop(v);
    // The older bundle an app still ships is not newer: kept silently.
    let v = w.visitor();
    assert_eq!(v.app_trust_bundle_refused(), None);
    assert_eq!(v.trust_bundle().unwrap(), genuine);
}

#[test]
fn trust_bundle_naming_plain_http_to_another_host_is_refused() {
    let w = world();
    let body = |server_url: &str, code_base_url: &str| TrustBundleBody {
        sequence: 2,
        issued_at: NOW,
        ra_keys: vec![w.ra.public_key()],
        ha_signing_keys: vec![w.ha.public_key()],
        ha_encryption_key: w.ha_enc.public_key(),
        server_url: server_url.into(),
        code_base_url: code_base_url.into(),
    };
    let https = "https://venuecode.example";
    for (server, base) in [
        ("http://venuecode.example", https),
        (https, "http://venuecode.example/c"),
        ("http://10.0.0.1:8080", https),
        ("http://localhost.venuecode.example", https),
        ("http://127.0.0.1@venuecode.example", https),
    ] {
        assert_eq!(
            TrustBundle::sign(body(server, base), &w.ra).err(),
            Some(P::InvalidUrl),
            "{server} {base}"
        );
    }
    // The decoder refuses the same bytes whatever their signature: take a genuine bundle
    // whose server URL has the length of an `http://` one, and edit the scheme.
    let genuine = TrustBundle::sign(body("https://venuecode.exampl", https), &w.ra).unwrap();
    let mut bytes = genuine.encode();
    let at = bytes
        .windows(8)
        .position(|x| x == b"https://")
        .expect("url in the bundle");
    bytes[at..at + 8].copy_from_slice(b"http://v");
    let decoded = TrustBundle::decode(&bytes);
    assert!(
        matches!(decoded, Err(P::InvalidUrl)),
        "{:?}",
        decoded.map(|b| b.body().server_url.clone())
    );
    // Loopback stays allowed, for drills on one machine.
    assert!(TrustBundle::sign(body("http://127.0.0.1:8080", https), &w.ra).is_ok());
}

// ---- TLS ----

#[test]
fn tls_client_told_https_refuses_a_server_speaking_plain_http() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let seen2 = seen.clone();
    let server = std::thread::spawn(move || {
        // One connection: read what the client sends first, answer in plain HTTP.
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        seen2.lock().unwrap().extend_from_slice(&buf[..n]);
        let body = br#"{"batches":[],"latest":0}"#;
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(body);
    });
    let t = HttpTransport::new(&format!("https://127.0.0.1:{port}")).unwrap();
    let r = api::list_batches(&t, 0);
    assert!(matches!(r, Err(Error::Network(_))), "{:?}", r.map(|_| ()));
    server.join().unwrap();
    // What reached the server was a TLS handshake (a ClientHello record), never a request
    // in clear.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&0x16), "not a TLS record: {seen:?}");
    assert!(!seen.windows(3).any(|x| x == b"GET"));
    assert!(!seen.windows(7).any(|x| x == b"/v1/bat"));
}

/// Answers one request on loopback with a redirect to `location`.
fn redirecting_server(status: &str, location: String) -> (u16, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let status = status.to_owned();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut buf = [0u8; 65536];
        let _ = s.read(&mut buf);
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
    });
    (port, server)
}

#[test]
fn tls_redirect_is_never_followed_so_a_tan_cannot_be_led_to_plain_http_or_another_host() {
    // A server (or whatever answers for it) redirects a read and an upload to another
    // address, in plain HTTP. The client must not follow: the TAN header would travel there,
    // and a read would come from a host the person never named.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let to = format!("http://127.0.0.1:{}", other.local_addr().unwrap().port());
    for status in [
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let (port, server) = redirecting_server(status, format!("{to}/v1/batches?after=0"));
        let t = HttpTransport::with_timeout(
            &format!("http://127.0.0.1:{port}"),
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        let r = api::list_batches(&t, 0);
        assert!(r.is_err(), "{status}");
        server.join().unwrap();
        let (port, server) = redirecting_server(status, format!("{to}/v1/uploads"));
        let t = HttpTransport::with_timeout(
            &format!("http://127.0.0.1:{port}"),
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        let r = api::upload(&t, "K7Q2-9XWD-4MPA", vec![0; 64]);
        assert!(r.is_err(), "{status} {r:?}");
        server.join().unwrap();
        assert!(
            matches!(other.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the client followed a {status} redirect"
        );
    }
}

// ---- people ----

#[test]
fn people_phone_clock_hours_off_scanning_a_rotating_code_is_told_to_check_the_clock() {
    let w = world();
    w.no_revocations();
    let screen_clock = ManualClock::at_minute(NOW);
    let code = w
        .noodles
        .rotating_code(&screen_clock)
        .unwrap()
        .to_url(venuecode_protocol::code::DEFAULT_BASE_URL);
    let v = w.visitor();
    // Three hours fast: the fresh code looks long expired.
    w.clock.set_minute(NOW + 180);
    let e = v.scan(&code).unwrap_err();
    assert!(matches!(e, Error::StaleCode), "{e:?}");
    assert!(e.to_string().contains("clock"), "{e}");
    // Three hours slow: the code looks signed for the future.
    w.clock.set_minute(NOW - 180);
    let e = v.scan(&code).unwrap_err();
    assert!(matches!(e, Error::InvalidCodeValidity), "{e:?}");
    assert!(e.to_string().contains("clock"), "{e}");
    assert!(v.entries().unwrap().is_empty());
    // Clock set right: it checks in.
    w.clock.set_minute(NOW + 1);
    v.scan_and_check_in(&code).unwrap();
    assert_eq!(v.entries().unwrap().len(), 1);
}

#[test]
fn people_tan_typed_with_a_typo_is_a_clear_error_and_the_tan_still_works() {
    let w = world();
    let v = w.visited_noodles();
    w.server
        .register_tan("K7Q2-9XWD-4MPA", TanState::Fresh)
        .unwrap();
    let id = v.entries().unwrap()[0].id();
    let e = v.share("K7Q2-9XWD-4MPB", &[id]).unwrap_err();
    assert!(matches!(e, Error::TanUnknown), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("not known") && text.contains("typo"),
        "{text}"
    );
    assert!(w.server.uploads().is_empty());
    // The right TAN, typed again, is not burned.
    v.retry_share_with_tan("K7Q2-9XWD-4MPA").unwrap();
    assert_eq!(w.server.uploads().len(), 1);
    assert!(v.pending_share().unwrap().is_none());
}

#[test]
fn withheld_not_reported_for_a_phone_offline_longer_than_retention_it_resyncs_from_the_retained_range(
) {
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    assert_eq!(v.sync().unwrap().cursor, 1);

    // The phone is off for three weeks. Batches 2 and 3 are published and expire; 4 and 5
    // (the latter for the noodle bar) are still served.
    let b2 = w.other_batch(2);
    let b3 = w.other_batch(3);
    let b4 = w.other_batch(4);
    let b5 = w.noodles_batch();
    for b in [&b2, &b3, &b4, &b5] {
        w.server.publish(b);
    }
    w.server.withhold(2);
    w.server.withhold(3);
    w.clock.advance_minutes(21 * EPOCH_MINUTES);
    let cp = Checkpoint::sign(
        CheckpointBody::new(
            w.ha.key_id(),
            w.clock.now_minute(),
            b5.chain_head(),
            (4, b3.link()),
        ),
        &w.ha,
    )
    .unwrap();
    w.server.set_checkpoint(&cp);
    let r = v.sync().unwrap();
    assert_eq!(r.chain, ChainStatus::Ok, "{r:?}");
    assert_eq!(r.cursor, 5);
    assert_eq!(r.batches, 2);
    assert!(r.batch_sync.is_ok(), "{r:?}");
    // (The noodle-bar stay was three weeks ago: the diary purged it, so no alert is raised.)
    assert!(!w.server.requests().iter().any(|p| p == "/v1/batches/2"));

    // A server that still lists an expired batch's place as missing cannot make it "withheld":
    // and one that withholds a retained batch is caught.
    let w = world();
    let v = w.visited_noodles();
    w.publish(&w.other_batch(1));
    v.sync().unwrap();
    let b2 = w.other_batch(2);
    let b3 = w.other_batch(3);
    let b4 = w.other_batch(4);
    for b in [&b2, &b3, &b4] {
        w.server.publish(b);
    }
    w.server.withhold(2);
    w.server.withhold(4);
    w.server.set_checkpoint(
        &Checkpoint::sign(
            CheckpointBody::new(
                w.ha.key_id(),
                w.clock.now_minute(),
                b4.chain_head(),
                (3, b2.link()),
            ),
            &w.ha,
        )
        .unwrap(),
    );
    let r = v.sync().unwrap();
    assert_eq!(r.chain, ChainStatus::Withheld { from: 4, to: 4 }, "{r:?}");
}

// ---- what travels in clear ----

/// Path, body and headers of one request.
type Seen = (String, Vec<u8>, Vec<(String, String)>);

/// A transport that records every request before passing it on.
#[derive(Clone)]
struct Recorder {
    inner: MemoryServer,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Transport for Recorder {
    fn send(&self, request: Request) -> venuecode_client::Result<Response> {
        self.seen.lock().unwrap().push((
            request.path.clone(),
            request.body.clone(),
            request.headers.clone(),
        ));
        self.inner.send(request)
    }
}

fn holds(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|x| x == needle)
}

#[test]
fn privacy_seed_release_and_count_ping_carry_no_serial_name_or_seed_in_clear() {
    let w = world();
    let rec = Recorder {
        inner: w.server.clone(),
        seen: Arc::default(),
    };
    let cert = w.noodles.certificate().clone();
    let serial = cert.serial();
    let key = cert.body().venue_key;
    let epoch = w.noodles.day_of(NOW);
    let seed = w
        .noodles
        .rotating_code(&w.clock)
        .unwrap()
        .seed()
        .expose()
        .to_vec();
    let forbidden: Vec<(&str, Vec<u8>)> = vec![
        ("serial (BE)", serial.to_be_bytes().to_vec()),
        ("serial (LE)", serial.to_le_bytes().to_vec()),
        ("name", NOODLES_NAME.as_bytes().to_vec()),
        ("address", NOODLES_ADDRESS.as_bytes().to_vec()),
        ("venue key", key.as_bytes().to_vec()),
        ("certificate", cert.encode()),
        ("seed", seed),
    ];

    // The seed release.
    w.server
        .register_tan("SEEDS-TAN-0001", TanState::Fresh)
        .unwrap();
    let release = w.noodles.release_seeds(&[epoch]).unwrap();
    w.noodles
        .upload_seed_release(&rec, "SEEDS-TAN-0001", &release)
        .unwrap();
    // The count ping: a visitor with counts on, whose ping is due.
    w.no_revocations();
    let mut cfg = w.config();
    cfg.count_pings = true;
    let v = Visitor::open(
        w.dir.path().join("pinger.redb"),
        DiaryKey::from_bytes(KEY),
        cfg,
        w.clock.clone(),
        rec.clone(),
    )
    .unwrap();
    v.scan_and_check_in(&w.static_url(&w.noodles)).unwrap();
    w.clock.advance_minutes(3 * EPOCH_MINUTES);
    assert!(v.send_due_pings().unwrap() >= 1);

    let seen = rec.seen.lock().unwrap();
    let upload = seen
        .iter()
        .find(|(p, _, _)| p == "/v1/uploads")
        .expect("release uploaded");
    let pings: Vec<_> = seen.iter().filter(|(p, _, _)| p == "/v1/counts").collect();
    assert!(!pings.is_empty());
    for (path, body, headers) in std::iter::once(upload).chain(pings.iter().copied()) {
        for (what, bytes) in &forbidden {
            assert!(!holds(body, bytes), "{path} body holds the {what}");
            for (name, value) in headers {
                assert!(
                    !holds(value.as_bytes(), bytes) && !holds(name.as_bytes(), bytes),
                    "{path} header {name} holds the {what}"
                );
            }
        }
        assert!(!holds(path.as_bytes(), &serial.to_string().into_bytes()));
    }
    // A ping is exactly version, venue key id and tag: 25 bytes, one per request.
    for (_, body, _) in &pings {
        assert_eq!(body.len(), 25);
        assert_eq!(body[0], 2);
        assert_eq!(&body[1..9], &key.key_id().0);
    }
    // The release is just a sealed message (it decodes as one, whole).
    assert!(venuecode_protocol::SealedMessage::decode(&upload.1).is_ok());
}
