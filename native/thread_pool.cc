#include "thread_pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DS_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define DS_PAUSE() __asm__ __volatile__("yield")
#else
#define DS_PAUSE() ((void)0)
#endif

namespace ds {
namespace {

// Workers spin this long after a job before sleeping: training issues kernels back to back,
// so a short spin saves the wake-up latency without burning a core when idle.
constexpr auto kSpin = std::chrono::microseconds(200);
// Pauses before a waiting thread starts yielding: yielding at once lets a thread that shares
// the core (a busy machine, or more threads than cores) run instead of spinning against it.
constexpr unsigned kPauses = 64;

inline void backoff(unsigned& spins) {
  if (++spins < kPauses) DS_PAUSE();
  else std::this_thread::yield();
}

int available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (int)n;
}

int initial_threads() {
  const char* env = std::getenv("DEEPSCRIPT_NUM_THREADS");
  if (env && *env) {
    int n = std::atoi(env);
    if (n >= 1) return n > kMaxThreads ? kMaxThreads : n;
  }
  return available_cores();
}

thread_local bool t_in_job = false;

class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop_workers(); }

  int size() const { return size_; }
  int requested() const { return requested_; }
  const std::string& start_error() const { return start_error_; }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    stop_workers();
    requested_ = n < 1 ? 1 : n > kMaxThreads ? kMaxThreads : n;
    start_error_.clear();
    stop_ = false;
    // Each worker starts from the current generation, captured here: reading it in the new
    // thread could miss a job posted before that thread first runs.
    const uint64_t start = gen_.load();
    workers_.reserve((size_t)requested_);
    for (int i = 1; i < requested_; i++) {
      try {
        workers_.emplace_back([this, i, start] { loop(i, start); });
      } catch (const std::system_error& e) {
        // The OS refused a thread (RLIMIT_NPROC, a container's pids limit, no memory for a
        // stack): run on the workers started so far. Ids stay 1..k, so jobs split as usual.
        start_error_ = e.what();
        break;
      }
    }
    // Jobs count workers by size_, so it is set only now, to what really runs.
    size_ = (int)workers_.size() + 1;
  }

  void run(int nth, JobFn fn, void* ctx, bool dynamic) {
    if (nth > size_) nth = size_;
    if (nth <= 1 || t_in_job) {
      fn(ctx, 0, 1);
      return;
    }
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {  // another JS thread is using the pool
      fn(ctx, 0, 1);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    nth_ = nth;
    dynamic_ = dynamic;
    // Static jobs: every worker acknowledges, even ones it sits out, so none can lag a job behind.
    pending_.store(dynamic ? 0 : size_ - 1, std::memory_order_relaxed);
    {
      // Open the job before announcing it, so a worker that sees the new generation also sees
      // the job open (a static job must not be skipped).
      std::lock_guard<std::mutex> lk(m_);
      const uint64_t g = gen_.load(std::memory_order_relaxed) + 1;
      open_.store(g, std::memory_order_seq_cst);
      gen_.store(g, std::memory_order_seq_cst);
    }
    cv_.notify_all();
    t_in_job = true;
    fn(ctx, 0, nth);
    t_in_job = false;
    unsigned spins = 0;
    if (dynamic) {
      // Close the job, then wait only for workers that joined before it closed (Dekker-style:
      // both sides use seq_cst, so a worker either sees it closed or is counted in active_).
      open_.store(0, std::memory_order_seq_cst);
      while (active_.load(std::memory_order_seq_cst) != 0) backoff(spins);
      return;
    }
    while (pending_.load(std::memory_order_acquire) != 0) backoff(spins);
  }

 private:
  void loop(int id, uint64_t seen) {
    t_in_job = true;  // nested parallel calls from a worker run inline
    for (;;) {
      auto start = std::chrono::steady_clock::now();
      unsigned i = 0;
      while (gen_.load(std::memory_order_acquire) == seen && !stop_.load(std::memory_order_relaxed)) {
        backoff(i);
        if (i >= kPauses && std::chrono::steady_clock::now() - start > kSpin) {
          std::unique_lock<std::mutex> lk(m_);
          cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen || stop_.load(); });
          break;
        }
      }
      if (stop_.load()) return;
      seen = gen_.load(std::memory_order_acquire);
      // Join: the job's fields are only read once membership is confirmed; a static job stays
      // open until every worker has acknowledged it, so workers never miss one.
      active_.fetch_add(1, std::memory_order_seq_cst);
      if (open_.load(std::memory_order_seq_cst) == seen) {
        const bool dynamic = dynamic_;
        if (id < nth_) fn_(ctx_, id, nth_);
        if (!dynamic) pending_.fetch_sub(1, std::memory_order_release);
      }
      active_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int size_ = 1;
  int requested_ = 1;
  std::string start_error_;
  std::vector<std::thread> workers_;
  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> active_{0};
  std::atomic<uint64_t> open_{0};
  bool dynamic_ = false;
  std::atomic<bool> stop_{false};
  JobFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int nth_ = 1;
};

Pool& pool() {
  // Leaked on purpose: joining threads from static destructors at process exit can deadlock.
  static Pool* p = new Pool(initial_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

int set_num_threads(int n) {
  Pool& p = pool();
  if (n != p.requested() || p.size() != p.requested()) p.resize(n);
  return p.size();
}

int requested_threads() { return pool().requested(); }

const char* thread_start_error() { return pool().start_error().c_str(); }

void run_parallel(int nth, JobFn fn, void* ctx) { pool().run(nth, fn, ctx, false); }

void run_dynamic(int nth, JobFn fn, void* ctx) { pool().run(nth, fn, ctx, true); }

}  // namespace ds
