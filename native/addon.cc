// Node-API entry point: unpacks JS arguments (typed arrays are used in place, no copies) and
// calls the kernels. Argument order mirrors the Backend interface; the TS adapter packs shapes
// and matmul parameters into a reused Float64Array `meta`.
#include <napi.h>

#include <string>

#include "activation.h"
#include "batch_norm.h"
#include "bf16_binding.h"
#include "conv.h"
#include "cpu_features.h"
#include "dropout.h"
#include "elementwise.h"
#include "exp_shifted.h"
#include "gemm.h"
#include "infer.h"
#include "layout.h"
#include "openblas.h"
#include "optimizers.h"
#include "recurrent.h"
#include "reduce.h"
#include "softmax.h"
#include "attention.h"
#include "layer_norm.h"
#include "depthwise_conv.h"
#include "thread_pool.h"
#include "window.h"

namespace {

using ds::Buf;
using ds::DType;

constexpr int kMaxRank = 64;

Buf to_buf(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_env env = info.Env();
  napi_value v = info[i];
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a typed array");
  napi_typedarray_type t;
  size_t len = 0;
  void* data = nullptr;
  // `data` already points at the view's first element (byteOffset applied), so subarrays work.
  if (napi_get_typedarray_info(env, v, &t, &len, &data, nullptr, nullptr) != napi_ok)
    throw Napi::TypeError::New(info.Env(), std::string(name) + ": cannot read typed array");
  Buf b;
  b.data = data;
  b.len = len;
  switch (t) {
    case napi_float32_array: b.dtype = DType::F32; break;
    case napi_float64_array: b.dtype = DType::F64; break;
    case napi_int32_array: b.dtype = DType::I32; break;
    case napi_uint8_array:
    case napi_uint8_clamped_array: b.dtype = DType::U8; break;
    default: throw Napi::TypeError::New(info.Env(), std::string(name) + ": unsupported typed array type");
  }
  return b;
}

bool is_nullish(const Napi::CallbackInfo& info, size_t i) { return info[i].IsNull() || info[i].IsUndefined(); }

double num(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

size_t count(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = num(info, i, name);
  if (!(d >= 0) || d != (double)(size_t)d) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a non-negative integer");
  return (size_t)d;
}

const double* meta(const Napi::CallbackInfo& info, size_t i, size_t need) {
  Buf m = to_buf(info, i, "meta");
  if (m.dtype != DType::F64 || m.len < need) throw Napi::TypeError::New(info.Env(), "meta must be a Float64Array large enough");
  return m.as<double>();
}

// Runs a kernel, turning its errors into JS exceptions.
template <class F>
Napi::Value guard(const Napi::CallbackInfo& info, F&& f) {
  try {
    f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("deepscript native: ") + e.what());
  }
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::unary((int)num(info, 0, "op"), to_buf(info, 1, "x"), to_buf(info, 2, "out")); });
}

Napi::Value Clip(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::clip(to_buf(info, 0, "x"), num(info, 1, "lo"), num(info, 2, "hi"), to_buf(info, 3, "out")); });
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 4, 1);
    const int rank = (int)m[0];
    if (rank < 1 || rank > kMaxRank) throw ds::KernelError("binary: bad rank");
    meta(info, 4, 1 + 3 * (size_t)rank);
    int64_t shape[kMaxRank], as[kMaxRank], bs[kMaxRank];
    for (int d = 0; d < rank; d++) {
      shape[d] = (int64_t)m[1 + d];
      as[d] = (int64_t)m[1 + rank + d];
      bs[d] = (int64_t)m[1 + 2 * rank + d];
      if (shape[d] < 0 || as[d] < 0 || bs[d] < 0) throw ds::KernelError("binary: bad layout");
    }
    ds::binary((int)num(info, 0, "op"), to_buf(info, 1, "a"), to_buf(info, 2, "b"), to_buf(info, 3, "out"),
               ds::BroadcastLayout{rank, shape, as, bs});
  });
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::cast(to_buf(info, 0, "x"), to_buf(info, 1, "out")); });
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::reduce((int)num(info, 0, "op"), to_buf(info, 1, "x"), count(info, 2, "outer"), count(info, 3, "n"),
               count(info, 4, "inner"), to_buf(info, 5, "out"));
  });
}

Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::arg_reduce((int)num(info, 0, "op"), to_buf(info, 1, "x"), count(info, 2, "outer"), count(info, 3, "n"),
                   count(info, 4, "inner"), to_buf(info, 5, "out"));
  });
}

ds::MatmulArgs matmul_args(const double* m) {
  ds::MatmulArgs p;
  for (int i : {0, 1, 2, 3, 6, 7})
    if (!(m[i] >= 0) || m[i] != (double)(size_t)m[i]) throw ds::KernelError("matmul: sizes must be non-negative integers");
  p.batch = (size_t)m[0];
  p.m = (size_t)m[1];
  p.n = (size_t)m[2];
  p.k = (size_t)m[3];
  p.transA = m[4] != 0;
  p.transB = m[5] != 0;
  p.aBatchStride = (size_t)m[6];
  p.bBatchStride = (size_t)m[7];
  p.act = ds::act_from_code(m[8], "matmul");
  return p;
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf bias, pre;
    const bool hasBias = !is_nullish(info, 3), hasPre = !is_nullish(info, 4);
    if (hasBias) bias = to_buf(info, 3, "bias");
    if (hasPre) pre = to_buf(info, 4, "preActivation");
    ds::matmul(to_buf(info, 0, "a"), to_buf(info, 1, "b"), to_buf(info, 2, "out"), hasBias ? &bias : nullptr,
               hasPre ? &pre : nullptr, matmul_args(meta(info, 5, 9)));
  });
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 2, 1);
    const int rank = (int)m[0];
    if (rank < 0 || rank > kMaxRank) throw ds::KernelError("transpose: bad rank");
    meta(info, 2, 1 + 2 * (size_t)rank);
    int64_t shape[kMaxRank], perm[kMaxRank];
    for (int d = 0; d < rank; d++) {
      shape[d] = (int64_t)m[1 + d];
      perm[d] = (int64_t)m[1 + rank + d];
      if (shape[d] < 0) throw ds::KernelError("transpose: bad shape");
    }
    ds::transpose(to_buf(info, 0, "x"), rank, shape, perm, to_buf(info, 1, "out"));
  });
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::gather(to_buf(info, 0, "x"), count(info, 1, "outer"), count(info, 2, "axisSize"), count(info, 3, "inner"),
               to_buf(info, 4, "indices"), to_buf(info, 5, "out"));
  });
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::scatter_add(to_buf(info, 0, "updates"), count(info, 1, "outer"), count(info, 2, "axisSize"),
                    count(info, 3, "inner"), to_buf(info, 4, "indices"), to_buf(info, 5, "out"));
  });
}

// meta = [n, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW].
ds::WindowGeometry window_geometry(const Napi::CallbackInfo& info, size_t i) {
  const double* m = meta(info, i, 14);
  size_t v[14];
  for (int k = 0; k < 14; k++) {
    if (!(m[k] >= 0) || m[k] != (double)(size_t)m[k]) throw ds::KernelError("window geometry must be non-negative integers");
    v[k] = (size_t)m[k];
  }
  return ds::WindowGeometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
}

Napi::Value Im2col(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::im2col(to_buf(info, 0, "x"), window_geometry(info, 2), to_buf(info, 1, "out")); });
}

Napi::Value Col2im(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::col2im(to_buf(info, 0, "cols"), window_geometry(info, 2), to_buf(info, 1, "out")); });
}

// Conv meta = window geometry (14 values), then filters and the activation code (backward: 0 or 1).
size_t conv_filters(const double* m) {
  if (!(m[14] >= 0) || m[14] != (double)(size_t)m[14]) throw ds::KernelError("conv: filters must be a non-negative integer");
  return (size_t)m[14];
}

// convBackward masks by relu itself; other activations' gradients are applied before it.
bool conv_backward_relu(const double* m) {
  const ds::Act a = ds::act_from_code(m[15], "convBackward");
  if (a != ds::Act::Linear && a != ds::Act::Relu) throw ds::KernelError("convBackward: only linear and relu are fused");
  return a == ds::Act::Relu;
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 5, 16);
    Buf bias, pre;
    const bool hasBias = !is_nullish(info, 2), hasPre = !is_nullish(info, 4);
    if (hasBias) bias = to_buf(info, 2, "bias");
    if (hasPre) pre = to_buf(info, 4, "preActivation");
    ds::conv_forward(to_buf(info, 0, "x"), to_buf(info, 1, "kernel"), hasBias ? &bias : nullptr,
                     window_geometry(info, 5), conv_filters(m), ds::act_from_code(m[15], "convForward"),
                     hasPre ? &pre : nullptr, to_buf(info, 3, "out"));
  });
}

// (x, kernel, y, grad, gx | null, gKernel | null, gBias | null, meta)
Napi::Value ConvBackward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 7, 16);
    Buf out[3];
    const char* names[3] = {"gx", "gKernel", "gBias"};
    bool has[3];
    for (int i = 0; i < 3; i++) {
      has[i] = !is_nullish(info, 4 + i);
      if (has[i]) out[i] = to_buf(info, 4 + i, names[i]);
    }
    ds::conv_backward(to_buf(info, 0, "x"), to_buf(info, 1, "kernel"), to_buf(info, 2, "y"), to_buf(info, 3, "grad"),
                      window_geometry(info, 7), conv_filters(m), conv_backward_relu(m), has[0] ? &out[0] : nullptr,
                      has[1] ? &out[1] : nullptr, has[2] ? &out[2] : nullptr);
  });
}

// Depthwise meta = window geometry (14 values), then the depth multiplier.
size_t depthwise_multiplier(const double* m) {
  if (!(m[14] >= 1) || m[14] != (double)(size_t)m[14])
    throw ds::KernelError("depthwiseConv: multiplier must be a positive integer");
  return (size_t)m[14];
}

// (x, kernel, out, meta)
Napi::Value DepthwiseConvForward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 3, 15);
    ds::depthwise_conv_forward(to_buf(info, 0, "x"), to_buf(info, 1, "kernel"), window_geometry(info, 3),
                               depthwise_multiplier(m), to_buf(info, 2, "out"));
  });
}

// (x, kernel, grad, gx | null, gKernel | null, meta)
Napi::Value DepthwiseConvBackward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 5, 15);
    Buf gx, gk;
    const bool hasGx = !is_nullish(info, 3), hasGk = !is_nullish(info, 4);
    if (hasGx) gx = to_buf(info, 3, "gx");
    if (hasGk) gk = to_buf(info, 4, "gKernel");
    ds::depthwise_conv_backward(to_buf(info, 0, "x"), to_buf(info, 1, "kernel"), to_buf(info, 2, "grad"),
                                window_geometry(info, 5), depthwise_multiplier(m), hasGx ? &gx : nullptr,
                                hasGk ? &gk : nullptr);
  });
}

Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::max_pool(to_buf(info, 0, "x"), window_geometry(info, 3), to_buf(info, 1, "out"), to_buf(info, 2, "argmax"));
  });
}

Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::max_pool_grad(to_buf(info, 0, "grad"), to_buf(info, 1, "argmax"), window_geometry(info, 3), to_buf(info, 2, "out"));
  });
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::softmax(to_buf(info, 0, "x"), count(info, 1, "rows"), count(info, 2, "n"), info[3].ToBoolean().Value(),
                to_buf(info, 4, "out"));
  });
}

// layerNorm(x, gamma?, beta?, rows, n, epsilon, out, mean, rstd)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf gamma, beta;
    const bool hasGamma = !is_nullish(info, 1), hasBeta = !is_nullish(info, 2);
    if (hasGamma) gamma = to_buf(info, 1, "gamma");
    if (hasBeta) beta = to_buf(info, 2, "beta");
    ds::layer_norm(to_buf(info, 0, "x"), hasGamma ? &gamma : nullptr, hasBeta ? &beta : nullptr, count(info, 3, "rows"),
                   count(info, 4, "n"), num(info, 5, "epsilon"), to_buf(info, 6, "out"), to_buf(info, 7, "mean"),
                   to_buf(info, 8, "rstd"));
  });
}

// layerNormBackward(grad, x, gamma?, mean, rstd, rows, n, dx, dGamma?, dBeta?)
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf gamma, dgamma, dbeta;
    const bool hasGamma = !is_nullish(info, 2), hasDg = !is_nullish(info, 8), hasDb = !is_nullish(info, 9);
    if (hasGamma) gamma = to_buf(info, 2, "gamma");
    if (hasDg) dgamma = to_buf(info, 8, "dGamma");
    if (hasDb) dbeta = to_buf(info, 9, "dBeta");
    ds::layer_norm_backward(to_buf(info, 0, "grad"), to_buf(info, 1, "x"), hasGamma ? &gamma : nullptr,
                            to_buf(info, 3, "mean"), to_buf(info, 4, "rstd"), count(info, 5, "rows"), count(info, 6, "n"),
                            to_buf(info, 7, "dx"), hasDg ? &dgamma : nullptr, hasDb ? &dbeta : nullptr);
  });
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::softmax_cross_entropy(to_buf(info, 0, "logits"), to_buf(info, 1, "labels"), count(info, 2, "rows"),
                              count(info, 3, "n"), to_buf(info, 4, "loss"), to_buf(info, 5, "probs"));
  });
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::AdamArgs a{num(info, 4, "lr"), num(info, 5, "beta1"), num(info, 6, "beta2"), num(info, 7, "epsilon"),
                   num(info, 8, "step")};
    ds::adam_update(to_buf(info, 0, "param"), to_buf(info, 1, "grad"), to_buf(info, 2, "m"), to_buf(info, 3, "v"), a);
  });
}

Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf vel;
    const bool hasVel = !is_nullish(info, 2);
    if (hasVel) vel = to_buf(info, 2, "velocity");
    ds::SgdArgs a{num(info, 3, "lr"), num(info, 4, "momentum"), info[5].ToBoolean().Value()};
    ds::sgd_update(to_buf(info, 0, "param"), to_buf(info, 1, "grad"), hasVel ? &vel : nullptr, a);
  });
}

Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf mom, mg;
    const bool hasMom = !is_nullish(info, 3), hasMg = !is_nullish(info, 4);
    if (hasMom) mom = to_buf(info, 3, "mom");
    if (hasMg) mg = to_buf(info, 4, "mg");
    ds::RmspropArgs a{num(info, 5, "lr"), num(info, 6, "rho"), num(info, 7, "momentum"), num(info, 8, "epsilon"),
                      info[9].ToBoolean().Value()};
    ds::rmsprop_update(to_buf(info, 0, "param"), to_buf(info, 1, "grad"), to_buf(info, 2, "ms"), hasMom ? &mom : nullptr,
                       hasMg ? &mg : nullptr, a);
  });
}

// Fused recurrent kernels. meta = [cell, batch, time, units, activation, recurrentActivation].
ds::RnnArgs rnn_args(const Napi::CallbackInfo& info, size_t i) {
  const double* m = meta(info, i, 6);
  for (int k = 0; k < 6; k++)
    if (!(m[k] >= 0) || m[k] != (double)(size_t)m[k]) throw ds::KernelError("rnn: meta must be non-negative integers");
  if (m[0] > 3 || m[4] > 3 || m[5] > 3) throw ds::KernelError("rnn: unknown cell or activation code");
  return ds::RnnArgs{(ds::RnnCell)(int)m[0], (size_t)m[1], (size_t)m[2], (size_t)m[3], (ds::RnnAct)(int)m[4],
                     (ds::RnnAct)(int)m[5]};
}

// An optional typed-array argument: null/undefined gives nullptr, else it is unpacked into `slot`.
const Buf* optional_buf(const Napi::CallbackInfo& info, size_t i, const char* name, Buf& slot) {
  if (is_nullish(info, i)) return nullptr;
  slot = to_buf(info, i, name);
  return &slot;
}

// meta: [batch, heads, tq, tk, dk, dv, scale, maskBatch]
ds::AttentionArgs attention_args(const Napi::CallbackInfo& info, size_t i) {
  const double* m = meta(info, i, 8);
  for (int k : {0, 1, 2, 3, 4, 5, 7})
    if (!(m[k] >= 0) || m[k] != (double)(size_t)m[k]) throw ds::KernelError("attention: meta must be non-negative integers");
  return ds::AttentionArgs{(size_t)m[0], (size_t)m[1], (size_t)m[2], (size_t)m[3], (size_t)m[4], (size_t)m[5], m[6],
                           (size_t)m[7]};
}

// attention(q, k, v, keep?, out, probs, meta)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf keep;
    ds::attention(to_buf(info, 0, "q"), to_buf(info, 1, "k"), to_buf(info, 2, "v"), optional_buf(info, 3, "keep", keep),
                  attention_args(info, 6), to_buf(info, 4, "out"), to_buf(info, 5, "probs"));
  });
}

// attentionBackward(q, k, v, keep?, probs, grad, dq, dk, dv, meta)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf keep;
    ds::attention_backward(to_buf(info, 0, "q"), to_buf(info, 1, "k"), to_buf(info, 2, "v"),
                           optional_buf(info, 3, "keep", keep), to_buf(info, 4, "probs"), to_buf(info, 5, "grad"),
                           attention_args(info, 9), to_buf(info, 6, "dq"), to_buf(info, 7, "dk"), to_buf(info, 8, "dv"));
  });
}

Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf bias, mask, stepMask;
    ds::rnn_forward(to_buf(info, 0, "projected"), to_buf(info, 1, "recurrentKernel"),
                    optional_buf(info, 2, "recurrentBias", bias), optional_buf(info, 3, "recurrentMask", mask),
                    optional_buf(info, 4, "stepMask", stepMask), to_buf(info, 5, "hseq"), to_buf(info, 6, "cache"),
                    rnn_args(info, 7));
  });
}

Napi::Value RnnBackward(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf mask, stepMask, dHseq, dhLast, dcLast, dBias;
    ds::rnn_backward(to_buf(info, 0, "recurrentKernel"), optional_buf(info, 1, "recurrentMask", mask),
                     optional_buf(info, 2, "stepMask", stepMask), to_buf(info, 3, "cache"),
                     optional_buf(info, 4, "dHseq", dHseq), optional_buf(info, 5, "dhLast", dhLast),
                     optional_buf(info, 6, "dcLast", dcLast), to_buf(info, 7, "dProjected"),
                     to_buf(info, 8, "dRecurrentKernel"), optional_buf(info, 9, "dRecurrentBias", dBias),
                     rnn_args(info, 10));
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const double n = num(info, 0, "n");
  if (!(n >= 1) || n > ds::kMaxThreads || n != (double)(int)n)
    throw Napi::RangeError::New(info.Env(), "setNumThreads: n must be an integer from 1 to " + std::to_string(ds::kMaxThreads));
  return Napi::Number::New(info.Env(), ds::set_num_threads((int)n));
}

// {threads, requested, max, error}: what the pool runs, what was asked, the cap, and why fewer
// threads started than asked ("" when all did).
Napi::Value ThreadPoolStatus(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("threads", ds::num_threads());
  o.Set("requested", ds::requested_threads());
  o.Set("max", ds::kMaxThreads);
  o.Set("error", ds::thread_start_error());
  return o;
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ds::num_threads()); }

Napi::Value CpuIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ds::isa_name(ds::detected_isa()));
}

ds::Isa parse_isa(const std::string& s) {
  if (s == "avx512") return ds::Isa::Avx512;
  if (s == "avx2") return ds::Isa::Avx2;
  return ds::Isa::Generic;
}

// Tests compare the vector exp of the softmax kernels with libm's: setExpSimd(false) uses libm.
Napi::Value SetExpSimd(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ds::set_exp_simd(info[0].ToBoolean().Value()));
}

Napi::Value SetGemmIsa(const Napi::CallbackInfo& info) {
  const std::string s = info[0].ToString().Utf8Value();
  return Napi::String::New(info.Env(), ds::isa_name(ds::set_gemm_isa(parse_isa(s))));
}

Napi::Value GetGemmIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ds::isa_name(ds::gemm_isa())); }

Napi::Value BlasLoad(const Napi::CallbackInfo& info) {
  std::string err;
  const std::string path = is_nullish(info, 0) ? "" : info[0].ToString().Utf8Value();
  if (ds::blas_load(path, err)) return info.Env().Null();
  return Napi::String::New(info.Env(), err);
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ds::blas_info()); }

Napi::Value BlasSetNumThreads(const Napi::CallbackInfo& info) {
  ds::blas_set_num_threads((int)num(info, 0, "n"));
  return info.Env().Undefined();
}

Napi::Value BlasMatmul(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::blas_sgemm(to_buf(info, 0, "a"), to_buf(info, 1, "b"), to_buf(info, 2, "out"), matmul_args(meta(info, 3, 9)));
  });
}

// Test hook: c = a @ packed op(b) (+= c) through the pre-packed GEMM entry the recurrent kernels
// use; meta = [m, n, k, lda, ldb, ldc, transB, accumulate].
Napi::Value GemmPrepacked(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const double* m = meta(info, 3, 8);
    for (int i = 0; i < 6; i++)
      if (!(m[i] >= 0) || m[i] != (double)(size_t)m[i]) throw ds::KernelError("gemmPrepacked: sizes must be non-negative integers");
    const size_t M = (size_t)m[0], N = (size_t)m[1], K = (size_t)m[2], lda = (size_t)m[3], ldb = (size_t)m[4], ldc = (size_t)m[5];
    const bool tb = m[6] != 0, acc = m[7] != 0;
    const Buf a = to_buf(info, 0, "a"), b = to_buf(info, 1, "b"), c = to_buf(info, 2, "out");
    if (a.dtype != b.dtype || c.dtype != a.dtype || (a.dtype != ds::DType::F32 && a.dtype != ds::DType::F64))
      throw ds::KernelError("gemmPrepacked: expects float arrays of one dtype");
    const size_t bRows = tb ? N : K, bCols = tb ? K : N;
    if (lda < K || ldb < bCols || ldc < N) throw ds::KernelError("gemmPrepacked: a leading dimension is below its row");
    if ((M && a.len < (M - 1) * lda + K) || (bRows && b.len < (bRows - 1) * ldb + bCols) || (M && c.len < (M - 1) * ldc + N))
      throw ds::KernelError("gemmPrepacked: arrays are shorter than the product's shapes");
    ds::dispatch_float(a.dtype, [&](auto tag) {
      using T = decltype(tag);
      const ds::PackedB<T> packed(b.as<T>(), ldb, K, N, tb);
      ds::gemm_prepacked(a.as<T>(), lda, packed, c.as<T>(), ldc, M, acc);
    });
  });
}

// ---- fused training kernels (dropout, relu backward) ----
uint32_t u32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double d = num(info, i, name);
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a uint32");
  return (uint32_t)d;
}

Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::dropout(to_buf(info, 0, "x"), u32(info, 1, "seed0"), u32(info, 2, "seed1"), num(info, 3, "rate"),
                to_buf(info, 4, "out"));
  });
}

Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  return guard(info, [&] { ds::relu_grad(to_buf(info, 0, "grad"), to_buf(info, 1, "y"), to_buf(info, 2, "out")); });
}

// (act, x, alpha, out) and (act, grad, x, alpha, out)
Napi::Value Activation(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::activation(num(info, 0, "act"), to_buf(info, 1, "x"), num(info, 2, "alpha"), to_buf(info, 3, "out"));
  });
}

Napi::Value ActivationGrad(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::activation_grad(num(info, 0, "act"), to_buf(info, 1, "grad"), to_buf(info, 2, "x"), num(info, 3, "alpha"),
                        to_buf(info, 4, "out"));
  });
}

// BatchNormalization, channels-last data viewed as [rows, channels].
Napi::Value BatchNormStats(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::batch_norm_stats(to_buf(info, 0, "x"), count(info, 1, "rows"), count(info, 2, "channels"),
                         to_buf(info, 3, "mean"), to_buf(info, 4, "variance"));
  });
}

Napi::Value ChannelAffine(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    ds::channel_affine(to_buf(info, 0, "x"), count(info, 1, "rows"), count(info, 2, "channels"),
                       to_buf(info, 3, "scale"), to_buf(info, 4, "shift"), info[5].ToBoolean().Value(),
                       to_buf(info, 6, "out"));
  });
}

Napi::Value BatchNormGradSums(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf rs, rt;
    ds::batch_norm_grad_sums(to_buf(info, 0, "dy"), to_buf(info, 1, "x"), to_buf(info, 2, "center"),
                             count(info, 3, "rows"), count(info, 4, "channels"), to_buf(info, 5, "sumDy"),
                             to_buf(info, 6, "sumDyXc"),
                             {optional_buf(info, 7, "reluScale", rs), optional_buf(info, 8, "reluShift", rt)});
  });
}

Napi::Value BatchNormInputGrad(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    Buf rs, rt;
    ds::batch_norm_input_grad(to_buf(info, 0, "dy"), to_buf(info, 1, "x"), count(info, 2, "rows"),
                              count(info, 3, "channels"), to_buf(info, 4, "a"), to_buf(info, 5, "b"),
                              to_buf(info, 6, "d"), to_buf(info, 7, "out"),
                              {optional_buf(info, 8, "reluScale", rs), optional_buf(info, 9, "reluShift", rt)});
  });
}
// ---- end fused training kernels ----

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("unary", Unary);
  fn("clip", Clip);
  fn("binary", Binary);
  fn("cast", Cast);
  fn("reduce", Reduce);
  fn("argReduce", ArgReduce);
  fn("matmul", Matmul);
  fn("transpose", Transpose);
  fn("gather", Gather);
  fn("scatterAdd", ScatterAdd);
  fn("im2col", Im2col);
  fn("col2im", Col2im);
  fn("convForward", ConvForward);
  fn("convBackward", ConvBackward);
  fn("depthwiseConvForward", DepthwiseConvForward);
  fn("depthwiseConvBackward", DepthwiseConvBackward);
  fn("maxPool", MaxPool);
  fn("maxPoolGrad", MaxPoolGrad);
  fn("softmax", Softmax);
  fn("softmaxCrossEntropy", SoftmaxCrossEntropy);
  fn("layerNorm", LayerNorm);
  fn("layerNormBackward", LayerNormBackward);
  fn("attention", Attention);
  fn("attentionBackward", AttentionBackward);
  fn("dropout", Dropout);
  fn("reluGrad", ReluGrad);
  fn("activation", Activation);
  fn("activationGrad", ActivationGrad);
  fn("batchNormStats", BatchNormStats);
  fn("channelAffine", ChannelAffine);
  fn("batchNormGradSums", BatchNormGradSums);
  fn("batchNormInputGrad", BatchNormInputGrad);
  fn("adamUpdate", AdamUpdate);
  fn("sgdUpdate", SgdUpdate);
  fn("rmspropUpdate", RmspropUpdate);
  fn("rnnForward", RnnForward);
  fn("rnnBackward", RnnBackward);
  fn("setNumThreads", SetNumThreads);
  fn("getNumThreads", GetNumThreads);
  fn("threadPoolStatus", ThreadPoolStatus);
  fn("cpuIsa", CpuIsa);
  fn("setGemmIsa", SetGemmIsa);
  fn("setExpSimd", SetExpSimd);
  fn("getGemmIsa", GetGemmIsa);
  fn("blasLoad", BlasLoad);
  fn("blasInfo", BlasInfo);
  fn("blasSetNumThreads", BlasSetNumThreads);
  fn("blasMatmul", BlasMatmul);
  fn("gemmPrepacked", GemmPrepacked);
  ds::register_bf16(env, exports);
  ds::register_infer(env, exports);  // inferCreate, inferRun, denseSmall
  return exports;
}

}  // namespace

NODE_API_MODULE(deepscript_native, Init)
