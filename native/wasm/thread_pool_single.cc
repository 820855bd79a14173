// The thread pool's interface (native/thread_pool.h) for the single-threaded WebAssembly build:
// every job runs on the calling thread as thread 0 of 1, so the kernels' parallel loops run
// serially and no thread is ever started.
#include "../thread_pool.h"

namespace ds {

int num_threads() { return 1; }

int set_num_threads(int) { return 1; }

int requested_threads() { return 1; }

const char* thread_start_error() { return ""; }

void run_parallel(int, JobFn fn, void* ctx) { fn(ctx, 0, 1); }

void run_dynamic(int, JobFn fn, void* ctx) { fn(ctx, 0, 1); }

}  // namespace ds
