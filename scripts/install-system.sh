#!/usr/bin/env bash
# Installs the Debian packages Tactful builds and tests with. Idempotent:
# returns at once when everything is already there.
set -euo pipefail

PKGS=(cmake g++ pkg-config emscripten doctest-dev libsodium-dev
      autoconf automake libtool brotli chromium chromium-driver
      libcpp-httplib-dev libsqlite3-dev dpkg-dev)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# libsodium's C sources come from Debian's source package; that needs a deb-src twin.
need_src=0
if ! ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs grep -l "deb-src" >/dev/null 2>&1; then
  need_src=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $need_src -eq 0 ]; then
  exit 0
fi

if [ $need_src -eq 1 ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case "$f" in *-src.sources) continue;; esac
    grep -q '^Types: deb$' "$f" || continue
    sed 's/^Types: deb$/Types: deb-src/' "$f" | $SUDO tee "${f%.sources}-src.sources" >/dev/null
  done
fi

echo "tactful setup: installing ${missing[*]:-deb-src sources}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
