#include "elementwise.h"

#include <cmath>
#include <type_traits>
#include <vector>

#include "js_convert.h"
#include "thread_pool.h"

namespace ds {
namespace {

// Items per thread below which splitting costs more than it saves.
constexpr size_t kGrainCheap = 1 << 15;
constexpr size_t kGrainMath = 1 << 12;

template <class T>
T round_half_even(T x) {
  return std::nearbyint(x);  // default rounding mode is to-nearest-even, as NumPy rounds
}

template <class T, class F>
void map1(const T* x, T* out, size_t n, size_t grain, F f) {
  parallel_for(n, grain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) out[i] = f(x[i]);
  });
}

template <class T>
void unary_t(int op, const T* x, T* o, size_t n) {
  const T zero = 0, one = 1;
  switch (op) {
    case U_NEG: return map1(x, o, n, kGrainCheap, [](T v) { return -v; });
    case U_ABS: return map1(x, o, n, kGrainCheap, [](T v) { return std::fabs(v); });
    case U_EXP: return map1(x, o, n, kGrainMath, [](T v) { return std::exp(v); });
    case U_LOG: return map1(x, o, n, kGrainMath, [](T v) { return std::log(v); });
    case U_SQRT: return map1(x, o, n, kGrainCheap, [](T v) { return std::sqrt(v); });
    case U_RSQRT: return map1(x, o, n, kGrainCheap, [=](T v) { return one / std::sqrt(v); });
    case U_SQUARE: return map1(x, o, n, kGrainCheap, [](T v) { return v * v; });
    case U_RECIPROCAL: return map1(x, o, n, kGrainCheap, [=](T v) { return one / v; });
    case U_RELU: return map1(x, o, n, kGrainCheap, [=](T v) { return v < zero ? zero : v; });  // NaN stays NaN
    case U_STEP: return map1(x, o, n, kGrainCheap, [=](T v) { return v > zero ? one : zero; });
    case U_SIGMOID:
      return map1(x, o, n, kGrainMath, [=](T v) {
        if (v >= zero) return one / (one + std::exp(-v));
        T e = std::exp(v);
        return e / (one + e);
      });
    case U_TANH: return map1(x, o, n, kGrainMath, [](T v) { return std::tanh(v); });
    case U_SIGN:
      return map1(x, o, n, kGrainCheap, [=](T v) { return v > zero ? one : v < zero ? -one : zero; });
    case U_FLOOR: return map1(x, o, n, kGrainCheap, [](T v) { return std::floor(v); });
    case U_ROUND: return map1(x, o, n, kGrainCheap, [](T v) { return round_half_even(v); });
    case U_SOFTPLUS:
      return map1(x, o, n, kGrainMath, [=](T v) {
        return v > zero ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
      });
    default: throw KernelError("unary: unknown op code");
  }
}

// JS Math.pow differs from C pow where the exponent is NaN or |base| is 1 with an infinite exponent.
template <class T>
T js_pow(T a, T b) {
  if (std::isnan(b)) return NAN;
  if (std::isinf(b) && std::fabs(a) == T(1)) return NAN;
  return std::pow(a, b);
}

template <class C>
C js_max(C a, C b) {
  return (a > b || std::isnan(a)) ? a : b;
}
template <class C>
C js_min(C a, C b) {
  return (a < b || std::isnan(a)) ? a : b;
}

// Arithmetic runs in the element type for floats (exact for + - * / on float inputs, as JS's
// double-then-round is) and in double then wraps for integer types, as a JS typed-array store does.
template <class T>
using Compute = std::conditional_t<std::is_floating_point_v<T>, T, double>;

template <class T, class O, class F>
void broadcast_run(const T* a, const T* b, O* out, const BroadcastLayout& L, F f) {
  const int r = L.rank;
  size_t total = 1;
  for (int d = 0; d < r; d++) total *= (size_t)L.shape[d];
  if (total == 0) return;
  const size_t last = (size_t)L.shape[r - 1];
  const int64_t al = L.aStr[r - 1], bl = L.bStr[r - 1];
  auto inner = [&](const T* pa, const T* pb, O* po, size_t cnt) {
    if (al == 1 && bl == 1) {
      for (size_t i = 0; i < cnt; i++) po[i] = f(pa[i], pb[i]);
    } else if (al == 1 && bl == 0) {
      const T bv = *pb;
      for (size_t i = 0; i < cnt; i++) po[i] = f(pa[i], bv);
    } else if (al == 0 && bl == 1) {
      const T av = *pa;
      for (size_t i = 0; i < cnt; i++) po[i] = f(av, pb[i]);
    } else {
      for (size_t i = 0; i < cnt; i++) po[i] = f(pa[(int64_t)i * al], pb[(int64_t)i * bl]);
    }
  };
  const size_t rows = total / last;
  if (rows == 1) {
    parallel_for(last, kGrainCheap, [&](size_t s, size_t e) {
      inner(a + (int64_t)s * al, b + (int64_t)s * bl, out + s, e - s);
    });
    return;
  }
  size_t rowGrain = kGrainCheap / last;
  parallel_for(rows, rowGrain < 1 ? 1 : rowGrain, [&](size_t r0, size_t r1) {
    // Unravel the first row index into a counter over the leading axes.
    std::vector<int64_t> ctr(r > 1 ? r - 1 : 1, 0);
    int64_t ai = 0, bi = 0;
    size_t rem = r0;
    for (int d = r - 2; d >= 0; d--) {
      size_t dim = (size_t)L.shape[d];
      ctr[d] = (int64_t)(rem % dim);
      rem /= dim;
      ai += ctr[d] * L.aStr[d];
      bi += ctr[d] * L.bStr[d];
    }
    for (size_t row = r0; row < r1; row++) {
      inner(a + ai, b + bi, out + row * last, last);
      for (int d = r - 2; d >= 0; d--) {
        ctr[d]++;
        ai += L.aStr[d];
        bi += L.bStr[d];
        if (ctr[d] < L.shape[d]) break;
        ai -= L.aStr[d] * L.shape[d];
        bi -= L.bStr[d] * L.shape[d];
        ctr[d] = 0;
      }
    }
  });
}

template <class T>
void binary_t(int op, const T* a, const T* b, const Buf& out, const BroadcastLayout& L) {
  using C = Compute<T>;
  if (op >= B_EQUAL) {
    if (out.dtype != DType::U8) throw KernelError("binary: comparisons write a bool (Uint8Array) output");
    uint8_t* o = out.as<uint8_t>();
    switch (op) {
      case B_EQUAL: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x == (C)y; });
      case B_NOT_EQUAL: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x != (C)y; });
      case B_GREATER: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x > (C)y; });
      case B_GREATER_EQUAL: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x >= (C)y; });
      case B_LESS: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x < (C)y; });
      case B_LESS_EQUAL: return broadcast_run(a, b, o, L, [](T x, T y) -> uint8_t { return (C)x <= (C)y; });
      default: throw KernelError("binary: unknown op code");
    }
  }
  T* o = out.as<T>();
  auto run = [&](auto fn) {
    if constexpr (std::is_floating_point_v<T>) {
      broadcast_run(a, b, o, L, fn);
    } else {
      broadcast_run(a, b, o, L, [fn](T x, T y) -> T { return js_store<T>(fn((C)x, (C)y)); });
    }
  };
  switch (op) {
    case B_ADD: return run([](C x, C y) { return x + y; });
    case B_SUB: return run([](C x, C y) { return x - y; });
    case B_MUL: return run([](C x, C y) { return x * y; });
    case B_DIV: return run([](C x, C y) { return x / y; });
    case B_POW: return run([](C x, C y) { return js_pow(x, y); });
    case B_MAXIMUM: return run([](C x, C y) { return js_max(x, y); });
    case B_MINIMUM: return run([](C x, C y) { return js_min(x, y); });
    default: throw KernelError("binary: unknown op code");
  }
}

}  // namespace

void unary(int op, const Buf& x, const Buf& out) {
  if (x.dtype != out.dtype) throw KernelError("unary: x and out must have the same dtype");
  if (out.len < x.len) throw KernelError("unary: out is shorter than x");
  if (x.dtype == DType::F32) unary_t(op, x.as<float>(), out.as<float>(), x.len);
  else if (x.dtype == DType::F64) unary_t(op, x.as<double>(), out.as<double>(), x.len);
  else throw KernelError("unary: expects a float array");
}

void clip(const Buf& x, double lo, double hi, const Buf& out) {
  if (x.dtype != out.dtype || out.len < x.len) throw KernelError("clip: out must match x");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* xs = x.as<T>();
    T* o = out.as<T>();
    const T l = (T)lo, h = (T)hi;
    // Compare in double as JS does, so a bound between two floats clips the same elements.
    map1(xs, o, x.len, kGrainCheap, [=](T v) { return (double)v < lo ? l : (double)v > hi ? h : v; });
  });
}

void binary(int op, const Buf& a, const Buf& b, const Buf& out, const BroadcastLayout& L) {
  if (a.dtype != b.dtype) throw KernelError("binary: a and b must share a dtype");
  if (op < B_EQUAL && out.dtype != a.dtype) throw KernelError("binary: out must have the inputs' dtype");
  // Bounds: the furthest element each array is read or written at.
  size_t total = 1;
  int64_t amax = 0, bmax = 0;
  for (int d = 0; d < L.rank; d++) {
    total *= (size_t)L.shape[d];
    if (L.shape[d] > 0) {
      amax += (L.shape[d] - 1) * L.aStr[d];
      bmax += (L.shape[d] - 1) * L.bStr[d];
    }
  }
  if (total == 0) return;
  if (out.len < total || (size_t)amax >= a.len || (size_t)bmax >= b.len || amax < 0 || bmax < 0)
    throw KernelError("binary: array lengths do not match the broadcast layout");
  dispatch_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    binary_t<T>(op, a.as<T>(), b.as<T>(), out, L);
  });
}

void cast(const Buf& x, const Buf& out) {
  if (out.len < x.len) throw KernelError("cast: out is shorter than x");
  dispatch_dtype(x.dtype, [&](auto stag) {
    using S = decltype(stag);
    dispatch_dtype(out.dtype, [&](auto dtag) {
      using D = decltype(dtag);
      const S* s = x.as<S>();
      D* d = out.as<D>();
      // Floats to ints truncate then wrap, as the reference's Math.trunc + typed-array store.
      parallel_for(x.len, kGrainCheap, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; i++) d[i] = js_store<D>((double)s[i]);
      });
    });
  });
}

}  // namespace ds

// ---- relu backward ----
namespace ds {

void relu_grad(const Buf& grad, const Buf& y, const Buf& out) {
  if (grad.dtype != y.dtype || grad.dtype != out.dtype || (grad.dtype != DType::F32 && grad.dtype != DType::F64))
    throw KernelError("reluGrad: arrays must share a float dtype");
  if (y.len < grad.len || out.len < grad.len) throw KernelError("reluGrad: arrays differ in length");
  dispatch_float(grad.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* g = grad.as<T>();
    const T* v = y.as<T>();
    T* o = out.as<T>();
    parallel_for(grad.len, 1 << 15, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) o[i] = g[i] * (v[i] > T(0) ? T(1) : T(0));
    });
  });
}

}  // namespace ds
