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
