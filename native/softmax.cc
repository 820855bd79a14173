#include "softmax.h"

#include "exp_shifted.h"

#include <cmath>

#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 13;

template <class T>
T row_max(const T* x, size_t n) {
  T m = -INFINITY;
  for (size_t j = 0; j < n; j++)
    if (x[j] > m) m = x[j];
  return m;
}

template <class T>
void softmax_t(const T* x, size_t rows, size_t n, bool log, T* out) {
  parallel_for(rows, kGrain / (n + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const T* xr = x + r * n;
      T* o = out + r * n;
      const T max = row_max(xr, n);
      if (log) {
        // exp lands in o only to be summed; o is then overwritten with x - lse.
        const double sum = exp_shifted(xr, n, max, o);
        const double lse = (double)max + std::log(sum);
        for (size_t j = 0; j < n; j++) o[j] = (T)((double)xr[j] - lse);
      } else {
        const double sum = exp_shifted(xr, n, max, o);
        const double inv = 1.0 / sum;
        for (size_t j = 0; j < n; j++) o[j] = (T)((double)o[j] * inv);
      }
    }
  });
}

template <class T>
void sce_t(const T* logits, const T* labels, size_t rows, size_t n, T* loss, T* probs) {
  parallel_for(rows, kGrain / (n + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const T* x = logits + r * n;
      const T* y = labels + r * n;
      T* p = probs + r * n;
      const T max = row_max(x, n);
      const double sum = exp_shifted(x, n, max, p);
      const double lse = (double)max + std::log(sum);
      const double inv = 1.0 / sum;
      double l = 0;
      for (size_t j = 0; j < n; j++) {
        p[j] = (T)((double)p[j] * inv);
        if (y[j] != 0) l -= (double)y[j] * ((double)x[j] - lse);  // skip 0 * -inf
      }
      loss[r] = (T)l;
    }
  });
}

}  // namespace

void softmax(const Buf& x, size_t rows, size_t n, bool log, const Buf& out) {
  if (x.dtype != out.dtype || (x.dtype != DType::F32 && x.dtype != DType::F64)) throw KernelError("softmax: expects float arrays of one dtype");
  if (x.len < rows * n || out.len < rows * n) throw KernelError("softmax: arrays are shorter than rows * n");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    softmax_t<T>(x.as<T>(), rows, n, log, out.as<T>());
  });
}

void softmax_cross_entropy(const Buf& logits, const Buf& labels, size_t rows, size_t n, const Buf& loss, const Buf& probs) {
  const DType d = logits.dtype;
  if ((d != DType::F32 && d != DType::F64) || labels.dtype != d || loss.dtype != d || probs.dtype != d)
    throw KernelError("softmaxCrossEntropy: expects float arrays of one dtype");
  if (logits.len < rows * n || labels.len < rows * n || probs.len < rows * n || loss.len < rows)
    throw KernelError("softmaxCrossEntropy: arrays are shorter than the layout");
  dispatch_float(d, [&](auto tag) {
    using T = decltype(tag);
    sce_t<T>(logits.as<T>(), labels.as<T>(), rows, n, loss.as<T>(), probs.as<T>());
  });
}

}  // namespace ds
