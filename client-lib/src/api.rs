//! The routes of the HTTP API (protocol-spec/API.md) the client uses, over any [`Transport`],
//! with the server's JSON error codes mapped to [`Error`] variants. The JSON bodies are the
//! types of [`venuecode_protocol::api`], the ones the server writes.

use std::io::Read;

pub use venuecode_protocol::api::{BatchInfo, BatchListing, ErrorCode, TAN_HEADER};
use venuecode_protocol::api::{CountListing, ErrorBody, UploadStored};
use venuecode_protocol::chain::CHECKPOINT_BYTES;
use venuecode_protocol::envelope::{tan_hash_hex, RequestEnvelope, SIGNATURE_HEADER};
use venuecode_protocol::time::Epoch;
use venuecode_protocol::{
    Checkpoint, Codec, CountPing, CountTag, CountTagRegistration, KeyId, RevocationList,
    SigningKey, TrustAnchors, TrustBundle,
};

use crate::error::{Error, Reason, Result};
use crate::transport::{Request, Response, Transport};
use zeroize::Zeroizing;

/// Largest error body read from the server.
const MAX_ERROR_BODY: u64 = 16 * 1024;
/// Largest JSON control message read from the server.
const MAX_JSON_BODY: u64 = 4 * 1024 * 1024;
/// Largest revocation list read (the protocol's entry limit times the entry size, plus header).
const MAX_REVOCATION_BODY: u64 = 1_000_000 * 21 + 1024;
/// Largest trust bundle read: 8 keys, two 200-byte URLs and the fixed fields fit well under it.
const MAX_TRUST_BUNDLE_BODY: u64 = 4096;

/// Fails with the mapped error unless the status is 2xx or 304.
pub fn check(mut response: Response) -> Result<Response> {
    if (200..300).contains(&response.status) || response.status == 304 {
        return Ok(response);
    }
    let mut raw = Vec::new();
    // A body that cannot be read still leaves the status to report.
    let _ = (&mut response.body)
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut raw);
    // A body that is not an error body (a proxy's HTML page) leaves an empty unknown code.
    let body = serde_json::from_slice::<ErrorBody>(&raw).unwrap_or(ErrorBody {
        error: ErrorCode::Unknown(String::new()),
        message: String::new(),
    });
    Err(match body.error {
        ErrorCode::TanUsed => Error::TanUsed,
        ErrorCode::TanExpired => Error::TanExpired,
        ErrorCode::TanUnknown => Error::TanUnknown,
        code => Error::Server {
            status: response.status,
            code,
            message: body.message,
        },
    })
}

/// Reads a whole body of at most `limit` bytes.
pub fn read_body(response: Response, limit: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    response
        .body
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Network(crate::error::NetworkError::from_io(e)))?;
    if out.len() as u64 > limit {
        return Err(Error::BadResponse(Reason::BodyTooLarge));
    }
    Ok(out)
}

fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T> {
    let raw = read_body(response, MAX_JSON_BODY)?;
    serde_json::from_slice(&raw).map_err(|_| Error::BadResponse(Reason::JsonMismatch))
}

/// `GET /v1/revocations?after=N`: the revocation list after a cursor (not yet verified).
pub fn fetch_revocations(t: &dyn Transport, after: u64) -> Result<RevocationList> {
    let r = check(t.send(Request::get(crate::sync_core::revocations_path(after)))?)?;
    let raw = read_body(r, MAX_REVOCATION_BODY)?;
    RevocationList::decode(&raw).map_err(Error::Protocol)
}

/// `GET /v1/batches?after=N`: the batches published after a cursor.
pub fn list_batches(t: &dyn Transport, after: u64) -> Result<BatchListing> {
    let r = check(t.send(Request::get(crate::sync_core::batch_list_path(after)))?)?;
    batch_listing(r)
}

/// The body of `GET /v1/batches?after=N`, sorted by sequence.
pub fn batch_listing(r: Response) -> Result<BatchListing> {
    let mut listing: BatchListing = json(r)?;
    listing.batches.sort_by_key(|b| b.sequence);
    Ok(listing)
}

/// `GET /v1/batches/{sequence}`: the batch body as a stream, so that it need not fit in memory.
pub fn open_batch(t: &dyn Transport, sequence: u64) -> Result<Box<dyn Read + Send>> {
    let r = check(t.send(Request::get(crate::sync_core::batch_path(sequence)))?)?;
    Ok(r.body)
}

/// `POST /v1/uploads` authorised by a TAN: sends only the TAN's hash (header
/// `Venuecode-Tan-Hash`), never the TAN. Returns the upload id.
///
/// The TAN is read as typed ([`crate::tan::normalize`]): a typo is reported
/// ([`Error::TanTypo`]) before any request, and the hash is of the canonical form, the one the
/// HA generated and registered.
///
/// A case's upload also carries the (canonical) TAN inside the sealed
/// [`Upload`](venuecode_protocol::Upload) so that the HA can tell it from one planted by the
/// server; guest-book bundles and seed releases do not (a seed release is signed by the venue
/// key; a guest-book bundle only leads the HA to phone the guests it names, which it does not
/// publish).
pub fn upload(t: &dyn Transport, tan: &str, body: Vec<u8>) -> Result<u64> {
    let r = check(t.send(upload_request(tan, body)?)?)?;
    let a: UploadStored = json(r)?;
    Ok(a.id)
}

/// The request of [`upload`], without sending it: `POST /v1/uploads` with the hash of the TAN
/// as typed (canonical form) in `Venuecode-Tan-Hash`. A typo is [`Error::TanTypo`].
pub fn upload_request(tan: &str, body: Vec<u8>) -> Result<Request> {
    let tan = Zeroizing::new(crate::tan::normalize(tan)?);
    let hash = tan_hash_hex(&tan).map_err(|_| Error::InvalidArgument(Reason::TanShape))?;
    Ok(Request::post("/v1/uploads", body, "application/octet-stream").header(TAN_HEADER, hash))
}

/// The request of [`post_count_ping`], without sending it.
pub fn count_ping_request(ping: &CountPing) -> Request {
    Request::post("/v1/counts", ping.encode(), "application/octet-stream")
}

/// `POST /v1/counts`: sends one count ping (the whole body, 25 bytes).
pub fn post_count_ping(t: &dyn Transport, ping: &CountPing) -> Result<()> {
    check(t.send(count_ping_request(ping))?)?;
    Ok(())
}

/// `GET /v1/counts?key_id=…&tag=…&from=…`: the pings for `(venue_key_id, tag)` the server
/// received per UTC day, from `from` to the server's today.
pub fn fetch_counts(
    t: &dyn Transport,
    venue_key_id: &KeyId,
    tag: &CountTag,
    from: Epoch,
) -> Result<Vec<(Epoch, u64)>> {
    let path = format!(
        "/v1/counts?key_id={}&tag={}&from={from}",
        hex::encode(venue_key_id.0),
        hex::encode(tag.0)
    );
    let r = check(t.send(Request::get(path))?)?;
    let a: CountListing = json(r)?;
    Ok(a.counts.into_iter().map(|c| (c.epoch, c.count)).collect())
}

/// `GET /v1/checkpoint`: the newest checkpoint the server holds (not yet verified).
pub fn fetch_checkpoint(t: &dyn Transport) -> Result<Checkpoint> {
    let r = check(t.send(Request::get("/v1/checkpoint"))?)?;
    let raw = read_body(r, CHECKPOINT_BYTES as u64)?;
    Checkpoint::decode(&raw).map_err(Error::Protocol)
}

/// `GET /v1/checkpoint`, verified against the HA keys of `anchors`: the newest checkpoint the
/// server serves that this device can trust (for saying how old the exposure list is).
pub fn fetch_verified_checkpoint(t: &dyn Transport, anchors: &TrustAnchors) -> Result<Checkpoint> {
    let cp = fetch_checkpoint(t)?;
    cp.verify(anchors).map_err(Error::Protocol)?;
    Ok(cp)
}

/// `GET /v1/trust-bundle`: the newest trust bundle the server offers, or `None` when it has
/// none (404). Not verified: apply it only through `TrustBundle::verify_update`.
pub fn fetch_trust_bundle(t: &dyn Transport) -> Result<Option<TrustBundle>> {
    let r = t.send(Request::get("/v1/trust-bundle"))?;
    if r.status == 404 {
        return Ok(None);
    }
    let raw = read_body(check(r)?, MAX_TRUST_BUNDLE_BODY)?;
    TrustBundle::decode(&raw).map(Some).map_err(Error::Protocol)
}

/// Adds the `Venuecode-Signature` envelope to a request, signed at `now_seconds`.
pub fn sign(request: Request, key: &SigningKey, now_seconds: u64) -> Result<Request> {
    let env = RequestEnvelope::sign(
        key,
        request.method.as_str(),
        &request.path,
        &request.body,
        now_seconds,
    )?;
    Ok(request.header(SIGNATURE_HEADER, env.to_header()))
}

/// `POST /v1/venues/{serial}/count-tags` with a binary [`CountTagRegistration`], signed by
/// the venue key. The registration is checked (1 to 64 pairs, strictly increasing) before
/// anything is sent.
pub fn post_count_tags(
    t: &dyn Transport,
    serial: u64,
    registration: &CountTagRegistration,
    venue_key: &SigningKey,
    now_seconds: u64,
) -> Result<()> {
    let req = Request::post(
        format!("/v1/venues/{serial}/count-tags"),
        registration.encode(),
        "application/octet-stream",
    );
    check(t.send(sign(req, venue_key, now_seconds)?)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> Error {
        match check(Response::from_bytes(status, body.as_bytes().to_vec())) {
            Err(e) => e,
            Ok(_) => panic!("status {status} passed"),
        }
    }

    #[test]
    fn server_error_codes_map_to_distinct_errors() {
        assert!(matches!(
            err(409, r#"{"error":"tan_used","message":"x"}"#),
            Error::TanUsed
        ));
        assert!(matches!(
            err(410, r#"{"error":"tan_expired","message":"x"}"#),
            Error::TanExpired
        ));
        assert!(matches!(
            err(403, r#"{"error":"tan_unknown","message":"x"}"#),
            Error::TanUnknown
        ));
        match err(429, r#"{"error":"rate_limited","message":"slow down"}"#) {
            e @ Error::Server { .. } => {
                let text = e.to_string();
                let Error::Server {
                    status,
                    code,
                    message,
                } = e
                else {
                    unreachable!()
                };
                assert_eq!(
                    (status, code, message.as_str()),
                    (429, ErrorCode::RateLimited, "slow down")
                );
                // The text says what happened and what to do.
                assert!(text.contains("slow down"), "{text}");
                assert!(text.contains(ErrorCode::RateLimited.hint()), "{text}");
            }
            other => panic!("{other:?}"),
        }
        // A code from a newer server is kept as it came, for the app to show or report.
        match err(400, r#"{"error":"later_code","message":"m"}"#) {
            Error::Server { code, .. } => {
                assert_eq!(code, ErrorCode::Unknown("later_code".into()))
            }
            other => panic!("{other:?}"),
        }
        match err(502, "<html>bad gateway</html>") {
            Error::Server { status, code, .. } => {
                assert_eq!(status, 502);
                assert_eq!(code, ErrorCode::Unknown(String::new()));
            }
            other => panic!("{other:?}"),
        }
        assert!(check(Response::from_bytes(201, Vec::new())).is_ok());
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let r = Response::from_bytes(200, vec![0; 11]);
        assert!(matches!(read_body(r, 10), Err(Error::BadResponse(_))));
        let r = Response::from_bytes(200, vec![0; 10]);
        assert_eq!(read_body(r, 10).ok(), Some(vec![0; 10]));
    }

    #[test]
    fn json_that_does_not_match_the_contract_is_a_bad_response() {
        let r = Response::from_bytes(200, br#"{"batches": 3}"#.to_vec());
        assert!(matches!(
            json::<BatchListing>(r),
            Err(Error::BadResponse(_))
        ));
    }

    #[test]
    #[cfg(feature = "native")]
    fn an_unreachable_server_is_a_network_error() {
        // Port 9 on localhost (discard) is closed on test machines; nothing listens there.
        let t = crate::HttpTransport::with_timeout(
            "http://127.0.0.1:9",
            std::time::Duration::from_secs(5),
        )
        .expect("a loopback URL");
        match list_batches(&t, 0) {
            Err(e @ Error::Network(_)) => {
                // The server is named, and the cause said once, with nothing below it to say
                // it again.
                let text = e.to_string();
                assert!(text.contains("http://127.0.0.1:9"), "{text}");
                assert!(text.contains("refused"), "{text}");
                let mut chain = String::new();
                let mut cause: Option<&dyn std::error::Error> = Some(&e);
                while let Some(c) = cause {
                    chain.push_str(&c.to_string());
                    cause = c.source();
                }
                assert_eq!(chain.matches("refused").count(), 1, "{chain}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            upload(&t, "TAN-0123456789", vec![1]),
            Err(Error::Network(_))
        ));
    }
}
