// Inference plans: a chain of float32 layers (Dense, Conv2D, MaxPooling2D, relu, softmax) run in
// one native call, with no autograd records and no per-call allocation once warm. Conv kernels
// stay transformed (Winograd) or packed between calls; Dense kernels are read in place.
#pragma once
#include <napi.h>

#include <cstddef>

namespace ds {

// Registers inferCreate(meta) -> plan and inferRun(plan, weights, x, n, out) on the addon.
void register_infer(Napi::Env env, Napi::Object exports);

// out [rows, n] = act(x [rows, k] (row stride lda) @ w [k, n] + bias), w row-major and read in
// place, for a few rows (small batches), split over columns between threads. act: 0 linear,
// 1 relu. Exposed for the parity tests.
void dense_small(const float* x, size_t lda, size_t rows, const float* w, size_t k, size_t n, const float* bias,
                 bool relu, float* out);

}  // namespace ds
