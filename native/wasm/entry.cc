// WebAssembly entry point: the same kernels as the Node-API addon (native/addon.cc), behind one C
// export. The TypeScript side (src/backend/wasm/wasm-backend.ts) writes, in the module's memory,
// a table of array slots (byte offset, element count, dtype code; dtype 255 = null) and a
// Float64Array of scalars, then calls ds_call(kernel, slots, meta). Kernel numbers are the
// `enum Kernel` values below (MODULE_KERNELS on the TypeScript side); scalar layouts are the addon's `meta` layouts, with
// the scalars the addon takes as separate arguments appended in argument order.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cxxabi.h>
#include <typeinfo>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "../activation.h"
#include "../batch_norm.h"
#include "../conv.h"
#include "../dropout.h"
#include "../elementwise.h"
#include "../gemm.h"
#include "../layout.h"
#include "../optimizers.h"
#include "../recurrent.h"
#include "../reduce.h"
#include "../softmax.h"
#include "../attention.h"
#include "../layer_norm.h"
#include "../depthwise_conv.h"
#include "../thread_pool.h"
#include "../window.h"

#define DS_EXPORT extern "C" __attribute__((visibility("default"), used))

namespace {

using ds::Buf;
using ds::DType;

constexpr int kMaxRank = 64;
constexpr uint32_t kNull = 255;

// The last error's message, NUL-terminated, for ds_error().
char g_error[512];

// Each number is written out and matches MODULE_KERNELS in src/backend/wasm/wasm-backend.ts, so
// adding a kernel never renumbers the others.
enum Kernel {
  K_UNARY = 0, K_CLIP = 1, K_BINARY = 2, K_CAST = 3, K_REDUCE = 4, K_ARG_REDUCE = 5, K_MATMUL = 6,
  K_TRANSPOSE = 7, K_GATHER = 8, K_SCATTER_ADD = 9, K_IM2COL = 10, K_COL2IM = 11, K_CONV_FORWARD = 12,
  K_CONV_BACKWARD = 13, K_MAX_POOL = 14, K_MAX_POOL_GRAD = 15, K_SOFTMAX = 16, K_SOFTMAX_CROSS_ENTROPY = 17,
  K_DROPOUT = 18, K_RELU_GRAD = 19, K_ADAM = 20, K_SGD = 21, K_RMSPROP = 22, K_RNN_FORWARD = 23,
  K_RNN_BACKWARD = 24, K_BATCH_NORM_STATS = 25, K_CHANNEL_AFFINE = 26, K_BATCH_NORM_GRAD_SUMS = 27,
  K_BATCH_NORM_INPUT_GRAD = 28, K_LAYER_NORM = 40, K_LAYER_NORM_BACKWARD = 41, K_DEPTHWISE_CONV_FORWARD = 42,
  K_DEPTHWISE_CONV_BACKWARD = 43, K_ATTENTION = 44, K_ATTENTION_BACKWARD = 45, K_ACTIVATION = 46,
  K_ACTIVATION_GRAD = 47,
};

struct Args {
  const uint32_t* slots;
  const double* meta;

  bool has(int i) const { return slots[3 * i + 2] != kNull; }
  Buf buf(int i, const char* name) const {
    if (!has(i)) throw ds::KernelError(std::string(name) + " must be a typed array");
    Buf b;
    b.data = reinterpret_cast<void*>((uintptr_t)slots[3 * i]);
    b.len = slots[3 * i + 1];
    switch (slots[3 * i + 2]) {
      case 0: b.dtype = DType::F32; break;
      case 1: b.dtype = DType::F64; break;
      case 2: b.dtype = DType::I32; break;
      case 3: b.dtype = DType::U8; break;
      default: throw ds::KernelError(std::string(name) + ": unsupported dtype code");
    }
    return b;
  }
  // An optional array: null gives nullptr, else it is unpacked into `slot`.
  const Buf* opt(int i, const char* name, Buf& slot) const {
    if (!has(i)) return nullptr;
    slot = buf(i, name);
    return &slot;
  }
  double num(int i) const { return meta[i]; }
  size_t count(int i, const char* name) const {
    const double d = meta[i];
    if (!(d >= 0) || d != (double)(size_t)d) throw ds::KernelError(std::string(name) + " must be a non-negative integer");
    return (size_t)d;
  }
  uint32_t u32(int i, const char* name) const {
    const double d = meta[i];
    if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) throw ds::KernelError(std::string(name) + " must be a uint32");
    return (uint32_t)d;
  }
};

ds::WindowGeometry window_geometry(const Args& a, int at) {
  size_t v[14];
  for (int k = 0; k < 14; k++) v[k] = a.count(at + k, "window geometry");
  return ds::WindowGeometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
}

ds::MatmulArgs matmul_args(const Args& a) {
  ds::MatmulArgs p;
  p.batch = a.count(0, "matmul batch");
  p.m = a.count(1, "matmul m");
  p.n = a.count(2, "matmul n");
  p.k = a.count(3, "matmul k");
  p.transA = a.num(4) != 0;
  p.transB = a.num(5) != 0;
  p.aBatchStride = a.count(6, "matmul aBatchStride");
  p.bBatchStride = a.count(7, "matmul bBatchStride");
  p.act = ds::act_from_code(a.num(8), "matmul");
  return p;
}

ds::RnnArgs rnn_args(const Args& a) {
  for (int k = 0; k < 6; k++) a.count(k, "rnn meta");
  if (a.num(0) > 3 || a.num(4) > 3 || a.num(5) > 3) throw ds::KernelError("rnn: unknown cell or activation code");
  return ds::RnnArgs{(ds::RnnCell)(int)a.num(0), (size_t)a.num(1), (size_t)a.num(2), (size_t)a.num(3),
                     (ds::RnnAct)(int)a.num(4), (ds::RnnAct)(int)a.num(5)};
}

// meta: [batch, heads, tq, tk, dk, dv, scale, maskBatch]
ds::AttentionArgs attention_args(const Args& a) {
  return ds::AttentionArgs{a.count(0, "attention batch"), a.count(1, "attention heads"), a.count(2, "attention tq"),
                           a.count(3, "attention tk"),    a.count(4, "attention dk"),    a.count(5, "attention dv"),
                           a.num(6),                      a.count(7, "attention maskBatch")};
}

void run(int kernel, const Args& a) {
  Buf s0, s1, s2, s3, s4, s5;
  switch (kernel) {
    // slots: x, out; meta: [op]
    case K_UNARY: return ds::unary((int)a.num(0), a.buf(0, "x"), a.buf(1, "out"));
    // slots: x, out; meta: [lo, hi]
    case K_CLIP: return ds::clip(a.buf(0, "x"), a.num(0), a.num(1), a.buf(1, "out"));
    // slots: a, b, out; meta: [op, rank, shape..., aStrides..., bStrides...]
    case K_BINARY: {
      const int rank = (int)a.num(1);
      if (rank < 1 || rank > kMaxRank) throw ds::KernelError("binary: bad rank");
      int64_t shape[kMaxRank], as[kMaxRank], bs[kMaxRank];
      for (int d = 0; d < rank; d++) {
        shape[d] = (int64_t)a.num(2 + d);
        as[d] = (int64_t)a.num(2 + rank + d);
        bs[d] = (int64_t)a.num(2 + 2 * rank + d);
        if (shape[d] < 0 || as[d] < 0 || bs[d] < 0) throw ds::KernelError("binary: bad layout");
      }
      return ds::binary((int)a.num(0), a.buf(0, "a"), a.buf(1, "b"), a.buf(2, "out"),
                        ds::BroadcastLayout{rank, shape, as, bs});
    }
    case K_CAST: return ds::cast(a.buf(0, "x"), a.buf(1, "out"));
    // slots: x, out; meta: [op, outer, n, inner]
    case K_REDUCE:
      return ds::reduce((int)a.num(0), a.buf(0, "x"), a.count(1, "outer"), a.count(2, "n"), a.count(3, "inner"),
                        a.buf(1, "out"));
    case K_ARG_REDUCE:
      return ds::arg_reduce((int)a.num(0), a.buf(0, "x"), a.count(1, "outer"), a.count(2, "n"), a.count(3, "inner"),
                            a.buf(1, "out"));
    // slots: a, b, out, bias?, preActivation?; meta: the addon's matmul meta
    case K_MATMUL:
      return ds::matmul(a.buf(0, "a"), a.buf(1, "b"), a.buf(2, "out"), a.opt(3, "bias", s0),
                        a.opt(4, "preActivation", s1), matmul_args(a));
    // slots: x, out; meta: [rank, shape..., perm...]
    case K_TRANSPOSE: {
      const int rank = (int)a.num(0);
      if (rank < 0 || rank > kMaxRank) throw ds::KernelError("transpose: bad rank");
      int64_t shape[kMaxRank], perm[kMaxRank];
      for (int d = 0; d < rank; d++) {
        shape[d] = (int64_t)a.num(1 + d);
        perm[d] = (int64_t)a.num(1 + rank + d);
        if (shape[d] < 0) throw ds::KernelError("transpose: bad shape");
      }
      return ds::transpose(a.buf(0, "x"), rank, shape, perm, a.buf(1, "out"));
    }
    // slots: x, indices, out; meta: [outer, axisSize, inner]
    case K_GATHER:
      return ds::gather(a.buf(0, "x"), a.count(0, "outer"), a.count(1, "axisSize"), a.count(2, "inner"),
                        a.buf(1, "indices"), a.buf(2, "out"));
    case K_SCATTER_ADD:
      return ds::scatter_add(a.buf(0, "updates"), a.count(0, "outer"), a.count(1, "axisSize"), a.count(2, "inner"),
                             a.buf(1, "indices"), a.buf(2, "out"));
    // slots: x, out; meta: window geometry
    case K_IM2COL: return ds::im2col(a.buf(0, "x"), window_geometry(a, 0), a.buf(1, "out"));
    case K_COL2IM: return ds::col2im(a.buf(0, "cols"), window_geometry(a, 0), a.buf(1, "out"));
    // slots: x, kernel, bias?, out, preActivation?; meta: geometry, filters, activation code
    case K_CONV_FORWARD:
      return ds::conv_forward(a.buf(0, "x"), a.buf(1, "kernel"), a.opt(2, "bias", s0), window_geometry(a, 0),
                              a.count(14, "filters"), ds::act_from_code(a.num(15), "convForward"),
                              a.opt(4, "preActivation", s1), a.buf(3, "out"));
    // slots: x, kernel, y, grad, gx?, gKernel?, gBias?; meta: geometry, filters, activation code (0 or 1)
    case K_CONV_BACKWARD: {
      const ds::Act act = ds::act_from_code(a.num(15), "convBackward");
      if (act != ds::Act::Linear && act != ds::Act::Relu) throw ds::KernelError("convBackward: only linear and relu are fused");
      return ds::conv_backward(a.buf(0, "x"), a.buf(1, "kernel"), a.buf(2, "y"), a.buf(3, "grad"), window_geometry(a, 0),
                               a.count(14, "filters"), act == ds::Act::Relu, a.opt(4, "gx", s0), a.opt(5, "gKernel", s1),
                               a.opt(6, "gBias", s2));
    }
    // slots: x, kernel, out; meta: geometry, multiplier
    case K_DEPTHWISE_CONV_FORWARD:
      return ds::depthwise_conv_forward(a.buf(0, "x"), a.buf(1, "kernel"), window_geometry(a, 0),
                                        a.count(14, "multiplier"), a.buf(2, "out"));
    // slots: x, kernel, grad, gx?, gKernel?; meta: geometry, multiplier
    case K_DEPTHWISE_CONV_BACKWARD:
      return ds::depthwise_conv_backward(a.buf(0, "x"), a.buf(1, "kernel"), a.buf(2, "grad"), window_geometry(a, 0),
                                         a.count(14, "multiplier"), a.opt(3, "gx", s0), a.opt(4, "gKernel", s1));
    // slots: x, out, argmax; meta: geometry
    case K_MAX_POOL: return ds::max_pool(a.buf(0, "x"), window_geometry(a, 0), a.buf(1, "out"), a.buf(2, "argmax"));
    // slots: grad, argmax, out; meta: geometry
    case K_MAX_POOL_GRAD:
      return ds::max_pool_grad(a.buf(0, "grad"), a.buf(1, "argmax"), window_geometry(a, 0), a.buf(2, "out"));
    // slots: x, out; meta: [rows, n, log]
    case K_SOFTMAX:
      return ds::softmax(a.buf(0, "x"), a.count(0, "rows"), a.count(1, "n"), a.num(2) != 0, a.buf(1, "out"));
    // slots: logits, labels, loss, probs; meta: [rows, n]
    case K_SOFTMAX_CROSS_ENTROPY:
      return ds::softmax_cross_entropy(a.buf(0, "logits"), a.buf(1, "labels"), a.count(0, "rows"), a.count(1, "n"),
                                       a.buf(2, "loss"), a.buf(3, "probs"));
    // slots: x, gamma?, beta?, out, mean, rstd; meta: [rows, n, epsilon]
    case K_LAYER_NORM:
      return ds::layer_norm(a.buf(0, "x"), a.opt(1, "gamma", s0), a.opt(2, "beta", s1), a.count(0, "rows"),
                            a.count(1, "n"), a.num(2), a.buf(3, "out"), a.buf(4, "mean"), a.buf(5, "rstd"));
    // slots: grad, x, gamma?, mean, rstd, dx, dGamma?, dBeta?; meta: [rows, n]
    case K_LAYER_NORM_BACKWARD:
      return ds::layer_norm_backward(a.buf(0, "grad"), a.buf(1, "x"), a.opt(2, "gamma", s0), a.buf(3, "mean"),
                                     a.buf(4, "rstd"), a.count(0, "rows"), a.count(1, "n"), a.buf(5, "dx"),
                                     a.opt(6, "dGamma", s1), a.opt(7, "dBeta", s2));
    // slots: x, out; meta: [seed0, seed1, rate]
    case K_DROPOUT:
      return ds::dropout(a.buf(0, "x"), a.u32(0, "seed0"), a.u32(1, "seed1"), a.num(2), a.buf(1, "out"));
    // slots: grad, y, out
    case K_RELU_GRAD: return ds::relu_grad(a.buf(0, "grad"), a.buf(1, "y"), a.buf(2, "out"));
    // slots: x, out; meta: [act, alpha]
    case K_ACTIVATION: return ds::activation(a.num(0), a.buf(0, "x"), a.num(1), a.buf(1, "out"));
    // slots: grad, x, out; meta: [act, alpha]
    case K_ACTIVATION_GRAD:
      return ds::activation_grad(a.num(0), a.buf(0, "grad"), a.buf(1, "x"), a.num(1), a.buf(2, "out"));
    // slots: x, mean, variance; meta: [rows, channels]
    case K_BATCH_NORM_STATS:
      return ds::batch_norm_stats(a.buf(0, "x"), a.count(0, "rows"), a.count(1, "channels"), a.buf(1, "mean"),
                                  a.buf(2, "variance"));
    // slots: x, scale, shift, out; meta: [rows, channels, relu]
    case K_CHANNEL_AFFINE:
      return ds::channel_affine(a.buf(0, "x"), a.count(0, "rows"), a.count(1, "channels"), a.buf(1, "scale"),
                                a.buf(2, "shift"), a.num(2) != 0, a.buf(3, "out"));
    // slots: dy, x, center, sumDy, sumDyXc, reluScale?, reluShift?; meta: [rows, channels]
    case K_BATCH_NORM_GRAD_SUMS:
      return ds::batch_norm_grad_sums(a.buf(0, "dy"), a.buf(1, "x"), a.buf(2, "center"), a.count(0, "rows"),
                                      a.count(1, "channels"), a.buf(3, "sumDy"), a.buf(4, "sumDyXc"),
                                      {a.opt(5, "reluScale", s0), a.opt(6, "reluShift", s1)});
    // slots: dy, x, a, b, d, out, reluScale?, reluShift?; meta: [rows, channels]
    case K_BATCH_NORM_INPUT_GRAD:
      return ds::batch_norm_input_grad(a.buf(0, "dy"), a.buf(1, "x"), a.count(0, "rows"), a.count(1, "channels"),
                                       a.buf(2, "a"), a.buf(3, "b"), a.buf(4, "d"), a.buf(5, "out"),
                                       {a.opt(6, "reluScale", s0), a.opt(7, "reluShift", s1)});
    // slots: param, grad, m, v; meta: [lr, beta1, beta2, epsilon, step]
    case K_ADAM:
      return ds::adam_update(a.buf(0, "param"), a.buf(1, "grad"), a.buf(2, "m"), a.buf(3, "v"),
                             ds::AdamArgs{a.num(0), a.num(1), a.num(2), a.num(3), a.num(4)});
    // slots: param, grad, velocity?; meta: [lr, momentum, nesterov]
    case K_SGD:
      return ds::sgd_update(a.buf(0, "param"), a.buf(1, "grad"), a.opt(2, "velocity", s0),
                            ds::SgdArgs{a.num(0), a.num(1), a.num(2) != 0});
    // slots: param, grad, ms, mom?, mg?; meta: [lr, rho, momentum, epsilon, centered]
    case K_RMSPROP:
      return ds::rmsprop_update(a.buf(0, "param"), a.buf(1, "grad"), a.buf(2, "ms"), a.opt(3, "mom", s0),
                                a.opt(4, "mg", s1), ds::RmspropArgs{a.num(0), a.num(1), a.num(2), a.num(3), a.num(4) != 0});
    // slots: projected, recurrentKernel, recurrentBias?, recurrentMask?, stepMask?, hseq, cache; meta: rnn meta
    // slots: q, k, v, keep?, out, probs; meta: attention meta
    case K_ATTENTION:
      return ds::attention(a.buf(0, "q"), a.buf(1, "k"), a.buf(2, "v"), a.opt(3, "keep", s0), attention_args(a),
                           a.buf(4, "out"), a.buf(5, "probs"));
    // slots: q, k, v, keep?, probs, grad, dq, dk, dv; meta: attention meta
    case K_ATTENTION_BACKWARD:
      return ds::attention_backward(a.buf(0, "q"), a.buf(1, "k"), a.buf(2, "v"), a.opt(3, "keep", s0), a.buf(4, "probs"),
                                    a.buf(5, "grad"), attention_args(a), a.buf(6, "dq"), a.buf(7, "dk"), a.buf(8, "dv"));
    case K_RNN_FORWARD:
      return ds::rnn_forward(a.buf(0, "projected"), a.buf(1, "recurrentKernel"), a.opt(2, "recurrentBias", s0),
                             a.opt(3, "recurrentMask", s1), a.opt(4, "stepMask", s2), a.buf(5, "hseq"), a.buf(6, "cache"),
                             rnn_args(a));
    // slots: recurrentKernel, recurrentMask?, stepMask?, cache, dHseq?, dhLast?, dcLast?, dProjected,
    // dRecurrentKernel, dRecurrentBias?; meta: rnn meta
    case K_RNN_BACKWARD:
      return ds::rnn_backward(a.buf(0, "recurrentKernel"), a.opt(1, "recurrentMask", s0), a.opt(2, "stepMask", s1),
                              a.buf(3, "cache"), a.opt(4, "dHseq", s2), a.opt(5, "dhLast", s3), a.opt(6, "dcLast", s4),
                              a.buf(7, "dProjected"), a.buf(8, "dRecurrentKernel"), a.opt(9, "dRecurrentBias", s5),
                              rnn_args(a));
    default: throw ds::KernelError("unknown kernel number");
  }
}

}  // namespace

// Runs one kernel; returns 0, or 1 with the message in ds_error().
DS_EXPORT int ds_call(int kernel, const uint32_t* slots, const double* meta) {
  try {
    run(kernel, Args{slots, meta});
    return 0;
  } catch (const std::bad_alloc&) {
    std::snprintf(g_error, sizeof g_error, "out of memory in the module heap");
  } catch (const std::exception& e) {
    std::snprintf(g_error, sizeof g_error, "%s", e.what());
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    std::snprintf(g_error, sizeof g_error, "unexpected C++ exception %s", t ? t->name() : "null");
  }
  return 1;
}

DS_EXPORT const char* ds_error() { return g_error; }

// Module-heap allocation for the TypeScript side: resident tensor storage and call scratch.
// 64-byte alignment matches what the GEMM packers assume for their own buffers.
DS_EXPORT void* ds_malloc(size_t bytes) { return std::aligned_alloc(64, (bytes + 63) & ~(size_t)63); }
DS_EXPORT void ds_free(void* p) { std::free(p); }

DS_EXPORT int ds_num_threads() { return ds::num_threads(); }

// SHA-256 of the sources this module was built from (scripts/wasm-build.sh passes it), so a test
// can tell a committed module built from older kernels.
#ifndef DS_SOURCE_HASH
#define DS_SOURCE_HASH "unknown"
#endif
DS_EXPORT const char* ds_source_hash() { return DS_SOURCE_HASH; }
