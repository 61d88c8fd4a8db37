//! An in-memory stand-in for the server, with fault injection, so that flows can be tested
//! without a network. It follows the API contract for the routes the client uses, and can
//! also misbehave as a hostile server or a proxy in front of it would: withhold a batch, serve
//! an old checkpoint or revocation list, or a substituted trust bundle.
//!
//! It checks no signature: it stores and serves what it is given, so that tests can give it
//! anything. Count-tag registrations are filed under the key id of the request's envelope.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use venuecode_protocol::api::{
    BatchInfo, BatchListing, CountAccepted, CountListing, CountRow, ErrorBody, ErrorCode,
    Registered, UploadStored,
};
use venuecode_protocol::codec::Reader;
use venuecode_protocol::envelope::{parse_tan_hash, tan_hash, RequestEnvelope, SIGNATURE_HEADER};
use venuecode_protocol::time::Epoch;
use venuecode_protocol::{
    Checkpoint, Codec, CountPing, CountTagRegistration, ExposureBatch, RevocationList,
    SignedBatchHeader, TrustBundle,
};

use super::{Method, Request, Response, Transport};
use crate::api::TAN_HEADER;
use crate::error::{Error, NetworkError, Result};

/// The state of a TAN on the fake server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TanState {
    /// Registered and unused.
    Fresh,
    /// Used once already.
    Used,
    /// Past its expiry.
    Expired,
    /// Cancelled by the health authority (`DELETE /v1/tans/{hash}`).
    Cancelled,
}

/// A count-tag registration the fake server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTagPost {
    /// The venue serial in the path.
    pub serial: u64,
    /// The key id of the request envelope (not verified by the fake server).
    pub key_id: [u8; 8],
    /// The decoded registration.
    pub registration: CountTagRegistration,
}

#[derive(Default)]
struct State {
    revocations: Option<Vec<u8>>,
    revocation_pages: BTreeMap<u64, Vec<u8>>,
    batches: BTreeMap<u64, Vec<u8>>,
    unlisted: BTreeSet<u64>,
    withheld: BTreeSet<u64>,
    checkpoint: Option<Vec<u8>>,
    trust_bundle: Option<Vec<u8>>,
    overrides: Vec<(String, Vec<u8>)>,
    failing: Vec<String>,
    tans: HashMap<[u8; 32], TanState>,
    uploads: Vec<Vec<u8>>,
    registered_tags: HashSet<([u8; 8], [u8; 16])>,
    counts: HashMap<([u8; 8], [u8; 16]), u64>,
    ping_posts: u32,
    count_tag_posts: Vec<CountTagPost>,
    fail_next: u32,
    page_size: Option<usize>,
    lose_next_response: bool,
    cut_batch_bodies_at: Option<usize>,
    requests: Vec<String>,
    upload_headers: Vec<String>,
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

/// An error answer as the server gives it: the code's own status and the contract's body.
fn error(code: ErrorCode) -> Response {
    let status = code.status();
    let body = ErrorBody {
        message: code.hint().to_owned(),
        error: code,
    };
    json(status, &body)
}

fn json<T: Serialize>(status: u16, body: &T) -> Response {
    // The contract's types serialize to JSON without fail.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Response::from_bytes(status, bytes)
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

    /// Serves `list` on `GET /v1/revocations` for any cursor that has no page of its own.
    pub fn set_revocations(&self, list: &RevocationList) {
        self.state().revocations = Some(list.encode());
    }

    /// Serves `list` on `GET /v1/revocations?after=N` for its own `after`, as one page of a
    /// paged answer.
    pub fn add_revocation_page(&self, list: &RevocationList) {
        self.state()
            .revocation_pages
            .insert(list.body().after, list.encode());
    }

    /// Publishes a batch under its own sequence (replacing any batch there) and returns it.
    /// The fake server does not check the chain: a test may publish a fork or a gap.
    pub fn publish(&self, batch: &ExposureBatch) -> u64 {
        self.publish_bytes(batch.encode())
    }

    /// Publishes raw batch bytes (possibly tampered) under the sequence their header names,
    /// or after the highest one when the header does not decode; returns the sequence.
    pub fn publish_bytes(&self, bytes: Vec<u8>) -> u64 {
        let mut s = self.state();
        let sequence = SignedBatchHeader::read(&mut Reader::new(&bytes))
            .map(|h| h.header().sequence)
            .unwrap_or_else(|_| s.batches.keys().last().map_or(1, |l| l + 1));
        s.batches.insert(sequence, bytes);
        sequence
    }

    /// Publishes raw bytes under a given sequence, whatever they hold (a reordered batch).
    pub fn publish_at(&self, sequence: u64, bytes: Vec<u8>) {
        self.state().batches.insert(sequence, bytes);
    }

    /// Serves `cp` on `GET /v1/checkpoint`.
    pub fn set_checkpoint(&self, cp: &Checkpoint) {
        self.state().checkpoint = Some(cp.encode());
    }

    /// Serves `bundle` on `GET /v1/trust-bundle`.
    pub fn set_trust_bundle(&self, bundle: &TrustBundle) {
        self.state().trust_bundle = Some(bundle.encode());
    }

    /// Leaves batch `sequence` out of the listings but still serves it when asked by its
    /// sequence.
    pub fn omit_from_listing(&self, sequence: u64) {
        self.state().unlisted.insert(sequence);
    }

    /// Withholds batch `sequence`: left out of the listings and answered 404, as a server that
    /// hides it from this client would.
    pub fn withhold(&self, sequence: u64) {
        self.state().withheld.insert(sequence);
    }

    /// Stops withholding or omitting every batch.
    pub fn release_withheld(&self) {
        let mut s = self.state();
        s.withheld.clear();
        s.unlisted.clear();
    }

    /// Acts as a proxy that answers every `GET` whose path starts with `prefix` with `body`
    /// (status 200) instead of the server's answer: a replayed old list or checkpoint, a
    /// substituted trust bundle. Later overrides of the same prefix replace earlier ones.
    pub fn intercept(&self, prefix: &str, body: Vec<u8>) {
        let mut s = self.state();
        s.overrides.retain(|(p, _)| p != prefix);
        s.overrides.push((prefix.to_owned(), body));
    }

    /// Removes every interception and every failing path.
    pub fn stop_intercepting(&self) {
        let mut s = self.state();
        s.overrides.clear();
        s.failing.clear();
    }

    /// Makes every request whose path starts with `prefix` fail as if the network were down,
    /// until [`Self::stop_intercepting`].
    pub fn fail_path(&self, prefix: &str) {
        self.state().failing.push(prefix.to_owned());
    }

    /// How many `POST /v1/counts` requests were received.
    pub fn ping_posts(&self) -> u32 {
        self.state().ping_posts
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

    /// The `Venuecode-Tan-Hash` header of every upload request, as received, in order.
    pub fn upload_tan_headers(&self) -> Vec<String> {
        self.state().upload_headers.clone()
    }

    /// The count-tag registrations received.
    pub fn count_tag_posts(&self) -> Vec<CountTagPost> {
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
        if req.method == Method::Get {
            if let Some((_, body)) = s.overrides.iter().find(|(p, _)| req.path.starts_with(p)) {
                return Response::from_bytes(200, body.clone());
            }
        }
        let path = req.path.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (req.method, parts.as_slice()) {
            (Method::Get, ["v1", "revocations"]) => {
                let after: u64 = query(&req.path, "after")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                match s.revocation_pages.get(&after).or(s.revocations.as_ref()) {
                    Some(b) => Response::from_bytes(200, b.clone()),
                    None => error(ErrorCode::NotFound),
                }
            }
            (Method::Get, ["v1", "checkpoint"]) => match &s.checkpoint {
                Some(b) => Response::from_bytes(200, b.clone()),
                None => error(ErrorCode::NotFound),
            },
            (Method::Get, ["v1", "trust-bundle"]) => match &s.trust_bundle {
                Some(b) => Response::from_bytes(200, b.clone()),
                None => error(ErrorCode::NotFound),
            },
            (Method::Get, ["v1", "batches"]) => {
                let after: u64 = query(&req.path, "after")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let visible = |seq: &u64| !s.withheld.contains(seq) && !s.unlisted.contains(seq);
                let batches = s
                    .batches
                    .range(after.saturating_add(1)..)
                    .filter(|(seq, _)| visible(seq))
                    .take(s.page_size.unwrap_or(1000))
                    .map(|(seq, b)| {
                        let records = SignedBatchHeader::read(&mut Reader::new(b))
                            .map(|h| h.header().record_count)
                            .unwrap_or(0);
                        BatchInfo {
                            sequence: *seq,
                            size: b.len() as u64,
                            records: u64::from(records),
                            etag: format!("\"{seq}\""),
                        }
                    })
                    .collect();
                let latest = s.batches.keys().rev().find(|q| visible(q)).copied();
                json(
                    200,
                    &BatchListing {
                        batches,
                        latest: latest.unwrap_or(0),
                    },
                )
            }
            (Method::Get, ["v1", "batches", seq]) => {
                let Some(bytes) = seq
                    .parse::<u64>()
                    .ok()
                    .filter(|n| !s.withheld.contains(n))
                    .and_then(|n| s.batches.get(&n))
                else {
                    return error(ErrorCode::NotFound);
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
            // The HA's cancel, as the server answers it (the signature is not checked here).
            (Method::Delete, ["v1", "tans", hash]) => {
                let Ok(hash) = parse_tan_hash(hash) else {
                    return error(ErrorCode::Malformed);
                };
                match s.tans.get(&hash).copied() {
                    None => error(ErrorCode::NotFound),
                    Some(TanState::Used) => error(ErrorCode::TanUsed),
                    Some(TanState::Cancelled) => error(ErrorCode::TanCancelled),
                    Some(TanState::Fresh | TanState::Expired) => {
                        s.tans.insert(hash, TanState::Cancelled);
                        Response::from_bytes(204, Vec::new())
                    }
                }
            }
            (Method::Post, ["v1", "uploads"]) => {
                if let Some(h) = req.header_value(TAN_HEADER) {
                    s.upload_headers.push(h.to_owned());
                }
                let Some(hash) = req
                    .header_value(TAN_HEADER)
                    .and_then(|h| parse_tan_hash(h).ok())
                else {
                    return error(ErrorCode::TanUnknown);
                };
                match s.tans.get(&hash).copied() {
                    None => error(ErrorCode::TanUnknown),
                    Some(TanState::Used) => error(ErrorCode::TanUsed),
                    Some(TanState::Expired) => error(ErrorCode::TanExpired),
                    Some(TanState::Cancelled) => error(ErrorCode::TanCancelled),
                    Some(TanState::Fresh) => {
                        s.tans.insert(hash, TanState::Used);
                        s.uploads.push(req.body.clone());
                        let id = s.uploads.len() as u64;
                        json(201, &UploadStored { id })
                    }
                }
            }
            (Method::Post, ["v1", "counts"]) => match CountPing::decode(&req.body) {
                Ok(p) => {
                    s.ping_posts += 1;
                    let key = (p.venue_key_id.0, p.tag.0);
                    let accepted = s.registered_tags.contains(&key);
                    if accepted {
                        *s.counts.entry(key).or_default() += 1;
                    }
                    let accepted = u8::from(accepted);
                    json(202, &CountAccepted { accepted })
                }
                Err(_) => error(ErrorCode::Malformed),
            },
            (Method::Get, ["v1", "counts"]) => {
                let hex16 = |name| {
                    query(&req.path, name)
                        .and_then(|h| hex::decode(h).ok())
                        .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
                };
                let key_id = query(&req.path, "key_id")
                    .and_then(|h| hex::decode(h).ok())
                    .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok());
                let from = query(&req.path, "from").and_then(|v| v.parse::<u32>().ok());
                let (Some(key_id), Some(tag), Some(from)) = (key_id, hex16("tag"), from) else {
                    return error(ErrorCode::Malformed);
                };
                let n = s.counts.get(&(key_id, tag)).copied().unwrap_or(0);
                let counts = if n > 0 {
                    vec![CountRow {
                        epoch: Epoch::new(from),
                        count: n,
                    }]
                } else {
                    Vec::new()
                };
                json(200, &CountListing { counts })
            }
            (Method::Post, ["v1", "venues", serial, "count-tags"]) => {
                let Some(envelope) = req
                    .header_value(SIGNATURE_HEADER)
                    .and_then(|h| RequestEnvelope::from_header(h).ok())
                else {
                    return error(ErrorCode::SignatureMissing);
                };
                let (Ok(serial), Ok(registration)) = (
                    serial.parse::<u64>(),
                    CountTagRegistration::decode(&req.body),
                ) else {
                    return error(ErrorCode::Malformed);
                };
                let key_id = envelope.key_id.0;
                for (_, tag) in registration.tags() {
                    s.registered_tags.insert((key_id, tag.0));
                }
                let n = registration.tags().len();
                s.count_tag_posts.push(CountTagPost {
                    serial,
                    key_id,
                    registration,
                });
                json(
                    201,
                    &Registered {
                        registered: n as u64,
                    },
                )
            }
            _ => error(ErrorCode::NotFound),
        }
    }
}

impl Transport for MemoryServer {
    fn send(&self, request: Request) -> Result<Response> {
        let mut s = self.state();
        s.requests.push(request.path.clone());
        let path_fails = s.failing.iter().any(|p| request.path.starts_with(p));
        if path_fails || s.fail_next > 0 {
            s.fail_next = s.fail_next.saturating_sub(u32::from(!path_fails));
            return Err(Error::Network(NetworkError::from_io(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "simulated network failure",
            ))));
        }
        let response = self.route(&mut s, &request);
        if s.lose_next_response {
            s.lose_next_response = false;
            return Err(Error::Network(NetworkError::from_io(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "simulated lost response",
            ))));
        }
        Ok(response)
    }
}
