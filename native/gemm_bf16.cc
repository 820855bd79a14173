// bf16 GEMM driver: both operands are packed once per product into the layout the AMX tiles
// want (A as 32-row panels of kp values, B as 16-column groups of (k pair, column, 2) entries,
// kp = k rounded up to 32, zero padded), and every kernel family computes whole 32 x 32 blocks
// over the full depth into float32 sums, so the epilogue (bias, relu, rounding to bf16) runs once
// per output, after the last product, as in the reference. Threads take (column block, row panel)
// units in turn; each packs its own A panel.
#include "gemm_bf16.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "cpu_features.h"
#include "js_convert.h"
#include "thread_pool.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define DS_X86 1
#endif
#if defined(__linux__) && defined(DS_X86)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ds {
namespace {

constexpr size_t BM = 32, BN = 32, KSTEP = 32;

std::string g_amx_reason;

#if defined(DS_X86)
unsigned long long xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}
#endif

Bf16Isa detect() {
#if defined(DS_X86)
  if (detected_isa() != Isa::Avx512) {
    g_amx_reason = "no AVX-512";
    return Bf16Isa::Generic;
  }
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a & (1u << 5))) {
    g_amx_reason = "no AVX512_BF16";
    return Bf16Isa::Generic;
  }
  unsigned a0 = 0, b0 = 0, c0 = 0, d0 = 0;
  __get_cpuid_count(7, 0, &a0, &b0, &c0, &d0);
  const bool amxFlags = (d0 & (1u << 22)) && (d0 & (1u << 24));  // AMX-BF16, AMX-TILE
  if (!amxFlags) {
    g_amx_reason = "the CPU has no AMX-BF16";
    return Bf16Isa::Avx512Bf16;
  }
  const char* off = std::getenv("DEEPSCRIPT_DISABLE_AMX");
  if (off && *off && std::string(off) != "0") {
    g_amx_reason = "DEEPSCRIPT_DISABLE_AMX is set";
    return Bf16Isa::Avx512Bf16;
  }
  // OSXSAVE, then XCR0's tile config and tile data bits (17, 18).
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __get_cpuid(1, &a1, &b1, &c1, &d1);
  if (!(c1 & (1u << 27)) || (xcr0() & (3ull << 17)) != (3ull << 17)) {
    g_amx_reason = "the OS does not enable the AMX tile state";
    return Bf16Isa::Avx512Bf16;
  }
#if defined(__linux__)
  // Linux hands out the 8 KB tile data state only on request (ARCH_REQ_XCOMP_PERM, feature 18).
  constexpr int kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) {
    g_amx_reason = "Linux refused ARCH_REQ_XCOMP_PERM for the tile data";
    return Bf16Isa::Avx512Bf16;
  }
  return Bf16Isa::Amx;
#else
  g_amx_reason = "AMX is only enabled on Linux";
  return Bf16Isa::Avx512Bf16;
#endif
#else
  g_amx_reason = "not an x86-64 CPU";
  return Bf16Isa::Generic;
#endif
}

std::atomic<int> g_bf16_isa{-1};

void* aligned_malloc64(size_t bytes) { return std::aligned_alloc(64, (bytes + 63) & ~(size_t)63); }

// Grow-only, 64-byte aligned per-thread scratch (slot 0: A panel, slot 1: sums).
void* scratch(int slot, size_t bytes) {
  struct Slot {
    void* p = nullptr;
    size_t cap = 0;
    ~Slot() { std::free(p); }
  };
  thread_local Slot slots[2];
  Slot& s = slots[slot];
  if (bytes > s.cap) {
    std::free(s.p);
    s.p = aligned_malloc64(bytes);
    if (!s.p) throw KernelError("matmulBf16: out of memory for packing buffers");
    s.cap = bytes;
  }
  return s.p;
}

// Portable block: the same float32 sums, k in order (each bf16 product is exact in float32, so a
// fused or separate multiply-add gives the same result, and this equals the reference).
void block_generic(const uint16_t* ap, size_t kp, const uint16_t* bp, size_t gstride, float* acc) {
  for (size_t r = 0; r < BM; r++) {
    float s[BN];
    for (size_t j = 0; j < BN; j++) s[j] = 0.0f;
    const uint16_t* ar = ap + r * kp;
    for (size_t q = 0; q < kp / 2; q++) {
      const float a0 = bf16_to_f32(ar[2 * q]), a1 = bf16_to_f32(ar[2 * q + 1]);
      for (size_t g = 0; g < 2; g++) {
        const uint16_t* bq = bp + g * gstride + q * 32;
        for (size_t c = 0; c < 16; c++) {
          float v = s[g * 16 + c] + a0 * bf16_to_f32(bq[2 * c]);
          s[g * 16 + c] = v + a1 * bf16_to_f32(bq[2 * c + 1]);
        }
      }
    }
    for (size_t j = 0; j < BN; j++) acc[r * BN + j] = s[j];
  }
}

struct Product {
  const uint16_t* a;
  const uint16_t* b;
  bool ta, tb;
  size_t m, n, k, kp;
  float* outF;
  uint16_t* outH;
  const float* bias;
  bool relu;
};

// op(A) rows [i0, i0 + 32) as 32 rows of kp values, zero padded.
void pack_a(const Product& g, size_t i0, uint16_t* dst) {
  const size_t rows = g.m - i0 < BM ? g.m - i0 : BM;
  if (!g.ta) {
    for (size_t r = 0; r < rows; r++) {
      std::memcpy(dst + r * g.kp, g.a + (i0 + r) * g.k, g.k * 2);
      std::memset(dst + r * g.kp + g.k, 0, (g.kp - g.k) * 2);
    }
  } else {
    // A stored [k, m]: each depth is a contiguous run of the panel's rows.
    for (size_t kk = 0; kk < g.k; kk++) {
      const uint16_t* src = g.a + kk * g.m + i0;
      for (size_t r = 0; r < rows; r++) dst[r * g.kp + kk] = src[r];
    }
    for (size_t r = 0; r < rows; r++) std::memset(dst + r * g.kp + g.k, 0, (g.kp - g.k) * 2);
  }
  for (size_t r = rows; r < BM; r++) std::memset(dst + r * g.kp, 0, g.kp * 2);
}

// Column group gi of op(B) (columns 16 gi ..) as kp/2 rows of (16 columns x 2 depths), zero padded.
void pack_b_group(const Product& g, size_t gi, uint16_t* dst) {
  const size_t j0 = gi * 16;
  const size_t cols = j0 >= g.n ? 0 : (g.n - j0 < 16 ? g.n - j0 : 16);
  const size_t pairs = g.kp / 2;
  std::memset(dst, 0, pairs * 64);
  if (!g.tb) {
    for (size_t kk = 0; kk < g.k; kk++) {
      const uint16_t* src = g.b + kk * g.n + j0;
      uint16_t* d = dst + (kk / 2) * 32 + (kk & 1);
      for (size_t c = 0; c < cols; c++) d[2 * c] = src[c];
    }
  } else {
    // B stored [n, k]: each column of op(B) is a contiguous row.
    for (size_t c = 0; c < cols; c++) {
      const uint16_t* src = g.b + (j0 + c) * g.k;
      for (size_t kk = 0; kk < g.k; kk++) dst[(kk / 2) * 32 + 2 * c + (kk & 1)] = src[kk];
    }
  }
}

void store_block(const Product& g, const float* acc, size_t i0, size_t j0, Bf16StoreFn simd) {
  const size_t rows = g.m - i0 < BM ? g.m - i0 : BM;
  const size_t cols = g.n - j0 < BN ? g.n - j0 : BN;
  if (simd) {
    const size_t o = i0 * g.n + j0;
    simd(acc, rows, cols, g.bias ? g.bias + j0 : nullptr, g.relu, g.outF ? g.outF + o : nullptr,
         g.outH ? g.outH + o : nullptr, g.n);
    return;
  }
  for (size_t r = 0; r < rows; r++) {
    const float* ar = acc + r * BN;
    const size_t o = (i0 + r) * g.n + j0;
    if (g.outF) {
      float* c = g.outF + o;
      for (size_t j = 0; j < cols; j++) {
        float v = ar[j];
        if (g.bias) v += g.bias[j0 + j];
        if (g.relu && v < 0.0f) v = 0.0f;
        c[j] = v;
      }
    } else {
      uint16_t* c = g.outH + o;
      for (size_t j = 0; j < cols; j++) {
        float v = ar[j];
        if (g.bias) v += g.bias[j0 + j];
        if (g.relu && v < 0.0f) v = 0.0f;
        c[j] = f32_to_bf16(v);
      }
    }
  }
}

Bf16BlockFn block_for(Bf16Isa isa) {
  switch (isa) {
    case Bf16Isa::Amx: return bf16_block_amx();
    case Bf16Isa::Avx512Bf16: return bf16_block_avx512();
    default: return block_generic;
  }
}

// Below this many multiply-adds a product runs on the calling thread alone.
constexpr double kParallelMacs = 1 << 21;

// packB false: bpacked already holds this product's B (a batch sharing one B packs it once).
void run_product(const Product& g, Bf16Isa isa, uint16_t* bpacked, bool packB_) {
  const size_t groups = (g.n + BN - 1) / BN * 2;  // an even number of 16-column groups
  const size_t gstride = g.kp * 16;               // values per packed group
  const int nth = (double)g.m * g.n * g.k >= kParallelMacs ? num_threads() : 1;
  const bool simd = isa != Bf16Isa::Generic;
  const Bf16PackBFn packB = simd ? bf16_pack_b_avx512() : nullptr;
  const Bf16PackBtFn packBt = simd ? bf16_pack_bt_avx512() : nullptr;
  const Bf16PackAtFn packAt = simd ? bf16_pack_at_avx512() : nullptr;
  const Bf16StoreFn store = simd ? bf16_store_avx512() : nullptr;
  if (packB_) {
    // Pairs of groups (32 columns) per claim; whole pairs of an untransposed B go to the SIMD packer.
    const size_t pairs = groups / 2;
    std::atomic<size_t> next{0};
    auto job = [&](int, int) {
      for (size_t t; (t = next.fetch_add(1)) < pairs;) {
        uint16_t* dst = bpacked + 2 * t * gstride;
        if (packB && !g.tb && (t + 1) * BN <= g.n) {
          packB(g.b, g.n, g.k, g.kp, t * BN, dst, gstride);
        } else if (packBt && g.tb && (t + 1) * BN <= g.n) {
          packBt(g.b, g.k, g.kp, t * BN, dst);
          packBt(g.b, g.k, g.kp, t * BN + 16, dst + gstride);
        } else {
          pack_b_group(g, 2 * t, dst);
          pack_b_group(g, 2 * t + 1, dst + gstride);
        }
      }
    };
    run_dynamic(pairs < (size_t)nth ? (int)pairs : nth, job);
  }
  // Column blocks of about 512 KB of packed B, so a row panel's pass over one stays in L2.
  size_t nc = ((size_t)1 << 18) / g.kp / BN * BN;
  if (nc < BN) nc = BN;
  const size_t nBlocks = (g.n + nc - 1) / nc, mPanels = (g.m + BM - 1) / BM;
  const size_t units = nBlocks * mPanels;
  const Bf16BlockFn fn = block_for(isa);
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    uint16_t* ap = static_cast<uint16_t*>(scratch(0, BM * g.kp * 2));
    float* acc = static_cast<float*>(scratch(1, BM * BN * 4));
    if (isa == Bf16Isa::Amx) amx_begin();
    size_t packedPanel = (size_t)-1;
    for (size_t t; (t = next.fetch_add(1)) < units;) {
      const size_t jb = t / mPanels, ip = t % mPanels;
      if (ip != packedPanel) {
        if (packAt && g.ta && (ip + 1) * BM <= g.m) packAt(g.a, g.m, g.k, g.kp, ip * BM, ap);
        else pack_a(g, ip * BM, ap);
        packedPanel = ip;
      }
      const size_t jEnd = (jb + 1) * nc < g.n ? (jb + 1) * nc : g.n;
      for (size_t j = jb * nc; j < jEnd; j += BN) {
        fn(ap, g.kp, bpacked + (j / 16) * gstride, gstride, acc);
        store_block(g, acc, ip * BM, j, store);
      }
    }
    if (isa == Bf16Isa::Amx) amx_end();
  };
  run_dynamic(units < (size_t)nth ? (int)units : nth, job);
}

}  // namespace

Bf16Isa detected_bf16_isa() {
  static const Bf16Isa isa = detect();
  return isa;
}

const char* amx_unavailable_reason() {
  detected_bf16_isa();
  return g_amx_reason.c_str();
}

const char* bf16_isa_name(Bf16Isa isa) {
  switch (isa) {
    case Bf16Isa::Amx: return "amx";
    case Bf16Isa::Avx512Bf16: return "avx512bf16";
    default: return "generic";
  }
}

Bf16Isa set_bf16_isa(Bf16Isa want) {
  const Bf16Isa have = detected_bf16_isa();
  const Bf16Isa use = (int)want > (int)have ? have : want;
  g_bf16_isa.store((int)use);
  return use;
}

Bf16Isa bf16_isa() {
  const int isa = g_bf16_isa.load();
  return isa < 0 ? detected_bf16_isa() : (Bf16Isa)isa;
}

void matmul_bf16(const Bf16Span& a, const Bf16Span& b, const Buf* outF32, const Bf16Span* outBf16, const Buf* bias,
                 const MatmulArgs& p) {
  if ((outF32 == nullptr) == (outBf16 == nullptr)) throw KernelError("matmulBf16: needs exactly one output");
  if (outF32 && outF32->dtype != DType::F32) throw KernelError("matmulBf16: out must be float32 or bfloat16");
  if (bias && bias->dtype != DType::F32) throw KernelError("matmulBf16: bias must be float32");
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  const size_t aNeed = (p.batch - 1) * p.aBatchStride + p.m * p.k;
  const size_t bNeed = (p.batch - 1) * p.bBatchStride + p.k * p.n;
  const size_t outLen = outF32 ? outF32->len : outBf16->len;
  if (a.len < aNeed || b.len < bNeed || outLen < p.batch * p.m * p.n || (bias && bias->len < p.n))
    throw KernelError("matmulBf16: arrays are shorter than the product's shapes");
  const Bf16Isa isa = bf16_isa();
  const size_t kp = p.k == 0 ? KSTEP : (p.k + KSTEP - 1) / KSTEP * KSTEP;
  const size_t groups = (p.n + BN - 1) / BN * 2;
  uint16_t* bpacked = static_cast<uint16_t*>(aligned_malloc64(groups * kp * 16 * 2));
  if (!bpacked) throw KernelError("matmulBf16: out of memory for a packed operand");
  struct Free {
    void* p;
    ~Free() { std::free(p); }
  } freeB{bpacked};
  for (size_t bt = 0; bt < p.batch; bt++) {
    Product g;
    g.a = a.data + bt * p.aBatchStride;
    g.b = b.data + bt * p.bBatchStride;
    g.ta = p.transA;
    g.tb = p.transB;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.kp = kp;
    g.outF = outF32 ? outF32->as<float>() + bt * p.m * p.n : nullptr;
    g.outH = outBf16 ? outBf16->data + bt * p.m * p.n : nullptr;
    g.bias = bias ? bias->as<float>() : nullptr;
    g.relu = p.act == Act::Relu;
    run_product(g, isa, bpacked, bt == 0 || p.bBatchStride != 0);
  }
}

void cast_to_bf16(const Buf& x, const Bf16Span& out) {
  if (out.len < x.len) throw KernelError("cast: out is shorter than x");
  dispatch_dtype(x.dtype, [&](auto tag) {
    using S = decltype(tag);
    const S* s = x.as<S>();
    parallel_for(x.len, 1 << 16, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) out.data[i] = f32_to_bf16((float)s[i]);
    });
  });
}

void cast_from_bf16(const Bf16Span& x, const Buf& out) {
  if (out.len < x.len) throw KernelError("cast: out is shorter than x");
  dispatch_dtype(out.dtype, [&](auto tag) {
    using D = decltype(tag);
    D* d = out.as<D>();
    parallel_for(x.len, 1 << 16, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) d[i] = js_store<D>((double)bf16_to_f32(x.data[i]));
    });
  });
}

}  // namespace ds
