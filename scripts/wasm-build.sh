#!/bin/sh
# Rebuilds prebuilt/deepscript.wasm, the wasm backend's module, from the native kernels' C++
# sources (native/*.cc) plus the wasm-only files in native/wasm/ (entry point, single-threaded
# thread pool, SIMD128 GEMM micro-kernel). Needs Debian's emscripten (apt-get install emscripten);
# the output is committed, so installing deepscript compiles nothing.
#
#   sh scripts/wasm-build.sh            # writes prebuilt/deepscript.wasm
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-prebuilt/deepscript.wasm}
mkdir -p "$(dirname "$OUT")"
SOURCES=$(grep -v '^#' scripts/wasm-sources.txt)
# The hash test/wasm-source-hash.test.ts recomputes: every source and every header, sorted, each as
# its path, a newline, then its bytes.
HASH=$( (for f in $(printf '%s\n' $SOURCES native/*.h | LC_ALL=C sort); do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -d' ' -f1)
# -fwasm-exceptions: kernels report bad arguments by throwing; entry.cc turns that into an error code.
# IMPORTED_MEMORY: the loader creates the memory, sized at run time, with its maximum equal to its
# size: growing would detach every view of it, so malloc instead returns 0 when the heap is full
# (the module allows growth only so that any size up to 4 GiB can be imported).
emcc -std=c++17 -O3 -msimd128 -fno-math-errno -fno-trapping-math -fwasm-exceptions \
  $SOURCES \
  -sSTANDALONE_WASM=1 --no-entry -sIMPORTED_MEMORY=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 \
  -sINITIAL_MEMORY=16777216 -sTOTAL_STACK=1048576 -sFILESYSTEM=0 \
  -sEXPORTED_FUNCTIONS=_ds_call,_ds_error,_ds_malloc,_ds_free,_ds_num_threads,_ds_source_hash \
  -DDS_SOURCE_HASH="\"$HASH\"" \
  -o "$OUT"
ls -l "$OUT"
echo "sources: $HASH"
