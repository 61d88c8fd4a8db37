//! Connection handling: the accept loop, the caps on open connections (in total and per client
//! address), the header-read and idle deadlines, the bound on header bytes, TLS handshakes and
//! the graceful drain. The public listener and the operator's metrics listener are each served
//! by their own loop with caps of their own.
//!
//! Each accepted connection first takes a place in the total cap and in its address's cap; a
//! connection that finds either full is closed at once, so that the server never holds more
//! descriptors than it was configured for and one machine cannot take every place. HTTP/1.1 is
//! then served by hyper with a read buffer of a fixed size (which bounds the header bytes a
//! connection can make the server hold) and a timer that closes a connection that has not sent
//! a whole request head within the header deadline, counted from the connection's start or from
//! the end of its previous response (the idle keep-alive deadline).
//!
//! When hyper closes a connection after an answer (the answer said `Connection: close`, or the
//! request was refused before its body was read), the connection lingers: its write side is
//! shut (a TCP FIN, after a TLS `close_notify`), then what the client still sends is read and
//! dropped until the client closes, for at most `--linger-ms` and `--linger-bytes` (2 s and
//! 512 KiB by default). Closing with unread bytes, or with bytes still arriving, makes the
//! kernel answer them with a reset: a client still writing its body (ureq writes the whole body
//! before it reads) fails with a broken pipe and never reads the answer, and some systems drop
//! an answer already received when the reset arrives. A phone whose upload was refused would see
//! a network error instead of the reason. The linger holds the connection's places in the caps
//! like any other time of its life.

use std::collections::HashMap;
use std::future::Future as _;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use prometheus_client::metrics::gauge::Gauge;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::router::limiter_key;
use crate::state::Shared;

/// Longest a client may take to finish the TLS handshake after connecting.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Size of each connection's read buffer, and so the most bytes a request head can take in
/// memory: heads larger than [`crate::Config::max_header_bytes`] are answered 431 before it.
const READ_BUFFER: usize = 64 * 1024;

/// Places in the total connection cap and in each client address's cap.
pub(crate) struct ConnectionCaps {
    total: Arc<Semaphore>,
    size: u32,
    per_address: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One connection's places, counted in the open-connections gauge if it has one; given back
/// when dropped.
pub(crate) struct ConnectionPlace {
    caps: Arc<ConnectionCaps>,
    key: IpAddr,
    gauge: Option<Gauge>,
    _total: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for ConnectionPlace {
    fn drop(&mut self) {
        if let Some(gauge) = &self.gauge {
            gauge.dec();
        }
        let mut open = self.caps.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Why a connection was refused a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The server holds its most connections.
    Total,
    /// This client address holds its most connections.
    PerAddress,
}

impl ConnectionCaps {
    /// Caps of `total` connections, `per_address` of them from one address (IPv6: one /64).
    pub(crate) fn new(total: usize, per_address: usize) -> Arc<Self> {
        let size = u32::try_from(total.clamp(1, Semaphore::MAX_PERMITS)).unwrap_or(u32::MAX);
        Arc::new(Self {
            total: Arc::new(Semaphore::new(size as usize)),
            size,
            per_address: u32::try_from(per_address.max(1)).unwrap_or(u32::MAX),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a place for a connection from `peer`, counted in `gauge` if given, or says which
    /// cap is full.
    pub(crate) fn admit(
        self: &Arc<Self>,
        peer: IpAddr,
        gauge: Option<&Gauge>,
    ) -> Result<ConnectionPlace, Refused> {
        let key = limiter_key(peer);
        let total = Arc::clone(&self.total)
            .try_acquire_owned()
            .map_err(|_| Refused::Total)?;
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= self.per_address {
            return Err(Refused::PerAddress);
        }
        *n += 1;
        drop(open);
        if let Some(gauge) = gauge {
            gauge.inc();
        }
        Ok(ConnectionPlace {
            caps: Arc::clone(self),
            key,
            gauge: gauge.cloned(),
            _total: total,
        })
    }

    /// Completes once every connection has closed.
    async fn drained(&self) {
        // The semaphore is never closed; every place given back makes this succeed.
        let _ = self.total.acquire_many(self.size).await;
    }
}

/// A bound listener, what it serves and how its connections are capped and counted.
pub(crate) struct Listener {
    /// The bound socket.
    pub tcp: TcpListener,
    /// The TLS acceptor when the listener speaks HTTPS.
    pub tls: Option<TlsAcceptor>,
    /// The routes it serves.
    pub app: Router,
    /// Its connection caps, its own.
    pub caps: Arc<ConnectionCaps>,
    /// Whether its connections count in the metrics (the open-connections gauge and the
    /// connection events). The metrics listener's do not, so that scrapes never show in the
    /// numbers they read.
    pub counted: bool,
}

/// Counts `event` if the listener's connections are counted.
fn count(state: &Shared, counted: bool, event: &'static str) {
    if counted {
        state.metrics.event(event);
    }
}

/// Accepts connections on `listener` until `shutdown` completes, serves each with its routes,
/// then asks every open connection to finish its request in flight and waits until all have
/// closed.
pub(crate) async fn serve(
    listener: Listener,
    state: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let Listener {
        tcp: listener,
        tls,
        app,
        caps,
        counted,
    } = listener;
    let gauge = counted.then(|| state.metrics.connections.clone());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    count(&state, counted, "accept_failed");
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let place = match caps.admit(peer.ip(), gauge.as_ref()) {
            Ok(place) => place,
            Err(refused) => {
                count(
                    &state,
                    counted,
                    match refused {
                        Refused::Total => "connection_refused_total_cap",
                        Refused::PerAddress => "connection_refused_address_cap",
                    },
                );
                // Closing at once gives the descriptor back; the client sees a reset.
                drop(tcp);
                continue;
            }
        };
        // Responses are written whole; Nagle's algorithm would hold back the tail of a batch
        // until the client's delayed ACK.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let app = app.clone();
        let state = Arc::clone(&state);
        let stop = stop_rx.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_one(tcp, peer, app, &state, counted, stop).await,
                Some(acceptor) => {
                    handshake_then_serve(acceptor, tcp, peer, app, &state, counted, stop).await
                }
            }
            drop(place);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    caps.drained().await;
}

/// Completes when the server starts to shut down.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, which also means the server is stopping.
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

async fn handshake_then_serve(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    state: &Shared,
    counted: bool,
    mut stop: watch::Receiver<bool>,
) {
    let handshake = tokio::select! {
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => done,
        // Shutting down: a connection that has not finished its handshake has no request.
        () = stopped(&mut stop) => return,
    };
    match handshake {
        Ok(Ok(tls)) => serve_one(tls, peer, app, state, counted, stop).await,
        Ok(Err(e)) => {
            count(state, counted, "tls_handshake_failed");
            tracing::debug!(error = %e, "TLS handshake failed");
        }
        Err(_) => {
            count(state, counted, "tls_handshake_timeout");
            tracing::debug!("TLS handshake timed out");
        }
    }
}

async fn serve_one<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    state: &Shared,
    counted: bool,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let c = &state.config;
    let service = app.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(c.header_timeout())
        .max_buf_size(READ_BUFFER)
        .max_header_size(c.max_header_bytes.clamp(1024, READ_BUFFER))
        .keep_alive(true);
    let io = Linger::new(io, Arc::clone(state), counted);
    let conn = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(conn);
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = stopped(&mut stop) => {
            // Finish the request in flight, if any, then close; an idle connection closes now.
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    if let Err(e) = served {
        if e.is_timeout() {
            count(state, counted, "header_timeout");
        }
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// A connection that lingers when it is shut down: hyper shuts a connection down (rather than
/// just dropping it) when it closes it after an answer, so this is where the answer is
/// protected. A connection dropped on an error (a header timeout, a reset) does not linger.
struct Linger<I> {
    io: I,
    state: Shared,
    counted: bool,
    phase: Phase,
}

enum Phase {
    /// Serving requests.
    Open,
    /// Write side shut; reading and dropping until the client closes or a cap is reached.
    Draining {
        deadline: Pin<Box<tokio::time::Sleep>>,
        left: usize,
    },
    /// Done lingering: the connection can be closed.
    Closed,
}

impl<I> Linger<I> {
    fn new(io: I, state: Shared, counted: bool) -> Self {
        Self {
            io,
            state,
            counted,
            phase: Phase::Open,
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Linger<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Linger<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            match &mut this.phase {
                Phase::Open => {
                    // TLS: the `close_notify` alert, then the TCP FIN; plain TCP: the FIN.
                    if let Err(e) = ready!(Pin::new(&mut this.io).poll_shutdown(cx)) {
                        // The client is gone (a reset): nothing left to protect.
                        this.phase = Phase::Closed;
                        return Poll::Ready(Err(e));
                    }
                    // `--linger-ms` and `--linger-bytes`. Clients such as ureq write the whole
                    // body before they read the answer, and a reset fails their write: with
                    // 64 KiB, a refused 400 KiB upload from ureq still failed with a broken
                    // pipe on loopback, hence 512 KiB by default.
                    let config = &this.state.config;
                    this.phase = Phase::Draining {
                        deadline: Box::pin(tokio::time::sleep(Duration::from_millis(
                            config.linger_ms,
                        ))),
                        left: config.linger_bytes,
                    };
                }
                Phase::Draining { deadline, left } => {
                    if deadline.as_mut().poll(cx).is_ready() {
                        count(&this.state, this.counted, "linger_time_cap");
                        this.phase = Phase::Closed;
                        continue;
                    }
                    let mut scratch = [0u8; 8192];
                    let mut buf = ReadBuf::new(&mut scratch);
                    match ready!(Pin::new(&mut this.io).poll_read(cx, &mut buf)) {
                        // The client closed (or reset): it has had its answer.
                        Ok(()) if buf.filled().is_empty() => this.phase = Phase::Closed,
                        Err(_) => this.phase = Phase::Closed,
                        Ok(()) => {
                            let n = buf.filled().len();
                            if n >= *left {
                                count(&this.state, this.counted, "linger_bytes_cap");
                                this.phase = Phase::Closed;
                            } else {
                                *left -= n;
                            }
                        }
                    }
                }
                Phase::Closed => return Poll::Ready(Ok(())),
            }
        }
    }
}
