//! The kill-9 harnesses' shared settings and random numbers.

use std::time::{SystemTime, UNIX_EPOCH};

use venuecode_protocol::time::UnixMinute;

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

/// The story's first minute in the kill-9 harnesses (2025-02-19T21:20Z).
pub const START: UnixMinute = UnixMinute::new(29_000_000);

/// The kill-9 harnesses' authorities, the same in parent and child: the RA and HA signing keys
/// and the HA's decryption key from fixed seeds, and the RA's trust bundle naming them, issued
/// at [`START`].
pub struct StoryTrust {
    /// The registration authority's key.
    pub ra: venuecode_protocol::SigningKey,
    /// The health authority's signing key.
    pub ha: venuecode_protocol::SigningKey,
    /// The health authority's decryption key.
    pub ha_enc: venuecode_protocol::DecryptionKey,
    /// The bundle the RA signed.
    pub bundle: venuecode_protocol::TrustBundle,
}

/// Builds [`StoryTrust`].
pub fn story_trust() -> StoryTrust {
    let ra = venuecode_protocol::SigningKey::from_seed(&[1; 32]).expect("fixed seed");
    let ha = venuecode_protocol::SigningKey::from_seed(&[2; 32]).expect("fixed seed");
    let ha_enc = venuecode_protocol::DecryptionKey::derive(&[3; 32]).expect("fixed seed");
    let bundle = crate::fixture::trust_bundle(
        1,
        START,
        &[&ra],
        &[&ha],
        &ha_enc,
        "https://venuecode.example",
        &ra,
    );
    StoryTrust {
        ra,
        ha,
        ha_enc,
        bundle,
    }
}

/// This test binary (`exe`) run again as the child test `name` alone, its output on a pipe for
/// the parent to read acknowledgements from; the caller adds the child's environment and spawns.
pub fn child_command(exe: &std::path::Path, name: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    cmd
}
