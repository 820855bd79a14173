// Persistent worker pool: kernels hand it a job that every participating thread runs with its
// thread id; the calling thread takes part as id 0, so a 1-thread job costs no hand-off.
#pragma once
#include <atomic>
#include <cstddef>

namespace ds {

using JobFn = void (*)(void* ctx, int tid, int nthreads);

// The most threads the pool runs (setNumThreads refuses more; DEEPSCRIPT_NUM_THREADS is capped).
constexpr int kMaxThreads = 256;

// Threads the pool runs: the requested count, or fewer when the OS refused to start some (a
// process or thread limit); the pool then runs on the threads it has instead of failing.
int num_threads();
// Sets the requested count (clamped to [1, kMaxThreads]) and returns the threads now running.
int set_num_threads(int n);
// The count last requested (from DEEPSCRIPT_NUM_THREADS, the cores, or set_num_threads).
int requested_threads();
// Why the last resize started fewer threads than requested ("" when it started them all).
const char* thread_start_error();

// Runs fn(ctx, tid, nth) for tid in [0, nth) and returns when all are done. Every tid runs, so
// jobs may split work by tid. Falls back to running on the caller alone when
// nested or when another JS thread holds the pool.
void run_parallel(int nth, JobFn fn, void* ctx);

// Like run_parallel, but workers join only if they get to run before the caller has finished:
// fn must claim its work dynamically (the caller alone may do all of it). On a busy machine the
// caller never waits for a worker the scheduler has not run.
void run_dynamic(int nth, JobFn fn, void* ctx);

template <class F>
void run_parallel(int nth, F& f) {
  run_parallel(
      nth, [](void* c, int tid, int n) { (*static_cast<F*>(c))(tid, n); }, &f);
}

template <class F>
void run_dynamic(int nth, F& f) {
  run_dynamic(
      nth, [](void* c, int tid, int n) { (*static_cast<F*>(c))(tid, n); }, &f);
}

// Splits [0, n) into chunks of at least `grain` items that threads claim in turn, body(begin, end)
// per chunk.
template <class F>
void parallel_for(size_t n, size_t grain, F&& body) {
  if (n == 0) return;
  size_t chunks = grain == 0 ? n : n / grain;
  const int nth = num_threads();
  if (chunks > (size_t)nth * 4) chunks = (size_t)nth * 4;  // a few per thread, for balance
  if (nth <= 1 || chunks <= 1) {
    body((size_t)0, n);
    return;
  }
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      const size_t b = n * c / chunks, e = n * (c + 1) / chunks;
      if (b < e) body(b, e);
    }
  };
  run_dynamic(
      chunks < (size_t)nth ? (int)chunks : nth, [](void* c, int tid, int total) { (*static_cast<decltype(job)*>(c))(tid, total); },
      &job);
}

}  // namespace ds
