//! An in-memory stand-in for the server, with fault injection, so that flows can be tested
//! without a network. It follows the API contract for the routes the client uses.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard};

use venuecode_protocol::codec::Reader;
use venuecode_protocol::count::CountPingBatch;
use venuecode_protocol::envelope::{tan_hash, SIGNATURE_HEADER};
use venuecode_protocol::{Codec, ExposureBatch, RevocationList, SignedBatchHeader};

use super::{Method, Request, Response, Transport};
use crate::api::TAN_HEADER;
use crate::error::{Error, Result};

/// The state of a TAN on the fake server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TanState {
    /// Registered and unused.
    Fresh,
    /// Used once already.
    Used,
    /// Past its expiry.
    Expired,
}

#[derive(Default)]
struct State {
    revocations: Option<Vec<u8>>,
    batches: Vec<Vec<u8>>,
    tans: HashMap<[u8; 32], TanState>,
    uploads: Vec<Vec<u8>>,
    counts: HashMap<[u8; 16], u64>,
    count_tag_posts: Vec<(u64, serde_json::Value)>,
    fail_next: u32,
    page_size: Option<usize>,
    lose_next_response: bool,
    cut_batch_bodies_at: Option<usize>,
    requests: Vec<String>,
}

/// An in-memory server. Clones share state, so a test can keep one handle and give another to
/// the client.
#[derive(Clone, Default)]
pub struct MemoryServer(Arc<Mutex<State>>);

impl core::fmt::Debug for MemoryServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MemoryServer")
    }
}

fn error(status: u16, code: &str) -> Response {
    let body = serde_json::json!({"error": code, "message": code}).to_string();
    Response::from_bytes(status, body.into_bytes())
}

fn json(status: u16, v: serde_json::Value) -> Response {
    Response::from_bytes(status, v.to_string().into_bytes())
}

/// A body that delivers `n` bytes and then fails like a dropped connection.
struct CutReader {
    inner: io::Cursor<Vec<u8>>,
    left: usize,
}

impl Read for CutReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "cut"));
        }
        let n = buf.len().min(self.left);
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got;
        Ok(got)
    }
}

fn query(path: &str, name: &str) -> Option<String> {
    let (_, q) = path.split_once('?')?;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

impl MemoryServer {
    /// An empty server.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread poisons the lock; the state is still usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves `list` on `GET /v1/revocations` (for any cursor).
    pub fn set_revocations(&self, list: &RevocationList) {
        self.state().revocations = Some(list.encode());
    }

    /// Publishes a batch and returns its sequence number.
    pub fn publish(&self, batch: &ExposureBatch) -> u64 {
        self.publish_bytes(batch.encode())
    }

    /// Publishes raw batch bytes (possibly tampered) and returns the sequence number.
    pub fn publish_bytes(&self, bytes: Vec<u8>) -> u64 {
        let mut s = self.state();
        s.batches.push(bytes);
        s.batches.len() as u64
    }

    /// Registers a TAN in the given state.
    pub fn register_tan(&self, tan: &str, state: TanState) -> Result<()> {
        self.state().tans.insert(tan_hash(tan)?, state);
        Ok(())
    }

    /// The bodies uploaded with a valid TAN, in order.
    pub fn uploads(&self) -> Vec<Vec<u8>> {
        self.state().uploads.clone()
    }

    /// The count-tag registrations received: serial and JSON body.
    pub fn count_tag_posts(&self) -> Vec<(u64, serde_json::Value)> {
        self.state().count_tag_posts.clone()
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }

    /// Answers batch listings a page of `n` at a time, as the real server does (1000).
    pub fn set_page_size(&self, n: usize) {
        self.state().page_size = Some(n.max(1));
    }

    /// Makes the next `n` requests fail as if the network were down.
    pub fn fail_next(&self, n: u32) {
        self.state().fail_next = n;
    }

    /// Processes the next request but loses its response, as when a connection drops after the
    /// server committed.
    pub fn lose_next_response(&self) {
        self.state().lose_next_response = true;
    }

    /// Cuts every batch body after `n` bytes (`None` to stop), like a connection that drops.
    pub fn cut_batch_bodies_at(&self, n: Option<usize>) {
        self.state().cut_batch_bodies_at = n;
    }

    fn route(&self, s: &mut State, req: &Request) -> Response {
        let path = req.path.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (req.method, parts.as_slice()) {
            (Method::Get, ["v1", "revocations"]) => match &s.revocations {
                Some(b) => Response::from_bytes(200, b.clone()),
                None => error(404, "not_found"),
            },
            (Method::Get, ["v1", "batches"]) => {
                let after: u64 = query(&req.path, "after")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let list: Vec<_> = s
                    .batches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (i as u64 + 1, b))
                    .filter(|(seq, _)| *seq > after)
                    .take(s.page_size.unwrap_or(1000))
                    .map(|(seq, b)| {
                        let records = SignedBatchHeader::read(&mut Reader::new(b))
                            .map(|h| h.header().record_count)
                            .unwrap_or(0);
                        serde_json::json!({"sequence": seq, "size": b.len(),
                            "records": records, "etag": format!("\"{seq}\"")})
                    })
                    .collect();
                json(
                    200,
                    serde_json::json!({"batches": list, "latest": s.batches.len()}),
                )
            }
            (Method::Get, ["v1", "batches", seq]) => {
                let Some(bytes) = seq
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| s.batches.get(i))
                else {
                    return error(404, "not_found");
                };
                match s.cut_batch_bodies_at {
                    Some(n) => Response {
                        status: 200,
                        body: Box::new(CutReader {
                            inner: io::Cursor::new(bytes.clone()),
                            left: n,
                        }),
                    },
                    None => Response::from_bytes(200, bytes.clone()),
                }
            }
            (Method::Post, ["v1", "uploads"]) => {
                let Some(hash) = req.header_value(TAN_HEADER).and_then(|t| tan_hash(t).ok()) else {
                    return error(403, "tan_unknown");
                };
                match s.tans.get(&hash).copied() {
                    None => error(403, "tan_unknown"),
                    Some(TanState::Used) => error(409, "tan_used"),
                    Some(TanState::Expired) => error(410, "tan_expired"),
                    Some(TanState::Fresh) => {
                        s.tans.insert(hash, TanState::Used);
                        s.uploads.push(req.body.clone());
                        json(201, serde_json::json!({"id": s.uploads.len()}))
                    }
                }
            }
            (Method::Post, ["v1", "counts"]) => match CountPingBatch::decode(&req.body) {
                Ok(b) => {
                    for t in &b.tags {
                        *s.counts.entry(t.0).or_default() += 1;
                    }
                    json(202, serde_json::json!({"accepted": b.tags.len()}))
                }
                Err(_) => error(400, "malformed"),
            },
            (Method::Get, ["v1", "counts"]) => {
                let tag = query(&req.path, "tag").and_then(|h| hex::decode(h).ok());
                let from = query(&req.path, "from").and_then(|v| v.parse::<u32>().ok());
                let (Some(tag), Some(from)) = (tag, from) else {
                    return error(400, "malformed");
                };
                let Ok(tag) = <[u8; 16]>::try_from(tag.as_slice()) else {
                    return error(400, "malformed");
                };
                let n = s.counts.get(&tag).copied().unwrap_or(0);
                let rows: Vec<_> = if n > 0 {
                    vec![serde_json::json!({"epoch": from, "count": n})]
                } else {
                    Vec::new()
                };
                json(200, serde_json::json!({ "counts": rows }))
            }
            (Method::Post, ["v1", "venues", serial, "count-tags"]) => {
                if req.header_value(SIGNATURE_HEADER).is_none() {
                    return error(401, "signature_missing");
                }
                let (Ok(serial), Ok(body)) = (
                    serial.parse::<u64>(),
                    serde_json::from_slice::<serde_json::Value>(&req.body),
                ) else {
                    return error(400, "malformed");
                };
                s.count_tag_posts.push((serial, body));
                Response::from_bytes(201, Vec::new())
            }
            _ => error(404, "not_found"),
        }
    }
}

impl Transport for MemoryServer {
    fn send(&self, request: Request) -> Result<Response> {
        let mut s = self.state();
        s.requests.push(request.path.clone());
        if s.fail_next > 0 {
            s.fail_next -= 1;
            return Err(Error::Network(Box::new(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "simulated network failure",
            ))));
        }
        let response = self.route(&mut s, &request);
        if s.lose_next_response {
            s.lose_next_response = false;
            return Err(Error::Network(Box::new(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "simulated lost response",
            ))));
        }
        Ok(response)
    }
}
