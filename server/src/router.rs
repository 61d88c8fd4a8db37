//! The route table and the layers around it: body limits, timeouts, load shedding, per-IP
//! rate limits, metrics and request logs.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use tower::ServiceBuilder;

use crate::api;
use crate::error::ApiError;
use crate::metrics::RequestLabels;
use crate::state::Shared;

/// Body limit of small signed control requests (registration, revoke, JSON).
const SMALL_BODY: usize = 16 * 1024;
/// Body limit of TAN registrations.
const TANS_BODY: usize = 2 * 1024 * 1024;
/// Body limit of count pings: one `CountPing`.
const COUNTS_BODY: usize = venuecode_protocol::count::COUNT_PING_BYTES;
/// Body limit of routes that take no body.
const NO_BODY: usize = 1024;

/// Builds the service.
pub(crate) fn router(state: Shared) -> Router {
    let c = &state.config;
    let small = DefaultBodyLimit::max(SMALL_BODY);
    let limited = || middleware::from_fn_with_state(state.clone(), rate_limit);
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
            "/v1/admin/venues/{serial}/disable",
            post(api::disable_venue).layer(DefaultBodyLimit::max(NO_BODY)),
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
            "/v1/uploads",
            get(api::list_uploads)
                .layer(DefaultBodyLimit::max(NO_BODY))
                .merge(
                    post(api::post_upload)
                        .layer(DefaultBodyLimit::max(c.max_upload_bytes))
                        .layer(limited()),
                ),
        )
        .route(
            "/v1/uploads/{id}",
            get(api::get_upload)
                .delete(api::delete_upload)
                .layer(DefaultBodyLimit::max(NO_BODY)),
        )
        .route(
            "/v1/counts",
            get(api::get_counts).merge(
                post(api::post_counts)
                    .layer(DefaultBodyLimit::max(COUNTS_BODY))
                    .layer(limited()),
            ),
        )
        .route("/v1/stats/venues", get(api::stats_venues))
        .route("/v1/stats/exposures", get(api::stats_exposures))
        .route("/v1/stats/counts", get(api::stats_counts))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(layer_error))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    c.max_concurrency.max(1),
                ))
                .timeout(c.request_timeout()),
        )
        // Liveness and metrics stay outside the concurrency limit, so that an overloaded
        // server is not also reported dead.
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method);
    v1.with_state(state)
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
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// Maps the timeout and load-shedding layers' errors to API errors.
async fn layer_error(err: BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took longer than the server allows",
        )
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is at its concurrency limit; retry later",
        )
    } else {
        tracing::error!(error = %err, "middleware failure");
        ApiError::internal()
    }
}

/// Per-IP limit of the public write routes. The address is used as the limiter's key in memory
/// and never logged.
async fn rate_limit(
    State(s): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let client = s
        .config
        .client_ip_header
        .as_deref()
        .and_then(|name| forwarded_ip(req.headers(), name))
        .unwrap_or_else(|| peer.ip());
    if s.limiter.check_key(&limiter_key(client)).is_err() {
        s.metrics.event("rate_limited");
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from this address; slow down",
        )
        .into_response();
        let retry = 60 / s.config.rate_per_minute.max(1);
        if let Ok(v) = header::HeaderValue::from_str(&retry.max(1).to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    next.run(req).await
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
    let mut resp = next.run(req).await;
    drop(in_flight);
    let status = resp.status().as_u16();
    // These answers may leave the request body unread, and then the connection cannot carry
    // another request; saying so keeps clients from reusing it and failing.
    if matches!(status, 408 | 413 | 429 | 503) {
        resp.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
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
