#include "dropout.h"

#include <cmath>

#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 14;

// Chris Wellons' "lowbias32" mixer; two rounds keyed by the seeds give entry i's bits.
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x21f0aaadu;
  x ^= x >> 15;
  x *= 0x735a2d97u;
  x ^= x >> 15;
  return x;
}

// Compiled for AVX2 too (chosen at load time): the 32-bit multiplies of the hash vectorize there.
// Other targets (wasm32, ARM64) have no function multiversioning and build the one version.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DS_DROPOUT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DS_DROPOUT_CLONES
#endif
template <class T>
inline void dropout_range(const T* x, uint32_t s0, uint32_t s1, uint64_t threshold, T keep, T* out, size_t b, size_t e) {
  for (size_t i = b; i < e; i++) {
    const uint32_t bits = mix32(mix32((uint32_t)i ^ s0) ^ s1);
    out[i] = x[i] * ((uint64_t)bits >= threshold ? keep : T(0));
  }
}

DS_DROPOUT_CLONES void dropout_f32(const float* x, uint32_t s0, uint32_t s1, uint64_t threshold,
                                                                  float keep, float* out, size_t b, size_t e) {
  dropout_range(x, s0, s1, threshold, keep, out, b, e);
}

DS_DROPOUT_CLONES void dropout_f64(const double* x, uint32_t s0, uint32_t s1, uint64_t threshold,
                                                                  double keep, double* out, size_t b, size_t e) {
  dropout_range(x, s0, s1, threshold, keep, out, b, e);
}

void dropout_t(const float* x, uint32_t s0, uint32_t s1, uint64_t threshold, float keep, float* out, size_t n) {
  parallel_for(n, kGrain, [&](size_t b, size_t e) { dropout_f32(x, s0, s1, threshold, keep, out, b, e); });
}

void dropout_t(const double* x, uint32_t s0, uint32_t s1, uint64_t threshold, double keep, double* out, size_t n) {
  parallel_for(n, kGrain, [&](size_t b, size_t e) { dropout_f64(x, s0, s1, threshold, keep, out, b, e); });
}

}  // namespace

void dropout(const Buf& x, uint32_t seed0, uint32_t seed1, double rate, const Buf& out) {
  if (x.dtype != out.dtype || (x.dtype != DType::F32 && x.dtype != DType::F64))
    throw KernelError("dropout: x and out must share a float dtype");
  if (out.len < x.len) throw KernelError("dropout: out is shorter than x");
  if (!(rate >= 0 && rate < 1)) throw KernelError("dropout: rate must be in [0, 1)");
  const uint64_t threshold = (uint64_t)std::floor(rate * 4294967296.0);
  const double scale = 1 / (1 - rate);
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    dropout_t(x.as<T>(), seed0, seed1, threshold, (T)scale, out.as<T>(), x.len);
  });
}

}  // namespace ds
