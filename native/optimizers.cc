#include "optimizers.h"

#include <cmath>

#include "thread_pool.h"

// Multi-versioned so the hot float32 Adam loop runs 16- or 8-wide where the CPU allows,
// while the addon itself is built for baseline x86-64.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DS_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DS_SIMD_CLONES
#endif

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 15;

DS_SIMD_CLONES
void adam_f32(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, size_t n,
              float alpha, float b1c, float b2c, float eps) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * b1c;
    const float vi = v[i] + (gi * gi - v[i]) * b2c;
    m[i] = mi;
    v[i] = vi;
    p[i] -= alpha * mi / (std::sqrt(vi) + eps);
  }
}

void adam_f64(double* p, const double* g, double* m, double* v, size_t n, double alpha, double b1c, double b2c, double eps) {
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    const double mi = m[i] + (gi - m[i]) * b1c;
    const double vi = v[i] + (gi * gi - v[i]) * b2c;
    m[i] = mi;
    v[i] = vi;
    p[i] -= alpha * mi / (std::sqrt(vi) + eps);
  }
}

void need(bool ok, const char* msg) {
  if (!ok) throw KernelError(msg);
}

void check_state(const Buf& param, const Buf& other, const char* msg) {
  need(other.dtype == param.dtype && other.len >= param.len, msg);
}

}  // namespace

void adam_update(const Buf& param, const Buf& grad, const Buf& m, const Buf& v, const AdamArgs& a) {
  need(param.dtype == DType::F32 || param.dtype == DType::F64, "adamUpdate: param must be a float array");
  check_state(param, grad, "adamUpdate: grad must match param");
  check_state(param, m, "adamUpdate: m must match param");
  check_state(param, v, "adamUpdate: v must match param");
  // Keras folds bias correction into the step size.
  const double alpha = a.lr * std::sqrt(1 - std::pow(a.beta2, a.step)) / (1 - std::pow(a.beta1, a.step));
  const size_t n = param.len;
  if (param.dtype == DType::F32) {
    float *p = param.as<float>(), *mm = m.as<float>(), *vv = v.as<float>();
    const float* g = grad.as<float>();
    parallel_for(n, kGrain, [&](size_t b, size_t e) {
      adam_f32(p + b, g + b, mm + b, vv + b, e - b, (float)alpha, (float)(1 - a.beta1), (float)(1 - a.beta2), (float)a.epsilon);
    });
  } else {
    double *p = param.as<double>(), *mm = m.as<double>(), *vv = v.as<double>();
    const double* g = grad.as<double>();
    parallel_for(n, kGrain, [&](size_t b, size_t e) {
      adam_f64(p + b, g + b, mm + b, vv + b, e - b, alpha, 1 - a.beta1, 1 - a.beta2, a.epsilon);
    });
  }
}

void sgd_update(const Buf& param, const Buf& grad, const Buf* velocity, const SgdArgs& a) {
  need(param.dtype == DType::F32 || param.dtype == DType::F64, "sgdUpdate: param must be a float array");
  check_state(param, grad, "sgdUpdate: grad must match param");
  if (velocity) check_state(param, *velocity, "sgdUpdate: velocity must match param");
  dispatch_float(param.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = param.as<T>();
    const T* g = grad.as<T>();
    const T lr = (T)a.lr, mu = (T)a.momentum;
    if (!velocity) {
      parallel_for(param.len, kGrain, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; i++) p[i] -= lr * g[i];
      });
      return;
    }
    T* vel = velocity->as<T>();
    const bool nesterov = a.nesterov;
    parallel_for(param.len, kGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) {
        const T gi = g[i];
        const T vi = mu * vel[i] - lr * gi;
        vel[i] = vi;
        p[i] += nesterov ? mu * vi - lr * gi : vi;
      }
    });
  });
}

void rmsprop_update(const Buf& param, const Buf& grad, const Buf& ms, const Buf* mom, const Buf* mg, const RmspropArgs& a) {
  need(param.dtype == DType::F32 || param.dtype == DType::F64, "rmspropUpdate: param must be a float array");
  check_state(param, grad, "rmspropUpdate: grad must match param");
  check_state(param, ms, "rmspropUpdate: ms must match param");
  const bool centered = a.centered && mg;
  const bool useMom = a.momentum > 0 && mom;
  if (centered) check_state(param, *mg, "rmspropUpdate: mg must match param");
  if (useMom) check_state(param, *mom, "rmspropUpdate: mom must match param");
  dispatch_float(param.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = param.as<T>();
    const T* g = grad.as<T>();
    T* s = ms.as<T>();
    T* mgp = centered ? mg->as<T>() : nullptr;
    T* mo = useMom ? mom->as<T>() : nullptr;
    // Double inside: centered mode subtracts two close numbers, where float would lose digits.
    const double rho = a.rho, lr = a.lr, mu = a.momentum, eps = a.epsilon;
    parallel_for(param.len, kGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) {
        const double gi = g[i];
        const double msi = rho * s[i] + (1 - rho) * gi * gi;
        s[i] = (T)msi;
        double denom = msi;
        if (centered) {
          const double mgi = rho * mgp[i] + (1 - rho) * gi;
          mgp[i] = (T)mgi;
          denom = msi - mgi * mgi;
        }
        const double step = lr * gi / std::sqrt(denom + eps);
        if (useMom) {
          const double mi = mu * mo[i] + step;
          mo[i] = (T)mi;
          p[i] = (T)(p[i] - mi);
        } else {
          p[i] = (T)(p[i] - step);
        }
      }
    });
  });
}

}  // namespace ds
