#!/usr/bin/env bash
# Puts a mediasoup worker where mediasoup looks for it (node_modules/mediasoup/worker/out/Release),
# because package.json denies mediasoup's own install script (it fails the install on machines
# that cannot reach GitHub). Run after `npm ci`; `npm test` runs it. In order:
#   1. MEDIASOUP_WORKER_BIN set, or a worker already in place: nothing to do;
#   2. GitHub reachable: mediasoup's own postinstall downloads its prebuilt worker;
#   3. else: build it from source against Debian's libraries (build.sh, cached) and link it in.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE="$ROOT/node_modules/mediasoup"
TARGET="$MODULE/worker/out/Release/mediasoup-worker"
VERSION="$(node -p "require('$MODULE/package.json').version")"

if [[ -n "${MEDIASOUP_WORKER_BIN:-}" ]]; then
  [[ -x "$MEDIASOUP_WORKER_BIN" ]] || { echo "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not executable" >&2; exit 1; }
  echo "mediasoup worker: $MEDIASOUP_WORKER_BIN (MEDIASOUP_WORKER_BIN)"
  exit 0
fi
# a worker mediasoup downloaded (a file) stays; a link to our build is renewed when build.sh
# changed (its cache key did), and a link to a cached build that is gone is not executable
if [[ -x "$TARGET" && ! -L "$TARGET" ]]; then
  echo "mediasoup worker: $TARGET"
  exit 0
fi
if [[ ! -L "$TARGET" && -z "${LIVESHOP_BUILD_WORKER:-}" ]] && command -v curl >/dev/null &&
  curl -fsS --max-time 5 -o /dev/null https://github.com 2>/dev/null; then
  (cd "$MODULE" && node npm-scripts.mjs postinstall)
  echo "mediasoup worker: $TARGET (prebuilt)"
  exit 0
fi
BIN="$(MEDIASOUP_VERSION="$VERSION" bash "$ROOT/media/worker/build.sh" | tail -n 1)"
mkdir -p "$(dirname "$TARGET")"
ln -sf "$BIN" "$TARGET"
echo "mediasoup worker: $TARGET -> $BIN (our build, from the cache or just made)"
