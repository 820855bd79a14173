#include "recurrent.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gemm.h"
#include "thread_pool.h"

namespace ds {
namespace {

// The kernels' body, once per instruction set. The target pragma makes every function defined in
// the included file (templates included) an AVX2 + FMA function; they run only after the CPU check.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DS_RNN_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace rnn_avx2 {
#include "recurrent_steps.h"
}  // namespace rnn_avx2
#pragma GCC pop_options
#endif
namespace rnn_base {
#include "recurrent_steps.h"
}  // namespace rnn_base
#ifndef DS_RNN_AVX2
namespace rnn_avx2 = rnn_base;  // never chosen: use_avx2() is false
#endif

// Follows the GEMM's kernel family (capped at the CPU's), so tests can run both builds.
bool use_avx2() {
#ifdef DS_RNN_AVX2
  return gemm_isa() != Isa::Generic;
#else
  return false;
#endif
}

size_t gates(RnnCell c) { return c == RnnCell::Simple ? 1 : c == RnnCell::Lstm ? 4 : 3; }
size_t planes(RnnCell c) {
  return c == RnnCell::Simple ? 2 : c == RnnCell::Lstm ? 7 : c == RnnCell::Gru ? 6 : 5;
}

void check(bool ok, const char* what) {
  if (!ok) throw KernelError(what);
}

void check_float(const Buf& ref, const Buf* b, const char* op) {
  if (b && b->dtype != ref.dtype) throw KernelError(std::string(op) + ": expects float arrays of one dtype");
}

}  // namespace

void rnn_forward(const Buf& projected, const Buf& kernel, const Buf* bias, const Buf* mask, const Buf* stepMask,
                 const Buf& hseq, const Buf& cache, const RnnArgs& p) {
  const DType d = projected.dtype;
  check(d == DType::F32 || d == DType::F64, "rnnForward: expects float arrays");
  for (const Buf* b : {&kernel, bias, mask, stepMask, &hseq, &cache}) check_float(projected, b, "rnnForward");
  const size_t B = p.batch, Tn = p.time, u = p.units, gu = gates(p.cell) * u;
  check(projected.len >= B * Tn * gu && kernel.len >= u * gu && hseq.len >= B * Tn * u &&
            cache.len >= planes(p.cell) * B * Tn * u && (!mask || mask->len >= B * u) && (!bias || bias->len >= gu) &&
            (!stepMask || stepMask->len >= B * Tn),
        "rnnForward: arrays are shorter than the layout");
  check(!bias || p.cell == RnnCell::Gru, "rnnForward: only the gru cell takes a recurrent bias");
  if (B == 0 || Tn == 0 || u == 0) return;
  dispatch_float(d, [&](auto tag) {
    using T = decltype(tag);
    auto fwd = use_avx2() ? &rnn_avx2::forward_t<T> : &rnn_base::forward_t<T>;
    fwd(projected.as<T>(), kernel.as<T>(), bias ? bias->as<T>() : nullptr, mask ? mask->as<T>() : nullptr,
                 stepMask ? stepMask->as<T>() : nullptr, hseq.as<T>(), cache.as<T>(), p);
  });
}

void rnn_backward(const Buf& kernel, const Buf* mask, const Buf* stepMask, const Buf& cache, const Buf* dHseq, const Buf* dhLast,
                  const Buf* dcLast, const Buf& dProjected, const Buf& dKernel, const Buf* dBias, const RnnArgs& p) {
  const DType d = kernel.dtype;
  check(d == DType::F32 || d == DType::F64, "rnnBackward: expects float arrays");
  for (const Buf* b : {mask, stepMask, &cache, dHseq, dhLast, dcLast, &dProjected, &dKernel, dBias})
    check_float(kernel, b, "rnnBackward");
  const size_t B = p.batch, Tn = p.time, u = p.units, gu = gates(p.cell) * u;
  check(kernel.len >= u * gu && cache.len >= planes(p.cell) * B * Tn * u && dProjected.len >= B * Tn * gu &&
            dKernel.len >= u * gu && (!mask || mask->len >= B * u) && (!dHseq || dHseq->len >= B * Tn * u) &&
            (!dhLast || dhLast->len >= B * u) && (!dcLast || dcLast->len >= B * u) && (!dBias || dBias->len >= gu) &&
            (!stepMask || stepMask->len >= B * Tn),
        "rnnBackward: arrays are shorter than the layout");
  check(!dBias || p.cell == RnnCell::Gru, "rnnBackward: only the gru cell has a recurrent bias");
  check(!dcLast || p.cell == RnnCell::Lstm, "rnnBackward: only the lstm cell has a c state");
  if (B == 0 || Tn == 0 || u == 0) {
    // No steps: the weight gradients are sums over nothing. They are outputs (overwritten, not added
    // into), so write the zeros rather than leave the caller's values, as the reference does.
    std::memset(dKernel.data, 0, u * gu * dtype_size(d));
    if (dBias) std::memset(dBias->data, 0, gu * dtype_size(d));
    return;
  }
  auto ptr = [](const Buf* b, auto tag) { return b ? b->as<decltype(tag)>() : nullptr; };
  dispatch_float(d, [&](auto tag) {
    using T = decltype(tag);
    auto bwd = use_avx2() ? &rnn_avx2::backward_t<T> : &rnn_base::backward_t<T>;
    bwd(kernel.as<T>(), ptr(mask, tag), ptr(stepMask, tag), cache.as<T>(), ptr(dHseq, tag), ptr(dhLast, tag), ptr(dcLast, tag),
                  dProjected.as<T>(), dKernel.as<T>(), ptr(dBias, tag), p);
  });
}

}  // namespace ds
