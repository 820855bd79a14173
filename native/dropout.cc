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

template <class T>
void dropout_t(const T* x, uint32_t s0, uint32_t s1, uint64_t threshold, T keep, T* out, size_t n) {
  parallel_for(n, kGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
      const uint32_t bits = mix32(mix32((uint32_t)i ^ s0) ^ s1);
      out[i] = x[i] * ((uint64_t)bits >= threshold ? keep : T(0));
    }
  });
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
