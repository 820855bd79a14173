#include "recurrent.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gemm.h"
#include "thread_pool.h"

namespace ds {
namespace {

// Gate arithmetic of one step is a few thousand elements; split it over threads only in chunks
// of at least this many, so the hand-off pays.
constexpr size_t kGateGrain = 4096;

template <class T>
inline T activate(RnnAct a, T x) {
  switch (a) {
    case RnnAct::Linear: return x;
    case RnnAct::Relu: return x > 0 ? x : T(0);
    case RnnAct::Sigmoid: return T(1) / (T(1) + std::exp(-x));
    default: return std::tanh(x);
  }
}

// Derivative of the activation through its output y.
template <class T>
inline T derivative(RnnAct a, T y) {
  switch (a) {
    case RnnAct::Linear: return T(1);
    case RnnAct::Relu: return y > 0 ? T(1) : T(0);
    case RnnAct::Sigmoid: return y * (T(1) - y);
    default: return T(1) - y * y;
  }
}

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
  MatmulArgs p{1, m, n, k, ta, tb, 0, 0, false};
  matmul(view(a, m * k), view(b, k * n), view(out, m * n), nullptr, p);
}

template <class T>
std::vector<T> columns(const T* x, size_t rows, size_t cols, size_t c0, size_t w) {
  std::vector<T> out(rows * w);
  for (size_t r = 0; r < rows; r++) std::memcpy(&out[r * w], x + r * cols + c0, w * sizeof(T));
  return out;
}

// Runs body(b0, b1) over batch rows, threaded when a step's gate work is large enough.
template <class F>
void over_rows(size_t batch, size_t per_row, F&& body) {
  parallel_for(batch, kGateGrain / (per_row + 1) + 1, body);
}

template <class T>
void forward_t(const T* x, const T* U, const T* rb, const T* mask, T* hseq, T* cache, const RnnArgs& p) {
  const size_t B = p.batch, Tn = p.time, u = p.units;
  const RnnCell cell = p.cell;
  const size_t G = cell == RnnCell::Simple ? 1 : cell == RnnCell::Lstm ? 4 : 3;
  const size_t gu = G * u, plane = B * Tn * u;
  const RnnAct act = p.act, ract = p.ract;
  const bool resetBefore = cell == RnnCell::GruResetBefore;
  std::vector<T> hm(B * u), rec(B * gu), hprev(B * u, T(0));
  std::vector<T> uzr, uh, rh, recH;
  if (resetBefore) {
    uzr = columns(U, u, gu, 0, 2 * u);
    uh = columns(U, u, gu, 2 * u, u);
    rh.resize(B * u);
    recH.resize(B * u);
  }
  const size_t recW = resetBefore ? 2 * u : gu;
  for (size_t t = 0; t < Tn; t++) {
    for (size_t b = 0; b < B; b++)
      for (size_t j = 0; j < u; j++) {
        const T v = hprev[b * u + j] * (mask ? mask[b * u + j] : T(1));
        hm[b * u + j] = v;
        cache[(b * Tn + t) * u + j] = v;
      }
    // The initial state is zero, so is the first step's product.
    if (t == 0) std::fill(rec.begin(), rec.end(), T(0));
    else if (resetBefore) gemm(hm.data(), uzr.data(), rec.data(), B, recW, u, false, false);
    else gemm(hm.data(), U, rec.data(), B, gu, u, false, false);
    over_rows(B, u * G, [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; b++) {
        const T* xt = x + (b * Tn + t) * gu;
        const T* r = rec.data() + b * recW;
        T* hp = hprev.data() + b * u;
        const size_t row = (b * Tn + t) * u;
        for (size_t j = 0; j < u; j++) {
          const size_t at = row + j;
          switch (cell) {
            case RnnCell::Simple: {
              const T y = activate(act, xt[j] + r[j]);
              cache[plane + at] = y;
              hseq[at] = y;
              break;
            }
            case RnnCell::Lstm: {
              const T i = activate(ract, xt[j] + r[j]);
              const T f = activate(ract, xt[u + j] + r[u + j]);
              const T g = activate(act, xt[2 * u + j] + r[2 * u + j]);
              const T o = activate(ract, xt[3 * u + j] + r[3 * u + j]);
              const T cPrev = t == 0 ? T(0) : cache[5 * plane + at - u];
              const T c = f * cPrev + i * g;
              const T ac = activate(act, c);
              cache[plane + at] = i;
              cache[2 * plane + at] = f;
              cache[3 * plane + at] = g;
              cache[4 * plane + at] = o;
              cache[5 * plane + at] = c;
              cache[6 * plane + at] = ac;
              hseq[at] = o * ac;
              break;
            }
            default: {
              const T z = activate(ract, xt[j] + r[j] + (rb ? rb[j] : T(0)));
              const T rr = activate(ract, xt[u + j] + r[u + j] + (rb ? rb[u + j] : T(0)));
              cache[plane + at] = hp[j];
              cache[2 * plane + at] = z;
              cache[3 * plane + at] = rr;
              if (cell == RnnCell::Gru) {
                const T ih = r[2 * u + j] + (rb ? rb[2 * u + j] : T(0));
                const T hh = activate(act, xt[2 * u + j] + rr * ih);
                cache[4 * plane + at] = hh;
                cache[5 * plane + at] = ih;
                hseq[at] = z * hp[j] + (T(1) - z) * hh;
              } else {
                rh[b * u + j] = rr * hm[b * u + j];
              }
            }
          }
        }
        if (!resetBefore) std::memcpy(hp, hseq + row, u * sizeof(T));
      }
    });
    if (resetBefore) {
      if (t == 0) std::fill(recH.begin(), recH.end(), T(0));
      else gemm(rh.data(), uh.data(), recH.data(), B, u, u, false, false);
      for (size_t b = 0; b < B; b++) {
        const size_t row = (b * Tn + t) * u;
        for (size_t j = 0; j < u; j++) {
          const size_t at = row + j;
          const T z = cache[2 * plane + at];
          const T hh = activate(act, x[(b * Tn + t) * gu + 2 * u + j] + recH[b * u + j]);
          cache[4 * plane + at] = hh;
          hseq[at] = z * hprev[b * u + j] + (T(1) - z) * hh;
        }
        std::memcpy(&hprev[b * u], hseq + row, u * sizeof(T));
      }
    }
  }
}

template <class T>
void backward_t(const T* U, const T* mask, const T* cache, const T* dHseq, const T* dhLast, const T* dcLast, T* dX,
                T* dU, T* dRb, const RnnArgs& p) {
  const size_t B = p.batch, Tn = p.time, u = p.units;
  const RnnCell cell = p.cell;
  const size_t G = cell == RnnCell::Simple ? 1 : cell == RnnCell::Lstm ? 4 : 3;
  const size_t gu = G * u, plane = B * Tn * u;
  const RnnAct act = p.act, ract = p.ract;
  const bool resetBefore = cell == RnnCell::GruResetBefore;
  std::vector<T> dh(B * u, T(0)), dc(B * u, T(0)), dRec(B * gu), dhm(B * u);
  if (dhLast) std::memcpy(dh.data(), dhLast, B * u * sizeof(T));
  if (dcLast) std::memcpy(dc.data(), dcLast, B * u * sizeof(T));
  // d(recurrent product) of every step for d(U): the projected input's gradient, except for GRU
  // (reset after), whose candidate block differs by the factor r.
  std::vector<T> dInner;
  if (cell == RnnCell::Gru) dInner.resize(B * Tn * gu);
  T* dRecAll = cell == RnnCell::Gru ? dInner.data() : dX;
  std::vector<T> uzr, uh, dRh, dhh;
  if (resetBefore) {
    uzr = columns(U, u, gu, 0, 2 * u);
    uh = columns(U, u, gu, 2 * u, u);
    dRh.resize(B * u);
    dhh.resize(B * u);
  }
  for (size_t t = Tn; t-- > 0;) {
    over_rows(B, u * G, [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; b++) {
        T* dx = dX + (b * Tn + t) * gu;
        T* dr = dRec.data() + b * gu;
        const size_t row = (b * Tn + t) * u;
        for (size_t j = 0; j < u; j++) {
          const size_t at = row + j, k = b * u + j;
          const T dht = dh[k] + (dHseq ? dHseq[at] : T(0));
          switch (cell) {
            case RnnCell::Simple: {
              const T dz = dht * derivative(act, cache[plane + at]);
              dx[j] = dz;
              dr[j] = dz;
              break;
            }
            case RnnCell::Lstm: {
              const T i = cache[plane + at], f = cache[2 * plane + at], g = cache[3 * plane + at];
              const T o = cache[4 * plane + at], ac = cache[6 * plane + at];
              const T cPrev = t == 0 ? T(0) : cache[5 * plane + at - u];
              const T dct = dc[k] + dht * o * derivative(act, ac);
              const T dzi = dct * g * derivative(ract, i);
              const T dzf = dct * cPrev * derivative(ract, f);
              const T dzc = dct * i * derivative(act, g);
              const T dzo = dht * ac * derivative(ract, o);
              dc[k] = dct * f;
              dx[j] = dr[j] = dzi;
              dx[u + j] = dr[u + j] = dzf;
              dx[2 * u + j] = dr[2 * u + j] = dzc;
              dx[3 * u + j] = dr[3 * u + j] = dzo;
              break;
            }
            default: {
              const T hp = cache[plane + at], z = cache[2 * plane + at], hh = cache[4 * plane + at];
              const T dz = dht * (hp - hh) * derivative(ract, z);
              const T dhhPre = dht * (T(1) - z) * derivative(act, hh);
              dx[j] = dz;
              dx[2 * u + j] = dhhPre;
              dh[k] = dht * z;  // the direct path h' = z * h + ...; the product's path is added below
              if (cell == RnnCell::Gru) {
                const T r = cache[3 * plane + at], ih = cache[5 * plane + at];
                const T drr = dhhPre * ih * derivative(ract, r);
                dx[u + j] = drr;
                T* di = dRecAll + (b * Tn + t) * gu;
                di[j] = dr[j] = dz;
                di[u + j] = dr[u + j] = drr;
                di[2 * u + j] = dr[2 * u + j] = dhhPre * r;
              } else {
                dhh[k] = dhhPre;
              }
            }
          }
        }
      }
    });
    if (resetBefore) {
      // h U_h saw r * hm: d(r * hm) = dhh U_h^T, split into d(r) and d(hm).
      gemm(dhh.data(), uh.data(), dRh.data(), B, u, u, false, true);
      for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < u; j++) {
          const size_t at = (b * Tn + t) * u + j, k = b * u + j;
          T* dx = dX + (b * Tn + t) * gu;
          const T r = cache[3 * plane + at];
          const T drr = dRh[k] * cache[at] * derivative(ract, r);
          dx[u + j] = drr;
          dRec[b * 2 * u + j] = dx[j];
          dRec[b * 2 * u + u + j] = drr;
          dRh[k] *= r;
        }
    }
    // The initial state is a constant: nothing flows out of the first step.
    if (t == 0) break;
    if (resetBefore) gemm(dRec.data(), uzr.data(), dhm.data(), B, u, 2 * u, false, true);
    else gemm(dRec.data(), U, dhm.data(), B, u, gu, false, true);
    const bool replace = cell == RnnCell::Simple || cell == RnnCell::Lstm;
    for (size_t k = 0; k < B * u; k++) {
      const T through = (dhm[k] + (resetBefore ? dRh[k] : T(0))) * (mask ? mask[k] : T(1));
      dh[k] = replace ? through : dh[k] + through;
    }
  }
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

void rnn_forward(const Buf& projected, const Buf& kernel, const Buf* bias, const Buf* mask, const Buf& hseq,
                 const Buf& cache, const RnnArgs& p) {
  const DType d = projected.dtype;
  check(d == DType::F32 || d == DType::F64, "rnnForward: expects float arrays");
  for (const Buf* b : {&kernel, bias, mask, &hseq, &cache}) check_float(projected, b, "rnnForward");
  const size_t B = p.batch, Tn = p.time, u = p.units, gu = gates(p.cell) * u;
  check(projected.len >= B * Tn * gu && kernel.len >= u * gu && hseq.len >= B * Tn * u &&
            cache.len >= planes(p.cell) * B * Tn * u && (!mask || mask->len >= B * u) && (!bias || bias->len >= gu),
        "rnnForward: arrays are shorter than the layout");
  check(!bias || p.cell == RnnCell::Gru, "rnnForward: only the gru cell takes a recurrent bias");
  if (B == 0 || Tn == 0 || u == 0) return;
  dispatch_float(d, [&](auto tag) {
    using T = decltype(tag);
    forward_t<T>(projected.as<T>(), kernel.as<T>(), bias ? bias->as<T>() : nullptr, mask ? mask->as<T>() : nullptr,
                 hseq.as<T>(), cache.as<T>(), p);
  });
}

void rnn_backward(const Buf& kernel, const Buf* mask, const Buf& cache, const Buf* dHseq, const Buf* dhLast,
                  const Buf* dcLast, const Buf& dProjected, const Buf& dKernel, const Buf* dBias, const RnnArgs& p) {
  const DType d = kernel.dtype;
  check(d == DType::F32 || d == DType::F64, "rnnBackward: expects float arrays");
  for (const Buf* b : {mask, &cache, dHseq, dhLast, dcLast, &dProjected, &dKernel, dBias})
    check_float(kernel, b, "rnnBackward");
  const size_t B = p.batch, Tn = p.time, u = p.units, gu = gates(p.cell) * u;
  check(kernel.len >= u * gu && cache.len >= planes(p.cell) * B * Tn * u && dProjected.len >= B * Tn * gu &&
            dKernel.len >= u * gu && (!mask || mask->len >= B * u) && (!dHseq || dHseq->len >= B * Tn * u) &&
            (!dhLast || dhLast->len >= B * u) && (!dcLast || dcLast->len >= B * u) && (!dBias || dBias->len >= gu),
        "rnnBackward: arrays are shorter than the layout");
  check(!dBias || p.cell == RnnCell::Gru, "rnnBackward: only the gru cell has a recurrent bias");
  check(!dcLast || p.cell == RnnCell::Lstm, "rnnBackward: only the lstm cell has a c state");
  if (B == 0 || Tn == 0 || u == 0) return;
  auto ptr = [](const Buf* b, auto tag) { return b ? b->as<decltype(tag)>() : nullptr; };
  dispatch_float(d, [&](auto tag) {
    using T = decltype(tag);
    backward_t<T>(kernel.as<T>(), ptr(mask, tag), cache.as<T>(), ptr(dHseq, tag), ptr(dhLast, tag), ptr(dcLast, tag),
                  dProjected.as<T>(), dKernel.as<T>(), ptr(dBias, tag), p);
  });
}

}  // namespace ds
