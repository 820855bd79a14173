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

// ROWS (<= MR) rows of A and VECS (1 or 2) vectors of B: edge tiles run a smaller variant
// instead of multiplying zero padding. Panels keep their MR / NR strides either way.
template <int ROWS, int VECS>
DS_AVX512 void tile(size_t kc, const float* __restrict ap, const float* __restrict bp, float* c, size_t ldc, int m,
                    int n, int flags, const float* bias) {
  __m512 acc[ROWS][VECS];
#pragma GCC unroll 12
  for (int r = 0; r < ROWS; r++)
#pragma GCC unroll 2
    for (int v = 0; v < VECS; v++) acc[r][v] = _mm512_setzero_ps();
  // Warm the C tile while the k loop runs.
#pragma GCC unroll 12
  for (int r = 0; r < ROWS; r++)
    if (r < m) {
      _mm_prefetch((const char*)(c + r * ldc), _MM_HINT_T0);
      if (VECS == 2) _mm_prefetch((const char*)(c + r * ldc + 16), _MM_HINT_T0);
    }
  for (size_t k = 0; k < kc; k++) {
    __m512 b[VECS];
#pragma GCC unroll 2
    for (int v = 0; v < VECS; v++) b[v] = _mm512_load_ps(bp + 16 * v);
#pragma GCC unroll 12
    for (int r = 0; r < ROWS; r++) {
      const __m512 a = _mm512_set1_ps(ap[r]);
#pragma GCC unroll 2
      for (int v = 0; v < VECS; v++) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  }
  __mmask16 mask[2];
  mask[0] = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  mask[1] = n >= 32 ? (__mmask16)0xFFFF : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : (__mmask16)0;
  __m512 bv[VECS];
#pragma GCC unroll 2
  for (int v = 0; v < VECS; v++) bv[v] = bias ? _mm512_maskz_loadu_ps(mask[v], bias + 16 * v) : _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < ROWS; r++) {
    if (r < m) {
      float* cr = c + r * ldc;
#pragma GCC unroll 2
      for (int v = 0; v < VECS; v++) {
        __m512 x = acc[r][v];
        if (flags & G_ACCUM) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], cr + 16 * v));
        x = _mm512_add_ps(x, bv[v]);
        // max(zero, x): MAXPS returns its second operand when either is NaN, so NaN stays NaN (and
        // -0 stays -0, as the scalar x < 0 ? 0 : x of every other path).
        if (flags & G_RELU) x = _mm512_max_ps(zero, x);
        _mm512_mask_storeu_ps(cr + 16 * v, mask[v], x);
      }
    }
  }
}

template <int VECS>
DS_AVX512 void tile_rows(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, int m, int n, int flags,
                         const float* bias) {
  if (m > 8) tile<12, VECS>(kc, ap, bp, c, ldc, m, n, flags, bias);
  else if (m > 4) tile<8, VECS>(kc, ap, bp, c, ldc, m, n, flags, bias);
  else tile<4, VECS>(kc, ap, bp, c, ldc, m, n, flags, bias);
}

DS_AVX512 void sgemm_12x32(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, int m, int n, int flags,
                           const float* bias) {
  if (n > 16) tile_rows<2>(kc, ap, bp, c, ldc, m, n, flags, bias);
  else tile_rows<1>(kc, ap, bp, c, ldc, m, n, flags, bias);
}

// Transposes 16 rows of 16 floats in registers: out[c] holds element c of every row.
DS_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; g++) {  // rows 4g..4g+3: u[4g+q] holds column 4L+q in lane L
    const __m512d a0 = _mm512_castps_pd(t[4 * g]), a1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d b0 = _mm512_castps_pd(t[4 * g + 2]), b1 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, b0));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, b0));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, b1));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, b1));
  }
  for (int q = 0; q < 4; q++) {  // gather lane L of the four row groups into column 4L+q
    const __m512 v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x44), w0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xEE);
    const __m512 v1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x44), w1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xEE);
    r[q] = _mm512_shuffle_f32x4(v0, v1, 0x88);
    r[4 + q] = _mm512_shuffle_f32x4(v0, v1, 0xDD);
    r[8 + q] = _mm512_shuffle_f32x4(w0, w1, 0x88);
    r[12 + q] = _mm512_shuffle_f32x4(w0, w1, 0xDD);
  }
}

// B^T panels: 16x16 blocks of B are transposed in registers and stored as whole vectors,
// instead of one scattered 4-byte store per element.
DS_AVX512 void pack_bt_32(const float* b, size_t ldb, size_t j0, size_t k0, size_t kc, float* dst) {
  for (size_t ks = 0; ks < kc; ks += 16) {
    const int valid = kc - ks < 16 ? (int)(kc - ks) : 16;
    const __mmask16 mask = valid == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1);
    for (int h = 0; h < 2; h++) {
      __m512 r[16];
      const float* src = b + (j0 + 16 * h) * ldb + k0 + ks;
#pragma GCC unroll 16
      for (int i = 0; i < 16; i++) r[i] = _mm512_maskz_loadu_ps(mask, src + i * ldb);
      transpose16(r);
      float* d = dst + ks * NR + 16 * h;
      for (int kk = 0; kk < valid; kk++) _mm512_store_ps(d + kk * NR, r[kk]);
    }
  }
}

// A micro-panels (MR = 12 rows of op(A)). Plain A goes through the same in-register transpose,
// 16 depths at a time with four zero rows: each transposed vector holds one depth of the 12 rows
// and is stored as 12 lanes. The scalar loop wrote one float per store with a 48-byte stride and
// cost several percent wherever an A panel is reused over only a few hundred columns.
DS_AVX512 void pack_a_12(const float* a, size_t lda, bool trans, size_t i0, size_t k0, size_t kc, float* dst) {
  const __mmask16 rows = (__mmask16)((1u << MR) - 1);
  if (trans) {  // one masked vector copy per depth
    for (size_t k = 0; k < kc; k++)
      _mm512_mask_storeu_ps(dst + k * MR, rows, _mm512_maskz_loadu_ps(rows, a + (k0 + k) * lda + i0));
    return;
  }
  for (size_t ks = 0; ks < kc; ks += 16) {
    const int valid = kc - ks < 16 ? (int)(kc - ks) : 16;
    const __mmask16 mask = valid == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1);
    __m512 r[16];
    const float* src = a + i0 * lda + k0 + ks;
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) r[i] = _mm512_maskz_loadu_ps(mask, src + i * lda);
    for (int i = MR; i < 16; i++) r[i] = _mm512_setzero_ps();
    transpose16(r);
    float* d = dst + ks * MR;
    for (int kk = 0; kk < valid; kk++) _mm512_mask_storeu_ps(d + kk * MR, rows, r[kk]);
  }
}

}  // namespace

MicroKernel<float> sgemm_kernel_avx512() { return {MR, NR, 256, sgemm_12x32, pack_bt_32, pack_a_12}; }

}  // namespace ds

#else
namespace ds {
MicroKernel<float> sgemm_kernel_avx512() { return sgemm_kernel_generic(); }
}  // namespace ds
#endif
