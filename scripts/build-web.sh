#!/usr/bin/env bash
# Builds the visitor web app into web/dist/ (served by `venuecode server --web-app web/dist`):
# the visitor library in WebAssembly (scripts/build-wasm.sh writes web/pkg/), the npm packages
# pinned by web/package-lock.json (`npm ci`, only when node_modules is missing or older than the
# lockfile), then esbuild (web/build.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${VENUECODE_SKIP_WASM_BUILD:-}" != 1 ]; then
  scripts/build-wasm.sh
fi
if [ ! -f web/pkg/venuecode_wasm.js ]; then
  echo "scripts/build-web.sh: web/pkg/ is missing (scripts/build-wasm.sh writes it)" >&2
  exit 1
fi
command -v npm >/dev/null 2>&1 || { echo "scripts/build-web.sh: please install nodejs and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && node build.mjs)
