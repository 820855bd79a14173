// AVX2+FMA sgemm micro-kernel, 6 rows x 16 columns (12 ymm accumulators), for CPUs without
// AVX-512. Compiled for AVX2 by attribute only and called after the CPU check.
#include "gemm_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define DS_AVX2 __attribute__((target("avx2,fma")))

namespace ds {
namespace {

constexpr int MR = 6, NR = 16;

DS_AVX2 void sgemm_6x16(size_t kc, const float* __restrict ap, const float* __restrict bp, float* c, size_t ldc, int m,
                        int n, int flags, const float* bias) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    acc[r][0] = _mm256_setzero_ps();
    acc[r][1] = _mm256_setzero_ps();
  }
  for (size_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(bp);
    const __m256 b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m256 a = _mm256_broadcast_ss(ap + r);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
    ap += MR;
    bp += NR;
  }
  if (m == MR && n == NR) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 bias0 = zero, bias1 = zero;
    if (bias) {
      bias0 = _mm256_loadu_ps(bias);
      bias1 = _mm256_loadu_ps(bias + 8);
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      float* cr = c + r * ldc;
      __m256 v0 = acc[r][0], v1 = acc[r][1];
      if (flags & G_ACCUM) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cr));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cr + 8));
      }
      v0 = _mm256_add_ps(v0, bias0);
      v1 = _mm256_add_ps(v1, bias1);
      if (flags & G_RELU) {
        v0 = _mm256_max_ps(zero, v0);  // second operand wins on NaN: NaN stays NaN
        v1 = _mm256_max_ps(zero, v1);
      }
      _mm256_storeu_ps(cr, v0);
      _mm256_storeu_ps(cr + 8, v1);
    }
    return;
  }
  alignas(32) float tile[MR * NR];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    _mm256_store_ps(tile + r * NR, acc[r][0]);
    _mm256_store_ps(tile + r * NR + 8, acc[r][1]);
  }
  store_tile(tile, NR, c, ldc, m, n, flags, bias);
}

}  // namespace

MicroKernel<float> sgemm_kernel_avx2() { return {MR, NR, 256, sgemm_6x16}; }

}  // namespace ds

#else
namespace ds {
MicroKernel<float> sgemm_kernel_avx2() { return sgemm_kernel_generic(); }
}  // namespace ds
#endif
