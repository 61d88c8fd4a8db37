#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 10) each, on the stable toolchain.
#   fuzz/run.sh [SECONDS] [TARGET...]
# RUSTC_BOOTSTRAP=1 lets stable rustc take the -Z sanitizer flags cargo-fuzz passes.
# Seeds come from seed_corpus.sh (run first if fuzz/corpus is missing). Prints one summary line
# per target; exits non-zero if any target finds a crash (the input lands in fuzz/artifacts/).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${1:-10}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || { echo "install with: cargo install cargo-fuzz --locked" >&2; exit 2; }
[ -d corpus ] || ./seed_corpus.sh
cargo fuzz build >logs-build.txt 2>&1 || { tail -30 logs-build.txt; exit 2; }
mkdir -p logs
failed=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    if cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -print_final_stats=1 \
        >"logs/$t.log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed=1
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*')
    printf '%-22s %4ss  execs %10s  cov %6s  corpus %5s  %s\n' "$t" "$secs" "${execs:-?}" \
        "${cov:-?}" "$(ls "corpus/$t" | wc -l)" "$status"
done
exit "$failed"
