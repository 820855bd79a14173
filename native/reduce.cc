#include "reduce.h"

#include <cmath>
#include <type_traits>
#include <vector>

#include "js_convert.h"
#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 15;

double init_of(int op) { return op == R_SUM ? 0.0 : op == R_MAX ? -INFINITY : INFINITY; }

// The reference's update rule, NaN-sticky: a NaN replaces the accumulator and nothing replaces it.
inline double fold(int op, double acc, double v) {
  if (op == R_MAX) return (v > acc || std::isnan(v)) ? v : acc;
  return (v < acc || std::isnan(v)) ? v : acc;
}

// Reduces a contiguous run in double (as the reference accumulates), several partial sums for speed.
template <class T>
double reduce_run(int op, const T* x, size_t n) {
  if (op == R_SUM) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; l++) s[l] += (double)x[i + l];
    for (; i < n; i++) s[0] += (double)x[i];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }
  double acc = init_of(op);
  for (size_t i = 0; i < n; i++) acc = fold(op, acc, (double)x[i]);
  return acc;
}

double combine(int op, double a, double b) { return op == R_SUM ? a + b : fold(op, a, b); }

template <class T>
void reduce_t(int op, const T* x, size_t outer, size_t n, size_t inner, T* out) {
  const int nth = num_threads();
  if (inner == 1) {
    if (outer < (size_t)nth && n >= 2 * kGrain) {
      // Few long rows: split each row across threads and combine the partials.
      for (size_t o = 0; o < outer; o++) {
        std::vector<double> part(nth, init_of(op));
        const T* row = x + o * n;
        auto job = [&](int tid, int total) {
          size_t b = n * tid / total, e = n * (tid + 1) / total;
          part[tid] = reduce_run(op, row + b, e - b);
        };
        run_parallel(nth, job);
        double acc = part[0];
        for (int t = 1; t < nth; t++) acc = combine(op, acc, part[t]);
        out[o] = js_store<T>(acc);
      }
      return;
    }
    size_t grain = n == 0 ? outer : kGrain / n + 1;
    parallel_for(outer, grain, [&](size_t b, size_t e) {
      for (size_t o = b; o < e; o++) out[o] = js_store<T>(reduce_run(op, x + o * n, n));
    });
    return;
  }
  // Strided: accumulate a double row of `inner` per outer index, in chunks split across threads.
  constexpr size_t kChunk = 1024;
  const size_t chunks = (inner + kChunk - 1) / kChunk;
  const size_t work = outer * chunks;
  size_t perItem = n * (inner < kChunk ? inner : kChunk);
  parallel_for(work, kGrain / (perItem + 1) + 1, [&](size_t b, size_t e) {
    double acc[kChunk];
    for (size_t w = b; w < e; w++) {
      size_t o = w / chunks, i0 = (w % chunks) * kChunk;
      size_t len = inner - i0 < kChunk ? inner - i0 : kChunk;
      const double init = init_of(op);
      for (size_t i = 0; i < len; i++) acc[i] = init;
      const T* base = x + o * n * inner + i0;
      for (size_t j = 0; j < n; j++) {
        const T* row = base + j * inner;
        if (op == R_SUM) {
          for (size_t i = 0; i < len; i++) acc[i] += (double)row[i];
        } else {
          for (size_t i = 0; i < len; i++) acc[i] = fold(op, acc[i], (double)row[i]);
        }
      }
      T* o_row = out + o * inner + i0;
      for (size_t i = 0; i < len; i++) o_row[i] = js_store<T>(acc[i]);
    }
  });
}

template <class T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

template <class T>
void arg_reduce_t(int op, const T* x, size_t outer, size_t n, size_t inner, int32_t* out) {
  const bool isMax = op == A_ARGMAX;
  parallel_for(outer * inner, kGrain / (n + 1) + 1, [&](size_t b, size_t e) {
    for (size_t w = b; w < e; w++) {
      size_t o = w / inner, i = w % inner;
      const T* p = x + o * n * inner + i;
      int32_t bestIdx = 0;
      // The first NaN wins, as np.argmax / np.argmin (and the reference) do.
      if (n > 0 && !is_nan(p[0])) {
        T best = p[0];
        for (size_t j = 1; j < n; j++) {
          T v = p[j * inner];
          if (is_nan(v)) {
            bestIdx = (int32_t)j;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bestIdx = (int32_t)j;
          }
        }
      }
      out[w] = bestIdx;
    }
  });
}

}  // namespace

void reduce(int op, const Buf& x, size_t outer, size_t n, size_t inner, const Buf& out) {
  if (op < R_SUM || op > R_MIN) throw KernelError("reduce: unknown op code");
  if (x.dtype != out.dtype) throw KernelError("reduce: out must have x's dtype");
  if (x.len < outer * n * inner || out.len < outer * inner) throw KernelError("reduce: arrays are shorter than the layout");
  dispatch_dtype(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    reduce_t<T>(op, x.as<T>(), outer, n, inner, out.as<T>());
  });
}

void arg_reduce(int op, const Buf& x, size_t outer, size_t n, size_t inner, const Buf& out) {
  if (op != A_ARGMAX && op != A_ARGMIN) throw KernelError("argReduce: unknown op code");
  if (out.dtype != DType::I32) throw KernelError("argReduce: out must be an Int32Array");
  if (x.len < outer * n * inner || out.len < outer * inner) throw KernelError("argReduce: arrays are shorter than the layout");
  dispatch_dtype(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    arg_reduce_t<T>(op, x.as<T>(), outer, n, inner, out.as<int32_t>());
  });
}

}  // namespace ds
