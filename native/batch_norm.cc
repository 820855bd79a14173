#include "batch_norm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace ds {
namespace {

// Rows are summed in chunks of about this many elements; the chunk count depends only on the
// shape, so the order of the double sums (and every result bit) is the same on any thread count.
constexpr size_t kChunkElems = 1 << 14;
constexpr size_t kMaxChunks = 64;
constexpr size_t kGrainElems = 1 << 15;

struct Chunking {
  size_t count;
  size_t rows;
  size_t begin(size_t k) const { return rows * k / count; }
};

Chunking chunking(size_t rows, size_t channels) {
  const size_t per = std::max<size_t>(1, kChunkElems / std::max<size_t>(1, channels));
  const size_t count = std::min(kMaxChunks, std::max<size_t>(1, (rows + per - 1) / per));
  return {count, rows};
}

// Runs f(k) for every chunk k, spread over the pool.
template <class F>
void for_each_chunk(size_t count, F&& f) {
  const int nth = (int)std::min<size_t>((size_t)num_threads(), count);
  if (nth <= 1) {
    for (size_t k = 0; k < count; k++) f(k);
    return;
  }
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < count;) f(k);
  };
  run_dynamic(nth, job);
}

template <class F>
void for_rows(size_t rows, size_t channels, F&& body) {
  parallel_for(rows, std::max<size_t>(1, kGrainElems / std::max<size_t>(1, channels)), body);
}

void check_float(const char* kernel, std::initializer_list<const Buf*> bufs) {
  const DType d = (*bufs.begin())->dtype;
  for (const Buf* b : bufs) {
    if (b->dtype != d || (d != DType::F32 && d != DType::F64))
      throw KernelError(std::string(kernel) + ": arrays must share a float dtype");
  }
}

void check_len(const char* kernel, const Buf& b, size_t need, const char* name) {
  if (b.len < need) throw KernelError(std::string(kernel) + ": " + name + " is shorter than the layout");
}

template <class T>
void stats_t(const T* x, size_t rows, size_t c, T* mean, T* var) {
  if (rows == 0) {
    for (size_t j = 0; j < c; j++) mean[j] = var[j] = T(NAN);
    return;
  }
  const Chunking ch = chunking(rows, c);
  std::vector<double> shift(c), part(ch.count * 2 * c, 0.0);
  for (size_t j = 0; j < c; j++) shift[j] = (double)x[j];
  for_each_chunk(ch.count, [&](size_t k) {
    double* s1 = &part[k * 2 * c];
    double* s2 = s1 + c;
    const double* sh = shift.data();
    for (size_t r = ch.begin(k), e = ch.begin(k + 1); r < e; r++) {
      const T* xr = x + r * c;
      for (size_t j = 0; j < c; j++) {
        const double d = (double)xr[j] - sh[j];
        s1[j] += d;
        s2[j] += d * d;
      }
    }
  });
  for (size_t j = 0; j < c; j++) {
    double s1 = 0, s2 = 0;
    for (size_t k = 0; k < ch.count; k++) {
      s1 += part[k * 2 * c + j];
      s2 += part[k * 2 * c + c + j];
    }
    const double m1 = s1 / (double)rows;
    mean[j] = (T)(shift[j] + m1);
    const double v = s2 / (double)rows - m1 * m1;
    var[j] = (T)(v < 0 ? 0.0 : v);  // rounding can leave a tiny negative; NaN stays NaN
  }
}

// The relu's gradient factor at x: 1 where the forward affine output (rounded as channel_affine
// rounds it) was positive, else 0; multiplied in, so a NaN or infinite dy stays visible.
template <class T>
inline T relu_factor(T x, T scale, T shift) {
  const T p = x * scale;
  return p + shift > T(0) ? T(1) : T(0);
}

template <class T, bool kRelu>
void grad_sums_t(const T* dy, const T* x, const T* center, size_t rows, size_t c, T* sumDy, T* sumDyXc,
                 const T* rs, const T* rt) {
  const Chunking ch = chunking(rows, c);
  std::vector<double> part(ch.count * 2 * c, 0.0);
  for_each_chunk(ch.count, [&](size_t k) {
    double* s1 = &part[k * 2 * c];
    double* s2 = s1 + c;
    for (size_t r = ch.begin(k), e = ch.begin(k + 1); r < e; r++) {
      const T* g = dy + r * c;
      const T* xr = x + r * c;
      for (size_t j = 0; j < c; j++) {
        const T gm = kRelu ? g[j] * relu_factor(xr[j], rs[j], rt[j]) : g[j];
        const double gj = (double)gm;
        s1[j] += gj;
        s2[j] += gj * ((double)xr[j] - (double)center[j]);
      }
    }
  });
  for (size_t j = 0; j < c; j++) {
    double s1 = 0, s2 = 0;
    for (size_t k = 0; k < ch.count; k++) {
      s1 += part[k * 2 * c + j];
      s2 += part[k * 2 * c + c + j];
    }
    sumDy[j] = (T)s1;
    sumDyXc[j] = (T)s2;
  }
}

template <class T, bool kRelu>
void input_grad_t(const T* g, const T* xs, size_t rows, size_t c, const T* ca, const T* cb, const T* cd, T* o,
                  const T* rs, const T* rt) {
  for_rows(rows, c, [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; r++) {
      const T* gr = g + r * c;
      const T* xr = xs + r * c;
      T* orow = o + r * c;
      for (size_t j = 0; j < c; j++) {
        const T gm = kRelu ? gr[j] * relu_factor(xr[j], rs[j], rt[j]) : gr[j];
        const T p = ca[j] * gm;
        const T q = cb[j] * xr[j];
        const T s = p + q;
        orow[j] = s + cd[j];
      }
    }
  });
}

// Checks the relu's per-channel parameters and returns whether there is a relu.
bool check_relu(const char* kernel, const ReluAfterAffine& relu, DType dtype, size_t channels) {
  if ((relu.scale == nullptr) != (relu.shift == nullptr))
    throw KernelError(std::string(kernel) + ": the relu's scale and shift must be given together");
  if (relu.scale == nullptr) return false;
  check_float(kernel, {relu.scale, relu.shift});
  if (relu.scale->dtype != dtype) throw KernelError(std::string(kernel) + ": arrays must share a float dtype");
  check_len(kernel, *relu.scale, channels, "reluScale");
  check_len(kernel, *relu.shift, channels, "reluShift");
  return true;
}

}  // namespace

void batch_norm_stats(const Buf& x, size_t rows, size_t channels, const Buf& mean, const Buf& variance) {
  check_float("batchNormStats", {&x, &mean, &variance});
  check_len("batchNormStats", x, rows * channels, "x");
  check_len("batchNormStats", mean, channels, "mean");
  check_len("batchNormStats", variance, channels, "variance");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    stats_t<T>(x.as<T>(), rows, channels, mean.as<T>(), variance.as<T>());
  });
}

void channel_affine(const Buf& x, size_t rows, size_t channels, const Buf& scale, const Buf& shift, bool relu,
                    const Buf& out) {
  check_float("channelAffine", {&x, &scale, &shift, &out});
  check_len("channelAffine", x, rows * channels, "x");
  check_len("channelAffine", out, rows * channels, "out");
  check_len("channelAffine", scale, channels, "scale");
  check_len("channelAffine", shift, channels, "shift");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* xs = x.as<T>();
    const T* s = scale.as<T>();
    const T* t = shift.as<T>();
    T* o = out.as<T>();
    const size_t c = channels;
    for_rows(rows, c, [&](size_t b, size_t e) {
      for (size_t r = b; r < e; r++) {
        const T* xr = xs + r * c;
        T* orow = o + r * c;
        if (relu) {
          for (size_t j = 0; j < c; j++) {
            const T p = xr[j] * s[j];  // rounded before the add, as the reference computes it
            const T v = p + t[j];
            orow[j] = v < T(0) ? T(0) : v;  // NaN stays NaN, as relu keeps it
          }
        } else {
          for (size_t j = 0; j < c; j++) {
            const T p = xr[j] * s[j];
            orow[j] = p + t[j];
          }
        }
      }
    });
  });
}

void batch_norm_grad_sums(const Buf& dy, const Buf& x, const Buf& center, size_t rows, size_t channels,
                          const Buf& sumDy, const Buf& sumDyXc, ReluAfterAffine relu) {
  check_float("batchNormGradSums", {&dy, &x, &center, &sumDy, &sumDyXc});
  const bool withRelu = check_relu("batchNormGradSums", relu, x.dtype, channels);
  check_len("batchNormGradSums", dy, rows * channels, "dy");
  check_len("batchNormGradSums", x, rows * channels, "x");
  check_len("batchNormGradSums", center, channels, "center");
  check_len("batchNormGradSums", sumDy, channels, "sumDy");
  check_len("batchNormGradSums", sumDyXc, channels, "sumDyXc");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (withRelu)
      grad_sums_t<T, true>(dy.as<T>(), x.as<T>(), center.as<T>(), rows, channels, sumDy.as<T>(), sumDyXc.as<T>(),
                           relu.scale->as<T>(), relu.shift->as<T>());
    else
      grad_sums_t<T, false>(dy.as<T>(), x.as<T>(), center.as<T>(), rows, channels, sumDy.as<T>(), sumDyXc.as<T>(),
                            nullptr, nullptr);
  });
}

void batch_norm_input_grad(const Buf& dy, const Buf& x, size_t rows, size_t channels, const Buf& a, const Buf& b,
                           const Buf& d, const Buf& out, ReluAfterAffine relu) {
  check_float("batchNormInputGrad", {&dy, &x, &a, &b, &d, &out});
  check_len("batchNormInputGrad", dy, rows * channels, "dy");
  check_len("batchNormInputGrad", x, rows * channels, "x");
  check_len("batchNormInputGrad", out, rows * channels, "out");
  check_len("batchNormInputGrad", a, channels, "a");
  check_len("batchNormInputGrad", b, channels, "b");
  check_len("batchNormInputGrad", d, channels, "d");
  const bool withRelu = check_relu("batchNormInputGrad", relu, x.dtype, channels);
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (withRelu)
      input_grad_t<T, true>(dy.as<T>(), x.as<T>(), rows, channels, a.as<T>(), b.as<T>(), d.as<T>(), out.as<T>(),
                            relu.scale->as<T>(), relu.shift->as<T>());
    else
      input_grad_t<T, false>(dy.as<T>(), x.as<T>(), rows, channels, a.as<T>(), b.as<T>(), d.as<T>(), out.as<T>(),
                             nullptr, nullptr);
  });
}

}  // namespace ds
