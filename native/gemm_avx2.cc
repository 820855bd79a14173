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

// 8x8 transpose in registers: r[i] lane j becomes r[j] lane i.
DS_AVX2 inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// Six floats as one 16-byte and one 8-byte move, so nothing past them is read or written.
DS_AVX2 inline void copy6(const float* src, float* dst) {
  _mm_storeu_ps(dst, _mm_loadu_ps(src));
  _mm_store_sd(reinterpret_cast<double*>(dst + 4), _mm_load_sd(reinterpret_cast<const double*>(src + 4)));
}
DS_AVX2 inline void store6(__m256 v, float* dst) {
  _mm_storeu_ps(dst, _mm256_castps256_ps128(v));
  _mm_store_sd(reinterpret_cast<double*>(dst + 4), _mm_castps_pd(_mm256_extractf128_ps(v, 1)));
}

// B^T panels: 8x8 blocks of B transposed in registers and stored as whole vectors instead of one
// scattered 4-byte store per element; depths past the last multiple of 8 are copied one by one.
DS_AVX2 void pack_bt_16(const float* b, size_t ldb, size_t j0, size_t k0, size_t kc, float* dst) {
  size_t ks = 0;
  for (; ks + 8 <= kc; ks += 8)
    for (int h = 0; h < 2; h++) {
      __m256 r[8];
      const float* src = b + (j0 + 8 * h) * ldb + k0 + ks;
      for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ldb);
      transpose8(r);
      float* d = dst + ks * NR + 8 * h;
      for (int kk = 0; kk < 8; kk++) _mm256_store_ps(d + kk * NR, r[kk]);
    }
  for (int c = 0; c < NR; c++) {
    const float* src = b + (j0 + c) * ldb + k0;
    for (size_t k = ks; k < kc; k++) dst[k * NR + c] = src[k];
  }
}

// A micro-panels (MR = 6 rows of op(A)). Transposed A is one six-float copy per depth; plain A
// goes through the 8x8 transpose, 8 depths at a time with two zero rows. The scalar loops wrote
// one float per store with a 24-byte stride, a quarter of attention's time (bench/NOTES.md).
DS_AVX2 void pack_a_6(const float* a, size_t lda, bool trans, size_t i0, size_t k0, size_t kc, float* dst) {
  if (trans) {
    for (size_t k = 0; k < kc; k++) copy6(a + (k0 + k) * lda + i0, dst + k * MR);
    return;
  }
  const float* src = a + i0 * lda + k0;
  size_t ks = 0;
  for (; ks + 8 <= kc; ks += 8) {
    __m256 r[8];
    for (int i = 0; i < MR; i++) r[i] = _mm256_loadu_ps(src + i * lda + ks);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    for (int kk = 0; kk < 8; kk++) store6(r[kk], dst + (ks + kk) * MR);
  }
  for (int i = 0; i < MR; i++)
    for (size_t k = ks; k < kc; k++) dst[k * MR + i] = src[i * lda + k];
}

}  // namespace

MicroKernel<float> sgemm_kernel_avx2() { return {MR, NR, 256, sgemm_6x16, pack_bt_16, pack_a_6}; }

}  // namespace ds

#else
namespace ds {
MicroKernel<float> sgemm_kernel_avx2() { return sgemm_kernel_generic(); }
}  // namespace ds
#endif
