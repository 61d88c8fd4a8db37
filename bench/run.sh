#!/usr/bin/env bash
# Runs the Venuecode benchmarks (see BENCHMARKS.md). The read-path comparison needs a load
# generator and a reference static server: on Debian, wrk and nginx, installed here if missing
# (nginx is only run by the bench, on a loopback port, with its own configuration).
#
#   bench/run.sh            full run, prints the table
#   bench/run.sh --write    full run, also writes BENCHMARKS.md
#   bench/run.sh --quick    smaller run
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get install -y wrk nginx || { $SUDO apt-get update && $SUDO apt-get install -y wrk nginx; }
fi
exec cargo run --release -p venuecode-bench -- "$@"
