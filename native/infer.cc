#include "infer.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define DS_INFER_X86 1
#endif

#include "cpu_features.h"
#include "dtype.h"
#include "gemm.h"
#include "softmax.h"
#include "thread_pool.h"
#include "thread_scratch.h"
#include "window.h"
#include "winograd.h"

namespace ds {
namespace {

// ---------------------------------------------------------------------------------------------
// Small-batch Dense: out = act(x @ w + bias) with w [k, n] read in place (no packing). For batch
// 1 the product is a matrix-vector product whose cost is streaming w from memory; packing w first
// (what the GEMM does) would read it twice. Work units are (rows of x, column tile, chunk of k):
// each reads a contiguous block of w's rows, so threads stream disjoint memory; chunk sums go to
// partials that are added in chunk order, so the result does not depend on the thread count.

constexpr size_t kMaxRowsPerPass = 8;
// Rows of w per chunk when k is split (only when k > 2 chunks' worth).
constexpr size_t kChunk = 1024;

// Column tile width for a pass of R rows: R x (width / 16) accumulators stay in the 32 zmm
// registers (AVX-512; the portable kernel uses the same tiles).
constexpr size_t tile_width_wide(size_t rows) { return rows <= 2 ? 128 : rows <= 4 ? 64 : 32; }
// AVX2 has 16 ymm registers: R x (width / 8) accumulators, the broadcast row value and a load of w.
constexpr size_t tile_width_avx2(size_t rows) {
  return rows <= 1 ? 64 : rows <= 2 ? 48 : rows <= 3 ? 32 : rows <= 4 ? 24 : rows <= 6 ? 16 : 8;
}
size_t tile_width(size_t rows) { return gemm_isa() == Isa::Avx2 ? tile_width_avx2(rows) : tile_width_wide(rows); }

// acc [R, width] = x[r, k0:k1] @ w[k0:k1, j0:j0 + width] (raw sums), width <= W.
template <int R, int W>
void dense_block_generic(const float* x, size_t lda, const float* w, size_t n, size_t k0, size_t k1, size_t j0,
                         size_t width, float* acc) {
  float a[R][W];
  for (int r = 0; r < R; r++)
    for (int j = 0; j < W; j++) a[r][j] = 0.f;
  for (size_t kk = k0; kk < k1; kk++) {
    const float* wr = w + kk * n + j0;
    for (int r = 0; r < R; r++) {
      const float xv = x[r * lda + kk];
      for (size_t j = 0; j < width; j++) a[r][j] += xv * wr[j];
    }
  }
  for (int r = 0; r < R; r++)
    for (size_t j = 0; j < width; j++) acc[r * W + j] = a[r][j];
}

#ifdef DS_INFER_X86
template <int R, int W>
__attribute__((target("avx512f"))) void dense_block_avx512(const float* x, size_t lda, const float* w, size_t n,
                                                            size_t k0, size_t k1, size_t j0, size_t width,
                                                            float* acc) {
  constexpr int V = W / 16;
  __mmask16 m[V];
  for (int v = 0; v < V; v++) {
    const size_t lo = (size_t)v * 16;
    m[v] = width >= lo + 16 ? (__mmask16)0xFFFF : width <= lo ? (__mmask16)0 : (__mmask16)((1u << (width - lo)) - 1);
  }
  __m512 a[R][V];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) a[r][v] = _mm512_setzero_ps();
  const float* wp = w + k0 * n + j0;
  for (size_t kk = k0; kk < k1; kk++, wp += n) {
    __m512 b[V];
    for (int v = 0; v < V; v++) b[v] = _mm512_maskz_loadu_ps(m[v], wp + v * 16);
    for (int r = 0; r < R; r++) {
      const __m512 xv = _mm512_set1_ps(x[r * lda + kk]);
      for (int v = 0; v < V; v++) a[r][v] = _mm512_fmadd_ps(xv, b[v], a[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) _mm512_storeu_ps(acc + r * W + v * 16, a[r][v]);
}
#endif

#ifdef DS_INFER_X86
template <int R, int W>
__attribute__((target("avx2,fma"))) void dense_block_avx2(const float* x, size_t lda, const float* w, size_t n,
                                                          size_t k0, size_t k1, size_t j0, size_t width, float* acc) {
  constexpr int V = W / 8;
  // Lane masks for a partial last tile (maskload reads nothing where the mask is off).
  __m256i m[V];
  for (int v = 0; v < V; v++) {
    alignas(32) int32_t lanes[8];
    for (int l = 0; l < 8; l++) lanes[l] = (size_t)(v * 8 + l) < width ? -1 : 0;
    m[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
  }
  __m256 a[R][V];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) a[r][v] = _mm256_setzero_ps();
  const float* wp = w + k0 * n + j0;
  for (size_t kk = k0; kk < k1; kk++, wp += n) {
    for (int v = 0; v < V; v++) {
      const __m256 b = _mm256_maskload_ps(wp + v * 8, m[v]);
      for (int r = 0; r < R; r++) a[r][v] = _mm256_fmadd_ps(_mm256_set1_ps(x[r * lda + kk]), b, a[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) _mm256_storeu_ps(acc + r * W + v * 8, a[r][v]);
}
#endif

using BlockFn = void (*)(const float*, size_t, const float*, size_t, size_t, size_t, size_t, size_t, float*);

template <int R>
BlockFn block_fn() {
  constexpr int W = (int)tile_width_wide(R);
#ifdef DS_INFER_X86
  if (gemm_isa() == Isa::Avx512) return dense_block_avx512<R, W>;
  if (gemm_isa() == Isa::Avx2) return dense_block_avx2<R, (int)tile_width_avx2(R)>;
#endif
  return dense_block_generic<R, W>;
}

BlockFn block_for_rows(size_t rows) {
  switch (rows) {
    case 1: return block_fn<1>();
    case 2: return block_fn<2>();
    case 3: return block_fn<3>();
    case 4: return block_fn<4>();
    case 5: return block_fn<5>();
    case 6: return block_fn<6>();
    case 7: return block_fn<7>();
    default: return block_fn<8>();
  }
}

struct DenseScratch;

// ---------------------------------------------------------------------------------------------
// Plan steps. The meta record of each step has kMetaWidth numbers (see inference-plan.ts).

enum Kind { kDense = 0, kConv = 1, kMaxPool = 2, kSoftmax = 3, kRelu = 4 };
constexpr size_t kMetaWidth = 24;
// Dense products with at most this many rows take dense_small; larger ones the GEMM, which beat
// it from 8 rows on (tied at 4) when the two were alternated in one process (bench/NOTES.md).
constexpr size_t kSmallRows = 4;

struct Step {
  int kind = 0;
  size_t inLen = 0, outLen = 0;  // per sample
  bool relu = false, softmax = false;
  int wIdx = -1, bIdx = -1;
  size_t rowsPerSample = 1, k = 0, n = 0;  // dense; softmax: n = last axis
  WindowGeometry g{};                      // conv and pool, g.n set per run
  size_t f = 0;
  // Conv caches, rebuilt when the kernel's values differ from `kernelCopy`.
  std::vector<float> kernelCopy;
  std::unique_ptr<Winograd3x3<float>> wino;
  std::unique_ptr<PackedB<float>> packed;
};

struct Plan {
  std::vector<Step> steps;
  size_t inLen = 0, outLen = 0;
  std::vector<float> buf[2];
  std::vector<int32_t> argmax;
};

struct WeightView {
  const float* data;
  size_t len;
};

size_t as_size(double d, const char* what) {
  if (!(d >= 0) || d != (double)(size_t)d) throw KernelError(std::string("inferCreate: bad ") + what);
  return (size_t)d;
}

void check_weight(const std::vector<WeightView>& ws, int idx, size_t need, const char* what) {
  if (idx < 0 || (size_t)idx >= ws.size()) throw KernelError(std::string("inferRun: missing ") + what);
  if (ws[(size_t)idx].len < need) throw KernelError(std::string("inferRun: ") + what + " is shorter than the plan expects");
}

void run_dense(const Step& s, const std::vector<WeightView>& ws, const float* x, size_t batch, float* y) {
  check_weight(ws, s.wIdx, s.k * s.n, "Dense kernel");
  if (s.bIdx >= 0) check_weight(ws, s.bIdx, s.n, "Dense bias");
  const float* w = ws[(size_t)s.wIdx].data;
  const float* bias = s.bIdx >= 0 ? ws[(size_t)s.bIdx].data : nullptr;
  const size_t rows = batch * s.rowsPerSample;
  if (rows > kSmallRows) {
    // The same GEMM as the layer's matmul, so results match `predict` bit for bit.
    const Buf a{const_cast<float*>(x), rows * s.k, DType::F32}, b{const_cast<float*>(w), s.k * s.n, DType::F32};
    const Buf out{y, rows * s.n, DType::F32}, bb{const_cast<float*>(bias), s.n, DType::F32};
    MatmulArgs p{1, rows, s.n, s.k, false, false, 0, 0, s.relu ? Act::Relu : Act::Linear};
    matmul(a, b, out, bias ? &bb : nullptr, nullptr, p);
  } else {
    dense_small(x, s.k, rows, w, s.k, s.n, bias, s.relu, y);
  }
  if (s.softmax) {
    const Buf io{y, rows * s.n, DType::F32};
    softmax(io, rows, s.n, false, io);
  }
}

void refresh_conv(Step& s, const float* kernel) {
  const size_t len = s.g.kh * s.g.kw * s.g.c * s.f;
  if (!s.kernelCopy.empty() && std::memcmp(s.kernelCopy.data(), kernel, len * sizeof(float)) == 0) return;
  s.kernelCopy.assign(kernel, kernel + len);
  const WindowGeometry& g = s.g;
  if (winograd_applies(g, s.f)) {
    s.wino.reset(new Winograd3x3<float>(s.kernelCopy.data(), g.c, s.f, false));
    s.packed.reset();
  } else {
    const size_t k = g.kh * g.kw * g.c;
    s.packed.reset(new PackedB<float>(s.kernelCopy.data(), s.f, k, s.f, false));
    s.wino.reset();
  }
}

struct InferScratch;

// The conv forward of conv.cc (Winograd per image, or patch slices + GEMM), with the kernel kept
// transformed between calls and small batches cut into bands of rows (Winograd) or patch slices
// so that both threads work on one image.
void run_conv(Step& s, const std::vector<WeightView>& ws, const float* x, size_t batch, float* y) {
  const size_t klen = s.g.kh * s.g.kw * s.g.c * s.f;
  check_weight(ws, s.wIdx, klen, "Conv2D kernel");
  if (s.bIdx >= 0) check_weight(ws, s.bIdx, s.f, "Conv2D bias");
  refresh_conv(s, ws[(size_t)s.wIdx].data);
  const float* bias = s.bIdx >= 0 ? ws[(size_t)s.bIdx].data : nullptr;
  WindowGeometry g = s.g;
  g.n = batch;
  const size_t f = s.f, positions = g.outH * g.outW, imageLen = g.h * g.w * g.c;
  const int nth = num_threads();
  const size_t want = 2 * (size_t)nth;  // units of work wanted, for balance
  std::atomic<size_t> next{0};
  if (s.wino) {
    // Bands of whole 4-row tiles: each output tile is computed as in the whole-image run.
    const size_t blocks = (g.outH + kWinoTile - 1) / kWinoTile;
    size_t parts = batch >= want ? 1 : (want + batch - 1) / batch;
    if (parts > blocks) parts = blocks;
    const size_t units = batch * parts;
    const Winograd3x3<float>& wino = *s.wino;
    auto job = [&](int, int) {
      for (size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) {
        const size_t img = u / parts, part = u % parts;
        const size_t r0 = blocks * part / parts * kWinoTile;
        size_t r1 = blocks * (part + 1) / parts * kWinoTile;
        if (r1 > g.outH) r1 = g.outH;
        if (r0 >= r1) continue;
        const float* in = x + img * imageLen;
        float* out = y + (img * positions + r0 * g.outW) * f;
        if (r0 < g.padTop) {
          wino.run(in, g.h, g.w, g.padTop, g.padLeft, r1, g.outW, out, bias, s.relu);
        } else {
          const size_t skip = r0 - g.padTop;  // input rows above the band's first window
          wino.run(in + skip * g.w * g.c, g.h - skip, g.w, 0, g.padLeft, r1 - r0, g.outW, out, bias, s.relu);
        }
      }
    };
    run_dynamic(nth, job);
    return;
  }
  const size_t k = g.kh * g.kw * g.c;
  size_t rowsPerSlice = (256u << 10) / (sizeof(float) * (k ? k : 1));
  if (rowsPerSlice < 16) rowsPerSlice = 16;
  if (batch < want) {
    const size_t perImage = (want + batch - 1) / batch;
    const size_t cap = (positions + perImage - 1) / perImage;
    if (cap < rowsPerSlice) rowsPerSlice = cap < 16 ? 16 : cap;
  }
  const size_t slices = (positions + rowsPerSlice - 1) / rowsPerSlice;
  const size_t slice = (positions + slices - 1) / slices;
  const size_t units = batch * slices;
  const PackedB<float>& w = *s.packed;
  auto job = [&](int, int) {
    float* cols = thread_scratch<InferScratch, float>(0, slice * k);
    for (size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) {
      const size_t img = u / slices, p0 = u % slices * slice;
      const size_t p1 = p0 + slice < positions ? p0 + slice : positions;
      if (p0 >= p1) continue;
      patch_rows(x + img * imageLen, g, p0, p1, cols);
      gemm_prepacked(cols, k, w, y + (img * positions + p0) * f, f, p1 - p0, false, bias, s.relu ? Act::Relu : Act::Linear);
    }
  };
  run_dynamic(nth, job);
}

void run_plan(Plan& plan, const std::vector<WeightView>& ws, const float* x, size_t batch, float* out) {
  size_t maxLen = 0;
  for (const Step& s : plan.steps) maxLen = s.outLen > maxLen ? s.outLen : maxLen;
  for (auto& b : plan.buf)
    if (b.size() < maxLen * batch) b.resize(maxLen * batch);
  const float* in = x;
  for (size_t i = 0; i < plan.steps.size(); i++) {
    Step& s = plan.steps[i];
    float* y = i + 1 == plan.steps.size() ? out : plan.buf[i % 2].data();
    switch (s.kind) {
      case kDense: run_dense(s, ws, in, batch, y); break;
      case kConv: run_conv(s, ws, in, batch, y); break;
      case kMaxPool: {
        WindowGeometry g = s.g;
        g.n = batch;
        const size_t len = batch * s.outLen;
        if (plan.argmax.size() < len) plan.argmax.resize(len);
        max_pool(Buf{const_cast<float*>(in), batch * s.inLen, DType::F32}, g, Buf{y, len, DType::F32},
                 Buf{plan.argmax.data(), len, DType::I32});
        break;
      }
      case kSoftmax: {
        const size_t rows = batch * s.inLen / s.n;
        softmax(Buf{const_cast<float*>(in), batch * s.inLen, DType::F32}, rows, s.n, false, Buf{y, batch * s.outLen, DType::F32});
        break;
      }
      case kRelu: {
        const size_t len = batch * s.inLen;
        for (size_t j = 0; j < len; j++) y[j] = in[j] < 0.f ? 0.f : in[j];
        break;
      }
      default: throw KernelError("inferRun: unknown step");
    }
    in = y;
  }
}

std::unique_ptr<Plan> make_plan(const double* m, size_t len) {
  if (len < 1) throw KernelError("inferCreate: empty meta");
  const size_t count = as_size(m[0], "step count");
  if (count == 0 || len < 1 + count * kMetaWidth) throw KernelError("inferCreate: meta is shorter than its step count");
  std::unique_ptr<Plan> plan(new Plan());
  for (size_t i = 0; i < count; i++) {
    const double* r = m + 1 + i * kMetaWidth;
    Step s;
    s.kind = (int)r[0];
    s.inLen = as_size(r[1], "inLen");
    s.outLen = as_size(r[2], "outLen");
    const int act = (int)r[3];
    s.relu = act == 1;
    s.softmax = act == 2;
    s.wIdx = (int)r[4];
    s.bIdx = (int)r[5];
    s.rowsPerSample = as_size(r[6], "rows");
    s.k = as_size(r[7], "k");
    s.n = as_size(r[8], "n");
    s.g = WindowGeometry{0,
                         as_size(r[9], "h"),
                         as_size(r[10], "w"),
                         as_size(r[11], "c"),
                         as_size(r[12], "kh"),
                         as_size(r[13], "kw"),
                         as_size(r[14], "strideH"),
                         as_size(r[15], "strideW"),
                         as_size(r[16], "dilationH"),
                         as_size(r[17], "dilationW"),
                         as_size(r[18], "padTop"),
                         as_size(r[19], "padLeft"),
                         as_size(r[20], "outH"),
                         as_size(r[21], "outW")};
    s.f = as_size(r[22], "filters");
    const WindowGeometry& g = s.g;
    switch (s.kind) {
      case kDense:
        if (s.inLen != s.rowsPerSample * s.k || s.outLen != s.rowsPerSample * s.n || s.k == 0 || s.n == 0)
          throw KernelError("inferCreate: inconsistent Dense step");
        break;
      case kConv:
        if (s.inLen != g.h * g.w * g.c || s.outLen != g.outH * g.outW * s.f || s.f == 0 || g.kh == 0 || g.kw == 0 ||
            g.strideH == 0 || g.strideW == 0 || g.dilationH == 0 || g.dilationW == 0)
          throw KernelError("inferCreate: inconsistent Conv2D step");
        break;
      case kMaxPool:
        if (s.inLen != g.h * g.w * g.c || s.outLen != g.outH * g.outW * g.c || g.strideH == 0 || g.strideW == 0)
          throw KernelError("inferCreate: inconsistent MaxPooling2D step");
        break;
      case kSoftmax:
        if (s.n == 0 || s.inLen % s.n != 0 || s.outLen != s.inLen) throw KernelError("inferCreate: inconsistent softmax step");
        break;
      case kRelu:
        if (s.outLen != s.inLen) throw KernelError("inferCreate: inconsistent relu step");
        break;
      default: throw KernelError("inferCreate: unknown step kind");
    }
    if (i > 0 && plan->steps.back().outLen != s.inLen) throw KernelError("inferCreate: step sizes do not chain");
    plan->steps.push_back(std::move(s));
  }
  plan->inLen = plan->steps.front().inLen;
  plan->outLen = plan->steps.back().outLen;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Node-API glue.

const float* f32(const Napi::Env& env, const Napi::Value& v, size_t* len, const char* name) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is)
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  napi_typedarray_type t;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &t, len, &data, nullptr, nullptr) != napi_ok || t != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  return static_cast<const float*>(data);
}

template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("deepscript native: ") + e.what());
  }
}

Napi::Value InferCreate(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Napi::TypeError::New(env, "inferCreate: meta must be a Float64Array");
    Napi::Float64Array meta = info[0].As<Napi::Float64Array>();
    std::unique_ptr<Plan> plan = make_plan(meta.Data(), meta.ElementLength());
    return Napi::External<Plan>::New(env, plan.release(), [](Napi::Env, Plan* p) { delete p; });
  });
}

// inferRun(plan, weights: Float32Array[], x, batch, out)
Napi::Value InferRun(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "inferRun: plan must come from inferCreate");
    Plan& plan = *info[0].As<Napi::External<Plan>>().Data();
    if (!info[1].IsArray()) throw Napi::TypeError::New(env, "inferRun: weights must be an array");
    Napi::Array arr = info[1].As<Napi::Array>();
    thread_local std::vector<WeightView> ws;
    ws.clear();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      size_t len = 0;
      const float* d = f32(env, arr.Get(i), &len, "inferRun: weight");
      ws.push_back(WeightView{d, len});
    }
    size_t xLen = 0, outLen = 0;
    const float* x = f32(env, info[2], &xLen, "inferRun: x");
    if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "inferRun: batch must be a number");
    const double bd = info[3].As<Napi::Number>().DoubleValue();
    if (!(bd >= 1) || bd != (double)(size_t)bd) throw Napi::RangeError::New(env, "inferRun: batch must be a positive integer");
    const size_t batch = (size_t)bd;
    float* out = const_cast<float*>(f32(env, info[4], &outLen, "inferRun: out"));
    if (xLen < batch * plan.inLen) throw Napi::RangeError::New(env, "inferRun: x is shorter than batch x the plan's input size");
    if (outLen < batch * plan.outLen) throw Napi::RangeError::New(env, "inferRun: out is shorter than batch x the plan's output size");
    run_plan(plan, ws, x, batch, out);
    return env.Undefined();
  });
}

// denseSmall(x, rows, w, k, n, bias|null, relu, out): the parity tests' entry to dense_small.
Napi::Value DenseSmall(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    size_t xl = 0, wl = 0, bl = 0, ol = 0;
    const float* x = f32(env, info[0], &xl, "denseSmall: x");
    const size_t rows = info[1].As<Napi::Number>().Uint32Value();
    const float* w = f32(env, info[2], &wl, "denseSmall: w");
    const size_t k = info[3].As<Napi::Number>().Uint32Value(), n = info[4].As<Napi::Number>().Uint32Value();
    const float* bias = info[5].IsNull() ? nullptr : f32(env, info[5], &bl, "denseSmall: bias");
    const bool relu = info[6].ToBoolean().Value();
    float* out = const_cast<float*>(f32(env, info[7], &ol, "denseSmall: out"));
    if (xl < rows * k || wl < k * n || (bias && bl < n) || ol < rows * n)
      throw Napi::RangeError::New(env, "denseSmall: an array is shorter than rows, k and n need");
    dense_small(x, k, rows, w, k, n, bias, relu, out);
    return env.Undefined();
  });
}

}  // namespace

void dense_small(const float* x, size_t lda, size_t rows, const float* w, size_t k, size_t n, const float* bias,
                 bool relu, float* out) {
  if (rows == 0 || n == 0) return;
  const size_t passes = (rows + kMaxRowsPerPass - 1) / kMaxRowsPerPass;
  // k is split only for 1-4 rows, whose wide tiles leave too few tiles to share out (batch 1 of
  // the lecture CNN's [9216, 128] kernel is one tile); measured (bench/NOTES.md) the split did not
  // pay for 8 rows.
  const size_t chunks = rows <= 4 && k > 2 * kChunk ? (k + kChunk - 1) / kChunk : 1;
  struct Pass {
    size_t r0, rb, width, tiles, unit0;
  };
  Pass ps[(16 + kMaxRowsPerPass - 1) / kMaxRowsPerPass + 1];
  std::vector<Pass> many;
  Pass* pp = ps;
  if (passes > sizeof(ps) / sizeof(ps[0])) {
    many.resize(passes);
    pp = many.data();
  }
  size_t units = 0;
  for (size_t p = 0; p < passes; p++) {
    Pass& q = pp[p];
    q.r0 = p * kMaxRowsPerPass;
    q.rb = rows - q.r0 < kMaxRowsPerPass ? rows - q.r0 : kMaxRowsPerPass;
    q.width = tile_width(q.rb);
    q.tiles = (n + q.width - 1) / q.width;
    q.unit0 = units;
    units += q.tiles * chunks;
  }
  // Partial sums: one [rb, width] block per unit (rb * width <= 256 for every pass).
  constexpr size_t partLen = 256;
  float* parts = thread_scratch<DenseScratch, float>(0, units * partLen);
  const int nth = rows * k * n < (64u << 10) || units < 2 ? 1 : num_threads();
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) {
      size_t p = 0;
      while (p + 1 < passes && pp[p + 1].unit0 <= u) p++;
      const Pass& q = pp[p];
      const size_t local = u - q.unit0, tile = local / chunks, chunk = local % chunks;
      const size_t j0 = tile * q.width, width = n - j0 < q.width ? n - j0 : q.width;
      const size_t k0 = k * chunk / chunks, k1 = k * (chunk + 1) / chunks;
      block_for_rows(q.rb)(x + q.r0 * lda, lda, w, n, k0, k1, j0, width, parts + u * partLen);
    }
  };
  if (nth <= 1)
    job(0, 1);
  else
    run_dynamic(nth, job);
  // Chunk sums in chunk order, then bias and relu (v < 0 ? 0 : v keeps NaN).
  for (size_t p = 0; p < passes; p++) {
    const Pass& q = pp[p];
    for (size_t tile = 0; tile < q.tiles; tile++) {
      const size_t j0 = tile * q.width, width = n - j0 < q.width ? n - j0 : q.width;
      const float* first = parts + (q.unit0 + tile * chunks) * partLen;
      for (size_t r = 0; r < q.rb; r++) {
        float* o = out + (q.r0 + r) * n + j0;
        for (size_t j = 0; j < width; j++) {
          float v = first[r * q.width + j];
          for (size_t c = 1; c < chunks; c++) v += first[c * partLen + r * q.width + j];
          if (bias) v += bias[j0 + j];
          o[j] = relu && v < 0.f ? 0.f : v;
        }
      }
    }
  }
}

void register_infer(Napi::Env env, Napi::Object exports) {
  exports.Set("inferCreate", Napi::Function::New(env, InferCreate, "inferCreate"));
  exports.Set("inferRun", Napi::Function::New(env, InferRun, "inferRun"));
  exports.Set("denseSmall", Napi::Function::New(env, DenseSmall, "denseSmall"));
}

}  // namespace ds
