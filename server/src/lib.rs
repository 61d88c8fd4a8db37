#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod auth;
mod cache;
pub mod config;
mod conn;
mod error;
mod hasher;
pub mod keyfile;
mod metrics;
pub mod openapi;
mod router;
mod state;
pub mod storage;
mod tls;
pub mod venue_text;
pub mod webapp;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{Quota, RateLimiter};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use venuecode_protocol::TrustAnchors;

pub use api::{DEFAULT_STATS_PAGE, MAX_COUNT_DAYS, MAX_STATS_PAGE, SUPERSEDED, TAN_HEADER};
pub use config::{Config, Keys};
pub use error::{ApiError, ServerError};
pub use storage::{PgStorage, RedbStorage, Storage};

use state::{now_secs, AppState, Shared};

/// A bound, not yet running server. [`Server::local_addr`] and [`Server::metrics_addr`] tell
/// the ports when the configuration asked for port 0.
pub struct Server {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Shared,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.listener.local_addr().ok())
            .field(
                "metrics_addr",
                &self
                    .metrics_listener
                    .as_ref()
                    .and_then(|l| l.local_addr().ok()),
            )
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Loads the keys, opens the store (PostgreSQL if [`Config::postgres_url`] is set, else
    /// redb in the data directory) and binds the listener.
    pub async fn bind(config: Config) -> Result<Self, ServerError> {
        let keys = Keys::load(&config)?;
        let dir = config.data_dir.clone();
        let pg = config
            .postgres_url
            .clone()
            .map(|url| (url, config.postgres_connections));
        let store =
            tokio::task::spawn_blocking(move || -> storage::StorageResult<Arc<dyn Storage>> {
                Ok(match pg {
                    Some((url, max)) => Arc::new(PgStorage::open(&url, max)?),
                    None => Arc::new(RedbStorage::open(&dir)?),
                })
            })
            .await
            .map_err(|e| ServerError::Config(format!("store task failed: {e}")))??;
        Self::bind_with(config, keys, store).await
    }

    /// Binds with given keys and any storage backend. With [`Config::tls_cert`] and
    /// [`Config::tls_key`], loads them and serves HTTPS. With [`Config::metrics_listen`], binds
    /// the metrics listener too (plain HTTP).
    pub async fn bind_with(
        config: Config,
        keys: Keys,
        store: Arc<dyn Storage>,
    ) -> Result<Self, ServerError> {
        if config.retention_days == 0 {
            return Err(ServerError::Config(
                "the retention period must be at least one day".into(),
            ));
        }
        let metrics_addr = config.metrics_address()?;
        let mut anchors = TrustAnchors::default();
        anchors.add_ra(keys.ra.public_key());
        for k in &keys.ha {
            anchors.add_ha(*k);
        }
        let per_minute = NonZeroU32::new(config.rate_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.rate_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst));
        let trust_bundle = config.load_trust_bundle()?.map(axum::body::Bytes::from);
        webapp::check_base_path(&config.web_app_path)?;
        let web_app = config
            .web_app
            .as_deref()
            .map(|dir| webapp::WebApp::load(dir, &config.web_app_path, trust_bundle.as_ref()))
            .transpose()?;
        if let Some(app) = &web_app {
            tracing::info!(path = %config.web_app_path, files = app.len(), "serving the web app");
        }
        let per_hour =
            NonZeroU32::new(config.registrations_per_ip_per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        let registrations_by_ip = RateLimiter::keyed(Quota::per_hour(per_hour));
        let per_minute =
            NonZeroU32::new(config.registrations_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let registrations = RateLimiter::direct(Quota::per_minute(per_minute));
        let slots = |n: usize| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)));
        fit_descriptor_limit(&config)?;
        let tls = config
            .tls_files()?
            .map(|(cert, key)| tls::load_acceptor(cert, key))
            .transpose()?;
        let listener = TcpListener::bind(config.listen).await?;
        let metrics_listener = match metrics_addr {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                ServerError::Config(format!("cannot listen on --metrics-listen {addr}: {e}"))
            })?),
            None => None,
        };
        let config_cache_bytes = config.batch_cache_bytes;
        let read_slots = slots(config.max_concurrency);
        let write_slots = slots(config.max_write_concurrency);
        let body_bytes = slots(config.max_body_bytes_in_flight);
        let state = Arc::new(AppState {
            store,
            keys,
            anchors,
            config,
            metrics: metrics::Metrics::new(),
            limiter,
            batch_cache: cache::BatchCache::new(config_cache_bytes),
            revocation_pages: cache::RevocationPages::default(),
            trust_bundle,
            web_app,
            read_slots,
            write_slots,
            body_bytes,
            registrations_by_ip,
            registrations,
            hasher: hasher::BulkHasher::start()?,
            debts: hasher::Debts::default(),
        });
        Ok(Self {
            listener,
            metrics_listener,
            tls,
            state,
        })
    }

    /// `https` when the server terminates TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        Ok(self.listener.local_addr()?)
    }

    /// The address the metrics listener listens on, if metrics are served.
    pub fn metrics_addr(&self) -> Result<Option<SocketAddr>, ServerError> {
        Ok(self
            .metrics_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight, stops the
    /// retention job and closes the store before returning.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let Self {
            listener,
            metrics_listener,
            tls,
            state,
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let retention = tokio::spawn(retention_job(Arc::clone(&state), stop_rx.clone()));
        let metrics_url = metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map_or_else(|| "off".to_owned(), |a| format!("http://{a}/metrics"));
        // The public address comes first: harnesses read the first address of this line.
        tracing::info!(
            addr = ?listener.local_addr().ok(),
            tls = tls.is_some(),
            max_connections = state.config.max_connections,
            metrics = %metrics_url,
            "venuecode server listening"
        );
        // The metrics listener serves until the public one has drained, so that a shutdown
        // can be watched to its end.
        let metrics = metrics_listener.map(|tcp| {
            let listener = conn::Listener {
                tcp,
                tls: None,
                app: router::metrics_router(Arc::clone(&state)),
                caps: conn::ConnectionCaps::new(
                    config::METRICS_CONNECTIONS,
                    config::METRICS_CONNECTIONS,
                ),
                counted: false,
            };
            let mut stop = stop_rx;
            tokio::spawn(conn::serve(listener, Arc::clone(&state), async move {
                let _ = stop.wait_for(|s| *s).await;
            }))
        });
        let public = conn::Listener {
            tcp: listener,
            tls,
            app: router::router(Arc::clone(&state)),
            caps: conn::ConnectionCaps::new(
                state.config.max_connections,
                state.config.max_connections_per_ip,
            ),
            counted: true,
        };
        conn::serve(public, Arc::clone(&state), shutdown).await;
        let _ = stop_tx.send(true);
        let _ = retention.await;
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        // Storage calls of requests that timed out may still hold the store; wait for them so
        // that the database is closed when this returns and can be opened again.
        for _ in 0..500 {
            if Arc::strong_count(&state) == 1 && Arc::strong_count(&state.store) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(state);
        tracing::info!("venuecode server stopped");
        Ok(())
    }
}

/// Makes sure the process may open the descriptors the configuration needs
/// ([`Config::descriptor_budget`]): raises the soft RLIMIT_NOFILE up to the hard limit when it
/// is lower, and refuses to start when even the hard limit is too low, rather than failing
/// `accept` under load.
fn fit_descriptor_limit(config: &Config) -> Result<(), ServerError> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let need = config.descriptor_budget();
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= need {
        return Ok(());
    }
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < need {
        return Err(ServerError::Config(format!(
            "the server needs {need} file descriptors (--max-connections {} plus the store and a \
             reserve of {}) but the hard RLIMIT_NOFILE is {hard}; lower --max-connections or \
             raise the limit (ulimit -Hn, LimitNOFILE= in a systemd unit)",
            config.max_connections,
            config::DESCRIPTOR_RESERVE
        )));
    }
    setrlimit(
        Resource::Nofile,
        rustix::process::Rlimit {
            current: Some(need),
            maximum: limit.maximum,
        },
    )
    .map_err(|e| ServerError::Config(format!("could not raise RLIMIT_NOFILE to {need}: {e}")))?;
    tracing::info!(from = soft, to = need, "raised the open-file limit");
    Ok(())
}

/// A server running on the current tokio runtime, as [`Server::spawn`] starts it.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address the metrics listener listens on, if metrics are served.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops accepting, finishes the requests in flight and waits until the store is closed.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task
            .await
            .map_err(|e| ServerError::Config(format!("server task failed: {e}")))?
    }
}

impl Server {
    /// Binds (port 0 picks a free port) and runs the server in a task on the current runtime.
    /// For tests and `venuecode demo`.
    pub async fn spawn(config: Config) -> Result<ServerHandle, ServerError> {
        let server = Self::bind(config).await?;
        let addr = server.local_addr()?;
        let metrics_addr = server.metrics_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Ok(ServerHandle {
            addr,
            metrics_addr,
            stop: Some(stop),
            task,
        })
    }
}

/// Binds and serves until `shutdown` completes (see [`Server`]).
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::bind(config).await?.run(shutdown).await
}

/// Completes on SIGTERM or Ctrl-C: pass it to [`serve`] for a clean stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
}

/// One retention pass over `store`: deletes what is older than `retention_days` at `now`,
/// batches included.
pub fn purge_expired(
    store: &dyn Storage,
    retention_days: u32,
    now: u64,
) -> storage::StorageResult<storage::PurgeReport> {
    purge_expired_with_margin(store, retention_days, 0, now)
}

/// One retention pass over `store`, as the server runs it: deletes what is older than
/// `retention_days` at `now`, and batches only once they are `batch_margin_hours` older than
/// that ([`Config::batch_retention_margin_hours`]).
pub fn purge_expired_with_margin(
    store: &dyn Storage,
    retention_days: u32,
    batch_margin_hours: u32,
    now: u64,
) -> storage::StorageResult<storage::PurgeReport> {
    let cutoff = now.saturating_sub(u64::from(retention_days) * 86_400);
    let batch_cutoff = cutoff.saturating_sub(u64::from(batch_margin_hours) * 3_600);
    let cutoff_day = u32::try_from(cutoff / 86_400).unwrap_or(u32::MAX);
    store.purge(cutoff, batch_cutoff, cutoff_day, now)
}

async fn retention_job(state: Shared, mut stop: watch::Receiver<bool>) {
    let mut purge = tokio::time::interval(Duration::from_secs(
        state.config.retention_interval_secs.max(1),
    ));
    // The limiter forgets an address once its bucket is full again; pruning often keeps its
    // memory bounded by the addresses of the last minute or so.
    let mut prune = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = purge.tick() => retention_pass(&state).await,
            _ = prune.tick() => {
                state.limiter.retain_recent();
                state.limiter.shrink_to_fit();
                state.registrations_by_ip.retain_recent();
                state.registrations_by_ip.shrink_to_fit();
                state.debts.prune();
            }
            _ = stop.changed() => return,
        }
    }
}

async fn retention_pass(state: &Shared) {
    let store = Arc::clone(&state.store);
    let days = state.config.retention_days;
    let margin = state.config.batch_retention_margin_hours;
    match tokio::task::spawn_blocking(move || {
        purge_expired_with_margin(store.as_ref(), days, margin, now_secs())
    })
    .await
    {
        Ok(Ok(r)) => {
            if r.batches > 0 {
                state.batch_cache.clear();
            }
            tracing::info!(
                batches = r.batches,
                uploads = r.uploads,
                tans = r.tans,
                counts = r.counts,
                nonces = r.nonces,
                "retention pass"
            );
        }
        Ok(Err(e)) => tracing::error!(error = %e, "retention pass failed"),
        Err(e) => tracing::error!(error = %e, "retention task failed"),
    }
}
