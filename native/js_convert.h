// Stores a double into an element type the way a JS typed-array write does, so native results
// match the reference backend bit for bit on integer outputs (ToInt32 / ToUint8 wrap modulo 2^n).
#pragma once
#include <cmath>
#include <cstdint>

namespace ds {

inline uint32_t js_to_uint32(double d) {
  if (!std::isfinite(d)) return 0;
  double t = std::trunc(d);
  if (t >= 0 && t < 4294967296.0) return (uint32_t)t;
  double m = std::fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (uint32_t)m;
}

template <class T>
inline T js_store(double d) {
  return (T)d;
}
template <>
inline float js_store<float>(double d) {
  return (float)d;
}
template <>
inline int32_t js_store<int32_t>(double d) {
  if (d >= -2147483648.0 && d < 2147483648.0) return (int32_t)d;  // truncates toward zero
  return (int32_t)js_to_uint32(d);
}
template <>
inline uint8_t js_store<uint8_t>(double d) {
  if (d >= 0 && d < 256.0) return (uint8_t)d;
  return (uint8_t)(js_to_uint32(d) & 0xFF);
}

}  // namespace ds
