// Exports of the threaded WebAssembly build (scripts/wasm-build.sh, prebuilt/deepscript-mt.wasm),
// which runs native/thread_pool.cc over emscripten's pthreads. Emscripten's pthread_create
// allocates each thread's struct and stack, then calls the loader's __pthread_create_js
// (src/backend/wasm/threads.ts), which starts a worker on the same module and memory; the
// worker needs the stack's top before it may run any C code.
#include <pthread.h>

#include <cstdint>

#include "../thread_pool.h"

#define DS_EXPORT extern "C" __attribute__((visibility("default"), used))

// Writes the stack of thread `t` (not yet started) as [lowest address, size] into out[0..1].
DS_EXPORT int ds_thread_stack(pthread_t t, uint32_t* out) {
  pthread_attr_t attr;
  if (pthread_getattr_np(t, &attr) != 0) return 1;
  void* addr = nullptr;
  size_t size = 0;
  const int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0) return 1;
  out[0] = (uint32_t)(uintptr_t)addr;
  out[1] = (uint32_t)size;
  return 0;
}

// The pool's size: set_num_threads starts or stops workers; returns the threads now running.
DS_EXPORT int ds_set_num_threads(int n) { return ds::set_num_threads(n); }
DS_EXPORT int ds_requested_threads() { return ds::requested_threads(); }
