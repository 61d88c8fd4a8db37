#!/usr/bin/env bash
# Runs the Venuecode benchmarks (see BENCHMARKS.md). The read-path comparison needs a load
# generator and a reference static server: on Debian, wrk and nginx, installed here if missing
# (nginx is only run by the bench, on a loopback port, with its own configuration). The server
# figures are also measured on PostgreSQL: unless VENUECODE_TEST_POSTGRES_URL is already set,
# scripts/postgres.sh starts (or reuses) its private loopback cluster and exports it; the bench
# works in a database of its own there, dropped at the end. Without PostgreSQL the bench still
# runs, and its PostgreSQL rows say that PostgreSQL was not available.
#
#   bench/run.sh            full run, prints the table
#   bench/run.sh --write    full run, also writes BENCHMARKS.md
#   bench/run.sh --quick    smaller run
#   bench/run.sh --only server|hostile   only sections 4-6 or only section 7 (to compare changes)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get install -y wrk nginx || { $SUDO apt-get update && $SUDO apt-get install -y wrk nginx; }
fi
if [ -z "${VENUECODE_TEST_POSTGRES_URL:-}" ]; then
    if pg_env="$(scripts/postgres.sh)"; then
        eval "$pg_env"
    else
        echo "bench/run.sh: PostgreSQL could not be started; its rows will say it was not available" >&2
    fi
fi
# The hostile-load and TLS rows run the server binary as a separate process.
cargo build --release -p venuecode-server --bin venuecode-server
# Section 1's WebAssembly rows and section 8 (the web app in headless Chromium) need the wasm and
# web builds and the venuecode binary; without them their rows say why they were not measured.
cargo build --release -p venuecode --bin venuecode
scripts/build-web.sh || echo "bench/run.sh: the web app was not built; its rows will say so" >&2
exec cargo run --release -p venuecode-bench -- "$@"
