//! Every signed route refuses a missing signature, a wrong key, a stale timestamp, a tampered
//! body and a replay, and accepts the right key once.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use common::{now, Harness};
use venuecode_protocol::SigningKey;

/// One signed request to try: method, path, body, the key that may sign it and the status of
/// success.
struct Case {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    key: SigningKey,
    ok: u16,
}

fn check(h: &Harness, c: Case) {
    let what = format!("{} {}", c.method, c.path);
    let wrong = SigningKey::generate().unwrap();

    let r = h.request(c.method, &c.path, &[], &c.body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "signature_missing"),
        "{what}"
    );

    let sig = Harness::sig(&wrong, c.method, &c.path, &c.body, now());
    let r = h.request(c.method, &c.path, &[sig], &c.body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "signature_invalid"),
        "{what}: wrong key"
    );

    let r = h.request(
        c.method,
        &c.path,
        &[("venuecode-signature", "not base64 !".into())],
        &c.body,
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "signature_invalid"),
        "{what}: garbage"
    );

    for skew in [-400i64, 400] {
        let ts = now().checked_add_signed(skew).unwrap();
        let sig = Harness::sig(&c.key, c.method, &c.path, &c.body, ts);
        let r = h.request(c.method, &c.path, &[sig], &c.body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (401, "timestamp_out_of_window"),
            "{what}: skew {skew}"
        );
    }

    // Signed for another path, or over another body.
    let sig = Harness::sig(&c.key, c.method, "/v1/elsewhere", &c.body, now());
    let r = h.request(c.method, &c.path, &[sig], &c.body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "signature_invalid"),
        "{what}: path"
    );
    let sig = Harness::sig(&c.key, c.method, &c.path, b"other body", now());
    let r = h.request(c.method, &c.path, &[sig], &c.body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "signature_invalid"),
        "{what}: body"
    );

    let sig = Harness::sig(&c.key, c.method, &c.path, &c.body, now());
    let r = h.request(c.method, &c.path, std::slice::from_ref(&sig), &c.body);
    assert_eq!(
        r.status,
        c.ok,
        "{what}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let r = h.request(c.method, &c.path, &[sig], &c.body);
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "replayed"),
        "{what}: replay"
    );
}

#[test]
fn every_signed_route_checks_key_time_and_nonce() {
    let h = Harness::start_with(|c| c.counts = true);
    let (venue, serial) = h.register("Signed Venue");
    let (other_venue, other_serial) = h.register("Other Venue");
    assert_eq!(
        h.register_tans(&[("AUTH-TAN-0001", now() + 600, "case")])
            .status,
        201
    );
    let id = h.upload("AUTH-TAN-0001", &h.case_upload()).json()["id"]
        .as_u64()
        .unwrap();

    let new_venue = SigningKey::generate().unwrap();
    let tans = serde_json::to_vec(&serde_json::json!({"tans": [{
        "hash": "11".repeat(32), "expires_at": now() + 600, "purpose": "case"}]}))
    .unwrap();
    let tags = Harness::count_tags(&[((now() / 86_400) as u32, [0x22; 16])]);

    let cases = vec![
        Case {
            method: "POST",
            path: "/v1/venues".into(),
            body: Harness::registration(&new_venue, "New Venue", 620_105, true),
            key: new_venue.clone(),
            ok: 201,
        },
        Case {
            method: "POST",
            path: format!("/v1/venues/{serial}/count-tags"),
            body: tags,
            key: venue.clone(),
            ok: 201,
        },
        Case {
            method: "PUT",
            path: format!("/v1/venues/{serial}"),
            body: Harness::registration(&venue, "Signed Venue 2", 620_105, true),
            key: venue.clone(),
            ok: 201,
        },
        Case {
            method: "POST",
            path: format!("/v1/venues/{other_serial}/revoke"),
            body: Vec::new(),
            key: other_venue,
            ok: 200,
        },
        Case {
            method: "POST",
            path: format!("/v1/admin/venues/{}/disable", serial + 2),
            body: Vec::new(),
            key: h.admin.clone(),
            ok: 200,
        },
        Case {
            method: "POST",
            path: "/v1/batches".into(),
            body: Harness::batch(&h.ha),
            key: h.ha.clone(),
            ok: 201,
        },
        Case {
            method: "POST",
            path: "/v1/checkpoints".into(),
            body: Harness::checkpoint(
                &h.ha,
                venuecode_protocol::ChainHead::GENESIS,
                (now() / 60) as u32,
            ),
            key: h.ha.clone(),
            ok: 201,
        },
        Case {
            method: "POST",
            path: "/v1/tans".into(),
            body: tans,
            key: h.ha.clone(),
            ok: 201,
        },
        Case {
            method: "GET",
            path: "/v1/uploads".into(),
            body: Vec::new(),
            key: h.ha.clone(),
            ok: 200,
        },
        Case {
            method: "GET",
            path: format!("/v1/uploads/{id}"),
            body: Vec::new(),
            key: h.ha.clone(),
            ok: 200,
        },
        Case {
            method: "DELETE",
            path: format!("/v1/uploads/{id}"),
            body: Vec::new(),
            key: h.ha.clone(),
            ok: 204,
        },
    ];
    for c in cases {
        check(&h, c);
    }
}

#[test]
fn the_signed_path_includes_the_query() {
    let h = Harness::start();
    let sig = Harness::sig(&h.ha, "GET", "/v1/uploads", b"", now());
    let r = h.request("GET", "/v1/uploads?x=1", &[sig], b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    let r = h.signed(&h.ha, "GET", "/v1/uploads?x=1", b"");
    assert_eq!(r.status, 200);
}

#[test]
fn venue_keys_cannot_act_as_authorities() {
    let h = Harness::start();
    let (venue, serial) = h.register("Pretender");
    let r = h.signed(&venue, "GET", "/v1/uploads", b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    let r = h.signed(
        &venue,
        "POST",
        &format!("/v1/admin/venues/{serial}/disable"),
        b"",
    );
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    // The HA key is not a venue's key either.
    let r = h.signed(&h.ha, "POST", &format!("/v1/venues/{serial}/revoke"), b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
}

#[test]
fn admin_routes_refuse_everything_without_an_admin_key() {
    let h = Harness::start_with(|c| c.admin_key = None);
    let (_, serial) = h.register("Unguarded");
    let r = h.signed(
        &h.admin,
        "POST",
        &format!("/v1/admin/venues/{serial}/disable"),
        b"",
    );
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
}
