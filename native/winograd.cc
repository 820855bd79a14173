#include "winograd.h"

#include <cstring>

#include "cpu_features.h"

namespace ds {
namespace {

// The transforms once per instruction set; the target pragmas make every function of the included
// file an AVX2 or AVX-512 function, run only when the GEMM's kernel family says the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DS_WINO_SIMD 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace wino_avx2 {
#include "winograd_transforms.h"
}  // namespace wino_avx2
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
namespace wino_avx512 {
#include "winograd_transforms.h"
}  // namespace wino_avx512
#pragma GCC pop_options
#endif
namespace wino_base {
#include "winograd_transforms.h"
}  // namespace wino_base

template <class T>
void input_transform(const T* const* d, size_t cin, T* v, size_t stride) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::input_transform(d, cin, v, stride);
  if (isa == Isa::Avx2) return wino_avx2::input_transform(d, cin, v, stride);
#endif
  wino_base::input_transform(d, cin, v, stride);
}

template <class T>
void output_transform(const T* m, size_t stride, size_t cout, const T* bias, bool relu, T* const* y) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::output_transform(m, stride, cout, bias, relu, y);
  if (isa == Isa::Avx2) return wino_avx2::output_transform(m, stride, cout, bias, relu, y);
#endif
  wino_base::output_transform(m, stride, cout, bias, relu, y);
}

// Tiles transformed together: their 16 input and output matrices stay within about 512 KB of L2.
template <class T>
size_t tiles_per_block(size_t cin, size_t cout) {
  size_t tb = ((size_t)512 << 10) / (16 * (cin + cout) * sizeof(T));
  tb = tb / 12 * 12;  // whole 12-row micro-panels of the AVX-512 GEMM kernel
  return tb < 12 ? 12 : tb;
}

template <class T>
T* scratch(int slot, size_t count) {
  thread_local std::vector<T> slots[3];
  std::vector<T>& s = slots[slot];
  if (s.size() < count) s.resize(count);
  return s.data();
}

template <class T>
void grad_transform(const T* const* e, size_t f, T* out, size_t stride) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::grad_transform(e, f, out, stride);
  if (isa == Isa::Avx2) return wino_avx2::grad_transform(e, f, out, stride);
#endif
  wino_base::grad_transform(e, f, out, stride);
}

// Pointers to the 16 input channel vectors of tile (th, tw), zero outside the image.
template <class T>
void tile_inputs(const T* in, size_t h, size_t w, size_t cin, size_t padTop, size_t padLeft, size_t th, size_t tw,
                 const T* zero, const T** d) {
  for (size_t r = 0; r < 4; r++) {
    const int64_t iy = (int64_t)(2 * th + r) - (int64_t)padTop;
    for (size_t q = 0; q < 4; q++) {
      const int64_t ix = (int64_t)(2 * tw + q) - (int64_t)padLeft;
      const bool inside = iy >= 0 && iy < (int64_t)h && ix >= 0 && ix < (int64_t)w;
      d[r * 4 + q] = inside ? in + ((size_t)iy * w + (size_t)ix) * cin : zero;
    }
  }
}

}  // namespace

bool winograd_applies(size_t kh, size_t kw, size_t strideH, size_t strideW, size_t dilationH, size_t dilationW,
                      size_t c, size_t f) {
  return kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 && c >= 8 && f >= 8;
}

template <class T>
Winograd3x3<T>::Winograd3x3(const T* kernel, size_t c, size_t f, bool flipped)
    : cin(flipped ? f : c), cout(flipped ? c : f) {
  // U = G g G^T per (input, output) channel pair, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
  std::vector<T> mats(16 * cin * cout);
  for (size_t i = 0; i < cin; i++)
    for (size_t o = 0; o < cout; o++) {
      T g[3][3];
      for (size_t ki = 0; ki < 3; ki++)
        for (size_t kj = 0; kj < 3; kj++)
          g[ki][kj] = flipped ? kernel[(((2 - ki) * 3 + (2 - kj)) * c + o) * f + i] : kernel[((ki * 3 + kj) * c + i) * f + o];
      T gg[4][3];
      for (size_t kj = 0; kj < 3; kj++) {
        gg[0][kj] = g[0][kj];
        gg[1][kj] = (g[0][kj] + g[1][kj] + g[2][kj]) * T(0.5);
        gg[2][kj] = (g[0][kj] - g[1][kj] + g[2][kj]) * T(0.5);
        gg[3][kj] = g[2][kj];
      }
      for (size_t r = 0; r < 4; r++) {
        const T u[4] = {gg[r][0], (gg[r][0] + gg[r][1] + gg[r][2]) * T(0.5), (gg[r][0] - gg[r][1] + gg[r][2]) * T(0.5),
                        gg[r][2]};
        for (size_t q = 0; q < 4; q++) mats[((r * 4 + q) * cin + i) * cout + o] = u[q];
      }
    }
  u.reserve(16);
  for (size_t xi = 0; xi < 16; xi++) u.emplace_back(mats.data() + xi * cin * cout, cout, cin, cout, false);
}

template <class T>
void Winograd3x3<T>::run(const T* in, size_t h, size_t w, size_t padTop, size_t padLeft, size_t oh, size_t ow, T* out,
                         const T* bias, bool relu) const {
  const size_t tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, tiles = tilesH * tilesW;
  const size_t tb = tiles_per_block<T>(cin, cout);
  T* v = scratch<T>(0, 16 * tb * cin);
  T* m = scratch<T>(1, 16 * tb * cout);
  // A zero channel vector for taps in the padding, and sinks for outputs past an odd edge.
  T* zero = scratch<T>(2, cin + 4 * cout);
  std::memset(zero, 0, cin * sizeof(T));
  T* sink = zero + cin;
  for (size_t t0 = 0; t0 < tiles; t0 += tb) {
    const size_t nb = tiles - t0 < tb ? tiles - t0 : tb;
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const T* d[16];
      tile_inputs(in, h, w, cin, padTop, padLeft, th, tw, zero, d);
      input_transform(d, cin, v + tt * cin, tb * cin);
    }
    for (size_t xi = 0; xi < 16; xi++) gemm_prepacked(v + xi * tb * cin, cin, u[xi], m + xi * tb * cout, cout, nb, false);
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const size_t y0 = 2 * th, x0 = 2 * tw;
      T* y[4];
      for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
          y[a * 2 + b] = y0 + a < oh && x0 + b < ow ? out + ((y0 + a) * ow + x0 + b) * cout : sink + (a * 2 + b) * cout;
      output_transform(m + tt * cout, tb * cout, cout, bias, relu, y);
    }
  }
}

template <class T>
void WinogradFilterGrad<T>::accumulate(const T* x, size_t h, size_t w, size_t padTop, size_t padLeft, const T* gz,
                                       size_t oh, size_t ow, T* acc, bool first) const {
  const size_t tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, tiles = tilesH * tilesW;
  const size_t tb = tiles_per_block<T>(c, f);
  T* v = scratch<T>(0, 16 * tb * c);
  T* e = scratch<T>(1, 16 * tb * f);
  T* zero = scratch<T>(2, c > f ? c : f);
  std::memset(zero, 0, (c > f ? c : f) * sizeof(T));
  for (size_t t0 = 0; t0 < tiles; t0 += tb) {
    const size_t nb = tiles - t0 < tb ? tiles - t0 : tb;
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const T* d[16];
      tile_inputs(x, h, w, c, padTop, padLeft, th, tw, zero, d);
      input_transform(d, c, v + tt * c, tb * c);
      // The gradient tile: outputs past an odd edge do not exist, so they contribute zero.
      const T* g[4];
      for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++) {
          const size_t y = 2 * th + a, xx = 2 * tw + b;
          g[a * 2 + b] = y < oh && xx < ow ? gz + (y * ow + xx) * f : zero;
        }
      grad_transform(g, f, e + tt * f, tb * f);
    }
    // acc[xi] (c x f) += V[xi]^T (c x tiles) @ E[xi] (tiles x f).
    for (size_t xi = 0; xi < 16; xi++)
      gemm_serial(v + xi * tb * c, c, true, e + xi * tb * f, f, false, acc + xi * c * f, f, c, f, nb, !(first && t0 == 0));
  }
}

template <class T>
void WinogradFilterGrad<T>::finish(const T* acc, T* dKernel) const {
  // dKernel (3x3) = G^T M G per channel pair, G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
  const size_t cf = c * f;
  for (size_t i = 0; i < cf; i++) {
    T m[4][4];
    for (size_t xi = 0; xi < 16; xi++) m[xi / 4][xi % 4] = acc[xi * cf + i];
    T t[3][4];
    for (size_t b = 0; b < 4; b++) {
      t[0][b] = m[0][b] + T(0.5) * (m[1][b] + m[2][b]);
      t[1][b] = T(0.5) * (m[1][b] - m[2][b]);
      t[2][b] = T(0.5) * (m[1][b] + m[2][b]) + m[3][b];
    }
    for (size_t ki = 0; ki < 3; ki++) {
      const T z[3] = {t[ki][0] + T(0.5) * (t[ki][1] + t[ki][2]), T(0.5) * (t[ki][1] - t[ki][2]),
                      T(0.5) * (t[ki][1] + t[ki][2]) + t[ki][3]};
      for (size_t kj = 0; kj < 3; kj++) dKernel[(ki * 3 + kj) * cf + i] = z[kj];
    }
  }
}

template struct Winograd3x3<float>;
template struct Winograd3x3<double>;
template struct WinogradFilterGrad<float>;
template struct WinogradFilterGrad<double>;

}  // namespace ds
