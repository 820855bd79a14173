// The activations matmul and convolution fuse into their epilogues (and run on their own):
// relu, leaky_relu, gelu (exact and tanh), silu, with the derivatives their backward passes use.
#pragma once
#include <cmath>
#include <cstddef>

#include "dtype.h"

namespace ds {

// The codes of FUSED_ACTIVATION_CODE in src/backend/backend.ts (checked by the parity tests).
enum class Act : int { Linear = 0, Relu = 1, LeakyRelu = 2, Gelu = 3, GeluTanh = 4, Silu = 5 };

// Slope of the named 'leaky_relu' activation in the fused epilogues (Keras's default).
constexpr double kLeakyReluSlope = 0.2;

// The code as an Act, or a KernelError naming `what`.
Act act_from_code(double code, const char* what);

// Activations whose derivative needs the value before the activation (the others read its sign).
inline bool needs_pre_activation(Act a) { return a == Act::Gelu || a == Act::GeluTanh || a == Act::Silu; }

// The sigmoid written so neither branch overflows.
template <class T>
inline T sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// tanh-GELU's argument sqrt(2/pi) (z + 0.044715 z^3).
template <class T>
inline T gelu_tanh_inner(T z) {
  return T(0.79788456080286535588) * (z + T(0.044715) * z * z * z);
}

template <class T>
inline T activate(Act a, T z, T alpha) {
  switch (a) {
    case Act::Linear: return z;
    case Act::Relu: return z < T(0) ? T(0) : z;  // NaN stays NaN
    case Act::LeakyRelu: return z < T(0) ? alpha * z : z;
    // Phi(z) as erfc(-z / sqrt 2) / 2 and 0.5 (1 + tanh u) as sigmoid(2u): the same functions as
    // Keras's 1 + erf and 1 + tanh, without their cancellation for negative z in float32.
    case Act::Gelu: return T(0.5) * z * std::erfc(z * T(-0.70710678118654752440));
    case Act::GeluTanh: return z * sigmoid(T(2) * gelu_tanh_inner(z));
    case Act::Silu: return z * sigmoid(z);
  }
  return z;
}

template <class T>
inline T activation_derivative(Act a, T z, T alpha) {
  switch (a) {
    case Act::Linear: return T(1);
    case Act::Relu: return z > T(0) ? T(1) : T(0);
    case Act::LeakyRelu: return z > T(0) ? T(1) : alpha;
    case Act::Gelu:
      // Phi(z) + z phi(z).
      return T(0.5) * std::erfc(z * T(-0.70710678118654752440)) +
             z * T(0.39894228040143267794) * std::exp(T(-0.5) * z * z);
    case Act::GeluTanh: {
      // y = z s with s = sigmoid(2u): y' = s + z 2 s (1 - s) u'(z).
      const T s = sigmoid(T(2) * gelu_tanh_inner(z));
      return s + z * T(2) * s * (T(1) - s) * T(0.79788456080286535588) * (T(1) + T(3 * 0.044715) * z * z);
    }
    case Act::Silu: {
      const T s = sigmoid(z);
      return s * (T(1) + z * (T(1) - s));
    }
  }
  return T(1);
}

// How an epilogue applies `a`: relu inside the micro-kernel's (or Winograd's) store when the
// values before it are not wanted; any other activation, or relu with those values kept, as a
// pass over the finished rows (activate_rows).
struct EpilogueSplit {
  bool relu_in_store;
  bool rows_pass;
};
inline EpilogueSplit split_epilogue(Act a, bool keep_pre) {
  const bool relu = a == Act::Relu && !keep_pre;
  return {relu, keep_pre || (a != Act::Linear && !relu)};
}

// The epilogue's activation over `rows` rows of n values (row stride ld) of c, in place; pre, when
// not null, first receives the values (same strides). The activation is chosen once per call, not
// per element, so each loop is a plain map the compiler can unroll.
template <class T>
void activate_rows(Act a, T* c, size_t ld, size_t rows, size_t n, T* pre) {
  if (pre)
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < n; j++) pre[r * ld + j] = c[r * ld + j];
  auto run = [&](auto f) {
    for (size_t r = 0; r < rows; r++) {
      T* cr = c + r * ld;
      for (size_t j = 0; j < n; j++) cr[j] = f(cr[j]);
    }
  };
  const T alpha = T(kLeakyReluSlope);
  switch (a) {
    case Act::Linear: return;
    case Act::Relu: return run([](T z) { return activate(Act::Relu, z, T(0)); });
    case Act::LeakyRelu: return run([=](T z) { return activate(Act::LeakyRelu, z, alpha); });
    case Act::Gelu: return run([](T z) { return activate(Act::Gelu, z, T(0)); });
    case Act::GeluTanh: return run([](T z) { return activate(Act::GeluTanh, z, T(0)); });
    case Act::Silu: return run([](T z) { return activate(Act::Silu, z, T(0)); });
  }
}

// out = activation(x) (alpha: leaky_relu's slope); x and out may be the same array.
void activation(double code, const Buf& x, double alpha, const Buf& out);
// out = grad * activation'(x), x the value before the activation (relu, leaky_relu: or after).
void activation_grad(double code, const Buf& grad, const Buf& x, double alpha, const Buf& out);

}  // namespace ds
