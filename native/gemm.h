// Batched GEMM with transposes and a fused bias + activation epilogue (the `matmul` kernel).
#pragma once
#include "activation.h"
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
  Act act = Act::Linear;
};

// out[b] = act(op(a[b]) @ op(b[b]) (+ bias)), all row-major; bias may be null; pre, when not null,
// also receives the values before the activation (laid out as out).
void matmul(const Buf& a, const Buf& b, const Buf& out, const Buf* bias, const Buf* pre, const MatmulArgs& p);

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
// may be null) and act are the matmul kernel's epilogue; pre (row stride ldc), when not null,
// receives the values before the activation.
template <class T>
void gemm_prepacked(const T* a, size_t lda, const PackedB<T>& b, T* c, size_t ldc, size_t m, bool accumulate,
                    const T* bias = nullptr, Act act = Act::Linear, T* pre = nullptr);

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
