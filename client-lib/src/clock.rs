//! The platform clock, injected so that every time-dependent behaviour can be tested.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use venuecode_protocol::time::UnixMinute;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_seconds(&self) -> u64;

    /// Whole minutes since the Unix epoch, the protocol's unit of time.
    fn now_minute(&self) -> UnixMinute {
        UnixMinute::new(u32::try_from(self.now_seconds() / 60).unwrap_or(u32::MAX))
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_seconds(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; clones share the same time. For tests and demos.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock standing at `minute` (Unix minutes).
    pub fn at_minute(minute: UnixMinute) -> Self {
        Self(Arc::new(AtomicU64::new(u64::from(minute.get()) * 60)))
    }

    /// Sets the time to `minute`.
    pub fn set_minute(&self, minute: UnixMinute) {
        self.0.store(u64::from(minute.get()) * 60, Ordering::SeqCst);
    }

    /// Moves the clock forward by `minutes`.
    pub fn advance_minutes(&self, minutes: u32) {
        self.0.fetch_add(u64::from(minutes) * 60, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_seconds(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_seconds(&self) -> u64 {
        (**self).now_seconds()
    }
}
