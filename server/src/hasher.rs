//! The SHA-256 of large signed bodies, on a thread of its own at a lower scheduling priority.
//!
//! A signed request's signature covers the digest of its body, so the whole body is hashed
//! before the signature can be checked. Anyone can send a large body under a trusted key id
//! copied from a genuine request: the headers pass, the body is read and hashed, and only then
//! is it refused. Hashed on the runtime's worker threads, such bodies (8 MiB each, sent as fast
//! as the server reads them) took about a third of the server's CPU and delayed every other
//! connection's requests queued behind them (issue #11). Bodies larger than
//! [`INLINE_HASH_BYTES`] are therefore hashed here, one at a time, on one thread whose nice
//! value is raised by [`NICE`]: the workers keep serving requests, and the hashing gets the CPU
//! that the rest of the server does not use. A genuine large upload waits for its turn; the
//! request's own timeout still bounds the wait. What waits is bounded by the budget of body bytes
//! in flight, since every queued body holds its share until it is answered.
//!
//! The hashing that strangers can cause is also capped per client address ([`Debts`]): an
//! address that made the server hash a large body whose signature then failed owes those bytes,
//! and its debt drains at [`DEBT_DRAIN_PER_SECOND`]; while it owes anything, its signed requests
//! with bodies over [`INLINE_HASH_BYTES`] are refused from their headers (429), before a byte of
//! the body is read. A genuine signer's signature verifies, so it never owes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Instant;

use axum::body::Bytes;
use tokio::sync::oneshot;
use venuecode_protocol::hash::Sha256Stream;

use crate::error::ApiError;

/// Bodies of at most this many bytes are hashed where they are checked (well under a
/// millisecond); larger ones on the hashing thread.
pub(crate) const INLINE_HASH_BYTES: usize = 64 * 1024;

/// How much the hashing thread's nice value is raised above the process's.
pub(crate) const NICE: i32 = 10;

struct Job {
    body: Bytes,
    done: oneshot::Sender<[u8; 32]>,
}

/// The hashing thread's queue. The thread ends when this is dropped.
pub(crate) struct BulkHasher {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl BulkHasher {
    /// Starts the hashing thread.
    pub(crate) fn start() -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("venuecode-hash".into())
            .spawn(move || {
                lower_priority();
                while let Ok(job) = rx.recv() {
                    // A request that was answered meanwhile (timed out, connection gone) no
                    // longer needs its digest.
                    if job.done.is_closed() {
                        continue;
                    }
                    let _ = job.done.send(sha256(&job.body));
                }
            })?;
        Ok(Self {
            jobs: Mutex::new(tx),
        })
    }

    /// The SHA-256 of `body`: at once for a small body, else from the hashing thread.
    pub(crate) async fn digest(&self, body: &Bytes) -> Result<[u8; 32], ApiError> {
        if body.len() <= INLINE_HASH_BYTES {
            return Ok(sha256(body));
        }
        let (done, digest) = oneshot::channel();
        let job = Job {
            body: body.clone(),
            done,
        };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        if sent.is_err() {
            tracing::error!("the hashing thread is gone");
            return Err(ApiError::internal());
        }
        digest.await.map_err(|_| {
            tracing::error!("the hashing thread dropped a body");
            ApiError::internal()
        })
    }
}

/// How fast an address's debt of vainly hashed bytes drains: 256 KiB a second, so an 8 MiB
/// body with a bad signature keeps its address from sending another large signed body for 32 s.
pub(crate) const DEBT_DRAIN_PER_SECOND: u64 = 256 * 1024;

/// Bytes each client address made the server hash for a signature that failed, draining over
/// time. Keyed by the rate limiters' key (an IPv4 address, an IPv6 /64); an address is held
/// only while it owes, and dropped by [`Debts::prune`] once its debt has drained.
#[derive(Default)]
pub(crate) struct Debts {
    owed: Mutex<HashMap<IpAddr, (u64, Instant)>>,
}

impl Debts {
    fn left(bytes: u64, since: Instant, now: Instant) -> u64 {
        let drained =
            now.saturating_duration_since(since).as_secs_f64() * DEBT_DRAIN_PER_SECOND as f64;
        bytes.saturating_sub(drained as u64)
    }

    /// `key` made the server hash `bytes` in vain.
    pub(crate) fn add(&self, key: IpAddr, bytes: u64) {
        self.add_at(key, bytes, Instant::now());
    }

    fn add_at(&self, key: IpAddr, bytes: u64, now: Instant) {
        let mut owed = self.owed.lock().unwrap_or_else(|p| p.into_inner());
        let entry = owed.entry(key).or_insert((0, now));
        *entry = (Self::left(entry.0, entry.1, now).saturating_add(bytes), now);
    }

    /// Whole seconds until `key` owes nothing, when it still owes.
    pub(crate) fn owes(&self, key: IpAddr) -> Option<u64> {
        self.owes_at(key, Instant::now())
    }

    fn owes_at(&self, key: IpAddr, now: Instant) -> Option<u64> {
        let owed = self.owed.lock().unwrap_or_else(|p| p.into_inner());
        let &(bytes, since) = owed.get(&key)?;
        let left = Self::left(bytes, since, now);
        (left > 0).then(|| left.div_ceil(DEBT_DRAIN_PER_SECOND))
    }

    /// Forgets the addresses that owe nothing any more.
    pub(crate) fn prune(&self) {
        self.prune_at(Instant::now());
    }

    fn prune_at(&self, now: Instant) {
        let mut owed = self.owed.lock().unwrap_or_else(|p| p.into_inner());
        owed.retain(|_, (bytes, since)| Self::left(*bytes, *since, now) > 0);
        owed.shrink_to_fit();
    }
}

fn sha256(body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256Stream::new();
    hash.update(body);
    hash.finish()
}

/// Raises the calling thread's nice value by [`NICE`] (on Linux the nice value is a thread's;
/// raising it needs no privilege). A failure leaves the thread at the process's priority.
fn lower_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    let now = getpriority_process(None).unwrap_or(0);
    if let Err(e) = setpriority_process(None, now.saturating_add(NICE).min(19)) {
        tracing::debug!(error = %e, "could not lower the hashing thread's priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn small_and_large_bodies_get_their_sha256() {
        let hasher = BulkHasher::start().expect("thread");
        for len in [0, 1, INLINE_HASH_BYTES, INLINE_HASH_BYTES + 1, 3 << 20] {
            let body = Bytes::from((0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
            let want = venuecode_protocol::hash::sha256(&[&body]);
            assert_eq!(
                hasher.digest(&body).await.expect("digest"),
                want,
                "{len} bytes"
            );
        }
    }

    /// Driven by explicit instants: a test that read the clock between two steps failed when
    /// the machine paused it long enough for a one-byte debt (4 µs) to drain.
    #[test]
    fn a_debt_drains_over_time_and_only_its_address_owes() {
        use std::time::Duration;
        let debts = Debts::default();
        let a: IpAddr = "192.0.2.1".parse().expect("address");
        let b: IpAddr = "192.0.2.2".parse().expect("address");
        let t0 = Instant::now();
        let at = |secs_f64: f64| t0 + Duration::from_secs_f64(secs_f64);
        assert_eq!(debts.owes_at(a, t0), None);
        debts.add_at(a, 8 * 1024 * 1024, t0);
        assert_eq!(debts.owes_at(a, t0), Some(32));
        assert_eq!(debts.owes_at(b, t0), None);
        // 256 KiB a second: one second later 31 seconds are left, and at 32 s nothing.
        assert_eq!(debts.owes_at(a, at(1.0)), Some(31));
        assert_eq!(debts.owes_at(a, at(31.5)), Some(1));
        assert_eq!(debts.owes_at(a, at(32.0)), None);
        // A second body adds to what is left, not to what was first owed.
        debts.add_at(a, 8 * 1024 * 1024, at(16.0));
        assert_eq!(debts.owes_at(a, at(16.0)), Some(48));
        assert_eq!(debts.owes_at(a, at(63.0)), Some(1));
        assert_eq!(debts.owes_at(a, at(64.0)), None);
        // Only addresses that still owe are kept.
        debts.add_at(b, 1, at(63.0));
        debts.prune_at(at(63.0));
        assert_eq!(debts.owed.lock().expect("lock").len(), 2);
        debts.prune_at(at(64.0));
        assert_eq!(debts.owed.lock().expect("lock").len(), 0);
        assert_eq!(debts.owes_at(b, at(64.0)), None);
    }

    #[test]
    fn the_clock_wrappers_read_now() {
        let debts = Debts::default();
        let a: IpAddr = "192.0.2.1".parse().expect("address");
        debts.add(a, 8 * 1024 * 1024);
        // 32 s of debt cannot drain while the test runs.
        assert!(matches!(debts.owes(a), Some(31..=32)));
        debts.prune();
        assert_eq!(debts.owed.lock().expect("lock").len(), 1);
    }
}
