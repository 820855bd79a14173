// GEMM driver (Goto/BLIS-style): the k dimension is cut into blocks that keep one packed
// A micro-panel (MR x kc) in L1 while packed B panels (kc x NR) stream from L2, and the
// micro-kernel does all the arithmetic. Threads split the output into independent slices of rows
// or of columns (each packing its own panels), whichever a simple cost model says is cheaper.
#include "gemm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#if defined(_WIN32)
#include <malloc.h>
#endif

#include "gemm_kernels.h"
#include "thread_pool.h"

namespace ds {
namespace {

std::atomic<int> g_isa{-1};

template <class T>
struct Gemm {
  const T* a;
  size_t lda;
  bool ta;
  const T* b;
  size_t ldb;
  bool tb;
  T* c;
  size_t ldc;
  size_t m, n, k;
  const T* bias;
  Act act;
  T* pre;  // values before the activation, row stride ldc, or null
  bool accumulate;  // the first k-block adds to c instead of overwriting it
};

void* aligned_malloc(size_t bytes) {
#if defined(_WIN32)
  return _aligned_malloc(bytes, 64);
#else
  return std::aligned_alloc(64, bytes);
#endif
}

void aligned_free(void* p) {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

// Grow-only, 64-byte aligned scratch per thread and slot, so steady-state calls allocate nothing.
template <class T>
T* scratch(int slot, size_t count) {
  struct Slot {
    void* p = nullptr;
    size_t cap = 0;
    ~Slot() { aligned_free(p); }
  };
  thread_local Slot slots[2];
  Slot& s = slots[slot];
  size_t bytes = (count * sizeof(T) + 63) & ~(size_t)63;
  if (bytes > s.cap) {
    aligned_free(s.p);
    s.p = aligned_malloc(bytes);
    if (!s.p) throw KernelError("matmul: out of memory for packing buffers");
    s.cap = bytes;
  }
  return static_cast<T*>(s.p);
}

// Packs rows [i0, i0 + mr) and depths [k0, k0 + kc) of op(A) as kc groups of MR values, zero padded.
template <class T>
void pack_a(const Gemm<T>& g, size_t i0, int mr, size_t k0, size_t kc, int MR, T* dst, PackAFn<T> simd) {
  if (simd && mr == MR) {
    simd(g.a, g.lda, g.ta, i0, k0, kc, dst);
    return;
  }
  if (g.ta) {
    for (size_t k = 0; k < kc; k++) {
      const T* src = g.a + (k0 + k) * g.lda + i0;
      T* d = dst + k * MR;
      int r = 0;
      for (; r < mr; r++) d[r] = src[r];
      for (; r < MR; r++) d[r] = T(0);
    }
    return;
  }
  for (int r = 0; r < mr; r++) {
    const T* src = g.a + (i0 + r) * g.lda + k0;
    for (size_t k = 0; k < kc; k++) dst[k * MR + r] = src[k];
  }
  for (int r = mr; r < MR; r++)
    for (size_t k = 0; k < kc; k++) dst[k * MR + r] = T(0);
}

// Packs columns [j0, j0 + nc) and depths [k0, k0 + kc) of op(B) as panels of kc rows of NR
// values (the last zero padded), panel p at dst + p * kc * NR.
template <class T>
void pack_b(const Gemm<T>& g, size_t j0, size_t nc, size_t k0, size_t kc, int NR, T* dst, PackBtFn<T> pack_bt) {
  if (!g.tb) {
    // Row by row across all panels, so B is read sequentially: going panel by panel reads NR
    // values from each row of B, a page apart for wide B, which the prefetchers do not follow
    // (it cost about 3% of a 1024^3 product). Plain loops rather than memcpy: a call per NR
    // values costs more than the copy.
    const size_t full = nc / NR * NR;
    for (size_t k = 0; k < kc; k++) {
      const T* src = g.b + (k0 + k) * g.ldb + j0;
      T* d = dst + k * NR;
      size_t j = 0;
      for (; j < full; j += NR, d += kc * NR)
        for (int jj = 0; jj < NR; jj++) d[jj] = src[j + jj];
      if (j < nc) {
        int jj = 0;
        for (; j + jj < nc; jj++) d[jj] = src[j + jj];
        for (; jj < NR; jj++) d[jj] = T(0);
      }
    }
    return;
  }
  for (size_t j = 0; j < nc; j += NR, dst += kc * NR) {
    const int nr = (int)(nc - j < (size_t)NR ? nc - j : NR);
    if (pack_bt && nr == NR) {
      pack_bt(g.b, g.ldb, j0 + j, k0, kc, dst);
      continue;
    }
    // op(B) = B^T: each column of the panel is a contiguous run of a row of B. Work in short
    // k-slabs so the strided writes stay within a few KB.
    constexpr size_t kSlab = 16;
    for (size_t ks = 0; ks < kc; ks += kSlab) {
      const size_t ke = ks + kSlab < kc ? ks + kSlab : kc;
      for (int c = 0; c < nr; c++) {
        const T* src = g.b + (j0 + j + c) * g.ldb + k0;
        for (size_t k = ks; k < ke; k++) dst[k * NR + c] = src[k];
      }
      for (int c = nr; c < NR; c++)
        for (size_t k = ks; k < ke; k++) dst[k * NR + c] = T(0);
    }
  }
}

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

template <class T>
struct Blocking {
  size_t kc, nc;
};

template <class T>
Blocking<T> blocking(const Gemm<T>& g, const MicroKernel<T>& uk) {
  // Depths up to 1.5x the block stay whole: a second pass over C costs more than a deeper panel.
  const size_t kb = g.k * 2 <= (size_t)uk.kc * 3 ? 1 : ceil_div(g.k, (size_t)uk.kc);
  const size_t kc = ceil_div(g.k, kb);
  // Keep the packed B block (kc x nc) within about 1 MB of L2.
  size_t ncMax = ((size_t)1 << 20) / (kc * sizeof(T));
  ncMax = ncMax / uk.nr * uk.nr;
  if (ncMax < (size_t)uk.nr) ncMax = uk.nr;
  const size_t nb = ceil_div(g.n, ncMax);
  const size_t nc = ceil_div(ceil_div(g.n, nb), (size_t)uk.nr) * uk.nr;
  return {kc, nc};
}

// One product on the calling thread: for each B block (kc x nc, packed once), every A micro-panel
// is packed and run against all of the block's panels.
template <class T>
void gemm_single(const Gemm<T>& g, const MicroKernel<T>& uk) {
  const int MR = uk.mr, NR = uk.nr;
  const Blocking<T> bl = blocking(g, uk);
  const EpilogueSplit ep = split_epilogue(g.act, g.pre != nullptr);
  T* ap = scratch<T>(0, (size_t)MR * bl.kc);
  T* bp = scratch<T>(1, bl.kc * bl.nc);
  for (size_t jc = 0; jc < g.n; jc += bl.nc) {
    const size_t nc = g.n - jc < bl.nc ? g.n - jc : bl.nc;
    const size_t nPanels = ceil_div(nc, NR);
    for (size_t pc = 0; pc < g.k; pc += bl.kc) {
      const size_t kc = g.k - pc < bl.kc ? g.k - pc : bl.kc;
      const bool first = pc == 0, last = pc + kc >= g.k;
      const int flags = (first && !g.accumulate ? 0 : G_ACCUM) | (last && ep.relu_in_store ? G_RELU : 0);
      pack_b(g, jc, nc, pc, kc, NR, bp, uk.pack_bt);
      for (size_t i = 0; i < g.m; i += MR) {
        const int mr = (int)(g.m - i < (size_t)MR ? g.m - i : MR);
        pack_a(g, i, mr, pc, kc, MR, ap, uk.pack_a);
        T* crow = g.c + i * g.ldc + jc;
        for (size_t jp = 0; jp < nPanels; jp++) {
          const size_t j = jp * NR;
          const int nr = (int)(nc - j < (size_t)NR ? nc - j : NR);
          const T* bias = first && g.bias ? g.bias + jc + j : nullptr;
          uk.fn(kc, ap, bp + jp * kc * NR, crow + j, g.ldc, mr, nr, flags, bias);
        }
        // Other activations run on the finished rows while they are still in cache.
        if (last && ep.rows_pass) activate_rows(g.act, crow, g.ldc, mr, nc, g.pre ? g.pre + i * g.ldc + jc : nullptr);
      }
    }
  }
}

// Rows [i0, i1) of g as a product of its own.
template <class T>
Gemm<T> row_slice(const Gemm<T>& g, size_t i0, size_t i1) {
  Gemm<T> s = g;
  s.a = g.ta ? g.a + i0 : g.a + i0 * g.lda;
  s.c = g.c + i0 * g.ldc;
  if (g.pre) s.pre = g.pre + i0 * g.ldc;
  s.m = i1 - i0;
  return s;
}

// Columns [j0, j1) of g as a product of its own.
template <class T>
Gemm<T> column_slice(const Gemm<T>& g, size_t j0, size_t j1) {
  Gemm<T> s = g;
  s.b = g.tb ? g.b + j0 * g.ldb : g.b + j0;
  s.c = g.c + j0;
  if (g.pre) s.pre = g.pre + j0;
  s.n = j1 - j0;
  if (g.bias) s.bias = g.bias + j0;
  return s;
}

// The output is cut into independent slices of whole rows or whole columns that threads claim in
// turn; each slice packs its own panels. No thread ever waits for another mid-product, so a worker
// the scheduler runs late costs nothing (the caller takes its slices), and the price is that every
// slice re-packs the operand it shares with the others: all of B for row slices, all of A for
// column slices. (An earlier row split shared one packed B between threads behind two barriers per
// k-block; see bench/NOTES.md.)
template <class T>
void gemm_parallel(const Gemm<T>& g, const MicroKernel<T>& uk, int nth) {
  const size_t MR = uk.mr, NR = uk.nr;
  const size_t mPanels = ceil_div(g.m, MR), nPanels = ceil_div(g.n, NR);
  // Busiest thread's cost in multiply-adds: its tiles (padded to whole micro-tiles) plus its
  // packing, at about 1/4 cycle per packed value, i.e. 8 multiply-adds of the micro-kernel.
  constexpr double kPack = 8;
  const double m = (double)g.m, n = (double)g.n, k = (double)g.k;
  const double rowCost = (double)(ceil_div(mPanels, nth) * MR) * (nPanels * NR) * k + kPack * (k * n + m * k / nth);
  const double colCost = (double)(mPanels * MR) * (ceil_div(nPanels, nth) * NR) * k + kPack * (m * k + k * n / nth);
  const bool byRows = nPanels < (size_t)nth || (mPanels >= (size_t)nth && rowCost <= colCost);
  const size_t panels = byRows ? mPanels : nPanels;
  // Slices beyond one per thread balance a busy machine; take them only while the extra packing
  // stays under ~1% of the work (row slices re-pack k*n values against m*n*k/slices of work).
  size_t perThread = (size_t)((byRows ? m : n) / (100 * kPack) / nth);
  perThread = perThread < 1 ? 1 : perThread > 8 ? 8 : perThread;
  size_t slices = (size_t)nth * perThread;
  if (slices > panels) slices = panels;
  const size_t unit = byRows ? MR : NR, extent = byRows ? g.m : g.n;
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t t; (t = next.fetch_add(1)) < slices;) {
      const size_t lo = panels * t / slices * unit, hi0 = panels * (t + 1) / slices * unit;
      const size_t hi = hi0 < extent ? hi0 : extent;
      if (lo < hi) gemm_single(byRows ? row_slice(g, lo, hi) : column_slice(g, lo, hi), uk);
    }
  };
  run_dynamic(nth, [](void* c, int tid, int total) { (*static_cast<decltype(job)*>(c))(tid, total); }, &job);
}

// Below this many multiply-adds (~15 us of work) a product runs on one thread: a hand-off costs
// microseconds, and far more when another process holds the other core.
constexpr double kParallelMacs = 1 << 21;

template <class T>
void gemm_one(const Gemm<T>& g, const MicroKernel<T>& uk, int nth) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {
    for (size_t i = 0; i < g.m; i++)
      for (size_t j = 0; j < g.n; j++) g.c[i * g.ldc + j] = g.bias ? g.bias[j] : T(0);
    activate_rows(g.act, g.c, g.ldc, g.m, g.n, g.pre);
    return;
  }
  if (nth > 1 && (double)g.m * g.n * g.k >= kParallelMacs) gemm_parallel(g, uk, nth);
  else gemm_single(g, uk);
}

template <class T>
void matmul_t(const T* a, const T* b, T* out, const T* bias, T* pre, const MatmulArgs& p, const MicroKernel<T>& uk) {
  auto product = [&](size_t bt) {
    Gemm<T> g;
    g.a = a + bt * p.aBatchStride;
    g.lda = p.transA ? p.m : p.k;
    g.ta = p.transA;
    g.b = b + bt * p.bBatchStride;
    g.ldb = p.transB ? p.k : p.n;
    g.tb = p.transB;
    g.c = out + bt * p.m * p.n;
    g.ldc = p.n;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.bias = bias;
    g.act = p.act;
    g.pre = pre ? pre + bt * p.m * p.n : nullptr;
    g.accumulate = false;
    return g;
  };
  const int nth = num_threads();
  const double macs = (double)p.m * p.n * p.k;
  // Many small products: whole products per thread beat splitting each one.
  if (nth > 1 && p.batch >= (size_t)nth && macs < kParallelMacs && macs * p.batch >= kParallelMacs) {
    std::atomic<size_t> next{0};
    auto job = [&](int, int) {
      for (size_t bt; (bt = next.fetch_add(1)) < p.batch;) gemm_one(product(bt), uk, 1);
    };
    run_dynamic(nth, [](void* c, int tid, int n) { (*static_cast<decltype(job)*>(c))(tid, n); }, &job);
    return;
  }
  for (size_t bt = 0; bt < p.batch; bt++) gemm_one(product(bt), uk, nth);
}

MicroKernel<float> float_kernel() {
  int isa = g_isa.load(std::memory_order_relaxed);
  if (isa < 0) isa = (int)detected_isa();
  switch ((Isa)isa) {
    case Isa::Avx512: return sgemm_kernel_avx512();
    case Isa::Avx2: return sgemm_kernel_avx2();
    default: return sgemm_kernel_generic();
  }
}

template <class T>
MicroKernel<T> kernel_for();
template <>
MicroKernel<float> kernel_for<float>() {
  return float_kernel();
}
template <>
MicroKernel<double> kernel_for<double>() {
  return dgemm_kernel_generic();
}

}  // namespace

template <class T>
PackedB<T>::PackedB(const T* b, size_t ldb, size_t k_, size_t n_, bool transB)
    : k(k_), n(n_), uk(kernel_for<T>()), data(nullptr, aligned_free) {
  Gemm<T> g{};
  g.b = b;
  g.ldb = ldb;
  g.tb = transB;
  g.k = k;
  g.n = n;
  g.m = 1;
  kc = k == 0 ? 1 : blocking(g, uk).kc;
  panels = ceil_div(n, (size_t)uk.nr);
  // Block pc (depths [pc, pc + kc)) starts at pc * panels * NR: the blocks before it hold pc depths.
  const size_t count = (k == 0 ? 1 : k) * panels * uk.nr;
  data.reset(static_cast<T*>(aligned_malloc((count * sizeof(T) + 63) & ~(size_t)63)));
  if (!data) throw KernelError("matmul: out of memory for a packed operand");
  for (size_t pc = 0; pc < k; pc += kc) {
    const size_t kb = k - pc < kc ? k - pc : kc;
    pack_b(g, 0, n, pc, kb, uk.nr, data.get() + pc * panels * uk.nr, uk.pack_bt);
  }
}

template <class T>
void gemm_prepacked(const T* a, size_t lda, const PackedB<T>& b, T* c, size_t ldc, size_t m, bool accumulate,
                    const T* bias, Act act, T* pre) {
  if (m == 0 || b.n == 0) return;
  if (b.k == 0) {
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < b.n; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : T(0)) + (bias ? bias[j] : T(0));
    activate_rows(act, c, ldc, m, b.n, pre);
    return;
  }
  const EpilogueSplit ep = split_epilogue(act, pre != nullptr);
  const MicroKernel<T>& uk = b.uk;
  const int MR = uk.mr, NR = uk.nr;
  Gemm<T> g{};
  g.a = a;
  g.lda = lda;
  T* ap = scratch<T>(0, (size_t)MR * b.kc);
  for (size_t i = 0; i < m; i += MR) {
    const int mr = (int)(m - i < (size_t)MR ? m - i : MR);
    T* crow = c + i * ldc;
    for (size_t pc = 0; pc < b.k; pc += b.kc) {
      const size_t kc = b.k - pc < b.kc ? b.k - pc : b.kc;
      const bool last = pc + kc >= b.k;
      const int flags = (accumulate || pc > 0 ? G_ACCUM : 0) | (last && ep.relu_in_store ? G_RELU : 0);
      pack_a(g, i, mr, pc, kc, MR, ap, uk.pack_a);
      const T* bp = b.data.get() + pc * b.panels * NR;
      for (size_t jp = 0; jp < b.panels; jp++) {
        const size_t j = jp * NR;
        const int nr = (int)(b.n - j < (size_t)NR ? b.n - j : NR);
        uk.fn(kc, ap, bp + jp * kc * NR, crow + j, ldc, mr, nr, flags, pc == 0 && bias ? bias + j : nullptr);
      }
    }
    if (ep.rows_pass) activate_rows(act, crow, ldc, mr, b.n, pre ? pre + i * ldc : nullptr);
  }
}

template <class T>
void gemm_serial(const T* a, size_t lda, bool transA, const T* b, size_t ldb, bool transB, T* c, size_t ldc, size_t m,
                 size_t n, size_t k, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate)
      for (size_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, n * sizeof(T));
    return;
  }
  Gemm<T> g{};
  g.a = a;
  g.lda = lda;
  g.ta = transA;
  g.b = b;
  g.ldb = ldb;
  g.tb = transB;
  g.c = c;
  g.ldc = ldc;
  g.m = m;
  g.n = n;
  g.k = k;
  g.accumulate = accumulate;
  gemm_single(g, kernel_for<T>());
}

template struct PackedB<float>;
template struct PackedB<double>;
template void gemm_prepacked<float>(const float*, size_t, const PackedB<float>&, float*, size_t, size_t, bool,
                                    const float*, Act, float*);
template void gemm_prepacked<double>(const double*, size_t, const PackedB<double>&, double*, size_t, size_t, bool,
                                     const double*, Act, double*);
template void gemm_serial<float>(const float*, size_t, bool, const float*, size_t, bool, float*, size_t, size_t, size_t,
                                 size_t, bool);
template void gemm_serial<double>(const double*, size_t, bool, const double*, size_t, bool, double*, size_t, size_t,
                                  size_t, size_t, bool);

Isa set_gemm_isa(Isa want) {
  const Isa have = detected_isa();
  const Isa use = (int)want > (int)have ? have : want;
  g_isa.store((int)use);
  return use;
}

Isa gemm_isa() {
  const int isa = g_isa.load();
  return isa < 0 ? detected_isa() : (Isa)isa;
}

void matmul(const Buf& a, const Buf& b, const Buf& out, const Buf* bias, const Buf* pre, const MatmulArgs& p) {
  const DType d = a.dtype;
  if ((d != DType::F32 && d != DType::F64) || b.dtype != d || out.dtype != d || (bias && bias->dtype != d) ||
      (pre && pre->dtype != d))
    throw KernelError("matmul: expects float arrays of one dtype");
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  const size_t aNeed = (p.batch - 1) * p.aBatchStride + p.m * p.k;
  const size_t bNeed = (p.batch - 1) * p.bBatchStride + p.k * p.n;
  const size_t outNeed = p.batch * p.m * p.n;
  if (a.len < aNeed || b.len < bNeed || out.len < outNeed || (bias && bias->len < p.n) || (pre && pre->len < outNeed))
    throw KernelError("matmul: arrays are shorter than the product's shapes");
  if (d == DType::F32) {
    matmul_t(a.as<float>(), b.as<float>(), out.as<float>(), bias ? bias->as<float>() : nullptr,
             pre ? pre->as<float>() : nullptr, p, float_kernel());
  } else {
    matmul_t(a.as<double>(), b.as<double>(), out.as<double>(), bias ? bias->as<double>() : nullptr,
             pre ? pre->as<double>() : nullptr, p, dgemm_kernel_generic());
  }
}

}  // namespace ds
