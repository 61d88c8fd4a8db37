//! TLS termination: the certificate and key files. Handshakes run in each connection's own
//! task, under its time limit and the connection caps (`conn.rs`), so that a client that opens
//! a connection and then says nothing delays nobody else.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use zeroize::Zeroize as _;

use crate::ServerError;

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
