//! Signed-request checks: the envelope in the `Venuecode-Signature` header, the clock-skew
//! window and the nonce replay store.
//!
//! Nonces are **persisted** in the store (until the end of their skew window plus a minute),
//! not kept in memory: a restart, or another replica on a shared PostgreSQL backend, must not
//! reopen the window in which a captured request could be replayed. A nonce is recorded only
//! after the signature verifies, so unauthenticated traffic cannot fill the table.
//!
//! Handlers take a signed request as the [`Signed`] extractor, naming where the signing key
//! comes from ([`HaKey`], [`AdminKey`], [`PathVenue`], [`Registering`]): it reads the body,
//! finds the key, verifies the envelope over method, path and body, and records the nonce. It
//! runs only on a request whose headers the admission layer checked for the same kind of
//! signer ([`from_headers`], [`Admitted`]), so a key that may not use a route is refused before
//! its body is read.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderMap, Method, Uri};
use venuecode_protocol::api::ErrorCode;
use venuecode_protocol::envelope::{REQUEST_SKEW_SECONDS, SIGNATURE_HEADER};
use venuecode_protocol::{
    Codec, Error as ProtocolError, PublicKey, RegistrationRequest, RequestEnvelope,
};

use crate::error::ApiError;
use crate::state::{blocking, now_secs, Body, Shared};
use crate::storage::VenueRecord;

/// Reads the envelope from the headers: 401 `signature_missing` when absent, 401
/// `signature_invalid` when it does not parse.
pub(crate) fn envelope(headers: &HeaderMap) -> Result<RequestEnvelope, ApiError> {
    let value = headers
        .get(SIGNATURE_HEADER)
        .ok_or_else(ApiError::signature_missing)?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::signature_invalid("signature header is not ASCII"))?;
    RequestEnvelope::from_header(text)
        .map_err(|e| ApiError::signature_invalid(format!("signature header: {e}")))
}

/// Who may sign a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signer {
    /// One of the trusted HA keys.
    Ha,
    /// The RA administrator key.
    Admin,
    /// A venue key (in the body for a registration, in the stored certificate otherwise).
    Venue,
}

/// What the headers alone tell about a signed request, checked before its body is read: the
/// envelope is present and parses, its timestamp lies in the window, and its key id is one that
/// may use the route (for HA and admin routes, and for a venue's count-tag registration, whose
/// venue is looked up). The signature itself covers the body and is checked by the handler.
pub(crate) async fn from_headers(
    state: &Shared,
    who: Signer,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let env = envelope(headers)?;
    if env.timestamp.abs_diff(now_secs()) > REQUEST_SKEW_SECONDS {
        return Err(out_of_window());
    }
    match who {
        Signer::Ha => {
            ha_key(state, &env)?;
        }
        Signer::Admin => {
            if admin_key(state)?.key_id() != env.key_id {
                return Err(ApiError::signature_invalid(
                    "signed by a key this route does not accept",
                ));
            }
        }
        Signer::Venue => {
            // Only the count-tag registration takes a body larger than a few KiB.
            let serial = uri
                .path()
                .strip_prefix("/v1/venues/")
                .and_then(|rest| rest.strip_suffix("/count-tags"))
                .and_then(|n| n.parse::<u64>().ok());
            if let (Some(serial), true) = (serial, state.config.counts) {
                let venue = blocking(state, move |s| s.venue(serial))
                    .await?
                    .ok_or_else(|| ApiError::not_found("venue"))?;
                let key =
                    PublicKey::from_bytes(&venue.venue_key).map_err(|_| ApiError::internal())?;
                if key.key_id() != env.key_id {
                    return Err(ApiError::signature_invalid(
                        "signed by a key this route does not accept",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn out_of_window() -> ApiError {
    ApiError::new(
        ErrorCode::TimestampOutOfWindow,
        format!("request timestamp is more than {REQUEST_SKEW_SECONDS} s from the server clock"),
    )
}

/// The client address (as the rate limiters key it) of a request, put on it by the admission
/// layer: a large body whose signature fails is charged to it ([`crate::hasher::Debts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Client(pub std::net::IpAddr);

/// Verifies `env` against `key` for this method, path with query and body, then records its
/// nonce, refusing a replay. A large body whose signature fails is charged to `client`.
async fn authenticate(
    state: &Shared,
    client: Option<Client>,
    env: &RequestEnvelope,
    key: &PublicKey,
    (method, uri): (&Method, &Uri),
    body: &Bytes,
) -> Result<(), ApiError> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let digest = state.hasher.digest(body).await?;
    env.verify_digest(key, method.as_str(), path, &digest, now_secs())
        .map_err(|e| match e {
            ProtocolError::UnknownKeyId => {
                ApiError::signature_invalid("signed by a key this route does not accept")
            }
            ProtocolError::RequestTimestampOutOfWindow => out_of_window(),
            _ => {
                if let (Some(Client(ip)), true) =
                    (client, body.len() > crate::hasher::INLINE_HASH_BYTES)
                {
                    state.debts.add(ip, body.len() as u64);
                }
                ApiError::signature_invalid("request signature does not verify")
            }
        })?;
    let key_id = env.key_id.0;
    let nonce = env.nonce;
    let expires_at = env.timestamp.saturating_add(REQUEST_SKEW_SECONDS + 60);
    let fresh = blocking(state, move |s| s.record_nonce(key_id, nonce, expires_at)).await?;
    if fresh {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Replayed,
            "this request was seen before; sign each request with a fresh nonce",
        ))
    }
}

/// The trusted HA key that signed `env`, or 401 `signature_invalid`.
pub(crate) fn ha_key(state: &Shared, env: &RequestEnvelope) -> Result<PublicKey, ApiError> {
    state
        .keys
        .ha
        .iter()
        .find(|k| k.key_id() == env.key_id)
        .copied()
        .ok_or_else(|| ApiError::signature_invalid("signed by a key that is not a trusted HA key"))
}

/// The RA administrator key, or 401 `signature_invalid` when none is configured.
pub(crate) fn admin_key(state: &Shared) -> Result<PublicKey, ApiError> {
    state
        .keys
        .admin
        .ok_or_else(|| ApiError::signature_invalid("no RA administrator key is configured"))
}

/// Put on a request by the admission layer once its headers passed [`from_headers`] for this
/// kind of signer; [`Signed`] refuses to read a body without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Admitted(pub Signer);

/// Where the key that must sign a route comes from.
pub(crate) trait KeySource: Sized + Send {
    /// The kind of signer, as the admission layer checked it from the headers.
    const SIGNER: Signer;

    /// Finds the key, from the state, the route's path parameter (if any) or the body. What it
    /// found on the way (a stored venue, a decoded registration) is handed to the handler.
    fn find(
        state: &Shared,
        param: Option<String>,
        env: &RequestEnvelope,
        body: &Bytes,
    ) -> impl Future<Output = Result<(Self, PublicKey), ApiError>> + Send;
}

/// Signed by one of the trusted HA keys.
pub(crate) struct HaKey;

impl KeySource for HaKey {
    const SIGNER: Signer = Signer::Ha;

    async fn find(
        state: &Shared,
        _: Option<String>,
        env: &RequestEnvelope,
        _: &Bytes,
    ) -> Result<(Self, PublicKey), ApiError> {
        Ok((Self, ha_key(state, env)?))
    }
}

/// Signed by the RA administrator key.
pub(crate) struct AdminKey;

impl KeySource for AdminKey {
    const SIGNER: Signer = Signer::Admin;

    async fn find(
        state: &Shared,
        _: Option<String>,
        _: &RequestEnvelope,
        _: &Bytes,
    ) -> Result<(Self, PublicKey), ApiError> {
        Ok((Self, admin_key(state)?))
    }
}

/// Signed by the key of the stored venue the path's `{serial}` names (400 for a serial that
/// is not a number, 404 for an unknown venue).
pub(crate) struct PathVenue(pub VenueRecord);

impl KeySource for PathVenue {
    const SIGNER: Signer = Signer::Venue;

    async fn find(
        state: &Shared,
        param: Option<String>,
        _: &RequestEnvelope,
        _: &Bytes,
    ) -> Result<(Self, PublicKey), ApiError> {
        let serial = param
            .and_then(|p| p.parse::<u64>().ok())
            .ok_or_else(|| ApiError::malformed("serial is not a number"))?;
        let venue = blocking(state, move |st| st.venue(serial))
            .await?
            .ok_or_else(|| ApiError::not_found("venue"))?;
        let key = PublicKey::from_bytes(&venue.venue_key).map_err(|e| {
            tracing::error!(error = %e, "stored venue key does not parse");
            ApiError::internal()
        })?;
        Ok((Self(venue), key))
    }
}

/// Signed by the venue key inside the body, a `RegistrationRequest` (400 when it does not
/// decode or names an unknown category).
pub(crate) struct Registering(pub RegistrationRequest);

impl KeySource for Registering {
    const SIGNER: Signer = Signer::Venue;

    async fn find(
        _: &Shared,
        _: Option<String>,
        _: &RequestEnvelope,
        body: &Bytes,
    ) -> Result<(Self, PublicKey), ApiError> {
        let req = Self::decode(body)?;
        let key = req.0.venue_key;
        Ok((req, key))
    }
}

impl Registering {
    /// Decodes a registration (or update) body: 400 when it does not decode or names an
    /// unknown category.
    pub(crate) fn decode(body: &[u8]) -> Result<Self, ApiError> {
        let req = RegistrationRequest::decode(body)
            .map_err(|e| ApiError::protocol("registration request", e))?;
        if req.info.category().slug().is_none() {
            return Err(ApiError::malformed("unknown venue category"));
        }
        Ok(Self(req))
    }
}

/// A request whose envelope verified under the key `K` finds, with its nonce recorded: what
/// `K` found and the body.
pub(crate) struct Signed<K>(pub K, pub Bytes);

impl<K: KeySource> FromRequest<Shared> for Signed<K> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Shared) -> Result<Self, ApiError> {
        if req.extensions().get::<Admitted>() != Some(&Admitted(K::SIGNER)) {
            // A route whose signer the admission layer does not know: its body would be read
            // before the key is checked. A programming error, caught by every signed test.
            tracing::error!(uri = %req.uri().path(), "signed route not checked before its body");
            return Err(ApiError::internal());
        }
        let client = req.extensions().get::<Client>().copied();
        let (mut parts, body) = req.into_parts();
        let env = envelope(&parts.headers)?;
        let param = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .ok()
            .and_then(|p| p.iter().next().map(|(_, v)| v.to_owned()));
        let (method, uri) = (parts.method.clone(), parts.uri.clone());
        let Body(body) = Body::from_request(Request::from_parts(parts, body), state).await?;
        let (found, key) = K::find(state, param, &env, &body).await?;
        authenticate(state, client, &env, &key, (&method, &uri), &body).await?;
        Ok(Self(found, body))
    }
}
