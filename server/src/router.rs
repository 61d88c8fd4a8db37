//! The route tables: the public API and the layers around it (separate slots for reads and for
//! requests with bodies, body limits and who may send them, checked from the headers before any
//! body byte is read, the budget of body bytes in flight, timeouts, per-IP rate limits, metrics
//! and request logs); and the operator's metrics listener, which alone serves `/metrics`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{BoxError, Json, Router};
use tower::ServiceBuilder;

use venuecode_protocol::api::ErrorCode;

use crate::api;
use crate::auth::{self, Signer};
use crate::error::ApiError;
use crate::metrics::RequestLabels;
use crate::state::{BodyPace, Shared};

/// Body limit of small signed control requests (registration, update, count tags).
const SMALL_BODY: usize = venuecode_protocol::api::MAX_CONTROL_BODY;
/// Body limit of TAN registrations.
const TANS_BODY: usize = venuecode_protocol::api::MAX_TANS_BODY;
/// Body limit of count pings: one `CountPing`.
const COUNTS_BODY: usize = venuecode_protocol::count::COUNT_PING_BYTES;
/// Body limit of routes that take no body.
const NO_BODY: usize = venuecode_protocol::api::MAX_EMPTY_BODY;

/// Builds the public service. It has no `/metrics`: the counters tell the second each case
/// uploads, and only the metrics listener ([`metrics_router`]) serves them.
pub(crate) fn router(state: Shared) -> Router {
    let c = &state.config;
    let small = DefaultBodyLimit::max(SMALL_BODY);
    let base = c.web_app_path.clone();
    let v1 = Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/authority", get(api::authority))
        .route("/v1/venues", post(api::register_venue).layer(small))
        .route(
            "/v1/venues/{serial}",
            get(api::get_venue).put(api::update_venue).layer(small),
        )
        .route(
            "/v1/venues/{serial}/revoke",
            post(api::revoke_venue).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/venues/{serial}/count-tags",
            post(api::post_count_tags).layer(DefaultBodyLimit::max(SMALL_BODY)),
        )
        .route(
            "/v1/admin/venues",
            get(api::search_venues).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/admin/venues/{serial}/disable",
            post(api::disable_venue).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route("/v1/registrations/{id}", get(api::registration_status))
        .route(
            "/v1/admin/registrations",
            get(api::pending_registrations).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/admin/registrations/{id}/approve",
            post(api::approve_registration).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/admin/registrations/{id}/refuse",
            post(api::refuse_registration).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route("/v1/revocations", get(api::revocations))
        .route(
            "/v1/batches",
            get(api::list_batches)
                .post(api::post_batch)
                .layer(DefaultBodyLimit::max(c.max_batch_bytes)),
        )
        .route("/v1/batches/{sequence}", get(api::get_batch))
        .route(
            "/v1/checkpoints",
            post(api::post_checkpoint).layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route("/v1/checkpoint", get(api::get_checkpoint))
        .route("/v1/trust-bundle", get(api::get_trust_bundle))
        .route(
            "/v1/tans",
            post(api::post_tans).layer(DefaultBodyLimit::max(TANS_BODY)),
        )
        .route(
            "/v1/tans/{hash}",
            get(api::get_tan)
                .delete(api::delete_tan)
                .layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/uploads",
            get(api::list_uploads)
                .layer(DefaultBodyLimit::max(NO_BODY))
                .merge(post(api::post_upload).layer(DefaultBodyLimit::max(c.max_upload_bytes))),
        )
        .route(
            "/v1/uploads/{id}",
            get(api::get_upload)
                .delete(api::delete_upload)
                .layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/counts",
            get(api::get_counts)
                .merge(post(api::post_counts).layer(DefaultBodyLimit::max(COUNTS_BODY))),
        )
        .route("/v1/stats/venues", get(api::stats_venues))
        .route("/v1/stats/exposures", get(api::stats_exposures))
        .route("/v1/stats/counts", get(api::stats_counts))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(layer_error))
                .timeout(c.request_timeout()),
        )
        .layer(middleware::from_fn_with_state(state.clone(), admit_body))
        .layer(middleware::from_fn_with_state(state.clone(), take_slot))
        // Liveness stays outside the concurrency limit, so that an overloaded server is not
        // also reported dead.
        .route("/healthz", get(healthz))
        // The visitor web app at the code base path (static files from memory).
        .route(&base, any(crate::webapp::serve))
        .route(&format!("{base}/"), any(crate::webapp::serve))
        .route(&format!("{base}/{{*file}}"), any(crate::webapp::serve))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        // Outermost, so that it also sees the fallbacks' 404 and 405.
        .layer(middleware::from_fn(close_after_unread_body));
    v1.with_state(state)
}

/// Builds the metrics listener's service: `/metrics` and `/healthz`, everything else 404. It
/// takes no processing slot and is not counted in the request metrics, so that it answers, and
/// reports the public listener alone, while that one is overloaded.
pub(crate) fn metrics_router(state: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn(close_after_unread_body))
        .with_state(state)
}

/// Says `Connection: close` on every answer that may leave the request body unread: 408, 413,
/// 429 and 503, and any error answer to a request that announced a body (a refusal from its
/// headers, a 404 or 405 from the router). hyper then closes the connection (lingering, see
/// `conn.rs`); without the header it may close it all the same when the body has not arrived
/// whole, and a client that kept the connection for its next request would see that request
/// cut off (issue #11).
async fn close_after_unread_body(req: Request, next: Next) -> Response {
    let announced_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut resp = next.run(req).await;
    let status = resp.status().as_u16();
    if matches!(status, 408 | 413 | 429 | 503) || (status >= 400 && announced_body) {
        resp.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
    resp
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(s): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn no_route() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}

/// Maps the timeout layer's errors to API errors.
async fn layer_error(err: BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            ErrorCode::Timeout,
            "the request took longer than the server allows",
        )
    } else {
        tracing::error!(error = %err, "middleware failure");
        ApiError::internal()
    }
}

fn overloaded(what: &str) -> Response {
    ApiError::new(
        ErrorCode::Overloaded,
        format!("the server is at its limit of {what}; retry later"),
    )
    .into_response()
}

/// Takes a processing slot, or sheds the request with 503. Reads (`GET`, `HEAD`) and requests
/// with bodies have separate budgets, so that clients sending bodies, however slowly, never take
/// the slots that serve phones their batches and revocation lists.
async fn take_slot(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let (slots, what) = if matches!(*req.method(), Method::GET | Method::HEAD) {
        (&s.read_slots, "concurrent reads")
    } else {
        (&s.write_slots, "concurrent writes")
    };
    let Ok(_slot) = Arc::clone(slots).try_acquire_owned() else {
        s.metrics.event("shed");
        return overloaded(what);
    };
    next.run(req).await
}

/// The body limit of a route, by method and route template: the same numbers the route table
/// gives its `DefaultBodyLimit` layers. Routes that read no body have none.
fn body_limit(c: &crate::Config, method: &Method, route: &str) -> Option<usize> {
    Some(match (method.as_str(), route) {
        ("POST", "/v1/venues") | ("GET" | "PUT", "/v1/venues/{serial}") => SMALL_BODY,
        ("POST", "/v1/venues/{serial}/revoke" | "/v1/admin/venues/{serial}/disable") => NO_BODY,
        ("GET", "/v1/admin/registrations" | "/v1/admin/venues")
        | (
            "POST",
            "/v1/admin/registrations/{id}/approve" | "/v1/admin/registrations/{id}/refuse",
        ) => NO_BODY,
        ("POST", "/v1/venues/{serial}/count-tags") => SMALL_BODY,
        ("POST", "/v1/tans") => TANS_BODY,
        ("POST", "/v1/checkpoints") => NO_BODY,
        (_, "/v1/batches") => c.max_batch_bytes,
        ("POST", "/v1/uploads") => c.max_upload_bytes,
        (_, "/v1/uploads" | "/v1/uploads/{id}" | "/v1/tans/{hash}") => NO_BODY,
        ("POST", "/v1/counts") => COUNTS_BODY,
        _ => return None,
    })
}

/// Which key may sign a route, as far as the headers can tell.
fn signer(method: &Method, route: &str) -> Option<Signer> {
    match (method.as_str(), route) {
        ("POST", "/v1/batches" | "/v1/checkpoints" | "/v1/tans")
        | (_, "/v1/uploads/{id}" | "/v1/tans/{hash}")
        | ("GET", "/v1/uploads") => Some(Signer::Ha),
        ("POST", "/v1/admin/venues/{serial}/disable")
        | ("GET", "/v1/admin/registrations" | "/v1/admin/venues")
        | (
            "POST",
            "/v1/admin/registrations/{id}/approve" | "/v1/admin/registrations/{id}/refuse",
        ) => Some(Signer::Admin),
        ("POST", "/v1/venues" | "/v1/venues/{serial}/revoke") | ("PUT", "/v1/venues/{serial}") => {
            Some(Signer::Venue)
        }
        ("POST", "/v1/venues/{serial}/count-tags") => Some(Signer::Venue),
        _ => None,
    }
}

/// Everything about a request's body that the headers tell, checked before any of it is read:
/// its announced size against the route's limit (413), the per-address rate limits (429), who signed it (401: no signature, a key that may
/// not use the route, a timestamp out of the window) or the TAN it spends (403, 409, 410), then
/// a share of the budget of body bytes in flight (503). The body is then read at the minimum
/// rate ([`BodyPace`]) and the signature checked over it by the handler.
async fn admit_body(
    State(s): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(String::new, |p| p.as_str().to_owned());
    let method = req.method().clone();
    let Some(limit) = body_limit(&s.config, &method, &route) else {
        return next.run(req).await;
    };
    let headers = req.headers();
    // A body without a length (chunked) is held to its route's limit, and counts as that much
    // against the budget of bytes in flight.
    let declared = match headers.get(header::CONTENT_LENGTH) {
        Some(v) => match v.to_str().ok().and_then(|v| v.parse::<u64>().ok()) {
            Some(n) => n,
            None => return ApiError::malformed("Content-Length is not a number").into_response(),
        },
        None if headers.contains_key(header::TRANSFER_ENCODING) => limit as u64,
        None => 0,
    };
    if declared > limit as u64 {
        return ApiError::too_large().into_response();
    }
    let client = s
        .config
        .client_ip_header
        .as_deref()
        .and_then(|name| forwarded_ip(headers, name))
        .unwrap_or_else(|| peer.ip());
    if let Err(refusal) = rate_limit(&s, &method, &route, client) {
        return refusal;
    }
    let client = limiter_key(client);
    let signed = signer(&method, &route);
    if signed.is_some() && declared > crate::hasher::INLINE_HASH_BYTES as u64 {
        if let Some(secs) = s.debts.owes(client) {
            s.metrics.event("signature_debt");
            return too_many(
                &s,
                secs,
                "a large signed body from this address failed its signature check; \
                 send large signed bodies again after Retry-After seconds",
            );
        }
    }
    let checked = match signed {
        Some(who) => auth::from_headers(&s, who, req.uri(), headers)
            .await
            .map(|()| Some(who)),
        None if method == Method::POST && route == "/v1/uploads" => {
            api::upload_tan(&s, headers).await.map(|_| None)
        }
        None => Ok(None),
    };
    let admitted = match checked {
        Ok(who) => who,
        Err(e) => {
            s.metrics.event("refused_before_body");
            let mut resp = e.into_response();
            // The body, if any, was not read, so the connection cannot carry another request.
            if declared > 0 {
                resp.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
            }
            return resp;
        }
    };
    if let Some(who) = admitted {
        req.extensions_mut().insert(auth::Admitted(who));
        req.extensions_mut().insert(auth::Client(client));
    }
    // The share is held until the request is answered, since the handler keeps the body.
    let _share = if declared == 0 {
        None
    } else {
        let share = u32::try_from(declared)
            .ok()
            .and_then(|n| Arc::clone(&s.body_bytes).try_acquire_many_owned(n).ok());
        match share {
            Some(share) => Some(share),
            None => {
                s.metrics.event("shed_body_bytes");
                return overloaded("request body bytes in flight");
            }
        }
    };
    req.extensions_mut().insert(BodyPace {
        min_rate: s.config.min_body_rate.max(1),
        grace: Duration::from_millis(s.config.body_grace_ms),
    });
    next.run(req).await
}

fn too_many(s: &Shared, retry_secs: u64, message: &'static str) -> Response {
    s.metrics.event("rate_limited");
    let mut resp = ApiError::new(ErrorCode::RateLimited, message).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&retry_secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Per-address limits of the public write routes (uploads, counts) and of registrations, and
/// the server-wide limit of registrations. The address is used as the limiters' key in memory
/// and never logged.
#[allow(clippy::result_large_err)]
fn rate_limit(s: &Shared, method: &Method, route: &str, client: IpAddr) -> Result<(), Response> {
    let key = limiter_key(client);
    match (method.as_str(), route) {
        ("POST", "/v1/uploads" | "/v1/counts") if s.limiter.check_key(&key).is_err() => {
            let retry = 60 / u64::from(s.config.rate_per_minute.max(1));
            return Err(too_many(
                s,
                retry,
                "too many requests from this address; slow down",
            ));
        }
        ("POST", "/v1/venues") => {
            if s.registrations_by_ip.check_key(&key).is_err() {
                let retry = 3600 / u64::from(s.config.registrations_per_ip_per_hour.max(1));
                return Err(too_many(
                    s,
                    retry,
                    "too many registrations from this address; try again later",
                ));
            }
            if s.registrations.check().is_err() {
                let retry = 60 / u64::from(s.config.registrations_per_minute.max(1));
                return Err(too_many(
                    s,
                    retry,
                    "the server takes no more registrations just now; try again later",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The last address in a proxy's header (`x-forwarded-for: client, proxy1`): the one the
/// trusted proxy in front of this server added.
fn forwarded_ip(headers: &header::HeaderMap, name: &str) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    value.rsplit(',').next()?.trim().parse().ok()
}

/// The limiter's key for an address: the address itself for IPv4, its /64 prefix for IPv6,
/// since one client commonly holds a whole /64.
pub(crate) fn limiter_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(seg))
            }
        },
    }
}

/// Counts and logs each request by route template and status; nothing the client sent.
async fn observe(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let in_flight = crate::metrics::InFlight::new(&s.metrics.in_flight);
    let resp = next.run(req).await;
    drop(in_flight);
    let status = resp.status().as_u16();
    let elapsed: Duration = start.elapsed();
    tracing::info!(
        method = %method,
        route = %route,
        status,
        micros = elapsed.as_micros() as u64,
        "request"
    );
    s.metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status,
        })
        .inc();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_header_gives_its_last_address() {
        let mut h = header::HeaderMap::new();
        h.append("x-forwarded-for", "198.51.100.1".parse().expect("value"));
        h.append(
            "x-forwarded-for",
            "203.0.113.9, 192.0.2.1".parse().expect("value"),
        );
        let ip = forwarded_ip(&h, "x-forwarded-for");
        assert_eq!(ip, Some("192.0.2.1".parse().expect("address")));
        h.insert("x-real-ip", "not an address".parse().expect("value"));
        assert_eq!(forwarded_ip(&h, "x-real-ip"), None);
        assert_eq!(forwarded_ip(&h, "absent"), None);
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("address");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(limiter_key(a), limiter_key(b));
        assert_ne!(limiter_key(a), limiter_key(c));
        let v4: IpAddr = "192.0.2.7".parse().expect("address");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("address");
        assert_eq!(limiter_key(v4), v4);
        assert_eq!(limiter_key(mapped), v4);
    }
}
