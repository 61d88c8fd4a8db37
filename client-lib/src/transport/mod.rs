//! HTTP behind a small trait, so that the library runs against a real server ([`HttpTransport`])
//! or an in-memory one ([`MemoryServer`]) in tests.

use core::fmt;
use std::io::Read;

use crate::error::Result;

#[cfg(feature = "native")]
mod http;
mod memory;

#[cfg(feature = "native")]
pub use http::{HttpTransport, HttpTransportBuilder, DEFAULT_STALL_TIMEOUT};
pub use memory::{CountTagPost, MemoryServer, TanState};

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// One request: method, path with query (`/v1/batches?after=3`), extra headers and body.
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query, starting with `/`.
    pub path: String,
    /// Extra headers, lower-case names. They may hold a TAN, so `Debug` never prints them.
    pub headers: Vec<(String, String)>,
    /// The body; empty for GET.
    pub body: Vec<u8>,
    /// The body's content type, when there is one.
    pub content_type: Option<&'static str>,
}

impl Request {
    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::Get,
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            content_type: None,
        }
    }

    /// A POST of `body` to `path`.
    pub fn post(path: impl Into<String>, body: Vec<u8>, content_type: &'static str) -> Self {
        Self {
            method: Method::Post,
            path: path.into(),
            headers: Vec::new(),
            body,
            content_type: Some(content_type),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The value of header `name` (lower case), if present.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A response: the status and a body to read, possibly as a stream.
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Box<dyn Read + Send>,
}

impl Response {
    /// A response with a body held in memory.
    pub fn from_bytes(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            body: Box::new(std::io::Cursor::new(body)),
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Sends requests to a Venuecode server. A transport reports a broken connection as
/// [`crate::Error::Network`] and returns every HTTP status, error or not, as a [`Response`].
pub trait Transport: Send + Sync {
    /// Sends one request.
    fn send(&self, request: Request) -> Result<Response>;
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: Request) -> Result<Response> {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: Request) -> Result<Response> {
        (**self).send(request)
    }
}
