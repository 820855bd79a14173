// AVX-512 sgemm micro-kernel, 12 rows x 32 columns: 24 zmm accumulators, B read as two vectors
// per k, A broadcast from memory. Compiled for AVX-512 by attribute only, so this file builds
// on any x86-64 compiler target and is only called after the CPU check.
#include "gemm_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define DS_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))

namespace ds {
namespace {

constexpr int MR = 12, NR = 32;

DS_AVX512 void sgemm_12x32(size_t kc, const float* __restrict ap, const float* __restrict bp, float* c, size_t ldc,
                           int m, int n, int flags, const float* bias) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++) {
    acc[r][0] = _mm512_setzero_ps();
    acc[r][1] = _mm512_setzero_ps();
  }
  // Warm the C tile while the k loop runs.
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++)
    if (r < m) {
      _mm_prefetch((const char*)(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch((const char*)(c + r * ldc + 16), _MM_HINT_T0);
    }
  for (size_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(ap[r]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
    ap += MR;
    bp += NR;
  }
  const __mmask16 m0 = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? (__mmask16)0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : (__mmask16)0;
  __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
  if (bias) {
    bias0 = _mm512_maskz_loadu_ps(m0, bias);
    bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++) {
    if (r < m) {
      float* cr = c + r * ldc;
      __m512 v0 = acc[r][0], v1 = acc[r][1];
      if (flags & G_ACCUM) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
      }
      v0 = _mm512_add_ps(v0, bias0);
      v1 = _mm512_add_ps(v1, bias1);
      if (flags & G_RELU) {
        v0 = _mm512_max_ps(v0, zero);
        v1 = _mm512_max_ps(v1, zero);
      }
      _mm512_mask_storeu_ps(cr, m0, v0);
      _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
  }
}

}  // namespace

MicroKernel<float> sgemm_kernel_avx512() { return {MR, NR, 256, sgemm_12x32}; }

}  // namespace ds

#else
namespace ds {
MicroKernel<float> sgemm_kernel_avx512() { return sgemm_kernel_generic(); }
}  // namespace ds
#endif
