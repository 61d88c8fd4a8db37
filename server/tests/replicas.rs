//! Two server replicas sharing one PostgreSQL database, driven over HTTP: whatever one accepts,
//! the other knows. A TAN used on one is refused on the other, batches posted to either are
//! listed by both under consecutive sequence numbers, and a signed request seen by one is a
//! replay on the other.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;
mod pg;

use common::{now, Harness};
use venuecode_protocol::{Codec, RevocationList, TrustAnchors};

/// Two servers on one fresh database, with the same keys (the second reads the first's files).
fn pair(db: &pg::TestDb) -> (Harness, Harness) {
    let url = db.url.clone();
    let a = Harness::start_with(|c| c.postgres_url = Some(url.clone()));
    let b = Harness::start_with(|c| {
        c.postgres_url = Some(url);
        c.ra_key = a.config.ra_key.clone();
        c.admin_key = a.config.admin_key.clone();
        c.ha_keys = a.config.ha_keys.clone();
        c.ha_encryption_key = a.config.ha_encryption_key.clone();
    });
    (a, b)
}

#[test]
fn a_tan_used_on_one_replica_is_refused_on_the_other() {
    let db = pg::TestDb::new();
    let (a, b) = pair(&db);
    let exp = now() + 3600;
    let r = a.register_tans(&[
        ("SHARED-TAN-01", exp, "case"),
        ("SHARED-TAN-02", exp, "case"),
    ]);
    assert_eq!((r.status, r.json()["registered"].as_u64()), (201, Some(2)));

    let upload = a.case_upload();
    let r = b.upload("SHARED-TAN-01", &upload);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let first = r.json()["id"].as_u64().unwrap();
    let r = a.upload("SHARED-TAN-01", &upload);
    assert_eq!((r.status, r.code().as_str()), (409, "tan_used"));
    let r = b.upload("SHARED-TAN-01", &upload);
    assert_eq!((r.status, r.code().as_str()), (409, "tan_used"));

    // The other TAN works once, on whichever replica gets it first; ids continue.
    let r = a.upload("SHARED-TAN-02", &upload);
    assert_eq!((r.status, r.json()["id"].as_u64()), (201, Some(first + 1)));
    assert_eq!(b.upload("SHARED-TAN-02", &upload).status, 409);

    // Concurrent uploads with one TAN, spread over both replicas: exactly one is stored.
    assert_eq!(
        a.register_tans(&[("RACED-TAN-001", exp, "case")]).status,
        201
    );
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (h, upload) = (if i % 2 == 0 { &a } else { &b }, &upload);
                scope.spawn(move || h.upload("RACED-TAN-001", upload).status)
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );

    // Either replica serves either upload to the HA.
    for id in [first, first + 1] {
        let path = format!("/v1/uploads/{id}");
        let r = b.signed(&a.ha, "GET", &path, b"");
        assert_eq!((r.status, &r.body), (200, &upload));
    }
}

#[test]
fn batches_posted_to_either_replica_are_listed_by_both_in_sequence() {
    let db = pg::TestDb::new();
    let (a, b) = pair(&db);
    let mut posted = Vec::new();
    let mut head = venuecode_protocol::ChainHead::GENESIS;
    for i in 0..6 {
        let to = if i % 2 == 0 { &a } else { &b };
        let (bytes, next) = Harness::batch_at(&a.ha, head);
        head = next;
        let r = to.signed(&a.ha, "POST", "/v1/batches", &bytes);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["sequence"].as_u64(), Some(i + 1));
        posted.push(bytes);
    }
    // A batch already stored through one replica is a duplicate on the other, and a fork of
    // the head stored through one is refused by the other.
    let r = b.signed(&a.ha, "POST", "/v1/batches", &posted[0]);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate"));
    let r = b.signed(&a.ha, "POST", "/v1/batches", &Harness::batch(&a.ha));
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));

    for h in [&a, &b] {
        let list = h.get("/v1/batches?after=0").json();
        assert_eq!(list["latest"], 6);
        let seqs: Vec<u64> = list["batches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["sequence"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
        for (i, bytes) in posted.iter().enumerate() {
            let r = h.get(&format!("/v1/batches/{}", i + 1));
            assert_eq!((r.status, &r.body), (200, bytes));
        }
    }
    // Both stop cleanly, closing their connections.
    let (mut a, mut b) = (a, b);
    a.stop();
    b.stop();
}

#[test]
fn a_request_seen_by_one_replica_is_a_replay_on_the_other() {
    let db = pg::TestDb::new();
    let (a, b) = pair(&db);
    let body = serde_json::to_vec(&serde_json::json!({
        "tans": [{
            "hash": hex::encode([5u8; 32]),
            "expires_at": now() + 3600,
            "purpose": "case",
        }]
    }))
    .unwrap();
    // One signature (one nonce), sent to both replicas: registering TANs is idempotent, so only
    // the nonce can tell the second request apart.
    let sig = Harness::sig(&a.ha, "POST", "/v1/tans", &body, now());
    let r = a.request("POST", "/v1/tans", std::slice::from_ref(&sig), &body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = b.request("POST", "/v1/tans", std::slice::from_ref(&sig), &body);
    assert_eq!((r.status, r.code().as_str()), (401, "replayed"));
    let r = a.request("POST", "/v1/tans", &[sig], &body);
    assert_eq!((r.status, r.code().as_str()), (401, "replayed"));
    // A fresh signature works on either.
    let r = b.signed(&a.ha, "POST", "/v1/tans", &body);
    assert_eq!((r.status, r.json()["registered"].as_u64()), (201, Some(0)));
}

#[test]
fn venues_and_revocations_are_shared() {
    let db = pg::TestDb::new();
    let (a, b) = pair(&db);
    let (key_a, serial_a) = a.register("Noodle House");
    let (_, serial_b) = b.register("Tea Room");
    assert_eq!((serial_a, serial_b), (1, 2), "serials are allocated once");
    let r = b.get(&format!("/v1/venues/{serial_a}"));
    assert_eq!(r.status, 200);
    // The venue revokes itself through replica B; replica A's log shows it.
    let path = format!("/v1/venues/{serial_a}/revoke");
    let r = b.signed(&key_a, "POST", &path, b"");
    assert!(
        r.status < 300,
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    let r = a.get("/v1/revocations?after=0");
    assert_eq!(r.status, 200);
    let list = RevocationList::decode(&r.body).unwrap();
    list.verify(&TrustAnchors::new(a.ra.public_key(), a.ha.public_key()))
        .unwrap();
    let body = list.body();
    assert_eq!((body.up_to, body.entries.len()), (1, 1));
    assert_eq!(body.entries[0].serial, serial_a);
    let r = a.signed(&key_a, "POST", &path, b"");
    assert_eq!((r.status, r.code().as_str()), (409, "revoked"));
}
