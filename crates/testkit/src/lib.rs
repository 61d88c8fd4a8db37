//! The Venuecode test kit: the set-up the integration tests share, in one place.
//!
//! - [`fixture`]: one fixture world with keys from fixed seeds, venue certificates, static and
//!   rotating codes, trust bundles, checkpoints, revocation lists and a batch builder, over the
//!   client library's in-memory server; and the builders of those wire types that tests call
//!   directly.
//! - [`server`]: a real server started in-process on an ephemeral port and driven over HTTP
//!   ([`server::Harness`]), plain-socket helpers ([`server::raw`]) and the server binary as a
//!   child process ([`server::process`]).
//! - [`clock`]: tests whose expectations name the current UTC minute or day, run again when
//!   that period turned during a failed run.
//! - [`clock`]: tests whose expectations name the current UTC minute or day, run again when
//!   that period turned while a run failed.
//! - [`cli`]: the `venuecode` binary run as users run it, and its server subcommand as a child
//!   process.
//! - [`pki`]: a test certificate authority for TLS tests.
//! - [`store`]: storage records for the backend tests.
//! - [`crash`]: the kill-9 harnesses' settings and random numbers.
//!
//! Not published; a dev-dependency of the crates' integration tests only. Everything here
//! panics on failure, as test set-up should.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)]

pub mod cli;
pub mod clock;
pub mod crash;
pub mod fixture;
pub mod pki;
pub mod server;
pub mod store;
