#include "winograd.h"

#include <cstring>

#include "cpu_features.h"
#include "thread_scratch.h"

namespace ds {
namespace {

// The Winograd matrices of F(M x M, 3x3), N = M + 2. Forward: Y = A^T [(G g G^T) .* (B^T d B)] A.
// F(4x4, 3x3) (Lavin & Gray; interpolation points 0, +-1, +-2 and infinity) costs 36 multiplies per
// 4x4 output block and channel pair (2.25 per output) instead of F(2x2)'s 16 per 2x2 block (4 per
// output); its float32 rounding error is about 20 times larger (see bench/NOTES.md).
template <int M>
struct WinoTile;
template <>
struct WinoTile<4> {
  static constexpr int N = 6;
  static constexpr double BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                      {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  static constexpr double AT[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

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

template <class T, int M>
void input_transform(const T* const* d, size_t cin, T* v, size_t stride) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::input_transform<T, M>(d, cin, v, stride);
  if (isa == Isa::Avx2) return wino_avx2::input_transform<T, M>(d, cin, v, stride);
#endif
  wino_base::input_transform<T, M>(d, cin, v, stride);
}

template <class T, int M>
void output_transform(const T* m, size_t stride, size_t cout, const T* bias, bool relu, T* const* y) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::output_transform<T, M>(m, stride, cout, bias, relu, y);
  if (isa == Isa::Avx2) return wino_avx2::output_transform<T, M>(m, stride, cout, bias, relu, y);
#endif
  wino_base::output_transform<T, M>(m, stride, cout, bias, relu, y);
}

template <class T, int M>
void grad_transform(const T* const* e, size_t f, T* out, size_t stride) {
#ifdef DS_WINO_SIMD
  const Isa isa = gemm_isa();
  if (isa == Isa::Avx512) return wino_avx512::grad_transform<T, M>(e, f, out, stride);
  if (isa == Isa::Avx2) return wino_avx2::grad_transform<T, M>(e, f, out, stride);
#endif
  wino_base::grad_transform<T, M>(e, f, out, stride);
}

// Tiles transformed together: their N * N input and output matrices stay within about 512 KB of L2.
template <class T>
size_t tiles_per_block(size_t nn, size_t cin, size_t cout) {
  size_t tb = ((size_t)512 << 10) / (nn * (cin + cout) * sizeof(T));
  tb = tb / 12 * 12;  // whole 12-row micro-panels of the AVX-512 GEMM kernel
  return tb < 12 ? 12 : tb;
}

struct WinogradScratch;
template <class T>
T* scratch(int slot, size_t count) {
  return thread_scratch<WinogradScratch, T>(slot, count);
}

// Pointers to the N * N input channel vectors of tile (th, tw), zero outside the image.
template <class T, int M>
void tile_inputs(const T* in, size_t h, size_t w, size_t cin, size_t padTop, size_t padLeft, size_t th, size_t tw,
                 const T* zero, const T** d) {
  constexpr size_t N = M + 2;
  for (size_t r = 0; r < N; r++) {
    const int64_t iy = (int64_t)(M * th + r) - (int64_t)padTop;
    for (size_t q = 0; q < N; q++) {
      const int64_t ix = (int64_t)(M * tw + q) - (int64_t)padLeft;
      const bool inside = iy >= 0 && iy < (int64_t)h && ix >= 0 && ix < (int64_t)w;
      d[r * N + q] = inside ? in + ((size_t)iy * w + (size_t)ix) * cin : zero;
    }
  }
}

// The forward pass of one image with M x M output tiles (see Winograd3x3::run).
template <class T, int M>
void run_tiles(const std::vector<PackedB<T>>& u, size_t cin, size_t cout, const T* in, size_t h, size_t w,
               size_t padTop, size_t padLeft, size_t oh, size_t ow, T* out, const T* bias, bool relu) {
  constexpr size_t N = M + 2, NN = N * N;
  const size_t tilesH = (oh + M - 1) / M, tilesW = (ow + M - 1) / M, tiles = tilesH * tilesW;
  const size_t tb = tiles_per_block<T>(NN, cin, cout);
  T* v = scratch<T>(0, NN * tb * cin);
  T* m = scratch<T>(1, NN * tb * cout);
  // A zero channel vector for taps in the padding, and sinks for outputs past an uneven edge.
  T* zero = scratch<T>(2, cin + M * M * cout);
  std::memset(zero, 0, cin * sizeof(T));
  T* sink = zero + cin;
  for (size_t t0 = 0; t0 < tiles; t0 += tb) {
    const size_t nb = tiles - t0 < tb ? tiles - t0 : tb;
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const T* d[NN];
      tile_inputs<T, M>(in, h, w, cin, padTop, padLeft, th, tw, zero, d);
      input_transform<T, M>(d, cin, v + tt * cin, tb * cin);
    }
    for (size_t xi = 0; xi < NN; xi++) gemm_prepacked(v + xi * tb * cin, cin, u[xi], m + xi * tb * cout, cout, nb, false);
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const size_t y0 = M * th, x0 = M * tw;
      T* y[M * M];
      for (size_t a = 0; a < M; a++)
        for (size_t b = 0; b < M; b++)
          y[a * M + b] = y0 + a < oh && x0 + b < ow ? out + ((y0 + a) * ow + x0 + b) * cout : sink + (a * M + b) * cout;
      output_transform<T, M>(m + tt * cout, tb * cout, cout, bias, relu, y);
    }
  }
}

// One image's d(kernel) products in the transformed domain (see WinogradFilterGrad::accumulate).
template <class T, int M>
void accumulate_tiles(size_t c, size_t f, const T* x, size_t h, size_t w, size_t padTop, size_t padLeft, const T* gz,
                      size_t oh, size_t ow, T* acc, bool first) {
  constexpr size_t N = M + 2, NN = N * N;
  const size_t tilesH = (oh + M - 1) / M, tilesW = (ow + M - 1) / M, tiles = tilesH * tilesW;
  const size_t tb = tiles_per_block<T>(NN, c, f);
  T* v = scratch<T>(0, NN * tb * c);
  T* e = scratch<T>(1, NN * tb * f);
  T* zero = scratch<T>(2, c > f ? c : f);
  std::memset(zero, 0, (c > f ? c : f) * sizeof(T));
  for (size_t t0 = 0; t0 < tiles; t0 += tb) {
    const size_t nb = tiles - t0 < tb ? tiles - t0 : tb;
    for (size_t tt = 0; tt < nb; tt++) {
      const size_t th = (t0 + tt) / tilesW, tw = (t0 + tt) % tilesW;
      const T* d[NN];
      tile_inputs<T, M>(x, h, w, c, padTop, padLeft, th, tw, zero, d);
      input_transform<T, M>(d, c, v + tt * c, tb * c);
      // The gradient tile: outputs past an uneven edge do not exist, so they contribute zero.
      const T* g[M * M];
      for (size_t a = 0; a < M; a++)
        for (size_t b = 0; b < M; b++) {
          const size_t y = M * th + a, xx = M * tw + b;
          g[a * M + b] = y < oh && xx < ow ? gz + (y * ow + xx) * f : zero;
        }
      grad_transform<T, M>(g, f, e + tt * f, tb * f);
    }
    // acc[xi] (c x f) += V[xi]^T (c x tiles) @ E[xi] (tiles x f).
    for (size_t xi = 0; xi < NN; xi++)
      gemm_serial(v + xi * tb * c, c, true, e + xi * tb * f, f, false, acc + xi * c * f, f, c, f, nb, !(first && t0 == 0));
  }
}

// The transformed kernel U = G g G^T for every channel pair, in double so that float32 loses
// nothing to G's fractions; U[xi] is stored as a [cin, cout] matrix at mats + xi * cin * cout.
template <class T, int M>
void kernel_transform(const T* kernel, size_t c, size_t f, bool flipped, size_t cin, size_t cout, T* mats) {
  typedef WinoTile<M> W;
  constexpr int N = W::N;
  for (size_t i = 0; i < cin; i++)
    for (size_t o = 0; o < cout; o++) {
      double g[3][3];
      for (size_t ki = 0; ki < 3; ki++)
        for (size_t kj = 0; kj < 3; kj++)
          g[ki][kj] = flipped ? kernel[(((2 - ki) * 3 + (2 - kj)) * c + o) * f + i] : kernel[((ki * 3 + kj) * c + i) * f + o];
      double gg[N][3];
      for (int r = 0; r < N; r++)
        for (int kj = 0; kj < 3; kj++) gg[r][kj] = W::G[r][0] * g[0][kj] + W::G[r][1] * g[1][kj] + W::G[r][2] * g[2][kj];
      for (int r = 0; r < N; r++)
        for (int q = 0; q < N; q++)
          mats[((size_t)(r * N + q) * cin + i) * cout + o] =
              (T)(gg[r][0] * W::G[q][0] + gg[r][1] * W::G[q][1] + gg[r][2] * W::G[q][2]);
    }
}

// dKernel (3x3) = G^T P G per channel pair from the summed transformed-domain products.
template <class T, int M>
void filter_finish(const T* acc, size_t cf, T* dKernel) {
  typedef WinoTile<M> W;
  constexpr int N = W::N;
  for (size_t i = 0; i < cf; i++) {
    double t[3][N];  // G^T P
    for (int a = 0; a < 3; a++)
      for (int q = 0; q < N; q++) {
        double s = 0;
        for (int r = 0; r < N; r++) s += W::G[r][a] * (double)acc[(size_t)(r * N + q) * cf + i];
        t[a][q] = s;
      }
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) {
        double s = 0;
        for (int q = 0; q < N; q++) s += t[a][q] * W::G[q][b];
        dKernel[(a * 3 + b) * cf + i] = (T)s;
      }
  }
}

}  // namespace

bool winograd_applies(const WindowGeometry& g, size_t f) {
  return g.kh == 3 && g.kw == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 &&
         g.c >= 8 && f >= 8 && g.outH * g.outW >= 100;
}

template <class T>
Winograd3x3<T>::Winograd3x3(const T* kernel, size_t c, size_t f, bool flipped)
    : cin(flipped ? f : c), cout(flipped ? c : f) {
  std::vector<T> mats(kWinoInputs * cin * cout);
  kernel_transform<T, kWinoTile>(kernel, c, f, flipped, cin, cout, mats.data());
  u.reserve(kWinoInputs);
  for (size_t xi = 0; xi < kWinoInputs; xi++) u.emplace_back(mats.data() + xi * cin * cout, cout, cin, cout, false);
}

template <class T>
void Winograd3x3<T>::run(const T* in, size_t h, size_t w, size_t padTop, size_t padLeft, size_t oh, size_t ow, T* out,
                         const T* bias, bool relu) const {
  run_tiles<T, kWinoTile>(u, cin, cout, in, h, w, padTop, padLeft, oh, ow, out, bias, relu);
}

template <class T>
void WinogradFilterGrad<T>::accumulate(const T* x, size_t h, size_t w, size_t padTop, size_t padLeft, const T* gz,
                                       size_t oh, size_t ow, T* acc, bool first) const {
  accumulate_tiles<T, kWinoTile>(c, f, x, h, w, padTop, padLeft, gz, oh, ow, acc, first);
}

template <class T>
void WinogradFilterGrad<T>::finish(const T* acc, T* dKernel) const {
  filter_finish<T, kWinoTile>(acc, c * f, dKernel);
}

template struct Winograd3x3<float>;
template struct Winograd3x3<double>;
template struct WinogradFilterGrad<float>;
template struct WinogradFilterGrad<double>;

}  // namespace ds
