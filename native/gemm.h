// Batched GEMM with transposes and a fused bias + relu epilogue (the `matmul` kernel).
#pragma once
#include "cpu_features.h"
#include "dtype.h"

namespace ds {

struct MatmulArgs {
  size_t batch, m, n, k;
  bool transA, transB;
  size_t aBatchStride, bBatchStride;
  bool relu;
};

// out[b] = op(a[b]) @ op(b[b]) (+ bias) (relu), all row-major; bias may be null.
void matmul(const Buf& a, const Buf& b, const Buf& out, const Buf* bias, const MatmulArgs& p);

// Chooses the float32 kernel family (capped at what the CPU has), so tests can run each path.
Isa set_gemm_isa(Isa want);
Isa gemm_isa();

}  // namespace ds
