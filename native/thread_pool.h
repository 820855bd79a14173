// Persistent worker pool: kernels hand it a job that every participating thread runs with its
// thread id; the calling thread takes part as id 0, so a 1-thread job costs no hand-off.
#pragma once
#include <atomic>
#include <cstddef>

namespace ds {

using JobFn = void (*)(void* ctx, int tid, int nthreads);

int num_threads();
void set_num_threads(int n);

// Runs fn(ctx, tid, nth) for tid in [0, nth) and returns when all are done. Falls back to
// running on the caller alone when nested or when another JS thread holds the pool.
void run_parallel(int nth, JobFn fn, void* ctx);

template <class F>
void run_parallel(int nth, F& f) {
  run_parallel(
      nth, [](void* c, int tid, int n) { (*static_cast<F*>(c))(tid, n); }, &f);
}

// Splits [0, n) into contiguous chunks of at least `grain` items, body(begin, end) per chunk.
template <class F>
void parallel_for(size_t n, size_t grain, F&& body) {
  if (n == 0) return;
  size_t want = grain == 0 ? n : n / grain;
  int nth = num_threads();
  if (want < (size_t)nth) nth = want < 1 ? 1 : (int)want;
  if (nth <= 1) {
    body((size_t)0, n);
    return;
  }
  auto job = [&](int tid, int total) {
    size_t b = n * (size_t)tid / (size_t)total, e = n * (size_t)(tid + 1) / (size_t)total;
    if (b < e) body(b, e);
  };
  run_parallel(nth, job);
}

// Spin-then-yield barrier for the threads of one job.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait();

 private:
  int n_;
  std::atomic<int> count_{0};
  std::atomic<int> gen_{0};
};

}  // namespace ds
