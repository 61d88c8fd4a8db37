//! Placeholder until the crate lands.
#![forbid(unsafe_code)]
