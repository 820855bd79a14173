#!/bin/sh
# Rebuilds the wasm backend's modules from the native kernels' C++ sources (native/*.cc) plus the
# wasm-only files in native/wasm/. Needs Debian's emscripten (apt-get install emscripten); the
# outputs are committed, so installing deepscript compiles nothing.
#
#   prebuilt/deepscript.wasm     single-threaded: any host
#   prebuilt/deepscript-mt.wasm  threaded: emscripten pthreads over a shared memory, for Node's
#                                worker_threads and cross-origin-isolated pages
#
# Both compile the kernels listed in scripts/wasm-sources.txt plus their own thread pool:
#
#   sh scripts/wasm-build.sh [st|mt|all]     # default all
set -eu
cd "$(dirname "$0")/.."
WHICH=${1:-all}
case "$WHICH" in st | mt | all) ;; *) echo "wasm-build: expected st, mt or all, got '$WHICH'" >&2; exit 2 ;; esac
mkdir -p prebuilt
# (test/wasm-source-hash.test.ts names the same two pools.)
WASM_ST_POOL="native/wasm/thread_pool_single.cc"
WASM_MT_POOL="native/thread_pool.cc native/wasm/threads.cc"
KERNELS=$(grep -v '^#' scripts/wasm-sources.txt)
# The hash test/wasm-source-hash.test.ts recomputes: every source and every header, sorted, each as
# its path, a newline, then its bytes.
source_hash() {
  (for f in $(printf '%s\n' $1 native/*.h | LC_ALL=C sort); do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -d' ' -f1
}
# -fwasm-exceptions: kernels report bad arguments by throwing; entry.cc turns that into an error code.
CFLAGS="-std=c++17 -O3 -msimd128 -fno-math-errno -fno-trapping-math -fwasm-exceptions"
EXPORTS=_ds_call,_ds_error,_ds_malloc,_ds_free,_ds_num_threads,_ds_source_hash

if [ "$WHICH" != mt ]; then
  SOURCES="$KERNELS $WASM_ST_POOL"
  HASH=$(source_hash "$SOURCES")
  # IMPORTED_MEMORY: the loader creates the memory, sized at run time, with its maximum equal to its
  # size: growing would detach every view of it, so malloc instead returns 0 when the heap is full
  # (the module allows growth only so that any size up to 4 GiB can be imported).
  emcc $CFLAGS $SOURCES \
    -sSTANDALONE_WASM=1 --no-entry -sIMPORTED_MEMORY=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 \
    -sINITIAL_MEMORY=16777216 -sTOTAL_STACK=1048576 -sFILESYSTEM=0 \
    -sEXPORTED_FUNCTIONS=$EXPORTS -DDS_SOURCE_HASH="\"$HASH\"" -o prebuilt/deepscript.wasm
  ls -l prebuilt/deepscript.wasm
  echo "deepscript.wasm sources: $HASH"
fi

if [ "$WHICH" != st ]; then
  SOURCES="$KERNELS $WASM_MT_POOL"
  HASH=$(source_hash "$SOURCES")
  OBJ=$(mktemp -d /tmp/ds-wasm-mt.XXXXXX)
  trap 'rm -rf "$OBJ"' EXIT
  OBJS=""
  for f in $SOURCES; do
    o="$OBJ/$(echo "$f" | tr / _).o"
    emcc $CFLAGS -pthread -DDS_SOURCE_HASH="\"$HASH\"" -c "$f" -o "$o"
    OBJS="$OBJS $o"
  done
  # Emscripten refuses STANDALONE_WASM with pthreads, so the module is linked as a bare wasm
  # (--oformat=bare: no generated JavaScript); src/backend/wasm/wasm-threads.ts provides the few
  # imports its C library asks for. The memory is shared and imported at a fixed size, as above.
  emcc -O3 -pthread -fwasm-exceptions $OBJS --oformat=bare -Wno-experimental \
    --no-entry -sIMPORTED_MEMORY=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 \
    -sINITIAL_MEMORY=16777216 -sTOTAL_STACK=1048576 -sFILESYSTEM=0 \
    -sEXPORTED_FUNCTIONS=$EXPORTS,_ds_set_num_threads,_ds_requested_threads,_ds_thread_stack,__emscripten_thread_init,_emscripten_tls_init,_emscripten_stack_init,_emscripten_stack_set_limits,_stackRestore,__emscripten_thread_exit \
    -o prebuilt/deepscript-mt.wasm
  ls -l prebuilt/deepscript-mt.wasm
  echo "deepscript-mt.wasm sources: $HASH"
fi
