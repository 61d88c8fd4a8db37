//! The kill-9 harnesses' shared settings and random numbers.

use std::time::{SystemTime, UNIX_EPOCH};

/// The number of kill cycles (`VENUECODE_CRASH_CYCLES`, default 50) and the seed of the run
/// (`VENUECODE_CRASH_SEED` to replay one, else from the clock; never 0).
pub fn settings() -> (usize, u64) {
    let cycles: usize = std::env::var("VENUECODE_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("VENUECODE_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    (cycles, seed)
}

/// A xorshift64* generator: reproducible from its seed, not for secrets.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
