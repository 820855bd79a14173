// The WebAssembly build's portable GEMM micro-kernels (it compiles this file in place of
// native/gemm_generic.cc): float32 6 rows x 8 columns with SIMD128, 12 accumulators plus two B
// vectors and one broadcast A value, which fits the 16 vector registers engines map v128 to on
// x86-64 and ARM64. SIMD128 has no fused multiply-add, so each step is a multiply then an add,
// the rounding the reference backend's `acc += a * b` has. float64 keeps the plain C++ kernel.
#include <wasm_simd128.h>

#include "../gemm_kernels.h"

namespace ds {
namespace {

constexpr int MR = 6, NR = 8;

void sgemm_6x8(size_t kc, const float* __restrict ap, const float* __restrict bp, float* c, size_t ldc, int m, int n,
               int flags, const float* bias) {
  v128_t acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (size_t k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    for (int r = 0; r < MR; r++) {
      const v128_t a = wasm_v128_load32_splat(ap + r);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(a, b0));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(a, b1));
    }
    ap += MR;
    bp += NR;
  }
  if (m == MR && n == NR) {
    const v128_t bias0 = bias ? wasm_v128_load(bias) : wasm_f32x4_splat(0.0f);
    const v128_t bias1 = bias ? wasm_v128_load(bias + 4) : wasm_f32x4_splat(0.0f);
    const v128_t zero = wasm_f32x4_splat(0.0f);
    for (int r = 0; r < MR; r++) {
      float* cr = c + r * ldc;
      v128_t x0 = acc[r][0], x1 = acc[r][1];
      if (flags & G_ACCUM) {
        x0 = wasm_f32x4_add(x0, wasm_v128_load(cr));
        x1 = wasm_f32x4_add(x1, wasm_v128_load(cr + 4));
      }
      if (bias) {
        x0 = wasm_f32x4_add(x0, bias0);
        x1 = wasm_f32x4_add(x1, bias1);
      }
      if (flags & G_RELU) {
        // max(x, 0) keeps NaN visible as store_tile's `v < 0 ? 0 : v` does.
        x0 = wasm_v128_bitselect(zero, x0, wasm_f32x4_lt(x0, zero));
        x1 = wasm_v128_bitselect(zero, x1, wasm_f32x4_lt(x1, zero));
      }
      wasm_v128_store(cr, x0);
      wasm_v128_store(cr + 4, x1);
    }
    return;
  }
  alignas(16) float tile[MR * NR];
  for (int r = 0; r < MR; r++) {
    wasm_v128_store(tile + r * NR, acc[r][0]);
    wasm_v128_store(tile + r * NR + 4, acc[r][1]);
  }
  store_tile(tile, NR, c, ldc, m, n, flags, bias);
}

template <class T, int TMR, int TNR>
void gemm_plain(size_t kc, const T* __restrict ap, const T* __restrict bp, T* c, size_t ldc, int m, int n, int flags,
                const T* bias) {
  T acc[TMR][TNR] = {};
  for (size_t k = 0; k < kc; k++) {
    for (int r = 0; r < TMR; r++) {
      const T a = ap[r];
      for (int j = 0; j < TNR; j++) acc[r][j] += a * bp[j];
    }
    ap += TMR;
    bp += TNR;
  }
  store_tile(&acc[0][0], TNR, c, ldc, m, n, flags, bias);
}

}  // namespace

MicroKernel<float> sgemm_kernel_generic() { return {MR, NR, 256, sgemm_6x8}; }
MicroKernel<double> dgemm_kernel_generic() { return {4, 8, 256, gemm_plain<double, 4, 8>}; }

}  // namespace ds
