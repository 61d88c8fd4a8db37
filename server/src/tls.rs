//! TLS termination: the certificate and key files, and a listener that hands axum connections
//! whose handshake has finished.
//!
//! Handshakes run in their own tasks, so that a client that opens a connection and then says
//! nothing delays nobody else; each has a time limit, and only so many run at once.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use zeroize::Zeroize as _;

use crate::state::Shared;
use crate::ServerError;

/// Longest a client may take to finish the TLS handshake after connecting.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most handshakes in progress at once; further connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 1024;
/// Connections whose handshake finished, waiting for axum to take them.
const READY_QUEUE: usize = 64;

/// Builds the TLS acceptor from a PEM certificate chain (leaf first) and its PEM private key
/// (PKCS#8, SEC1 or RSA). Every error names the file at fault.
pub(crate) fn load_acceptor(cert_path: &Path, key_path: &Path) -> Result<TlsAcceptor, ServerError> {
    let cert_pem = std::fs::read(cert_path).map_err(|e| file_error(cert_path, e))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(cert_path, format!("not a PEM certificate chain ({e})")))?;
    if chain.is_empty() {
        return Err(file_error(
            cert_path,
            "holds no certificate (expected PEM \"BEGIN CERTIFICATE\" blocks, leaf first)",
        ));
    }
    let mut key_pem = std::fs::read(key_path).map_err(|e| file_error(key_path, e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem);
    key_pem.zeroize();
    // The parser's error may quote the file's content; say only what was expected.
    let key = key.map_err(|_| {
        file_error(
            key_path,
            "holds no private key (expected PEM \"BEGIN PRIVATE KEY\", \"BEGIN EC PRIVATE KEY\" \
             or \"BEGIN RSA PRIVATE KEY\")",
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            ServerError::Config(format!(
                "TLS key {} does not go with certificate {}: {e}",
                key_path.display(),
                cert_path.display()
            ))
        })?;
    // axum serves HTTP/1.1 here; clients should not try anything else.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> ServerError {
    ServerError::Config(format!("TLS file {}: {e}", path.display()))
}

/// A listener of TLS connections: a task accepts TCP connections and runs their handshakes;
/// axum takes the finished ones. The task stops when this listener is dropped.
pub(crate) struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `listener` with `acceptor`.
    pub(crate) fn start(listener: TcpListener, acceptor: TlsAcceptor, state: Shared) -> Self {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        tokio::spawn(accept_loop(listener, acceptor, state, tx));
        Self { local, ready }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Shared,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&handshakes).acquire_owned() => permit,
            () = tx.closed() => return,
        };
        // The semaphore is never closed.
        let Ok(permit) = permit else { return };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = tx.closed() => return,
        };
        // Responses are written whole; Nagle's algorithm would hold back the tail of a batch
        // until the client's delayed ACK.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let handshake = tokio::select! {
                done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => done,
                // Shutting down: the server waits for this task's hold on its state.
                () = tx.closed() => return,
            };
            match handshake {
                Ok(Ok(tls)) => {
                    drop(permit);
                    // Fails only when the server is shutting down; the connection just closes.
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => {
                    state.metrics.event("tls_handshake_failed");
                    tracing::debug!(error = %e, "TLS handshake failed");
                }
                Err(_) => {
                    state.metrics.event("tls_handshake_timeout");
                    tracing::debug!("TLS handshake timed out");
                }
            }
        });
    }
}
