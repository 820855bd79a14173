// Batched GEMM with transposes and a fused bias + relu epilogue (the `matmul` kernel).
#pragma once
#include "cpu_features.h"
#include "dtype.h"
#include "gemm_kernels.h"

#include <cstddef>
#include <memory>

namespace ds {

struct MatmulArgs {
  size_t batch, m, n, k;
  bool transA, transB;
  size_t aBatchStride, bBatchStride;
  bool relu;
};

// out[b] = op(a[b]) @ op(b[b]) (+ bias) (relu), all row-major; bias may be null.
void matmul(const Buf& a, const Buf& b, const Buf& out, const Buf* bias, const MatmulArgs& p);

// op(B) [k, n] packed once into the micro-kernel's panel layout, for many products against the
// same operand (a recurrent kernel used at every step of a sequence). b[kk][j] is read at
// b + kk * ldb + j, or (transB) at b + j * ldb + kk, so a column block of a wider matrix packs too.
template <class T>
struct PackedB {
  PackedB(const T* b, size_t ldb, size_t k, size_t n, bool transB);
  size_t k, n, kc, panels;
  MicroKernel<T> uk;
  // k-blocks of `panels` panels of kc x NR, zero padded, 64-byte aligned for the kernels' loads.
  std::unique_ptr<T, void (*)(void*)> data;
};

// c [m, n] = a [m, k] @ packed (+= when accumulate) on the calling thread, a row-major with row
// stride lda and c with ldc; callers split rows between threads themselves. bias (added once,
// may be null) and relu are the matmul kernel's epilogue.
template <class T>
void gemm_prepacked(const T* a, size_t lda, const PackedB<T>& b, T* c, size_t ldc, size_t m, bool accumulate,
                    const T* bias = nullptr, bool relu = false);

// c [m, n] = op(a) [m, k] @ op(b) [k, n] (+= when accumulate) on the calling thread, for kernels
// that split work between threads themselves. op(a)[i][kk] is a[i * lda + kk], or (transA)
// a[kk * lda + i]; likewise for b.
template <class T>
void gemm_serial(const T* a, size_t lda, bool transA, const T* b, size_t ldb, bool transB, T* c, size_t ldc, size_t m,
                 size_t n, size_t k, bool accumulate);

// Chooses the float32 kernel family (capped at what the CPU has), so tests can run each path.
Isa set_gemm_isa(Isa want);
Isa gemm_isa();

}  // namespace ds
