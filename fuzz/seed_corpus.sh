#!/usr/bin/env bash
# Writes seed corpora for every fuzz target into fuzz/corpus/<target>/: valid encodings made
# with fixed keys, plus every hex blob and URL found in protocol-spec/vectors/*.json if present.
# Safe to re-run: seeds are named seed-NNNN and overwritten; what libFuzzer adds is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cargo run --quiet --release \
    --manifest-path "$here/seed-corpus/Cargo.toml" \
    --target-dir "$here/target/seed-corpus" \
    -- "$here/corpus" "$here/../protocol-spec/vectors"
