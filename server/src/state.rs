//! Shared state of the running service, and small helpers the handlers share.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::RequestExt as _;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter};
use tokio::sync::Semaphore;
use venuecode_protocol::TrustAnchors;

use crate::config::{Config, Keys};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::storage::{Storage, StorageResult};

/// What every handler can reach.
pub(crate) struct AppState {
    pub store: Arc<dyn Storage>,
    pub keys: Keys,
    pub anchors: TrustAnchors,
    pub config: Config,
    pub metrics: Metrics,
    /// Per-IP limiter of the public write routes. It holds addresses in memory only, for as long
    /// as their bucket is not full again.
    pub limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Recently served exposure batches (immutable), answered from memory.
    pub batch_cache: crate::cache::BatchCache,
    /// Revocation pages signed this minute, by cursor and head.
    pub revocation_pages: crate::cache::RevocationPages,
    /// The trust bundle given at start (`--trust-bundle`), verified, as its bytes.
    pub trust_bundle: Option<Bytes>,
    /// The visitor web app (`--web-app`), read at start.
    pub web_app: Option<crate::webapp::WebApp>,
    /// Processing slots of reads (`GET`, `HEAD`).
    pub read_slots: Arc<Semaphore>,
    /// Processing slots of requests with bodies.
    pub write_slots: Arc<Semaphore>,
    /// Budget of request body bytes in flight, one permit a byte.
    pub body_bytes: Arc<Semaphore>,
    /// Per-address limiter of venue registrations.
    pub registrations_by_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Server-wide limiter of venue registrations.
    pub registrations: DefaultDirectRateLimiter,
    /// Hashes large signed bodies off the runtime's workers.
    pub hasher: crate::hasher::BulkHasher,
    /// What each address made the server hash for signatures that failed.
    pub debts: crate::hasher::Debts,
}

/// How fast a request body must arrive: on average at least `min_rate` bytes a second once
/// `grace` has passed. Set on a request by the admission layer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyPace {
    pub min_rate: u64,
    pub grace: std::time::Duration,
}

/// The state as handlers hold it.
pub(crate) type Shared = Arc<AppState>;

/// Unix seconds now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Unix minutes now.
pub(crate) fn now_minute() -> u32 {
    u32::try_from(now_secs() / 60).unwrap_or(u32::MAX)
}

/// UTC day number now.
pub(crate) fn today() -> u32 {
    u32::try_from(now_secs() / 86_400).unwrap_or(u32::MAX)
}

/// Runs a storage call on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn Storage) -> StorageResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let store = Arc::clone(&state.store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "storage task failed");
            ApiError::internal()
        })?
        .map_err(ApiError::from)
}

/// The raw request body, with the route's size limit answered as 413 `too_large` in JSON.
pub(crate) struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // A body whose Content-Length is over the route's limit is refused before any of it
        // is read, so that announcing a large body costs the server nothing. (The limited
        // body's size hint is capped at the limit; the raw body's is the declared length.)
        let declared = axum::body::HttpBody::size_hint(req.body()).exact();
        let req = req.with_limited_body();
        let allowed = axum::body::HttpBody::size_hint(req.body()).upper();
        if let (Some(declared), Some(allowed)) = (declared, allowed) {
            if declared > allowed {
                return Err(ApiError::too_large());
            }
        }
        if let Some(pace) = req.extensions().get::<BodyPace>().copied() {
            return read_paced(req.into_body(), pace, declared).await.map(Self);
        }
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(Self(b)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::too_large())
            }
            Err(rejection) => Err(ApiError::malformed(format!(
                "could not read the body: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Reads a (length-limited) body frame by frame, refusing with 408 a body that falls behind
/// `pace`: by `grace + n / min_rate` after the start, `n` bytes must have arrived.
async fn read_paced(
    mut body: axum::body::Body,
    pace: BodyPace,
    declared: Option<u64>,
) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt as _;
    let start = tokio::time::Instant::now();
    // The buffer grows with what has arrived (doubling, up to the declared length) rather than
    // taking the declared length up front: a body trickled in slowly, or cut off, then holds
    // about what it sent, not what it announced.
    let declared = declared.and_then(|n| usize::try_from(n).ok());
    let mut buf = Vec::new();
    loop {
        let behind = std::time::Duration::from_secs_f64(buf.len() as f64 / pace.min_rate as f64);
        let deadline = start + pace.grace + behind;
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(frame) => frame,
            Err(_) => {
                return Err(ApiError::new(
                    venuecode_protocol::api::ErrorCode::Timeout,
                    format!(
                        "the request body arrived slower than {} bytes a second",
                        pace.min_rate
                    ),
                ))
            }
        };
        match frame {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    grow_for(&mut buf, data.len(), declared);
                    buf.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => {
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                while let Some(err) = source {
                    if err.is::<http_body_util::LengthLimitError>() {
                        return Err(ApiError::too_large());
                    }
                    source = err.source();
                }
                return Err(ApiError::malformed("could not read the body"));
            }
        }
    }
    Ok(Bytes::from(buf))
}

/// Smallest step a body buffer grows by.
const BODY_STEP: usize = 16 * 1024;

/// Makes room in `buf` for `more` bytes: at least doubling its capacity (so that a body costs
/// amortised constant copying per byte), but never past the declared length when the body
/// stays within it.
fn grow_for(buf: &mut Vec<u8>, more: usize, declared: Option<usize>) {
    let needed = buf.len().saturating_add(more);
    if needed <= buf.capacity() {
        return;
    }
    let mut target = needed.max(buf.capacity().saturating_mul(2)).max(BODY_STEP);
    if let Some(declared) = declared {
        target = target.min(declared.max(needed));
    }
    buf.reserve_exact(target - buf.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_buffer_grows_with_what_arrived_and_stops_at_the_declared_length() {
        let declared = Some(1 << 20);
        let mut buf = Vec::new();
        // A trickle of 64-byte frames holds a small buffer, not the announced MiB.
        for _ in 0..64 {
            grow_for(&mut buf, 64, declared);
            buf.extend_from_slice(&[0; 64]);
        }
        assert_eq!(buf.len(), 4096);
        assert!(buf.capacity() <= BODY_STEP, "capacity {}", buf.capacity());
        // Fast frames double the buffer, and the last step ends at the declared length.
        while buf.len() < 1 << 20 {
            let n = (64 * 1024).min((1 << 20) - buf.len());
            let before = buf.capacity();
            grow_for(&mut buf, n, declared);
            assert!(buf.capacity() >= buf.len() + n);
            assert!(buf.capacity() == before || buf.capacity() >= (2 * before).min(1 << 20));
            buf.extend(std::iter::repeat_n(0, n));
        }
        assert_eq!(buf.capacity(), 1 << 20);
        // Without a declared length (chunked), it still doubles.
        let mut open = Vec::new();
        grow_for(&mut open, 10, None);
        assert!(open.capacity() >= BODY_STEP);
    }
}
