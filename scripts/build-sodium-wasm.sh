#!/usr/bin/env bash
# Builds libsodium to wasm from Debian's source package, once, into the build tree.
# Usage: build-sodium-wasm.sh BUILD_DIR   -> BUILD_DIR/sodium-wasm/{include,lib/libsodium.a}
set -euo pipefail
out="$(cd "$1" && pwd)/sodium-wasm"
[ -f "$out/lib/libsodium.a" ] && exit 0

work="$(cd "$1" && pwd)/sodium-src"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
# configure runs its emcc-built test programs with node; our package.json
# says "type": "module", which would make them ES modules, so fence it off.
echo '{"type": "commonjs"}' > package.json
echo "tactful setup: building libsodium for wasm (a few minutes, once)" >&2
apt-get source --download-only libsodium >/dev/null 2>&1 || { echo "tactful setup: apt-get source libsodium failed (is there a deb-src entry?)" >&2; exit 1; }
tar xzf libsodium_*.orig.tar.gz
src=$(find . -maxdepth 1 -type d -name 'libsodium-*' | head -1)
cd "$src"
export NODE_PATH=/usr/share/nodejs
DO_NOT_UPDATE_CONFIG_SCRIPTS=1 ./autogen.sh >/dev/null 2>&1
NODE_OPTIONS=--no-experimental-fetch emconfigure ./configure --enable-minimal \
  --disable-shared --without-pthreads --disable-ssp --disable-asm --disable-pie \
  --prefix="$out" CFLAGS="-Oz -flto" >/dev/null \
  || { echo "tactful setup: libsodium's configure failed: see $PWD/config.log" >&2; exit 1; }
emmake make -j"$(nproc)" >/dev/null 2>&1 || { echo "tactful setup: building libsodium for wasm failed" >&2; exit 1; }
emmake make install >/dev/null
cd / && rm -rf "$work"
echo "tactful setup: libsodium for wasm ready in $out" >&2
