// Portable micro-kernels in plain C++ that the compiler auto-vectorises for whatever the build
// targets (SSE2 on baseline x86-64, NEON on ARM64). Also the float64 path.
#include "gemm_kernels.h"

namespace ds {
namespace {

template <class T, int MR, int NR>
void gemm_generic(size_t kc, const T* __restrict ap, const T* __restrict bp, T* c, size_t ldc, int m, int n, int flags,
                  const T* bias) {
  T acc[MR][NR] = {};
  for (size_t k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      const T a = ap[r];
      for (int j = 0; j < NR; j++) acc[r][j] += a * bp[j];
    }
    ap += MR;
    bp += NR;
  }
  store_tile(&acc[0][0], NR, c, ldc, m, n, flags, bias);
}

}  // namespace

MicroKernel<float> sgemm_kernel_generic() { return {4, 16, 256, gemm_generic<float, 4, 16>}; }
MicroKernel<double> dgemm_kernel_generic() { return {4, 8, 256, gemm_generic<double, 4, 8>}; }

}  // namespace ds
