//! Every JSON answer of the server reads as its type in `venuecode_protocol::api`, the one
//! the client library, the CLI and the in-memory server read: a renamed or retyped field fails
//! here. Error answers read as `ErrorBody`, with a code of the documented list and the status
//! that code is documented with.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::clock::on_one_day;
use venuecode_testkit::server as common;

use common::{now, Harness, Resp};
use serde::de::DeserializeOwned;
use venuecode_protocol::api::{
    AuthorityInfo, BatchListing, BatchStored, CheckpointStored, CountAccepted, CountListing,
    CountStats, ErrorBody, ErrorCode, ExposureStats, PendingRegistrations, PendingState,
    Registered, RegistrationHeld, RegistrationRefused, RegistrationWaiting, RevocationAdded,
    TanStatus, UploadListing, UploadStored, VenueStats,
};
use venuecode_protocol::{ChainHead, Codec, ExposureBatch, SigningKey};

/// The body as `T`, failing on any field the type does not have (or lacks).
fn read<T: DeserializeOwned>(r: &Resp, status: u16) -> T {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{e}: {} does not read as {}",
            value,
            std::any::type_name::<T>()
        )
    });
    typed
}

/// An error answer: a documented code, answered with its documented status.
fn error(r: &Resp, code: ErrorCode) {
    let body: ErrorBody = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body.error, code, "{}", body.message);
    assert_eq!(r.status, code.status(), "{code}");
    assert!(!body.message.is_empty());
}

#[test]
fn every_json_answer_reads_as_its_contract_type() {
    // Tags filed for today count only today's pings: a run across UTC midnight is run
    // again (testkit::clock).
    on_one_day(|day| {
        let h = Harness::start_with(|c| c.counts = true);

        let a: AuthorityInfo = read(&h.get("/v1/authority"), 200);
        assert_eq!(a.ra_key_id, h.ra.key_id().to_hex());
        assert!(a.counts_enabled);
        assert_eq!(a.retention_days, Some(h.config.retention_days));
        assert_eq!(a.ha_signing_keys.len(), 2);

        // Venues: revoke by the venue, disable by the RA administrator.
        let (key, serial) = h.register("Contract Cafe");
        let r = h.signed(&key, "POST", &format!("/v1/venues/{serial}/revoke"), b"");
        let first: RevocationAdded = read(&r, 200);
        let (_, other) = h.register("Contract Bar");
        let r = h.signed(
            &h.admin,
            "POST",
            &format!("/v1/admin/venues/{other}/disable"),
            b"",
        );
        let second: RevocationAdded = read(&r, 200);
        assert_eq!(second.sequence, first.sequence + 1);
        let r = h.signed(&key, "POST", &format!("/v1/venues/{serial}/revoke"), b"");
        error(&r, ErrorCode::Revoked);

        // Batches and checkpoints.
        let (batch, head) = Harness::batch_at(&h.ha, ChainHead::GENESIS);
        let records = ExposureBatch::decode(&batch)
            .unwrap()
            .header()
            .header()
            .record_count;
        let stored: BatchStored = read(&h.signed(&h.ha, "POST", "/v1/batches", &batch), 201);
        assert_eq!((stored.sequence, stored.records), (1, u64::from(records)));
        error(
            &h.signed(&h.ha, "POST", "/v1/batches", &batch),
            ErrorCode::Duplicate,
        );
        let listing: BatchListing = read(&h.get("/v1/batches?after=0"), 200);
        assert_eq!(listing.latest, 1);
        assert_eq!(listing.batches.len(), 1);
        let r = h.get("/v1/batches/1");
        assert_eq!(
            r.header("etag").as_deref(),
            Some(listing.batches[0].etag.as_str())
        );
        let minute = (now() / 60) as u32;
        let cp = Harness::checkpoint(&h.ha, head, minute);
        let c: CheckpointStored = read(&h.signed(&h.ha, "POST", "/v1/checkpoints", &cp), 201);
        assert_eq!((c.sequence, c.issued_at.get()), (1, minute));

        // TANs and uploads.
        let exp = now() + 3600;
        let r: Registered = read(
            &h.register_tans(&[
                ("CONTRACT-TAN-1", exp, "case"),
                ("CONTRACT-TAN-2", exp, "case"),
            ]),
            201,
        );
        assert_eq!(r.registered, 2);
        let up: UploadStored = read(&h.upload("CONTRACT-TAN-1", &h.case_upload()), 201);
        error(
            &h.upload("CONTRACT-TAN-1", &h.case_upload()),
            ErrorCode::TanUsed,
        );
        error(
            &h.upload("NEVER-ISSUED-1", &h.case_upload()),
            ErrorCode::TanUnknown,
        );
        let list: UploadListing = read(&h.signed(&h.ha, "GET", "/v1/uploads", b""), 200);
        assert_eq!(list.uploads.len(), 1);
        assert_eq!(
            (list.uploads[0].id, list.uploads[0].purpose.as_str()),
            (up.id, "case")
        );

        // Counts.
        let tag = [7u8; 16];
        let (_, _, key_id) = h.counting_venue("Contract Club", &[tag]);
        let r = h.request("POST", "/v1/counts", &[], &Harness::ping(key_id, tag));
        let accepted: CountAccepted = read(&r, 202);
        assert_eq!(accepted.accepted, 1);
        let today = day;
        let path = format!(
            "/v1/counts?key_id={}&tag={}&from={}",
            hex::encode(key_id),
            hex::encode(tag),
            today - 1
        );
        let counts: CountListing = read(&h.get(&path), 200);
        assert_eq!(counts.counts.iter().map(|c| c.count).sum::<u64>(), 1);

        // Statistics, paged: `next` is a cursor or null.
        let elsewhere = SigningKey::generate().unwrap();
        let body = Harness::registration(&elsewhere, "Contract Inn", 110_000, true);
        assert_eq!(
            h.signed(&elsewhere, "POST", "/v1/venues", &body).status,
            201
        );
        let v: VenueStats = read(&h.get("/v1/stats/venues?limit=1"), 200);
        assert_eq!(v.by_region.len(), 1);
        let after = v.next.expect("a second page");
        let v: VenueStats = read(&h.get(&format!("/v1/stats/venues?after={after}")), 200);
        assert_eq!((v.by_region.len(), v.next), (1, None));
        let e: ExposureStats = read(&h.get("/v1/stats/exposures"), 200);
        assert_eq!(e.by_day.len(), 1);
        assert_eq!(e.next, None);
        let c: CountStats = read(&h.get("/v1/stats/counts"), 200);
        assert_eq!(c.rows.iter().map(|r| r.count).sum::<u64>(), 1);

        // Errors from the layers around the handlers read the same way.
        error(&h.get("/v1/unknown"), ErrorCode::NotFound);
        error(
            &h.request("PATCH", "/v1/venues", &[], b""),
            ErrorCode::MethodNotAllowed,
        );
        error(
            &h.request("POST", "/v1/batches", &[], b""),
            ErrorCode::SignatureMissing,
        );
        error(&h.get("/v1/stats/venues?limit=0"), ErrorCode::Malformed);
    });
}

#[test]
fn review_mode_answers_read_as_their_contract_types() {
    let h = Harness::start_with(|c| c.review_registrations = true);
    let key = SigningKey::generate().unwrap();
    let body = Harness::registration(&key, "Held Venue", 620_105, true);
    let held: RegistrationHeld = read(&h.signed(&key, "POST", "/v1/venues", &body), 202);
    assert_eq!(held.status, format!("/v1/registrations/{}", held.pending));
    let waiting: RegistrationWaiting = read(&h.get(&held.status), 202);
    assert_eq!(
        (waiting.pending, waiting.state),
        (held.pending, PendingState::Waiting)
    );
    let list: PendingRegistrations = read(
        &h.signed(&h.admin, "GET", "/v1/admin/registrations", b""),
        200,
    );
    assert_eq!(list.registrations.len(), 1);
    let p = &list.registrations[0];
    assert_eq!((p.id, p.name.as_str()), (held.pending, "Held Venue"));
    assert_eq!(p.venue_key, hex::encode(key.public_key().as_bytes()));
    let path = format!("/v1/admin/registrations/{}/refuse", held.pending);
    let refused: RegistrationRefused = read(&h.signed(&h.admin, "POST", &path, b""), 200);
    assert_eq!(refused.refused, held.pending);
    error(
        &h.signed(&h.admin, "POST", &path, b""),
        ErrorCode::AlreadyReviewed,
    );
    error(&h.get(&held.status), ErrorCode::RegistrationRefused);
}

#[test]
fn the_openapi_error_schema_lists_the_error_codes() {
    let h = Harness::start();
    let doc = h.get("/v1/openapi.json").json();
    let listed: Vec<String> = doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let codes: Vec<String> = ErrorCode::ALL.iter().map(|c| c.to_string()).collect();
    assert_eq!(listed, codes);
}

#[test]
fn tan_status_and_cancel_answers_read_as_their_contract_types() {
    let h = Harness::start();
    let exp = now() + 3600;
    let r: Registered = read(
        &h.register_tans(&[
            ("CONTRACT-TAN-1", exp, "case"),
            ("CONTRACT-TAN-2", exp, "case"),
        ]),
        201,
    );
    assert_eq!(r.registered, 2);
    let _: UploadStored = read(&h.upload("CONTRACT-TAN-1", &h.case_upload()), 201);
    let path = |tan: &str| {
        format!(
            "/v1/tans/{}",
            venuecode_protocol::envelope::tan_hash_hex(tan).unwrap()
        )
    };
    let st: TanStatus = read(&h.signed(&h.ha, "GET", &path("CONTRACT-TAN-1"), b""), 200);
    assert!(st.used && !st.cancelled);
    assert_eq!((st.purpose.as_str(), st.expires_at), ("case", exp));
    let r = h.signed(&h.ha, "DELETE", &path("CONTRACT-TAN-2"), b"");
    assert_eq!(r.status, 204);
    let st: TanStatus = read(&h.signed(&h.ha, "GET", &path("CONTRACT-TAN-2"), b""), 200);
    assert!(st.cancelled && !st.used);
    error(
        &h.upload("CONTRACT-TAN-2", &h.case_upload()),
        ErrorCode::TanCancelled,
    );
    error(
        &h.signed(&h.ha, "DELETE", &path("CONTRACT-TAN-2"), b""),
        ErrorCode::TanCancelled,
    );
    error(
        &h.signed(&h.ha, "DELETE", &path("CONTRACT-TAN-1"), b""),
        ErrorCode::TanUsed,
    );
    error(
        &h.signed(&h.ha, "DELETE", &path("NEVER-ISSUED-1"), b""),
        ErrorCode::NotFound,
    );
    error(
        &h.signed(&h.ha, "GET", &path("NEVER-ISSUED-1"), b""),
        ErrorCode::NotFound,
    );
}
