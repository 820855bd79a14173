// Node-API entries of the bf16 kernels (registered by addon.cc's Init through register_bf16).
// bfloat16 arrays travel as Uint16Array holding the bit patterns.
#include "bf16_binding.h"

#include <string>

#include "gemm_bf16.h"

namespace ds {
namespace {

struct View {
  void* data = nullptr;
  size_t len = 0;
  napi_typedarray_type type = napi_int8_array;
};

View view(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_env env = info.Env();
  bool is = false;
  if (napi_is_typedarray(env, info[i], &is) != napi_ok || !is)
    throw Napi::TypeError::New(env, std::string(name) + " must be a typed array");
  View v;
  if (napi_get_typedarray_info(env, info[i], &v.type, &v.len, &v.data, nullptr, nullptr) != napi_ok)
    throw Napi::TypeError::New(env, std::string(name) + ": cannot read typed array");
  return v;
}

Bf16Span span(const Napi::CallbackInfo& info, const View& v, const char* name) {
  if (v.type != napi_uint16_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint16Array of bfloat16 values");
  return Bf16Span{static_cast<uint16_t*>(v.data), v.len};
}

Buf buf(const Napi::CallbackInfo& info, const View& v, const char* name) {
  Buf b;
  b.data = v.data;
  b.len = v.len;
  switch (v.type) {
    case napi_float32_array: b.dtype = DType::F32; break;
    case napi_float64_array: b.dtype = DType::F64; break;
    case napi_int32_array: b.dtype = DType::I32; break;
    case napi_uint8_array:
    case napi_uint8_clamped_array: b.dtype = DType::U8; break;
    default: throw Napi::TypeError::New(info.Env(), std::string(name) + ": unsupported typed array type");
  }
  return b;
}

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

// castBf16(x, out): exactly one of them a Uint16Array (bfloat16).
Napi::Value CastBf16(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const View x = view(info, 0, "x"), out = view(info, 1, "out");
    const bool xh = x.type == napi_uint16_array, oh = out.type == napi_uint16_array;
    if (xh == oh) throw KernelError("castBf16: exactly one of x and out must be bfloat16");
    if (oh) cast_to_bf16(buf(info, x, "x"), span(info, out, "out"));
    else cast_from_bf16(span(info, x, "x"), buf(info, out, "out"));
  });
}

// matmulBf16(a, b, out, bias, meta): a, b bf16; out float32 or bf16; bias float32 or null;
// meta = [batch, m, n, k, transA, transB, aBatchStride, bBatchStride, relu] as for matmul.
Napi::Value MatmulBf16(const Napi::CallbackInfo& info) {
  return guard(info, [&] {
    const View mv = view(info, 4, "meta");
    if (mv.type != napi_float64_array || mv.len < 9) throw KernelError("matmulBf16: meta must be a Float64Array of 9");
    const double* m = static_cast<const double*>(mv.data);
    for (int i : {0, 1, 2, 3, 6, 7})
      if (!(m[i] >= 0) || m[i] != (double)(size_t)m[i])
        throw KernelError("matmulBf16: sizes must be non-negative integers");
    MatmulArgs p;
    p.batch = (size_t)m[0];
    p.m = (size_t)m[1];
    p.n = (size_t)m[2];
    p.k = (size_t)m[3];
    p.transA = m[4] != 0;
    p.transB = m[5] != 0;
    p.aBatchStride = (size_t)m[6];
    p.bBatchStride = (size_t)m[7];
    p.act = act_from_code(m[8], "matmulBf16");
    // The bfloat16 epilogue fuses relu only; other activations run after it on the float32 widening.
    if (p.act != Act::Linear && p.act != Act::Relu) throw KernelError("matmulBf16: only linear and relu are fused");
    const Bf16Span a = span(info, view(info, 0, "a"), "a"), b = span(info, view(info, 1, "b"), "b");
    const View o = view(info, 2, "out");
    Buf outF, bias;
    Bf16Span outH;
    const bool hasBias = !(info[3].IsNull() || info[3].IsUndefined());
    if (hasBias) bias = buf(info, view(info, 3, "bias"), "bias");
    if (o.type == napi_uint16_array) {
      outH = span(info, o, "out");
      matmul_bf16(a, b, nullptr, &outH, hasBias ? &bias : nullptr, p);
    } else {
      outF = buf(info, o, "out");
      matmul_bf16(a, b, &outF, nullptr, hasBias ? &bias : nullptr, p);
    }
  });
}

Bf16Isa parse(const std::string& s) {
  if (s == "amx") return Bf16Isa::Amx;
  if (s == "avx512bf16") return Bf16Isa::Avx512Bf16;
  if (s == "generic") return Bf16Isa::Generic;
  throw KernelError("setBf16Isa: unknown kernel family '" + s + "' (expected amx, avx512bf16 or generic)");
}

Napi::Value SetBf16Isa(const Napi::CallbackInfo& info) {
  Napi::Value r;
  guard(info, [&] { r = Napi::String::New(info.Env(), bf16_isa_name(set_bf16_isa(parse(info[0].ToString().Utf8Value())))); });
  return r;
}

Napi::Value GetBf16Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), bf16_isa_name(bf16_isa())); }

// {detected, amxUnavailable}: the best family this machine allows, and why AMX is not used ('' if it is).
Napi::Value Bf16Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("detected", bf16_isa_name(detected_bf16_isa()));
  o.Set("amxUnavailable", amx_unavailable_reason());
  return o;
}

}  // namespace

void register_bf16(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("castBf16", CastBf16);
  fn("matmulBf16", MatmulBf16);
  fn("setBf16Isa", SetBf16Isa);
  fn("getBf16Isa", GetBf16Isa);
  fn("bf16Info", Bf16Info);
}

}  // namespace ds
