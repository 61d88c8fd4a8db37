//! CrowdNotifier's matching cost, rebuilt: its phones find notified check-ins by trial
//! decryption of an identity-based (Boneh–Franklin, FO-transformed) ciphertext per check-in
//! with every published identity key, one BLS12-381 pairing per trial.
//!
//! This is the decryption step only, written for the benchmark on the `bls12_381` crate
//! (zkcrypto, pure Rust):
//!
//! - setup: `msk` random, `mpk = g2^msk` (G2);
//! - a check-in under identity `id` stores `c1 = g2^r`, `c2 = x ⊕ H2(e(H1(id), mpk)^r)`,
//!   `c3 = m ⊕ H4(x)`, with `r = H3(x, m)` (Fujisaki–Okamoto);
//! - the HA publishes `sk_id = H1(id)^msk` (G1) per notified venue-time;
//! - a trial: `g = e(sk_id, c1)`, `x = c2 ⊕ H2(g)`, `m = c3 ⊕ H4(x)`, `r = H3(x, m)`, accept
//!   only if `g2^r == c1` (the FO re-encryption check).
//!
//! `H1` is used only to make the published keys, never in a trial, so it is a hash to a scalar
//! times the G1 generator here rather than a hash to the curve; that changes no trial's cost.
//! `bls12_381` exposes no byte encoding of a target-group element, so `H2` hashes its hex
//! display (measured separately below: a small part of a trial).

use std::fmt::Write as _;
use std::time::Duration;

use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, G2Projective, Gt, Scalar};
use ring::digest;

use crate::fixture::Filler;
use crate::util::thread_cpu;
use crate::BenchResult;

struct HashWriter(digest::Context);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

fn h(label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut c = digest::Context::new(&digest::SHA256);
    c.update(label);
    for p in parts {
        c.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(c.finish().as_ref());
    out
}

fn h_scalar(label: &[u8], parts: &[&[u8]]) -> Scalar {
    let a = h(label, parts);
    let mut l2 = label.to_vec();
    l2.push(b'2');
    let b = h(&l2, parts);
    let mut wide = [0u8; 64];
    wide[..32].copy_from_slice(&a);
    wide[32..].copy_from_slice(&b);
    Scalar::from_bytes_wide(&wide)
}

fn h2(g: &Gt) -> [u8; 32] {
    let mut w = HashWriter(digest::Context::new(&digest::SHA256));
    w.0.update(b"H2");
    let _ = write!(w, "{g}");
    let mut out = [0u8; 32];
    out.copy_from_slice(w.0.finish().as_ref());
    out
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = x ^ y;
    }
    out
}

fn h1(id: &[u8]) -> G1Affine {
    G1Affine::from(G1Affine::generator() * h_scalar(b"H1", &[id]))
}

struct Ciphertext {
    c1: G2Affine,
    c2: [u8; 32],
    c3: [u8; 32],
}

fn encrypt(mpk: &G2Affine, id: &[u8], m: &[u8; 32], x: &[u8; 32]) -> Ciphertext {
    let r = h_scalar(b"H3", &[x, m]);
    let c1 = G2Affine::from(G2Affine::generator() * r);
    let g = pairing(&h1(id), mpk) * r;
    Ciphertext {
        c1,
        c2: xor(x, &h2(&g)),
        c3: xor(m, &h(b"H4", &[x])),
    }
}

/// One trial decryption; `Some(m)` when the key is the ciphertext's identity key.
fn trial(sk: &G1Affine, ct: &Ciphertext) -> Option<[u8; 32]> {
    let g = pairing(sk, &ct.c1);
    let x = xor(&ct.c2, &h2(&g));
    let m = xor(&ct.c3, &h(b"H4", &[&x]));
    let r = h_scalar(b"H3", &[&x, &m]);
    (G2Projective::generator() * r == G2Projective::from(ct.c1)).then_some(m)
}

/// What the baseline measured.
pub struct Baseline {
    /// Trials actually run.
    pub trials: usize,
    /// Trials of the published workload.
    pub workload_trials: usize,
    /// Thread CPU per trial.
    pub per_trial: Duration,
    /// Per trial: the pairing alone, hashing the pairing's value, the FO re-encryption check.
    pub pairing: Duration,
    pub gt_hash: Duration,
    pub fo_check: Duration,
}

impl Baseline {
    /// CPU of the whole workload: the trials run, scaled to the workload when a quick run
    /// ran fewer.
    pub fn workload_cpu(&self) -> Duration {
        self.per_trial * self.workload_trials as u32
    }
    /// The pairing alone for the whole workload: a lower bound of any pairing-based trial.
    pub fn workload_pairing_cpu(&self) -> Duration {
        self.pairing * self.workload_trials as u32
    }
}

/// Runs `checkins` ciphertexts against `venues × keys_per_venue` identity keys; in quick mode
/// only a tenth of the keys (the per-trial cost is the same for every trial).
pub fn run(
    quick: bool,
    checkins: usize,
    venues: usize,
    keys_per_venue: usize,
) -> BenchResult<Baseline> {
    let mut rng = Filler::new(0xc0ff_ee00);
    let msk = Scalar::from_bytes_wide(&rng.array());
    let mpk = G2Affine::from(G2Affine::generator() * msk);
    let nkeys = venues * keys_per_venue;
    let run_keys = if quick { nkeys.div_ceil(10) } else { nkeys };
    // The phone's check-ins: identities "visit-i".
    let cts: Vec<Ciphertext> = (0..checkins)
        .map(|i| {
            let id = format!("visit-{i}");
            let m: [u8; 32] = rng.array();
            let x: [u8; 32] = rng.array();
            encrypt(&mpk, id.as_bytes(), &m, &x)
        })
        .collect();
    // Published keys: notified identities; key 7 is the identity of check-in 2.
    let keys: Vec<G1Affine> = (0..run_keys)
        .map(|j| {
            let id = if j == 7 {
                "visit-2".to_owned()
            } else {
                format!("notified-{j}")
            };
            G1Affine::from(G1Projective::from(h1(id.as_bytes())) * msk)
        })
        .collect();

    let c0 = thread_cpu();
    let mut matches = 0;
    for k in &keys {
        for ct in &cts {
            if trial(k, ct).is_some() {
                matches += 1;
            }
        }
    }
    let cpu = thread_cpu().saturating_sub(c0);
    let trials = keys.len() * cts.len();
    if matches != 1 {
        return Err(format!("the planted key matched {matches} times, expected once").into());
    }

    // The parts of one trial, on a sample.
    let sample = keys.len().min(if quick { 10 } else { 40 });
    let ct = cts.first().ok_or("no ciphertext")?;
    let c0 = thread_cpu();
    let mut gts = Vec::with_capacity(sample);
    for k in keys.iter().take(sample) {
        gts.push(pairing(k, &ct.c1));
    }
    let pairing_cpu = thread_cpu().saturating_sub(c0) / sample as u32;
    let c0 = thread_cpu();
    let mut acc = 0u8;
    for g in &gts {
        acc ^= h2(g)[0];
    }
    let hash_cpu = thread_cpu().saturating_sub(c0) / sample as u32;
    let c0 = thread_cpu();
    for i in 0..sample {
        let r = h_scalar(b"H3", &[&[acc, i as u8]]);
        if G2Projective::generator() * r == G2Projective::from(ct.c1) {
            acc = acc.wrapping_add(1);
        }
    }
    let fo_cpu = thread_cpu().saturating_sub(c0) / sample as u32;
    std::hint::black_box(acc);

    Ok(Baseline {
        trials,
        workload_trials: checkins * nkeys,
        per_trial: cpu / trials as u32,
        pairing: pairing_cpu,
        gt_hash: hash_cpu,
        fo_check: fo_cpu,
    })
}
