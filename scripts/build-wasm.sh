#!/usr/bin/env bash
# Builds the visitor library for the browser (crates/wasm, see crates/wasm/API.md):
#
# - web/pkg/       wasm-bindgen --target web: the app's module (venuecode_wasm.js, _bg.wasm, .d.ts);
# - web/pkg-node/  wasm-bindgen --target nodejs, with the test-only `vectors` feature: the node
#                  tests (crates/wasm/tests/*.test.mjs) and the bench (bench/wasm/match.mjs).
#
# Installs what is missing: the wasm32-unknown-unknown target, clang (ring compiles C for wasm32)
# and wasm-bindgen-cli at exactly the version of the wasm-bindgen crate (their formats must match).
# Prints the module's size raw, gzip and brotli.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=wasm-release
target=wasm32-unknown-unknown
# The version of the wasm-bindgen crate in Cargo.lock; the CLI must be the same.
bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target"
fi
if ! command -v clang >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/build-wasm.sh: installing clang" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends clang >/dev/null
  else
    echo "scripts/build-wasm.sh: please install clang (ring compiles C for wasm32)" >&2
    exit 1
  fi
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  echo "scripts/build-wasm.sh: installing wasm-bindgen-cli $bindgen_version" >&2
  # --locked first; a registry mirror missing one of the CLI's locked dependencies (seen here:
  # webpki-roots 1.0.11) then gets the newest compatible versions instead.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked ||
    cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

wasm="target/$target/$profile/venuecode_wasm.wasm"

cargo build --profile "$profile" --target "$target" -p venuecode-wasm
rm -rf web/pkg
wasm-bindgen --target web --out-dir web/pkg "$wasm"

cargo build --profile "$profile" --target "$target" -p venuecode-wasm --features vectors
rm -rf web/pkg-node
wasm-bindgen --target nodejs --out-dir web/pkg-node "$wasm"

module=web/pkg/venuecode_wasm_bg.wasm
raw=$(stat -c %s "$module")
gz=$(gzip -9 -c "$module" | wc -c)
if command -v brotli >/dev/null 2>&1; then
  br=$(brotli -q 11 -c "$module" | wc -c)
else
  br="(brotli not installed)"
fi
echo "scripts/build-wasm.sh: $module: $raw bytes raw, $gz gzip -9, $br brotli -q 11" >&2
