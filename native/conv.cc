#include "conv.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gemm.h"
#include "thread_pool.h"
#include "thread_scratch.h"
#include "winograd.h"

namespace ds {
namespace {

// A slice of patches (and of d(patches)) this big stays in L2 between the copy and the GEMM.
constexpr size_t kSliceBytes = 256 << 10;
// Images are summed into this many partials (d(kernel), d(bias)): enough for threads to balance,
// and fixed so the summation order does not depend on the thread count.
constexpr size_t kGroups = 8;

struct ConvScratch;
template <class T>
T* scratch(int slot, size_t count) {
  return thread_scratch<ConvScratch, T>(slot, count);
}

// out = grad * (y > 0) over [rows, f], and (when sums is not null) sums[j] += column j of out.
template <class T>
void relu_grad_rows(const T* __restrict grad, const T* __restrict y, size_t rows, size_t f, T* __restrict out,
                    T* __restrict sums) {
  for (size_t r = 0; r < rows; r++) {
    const T* __restrict gr = grad + r * f;
    const T* __restrict yr = y + r * f;
    T* __restrict o = out + r * f;
    for (size_t j = 0; j < f; j++) o[j] = gr[j] * (yr[j] > T(0) ? T(1) : T(0));
    if (sums)
      for (size_t j = 0; j < f; j++) sums[j] += o[j];
  }
}

template <class T>
void column_sums(const T* __restrict x, size_t rows, size_t f, T* __restrict sums) {
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < f; j++) sums[j] += x[r * f + j];
}

struct Sizes {
  size_t k, positions, imageLen, slice, slices;
};

template <class T>
Sizes sizes(const WindowGeometry& g) {
  Sizes s;
  s.k = g.kh * g.kw * g.c;
  s.positions = g.outH * g.outW;
  s.imageLen = g.h * g.w * g.c;
  size_t rows = kSliceBytes / (sizeof(T) * (s.k ? s.k : 1));
  if (rows < 16) rows = 16;
  // Equal slices: 576 positions at 227 rows a slice become 3 x 192, not 227 + 227 + 122.
  s.slices = s.positions == 0 ? 0 : (s.positions + rows - 1) / rows;
  s.slice = s.slices == 0 ? 0 : (s.positions + s.slices - 1) / s.slices;
  return s;
}

void check(const WindowGeometry& g, size_t filters, const Buf& x, const Buf& kernel, const char* what) {
  if ((x.dtype != DType::F32 && x.dtype != DType::F64) || kernel.dtype != x.dtype)
    throw KernelError(std::string(what) + ": x and kernel must share a float dtype");
  if (g.strideH == 0 || g.strideW == 0 || g.dilationH == 0 || g.dilationW == 0)
    throw KernelError(std::string(what) + ": strides and dilation must be positive");
  if (x.len < g.n * g.h * g.w * g.c || kernel.len < g.kh * g.kw * g.c * filters)
    throw KernelError(std::string(what) + ": x or kernel is shorter than the geometry");
}

void check_out(const Buf& b, DType d, size_t len, const char* what, const char* name) {
  if (b.dtype != d) throw KernelError(std::string(what) + ": " + name + " has another dtype than x");
  if (b.len < len) throw KernelError(std::string(what) + ": " + name + " is shorter than the geometry");
}

template <class T>
void forward_t(const T* x, const T* kernel, const T* bias, const WindowGeometry& g, size_t f, Act act, T* pre, T* out) {
  const Sizes s = sizes<T>(g);
  if (s.positions == 0 || g.n == 0 || f == 0) return;
  if (winograd_applies(g, f)) {
    // Winograd's output transform fuses relu; the rows pass runs on each image's output while it is
    // in cache.
    const EpilogueSplit ep = split_epilogue(act, pre != nullptr);
    const Winograd3x3<T> wino(kernel, g.c, f, false);
    std::atomic<size_t> next{0};
    auto job = [&](int, int) {
      for (size_t img; (img = next.fetch_add(1, std::memory_order_relaxed)) < g.n;) {
        T* o = out + img * s.positions * f;
        wino.run(x + img * s.imageLen, g.h, g.w, g.padTop, g.padLeft, g.outH, g.outW, o, bias, ep.relu_in_store);
        if (ep.rows_pass) activate_rows(act, o, f, s.positions, f, pre ? pre + img * s.positions * f : nullptr);
      }
    };
    run_dynamic(num_threads(), job);
    return;
  }
  const PackedB<T> w(kernel, f, s.k, f, false);
  const size_t units = g.n * s.slices;
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    T* cols = scratch<T>(0, s.slice * s.k);
    for (size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) {
      const size_t img = u / s.slices, p0 = u % s.slices * s.slice;
      const size_t p1 = p0 + s.slice < s.positions ? p0 + s.slice : s.positions;
      patch_rows(x + img * s.imageLen, g, p0, p1, cols);
      const size_t o = (img * s.positions + p0) * f;
      gemm_prepacked(cols, s.k, w, out + o, f, p1 - p0, false, bias, act, pre ? pre + o : nullptr);
    }
  };
  run_dynamic(num_threads(), job);
}

template <class T>
void backward_t(const T* x, const T* kernel, const T* y, const T* grad, const WindowGeometry& g, size_t f, bool relu,
                T* gx, T* gk, T* gb) {
  const Sizes s = sizes<T>(g);
  const size_t kf = s.k * f;
  const size_t groups = g.n < kGroups ? g.n : kGroups;
  if (groups == 0 || s.positions == 0 || f == 0) {
    if (gx) std::memset(gx, 0, g.n * s.imageLen * sizeof(T));
    if (gk) std::memset(gk, 0, kf * sizeof(T));
    if (gb) std::memset(gb, 0, f * sizeof(T));
    return;
  }
  // Where Winograd applies, d(x) is the correlation of gz with the rotated kernel by F(4x4, 3x3) and
  // d(kernel) is summed in F(3x3, 4x4)'s transformed domain. Otherwise d(x) = col2im(gz @ kernel^T)
  // with op(B)[kk][j] = kernel[j * f + kk], and d(kernel) = patches^T @ gz.
  const bool wino = winograd_applies(g, f) &&
                    g.padTop < g.kh && g.padLeft < g.kw;
  std::unique_ptr<Winograd3x3<T>> wd(gx && wino ? new Winograd3x3<T>(kernel, g.c, f, true) : nullptr);
  std::unique_ptr<PackedB<T>> wt(gx && !wino ? new PackedB<T>(kernel, f, f, s.k, true) : nullptr);
  std::unique_ptr<WinogradFilterGrad<T>> wk(gk && wino ? new WinogradFilterGrad<T>(g.c, f) : nullptr);
  const size_t partLen = wk ? wk->acc_size() : kf;
  std::vector<T> kParts(gk ? groups * partLen : 0), bParts(gb ? groups * f : 0, T(0));
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    T* gzBuf = relu ? scratch<T>(0, s.positions * f) : nullptr;
    T* cols = scratch<T>(1, s.slice * s.k);
    for (size_t grp; (grp = next.fetch_add(1, std::memory_order_relaxed)) < groups;) {
      const size_t i0 = g.n * grp / groups, i1 = g.n * (grp + 1) / groups;
      T* kPart = gk ? kParts.data() + grp * partLen : nullptr;
      T* bPart = gb ? bParts.data() + grp * f : nullptr;
      for (size_t img = i0; img < i1; img++) {
        const T* gzImg = grad + img * s.positions * f;
        if (gx && !wd) std::memset(gx + img * s.imageLen, 0, s.imageLen * sizeof(T));
        if (relu) {
          relu_grad_rows(gzImg, y + img * s.positions * f, s.positions, f, gzBuf, bPart);
          gzImg = gzBuf;
        } else if (bPart) {
          column_sums(gzImg, s.positions, f, bPart);
        }
        if (wd)
          wd->run(gzImg, g.outH, g.outW, g.kh - 1 - g.padTop, g.kw - 1 - g.padLeft, g.h, g.w, gx + img * s.imageLen,
                  nullptr, false);
        if (wk) wk->accumulate(x + img * s.imageLen, g.h, g.w, g.padTop, g.padLeft, gzImg, g.outH, g.outW, kPart, img == i0);
        for (size_t p0 = 0; p0 < s.positions && ((gk && !wk) || (gx && !wd)); p0 += s.slice) {
          const size_t p1 = p0 + s.slice < s.positions ? p0 + s.slice : s.positions, rows = p1 - p0;
          const T* gzSlice = gzImg + p0 * f;
          if (kPart && !wk) {
            patch_rows(x + img * s.imageLen, g, p0, p1, cols);
            gemm_serial(cols, s.k, true, gzSlice, f, false, kPart, f, s.k, f, rows, img > i0 || p0 > 0);
          }
          if (gx && !wd) {
            gemm_prepacked(gzSlice, f, *wt, cols, s.k, rows, false);
            add_patch_rows(cols, g, p0, p1, gx + img * s.imageLen);
          }
        }
      }
    }
  };
  run_dynamic(num_threads(), job);
  // Partials are added in group order, whatever thread made them.
  if (gk) {
    std::vector<T> acc(wk ? partLen : 0);
    T* sum = wk ? acc.data() : gk;
    parallel_for(partLen, 1 << 14, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) {
        T v = kParts[i];
        for (size_t grp = 1; grp < groups; grp++) v += kParts[grp * partLen + i];
        sum[i] = v;
      }
    });
    if (wk) wk->finish(sum, gk);
  }
  if (gb)
    for (size_t j = 0; j < f; j++) {
      T v = bParts[j];
      for (size_t grp = 1; grp < groups; grp++) v += bParts[grp * f + j];
      gb[j] = v;
    }
}

}  // namespace

void conv_forward(const Buf& x, const Buf& kernel, const Buf* bias, const WindowGeometry& g, size_t filters, Act act,
                  const Buf* pre, const Buf& out) {
  const char* what = "convForward";
  check(g, filters, x, kernel, what);
  check_out(out, x.dtype, g.n * g.outH * g.outW * filters, what, "out");
  if (bias) check_out(*bias, x.dtype, filters, what, "bias");
  if (pre) check_out(*pre, x.dtype, g.n * g.outH * g.outW * filters, what, "preActivation");
  dispatch_float(x.dtype, [&](auto t) {
    using T = decltype(t);
    forward_t<T>(x.as<T>(), kernel.as<T>(), bias ? bias->as<T>() : nullptr, g, filters, act,
                 pre ? pre->as<T>() : nullptr, out.as<T>());
  });
}

void conv_backward(const Buf& x, const Buf& kernel, const Buf& y, const Buf& grad, const WindowGeometry& g,
                   size_t filters, bool relu, const Buf* gx, const Buf* gKernel, const Buf* gBias) {
  const char* what = "convBackward";
  check(g, filters, x, kernel, what);
  const size_t outLen = g.n * g.outH * g.outW * filters;
  check_out(grad, x.dtype, outLen, what, "grad");
  if (relu) check_out(y, x.dtype, outLen, what, "y");
  if (gx) check_out(*gx, x.dtype, g.n * g.h * g.w * g.c, what, "gx");
  if (gKernel) check_out(*gKernel, x.dtype, g.kh * g.kw * g.c * filters, what, "gKernel");
  if (gBias) check_out(*gBias, x.dtype, filters, what, "gBias");
  dispatch_float(x.dtype, [&](auto t) {
    using T = decltype(t);
    backward_t<T>(x.as<T>(), kernel.as<T>(), y.as<T>(), grad.as<T>(), g, filters, relu, gx ? gx->as<T>() : nullptr,
                  gKernel ? gKernel->as<T>() : nullptr, gBias ? gBias->as<T>() : nullptr);
  });
}

}  // namespace ds
