#!/usr/bin/env bash
# The project's test command: makes sure the system packages some tests use are present, then runs
# every test in the workspace.
#
# - fonts-noto-cjk: the CJK font embedded in posters (crates/cli/tests/poster.rs);
# - chromium: loads the rotating display page for a screenshot (crates/cli/tests/display.rs);
# - postgresql: a private loopback cluster for the server's PostgreSQL backend and replica tests
#   (scripts/postgres.sh; the tests would start it themselves, this makes the step visible);
# - nodejs: runs the WebAssembly build's tests (crates/wasm/tests/*.test.mjs); clang and
#   wasm-bindgen-cli for that build are installed by scripts/build-wasm.sh;
# - npm: installs the web app's packages pinned by web/package-lock.json (scripts/build-web.sh
#   runs `npm ci`); its browser tests (web/tests/*.test.mjs) drive the chromium above with
#   playwright-core, against the real `venuecode server` and CLI.
#
# On Debian as root it installs what is missing; elsewhere it says what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ -z "${VENUECODE_CJK_FONT:-}" ] && ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
  missing+=(fonts-noto-cjk)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "scripts/test.sh: please install: ${missing[*]} (Debian package names)" >&2
    exit 1
  fi
fi

pg_env="$(scripts/postgres.sh)"
eval "$pg_env"

cargo test --workspace "$@"

# The visitor library in WebAssembly (crates/wasm): build it, then run the JSON vectors and its
# API through it in node, as the Rust tests run them natively.
scripts/build-wasm.sh
node --test crates/wasm/tests/

# The visitor web app (web/): bundle it over that build, then drive it in headless Chromium
# against real `venuecode server --web-app web/dist` processes and the `venuecode` binary that
# `cargo test` built (target/debug/venuecode).
VENUECODE_SKIP_WASM_BUILD=1 scripts/build-web.sh
(cd web && VENUECODE_BIN="$PWD/../target/debug/venuecode" node --test --test-concurrency=1 tests/)
