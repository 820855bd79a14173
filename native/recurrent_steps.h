// Body of the fused recurrent kernels (forward_t / backward_t and their gate arithmetic), included
// by recurrent.cc once per instruction set inside a namespace of its own, so the same source is
// compiled for the baseline and, under a target pragma, for AVX2 + FMA: the gate loops are
// elementwise maps that vectorize twice as wide there. No include guard (#pragma once) on
// purpose; the includer provides the standard headers, gemm.h and thread_pool.h before it.

// exp for float32 without a libm call, so the gate loops vectorize: Cody-Waite reduction by ln 2
// and a degree-6 polynomial (Cephes's expf coefficients), about 1 ulp on [-87, 88].
inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  const float n = (x * 1.44269504f + 12582912.f) - 12582912.f;  // round(x / ln 2) via the float grid
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  const int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float exp_of(float x) { return fast_exp(x); }
inline double exp_of(double x) { return std::exp(x); }

// Applies an activation in place to n contiguous values; the switch is outside the loops so each
// loop is a straight vectorizable map.
template <class T>
void activate(RnnAct a, T* v, size_t n) {
  switch (a) {
    case RnnAct::Linear: return;
    case RnnAct::Relu:
      for (size_t i = 0; i < n; i++) v[i] = v[i] < T(0) ? T(0) : v[i];  // NaN stays NaN
      return;
    case RnnAct::Sigmoid:
      for (size_t i = 0; i < n; i++) v[i] = T(1) / (T(1) + exp_of(-v[i]));
      return;
    default:
      if (sizeof(T) == 8) {
        for (size_t i = 0; i < n; i++) v[i] = std::tanh(v[i]);
      } else {
        for (size_t i = 0; i < n; i++) v[i] = T(1) - T(2) / (T(1) + exp_of(T(2) * v[i]));
      }
  }
}

// Derivative of an activation through its output y, branch-free so the backward loops vectorize:
// (y > floor ? c0 + y (c1 + c2 y) : 0) gives 1 (linear), y (1 - y) (sigmoid), 1 - y^2 (tanh) and
// step(y) (relu), with the same rounding as the reference's formulas.
template <class T>
struct Deriv {
  T c0, c1, c2, floor;
  explicit Deriv(RnnAct a)
      : c0(a == RnnAct::Sigmoid ? T(0) : T(1)),
        c1(a == RnnAct::Sigmoid ? T(1) : T(0)),
        c2(a == RnnAct::Sigmoid || a == RnnAct::Tanh ? T(-1) : T(0)),
        floor(a == RnnAct::Relu ? T(0) : -std::numeric_limits<T>::infinity()) {}
  T operator()(T y) const { return T(y > floor) * (c0 + y * (c1 + c2 * y)); }
};

template <class T>
DType dtype_of() {
  return sizeof(T) == 8 ? DType::F64 : DType::F32;
}

template <class T>
Buf view(const T* p, size_t n) {
  Buf b;
  b.data = const_cast<T*>(p);
  b.len = n;
  b.dtype = dtype_of<T>();
  return b;
}

// out [m, n] = op(a) @ op(b), op(a) [m, k], op(b) [k, n]: the shared GEMM (threads itself when large).
template <class T>
void gemm(const T* a, const T* b, T* out, size_t m, size_t n, size_t k, bool ta, bool tb) {
  MatmulArgs p{1, m, n, k, ta, tb, 0, 0, Act::Linear};
  matmul(view(a, m * k), view(b, k * n), view(out, m * n), nullptr, nullptr, p);
}

template <class T>
std::vector<T> columns(const T* x, size_t rows, size_t cols, size_t c0, size_t w) {
  std::vector<T> out(rows * w);
  for (size_t r = 0; r < rows; r++) std::memcpy(&out[r * w], x + r * cols + c0, w * sizeof(T));
  return out;
}

// Splits the batch rows between threads once for a whole sequence: rows of a recurrence are
// independent, so each chunk runs every step of its own rows (its own small GEMM per step against a
// kernel packed once) and threads never meet mid-sequence. Chunks are claimed dynamically, so a
// worker the scheduler runs late costs nothing (the caller takes its chunk).
template <class F>
void over_chunks(size_t batch, F&& body) {
  const int nth = num_threads();
  const size_t chunks = std::min<size_t>((size_t)std::max(nth, 1), batch);
  if (chunks <= 1) {
    body((size_t)0, batch);
    return;
  }
  std::atomic<size_t> next{0};
  auto job = [&](int, int) {
    for (size_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) body(batch * c / chunks, batch * (c + 1) / chunks);
  };
  run_dynamic((int)chunks, [](void* c, int tid, int total) { (*static_cast<decltype(job)*>(c))(tid, total); }, &job);
}

// out = a + b over n values; restrict parameters let it vectorize next to the cache writes.
template <class T>
void add_rows(const T* __restrict a, const T* __restrict b, T* __restrict out, size_t n) {
  for (size_t j = 0; j < n; j++) out[j] = a[j] + b[j];
}

// Asks for the lines of n values at p ahead of use. A step reads every batch row's slice of the
// input (backward: of each cache plane), rows a whole sequence apart: hundreds of short streams,
// more than the hardware prefetchers follow, so each row's next-step slices are requested while
// the current step runs (about 10% of the reuters-shaped LSTM; prefetching the forward's writes
// gained nothing).
template <bool Write, class T>
inline void prefetch_span(const T* p, size_t n) {
  const char* c = reinterpret_cast<const char*>(p);
  const char* e = c + n * sizeof(T);
  for (; c < e; c += 64) __builtin_prefetch(c, Write ? 1 : 0, 3);
}

inline size_t cache_planes(RnnCell c) {
  return c == RnnCell::Simple ? 2 : c == RnnCell::Lstm ? 7 : c == RnnCell::Gru ? 6 : 5;
}

template <class T>
inline T sigmoid_of(T v) {
  return T(1) / (T(1) + exp_of(-v));
}
inline float tanh_of(float v) { return 1.f - 2.f / (1.f + fast_exp(2.f * v)); }
inline double tanh_of(double v) { return std::tanh(v); }

// One batch row of an LSTM step with the default activations (tanh, sigmoid recurrent) in a single
// pass: each gate value is written once instead of being added, activated and re-read per gate.
// Same formulas as activate(), so the same rounding. cPrev is the row's previous cell state.
template <class T>
void lstm_row_forward(const T* __restrict xt, const T* __restrict r, const T* __restrict cPrev, T* __restrict i,
                      T* __restrict f, T* __restrict g, T* __restrict o, T* __restrict c, T* __restrict ac,
                      T* __restrict h, size_t u) {
  for (size_t j = 0; j < u; j++) {
    const T iv = sigmoid_of(xt[j] + r[j]), fv = sigmoid_of(xt[u + j] + r[u + j]);
    const T gv = tanh_of(xt[2 * u + j] + r[2 * u + j]), ov = sigmoid_of(xt[3 * u + j] + r[3 * u + j]);
    const T cv = fv * cPrev[j] + iv * gv;
    const T av = tanh_of(cv);
    i[j] = iv;
    f[j] = fv;
    g[j] = gv;
    o[j] = ov;
    c[j] = cv;
    ac[j] = av;
    h[j] = ov * av;
  }
}

template <class T>
void forward_t(const T* x, const T* U, const T* rb, const T* mask, const T* sm, T* hseq, T* cache, const RnnArgs& p) {
  const size_t B = p.batch, Tn = p.time, u = p.units;
  const RnnCell cell = p.cell;
  const size_t G = cell == RnnCell::Simple ? 1 : cell == RnnCell::Lstm ? 4 : 3;
  const size_t gu = G * u, plane = B * Tn * u;
  const RnnAct act = p.act, ract = p.ract;
  const bool resetBefore = cell == RnnCell::GruResetBefore;
  std::vector<T> hm(B * u), rec(B * gu), hprev(B * u, T(0)), zeros(u, T(0));
  std::vector<T> rh, recH;
  if (resetBefore) {
    rh.resize(B * u);
    recH.resize(B * u);
  }
  const size_t recW = resetBefore ? 2 * u : gu;
  // The recurrent kernel packed once for all steps and threads: all of U, or (reset before) its
  // z/r columns and its candidate columns apart.
  const PackedB<T> pRec(U, gu, u, recW, false);
  std::unique_ptr<PackedB<T>> pH;
  if (resetBefore) pH.reset(new PackedB<T>(U + 2 * u, gu, u, u, false));
  over_chunks(B, [&](size_t b0, size_t b1) {
    const size_t nb = b1 - b0;
    for (size_t t = 0; t < Tn; t++) {
      for (size_t b = b0; b < b1; b++)
        for (size_t j = 0; j < u; j++) {
          const T v = hprev[b * u + j] * (mask ? mask[b * u + j] : T(1));
          hm[b * u + j] = v;
          cache[(b * Tn + t) * u + j] = v;
        }
      // The initial state is zero, so is the first step's product.
      if (t == 0) std::fill(rec.begin() + b0 * recW, rec.begin() + b1 * recW, T(0));
      else gemm_prepacked(hm.data() + b0 * u, u, pRec, rec.data() + b0 * recW, recW, nb, false);
      {
        for (size_t b = b0; b < b1; b++) {
          const T* xt = x + (b * Tn + t) * gu;
          const T* r = rec.data() + b * recW;
          T* hp = hprev.data() + b * u;
          T* hm_b = hm.data() + b * u;
          const size_t row = (b * Tn + t) * u;
          T* h = hseq + row;
          // Row `row` of cache plane k.
          auto pl = [&](size_t k) { return cache + k * plane + row; };
          switch (cell) {
            case RnnCell::Simple: {
              T* y = pl(1);
              add_rows(xt, r, y, u);
              activate(act, y, u);
              std::memcpy(h, y, u * sizeof(T));
              break;
            }
            case RnnCell::Lstm: {
              T *i = pl(1), *f = pl(2), *g = pl(3), *o = pl(4), *c = pl(5), *ac = pl(6);
              if (act == RnnAct::Tanh && ract == RnnAct::Sigmoid) {
                lstm_row_forward(xt, r, t == 0 ? zeros.data() : c - u, i, f, g, o, c, ac, h, u);
                break;
              }
              add_rows(xt, r, i, u);
              add_rows(xt + u, r + u, f, u);
              add_rows(xt + 2 * u, r + 2 * u, g, u);
              add_rows(xt + 3 * u, r + 3 * u, o, u);
              activate(ract, i, u);
              activate(ract, f, u);
              activate(act, g, u);
              activate(ract, o, u);
              if (t == 0)
                for (size_t j = 0; j < u; j++) c[j] = i[j] * g[j];
              else {
                const T* cPrev = c - u;  // the same batch row one step earlier
                for (size_t j = 0; j < u; j++) c[j] = f[j] * cPrev[j] + i[j] * g[j];
              }
              std::memcpy(ac, c, u * sizeof(T));
              activate(act, ac, u);
              for (size_t j = 0; j < u; j++) h[j] = o[j] * ac[j];
              break;
            }
            default: {
              T *hpc = pl(1), *z = pl(2), *rr = pl(3), *hh = pl(4);
              std::memcpy(hpc, hp, u * sizeof(T));
              for (size_t j = 0; j < u; j++) {
                z[j] = xt[j] + r[j] + (rb ? rb[j] : T(0));
                rr[j] = xt[u + j] + r[u + j] + (rb ? rb[u + j] : T(0));
              }
              activate(ract, z, u);
              activate(ract, rr, u);
              if (cell == RnnCell::Gru) {
                T* ih = pl(5);
                for (size_t j = 0; j < u; j++) {
                  ih[j] = r[2 * u + j] + (rb ? rb[2 * u + j] : T(0));
                  hh[j] = xt[2 * u + j] + rr[j] * ih[j];
                }
                activate(act, hh, u);
                for (size_t j = 0; j < u; j++) h[j] = z[j] * hp[j] + (T(1) - z[j]) * hh[j];
              } else {
                T* rh_b = rh.data() + b * u;
                for (size_t j = 0; j < u; j++) rh_b[j] = rr[j] * hm_b[j];
              }
            }
          }
          // A masked step (Keras): the states carry over and the output repeats the previous one.
          if (sm && !sm[b * Tn + t] && !resetBefore) {
            std::memcpy(h, hp, u * sizeof(T));
            if (cell == RnnCell::Lstm) {
              T* c = cache + 5 * plane + row;
              if (t == 0) std::fill(c, c + u, T(0));
              else std::memcpy(c, c - u, u * sizeof(T));
            }
          }
          if (!resetBefore) std::memcpy(hp, h, u * sizeof(T));
          if (t + 1 < Tn) {
            const size_t next = row + u;
            prefetch_span<false>(xt + gu, gu);
          }
        }
      }
      if (resetBefore) {
        if (t == 0) std::fill(recH.begin() + b0 * u, recH.begin() + b1 * u, T(0));
        else gemm_prepacked(rh.data() + b0 * u, u, *pH, recH.data() + b0 * u, u, nb, false);
        for (size_t b = b0; b < b1; b++) {
          const size_t row = (b * Tn + t) * u;
          for (size_t j = 0; j < u; j++) {
            const size_t at = row + j;
            cache[4 * plane + at] = x[(b * Tn + t) * gu + 2 * u + j] + recH[b * u + j];
          }
          T* hh = cache + 4 * plane + row;
          activate(act, hh, u);
          const T* z = cache + 2 * plane + row;
          for (size_t j = 0; j < u; j++) hseq[row + j] = z[j] * hprev[b * u + j] + (T(1) - z[j]) * hh[j];
          if (sm && !sm[b * Tn + t]) std::memcpy(hseq + row, &hprev[b * u], u * sizeof(T));
          std::memcpy(&hprev[b * u], hseq + row, u * sizeof(T));
        }
      }
    }
  });
}

// One batch row of the LSTM backward step: a function of its own with __restrict parameters (GCC
// trusts restrict on parameters), so the loop vectorizes without a pile of aliasing checks.
template <class T>
void lstm_row_backward(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
                       const T* __restrict ac, const T* __restrict cPrev, const T* __restrict dht, T* __restrict dc,
                       T* __restrict di, T* __restrict df, T* __restrict dg, T* __restrict dout, size_t u,
                       const Deriv<T> dAct, const Deriv<T> dRact) {
  for (size_t j = 0; j < u; j++) {
    const T dct = dc[j] + dht[j] * o[j] * dAct(ac[j]);
    di[j] = dct * g[j] * dRact(i[j]);
    df[j] = dct * cPrev[j] * dRact(f[j]);
    dg[j] = dct * i[j] * dAct(g[j]);
    dout[j] = dht[j] * ac[j] * dRact(o[j]);
    dc[j] = dct * f[j];
  }
}

template <class T>
void backward_t(const T* U, const T* mask, const T* sm, const T* cache, const T* dHseq, const T* dhLast, const T* dcLast, T* dX,
                T* dU, T* dRb, const RnnArgs& p) {
  const size_t B = p.batch, Tn = p.time, u = p.units;
  const RnnCell cell = p.cell;
  const size_t G = cell == RnnCell::Simple ? 1 : cell == RnnCell::Lstm ? 4 : 3;
  const size_t gu = G * u, plane = B * Tn * u;
  const RnnAct act = p.act, ract = p.ract;
  const bool resetBefore = cell == RnnCell::GruResetBefore;
  std::vector<T> dh(B * u, T(0)), dc(B * u, T(0)), dRec(B * gu), dhm(B * u), zeros(u, T(0));
  if (dhLast) std::memcpy(dh.data(), dhLast, B * u * sizeof(T));
  if (dcLast) std::memcpy(dc.data(), dcLast, B * u * sizeof(T));
  // d(recurrent product) of every step for d(U): the projected input's gradient, except for GRU
  // (reset after), whose candidate block differs by the factor r.
  std::vector<T> dInner;
  if (cell == RnnCell::Gru) dInner.resize(B * Tn * gu);
  T* dRecAll = cell == RnnCell::Gru ? dInner.data() : dX;
  std::vector<T> dRh, dhh;
  if (resetBefore) {
    dRh.resize(B * u);
    dhh.resize(B * u);
  }
  // U^T packed once for all steps and threads: dh_prev = d(recurrent product) @ U^T (reset before:
  // the z/r columns' part, and the candidate columns' part through r).
  const size_t recW = resetBefore ? 2 * u : gu;
  const PackedB<T> pRecT(U, gu, recW, u, true);
  const size_t nPlanes = cache_planes(cell);
  std::unique_ptr<PackedB<T>> pHT;
  if (resetBefore) pHT.reset(new PackedB<T>(U + 2 * u, gu, u, u, true));
  const Deriv<T> dActRef(act), dRactRef(ract);
  over_chunks(B, [&](size_t b0, size_t b1) {
    const size_t nb = b1 - b0;
    for (size_t t = Tn; t-- > 0;) {
      {
        for (size_t b = b0; b < b1; b++) {
          // Local copies and __restrict: the derivative coefficients and pointers captured by
          // reference would otherwise be reloaded every iteration (possible aliasing), blocking SIMD.
          const Deriv<T> dAct = dActRef, dRact = dRactRef;
          T* __restrict dx = dX + (b * Tn + t) * gu;
          T* __restrict dr = dRec.data() + b * (resetBefore ? 2 * u : gu);  // rows are 2u wide with U_h apart
          const size_t row = (b * Tn + t) * u;
          // Row `row` of cache plane k.
          auto pl = [&](size_t k) -> const T* { return cache + k * plane + row; };
          if (t > 0) {
            const size_t prev = row - u;
            if (dHseq) prefetch_span<false>(dHseq + prev, u);
            prefetch_span<true>(dx - gu, gu);
            if (cell == RnnCell::Gru) prefetch_span<true>(dRecAll + (b * Tn + t - 1) * gu, gu);
            for (size_t k = 0; k < nPlanes; k++) prefetch_span<false>(cache + k * plane + prev, u);
            if (cell == RnnCell::Lstm && t > 1) prefetch_span<false>(cache + 5 * plane + prev - u, u);
          }
          // d(loss)/d(h_t): from later steps plus this step's own output gradient.
          T* __restrict dht = dh.data() + b * u;
          if (dHseq)
            for (size_t j = 0; j < u; j++) dht[j] += dHseq[row + j];
          if (sm && !sm[b * Tn + t]) {
            // A masked step passed h (and c) through unchanged: their gradients (dht, dc) pass straight
            // back, and nothing reaches this step's input or the weights.
            std::fill(dx, dx + gu, T(0));
            std::fill(dr, dr + (resetBefore ? 2 * u : gu), T(0));
            if (cell == RnnCell::Gru) std::fill(dRecAll + (b * Tn + t) * gu, dRecAll + (b * Tn + t + 1) * gu, T(0));
            if (resetBefore) std::fill(&dhh[b * u], &dhh[b * u] + u, T(0));
            continue;
          }
          switch (cell) {
            case RnnCell::Simple: {
              const T* y = pl(1);
              for (size_t j = 0; j < u; j++) dx[j] = dht[j] * dAct(y[j]);
              break;
            }
            case RnnCell::Lstm: {
              const T *i = pl(1), *f = pl(2), *g = pl(3), *o = pl(4), *ac = pl(6);
              const T* cPrev = t == 0 ? zeros.data() : pl(5) - u;
              T* __restrict dcb = dc.data() + b * u;
              lstm_row_backward(i, f, g, o, ac, cPrev, dht, dcb, dx, dx + u, dx + 2 * u, dx + 3 * u, u, dAct, dRact);
              break;
            }
            default: {
              const T *hp = pl(1), *z = pl(2), *r = pl(3), *hh = pl(4);
              const bool after = cell == RnnCell::Gru;
              const T* ih = after ? pl(5) : nullptr;
              T* di = after ? dRecAll + (b * Tn + t) * gu : nullptr;
              for (size_t j = 0; j < u; j++) {
                dx[j] = dht[j] * (hp[j] - hh[j]) * dRact(z[j]);
                dx[2 * u + j] = dht[j] * (T(1) - z[j]) * dAct(hh[j]);
              }
              if (after) {
                for (size_t j = 0; j < u; j++) {
                  const T dhhPre = dx[2 * u + j];
                  const T drr = dhhPre * ih[j] * dRact(r[j]);
                  dx[u + j] = drr;
                  di[j] = dr[j] = dx[j];
                  di[u + j] = dr[u + j] = drr;
                  di[2 * u + j] = dr[2 * u + j] = dhhPre * r[j];
                }
              } else {
                std::memcpy(dhh.data() + b * u, dx + 2 * u, u * sizeof(T));
              }
              // The direct path h' = z * h + ...; the recurrent product's path is added below.
              for (size_t j = 0; j < u; j++) dht[j] *= z[j];
            }
          }
        }
      }
      if (resetBefore) {
        // h U_h saw r * hm: d(r * hm) = dhh U_h^T, split into d(r) and d(hm).
        gemm_prepacked(dhh.data() + b0 * u, u, *pHT, dRh.data() + b0 * u, u, nb, false);
        for (size_t b = b0; b < b1; b++)
          for (size_t j = 0; j < u; j++) {
            if (sm && !sm[b * Tn + t]) break;
            const size_t at = (b * Tn + t) * u + j, k = b * u + j;
            T* dx = dX + (b * Tn + t) * gu;
            const T r = cache[3 * plane + at];
            const T drr = dRh[k] * cache[at] * dRactRef(r);
            dx[u + j] = drr;
            dRec[b * 2 * u + j] = dx[j];
            dRec[b * 2 * u + u + j] = drr;
            dRh[k] *= r;
          }
      }
      // The initial state is a constant: nothing flows out of the first step.
      if (t == 0) break;
      // SimpleRNN's and LSTM's d(recurrent product) is the projected input's gradient itself: the
      // product reads it in place from dX, rows a sequence apart.
      if (cell == RnnCell::Simple || cell == RnnCell::Lstm)
        gemm_prepacked(dX + (b0 * Tn + t) * gu, Tn * gu, pRecT, dhm.data() + b0 * u, u, nb, false);
      else
        gemm_prepacked(dRec.data() + b0 * recW, recW, pRecT, dhm.data() + b0 * u, u, nb, false);
      // GRU keeps its direct path z * dh in dh and adds; the others replace dh. Hoisted branches
      // leave straight loops.
      const size_t k0 = b0 * u, k1 = b1 * u;
      if (resetBefore)
        for (size_t k = k0; k < k1; k++) dhm[k] += dRh[k];
      if (mask)
        for (size_t k = k0; k < k1; k++) dhm[k] *= mask[k];
      if (cell == RnnCell::Simple || cell == RnnCell::Lstm) {
        if (!sm) std::memcpy(dh.data() + k0, dhm.data() + k0, (k1 - k0) * sizeof(T));
        else
          for (size_t b = b0; b < b1; b++)  // masked rows keep their passed-through gradient
            if (sm[b * Tn + t]) std::memcpy(&dh[b * u], &dhm[b * u], u * sizeof(T));
      } else  // masked rows got a zero product, so adding keeps their passed-through gradient
        for (size_t k = k0; k < k1; k++) dh[k] += dhm[k];
    }
  });
  // d(U) = sum over steps of hm^T @ d(recurrent product): one product over all (batch, step) rows.
  const size_t rows = B * Tn;
  if (resetBefore) {
    std::vector<T> full(u * gu), rhAll(plane), part(u * u);
    gemm(cache, dX, full.data(), u, gu, rows, true, false);
    for (size_t i = 0; i < plane; i++) rhAll[i] = cache[3 * plane + i] * cache[i];
    std::vector<T> dH = columns(dX, rows, gu, 2 * u, u);
    gemm(rhAll.data(), dH.data(), part.data(), u, u, rows, true, false);
    for (size_t r = 0; r < u; r++) {
      std::memcpy(dU + r * gu, &full[r * gu], 2 * u * sizeof(T));
      std::memcpy(dU + r * gu + 2 * u, &part[r * u], u * sizeof(T));
    }
  } else {
    gemm(cache, dRecAll, dU, u, gu, rows, true, false);
  }
  if (dRb) {
    std::fill(dRb, dRb + gu, T(0));
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < gu; j++) dRb[j] += dRecAll[r * gu + j];
  }
}
