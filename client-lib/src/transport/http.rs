//! The real transport: blocking HTTPS (or loopback HTTP) with `ureq` and rustls.
//!
//! Server certificates are checked against Mozilla's root certificates (the `webpki-roots`
//! bundle built into the library), so that every platform trusts the same authorities; a
//! health authority with its own PKI passes its CA certificate instead
//! ([`HttpTransportBuilder::trust_ca_file`]).

use core::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use ureq::http::Uri;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::{Method, Request, Response, Transport};
use crate::error::{
    CaError, CaProblem, Error, IoKind, NetworkError, NetworkKind, Reason, Result, ServerNamed,
};

/// How long connecting, or any single read or write, may stall before the transport gives up.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// HTTPS to a server at a base URL such as `https://venuecode.example`; plain HTTP only to this
/// machine (`http://127.0.0.1:8080`) unless explicitly allowed.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A transport to `base` (scheme, host, port and optional path; no trailing slash needed)
    /// that trusts the public web PKI and gives up when connecting, or any single read or
    /// write, stalls for 30 seconds. Refuses `http://` to another machine
    /// ([`Error::InsecureServerUrl`]).
    pub fn new(base: &str) -> Result<Self> {
        Self::builder(base).build()
    }

    /// A transport with a given stall limit. There is no limit on a whole transfer, so that a
    /// large exposure batch can stream over a slow but working connection.
    pub fn with_timeout(base: &str, stall: Duration) -> Result<Self> {
        Self::builder(base).stall_timeout(stall).build()
    }

    /// Starts configuring a transport to `base`: a private CA, the stall limit, insecure HTTP.
    pub fn builder(base: &str) -> HttpTransportBuilder {
        HttpTransportBuilder {
            base: base.to_owned(),
            stall: DEFAULT_STALL_TIMEOUT,
            ca: Vec::new(),
            allow_insecure_http: false,
        }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

/// Where trusted CA certificates come from.
#[derive(Clone)]
enum CaSource {
    File(PathBuf),
    Pem(Vec<u8>),
}

/// Options of an [`HttpTransport`], checked by [`HttpTransportBuilder::build`].
#[derive(Clone)]
pub struct HttpTransportBuilder {
    base: String,
    stall: Duration,
    ca: Vec<CaSource>,
    allow_insecure_http: bool,
}

impl fmt::Debug for HttpTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransportBuilder")
            .field("base", &self.base)
            .field("stall", &self.stall)
            .field("private_ca_sources", &self.ca.len())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

impl HttpTransportBuilder {
    /// Gives up when connecting, or any single read or write, stalls this long (default 30 s).
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Trusts the CA certificates in this PEM file (one or more `BEGIN CERTIFICATE` blocks),
    /// for a health authority that runs its own PKI. Once any private CA is given, the server
    /// must present a chain to one of them: the public web roots are no longer trusted. The
    /// file is read by [`build`](Self::build).
    pub fn trust_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca.push(CaSource::File(path.into()));
        self
    }

    /// Trusts the CA certificates in these PEM bytes, as [`trust_ca_file`](Self::trust_ca_file)
    /// does for a file.
    pub fn trust_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca.push(CaSource::Pem(pem.into()));
        self
    }

    /// Allows plain `http://` to any host, not only to this machine. Requests, answers and
    /// TANs then cross the network unencrypted and unauthenticated: for drills on a closed
    /// network only. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks the base URL, reads the private CA certificates, and builds the transport. No
    /// connection is made.
    pub fn build(self) -> Result<HttpTransport> {
        let base = self.base.trim_end_matches('/').to_owned();
        let https = check_base_url(&base, self.allow_insecure_http)?;
        let mut tls = TlsConfig::builder();
        if !self.ca.is_empty() {
            let mut roots = Vec::new();
            for source in &self.ca {
                roots.extend(read_ca(source)?);
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&roots));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // The API never redirects; following one could leave HTTPS or the server.
            .max_redirects(0)
            .https_only(https)
            .tls_config(tls.build())
            .timeout_connect(Some(self.stall))
            .timeout_per_read(Some(self.stall))
            .timeout_per_write(Some(self.stall))
            .build();
        Ok(HttpTransport {
            base,
            agent: config.into(),
        })
    }
}

/// Checks a base URL; returns whether it is HTTPS.
fn check_base_url(base: &str, allow_insecure_http: bool) -> Result<bool> {
    let uri: Uri = base
        .parse()
        .map_err(|_| Error::InvalidServerUrl(Reason::UrlUnparsable))?;
    let Some(authority) = uri.authority() else {
        return Err(Error::InvalidServerUrl(Reason::UrlWithoutHost));
    };
    if authority.as_str().contains('@') {
        return Err(Error::InvalidServerUrl(Reason::UrlWithUserInfo));
    }
    if uri.query().is_some() || base.contains('#') {
        return Err(Error::InvalidServerUrl(Reason::UrlWithQuery));
    }
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Ok(true),
        Some(s) if s.eq_ignore_ascii_case("http") => {
            if allow_insecure_http || is_loopback_host(authority.host()) {
                Ok(false)
            } else {
                Err(Error::InsecureServerUrl(base.to_owned()))
            }
        }
        _ => Err(Error::InvalidServerUrl(Reason::UrlScheme)),
    }
}

/// `localhost`, 127.0.0.0/8, `[::1]` or an IPv4-mapped loopback address.
fn is_loopback_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// Reads the certificates of one CA source, checking that each parses.
fn read_ca(source: &CaSource) -> Result<Vec<Certificate<'static>>> {
    let (pem, name) = match source {
        CaSource::File(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::TrustedCa(CaError::new(
                    path.display().to_string(),
                    CaProblem::Unreadable(IoKind::of(e.kind())),
                    format!("{}: {e}", path.display()),
                ))
            })?;
            (pem, path.display().to_string())
        }
        CaSource::Pem(pem) => (pem.clone(), "the PEM given".to_owned()),
    };
    let ders = CertificateDer::pem_slice_iter(&pem)
        .collect::<core::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::TrustedCa(CaError::new(
                &name,
                CaProblem::NotPem,
                format!("{name}: not PEM ({e})"),
            ))
        })?;
    if ders.is_empty() {
        return Err(Error::TrustedCa(CaError::new(
            &name,
            CaProblem::NoCertificate,
            format!("{name} holds no certificate (expected PEM \"BEGIN CERTIFICATE\" blocks)"),
        )));
    }
    let mut check = rustls::RootCertStore::empty();
    ders.into_iter()
        .map(|der| {
            check.add(der.clone()).map_err(|e| {
                Error::TrustedCa(CaError::new(
                    &name,
                    CaProblem::Unusable,
                    format!("{name}: unusable CA certificate ({e})"),
                ))
            })?;
            Ok(Certificate::from_der(der.as_ref()).to_owned())
        })
        .collect()
}

/// A failed exchange with the server: names the server, and explains a refused certificate.
#[derive(Debug)]
struct ExchangeFailed {
    server: String,
    source: ureq::Error,
}

impl ExchangeFailed {
    /// What kind of failure it is.
    fn kind(&self) -> NetworkKind {
        match (self.tls_error(), &self.source) {
            (Some(rustls::Error::InvalidCertificate(_)), _) => NetworkKind::CertificateRefused,
            (Some(_), _) | (None, ureq::Error::Tls(_)) => NetworkKind::Tls,
            (None, ureq::Error::Io(e)) => NetworkKind::of_io(e),
            (None, ureq::Error::Timeout(_)) => NetworkKind::TimedOut,
            (None, ureq::Error::HostNotFound) => NetworkKind::NameNotResolved,
            (None, _) => NetworkKind::Other,
        }
    }

    /// The TLS error inside, if the exchange failed in TLS.
    fn tls_error(&self) -> Option<&rustls::Error> {
        match &self.source {
            ureq::Error::Rustls(e) => Some(e),
            ureq::Error::Io(e) => e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()),
            _ => None,
        }
    }
}

impl fmt::Display for ExchangeFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let server = &self.server;
        match self.tls_error() {
            Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
                write!(
                    f,
                    "{server}: the server's TLS certificate is not trusted: it is not issued by \
                     a trusted CA; if the server uses a private CA, trust that CA's certificate"
                )
            }
            Some(rustls::Error::InvalidCertificate(e)) => write!(
                f,
                "{server}: the server's TLS certificate is not trusted: {e}"
            ),
            Some(e) => write!(f, "{}: TLS failed: {e}", self.server),
            None => write!(f, "{}: {}", self.server, root_cause(&self.source)),
        }
    }
}

/// The innermost error's text: ureq's own wrapping (`io: …`) adds nothing to the I/O error.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// The whole story is in the text (see [`Error::Network`]), so there is no source to repeat it.
impl std::error::Error for ExchangeFailed {}

/// A response body that names the server when reading it fails mid-transfer.
struct NamedBody {
    server: String,
    inner: Box<dyn Read + Send>,
}

impl Read for NamedBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let named = ServerNamed {
                server: self.server.clone(),
                text: root_cause(&e),
            };
            std::io::Error::new(e.kind(), named)
        })
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request) -> Result<Response> {
        let url = format!("{}{}", self.base, request.path);
        let net = |e: ureq::Error| {
            let failed = ExchangeFailed {
                server: self.base.clone(),
                source: e,
            };
            Error::Network(NetworkError::new(
                Some(self.base.clone()),
                failed.kind(),
                failed,
            ))
        };
        let response = match request.method {
            Method::Get | Method::Delete => {
                let mut b = if request.method == Method::Get {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                for (k, v) in &request.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.call().map_err(net)?
            }
            Method::Post | Method::Put => {
                let mut b = if request.method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.put(&url)
                };
                for (k, v) in &request.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                if let Some(ct) = request.content_type {
                    b = b.header("content-type", ct);
                }
                b.send(&request.body[..]).map_err(net)?
            }
        };
        let status = response.status().as_u16();
        let body = response.into_body().into_reader();
        Ok(Response {
            status,
            body: Box::new(NamedBody {
                server: self.base.clone(),
                inner: Box::new(body),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_http_is_allowed_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:1/",
            "HTTP://LOCALHOST.:1",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:80",
            "https://venuecode.example",
            "https://192.0.2.1:8443/base/",
        ] {
            assert!(HttpTransport::new(ok).is_ok(), "{ok}");
        }
        for insecure in [
            "http://venuecode.example",
            "http://192.0.2.1:8080",
            "http://[2001:db8::1]",
            "http://localhost.example",
            "http://0.0.0.0:8080",
        ] {
            assert!(
                matches!(
                    HttpTransport::new(insecure),
                    Err(Error::InsecureServerUrl(_))
                ),
                "{insecure}"
            );
            assert!(
                HttpTransport::builder(insecure)
                    .allow_insecure_http(true)
                    .build()
                    .is_ok(),
                "{insecure}"
            );
        }
    }

    #[test]
    fn tls_malformed_server_urls_are_refused() {
        for bad in [
            "",
            "venuecode.example",
            "ftp://venuecode.example",
            "https://user:pw@venuecode.example",
            "https://venuecode.example/?x=1",
            "https://venuecode.example/#x",
            "https://exa mple",
        ] {
            assert!(
                matches!(
                    HttpTransport::builder(bad)
                        .allow_insecure_http(true)
                        .build(),
                    Err(Error::InvalidServerUrl(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tls_private_ca_must_hold_a_certificate() {
        let none = HttpTransport::builder("https://venuecode.example")
            .trust_ca_pem(b"no PEM here".to_vec())
            .build();
        assert!(matches!(none, Err(Error::TrustedCa(_))));
        let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let junk = HttpTransport::builder("https://venuecode.example")
            .trust_ca_pem(junk)
            .build();
        assert!(matches!(junk, Err(Error::TrustedCa(_))));
        let missing = HttpTransport::builder("https://venuecode.example")
            .trust_ca_file("/nonexistent/venuecode-ca.pem")
            .build();
        match missing {
            Err(e @ Error::TrustedCa(_)) => {
                assert!(
                    e.to_string().contains("/nonexistent/venuecode-ca.pem"),
                    "{e}"
                );
                let Error::TrustedCa(ca) = &e else {
                    unreachable!()
                };
                assert_eq!(ca.problem(), CaProblem::Unreadable(IoKind::NotFound));
                assert_eq!(ca.file(), "/nonexistent/venuecode-ca.pem");
            }
            other => panic!("{other:?}"),
        }
    }
}
