#!/bin/sh
# Rebuilds prebuilt/linux-x64-glibc/deepscript_native.node, the addon shipped inside the package
# for Linux x64 machines with glibc that cannot compile it at install. Same sources and flags as
# binding.gyp (baseline x86-64; AVX2 / AVX-512 chosen at run time), built in a scratch copy so the
# checkout's build/ is untouched, with libstdc++ and libgcc linked statically so the addon needs
# only glibc and Node-API (NAPI_VERSION 8: any Node >= 20). Run on the oldest glibc to support:
# the result needs the glibc its build machine had (check with `objdump -T ... | grep GLIBC_`).
#
#   sh scripts/prebuild-native.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=prebuilt/linux-x64-glibc/deepscript_native.node
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r binding.gyp native "$WORK/"
mkdir -p "$WORK/node_modules"
cp -r node_modules/node-addon-api "$WORK/node_modules/"
echo '{"name":"deepscript-prebuild","version":"0.0.0"}' > "$WORK/package.json"
GYP=$(node -p "require.resolve('node-gyp/bin/node-gyp.js', {paths: [require('path').dirname(process.execPath) + '/../lib/node_modules/npm']})")
PREFIX=$(dirname "$(dirname "$(command -v node)")")
NODEDIR=""
[ -f "$PREFIX/include/node/node_api.h" ] && NODEDIR="--nodedir=$PREFIX"
(cd "$WORK" && LDFLAGS="-static-libstdc++ -static-libgcc" node "$GYP" rebuild --jobs=max $NODEDIR >/dev/null)
mkdir -p "$(dirname "$OUT")"
cp "$WORK/build/Release/deepscript_native.node" "$OUT"
strip --strip-unneeded "$OUT"
ls -l "$OUT"
echo "needs: $(objdump -T "$OUT" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1); links: $(objdump -p "$OUT" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')"
