#include "exp_shifted.h"

#include <atomic>
#include <cmath>

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DS_EXP_X86 1
#endif

namespace ds {
namespace {

std::atomic<bool> g_simd{true};

template <class T>
double exp_shifted_scalar(const T* x, size_t n, T shift, T* e) {
  double sum = 0;
  for (size_t j = 0; j < n; j++) {
    const T v = std::exp(x[j] - shift);
    e[j] = v;
    sum += (double)v;
  }
  return sum;
}

#if defined(DS_EXP_X86)
#define DS_AVX2 __attribute__((target("avx2,fma")))

// exp(v) = 2^k p(r): k = round(v log2 e), r = v - k ln 2 with ln 2 in two parts (Cody and Waite),
// so |r| <= ln 2 / 2, and p the Taylor polynomial of degree 7 (remainder below 6e-9 there). 2^k is
// applied as two powers 2^(k/2) and 2^(k - k/2), each a normal float for |k| <= 252, so results
// near the ends of the range overflow or go subnormal through the multiplication itself.
DS_AVX2 inline __m256 exp8(__m256 v) {
  const __m256 x = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(89.0f));
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1);
  const __m256i k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  const __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  // NaN in, NaN out (the clamps above would have turned it into a number).
  return _mm256_blendv_ps(y, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

DS_AVX2 double exp_shifted_avx2(const float* x, size_t n, float shift, float* e) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 y = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), s));
    _mm256_storeu_ps(e + j, y);
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(y)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1)));
  }
  alignas(32) double part[4];
  _mm256_store_pd(part, _mm256_add_pd(lo, hi));
  double sum = (part[0] + part[1]) + (part[2] + part[3]);
  if (j < n) {
    // The tail through the same polynomial, so a row's values do not depend on their position.
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = j; i < n; i++) buf[i - j] = x[i] - shift;
    _mm256_store_ps(buf, exp8(_mm256_load_ps(buf)));
    for (size_t i = j; i < n; i++) {
      e[i] = buf[i - j];
      sum += (double)buf[i - j];
    }
  }
  return sum;
}
#endif

bool simd_available() {
#if defined(DS_EXP_X86)
  return detected_isa() >= Isa::Avx2;
#else
  return false;
#endif
}

}  // namespace

bool set_exp_simd(bool want) {
  g_simd.store(want && simd_available(), std::memory_order_relaxed);
  return g_simd.load(std::memory_order_relaxed);
}

double exp_shifted(const float* x, size_t n, float shift, float* e) {
#if defined(DS_EXP_X86)
  static const bool available = simd_available();
  if (available && g_simd.load(std::memory_order_relaxed)) return exp_shifted_avx2(x, n, shift, e);
#endif
  return exp_shifted_scalar(x, n, shift, e);
}

double exp_shifted(const double* x, size_t n, double shift, double* e) { return exp_shifted_scalar(x, n, shift, e); }

}  // namespace ds
