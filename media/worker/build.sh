#!/usr/bin/env bash
# Builds mediasoup's worker from the source in its npm tarball against Debian's libraries, for
# machines where mediasoup's postinstall cannot download a prebuilt worker (only the npm registry
# and Debian's packages are reachable). Prints the worker's path on its last line; export it as
# MEDIASOUP_WORKER_BIN (mediasoup then skips its download and runs that worker).
#
# The result is cached outside the repository, keyed by the mediasoup version and the hash of
# this directory's scripts, so a machine builds once (about 5 minutes on 2 cores).
#
#   media/worker/build.sh            # mediasoup version from MEDIASOUP_VERSION or 3.19.3
#
# Needs: Debian 12 packages (installed when run as root and missing), and meson >= 1.1 (Debian 12
# has 1.0.1: the script installs meson 1.12.1 from the pip index into a virtualenv in the cache).
set -euo pipefail

VERSION="${MEDIASOUP_VERSION:-3.19.3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LIVESHOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/liveshop}"
HASH="$(cat "$HERE"/build.sh "$HERE"/patch-meson.py "$HERE"/patch-sources.py | sha256sum | cut -c1-12)"
OUT="$CACHE/mediasoup-worker-$VERSION-$HASH"

if [[ -x "$OUT/mediasoup-worker" ]]; then
  echo "$OUT/mediasoup-worker"
  exit 0
fi

PACKAGES=(g++ make curl pkg-config ninja-build libssl-dev libuv1-dev libusrsctp-dev libabsl-dev
  flatbuffers-compiler libflatbuffers-dev python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (apt-get install -y them as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

MESON=meson
if ! command -v meson >/dev/null || ! meson --version | awk -F. '{exit !($1 > 1 || ($1 == 1 && $2 >= 1))}'; then
  if [[ ! -x "$CACHE/meson-venv/bin/meson" ]]; then
    mkdir -p "$CACHE"
    python3 -m venv "$CACHE/meson-venv"
    "$CACHE/meson-venv/bin/pip" install -q meson==1.12.1
  fi
  MESON="$CACHE/meson-venv/bin/meson"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "mediasoup@$VERSION" >/dev/null && tar xzf mediasoup-*.tgz)

# libsrtp: Debian 12's libsrtp2 does its crypto through NSS, a PKCS#11 context per packet, which
# costs a worker about 1.6 times the CPU per viewer. Build the same release from Debian's source tarball
# (checked against the hash in its .dsc) with OpenSSL instead, as a static library.
SRTP_VERSION=2.5.0
SRTP_SHA256=8a43ef8e9ae2b665292591af62aa1a4ae41e468b6d98d8258f91478735da4e09
(
  cd "$WORK"
  curl -fsS --retry 3 --max-time 120 -o srtp.tar.gz \
    "http://deb.debian.org/debian/pool/main/libs/libsrtp2/libsrtp2_${SRTP_VERSION}.orig.tar.gz"
  echo "$SRTP_SHA256  srtp.tar.gz" | sha256sum -c --quiet
  tar xzf srtp.tar.gz
  cd "libsrtp-$SRTP_VERSION"
  CFLAGS='-O2 -fPIC' ./configure --enable-openssl --prefix="$WORK/srtp" >/dev/null
  make -j"$(nproc)" libsrtp2.a >/dev/null
  make install >/dev/null
)
# the worker links OpenSSL anyway; a static libsrtp2 needs it after itself on the link line
sed -i 's/^Libs: \(.*\)$/Libs: \1 -lcrypto/' "$WORK/srtp/lib/pkgconfig/libsrtp2.pc"
export PKG_CONFIG_PATH="$WORK/srtp/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

cd "$WORK/package/worker"
python3 "$HERE/patch-meson.py" meson.build deps/libwebrtc/meson.build
python3 "$HERE/patch-sources.py"
"$MESON" setup build --wrap-mode=nodownload --buildtype=release -Dms_disable_liburing=true >/dev/null
ninja -C build fbs/FBS >/dev/null
ninja -C build mediasoup-worker >&2

mkdir -p "$OUT"
cp build/mediasoup-worker "$OUT/mediasoup-worker.tmp"
mv "$OUT/mediasoup-worker.tmp" "$OUT/mediasoup-worker"
echo "$OUT/mediasoup-worker"
