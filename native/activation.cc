#include "activation.h"

#include <string>

#include "thread_pool.h"

namespace ds {

Act act_from_code(double code, const char* what) {
  if (!(code >= 0 && code <= 5) || code != (double)(int)code)
    throw KernelError(std::string(what) + ": unknown activation code " + std::to_string(code));
  return static_cast<Act>((int)code);
}

namespace {

// Elements per thread below which splitting costs more than it saves (erf and exp are ~10 ns).
constexpr size_t kGrain = 1 << 12;

void check(const Buf& a, const Buf& b, const Buf& out, const char* what) {
  if (a.dtype != out.dtype || b.dtype != out.dtype || (out.dtype != DType::F32 && out.dtype != DType::F64))
    throw KernelError(std::string(what) + ": arrays must share a float dtype");
  if (b.len < a.len || out.len < a.len) throw KernelError(std::string(what) + ": arrays differ in length");
}

}  // namespace

void activation(double code, const Buf& x, double alpha, const Buf& out) {
  const Act a = act_from_code(code, "activation");
  check(x, x, out, "activation");
  dispatch_float(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.as<T>();
    T* dst = out.as<T>();
    const T al = T(alpha);
    parallel_for(x.len, kGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) dst[i] = activate(a, src[i], al);
    });
  });
}

void activation_grad(double code, const Buf& grad, const Buf& x, double alpha, const Buf& out) {
  const Act a = act_from_code(code, "activationGrad");
  check(grad, x, out, "activationGrad");
  dispatch_float(grad.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* g = grad.as<T>();
    const T* z = x.as<T>();
    T* dst = out.as<T>();
    const T al = T(alpha);
    parallel_for(grad.len, kGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) dst[i] = g[i] * activation_derivative(a, z[i], al);
    });
  });
}

}  // namespace ds
