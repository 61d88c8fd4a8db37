//! An in-memory cache of served exposure batches.
//!
//! Stored batches never change, so the bytes of a recently served batch can answer the next
//! request without a store read on a blocking thread and a copy. The cache holds at most a
//! configured number of bytes, evicting the oldest insertion first. Retention deletes batches,
//! so a retention pass clears the cache and bumps its generation; a read that started before the
//! clear does not repopulate it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::HeaderValue;

/// One cached batch: its strong ETag and its bytes.
#[derive(Clone)]
pub(crate) struct CachedBatch {
    pub etag: HeaderValue,
    pub body: Bytes,
}

#[derive(Default)]
struct Inner {
    map: HashMap<u64, CachedBatch>,
    order: VecDeque<u64>,
    bytes: usize,
    generation: u64,
}

/// The cache; `max_bytes` of zero disables it.
pub(crate) struct BatchCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl BatchCache {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent with itself in a way
        // that matters (at worst a stale byte count), so a poisoned lock is taken over.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached batch, if present.
    pub(crate) fn get(&self, sequence: u64) -> Option<CachedBatch> {
        self.lock().map.get(&sequence).cloned()
    }

    /// The generation to pass to [`Self::insert`] for a read starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Caches a batch read during `generation`, unless the cache was cleared since or the
    /// batch alone exceeds the budget.
    pub(crate) fn insert(&self, generation: u64, sequence: u64, batch: CachedBatch) {
        let size = batch.body.len();
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation || inner.map.contains_key(&sequence) {
            return;
        }
        while inner.bytes + size > self.max_bytes {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(evicted) = inner.map.remove(&old) {
                inner.bytes -= evicted.body.len();
            }
        }
        inner.bytes += size;
        inner.order.push_back(sequence);
        inner.map.insert(sequence, batch);
    }

    /// Empties the cache and starts a new generation.
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
        inner.bytes = 0;
        inner.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: usize) -> CachedBatch {
        CachedBatch {
            etag: HeaderValue::from_static("\"x\""),
            body: Bytes::from(vec![0u8; n]),
        }
    }

    #[test]
    fn evicts_oldest_first_within_the_budget() {
        let c = BatchCache::new(100);
        let g = c.generation();
        c.insert(g, 1, batch(40));
        c.insert(g, 2, batch(40));
        c.insert(g, 3, batch(40));
        assert!(c.get(1).is_none());
        assert!(c.get(2).is_some() && c.get(3).is_some());
        c.insert(g, 4, batch(101));
        assert!(
            c.get(4).is_none(),
            "a batch over the whole budget is not cached"
        );
    }

    #[test]
    fn a_read_from_before_a_clear_does_not_repopulate() {
        let c = BatchCache::new(100);
        let g = c.generation();
        c.clear();
        c.insert(g, 1, batch(10));
        assert!(c.get(1).is_none());
        c.insert(c.generation(), 1, batch(10));
        assert!(c.get(1).is_some());
    }

    #[test]
    fn zero_budget_disables() {
        let c = BatchCache::new(0);
        c.insert(c.generation(), 1, batch(1));
        assert!(c.get(1).is_none());
    }
}

/// Signed revocation pages of the current minute, by `(after, head)`.
///
/// The log is append-only, so a page is fixed by its cursor and the head it was read at; only
/// its `issued_at` minute changes. Phones polling with the same cursor (most are up to date:
/// `after == head`) get the bytes signed once that minute instead of an Ed25519 signature per
/// request. A new revocation moves the head, so it is never hidden behind a cached page. At
/// most [`MAX_REVOCATION_PAGES`] pages are kept; a new minute, or a full map, starts afresh.
#[derive(Default)]
pub(crate) struct RevocationPages {
    inner: Mutex<PagesOfMinute>,
}

/// The minute the pages were signed in, and the pages by `(after, head)`.
type PagesOfMinute = (u32, HashMap<(u64, u64), Bytes>);

/// How many signed revocation pages one minute keeps.
pub(crate) const MAX_REVOCATION_PAGES: usize = 1024;

impl RevocationPages {
    fn lock(&self) -> std::sync::MutexGuard<'_, PagesOfMinute> {
        // The map holds finished pages only: a panic elsewhere cannot leave one half-written.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The page signed during `minute` for `after` at `head`, if there is one.
    pub(crate) fn get(&self, minute: u32, after: u64, head: u64) -> Option<Bytes> {
        let inner = self.lock();
        if inner.0 != minute {
            return None;
        }
        inner.1.get(&(after, head)).cloned()
    }

    /// Keeps a page signed during `minute`.
    pub(crate) fn insert(&self, minute: u32, after: u64, head: u64, page: Bytes) {
        let mut inner = self.lock();
        if inner.0 != minute || inner.1.len() >= MAX_REVOCATION_PAGES {
            inner.0 = minute;
            inner.1.clear();
        }
        inner.1.insert((after, head), page);
    }
}

#[cfg(test)]
mod revocation_page_tests {
    use super::*;

    #[test]
    fn a_page_is_kept_for_its_minute_cursor_and_head_only() {
        let pages = RevocationPages::default();
        pages.insert(100, 5, 7, Bytes::from_static(b"page"));
        assert_eq!(pages.get(100, 5, 7).as_deref(), Some(&b"page"[..]));
        assert!(
            pages.get(100, 5, 8).is_none(),
            "a new revocation moves the head"
        );
        assert!(pages.get(100, 4, 7).is_none());
        assert!(pages.get(101, 5, 7).is_none(), "signed in another minute");
        // A new minute starts afresh.
        pages.insert(101, 7, 7, Bytes::from_static(b"next"));
        assert!(pages.get(101, 5, 7).is_none());
        assert_eq!(pages.get(101, 7, 7).as_deref(), Some(&b"next"[..]));
        // A full map starts afresh too: memory stays bounded.
        for after in 0..MAX_REVOCATION_PAGES as u64 {
            pages.insert(102, after, 9999, Bytes::from_static(b"x"));
        }
        assert_eq!(pages.lock().1.len(), MAX_REVOCATION_PAGES);
        pages.insert(102, 9999, 9999, Bytes::from_static(b"y"));
        assert_eq!(pages.lock().1.len(), 1);
    }
}
