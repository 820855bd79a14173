#include "layer_norm.h"

#include <cmath>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace ds {
namespace {

constexpr size_t kGrain = 1 << 13;

void check(const Buf& b, DType dt, size_t len, const char* what) {
  if (b.dtype != dt) throw KernelError(std::string("layerNorm: ") + what + " has another dtype than x");
  if (b.len < len) throw KernelError(std::string("layerNorm: ") + what + " is too short");
}

template <class T>
void forward_t(const T* x, const T* gamma, const T* beta, size_t rows, size_t n, double eps, T* out, T* mean, T* rstd) {
  parallel_for(rows, kGrain / (n + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const T* xr = x + r * n;
      T* o = out + r * n;
      double s = 0;
      for (size_t j = 0; j < n; j++) s += (double)xr[j];
      const double m = s / (double)n;
      double v = 0;
      for (size_t j = 0; j < n; j++) {
        const double d = (double)xr[j] - m;
        v += d * d;
      }
      const double inv = 1.0 / std::sqrt(v / (double)n + eps);
      mean[r] = (T)m;
      rstd[r] = (T)inv;
      for (size_t j = 0; j < n; j++) {
        double y = ((double)xr[j] - m) * inv;
        if (gamma) y *= (double)gamma[j];
        if (beta) y += (double)beta[j];
        o[j] = (T)y;
      }
    }
  });
}

template <class T>
void backward_t(const T* g, const T* x, const T* gamma, const T* mean, const T* rstd, size_t rows, size_t n, T* dx,
                T* dgamma, T* dbeta) {
  parallel_for(rows, kGrain / (n + 1) + 1, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; r++) {
      const T* gr = g + r * n;
      const T* xr = x + r * n;
      T* d = dx + r * n;
      const double m = (double)mean[r], inv = (double)rstd[r];
      double sg = 0, sgx = 0;
      for (size_t j = 0; j < n; j++) {
        const double gj = gamma ? (double)gr[j] * (double)gamma[j] : (double)gr[j];
        sg += gj;
        sgx += gj * ((double)xr[j] - m) * inv;
      }
      const double mg = sg / (double)n, mgx = sgx / (double)n;
      for (size_t j = 0; j < n; j++) {
        const double gj = gamma ? (double)gr[j] * (double)gamma[j] : (double)gr[j];
        const double xhat = ((double)xr[j] - m) * inv;
        d[j] = (T)(inv * (gj - mg - xhat * mgx));
      }
    }
  });
  if (!dgamma && !dbeta) return;
  // Column sums over rows, in double, row order (as the reference).
  std::vector<double> sgam(n, 0.0), sbet(n, 0.0);
  for (size_t r = 0; r < rows; r++) {
    const T* gr = g + r * n;
    const T* xr = x + r * n;
    const double m = (double)mean[r], inv = (double)rstd[r];
    for (size_t j = 0; j < n; j++) {
      sbet[j] += (double)gr[j];
      sgam[j] += (double)gr[j] * ((double)xr[j] - m) * inv;
    }
  }
  for (size_t j = 0; j < n; j++) {
    if (dgamma) dgamma[j] = (T)sgam[j];
    if (dbeta) dbeta[j] = (T)sbet[j];
  }
}

}  // namespace

void layer_norm(const Buf& x, const Buf* gamma, const Buf* beta, size_t rows, size_t n, double epsilon, const Buf& out,
                const Buf& mean, const Buf& rstd) {
  if (x.dtype != DType::F32 && x.dtype != DType::F64) throw KernelError("layerNorm: x must be float32 or float64");
  check(x, x.dtype, rows * n, "x");
  check(out, x.dtype, rows * n, "out");
  check(mean, x.dtype, rows, "mean");
  check(rstd, x.dtype, rows, "rstd");
  if (gamma) check(*gamma, x.dtype, n, "gamma");
  if (beta) check(*beta, x.dtype, n, "beta");
  if (x.dtype == DType::F32)
    forward_t<float>(x.as<float>(), gamma ? gamma->as<float>() : nullptr, beta ? beta->as<float>() : nullptr, rows, n,
                     epsilon, out.as<float>(), mean.as<float>(), rstd.as<float>());
  else
    forward_t<double>(x.as<double>(), gamma ? gamma->as<double>() : nullptr, beta ? beta->as<double>() : nullptr, rows,
                      n, epsilon, out.as<double>(), mean.as<double>(), rstd.as<double>());
}

void layer_norm_backward(const Buf& grad, const Buf& x, const Buf* gamma, const Buf& mean, const Buf& rstd, size_t rows,
                         size_t n, const Buf& dx, const Buf* dgamma, const Buf* dbeta) {
  if (x.dtype != DType::F32 && x.dtype != DType::F64) throw KernelError("layerNorm: x must be float32 or float64");
  check(x, x.dtype, rows * n, "x");
  check(grad, x.dtype, rows * n, "grad");
  check(dx, x.dtype, rows * n, "dx");
  check(mean, x.dtype, rows, "mean");
  check(rstd, x.dtype, rows, "rstd");
  if (gamma) check(*gamma, x.dtype, n, "gamma");
  if (dgamma) check(*dgamma, x.dtype, n, "dGamma");
  if (dbeta) check(*dbeta, x.dtype, n, "dBeta");
  if (x.dtype == DType::F32)
    backward_t<float>(grad.as<float>(), x.as<float>(), gamma ? gamma->as<float>() : nullptr, mean.as<float>(),
                      rstd.as<float>(), rows, n, dx.as<float>(), dgamma ? dgamma->as<float>() : nullptr,
                      dbeta ? dbeta->as<float>() : nullptr);
  else
    backward_t<double>(grad.as<double>(), x.as<double>(), gamma ? gamma->as<double>() : nullptr, mean.as<double>(),
                       rstd.as<double>(), rows, n, dx.as<double>(), dgamma ? dgamma->as<double>() : nullptr,
                       dbeta ? dbeta->as<double>() : nullptr);
}

}  // namespace ds
