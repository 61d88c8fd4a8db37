//! Every route's success path and documented errors, against a real server over HTTP.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::clock::on_one_day;
use venuecode_testkit::server as common;

use common::{now, Harness};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{Codec, RevocationList, SigningKey, TrustAnchors, VenueCertificate};

fn anchors(h: &Harness) -> TrustAnchors {
    TrustAnchors::new(h.ra.public_key(), h.ha.public_key())
}

#[test]
fn health_metrics_and_authority() {
    let h = Harness::start();
    let r = h.get("/healthz");
    assert_eq!((r.status, r.body.as_slice()), (200, b"ok".as_slice()));
    let a = h.get("/v1/authority").json();
    assert_eq!(
        a["ra_public_key"],
        hex::encode(h.ra.public_key().as_bytes())
    );
    assert_eq!(a["ra_key_id"], h.ra.key_id().to_hex());
    assert_eq!(a["ha_signing_keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        a["ha_encryption_key"],
        hex::encode(h.ha_enc.public_key().as_bytes())
    );
    assert_eq!(a["counts_enabled"], false);
    let text = h.metrics();
    assert!(text.contains("venuecode_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/v1/authority\""), "{text}");
    // Scrapes on the metrics listener are not counted; nothing else is being served.
    assert!(
        text.contains("venuecode_http_requests_in_flight 0\n"),
        "{text}"
    );
    assert_eq!(h.in_flight(), 0);
    let r = h.get("/v1/nothing-here");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
}

#[test]
fn venue_registration_update_revocation_and_stats() {
    let h = Harness::start();
    let key = SigningKey::generate().unwrap();
    let body = Harness::registration(&key, "Noodle House", 620_105, true);
    let r = h.signed(&key, "POST", "/v1/venues", &body);
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("content-type").unwrap(),
        "application/octet-stream"
    );
    let cert = VenueCertificate::decode(&r.body).unwrap();
    cert.verify_signature(&anchors(&h)).unwrap();
    cert.check_validity(UnixMinute::new((now() / 60) as u32))
        .unwrap();
    // A phone whose clock is a few minutes behind accepts it too.
    cert.check_validity(UnixMinute::new((now() / 60) as u32 - 5))
        .unwrap();
    assert_eq!(
        cert.body().valid_until - cert.body().valid_from,
        365 * 1440 + 20
    );
    assert_eq!(cert.body().venue_key, key.public_key());
    assert_eq!(cert.info().name(), "Noodle House");
    let serial = cert.serial();

    // Fetch again.
    let r = h.get(&format!("/v1/venues/{serial}"));
    assert_eq!((r.status, &r.body), (200, &cert.encode()));

    // Errors: pledge, malformed, wrong key in the envelope, unknown and bad serial.
    let no_pledge = Harness::registration(&key, "Noodle House", 620_105, false);
    let r = h.signed(&key, "POST", "/v1/venues", &no_pledge);
    assert_eq!((r.status, r.code().as_str()), (403, "pledge_missing"));
    let r = h.signed(&key, "POST", "/v1/venues", b"\x01garbage");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let r = h.get("/v1/venues/999");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = h.get("/v1/venues/abc");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));

    // Update: new serial, the old one superseded and resolving to the new certificate.
    let path = format!("/v1/venues/{serial}");
    let upd = Harness::registration(&key, "Noodle House II", 620_105, true);
    let r = h.signed(&key, "PUT", &path, &upd);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let new_cert = VenueCertificate::decode(&r.body).unwrap();
    assert_ne!(new_cert.serial(), serial);
    assert_eq!(new_cert.info().name(), "Noodle House II");
    assert_eq!(h.get(&path).body, new_cert.encode());
    // The old serial can no longer be updated or revoked.
    let r = h.signed(&key, "PUT", &path, &upd);
    assert_eq!((r.status, r.code().as_str()), (409, "revoked"));
    let r = h.signed(&key, "POST", &format!("{path}/revoke"), b"");
    assert_eq!((r.status, r.code().as_str()), (409, "revoked"));
    // An update must keep the key.
    let new_path = format!("/v1/venues/{}", new_cert.serial());
    let other = SigningKey::generate().unwrap();
    let swapped = Harness::registration(&other, "Noodle House II", 620_105, true);
    let r = h.signed(&key, "PUT", &new_path, &swapped);
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let no_pledge = Harness::registration(&key, "Noodle House II", 620_105, false);
    let r = h.signed(&key, "PUT", &new_path, &no_pledge);
    assert_eq!((r.status, r.code().as_str()), (403, "pledge_missing"));
    let r = h.signed(&key, "PUT", "/v1/venues/999", &upd);
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));

    // The venue revokes its new certificate.
    let r = h.signed(&key, "POST", &format!("{new_path}/revoke"), b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["sequence"], 2);
    let r = h.signed(&key, "POST", &format!("{new_path}/revoke"), b"");
    assert_eq!((r.status, r.code().as_str()), (409, "revoked"));
    let r = h.signed(&key, "POST", "/v1/venues/999/revoke", b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));

    // The RA disables another venue.
    let (_, other_serial) = h.register("Tea Room");
    let dpath = format!("/v1/admin/venues/{other_serial}/disable");
    let r = h.signed(&h.admin, "POST", &dpath, b"");
    assert_eq!((r.status, r.json()["sequence"].as_u64()), (200, Some(3)));
    let r = h.signed(&h.admin, "POST", &dpath, b"");
    assert_eq!((r.status, r.code().as_str()), (409, "revoked"));
    let r = h.signed(&h.admin, "POST", "/v1/admin/venues/999/disable", b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));

    // Revocation list: full, then after a cursor; RA-signed.
    let r = h.get("/v1/revocations");
    assert_eq!(r.status, 200);
    let list = RevocationList::decode(&r.body).unwrap();
    list.verify(&anchors(&h)).unwrap();
    let b = list.body();
    assert_eq!((b.after, b.up_to, b.head, b.entries.len()), (0, 3, 3, 3));
    let got: Vec<(u64, u8)> = b.entries.iter().map(|e| (e.serial, e.reason.0)).collect();
    assert_eq!(
        got,
        vec![(serial, 3), (new_cert.serial(), 1), (other_serial, 2)]
    );
    let list = RevocationList::decode(&h.get("/v1/revocations?after=2").body).unwrap();
    list.verify(&anchors(&h)).unwrap();
    assert_eq!(list.body().entries.len(), 1);
    assert_eq!(list.body().entries[0].serial, other_serial);
    let r = h.get("/v1/revocations?after=9");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let r = h.get("/v1/revocations?after=x");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));

    // A page is signed once a minute per cursor and head: phones polling with the same cursor
    // cost no signature each, and a new revocation is in the very next page.
    let signed = |h: &Harness| -> u64 {
        h.metrics()
            .lines()
            .find_map(|l| {
                l.strip_prefix("venuecode_events_total{event=\"revocation_page_signed\"} ")
            })
            .map_or(0, |n| n.trim().parse().unwrap())
    };
    let before = signed(&h);
    for _ in 0..6 {
        let page = h.get("/v1/revocations?after=3").body;
        RevocationList::decode(&page)
            .unwrap()
            .verify(&anchors(&h))
            .unwrap();
    }
    let polls = signed(&h) - before;
    assert!(
        (1..=2).contains(&polls),
        "{polls} signatures for six polls within at most two minutes"
    );
    let (revoked_key, revoked_serial) = h.register("Closing Shop");
    let r = h.signed(
        &revoked_key,
        "POST",
        &format!("/v1/venues/{revoked_serial}/revoke"),
        b"",
    );
    assert_eq!(r.status, 200);
    let list = RevocationList::decode(&h.get("/v1/revocations?after=3").body).unwrap();
    list.verify(&anchors(&h)).unwrap();
    let b = list.body();
    assert_eq!((b.after, b.head, b.entries.len()), (3, 4, 1));
    assert_eq!(b.entries[0].serial, revoked_serial);

    // Stats: one current certificate per venue, superseded ones not counted.
    h.register("Active Place");
    let s = h.get("/v1/stats/venues").json();
    assert_eq!(
        s["by_region"],
        serde_json::json!([{"region": 620105, "category": "restaurant", "active": 1, "revoked": 3}])
    );
}

#[test]
fn exposure_batches_are_stored_once_and_cacheable() {
    // Both batches are posted on one UTC day, the day by_day must name: a run across
    // midnight is run again (testkit::clock).
    on_one_day(|day| {
        let h = Harness::start();
        let (bytes, head) = Harness::batch_at(&h.ha, venuecode_protocol::ChainHead::GENESIS);
        let r = h.signed(&h.ha, "POST", "/v1/batches", &bytes);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        assert_eq!(j["sequence"], 1);
        let records = j["records"].as_u64().unwrap();
        assert!(records >= 2);

        let r = h.signed(&h.ha, "POST", "/v1/batches", &bytes);
        assert_eq!((r.status, r.code().as_str()), (409, "duplicate"));
        let r = h.signed(&h.ha, "POST", "/v1/batches", b"\x01\x02");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
        // A batch signed by an untrusted key, posted by a trusted one.
        let rogue = SigningKey::generate().unwrap();
        let r = h.signed(&h.ha, "POST", "/v1/batches", &Harness::batch(&rogue));
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
        // A tampered batch.
        let mut tampered = Harness::batch(&h.ha);
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let r = h.signed(&h.ha, "POST", "/v1/batches", &tampered);
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));

        let (second, _) = Harness::batch_at(&h.ha, head);
        assert_eq!(
            h.signed(&h.ha, "POST", "/v1/batches", &second).json()["sequence"],
            2
        );

        let list = h.get("/v1/batches?after=0").json();
        assert_eq!(list["latest"], 2);
        let items = list["batches"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["size"], bytes.len());
        assert_eq!(items[0]["records"], records);
        let list = h.get("/v1/batches?after=1").json();
        assert_eq!(list["batches"].as_array().unwrap().len(), 1);
        assert_eq!(list["batches"][0]["sequence"], 2);
        assert_eq!(
            h.get("/v1/batches").json()["batches"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let r = h.get("/v1/batches?after=-1");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));

        let r = h.get("/v1/batches/1");
        assert_eq!((r.status, &r.body), (200, &bytes));
        let etag = r.header("etag").unwrap();
        assert_eq!(etag, items[0]["etag"].as_str().unwrap());
        assert_eq!(
            etag,
            format!(
                "\"{}\"",
                hex::encode(venuecode_protocol::hash::sha256(&[&bytes]))
            )
        );
        assert_eq!(
            r.header("cache-control").unwrap(),
            "public, max-age=31536000, immutable"
        );
        let r = h.request(
            "GET",
            "/v1/batches/1",
            &[("if-none-match", etag.clone())],
            b"",
        );
        assert_eq!(r.status, 304);
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag").unwrap(), etag);
        let r = h.request(
            "GET",
            "/v1/batches/1",
            &[("if-none-match", format!("\"00\", W/{etag}"))],
            b"",
        );
        assert_eq!(r.status, 304);
        let r = h.request(
            "GET",
            "/v1/batches/1",
            &[("if-none-match", "\"00\"".into())],
            b"",
        );
        assert_eq!(r.status, 200);
        let r = h.get("/v1/batches/7");
        assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
        let r = h.get("/v1/batches/x");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));

        let s = h.get("/v1/stats/exposures").json();
        let days = s["by_day"].as_array().unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!(days[0]["day"], u64::from(day));
        assert_eq!(days[0]["batches"], 2);
    });
}

#[test]
fn the_ha_cancels_an_unused_tan_and_an_upload_with_it_is_refused() {
    let h = Harness::start();
    let exp = now() + 3600;
    h.register_tans(&[
        ("CANCEL-TAN-001", exp, "case"),
        ("USED-TAN-00001", exp, "case"),
    ]);
    let path = |tan: &str| {
        format!(
            "/v1/tans/{}",
            venuecode_protocol::envelope::tan_hash_hex(tan).unwrap()
        )
    };
    let status = h.signed(&h.ha, "GET", &path("CANCEL-TAN-001"), b"");
    assert_eq!(status.status, 200);
    let v = status.json();
    assert_eq!(
        (
            v["purpose"].as_str(),
            v["used"].as_bool(),
            v["cancelled"].as_bool()
        ),
        (Some("case"), Some(false), Some(false))
    );
    assert_eq!(v["expires_at"], exp);
    // Only the HA may cancel.
    let (venue, _) = h.register("Not The HA Cafe");
    let r = h.request("DELETE", &path("CANCEL-TAN-001"), &[], b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_missing"));
    // Nor may a stranger read a TAN's state.
    let r = h.request("GET", &path("CANCEL-TAN-001"), &[], b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_missing"));
    let r = h.signed(&venue, "GET", &path("CANCEL-TAN-001"), b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    let r = h.signed(&venue, "DELETE", &path("CANCEL-TAN-001"), b"");
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    let r = h.signed(&h.ha, "DELETE", &path("CANCEL-TAN-001"), b"");
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let v = h.signed(&h.ha, "GET", &path("CANCEL-TAN-001"), b"").json();
    assert_eq!(v["cancelled"], true);
    // An upload with it is refused with the documented code, and nothing is stored.
    let r = h.upload("CANCEL-TAN-001", &h.case_upload());
    assert_eq!((r.status, r.code().as_str()), (410, "tan_cancelled"));
    assert_eq!(
        h.signed(&h.ha, "GET", "/v1/uploads", b"").json()["uploads"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Twice, a used TAN, an unknown one and a malformed hash: each its own answer.
    let r = h.signed(&h.ha, "DELETE", &path("CANCEL-TAN-001"), b"");
    assert_eq!((r.status, r.code().as_str()), (410, "tan_cancelled"));
    assert_eq!(h.upload("USED-TAN-00001", &h.case_upload()).status, 201);
    let r = h.signed(&h.ha, "DELETE", &path("USED-TAN-00001"), b"");
    assert_eq!((r.status, r.code().as_str()), (409, "tan_used"));
    let r = h.signed(&h.ha, "DELETE", &path("NEVER-ISSUED-1"), b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = h.signed(&h.ha, "GET", &path("NEVER-ISSUED-1"), b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = h.signed(&h.ha, "DELETE", "/v1/tans/not-a-hash", b"");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
}

#[test]
fn tans_and_uploads() {
    let h = Harness::start();
    let exp = now() + 3600;
    // The server refuses a TAN that has already expired when it is registered: a short life
    // of two seconds could end (from just under one) before a loaded machine sent it.
    let short = now() + 6;
    let r = h.register_tans(&[
        ("CASE-TAN-0001", exp, "case"),
        ("GUEST-TAN-001", exp, "guestbook"),
        ("SEEDS-TAN-001", exp, "seeds"),
        ("SHORT-LIVED-1", short, "case"),
    ]);
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["registered"], 4);
    // Registering again changes nothing, and cannot revive a used TAN.
    assert_eq!(
        h.register_tans(&[("CASE-TAN-0001", exp, "case")]).json()["registered"],
        0
    );

    // Bad registrations.
    for bad in [
        serde_json::json!({"tans": [{"hash": "zz", "expires_at": exp, "purpose": "case"}]}),
        serde_json::json!({"tans": [{"hash": "00".repeat(32), "expires_at": exp, "purpose": "party"}]}),
        serde_json::json!({"tans": [{"hash": "00".repeat(32), "expires_at": 5, "purpose": "case"}]}),
        serde_json::json!({"tans": [{"hash": "00".repeat(32), "expires_at": now() + 400 * 86400, "purpose": "case"}]}),
        serde_json::json!({"nope": 1}),
    ] {
        let body = serde_json::to_vec(&bad).unwrap();
        let r = h.signed(&h.ha, "POST", "/v1/tans", &body);
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{bad}");
    }

    // A body that does not decode as the TAN's purpose is refused without spending the TAN.
    let r = h.upload("CASE-TAN-0001", &h.guestbook_upload());
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let case = h.case_upload();
    let r = h.upload("CASE-TAN-0001", &case);
    assert_eq!(r.status, 201);
    let case_id = r.json()["id"].as_u64().unwrap();
    let r = h.upload("CASE-TAN-0001", &case);
    assert_eq!((r.status, r.code().as_str()), (409, "tan_used"));
    let r = h.upload("NEVER-ISSUED-1", &case);
    assert_eq!((r.status, r.code().as_str()), (403, "tan_unknown"));
    let r = h.upload("short", &case);
    assert_eq!((r.status, r.code().as_str()), (403, "tan_unknown"));
    let r = h.request("POST", "/v1/uploads", &[], &case);
    assert_eq!((r.status, r.code().as_str()), (403, "tan_unknown"));
    // The header carries the TAN's hash, never the TAN: the TAN itself (under the old header
    // or the new one) and an uppercase hash are refused, and a registered TAN stays unused.
    h.register_tans(&[("HEADER-TAN-001", now() + 3600, "case")]);
    let hash = venuecode_protocol::envelope::tan_hash_hex("HEADER-TAN-001").unwrap();
    for (name, value) in [
        ("venuecode-tan", "HEADER-TAN-001".to_owned()),
        ("venuecode-tan-hash", "HEADER-TAN-001".to_owned()),
        ("venuecode-tan-hash", hash.to_uppercase()),
        ("venuecode-tan-hash", hash[..62].to_owned()),
    ] {
        let r = h.request("POST", "/v1/uploads", &[(name, value.clone())], &case);
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "tan_unknown"),
            "{name}: {value}"
        );
    }
    let r = h.request(
        "POST",
        "/v1/uploads",
        &[("venuecode-tan-hash", hash)],
        &case,
    );
    assert_eq!(r.status, 201);

    let guest = h.guestbook_upload();
    assert_eq!(h.upload("GUEST-TAN-001", &guest).status, 201);
    let (venue, serial) = h.register("Guest Venue");
    let seeds = h.seeds_upload(&venue, serial);
    assert_eq!(h.upload("SEEDS-TAN-001", &seeds).status, 201);

    // Expiry: wait (at most six seconds) until the short-lived TAN is past.
    while now() < short {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let r = h.upload("SHORT-LIVED-1", &case);
    assert_eq!((r.status, r.code().as_str()), (410, "tan_expired"));

    // The HA lists, fetches and deletes.
    let list = h.signed(&h.ha, "GET", "/v1/uploads", b"").json();
    let items = list["uploads"].as_array().unwrap();
    let purposes: Vec<&str> = items
        .iter()
        .map(|u| u["purpose"].as_str().unwrap())
        .collect();
    // The second case upload is the one sent with the hash of HEADER-TAN-001.
    assert_eq!(purposes, ["case", "case", "guestbook", "seeds"]);
    assert_eq!(items[0]["size"], case.len());
    let path = format!("/v1/uploads/{case_id}");
    let r = h.signed(&h.ha, "GET", &path, b"");
    assert_eq!((r.status, &r.body), (200, &case));
    let r = h.signed(&h.ha, "DELETE", &path, b"");
    assert_eq!(r.status, 204);
    let r = h.signed(&h.ha, "GET", &path, b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = h.signed(&h.ha, "DELETE", &path, b"");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let r = h.signed(&h.ha, "GET", "/v1/uploads/x", b"");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    assert_eq!(
        h.signed(&h.ha, "GET", "/v1/uploads", b"").json()["uploads"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn a_tan_works_once_under_concurrent_use() {
    let h = std::sync::Arc::new(Harness::start());
    assert_eq!(
        h.register_tans(&[("RACE-TAN-0001", now() + 600, "case")])
            .status,
        201
    );
    let body = h.case_upload();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(12));
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let (h, body, barrier) = (h.clone(), body.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                h.upload("RACE-TAN-0001", &body).status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses[0], 201);
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    let list = h.signed(&h.ha, "GET", "/v1/uploads", b"").json();
    assert_eq!(list["uploads"].as_array().unwrap().len(), 1);
}

#[test]
fn counts_are_off_by_default() {
    let h = Harness::start();
    let r = h.request("POST", "/v1/counts", &[], &Harness::ping([1; 8], [1; 16]));
    assert_eq!((r.status, r.code().as_str()), (404, "counts_disabled"));
    let r = h.get(&format!(
        "/v1/counts?key_id={}&tag={}",
        "01".repeat(8),
        "01".repeat(16)
    ));
    assert_eq!((r.status, r.code().as_str()), (404, "counts_disabled"));
    let (key, serial) = h.register("Counting Venue");
    let today = (now() / 86_400) as u32;
    let r = h.signed(
        &key,
        "POST",
        &format!("/v1/venues/{serial}/count-tags"),
        &Harness::count_tags(&[(today, [1; 16])]),
    );
    assert_eq!((r.status, r.code().as_str()), (404, "counts_disabled"));
}

#[test]
fn counts_when_enabled() {
    // Tags are filed for the test's today and pings counted on the server's: a run
    // across UTC midnight is run again (testkit::clock).
    on_one_day(|day| {
        let h = Harness::start_with(|c| c.counts = true);
        assert_eq!(h.get("/v1/authority").json()["counts_enabled"], true);
        let (a, b) = ([0xaa; 16], [0xbb; 16]);
        // The venue files its tags under its key, for its local day; then pings count.
        let (key, serial, id) = h.counting_venue("Counting Venue", &[a, b]);
        let ping = |tag: [u8; 16]| h.request("POST", "/v1/counts", &[], &Harness::ping(id, tag));
        for _ in 0..3 {
            let r = ping(a);
            assert_eq!((r.status, r.json()["accepted"].as_u64()), (202, Some(1)));
        }
        assert_eq!(ping(b).json()["accepted"], 1);
        // An unregistered tag, or a registered tag under another key: same status, not counted.
        let r = ping([0xcc; 16]);
        assert_eq!((r.status, r.json()["accepted"].as_u64()), (202, Some(0)));
        let r = h.request("POST", "/v1/counts", &[], &Harness::ping([9; 8], a));
        assert_eq!((r.status, r.json()["accepted"].as_u64()), (202, Some(0)));
        let r = h.request("POST", "/v1/counts", &[], b"\x02\x00\x00");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
        let r = h.request("POST", "/v1/counts", &[], &[0u8; 26]);
        assert_eq!((r.status, r.code().as_str()), (413, "too_large"));

        let today = u64::from(day);
        let q = |tag: [u8; 16], range: &str| {
            h.get(&format!(
                "/v1/counts?key_id={}&tag={}{range}",
                hex::encode(id),
                hex::encode(tag)
            ))
            .json()
        };
        assert_eq!(
            q(a, &format!("&from={today}&to={today}"))["counts"],
            serde_json::json!([{"epoch": today, "count": 3}])
        );
        assert_eq!(
            q(b, "")["counts"],
            serde_json::json!([{"epoch": today, "count": 1}])
        );
        assert_eq!(
            q(a, &format!("&from={}&to={}", today - 3, today - 1))["counts"],
            serde_json::json!([])
        );
        for bad in [
            format!("?key_id={}&tag=zz", "00".repeat(8)),
            format!("?tag={}", "00".repeat(16)),
            format!("?key_id=00&tag={}", "00".repeat(16)),
            "?from=1".to_owned(),
            format!(
                "?key_id={}&tag={}&from=9&to=1",
                "00".repeat(8),
                "00".repeat(16)
            ),
        ] {
            let r = h.get(&format!("/v1/counts{bad}"));
            assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{bad}");
        }

        // Registration: binary, venue-signed, epochs within the venue's local window.
        let path = format!("/v1/venues/{serial}/count-tags");
        let t = today as u32;
        let r = h.signed(&key, "POST", &path, &Harness::count_tags(&[(t, a)]));
        assert_eq!((r.status, r.json()["registered"].as_u64()), (201, Some(0)));
        let r = h.signed(
            &key,
            "POST",
            &path,
            &Harness::count_tags(&[(t + 1, [0xdd; 16])]),
        );
        assert_eq!((r.status, r.json()["registered"].as_u64()), (201, Some(1)));
        for epoch in [t + 2, t - 15] {
            let r = h.signed(
                &key,
                "POST",
                &path,
                &Harness::count_tags(&[(epoch, [0xee; 16])]),
            );
            assert_eq!((r.status, r.code().as_str()), (400, "malformed"), "{epoch}");
        }
        let r = h.signed(&key, "POST", &path, b"{\"tags\": 3}");
        assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
        let body = Harness::count_tags(&[(t, a)]);
        let r = h.signed(&key, "POST", "/v1/venues/999/count-tags", &body);
        assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
        // Another venue's key cannot register for this serial.
        let (other, _) = h.register("Other Venue");
        let r = h.signed(&other, "POST", &path, &body);
        assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
        let s = h.get("/v1/stats/counts").json();
        assert_eq!(
            s["rows"],
            serde_json::json!([
                {"region": 620105, "category": "restaurant", "epoch": today, "count": 4},
                {"region": 620105, "category": "restaurant", "epoch": today + 1, "count": 0},
            ])
        );
    });
}

#[test]
fn count_tags_cannot_be_squatted_by_another_venue() {
    // Tags filed for today count only today's pings: a run across UTC midnight is run
    // again (testkit::clock).
    on_one_day(|_day| {
        let h = Harness::start_with(|c| c.counts = true);
        let tag = [0x42; 16];
        let (_, _, first) = h.counting_venue("First Venue", &[tag]);
        // A second venue registers the very same tag: it gets a row under its own key only.
        let (_, _, squatter) = h.counting_venue("Squatter", &[tag]);
        let ping = |id: [u8; 8]| {
            h.request("POST", "/v1/counts", &[], &Harness::ping(id, tag))
                .json()["accepted"]
                .as_u64()
        };
        assert_eq!(ping(first), Some(1));
        assert_eq!(ping(first), Some(1));
        assert_eq!(ping(squatter), Some(1));
        let count = |id: [u8; 8]| {
            h.get(&format!(
                "/v1/counts?key_id={}&tag={}",
                hex::encode(id),
                hex::encode(tag)
            ))
            .json()["counts"][0]["count"]
                .as_u64()
        };
        assert_eq!((count(first), count(squatter)), (Some(2), Some(1)));
    });
}

#[test]
fn everything_acknowledged_survives_a_restart() {
    // Tags filed for today count only today's pings: a run across UTC midnight is run
    // again (testkit::clock).
    on_one_day(|_day| {
        let mut h = Harness::start_with(|c| c.counts = true);
        let (key, serial, key_id) = h.counting_venue("Durable Venue", &[[7; 16]]);
        let cert = h.get(&format!("/v1/venues/{serial}")).body;
        let (batch, head) = Harness::batch_at(&h.ha, venuecode_protocol::ChainHead::GENESIS);
        assert_eq!(h.signed(&h.ha, "POST", "/v1/batches", &batch).status, 201);
        assert_eq!(
            h.register_tans(&[
                ("DURABLE-TAN-1", now() + 600, "case"),
                ("DURABLE-TAN-2", now() + 600, "case")
            ])
            .status,
            201
        );
        let upload = h.case_upload();
        assert_eq!(h.upload("DURABLE-TAN-1", &upload).status, 201);
        let revoke_path = format!("/v1/venues/{serial}/revoke");
        let revoke_sig = Harness::sig(&key, "POST", &revoke_path, b"", now());
        assert_eq!(
            h.request("POST", &revoke_path, std::slice::from_ref(&revoke_sig), b"")
                .status,
            200
        );
        assert_eq!(
            h.request("POST", "/v1/counts", &[], &Harness::ping(key_id, [7; 16]))
                .json()["accepted"],
            1
        );

        h.restart();

        assert_eq!(h.get(&format!("/v1/venues/{serial}")).body, cert);
        assert_eq!(h.get("/v1/batches/1").body, batch);
        let list = RevocationList::decode(&h.get("/v1/revocations").body).unwrap();
        assert_eq!(list.body().entries[0].serial, serial);
        let uploads = h.signed(&h.ha, "GET", "/v1/uploads", b"").json();
        let id = uploads["uploads"][0]["id"].as_u64().unwrap();
        assert_eq!(
            h.signed(&h.ha, "GET", &format!("/v1/uploads/{id}"), b"")
                .body,
            upload
        );
        // A used TAN stays used, an unused one still works, counters continue.
        assert_eq!(h.upload("DURABLE-TAN-1", &upload).status, 409);
        assert_eq!(h.upload("DURABLE-TAN-2", &upload).json()["id"], id + 1);
        // The chain head survived: a new first batch is refused, the next one accepted.
        let r = h.signed(&h.ha, "POST", "/v1/batches", &Harness::batch(&h.ha));
        assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
        let (next, _) = Harness::batch_at(&h.ha, head);
        assert_eq!(
            h.signed(&h.ha, "POST", "/v1/batches", &next).json()["sequence"],
            2
        );
        let counts = h
            .get(&format!(
                "/v1/counts?key_id={}&tag={}",
                hex::encode(key_id),
                "07".repeat(16)
            ))
            .json();
        assert_eq!(counts["counts"][0]["count"], 1);
        // Nonces are persisted: a request captured before the restart is still a replay.
        let r = h.request("POST", &revoke_path, &[revoke_sig], b"");
        assert_eq!((r.status, r.code().as_str()), (401, "replayed"));
    });
}

#[test]
fn the_background_job_deletes_expired_data() {
    use venuecode_server::storage::{NewBatch, NewTan, UploadPurpose};
    use venuecode_server::{RedbStorage, Storage};
    let mut h = Harness::start_with(|c| c.retention_interval_secs = 1);
    let fresh = Harness::batch(&h.ha);
    assert_eq!(h.signed(&h.ha, "POST", "/v1/batches", &fresh).status, 201);
    h.stop();
    // Plant data from twenty days ago directly in the store.
    let old = now() - 20 * 86_400;
    {
        let store = RedbStorage::open(&h.data_dir()).unwrap();
        let head = store.chain_head().unwrap();
        store
            .insert_batch(&NewBatch {
                sequence: head.sequence + 1,
                previous: head.link,
                link: [9; 32],
                batch_id: [9; 16],
                digest: [9; 32],
                records: 1,
                received_at: old,
                bytes: b"old batch",
            })
            .unwrap();
        let tan = NewTan {
            hash: [9; 32],
            expires_at: old + 3600,
            purpose: UploadPurpose::Case,
        };
        store.register_tans(&[tan], old).unwrap();
        store
            .consume_tan(&[9; 32], old + 60, b"old upload")
            .unwrap();
    }
    h.launch();
    // The first pass runs at start; a loaded machine may take a while to get to it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.get("/v1/batches/2").status != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the old batch was not deleted"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(h.get("/v1/batches/1").body, fresh);
    let uploads = h.signed(&h.ha, "GET", "/v1/uploads", b"").json();
    assert_eq!(uploads["uploads"], serde_json::json!([]));
    assert_eq!(h.get("/v1/batches").json()["latest"], 2);
}

#[test]
fn the_service_runs_on_any_storage_backend() {
    use std::sync::Arc;
    use venuecode_server::storage::MemoryStorage;
    use venuecode_server::{Config, Keys, Server};
    let ra = SigningKey::generate().unwrap();
    let ha = SigningKey::generate().unwrap();
    let keys = Keys {
        ra: ra.clone(),
        admin: None,
        ha: vec![ha.public_key()],
        ha_encryption: None,
    };
    // Key paths are not read by `bind_with`.
    let config = Config::new("unused".into(), "unused".into(), vec![]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(Server::bind_with(
            config,
            keys,
            Arc::new(MemoryStorage::new()),
        ))
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(server.run(async {
        let _ = stopped.await;
    }));
    let client = std::thread::spawn(move || {
        let venue = SigningKey::generate().unwrap();
        let body = Harness::registration(&venue, "Memory Cafe", 620_105, true);
        let sig =
            venuecode_protocol::RequestEnvelope::sign(&venue, "POST", "/v1/venues", &body, now())
                .unwrap()
                .to_header();
        let mut r = ureq::post(&format!("http://{addr}/v1/venues"))
            .header("venuecode-signature", &sig)
            .send(&body[..])
            .unwrap();
        let cert = VenueCertificate::decode(&r.body_mut().read_to_vec().unwrap()).unwrap();
        let mut r = ureq::get(&format!("http://{addr}/v1/venues/{}", cert.serial()))
            .call()
            .unwrap();
        assert_eq!(r.body_mut().read_to_vec().unwrap(), cert.encode());
        cert
    });
    // The current-thread runtime serves while the client thread works.
    let cert = rt.block_on(async {
        loop {
            if client.is_finished() {
                break client.join().unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    });
    assert_eq!(cert.info().name(), "Memory Cafe");
    let _ = stop.send(());
    rt.block_on(task).unwrap().unwrap();
}
