// Micro-kernels: C[m x n] (+)= Ap[MR x kc] * Bp[kc x NR] on packed panels, with the epilogue
// (bias on the first k-block, relu on the last) fused into the store.
#pragma once
#include <cstddef>

namespace ds {

enum GemmFlags { G_ACCUM = 1, G_RELU = 2 };

template <class T>
using MicroKernelFn = void (*)(size_t kc, const T* ap, const T* bp, T* c, size_t ldc, int m, int n, int flags,
                               const T* bias);

// Packs a full NR-wide panel of op(B) = B^T (rows j0.. of B, depths k0..k0+kc) as kc rows of NR.
template <class T>
using PackBtFn = void (*)(const T* b, size_t ldb, size_t j0, size_t k0, size_t kc, T* dst);

// Packs a full MR-row micro-panel of op(A) (rows i0.., depths k0..k0+kc) as kc groups of MR;
// trans says A is stored transposed (op(A) = A^T, so each group is a contiguous run of a row).
template <class T>
using PackAFn = void (*)(const T* a, size_t lda, bool trans, size_t i0, size_t k0, size_t kc, T* dst);

template <class T>
struct MicroKernel {
  int mr;
  int nr;
  // Largest k-block, chosen so the A micro-panel stays in L1 and the packed B block in L2.
  int kc;
  MicroKernelFn<T> fn;
  // SIMD transpose-packer for B^T panels, or null for the portable one.
  PackBtFn<T> pack_bt = nullptr;
  // SIMD packer for full A micro-panels, or null for the portable one.
  PackAFn<T> pack_a = nullptr;
};

MicroKernel<float> sgemm_kernel_avx512();
MicroKernel<float> sgemm_kernel_avx2();
MicroKernel<float> sgemm_kernel_generic();
MicroKernel<double> dgemm_kernel_generic();

// Applies the fused epilogue to a tile computed into a scratch buffer (edge tiles).
template <class T>
inline void store_tile(const T* acc, int nr, T* c, size_t ldc, int m, int n, int flags, const T* bias) {
  for (int r = 0; r < m; r++) {
    T* cr = c + r * ldc;
    const T* ar = acc + r * nr;
    for (int j = 0; j < n; j++) {
      T v = ar[j];
      if (flags & G_ACCUM) v += cr[j];
      if (bias) v += bias[j];
      if ((flags & G_RELU) && v < T(0)) v = T(0);
      cr[j] = v;
    }
  }
}

}  // namespace ds
