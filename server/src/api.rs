//! The `/v1` handlers. Each checks in the order API.md gives (signature header, the signing
//! key's source, signature and nonce, body, then the route's own rules) and writes only when
//! every check passed.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use venuecode_protocol::api::{
    AuthorityInfo, BatchInfo, BatchListing, BatchStored, CheckpointStored, CountAccepted,
    CountListing, CountRow, CountStats, CountStatsRow, ErrorCode, ExposureStats, ExposureStatsRow,
    PendingRegistration, PendingRegistrations, PendingState, Registered, RegistrationHeld,
    RegistrationRefused, RegistrationWaiting, RevocationAdded, TanRegistration, TanStatus,
    UploadInfo, UploadListing, UploadStored, VenueMatch, VenueSearch, VenueStats, VenueStatsRow,
    MAX_VENUE_SCAN,
};
use venuecode_protocol::envelope::parse_tan_hash;
use venuecode_protocol::hash::sha256;
use venuecode_protocol::revocation::MAX_REVOCATION_PAGE;
use venuecode_protocol::time::{local_epoch, Epoch, UnixMinute, CLOCK_SKEW_MINUTES, EPOCH_MINUTES};
use venuecode_protocol::{
    CertificateBody, Checkpoint, Codec, CountPing, CountTagRegistration, ExposureBatch,
    RegistrationRequest, Revocation, RevocationList, RevocationListBody, RevocationReason,
    VenueCategory, VenueCertificate,
};

use crate::auth::{AdminKey, HaKey, PathVenue, Registering, Signed};
use crate::cache::CachedBatch;
use crate::error::ApiError;
use crate::state::{blocking, now_minute, now_secs, today, Body, Shared};
use crate::storage::{
    NewBatch, NewCheckpoint, NewTan, ReviewState, StorageError, TanRecord, UploadPurpose,
    VenueRecord,
};
use crate::venue_text;

/// Revocation reason of a certificate replaced by an update.
pub const SUPERSEDED: RevocationReason = RevocationReason::SUPERSEDED;
/// The header names and limits of the contract, from `venuecode_protocol::api`: the server
/// never sees a TAN, only its hash (`TAN_HEADER`), so it cannot seal an upload of its own under
/// it that the HA would accept.
pub use venuecode_protocol::api::{
    DEFAULT_STATS_PAGE, MAX_BATCHES_LISTED, MAX_COUNT_DAYS, MAX_STATS_PAGE, MAX_TANS_PER_REQUEST,
    TAN_HEADER,
};

fn octets(status: StatusCode, bytes: impl Into<Bytes>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        bytes.into(),
    )
        .into_response()
}

fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::malformed(format!("query: {}", e.body_text())))
}

fn number(text: &str, what: &str) -> Result<u64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::malformed(format!("{what} is not a number")))
}

fn hex_array<const N: usize>(text: &str, what: &str) -> Result<[u8; N], ApiError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| ApiError::malformed(format!("{what} must be {} hex digits", 2 * N)))?;
    Ok(out)
}

#[derive(Deserialize)]
pub(crate) struct AfterQuery {
    after: Option<u64>,
}

/// `GET /v1/authority`
pub(crate) async fn authority(State(s): State<Shared>) -> Json<AuthorityInfo> {
    Json(AuthorityInfo {
        ra_public_key: hex::encode(s.keys.ra.public_key().as_bytes()),
        ra_key_id: s.keys.ra.key_id().to_hex(),
        ha_signing_keys: s
            .keys
            .ha
            .iter()
            .map(|k| hex::encode(k.as_bytes()))
            .collect(),
        ha_encryption_key: s.keys.ha_encryption.map(|k| hex::encode(k.as_bytes())),
        counts_enabled: s.config.counts,
        retention_days: Some(s.config.retention_days),
    })
}

fn check_pledge(req: &RegistrationRequest) -> Result<(), ApiError> {
    if req.pledge {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::PledgeMissing,
            "the manager must pledge that the venue information is true",
        ))
    }
}

/// Minutes a new certificate's validity starts before the moment of issue, so that a phone
/// whose clock runs a little behind accepts a poster printed right after registration.
pub const BACKDATE_MINUTES: u32 = 10 * CLOCK_SKEW_MINUTES;

fn issue(s: &Shared, serial: u64, req: &RegistrationRequest) -> Result<VenueRecord, ApiError> {
    let now = now_minute();
    let days = s.config.certificate_days.max(1);
    let body = CertificateBody {
        ra_key_id: s.keys.ra.key_id(),
        serial,
        venue_key: req.venue_key,
        info: req.info.clone(),
        valid_from: UnixMinute::new(now.saturating_sub(BACKDATE_MINUTES)),
        valid_until: UnixMinute::new(now.saturating_add(days.saturating_mul(EPOCH_MINUTES))),
    };
    let cert = VenueCertificate::sign(body, &s.keys.ra).map_err(|e| {
        tracing::error!(error = %e, "certificate signing failed");
        ApiError::internal()
    })?;
    Ok(VenueRecord {
        serial,
        certificate: cert.encode(),
        venue_key: *req.venue_key.as_bytes(),
        region: req.info.region().get(),
        category: req.info.category().0,
        issued_at: now_secs(),
        revoked: None,
        superseded_by: None,
    })
}

/// `POST /v1/venues`
pub(crate) async fn register_venue(
    State(s): State<Shared>,
    Signed(Registering(mut req), _): Signed<Registering>,
) -> Result<Response, ApiError> {
    check_pledge(&req)?;
    req.info = venue_text::normalize(&req.info)?;
    if s.config.review_registrations {
        return hold_for_review(&s, &req).await;
    }
    let serial = blocking(&s, |st| st.allocate_serial()).await?;
    let record = issue(&s, serial, &req)?;
    let cert = record.certificate.clone();
    blocking(&s, move |st| st.insert_venue(&record)).await?;
    s.metrics.event("venue_registered");
    tracing::info!(serial, "venue registered");
    Ok(octets(StatusCode::CREATED, cert))
}

/// Review mode: keeps the (normalised) registration for the RA administrator and answers 202
/// with its number. A key that may not register is refused now rather than after the wait.
async fn hold_for_review(s: &Shared, req: &RegistrationRequest) -> Result<Response, ApiError> {
    let key = *req.venue_key.as_bytes();
    if let Some(head) = blocking(s, move |st| st.newest_venue(&key)).await? {
        let disabled =
            matches!(head.revoked, Some((_, r)) if r == RevocationReason::DISABLED_BY_AUTHORITY.0);
        return Err(if disabled {
            StorageError::VenueKeyDisabled
        } else {
            StorageError::VenueKeyRegistered
        }
        .into());
    }
    let bytes = req.encode();
    let id = blocking(s, move |st| st.add_pending(&bytes, now_secs())).await?;
    s.metrics.event("registration_held");
    tracing::info!(id, "venue registration held for review");
    Ok((
        StatusCode::ACCEPTED,
        Json(RegistrationHeld {
            pending: id,
            status: format!("/v1/registrations/{id}"),
        }),
    )
        .into_response())
}

/// `GET /v1/registrations/{id}`: 202 while waiting, the certificate once approved, 403
/// `registration_refused` once refused.
pub(crate) async fn registration_status(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = number(&id, "id")?;
    let pending = blocking(&s, move |st| st.pending(id))
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    match pending.state {
        ReviewState::Waiting => Ok((
            StatusCode::ACCEPTED,
            Json(RegistrationWaiting {
                pending: id,
                state: PendingState::Waiting,
            }),
        )
            .into_response()),
        ReviewState::Approved(serial) => {
            let v = load_venue(&s, serial).await?;
            Ok(octets(StatusCode::OK, v.certificate))
        }
        ReviewState::Refused => Err(ApiError::new(
            ErrorCode::RegistrationRefused,
            "the registration authority refused this registration",
        )),
    }
}

/// `GET /v1/admin/registrations`: the registrations waiting for review, with what they ask to
/// be certified.
pub(crate) async fn pending_registrations(
    State(s): State<Shared>,
    _: Signed<AdminKey>,
) -> Result<Json<PendingRegistrations>, ApiError> {
    let waiting = blocking(&s, |st| st.pending_waiting()).await?;
    let registrations = waiting
        .iter()
        .filter_map(|p| {
            let req = RegistrationRequest::decode(&p.request).ok()?;
            Some(PendingRegistration {
                id: p.id,
                received_at: p.received_at,
                name: req.info.name().to_owned(),
                address: req.info.address().to_owned(),
                region: req.info.region().get(),
                category: slug(req.info.category().0),
                default_stay_minutes: req.info.default_stay_minutes(),
                utc_offset: req.info.utc_offset(),
                venue_key: hex::encode(req.venue_key.as_bytes()),
            })
        })
        .collect();
    Ok(Json(PendingRegistrations { registrations }))
}

/// `POST /v1/admin/registrations/{id}/approve`: issues the certificate.
pub(crate) async fn approve_registration(
    State(s): State<Shared>,
    Path(id): Path<String>,
    _: Signed<AdminKey>,
) -> Result<Response, ApiError> {
    let id = number(&id, "id")?;
    let pending = blocking(&s, move |st| st.pending(id))
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let req = RegistrationRequest::decode(&pending.request).map_err(|e| {
        tracing::error!(error = %e, "stored registration does not decode");
        ApiError::internal()
    })?;
    let serial = blocking(&s, |st| st.allocate_serial()).await?;
    let record = issue(&s, serial, &req)?;
    let cert = record.certificate.clone();
    blocking(&s, move |st| st.approve_pending(id, &record)).await?;
    s.metrics.event("venue_registered");
    tracing::info!(id, serial, "venue registration approved");
    Ok(octets(StatusCode::CREATED, cert))
}

/// `POST /v1/admin/registrations/{id}/refuse`
pub(crate) async fn refuse_registration(
    State(s): State<Shared>,
    Path(id): Path<String>,
    _: Signed<AdminKey>,
) -> Result<Json<RegistrationRefused>, ApiError> {
    let id = number(&id, "id")?;
    blocking(&s, move |st| st.refuse_pending(id)).await?;
    s.metrics.event("registration_refused");
    tracing::info!(id, "venue registration refused");
    Ok(Json(RegistrationRefused { refused: id }))
}

async fn load_venue(s: &Shared, serial: u64) -> Result<VenueRecord, ApiError> {
    blocking(s, move |st| st.venue(serial))
        .await?
        .ok_or_else(|| ApiError::not_found("venue"))
}

/// `GET /v1/venues/{serial}`: the latest certificate, following updates.
pub(crate) async fn get_venue(
    State(s): State<Shared>,
    Path(serial): Path<String>,
) -> Result<Response, ApiError> {
    let v = load_venue(&s, number(&serial, "serial")?).await?;
    if v.superseded_by.is_none() {
        return Ok(octets(StatusCode::OK, v.certificate));
    }
    // Updates keep the venue key, and a key registers once: the newest certificate of the key
    // is the head of the chain, found in one indexed lookup however long the chain is.
    let key = v.venue_key;
    let newest = blocking(&s, move |st| st.newest_venue(&key)).await?;
    Ok(octets(
        StatusCode::OK,
        newest.map_or(v.certificate, |n| n.certificate),
    ))
}

/// `PUT /v1/venues/{serial}`
pub(crate) async fn update_venue(
    State(s): State<Shared>,
    Signed(PathVenue(old), body): Signed<PathVenue>,
) -> Result<Response, ApiError> {
    let Registering(mut req) = Registering::decode(&body)?;
    if req.venue_key.as_bytes() != &old.venue_key {
        return Err(ApiError::malformed(
            "an update must keep the venue key of the certificate",
        ));
    }
    check_pledge(&req)?;
    if old.revoked.is_some() {
        return Err(StorageError::Revoked.into());
    }
    req.info = venue_text::normalize(&req.info)?;
    let serial = blocking(&s, |st| st.allocate_serial()).await?;
    let record = issue(&s, serial, &req)?;
    let cert = record.certificate.clone();
    let old_serial = old.serial;
    let at = now_minute();
    blocking(&s, move |st| {
        st.supersede_venue(old_serial, &record, SUPERSEDED.0, at)
    })
    .await?;
    s.metrics.event("venue_updated");
    tracing::info!(old_serial, serial, "venue updated");
    Ok(octets(StatusCode::CREATED, cert))
}

/// `POST /v1/venues/{serial}/revoke`
pub(crate) async fn revoke_venue(
    State(s): State<Shared>,
    Signed(PathVenue(v), _): Signed<PathVenue>,
) -> Result<Json<RevocationAdded>, ApiError> {
    let serial = v.serial;
    let at = now_minute();
    let seq = blocking(&s, move |st| {
        st.revoke_venue(serial, RevocationReason::DEACTIVATED_BY_VENUE.0, at)
    })
    .await?;
    s.metrics.event("venue_revoked");
    tracing::info!(serial, "venue revoked by its key");
    Ok(Json(RevocationAdded { sequence: seq }))
}

/// `POST /v1/admin/venues/{serial}/disable`
pub(crate) async fn disable_venue(
    State(s): State<Shared>,
    Path(serial): Path<String>,
    _: Signed<AdminKey>,
) -> Result<Json<RevocationAdded>, ApiError> {
    let serial = number(&serial, "serial")?;
    let at = now_minute();
    let seq = blocking(&s, move |st| {
        st.revoke_venue(serial, RevocationReason::DISABLED_BY_AUTHORITY.0, at)
    })
    .await
    .map_err(|e| match e.code {
        ErrorCode::NotFound => ApiError::not_found("venue"),
        _ => e,
    })?;
    s.metrics.event("venue_disabled");
    tracing::info!(serial, "venue disabled by the RA");
    Ok(Json(RevocationAdded { sequence: seq }))
}

#[derive(Deserialize)]
pub(crate) struct VenueSearchQuery {
    name: String,
    after: Option<u64>,
}

/// `GET /v1/admin/venues?name=text&after=serial`: the current certificates whose name holds
/// `text`, compared in NFC without case, among the next [`MAX_VENUE_SCAN`] current
/// certificates after `after`. Each page reads at most that many certificates.
pub(crate) async fn search_venues(
    State(s): State<Shared>,
    uri: Uri,
    _: Signed<AdminKey>,
) -> Result<Json<VenueSearch>, ApiError> {
    let q = query::<VenueSearchQuery>(&uri)?;
    let wanted = venue_text::search_key(q.name.trim());
    if wanted.is_empty() || q.name.len() > venuecode_protocol::venue::MAX_NAME_BYTES {
        return Err(ApiError::malformed(format!(
            "name must hold 1 to {} bytes",
            venuecode_protocol::venue::MAX_NAME_BYTES
        )));
    }
    let after = q.after.unwrap_or(0);
    let page = blocking(&s, move |st| st.current_venues_page(after, MAX_VENUE_SCAN)).await?;
    let next = match page.last() {
        Some(last) if page.len() >= MAX_VENUE_SCAN => Some(last.serial),
        _ => None,
    };
    let venues = page
        .iter()
        .filter_map(|v| {
            let cert = VenueCertificate::decode(&v.certificate).ok()?;
            let info = cert.info();
            venue_text::search_key(info.name())
                .contains(&wanted)
                .then(|| VenueMatch {
                    serial: v.serial,
                    key_id: cert.body().venue_key.key_id().to_hex(),
                    name: info.name().to_owned(),
                    address: info.address().to_owned(),
                    region: info.region().get(),
                    category: slug(info.category().0),
                    revoked: v.revoked.is_some(),
                })
        })
        .collect();
    Ok(Json(VenueSearch { venues, next }))
}

/// `GET /v1/revocations?after=N`: at most [`MAX_REVOCATION_PAGE`] entries; `up_to` is the last
/// sequence the page covers (`head` when it is the last page).
pub(crate) async fn revocations(State(s): State<Shared>, uri: Uri) -> Result<Response, ApiError> {
    let after = query::<AfterQuery>(&uri)?.after.unwrap_or(0);
    let (entries, head) =
        blocking(&s, move |st| st.revocation_page(after, MAX_REVOCATION_PAGE)).await?;
    if after > head {
        return Err(ApiError::malformed("cursor is ahead of the revocation log"));
    }
    let minute = now_minute();
    if let Some(page) = s.revocation_pages.get(minute, after, head) {
        return Ok(octets(StatusCode::OK, page));
    }
    let up_to = match entries.last() {
        Some(last) if entries.len() >= MAX_REVOCATION_PAGE => last.sequence,
        _ => head,
    };
    let body = RevocationListBody {
        ra_key_id: s.keys.ra.key_id(),
        issued_at: UnixMinute::new(minute),
        after,
        up_to,
        head,
        entries: entries
            .into_iter()
            .map(|e| Revocation {
                sequence: e.sequence,
                serial: e.serial,
                revoked_at: UnixMinute::new(e.revoked_at),
                reason: RevocationReason(e.reason),
            })
            .collect(),
    };
    let list = RevocationList::sign(body, &s.keys.ra).map_err(|e| {
        tracing::error!(error = %e, "revocation list signing failed");
        ApiError::internal()
    })?;
    s.metrics.event("revocation_page_signed");
    let page = Bytes::from(list.encode());
    s.revocation_pages.insert(minute, after, head, page.clone());
    Ok(octets(StatusCode::OK, page))
}

/// `POST /v1/batches`
pub(crate) async fn post_batch(
    State(s): State<Shared>,
    Signed(HaKey, body): Signed<HaKey>,
) -> Result<(StatusCode, Json<BatchStored>), ApiError> {
    let bytes = body.clone();
    let batch = tokio::task::spawn_blocking(move || ExposureBatch::decode(&bytes))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| ApiError::protocol("exposure batch", e))?;
    batch
        .verify(&s.anchors)
        .map_err(|e| ApiError::protocol("exposure batch", e))?;
    let header = batch.header().header();
    let (sequence, previous, batch_id) = (header.sequence, header.previous, header.batch_id);
    let records = header.record_count;
    let link = batch.link();
    drop(batch);
    let received_at = now_secs();
    let seq = blocking(&s, move |st| {
        st.insert_batch(&NewBatch {
            sequence,
            previous,
            link,
            batch_id,
            digest: sha256(&[&body]),
            records,
            received_at,
            bytes: &body,
        })
    })
    .await?;
    s.metrics.event("batch_stored");
    tracing::info!(sequence = seq, records, "exposure batch stored");
    Ok((
        StatusCode::CREATED,
        Json(BatchStored {
            sequence: seq,
            records: u64::from(records),
        }),
    ))
}

fn etag(digest: &[u8; 32]) -> String {
    format!("\"{}\"", hex::encode(digest))
}

/// `GET /v1/batches?after=N`
pub(crate) async fn list_batches(
    State(s): State<Shared>,
    uri: Uri,
) -> Result<Json<BatchListing>, ApiError> {
    let after = query::<AfterQuery>(&uri)?.after.unwrap_or(0);
    let (batches, latest) =
        blocking(&s, move |st| st.batches_after(after, MAX_BATCHES_LISTED)).await?;
    let batches = batches
        .iter()
        .map(|b| BatchInfo {
            sequence: b.sequence,
            size: b.size,
            records: u64::from(b.records),
            etag: etag(&b.digest),
        })
        .collect();
    Ok(Json(BatchListing { batches, latest }))
}

fn if_none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == tag)
}

/// `GET /v1/batches/{sequence}`: immutable, strongly tagged, cacheable by a CDN.
pub(crate) async fn get_batch(
    State(s): State<Shared>,
    Path(seq): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let seq = number(&seq, "sequence")?;
    let batch = match s.batch_cache.get(seq) {
        Some(b) => b,
        None => {
            let generation = s.batch_cache.generation();
            let (meta, bytes) = blocking(&s, move |st| st.batch(seq))
                .await?
                .ok_or_else(|| ApiError::not_found("batch"))?;
            let etag =
                HeaderValue::from_str(&etag(&meta.digest)).map_err(|_| ApiError::internal())?;
            let b = CachedBatch {
                etag,
                body: Bytes::from(bytes),
            };
            s.batch_cache.insert(generation, seq, b.clone());
            b
        }
    };
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if batch
        .etag
        .to_str()
        .is_ok_and(|tag| if_none_match(&headers, tag))
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, batch.etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::ETAG, batch.etag),
            (header::CACHE_CONTROL, cache),
        ],
        batch.body,
    )
        .into_response())
}

/// `POST /v1/checkpoints`: an HA-signed request carrying an HA-signed checkpoint; stored when it
/// is not older than the stored one and names a batch of the stored chain.
pub(crate) async fn post_checkpoint(
    State(s): State<Shared>,
    Signed(HaKey, body): Signed<HaKey>,
) -> Result<(StatusCode, Json<CheckpointStored>), ApiError> {
    let cp = Checkpoint::decode(&body).map_err(|e| ApiError::protocol("checkpoint", e))?;
    cp.verify(&s.anchors)
        .map_err(|e| ApiError::protocol("checkpoint", e))?;
    let b = *cp.body();
    blocking(&s, move |st| {
        st.put_checkpoint(&NewCheckpoint {
            issued_at: b.issued_at.get(),
            sequence: b.sequence,
            head: b.head,
            retained_from: b.retained_from,
            retained_previous: b.retained_previous,
            bytes: &body,
        })
    })
    .await?;
    s.metrics.event("checkpoint_stored");
    tracing::info!(sequence = b.sequence, "checkpoint stored");
    Ok((
        StatusCode::CREATED,
        Json(CheckpointStored {
            sequence: b.sequence,
            issued_at: b.issued_at,
        }),
    ))
}

/// `GET /v1/checkpoint`: the newest checkpoint, cacheable for a minute.
pub(crate) async fn get_checkpoint(State(s): State<Shared>) -> Result<Response, ApiError> {
    let bytes = blocking(&s, |st| st.checkpoint())
        .await?
        .ok_or_else(|| ApiError::not_found("checkpoint"))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /v1/trust-bundle`: the trust bundle the server was started with.
pub(crate) async fn get_trust_bundle(State(s): State<Shared>) -> Result<Response, ApiError> {
    let bytes = s
        .trust_bundle
        .clone()
        .ok_or_else(|| ApiError::not_found("trust bundle"))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /v1/tans`
pub(crate) async fn post_tans(
    State(s): State<Shared>,
    Signed(HaKey, body): Signed<HaKey>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let parsed: TanRegistration = serde_json::from_slice(&body)
        .map_err(|_| ApiError::malformed("body is not a TAN registration"))?;
    if parsed.tans.len() > MAX_TANS_PER_REQUEST {
        return Err(ApiError::malformed(format!(
            "at most {MAX_TANS_PER_REQUEST} TANs per request"
        )));
    }
    let now = now_secs();
    let horizon = now.saturating_add(u64::from(s.config.retention_days) * 86_400);
    let mut tans = Vec::with_capacity(parsed.tans.len());
    for t in &parsed.tans {
        let purpose = UploadPurpose::parse(&t.purpose)
            .ok_or_else(|| ApiError::malformed("purpose must be case, guestbook or seeds"))?;
        if t.expires_at <= now || t.expires_at > horizon {
            return Err(ApiError::malformed(
                "expires_at must lie between now and the end of the retention period",
            ));
        }
        tans.push(NewTan {
            hash: hex_array(&t.hash, "hash")?,
            expires_at: t.expires_at,
            purpose,
        });
    }
    let n = blocking(&s, move |st| st.register_tans(&tans, now)).await?;
    s.metrics.event("tans_registered");
    tracing::info!(count = n, "TANs registered");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            registered: n as u64,
        }),
    ))
}

/// The TAN hash in a `/v1/tans/{hash}` path.
fn path_tan_hash(hash: &str) -> Result<[u8; 32], ApiError> {
    parse_tan_hash(hash)
        .map_err(|_| ApiError::malformed("the TAN hash must be 64 lowercase hex digits"))
}

/// `GET /v1/tans/{hash}`: the server's view of one registered TAN.
pub(crate) async fn get_tan(
    State(s): State<Shared>,
    Path(hash): Path<String>,
    _: Signed<HaKey>,
) -> Result<Json<TanStatus>, ApiError> {
    let hash = path_tan_hash(&hash)?;
    let record = blocking(&s, move |st| st.tan(&hash))
        .await?
        .ok_or_else(|| ApiError::not_found("TAN"))?;
    Ok(Json(TanStatus {
        purpose: record.purpose.as_str().to_owned(),
        registered_at: record.registered_at,
        expires_at: record.expires_at,
        used: record.used,
        cancelled: record.cancelled,
    }))
}

/// `DELETE /v1/tans/{hash}`: cancels an unused TAN, so that no upload can use it.
pub(crate) async fn delete_tan(
    State(s): State<Shared>,
    Path(hash): Path<String>,
    _: Signed<HaKey>,
) -> Result<StatusCode, ApiError> {
    let hash = path_tan_hash(&hash)?;
    match blocking(&s, move |st| st.cancel_tan(&hash)).await {
        Ok(()) => {
            s.metrics.event("tan_cancelled");
            tracing::info!("TAN cancelled");
            Ok(StatusCode::NO_CONTENT)
        }
        Err(e) if e.code == ErrorCode::TanUnknown => Err(ApiError::not_found("TAN")),
        Err(e) => Err(e),
    }
}

fn tan_unknown(message: &str) -> ApiError {
    ApiError::new(ErrorCode::TanUnknown, message)
}

/// The upload's TAN hash from its header, registered, unused and unexpired: checked before the
/// body is read, and again by the handler.
pub(crate) async fn upload_tan(
    s: &Shared,
    headers: &HeaderMap,
) -> Result<([u8; 32], TanRecord), ApiError> {
    let value = headers
        .get(TAN_HEADER)
        .ok_or_else(|| tan_unknown("this route needs a Venuecode-Tan-Hash header"))?
        .to_str()
        .map_err(|_| tan_unknown("the TAN hash is not 64 lowercase hex digits"))?;
    let hash = parse_tan_hash(value)
        .map_err(|_| tan_unknown("the TAN hash is not 64 lowercase hex digits"))?;
    let record = blocking(s, move |st| st.tan(&hash))
        .await?
        .ok_or_else(|| tan_unknown("the TAN is not registered"))?;
    if record.used {
        return Err(StorageError::TanUsed.into());
    }
    if record.cancelled {
        return Err(StorageError::TanCancelled.into());
    }
    if now_secs() >= record.expires_at {
        return Err(StorageError::TanExpired.into());
    }
    Ok((hash, record))
}

/// `POST /v1/uploads`: authorised by a one-time TAN, consumed atomically with the store.
pub(crate) async fn post_upload(
    State(s): State<Shared>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<(StatusCode, Json<UploadStored>), ApiError> {
    let (hash, record) = upload_tan(&s, &headers).await?;
    let now = now_secs();
    // Refuse a body that does not decode as what the TAN authorises, or whose HPKE
    // encapsulated key is a low-order point that no HA could open, before spending the TAN.
    record
        .purpose
        .decode_body(&body)
        .map_err(|e| ApiError::protocol("upload", e))?;
    let id = blocking(&s, move |st| st.consume_tan(&hash, now, &body)).await?;
    s.metrics.event("upload_stored");
    tracing::info!(id, purpose = record.purpose.as_str(), "upload stored");
    Ok((StatusCode::CREATED, Json(UploadStored { id })))
}

/// `GET /v1/uploads`
pub(crate) async fn list_uploads(
    State(s): State<Shared>,
    _: Signed<HaKey>,
) -> Result<Json<UploadListing>, ApiError> {
    let uploads = blocking(&s, |st| st.uploads()).await?;
    let uploads = uploads
        .iter()
        .map(|u| UploadInfo {
            id: u.id,
            purpose: u.purpose.as_str().to_owned(),
            received_at: u.received_at,
            size: u.size,
        })
        .collect();
    Ok(Json(UploadListing { uploads }))
}

/// `GET /v1/uploads/{id}`
pub(crate) async fn get_upload(
    State(s): State<Shared>,
    Path(id): Path<String>,
    _: Signed<HaKey>,
) -> Result<Response, ApiError> {
    let id = number(&id, "id")?;
    let (_, bytes) = blocking(&s, move |st| st.upload(id))
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    Ok(octets(StatusCode::OK, bytes))
}

/// `DELETE /v1/uploads/{id}`
pub(crate) async fn delete_upload(
    State(s): State<Shared>,
    Path(id): Path<String>,
    _: Signed<HaKey>,
) -> Result<StatusCode, ApiError> {
    let id = number(&id, "id")?;
    if blocking(&s, move |st| st.delete_upload(id)).await? {
        s.metrics.event("upload_deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("upload"))
    }
}

/// `POST /v1/counts`: one ping; counted only if its venue key registered its tag. The answer is
/// 202 either way.
pub(crate) async fn post_counts(
    State(s): State<Shared>,
    _: CountsEnabled,
    Body(body): Body,
) -> Result<(StatusCode, Json<CountAccepted>), ApiError> {
    let ping = CountPing::decode(&body).map_err(|e| ApiError::protocol("count ping", e))?;
    let day = today();
    let counted = blocking(&s, move |st| {
        st.add_count(day, ping.venue_key_id.0, ping.tag.0)
    })
    .await?;
    s.metrics.event(if counted {
        "count_ping_counted"
    } else {
        "count_ping_ignored"
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(CountAccepted {
            accepted: u8::from(counted),
        }),
    ))
}

#[derive(Deserialize)]
pub(crate) struct CountQuery {
    key_id: String,
    tag: String,
    from: Option<u32>,
    to: Option<u32>,
}

/// `GET /v1/counts?key_id=hex&tag=hex&from=day&to=day`
pub(crate) async fn get_counts(
    State(s): State<Shared>,
    _: CountsEnabled,
    uri: Uri,
) -> Result<Json<CountListing>, ApiError> {
    let q = query::<CountQuery>(&uri)?;
    let key_id: [u8; 8] = hex_array(&q.key_id, "key_id")?;
    let tag: [u8; 16] = hex_array(&q.tag, "tag")?;
    let to = q.to.unwrap_or_else(today);
    let from = q
        .from
        .unwrap_or_else(|| to.saturating_sub(s.config.retention_days));
    if from > to || to - from > MAX_COUNT_DAYS {
        return Err(ApiError::malformed(format!(
            "from must not be after to, and the range at most {MAX_COUNT_DAYS} days"
        )));
    }
    let rows = blocking(&s, move |st| st.counts(key_id, tag, from, to)).await?;
    let counts = rows
        .iter()
        .map(|&(epoch, count)| CountRow {
            epoch: Epoch::new(epoch),
            count,
        })
        .collect();
    Ok(Json(CountListing { counts }))
}

/// `POST /v1/venues/{serial}/count-tags`: a venue-signed `CountTagRegistration`; tags are filed
/// under the signing venue key, for epochs within the retention window of the venue's local day.
pub(crate) async fn post_count_tags(
    State(s): State<Shared>,
    _: CountsEnabled,
    Signed(PathVenue(v), body): Signed<PathVenue>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let key = venuecode_protocol::PublicKey::from_bytes(&v.venue_key).map_err(|e| {
        tracing::error!(error = %e, "stored venue key does not parse");
        ApiError::internal()
    })?;
    let reg = CountTagRegistration::decode(&body)
        .map_err(|e| ApiError::protocol("count-tag registration", e))?;
    let cert = VenueCertificate::decode(&v.certificate).map_err(|e| {
        tracing::error!(error = %e, "stored certificate does not decode");
        ApiError::internal()
    })?;
    let today_local = local_epoch(UnixMinute::new(now_minute()), cert.info().utc_offset());
    reg.check_epochs(today_local)
        .map_err(|e| ApiError::protocol("count-tag registration: epoch outside the window", e))?;
    let tags: Vec<(u32, [u8; 16])> = reg.tags().iter().map(|(e, t)| (e.get(), t.0)).collect();
    let (key_id, serial) = (key.key_id().0, v.serial);
    let n = blocking(&s, move |st| st.register_count_tags(key_id, serial, &tags)).await?;
    s.metrics.event("count_tags_registered");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            registered: n as u64,
        }),
    ))
}

fn slug(category: u8) -> String {
    VenueCategory(category).to_string()
}

#[derive(Deserialize)]
pub(crate) struct StatsQuery {
    after: Option<String>,
    limit: Option<usize>,
}

/// The page a statistics query asks for: the key after which it starts (`None`: the first),
/// parsed from the `after` cursor as `N` numbers joined by `-`, and the row limit.
fn stats_page<const N: usize>(uri: &Uri) -> Result<(Option<[u64; N]>, usize), ApiError> {
    let q = query::<StatsQuery>(uri)?;
    let limit = q.limit.unwrap_or(DEFAULT_STATS_PAGE);
    if limit == 0 || limit > MAX_STATS_PAGE {
        return Err(ApiError::malformed(format!(
            "limit must be 1 to {MAX_STATS_PAGE}"
        )));
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(text) => {
            let bad = || ApiError::malformed("after is not a cursor this query returned as next");
            let mut key = [0u64; N];
            let mut parts = text.split('-');
            for k in &mut key {
                *k = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            }
            if parts.next().is_some() {
                return Err(bad());
            }
            Some(key)
        }
    };
    Ok((after, limit))
}

fn narrow<T: TryFrom<u64>>(v: u64) -> Result<T, ApiError> {
    T::try_from(v).map_err(|_| ApiError::malformed("after is not a cursor this query returned"))
}

/// The `next` cursor of a page of `limit` rows: the last row's key when the store had more.
fn next_cursor<T>(rows: &mut Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(key)
    } else {
        None
    }
}

/// `GET /v1/stats/venues?after=cursor&limit=n`: current certificates by region and category,
/// from totals kept at write time.
pub(crate) async fn stats_venues(
    State(s): State<Shared>,
    uri: Uri,
) -> Result<Json<VenueStats>, ApiError> {
    let (after, limit) = stats_page::<2>(&uri)?;
    let after = match after {
        Some([r, c]) => Some((narrow(r)?, narrow(c)?)),
        None => None,
    };
    let mut rows = blocking(&s, move |st| st.venue_stats_page(after, limit + 1)).await?;
    let next = next_cursor(&mut rows, limit, |r| format!("{}-{}", r.region, r.category));
    let by_region = rows
        .iter()
        .map(|r| VenueStatsRow {
            region: r.region,
            category: slug(r.category),
            active: r.active,
            revoked: r.revoked,
        })
        .collect();
    Ok(Json(VenueStats { by_region, next }))
}

/// `GET /v1/stats/exposures?after=day&limit=n`
pub(crate) async fn stats_exposures(
    State(s): State<Shared>,
    uri: Uri,
) -> Result<Json<ExposureStats>, ApiError> {
    let (after, limit) = stats_page::<1>(&uri)?;
    let after = match after {
        Some([d]) => Some(narrow(d)?),
        None => None,
    };
    let mut rows = blocking(&s, move |st| st.exposure_stats_page(after, limit + 1)).await?;
    let next = next_cursor(&mut rows, limit, |r| r.day.to_string());
    let by_day = rows
        .iter()
        .map(|r| ExposureStatsRow {
            day: venuecode_protocol::time::Epoch::new(r.day),
            batches: r.batches,
            records: r.records,
        })
        .collect();
    Ok(Json(ExposureStats { by_day, next }))
}

/// `GET /v1/stats/counts?after=cursor&limit=n`: pings by region, category and epoch, from
/// totals kept as pings are counted.
pub(crate) async fn stats_counts(
    State(s): State<Shared>,
    uri: Uri,
) -> Result<Json<CountStats>, ApiError> {
    let (after, limit) = stats_page::<3>(&uri)?;
    let after = match after {
        Some([r, c, e]) => Some((narrow(r)?, narrow(c)?, narrow(e)?)),
        None => None,
    };
    let mut rows = blocking(&s, move |st| st.count_stats_page(after, limit + 1)).await?;
    let next = next_cursor(&mut rows, limit, |r| {
        format!("{}-{}-{}", r.region, r.category, r.epoch)
    });
    let rows = rows
        .iter()
        .map(|r| CountStatsRow {
            region: r.region,
            category: slug(r.category),
            epoch: venuecode_protocol::time::Epoch::new(r.epoch),
            count: r.count,
        })
        .collect();
    Ok(Json(CountStats { rows, next }))
}

/// Refuses the count routes with 404 `counts_disabled` while counts are off, before anything
/// else about the request is looked at.
pub(crate) struct CountsEnabled;

impl axum::extract::FromRequestParts<Shared> for CountsEnabled {
    type Rejection = ApiError;

    async fn from_request_parts(
        _: &mut axum::http::request::Parts,
        s: &Shared,
    ) -> Result<Self, ApiError> {
        if s.config.counts {
            Ok(Self)
        } else {
            Err(ApiError::counts_disabled())
        }
    }
}
