#include "window.h"

#include <cstring>
#include <string>

#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 15;

// Input coordinate of tap k at output o, or -1 when it falls in the padding.
inline int64_t coord(size_t o, size_t k, size_t stride, size_t dil, size_t pad, size_t size) {
  const int64_t i = (int64_t)(o * stride + k * dil) - (int64_t)pad;
  return i >= 0 && i < (int64_t)size ? i : -1;
}

// Taps [lo, hi) of a kernel row with dilation 1 fall inside the image, starting at input column
// first + lo; the taps before lo and from hi on are padding.
struct Run {
  int64_t first;
  size_t lo, hi;
};
inline Run inside_run(size_t ow, const WindowGeometry& g) {
  const int64_t first = (int64_t)(ow * g.strideW) - (int64_t)g.padLeft;
  const int64_t lo = first < 0 ? -first : 0;
  int64_t hi = (int64_t)g.w - first;
  if (hi > (int64_t)g.kw) hi = (int64_t)g.kw;
  if (hi < lo) hi = lo;
  return {first, (size_t)(lo < (int64_t)g.kw ? lo : (int64_t)g.kw), (size_t)hi};
}

void check(const WindowGeometry& g, const Buf& in, size_t inLen, const Buf& out, size_t outLen, const char* what) {
  if (in.dtype != out.dtype || (in.dtype != DType::F32 && in.dtype != DType::F64))
    throw KernelError(std::string(what) + ": arrays must share a float dtype");
  if (g.strideH == 0 || g.strideW == 0 || g.dilationH == 0 || g.dilationW == 0)
    throw KernelError(std::string(what) + ": strides and dilation must be positive");
  if (in.len < inLen || out.len < outLen) throw KernelError(std::string(what) + ": arrays are shorter than the geometry");
}

}  // namespace

template <class T>
void patch_rows(const T* xi, const WindowGeometry& g, size_t p0, size_t p1, T* o) {
  const size_t c = g.c;
  for (size_t p = p0; p < p1; p++) {
    const size_t oh = p / g.outW, ow = p % g.outW;
    for (size_t ki = 0; ki < g.kh; ki++) {
      const int64_t ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
      if (ih < 0) {
        std::memset(o, 0, g.kw * c * sizeof(T));
        o += g.kw * c;
        continue;
      }
      const T* xr = xi + (size_t)ih * g.w * c;
      if (g.dilationW == 1) {
        // Taps of one kernel row are adjacent input columns: copy the inside run at once.
        const Run r = inside_run(ow, g);
        if (r.lo > 0) std::memset(o, 0, r.lo * c * sizeof(T));
        if (r.hi > r.lo) std::memcpy(o + r.lo * c, xr + (r.first + (int64_t)r.lo) * (int64_t)c, (r.hi - r.lo) * c * sizeof(T));
        if (r.hi < g.kw) std::memset(o + r.hi * c, 0, (g.kw - r.hi) * c * sizeof(T));
        o += g.kw * c;
        continue;
      }
      for (size_t kj = 0; kj < g.kw; kj++, o += c) {
        const int64_t iw = coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
        if (iw < 0) std::memset(o, 0, c * sizeof(T));
        else std::memcpy(o, xr + (size_t)iw * c, c * sizeof(T));
      }
    }
  }
}

template <class T>
void add_patch_rows(const T* s, const WindowGeometry& g, size_t p0, size_t p1, T* xi) {
  const size_t c = g.c;
  for (size_t p = p0; p < p1; p++) {
    const size_t oh = p / g.outW, ow = p % g.outW;
    for (size_t ki = 0; ki < g.kh; ki++, s += g.kw * c) {
      const int64_t ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
      if (ih < 0) continue;
      T* xr = xi + (size_t)ih * g.w * c;
      if (g.dilationW == 1) {
        // The inside taps of a kernel row are one contiguous run in both arrays.
        const Run r = inside_run(ow, g);
        T* __restrict d = xr + (r.first + (int64_t)r.lo) * (int64_t)c;
        const T* __restrict v = s + r.lo * c;
        for (size_t i = 0, len = (r.hi - r.lo) * c; i < len; i++) d[i] += v[i];
        continue;
      }
      for (size_t kj = 0; kj < g.kw; kj++) {
        const int64_t iw = coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
        if (iw < 0) continue;
        T* __restrict d = xr + (size_t)iw * c;
        const T* __restrict v = s + kj * c;
        for (size_t ch = 0; ch < c; ch++) d[ch] += v[ch];
      }
    }
  }
}

template void patch_rows<float>(const float*, const WindowGeometry&, size_t, size_t, float*);
template void patch_rows<double>(const double*, const WindowGeometry&, size_t, size_t, double*);
template void add_patch_rows<float>(const float*, const WindowGeometry&, size_t, size_t, float*);
template void add_patch_rows<double>(const double*, const WindowGeometry&, size_t, size_t, double*);

namespace {

// Rows of work: one per (image, output row), so threads write disjoint output rows.
template <class T>
void im2col_e(const T* x, const WindowGeometry& g, T* out) {
  const size_t rowLen = g.kh * g.kw * g.c;
  parallel_for(g.n * g.outH, kGrain / (g.outW * rowLen + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const size_t img = r / g.outH, oh = r % g.outH;
      patch_rows(x + img * g.h * g.w * g.c, g, oh * g.outW, (oh + 1) * g.outW, out + r * g.outW * rowLen);
    }
  });
}

// Threads split over images: windows overlap within an image, never across images.
template <class T>
void col2im_e(const T* cols, const WindowGeometry& g, T* out) {
  const size_t positions = g.outH * g.outW, rowLen = g.kh * g.kw * g.c;
  parallel_for(g.n, kGrain / (positions * rowLen + 1) + 1, [&](size_t b, size_t e) {
    for (size_t img = b; img < e; img++)
      add_patch_rows(cols + img * positions * rowLen, g, 0, positions, out + img * g.h * g.w * g.c);
  });
}

// o[ch], a[ch] = v[ch], pos where v[ch] > o[ch]. Mask arithmetic on restrict pointers so the
// loop vectorizes; NaN never compares greater, so it never replaces a maximum.
template <class T>
inline void select_greater(const T* __restrict v, int32_t pos, T* __restrict o, int32_t* __restrict a, size_t c) {
  for (size_t ch = 0; ch < c; ch++) {
    const T cur = o[ch], val = v[ch];
    const int32_t m = -(int32_t)(val > cur);
    o[ch] = val > cur ? val : cur;
    a[ch] = (a[ch] & ~m) | (pos & m);
  }
}

// The first real tap starts the max and only a strictly greater value replaces it, so ties
// (and all -Infinity windows) go to the first entry in row-major window order.
template <class T>
void max_pool_e(const T* x, const WindowGeometry& g, T* out, int32_t* arg) {
  const size_t c = g.c;
  parallel_for(g.n * g.outH, kGrain / (g.outW * g.kh * g.kw * c + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const size_t img = r / g.outH, oh = r % g.outH;
      const T* xi = x + img * g.h * g.w * c;
      for (size_t ow = 0; ow < g.outW; ow++) {
        T* o = out + (r * g.outW + ow) * c;
        int32_t* a = arg + (r * g.outW + ow) * c;
        bool any = false;
        for (size_t ki = 0; ki < g.kh; ki++) {
          const int64_t ih = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h);
          if (ih < 0) continue;
          for (size_t kj = 0; kj < g.kw; kj++) {
            const int64_t iw = coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w);
            if (iw < 0) continue;
            const size_t pos = (size_t)ih * g.w + (size_t)iw;
            const T* v = xi + pos * c;
            const int32_t ipos = (int32_t)pos;
            if (!any) {
              for (size_t ch = 0; ch < c; ch++) {
                o[ch] = v[ch];
                a[ch] = ipos;
              }
              any = true;
              continue;
            }
            select_greater(v, ipos, o, a, c);
          }
        }
      }
    }
  });
}

template <class T>
void max_pool_grad_e(const T* grad, const int32_t* arg, const WindowGeometry& g, T* out) {
  const size_t c = g.c, positions = g.outH * g.outW, hw = g.h * g.w;
  parallel_for(g.n, kGrain / (positions * c + 1) + 1, [&](size_t b, size_t e) {
    for (size_t img = b; img < e; img++) {
      T* xi = out + img * hw * c;
      // Zeroed here, image by image, so the scatter below finds it in cache.
      std::memset(xi, 0, hw * c * sizeof(T));
      const size_t base = img * positions * c;
      for (size_t q = 0; q < positions; q++) {
        const int32_t* a = arg + base + q * c;
        const T* gr = grad + base + q * c;
        // Indices were range-checked before the parallel run.
        for (size_t ch = 0; ch < c; ch++) xi[(size_t)a[ch] * c + ch] += gr[ch];
      }
    }
  });
}

}  // namespace

void im2col(const Buf& x, const WindowGeometry& g, const Buf& out) {
  check(g, x, g.n * g.h * g.w * g.c, out, g.n * g.outH * g.outW * g.kh * g.kw * g.c, "im2col");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    im2col_e(x.as<T>(), g, out.as<T>());
  });
}

void col2im(const Buf& cols, const WindowGeometry& g, const Buf& out) {
  check(g, cols, g.n * g.outH * g.outW * g.kh * g.kw * g.c, out, g.n * g.h * g.w * g.c, "col2im");
  dispatch_float(cols.dtype, [&](auto tag) {
    using T = decltype(tag);
    col2im_e(cols.as<T>(), g, out.as<T>());
  });
}

void max_pool(const Buf& x, const WindowGeometry& g, const Buf& out, const Buf& argmax) {
  const size_t outLen = g.n * g.outH * g.outW * g.c;
  check(g, x, g.n * g.h * g.w * g.c, out, outLen, "maxPool");
  if (argmax.dtype != DType::I32 || argmax.len < outLen) throw KernelError("maxPool: argmax must be an Int32Array of the output's size");
  // A window entirely in the padding has no maximum; reject it before any thread starts.
  if (g.kh && g.kw && g.outH && g.outW) {
    for (size_t oh = 0; oh < g.outH; oh++) {
      bool ok = false;
      for (size_t ki = 0; ki < g.kh && !ok; ki++) ok = coord(oh, ki, g.strideH, g.dilationH, g.padTop, g.h) >= 0;
      if (!ok) throw KernelError("maxPool: a window lies entirely in the padding");
    }
    for (size_t ow = 0; ow < g.outW; ow++) {
      bool ok = false;
      for (size_t kj = 0; kj < g.kw && !ok; kj++) ok = coord(ow, kj, g.strideW, g.dilationW, g.padLeft, g.w) >= 0;
      if (!ok) throw KernelError("maxPool: a window lies entirely in the padding");
    }
  } else if (outLen) {
    throw KernelError("maxPool: empty window");
  }
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    max_pool_e(x.as<T>(), g, out.as<T>(), argmax.as<int32_t>());
  });
}

void max_pool_grad(const Buf& grad, const Buf& argmax, const WindowGeometry& g, const Buf& out) {
  const size_t gradLen = g.n * g.outH * g.outW * g.c;
  check(g, grad, gradLen, out, g.n * g.h * g.w * g.c, "maxPoolGrad");
  if (argmax.dtype != DType::I32 || argmax.len < gradLen) throw KernelError("maxPoolGrad: argmax must be an Int32Array of the output's size");
  const int32_t* a = argmax.as<int32_t>();
  for (size_t i = 0; i < gradLen; i++)
    if (a[i] < 0 || (size_t)a[i] >= g.h * g.w) throw KernelError("maxPoolGrad: argmax index " + std::to_string(a[i]) + " is out of range");
  dispatch_float(grad.dtype, [&](auto tag) {
    using T = decltype(tag);
    max_pool_grad_e(grad.as<T>(), a, g, out.as<T>());
  });
}

}  // namespace ds
