//! The real transport: blocking HTTP with `ureq`.

use std::time::Duration;

use super::{Method, Request, Response, Transport};
use crate::error::{Error, Result};

/// HTTP to a server at a base URL such as `http://127.0.0.1:8080`.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A transport to `base` (scheme, host and port, no trailing slash needed) that gives up
    /// when connecting, or any single read or write, stalls for 30 seconds.
    pub fn new(base: &str) -> Self {
        Self::with_timeout(base, Duration::from_secs(30))
    }

    /// A transport with a given stall limit. There is no limit on a whole transfer, so that a
    /// large exposure batch can stream over a slow but working connection.
    pub fn with_timeout(base: &str, stall: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(stall))
            .timeout_per_read(Some(stall))
            .timeout_per_write(Some(stall))
            .build();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent: config.into(),
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request) -> Result<Response> {
        let url = format!("{}{}", self.base, request.path);
        let net = |e: ureq::Error| Error::Network(Box::new(e));
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
            body: Box::new(body),
        })
    }
}
