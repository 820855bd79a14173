#include "depthwise_conv.h"

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace ds {
namespace {

// Images are summed into this many d(kernel) partials: enough to balance threads, and fixed so the
// summation order does not depend on the thread count.
constexpr size_t kGroups = 8;

// The per-tap channel loops are the hot path; they are compiled for AVX-512 and AVX2 as well and
// the loader picks the version the CPU runs (wasm32 and ARM64 build the one portable version).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DS_DEPTHWISE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DS_DEPTHWISE_CLONES
#endif

// o[ci * m + j] += x[ci] * k[ci * m + j] for one input pixel and one tap.
template <class T>
inline void tap_forward(const T* __restrict x, const T* __restrict k, size_t c, size_t m, T* __restrict o) {
  if (m == 1) {
    for (size_t ci = 0; ci < c; ci++) o[ci] += x[ci] * k[ci];
    return;
  }
  for (size_t ci = 0; ci < c; ci++)
    for (size_t j = 0; j < m; j++) o[ci * m + j] += x[ci] * k[ci * m + j];
}

// dx[ci] += sum_j g[ci * m + j] * k[ci * m + j] and dk[ci * m + j] += g[ci * m + j] * x[ci].
template <class T>
inline void tap_backward(const T* __restrict x, const T* __restrict k, const T* __restrict g, size_t c, size_t m,
                         T* __restrict dx, T* __restrict dk) {
  if (m == 1) {
    if (dx)
      for (size_t ci = 0; ci < c; ci++) dx[ci] += g[ci] * k[ci];
    if (dk)
      for (size_t ci = 0; ci < c; ci++) dk[ci] += g[ci] * x[ci];
    return;
  }
  for (size_t ci = 0; ci < c; ci++) {
    if (dx) {
      T s = T(0);
      for (size_t j = 0; j < m; j++) s += g[ci * m + j] * k[ci * m + j];
      dx[ci] += s;
    }
    if (dk)
      for (size_t j = 0; j < m; j++) dk[ci * m + j] += g[ci * m + j] * x[ci];
  }
}

// Input row / column of output coordinate o and tap t, or -1 in the padding.
inline long input_index(size_t o, size_t t, size_t stride, size_t dilation, size_t pad, size_t size) {
  const long i = (long)(o * stride + t * dilation) - (long)pad;
  return i >= 0 && i < (long)size ? i : -1;
}

// One output row (image img, row oh) of the forward pass.
template <class T>
void forward_row(const T* x, const T* kernel, const WindowGeometry& g, size_t m, size_t img, size_t oh, T* out) {
  const size_t cm = g.c * m;
  T* orow = out + (img * g.outH + oh) * g.outW * cm;
  std::memset(orow, 0, g.outW * cm * sizeof(T));
  for (size_t ki = 0; ki < g.kh; ki++) {
    const long ih = input_index(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
    if (ih < 0) continue;
    const T* xrow = x + (img * g.h + (size_t)ih) * g.w * g.c;
    for (size_t kj = 0; kj < g.kw; kj++) {
      const T* k = kernel + (ki * g.kw + kj) * cm;
      for (size_t ow = 0; ow < g.outW; ow++) {
        const long iw = input_index(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
        if (iw >= 0) tap_forward(xrow + (size_t)iw * g.c, k, g.c, m, orow + ow * cm);
      }
    }
  }
}

DS_DEPTHWISE_CLONES void forward_rows_f32(const float* x, const float* k, const WindowGeometry& g, size_t m, size_t b,
                                          size_t e, float* out) {
  for (size_t r = b; r < e; r++) forward_row(x, k, g, m, r / g.outH, r % g.outH, out);
}
DS_DEPTHWISE_CLONES void forward_rows_f64(const double* x, const double* k, const WindowGeometry& g, size_t m, size_t b,
                                          size_t e, double* out) {
  for (size_t r = b; r < e; r++) forward_row(x, k, g, m, r / g.outH, r % g.outH, out);
}
void forward_rows(const float* x, const float* k, const WindowGeometry& g, size_t m, size_t b, size_t e, float* out) {
  forward_rows_f32(x, k, g, m, b, e, out);
}
void forward_rows(const double* x, const double* k, const WindowGeometry& g, size_t m, size_t b, size_t e,
                  double* out) {
  forward_rows_f64(x, k, g, m, b, e, out);
}

// Adds one image's contributions to gx (that image's slice, already zeroed) and to dk.
template <class T>
void backward_image(const T* x, const T* kernel, const T* grad, const WindowGeometry& g, size_t m, size_t img, T* gx,
                    T* dk) {
  const size_t cm = g.c * m;
  for (size_t oh = 0; oh < g.outH; oh++) {
    const T* grow = grad + (img * g.outH + oh) * g.outW * cm;
    for (size_t ki = 0; ki < g.kh; ki++) {
      const long ih = input_index(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
      if (ih < 0) continue;
      const size_t xoff = (img * g.h + (size_t)ih) * g.w * g.c;
      for (size_t kj = 0; kj < g.kw; kj++) {
        const size_t koff = (ki * g.kw + kj) * cm;
        for (size_t ow = 0; ow < g.outW; ow++) {
          const long iw = input_index(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
          if (iw < 0) continue;
          const size_t at = xoff + (size_t)iw * g.c;
          tap_backward(x + at, kernel + koff, grow + ow * cm, g.c, m, gx ? gx + at : nullptr, dk ? dk + koff : nullptr);
        }
      }
    }
  }
}

DS_DEPTHWISE_CLONES void backward_images_f32(const float* x, const float* k, const float* grad, const WindowGeometry& g,
                                             size_t m, size_t i0, size_t i1, float* gx, float* dk) {
  for (size_t img = i0; img < i1; img++) backward_image(x, k, grad, g, m, img, gx, dk);
}
DS_DEPTHWISE_CLONES void backward_images_f64(const double* x, const double* k, const double* grad,
                                             const WindowGeometry& g, size_t m, size_t i0, size_t i1, double* gx,
                                             double* dk) {
  for (size_t img = i0; img < i1; img++) backward_image(x, k, grad, g, m, img, gx, dk);
}
void backward_images(const float* x, const float* k, const float* grad, const WindowGeometry& g, size_t m, size_t i0,
                     size_t i1, float* gx, float* dk) {
  backward_images_f32(x, k, grad, g, m, i0, i1, gx, dk);
}
void backward_images(const double* x, const double* k, const double* grad, const WindowGeometry& g, size_t m,
                     size_t i0, size_t i1, double* gx, double* dk) {
  backward_images_f64(x, k, grad, g, m, i0, i1, gx, dk);
}

template <class T>
void forward_t(const T* x, const T* kernel, const WindowGeometry& g, size_t m, T* out) {
  const size_t rows = g.n * g.outH;
  // About 16K multiply-adds per chunk.
  const size_t perRow = g.outW * g.kh * g.kw * g.c * m + 1;
  parallel_for(rows, (1 << 14) / perRow + 1,
               [&](size_t b, size_t e) { forward_rows(x, kernel, g, m, b, e, out); });
}

template <class T>
void backward_t(const T* x, const T* kernel, const T* grad, const WindowGeometry& g, size_t m, T* gx, T* gk) {
  const size_t klen = g.kh * g.kw * g.c * m;
  const size_t imageLen = g.h * g.w * g.c;
  if (gx) std::memset(gx, 0, g.n * imageLen * sizeof(T));
  const size_t groups = g.n < kGroups ? g.n : kGroups;
  if (groups == 0) {
    if (gk) std::memset(gk, 0, klen * sizeof(T));
    return;
  }
  std::vector<T> parts(gk ? groups * klen : 0, T(0));
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t grp; (grp = next.fetch_add(1, std::memory_order_relaxed)) < groups;) {
      const size_t i0 = g.n * grp / groups, i1 = g.n * (grp + 1) / groups;
      backward_images(x, kernel, grad, g, m, i0, i1, gx, gk ? parts.data() + grp * klen : nullptr);
    }
  };
  run_dynamic(num_threads(), job);
  // Partials are added in group order, whatever thread made them.
  if (gk)
    for (size_t i = 0; i < klen; i++) {
      T v = parts[i];
      for (size_t grp = 1; grp < groups; grp++) v += parts[grp * klen + i];
      gk[i] = v;
    }
}

void check(const WindowGeometry& g, size_t m, const Buf& x, const Buf& kernel, const char* what) {
  if ((x.dtype != DType::F32 && x.dtype != DType::F64) || kernel.dtype != x.dtype)
    throw KernelError(std::string(what) + ": x and kernel must share a float dtype");
  if (g.strideH == 0 || g.strideW == 0 || g.dilationH == 0 || g.dilationW == 0 || m == 0)
    throw KernelError(std::string(what) + ": strides, dilation and multiplier must be positive");
  if (x.len < g.n * g.h * g.w * g.c || kernel.len < g.kh * g.kw * g.c * m)
    throw KernelError(std::string(what) + ": x or kernel is shorter than the geometry");
}

void check_out(const Buf& b, DType d, size_t len, const char* what, const char* name) {
  if (b.dtype != d) throw KernelError(std::string(what) + ": " + name + " has another dtype than x");
  if (b.len < len) throw KernelError(std::string(what) + ": " + name + " is shorter than the geometry");
}

}  // namespace

void depthwise_conv_forward(const Buf& x, const Buf& kernel, const WindowGeometry& g, size_t multiplier,
                            const Buf& out) {
  const char* what = "depthwiseConvForward";
  check(g, multiplier, x, kernel, what);
  check_out(out, x.dtype, g.n * g.outH * g.outW * g.c * multiplier, what, "out");
  dispatch_float(x.dtype, [&](auto t) {
    using T = decltype(t);
    forward_t<T>(x.as<T>(), kernel.as<T>(), g, multiplier, out.as<T>());
  });
}

void depthwise_conv_backward(const Buf& x, const Buf& kernel, const Buf& grad, const WindowGeometry& g,
                             size_t multiplier, const Buf* gx, const Buf* gKernel) {
  const char* what = "depthwiseConvBackward";
  check(g, multiplier, x, kernel, what);
  check_out(grad, x.dtype, g.n * g.outH * g.outW * g.c * multiplier, what, "grad");
  if (gx) check_out(*gx, x.dtype, g.n * g.h * g.w * g.c, what, "gx");
  if (gKernel) check_out(*gKernel, x.dtype, g.kh * g.kw * g.c * multiplier, what, "gKernel");
  dispatch_float(x.dtype, [&](auto t) {
    using T = decltype(t);
    backward_t<T>(x.as<T>(), kernel.as<T>(), grad.as<T>(), g, multiplier, gx ? gx->as<T>() : nullptr,
                  gKernel ? gKernel->as<T>() : nullptr);
  });
}

}  // namespace ds
