// x86 bf16 blocks: AVX512_BF16 (vdpbf16ps, a pair of products per float32 lane) and AMX-BF16
// (tdpbf16ps on 16 x 32 tiles). Both compute a 32 x 32 block of float32 sums over the full depth
// from the packed layout of gemm_bf16.cc. Compiled for those instruction sets by attribute only,
// and called only after the run-time check in gemm_bf16.cc.
#include <cstring>

#include "gemm_bf16.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define DS_AVX512BF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512bf16")))
#define DS_AMX __attribute__((target("avx512f,amx-tile,amx-bf16")))

namespace ds {
namespace {

// ROWS rows of the block against both 16-column groups: 2 ROWS zmm sums, B read as two vectors
// per depth pair, each A pair broadcast from memory.
template <int ROWS>
DS_AVX512BF16 void rows_avx512(const uint16_t* __restrict ap, size_t kp, const uint16_t* __restrict bp, size_t gstride,
                               float* __restrict acc) {
  __m512 s[ROWS][2];
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; r++) s[r][0] = s[r][1] = _mm512_setzero_ps();
  const uint16_t* b1 = bp + gstride;
  for (size_t q = 0; q < kp / 2; q++) {
    const __m512bh v0 = (__m512bh)_mm512_load_si512(bp + q * 32);
    const __m512bh v1 = (__m512bh)_mm512_load_si512(b1 + q * 32);
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; r++) {
      int pair;
      std::memcpy(&pair, ap + r * kp + 2 * q, 4);
      const __m512bh a = (__m512bh)_mm512_set1_epi32(pair);
      s[r][0] = _mm512_dpbf16_ps(s[r][0], a, v0);
      s[r][1] = _mm512_dpbf16_ps(s[r][1], a, v1);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; r++) {
    _mm512_store_ps(acc + r * 32, s[r][0]);
    _mm512_store_ps(acc + r * 32 + 16, s[r][1]);
  }
}

DS_AVX512BF16 void block_avx512(const uint16_t* ap, size_t kp, const uint16_t* bp, size_t gstride, float* acc) {
  rows_avx512<12>(ap, kp, bp, gstride, acc);
  rows_avx512<12>(ap + 12 * kp, kp, bp, gstride, acc + 12 * 32);
  rows_avx512<8>(ap + 24 * kp, kp, bp, gstride, acc + 24 * 32);
}

// Tiles 0-3: the four 16 x 16 float32 quarters of the block; 4-5: A rows 0-15 / 16-31 (32
// depths); 6-7: B groups 0 / 1 (16 depth pairs x 16 columns x 2).
DS_AMX void block_amx(const uint16_t* ap, size_t kp, const uint16_t* bp, size_t gstride, float* acc) {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  const size_t lda = kp * 2;
  const uint16_t* a1 = ap + 16 * kp;
  const uint16_t* b1 = bp + gstride;
  for (size_t ks = 0; ks < kp; ks += 32) {
    _tile_loadd(4, ap + ks, lda);
    _tile_loadd(6, bp + ks * 16, 64);
    _tile_loadd(7, b1 + ks * 16, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_loadd(5, a1 + ks, lda);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, acc, 128);
  _tile_stored(1, acc + 16, 128);
  _tile_stored(2, acc + 16 * 32, 128);
  _tile_stored(3, acc + 16 * 32 + 16, 128);
}

DS_AVX512BF16 void store_avx512(const float* acc, size_t rows, size_t cols, const float* bias, bool relu, float* outF,
                                uint16_t* outH, size_t ldo) {
  const __m512 zero = _mm512_setzero_ps();
  const __m512i round = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
  const __m512i absMask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  const __m512i quiet = _mm512_set1_epi32(0x40);
  for (size_t h = 0; h < 2; h++) {
    if (cols <= 16 * h) break;
    const size_t nc = cols - 16 * h < 16 ? cols - 16 * h : 16;
    const __mmask16 m = (__mmask16)((1u << nc) - 1);
    const __m512 bv = bias ? _mm512_maskz_loadu_ps(m, bias + 16 * h) : zero;
    for (size_t r = 0; r < rows; r++) {
      __m512 v = _mm512_load_ps(acc + r * 32 + 16 * h);
      if (bias) v = _mm512_add_ps(v, bv);
      // max(0, v) returns v when v is NaN (the second operand), and keeps -0 as the reference does.
      if (relu) v = _mm512_max_ps(zero, v);
      if (outF) {
        _mm512_mask_storeu_ps(outF + r * ldo + 16 * h, m, v);
        continue;
      }
      // Round to nearest even in integer arithmetic (as the reference), NaN made quiet.
      const __m512i u = _mm512_castps_si512(v);
      const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
      __m512i rb = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(round, lsb)), 16);
      const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, absMask), inf);
      rb = _mm512_mask_mov_epi32(rb, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), quiet));
      _mm256_mask_storeu_epi16(outH + r * ldo + 16 * h, m, _mm512_cvtepi32_epi16(rb));
    }
  }
}

DS_AVX512BF16 void pack_b_avx512(const uint16_t* b, size_t ldb, size_t k, size_t kp, size_t j0, uint16_t* dst,
                                 size_t gstride) {
  // Word indices into (row 2q, row 2q + 1) interleaving columns 0-15 and 16-31.
  alignas(64) uint16_t lo[32], hi[32];
  for (int c = 0; c < 16; c++) {
    lo[2 * c] = (uint16_t)c;
    lo[2 * c + 1] = (uint16_t)(32 + c);
    hi[2 * c] = (uint16_t)(16 + c);
    hi[2 * c + 1] = (uint16_t)(48 + c);
  }
  const __m512i ilo = _mm512_load_si512(lo), ihi = _mm512_load_si512(hi);
  uint16_t* d1 = dst + gstride;
  for (size_t q = 0; q < kp / 2; q++) {
    const size_t k0 = 2 * q;
    const __m512i r0 = k0 < k ? _mm512_loadu_si512(b + k0 * ldb + j0) : _mm512_setzero_si512();
    const __m512i r1 = k0 + 1 < k ? _mm512_loadu_si512(b + (k0 + 1) * ldb + j0) : _mm512_setzero_si512();
    _mm512_store_si512(dst + q * 32, _mm512_permutex2var_epi16(r0, ilo, r1));
    _mm512_store_si512(d1 + q * 32, _mm512_permutex2var_epi16(r0, ihi, r1));
  }
}

// Each packed row q holds, for the 16 columns, the 32-bit pair (B^T[c][2q], B^T[c][2q + 1]):
// one gather of 16 such words, 2k bytes apart.
DS_AVX512BF16 void pack_bt_avx512(const uint16_t* b, size_t k, size_t kp, size_t j0, uint16_t* dst) {
  const uint16_t* base = b + j0 * k;
  __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                   _mm512_set1_epi32((int)k));
  const __m512i two = _mm512_set1_epi32(2);
  size_t q = 0;
  for (; 2 * q + 1 < k; q++, idx = _mm512_add_epi32(idx, two))
    _mm512_store_si512(dst + q * 32, _mm512_i32gather_epi32(idx, base, 2));
  std::memset(dst + q * 32, 0, (kp / 2 - q) * 64);
  if (k & 1)
    for (size_t c = 0; c < 16; c++) dst[q * 32 + 2 * c] = base[c * k + k - 1];
}

// Rows r, r + 1 of the panel, 16 depths at a time: one gather of the 32-bit words
// (A[d][i0 + r], A[d][i0 + r + 1]), then the low and high halves are the two rows.
DS_AVX512BF16 void pack_at_avx512(const uint16_t* a, size_t lda, size_t k, size_t kp, size_t i0, uint16_t* dst) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                         _mm512_set1_epi32((int)lda));
  const size_t full = k / 16 * 16;
  for (size_t r = 0; r < 32; r += 2) {
    uint16_t* d0 = dst + r * kp;
    uint16_t* d1 = d0 + kp;
    for (size_t kk = 0; kk < full; kk += 16) {
      const __m512i w = _mm512_i32gather_epi32(idx, a + kk * lda + i0 + r, 2);
      _mm256_storeu_si256((__m256i*)(d0 + kk), _mm512_cvtepi32_epi16(w));
      _mm256_storeu_si256((__m256i*)(d1 + kk), _mm512_cvtepi32_epi16(_mm512_srli_epi32(w, 16)));
    }
    for (size_t kk = full; kk < k; kk++) {
      d0[kk] = a[kk * lda + i0 + r];
      d1[kk] = a[kk * lda + i0 + r + 1];
    }
    std::memset(d0 + k, 0, (kp - k) * 2);
    std::memset(d1 + k, 0, (kp - k) * 2);
  }
}

struct alignas(64) TileConfig {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

}  // namespace

Bf16BlockFn bf16_block_avx512() { return block_avx512; }
Bf16BlockFn bf16_block_amx() { return block_amx; }
Bf16StoreFn bf16_store_avx512() { return store_avx512; }
Bf16PackBFn bf16_pack_b_avx512() { return pack_b_avx512; }
Bf16PackBtFn bf16_pack_bt_avx512() { return pack_bt_avx512; }
Bf16PackAtFn bf16_pack_at_avx512() { return pack_at_avx512; }

DS_AMX void amx_begin() {
  TileConfig c;
  std::memset(&c, 0, sizeof c);
  c.palette = 1;
  for (int t = 0; t < 8; t++) {
    c.rows[t] = 16;
    c.colsb[t] = 64;
  }
  // Not _tile_loadconfig: GCC 12's macro tells the compiler it reads only 8 bytes of the
  // config, so the stores of the row and column sizes were dropped (tiles then fault).
  __asm__ volatile("ldtilecfg %0" ::"m"(c) : "memory");
}

DS_AMX void amx_end() { _tile_release(); }

}  // namespace ds

#else

namespace ds {
// Not x86-64: the run-time check never picks these.
Bf16BlockFn bf16_block_avx512() { return nullptr; }
Bf16BlockFn bf16_block_amx() { return nullptr; }
Bf16StoreFn bf16_store_avx512() { return nullptr; }
Bf16PackBFn bf16_pack_b_avx512() { return nullptr; }
Bf16PackBtFn bf16_pack_bt_avx512() { return nullptr; }
Bf16PackAtFn bf16_pack_at_avx512() { return nullptr; }
void amx_begin() {}
void amx_end() {}
}  // namespace ds

#endif
