#include "attention.h"

#include <cmath>
#include <string>
#include <vector>

#include "exp_shifted.h"
#include "gemm.h"
#include "thread_pool.h"

namespace ds {
namespace {

constexpr double kMaskedScore = -1e9;  // Keras: where(mask, scores, -1e9)

void check(const Buf& b, DType dt, size_t len, const char* what) {
  if (b.dtype != dt) throw KernelError(std::string("attention: ") + what + " has another dtype than q");
  if (b.len < len) throw KernelError(std::string("attention: ") + what + " is shorter than its layout");
}

void check_all(const Buf& q, const Buf& k, const Buf& v, const Buf* keep, const AttentionArgs& p) {
  if (q.dtype != DType::F32 && q.dtype != DType::F64) throw KernelError("attention: q must be float32 or float64");
  if (p.mask_batch != 1 && p.mask_batch != p.batch) throw KernelError("attention: maskBatch must be 1 or batch");
  check(q, q.dtype, p.batch * p.tq * p.heads * p.dk, "q");
  check(k, q.dtype, p.batch * p.tk * p.heads * p.dk, "k");
  check(v, q.dtype, p.batch * p.tk * p.heads * p.dv, "v");
  if (keep) check(*keep, q.dtype, p.mask_batch * p.tq * p.tk, "keep");
}

// Row reductions with eight independent partial results: one running sum or max waits out the
// adder's latency at every element, which cost about a tenth of attention's backward pass.
template <class T>
T row_max(const T* r, size_t n) {
  T part[8];
  for (T& v : part) v = -INFINITY;
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++)
      if (r[j + l] > part[l]) part[l] = r[j + l];  // NaN never wins, as in one running max
  T max = -INFINITY;
  for (; j < n; j++)
    if (r[j] > max) max = r[j];
  for (T v : part)
    if (v > max) max = v;
  return max;
}

template <class T>
double row_dot(const T* a, const T* b, size_t n) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) part[l] += (double)a[j + l] * (double)b[j + l];
  double dot = 0;
  for (; j < n; j++) dot += (double)a[j] * (double)b[j];
  for (double v : part) dot += v;
  return dot;
}

// One head: its rows of q, k, v sit every heads * d entries (no transposed copies are made).
template <class T>
struct Head {
  const T *q, *k, *v, *keep;
  size_t ldq, ldv;
};

template <class T>
Head<T> head_of(const T* q, const T* k, const T* v, const T* keep, const AttentionArgs& p, size_t bh) {
  const size_t b = bh / p.heads, h = bh % p.heads;
  return {q + b * p.tq * p.heads * p.dk + h * p.dk,
          k + b * p.tk * p.heads * p.dk + h * p.dk,
          v + b * p.tk * p.heads * p.dv + h * p.dv,
          keep ? keep + (p.mask_batch == 1 ? 0 : b) * p.tq * p.tk : nullptr,
          p.heads * p.dk,
          p.heads * p.dv};
}

template <class T>
void forward_t(const T* q, const T* k, const T* v, const T* keep, const AttentionArgs& p, T* out, T* probs) {
  parallel_for(p.batch * p.heads, 1, [&](size_t begin, size_t end) {
    for (size_t bh = begin; bh < end; bh++) {
      const Head<T> hd = head_of(q, k, v, keep, p, bh);
      T* P = probs + bh * p.tq * p.tk;
      // Scores land in probs and become probabilities there, row by row.
      gemm_serial<T>(hd.q, hd.ldq, false, hd.k, hd.ldq, true, P, p.tk, p.tq, p.tk, p.dk, false);
      for (size_t t = 0; t < p.tq; t++) {
        T* r = P + t * p.tk;
        const T* m = hd.keep ? hd.keep + t * p.tk : nullptr;
        if (m)
          for (size_t j = 0; j < p.tk; j++) r[j] = m[j] == 0 ? (T)kMaskedScore : (T)(p.scale * (double)r[j]);
        else
          for (size_t j = 0; j < p.tk; j++) r[j] = (T)(p.scale * (double)r[j]);
        const T max = row_max(r, p.tk);
        const double sum = exp_shifted(r, p.tk, max, r);
        const T inv = (T)(1.0 / sum);
        for (size_t j = 0; j < p.tk; j++) r[j] *= inv;
      }
      const size_t b = bh / p.heads, h = bh % p.heads;
      T* o = out + b * p.tq * p.heads * p.dv + h * p.dv;
      gemm_serial<T>(P, p.tk, false, hd.v, hd.ldv, false, o, hd.ldv, p.tq, p.dv, p.tk, false);
    }
  });
}

template <class T>
void backward_t(const T* q, const T* k, const T* v, const T* keep, const T* probs, const T* grad,
                const AttentionArgs& p, T* dq, T* dk, T* dv) {
  parallel_for(p.batch * p.heads, 1, [&](size_t begin, size_t end) {
    std::vector<T> dS(p.tq * p.tk);
    for (size_t bh = begin; bh < end; bh++) {
      const Head<T> hd = head_of(q, k, v, keep, p, bh);
      const size_t b = bh / p.heads, h = bh % p.heads;
      const T* P = probs + bh * p.tq * p.tk;
      const T* g = grad + b * p.tq * p.heads * p.dv + h * p.dv;
      T* gq = dq + b * p.tq * p.heads * p.dk + h * p.dk;
      T* gk = dk + b * p.tk * p.heads * p.dk + h * p.dk;
      T* gv = dv + b * p.tk * p.heads * p.dv + h * p.dv;
      // dv = P^T grad; dP = grad v^T (in dS), then dS = scale * P * (dP - rowsum(dP * P)).
      gemm_serial<T>(P, p.tk, true, g, hd.ldv, false, gv, hd.ldv, p.tk, p.dv, p.tq, false);
      gemm_serial<T>(g, hd.ldv, false, hd.v, hd.ldv, true, dS.data(), p.tk, p.tq, p.tk, p.dv, false);
      for (size_t t = 0; t < p.tq; t++) {
        T* r = dS.data() + t * p.tk;
        const T* pr = P + t * p.tk;
        const T* m = hd.keep ? hd.keep + t * p.tk : nullptr;
        const T d = (T)row_dot(r, pr, p.tk), s = (T)p.scale;
        if (m)
          for (size_t j = 0; j < p.tk; j++) r[j] = m[j] == 0 ? (T)0 : s * pr[j] * (r[j] - d);
        else
          for (size_t j = 0; j < p.tk; j++) r[j] = s * pr[j] * (r[j] - d);
      }
      gemm_serial<T>(dS.data(), p.tk, false, hd.k, hd.ldq, false, gq, hd.ldq, p.tq, p.dk, p.tk, false);
      gemm_serial<T>(dS.data(), p.tk, true, hd.q, hd.ldq, false, gk, hd.ldq, p.tk, p.dk, p.tq, false);
    }
  });
}

}  // namespace

void attention(const Buf& q, const Buf& k, const Buf& v, const Buf* keep, const AttentionArgs& p, const Buf& out,
               const Buf& probs) {
  check_all(q, k, v, keep, p);
  check(out, q.dtype, p.batch * p.tq * p.heads * p.dv, "out");
  check(probs, q.dtype, p.batch * p.heads * p.tq * p.tk, "probs");
  dispatch_float(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    forward_t<T>(q.as<T>(), k.as<T>(), v.as<T>(), keep ? keep->as<T>() : nullptr, p, out.as<T>(), probs.as<T>());
  });
}

void attention_backward(const Buf& q, const Buf& k, const Buf& v, const Buf* keep, const Buf& probs, const Buf& grad,
                        const AttentionArgs& p, const Buf& dq, const Buf& dk, const Buf& dv) {
  check_all(q, k, v, keep, p);
  check(probs, q.dtype, p.batch * p.heads * p.tq * p.tk, "probs");
  check(grad, q.dtype, p.batch * p.tq * p.heads * p.dv, "grad");
  check(dq, q.dtype, p.batch * p.tq * p.heads * p.dk, "dq");
  check(dk, q.dtype, p.batch * p.tk * p.heads * p.dk, "dk");
  check(dv, q.dtype, p.batch * p.tk * p.heads * p.dv, "dv");
  dispatch_float(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    backward_t<T>(q.as<T>(), k.as<T>(), v.as<T>(), keep ? keep->as<T>() : nullptr, probs.as<T>(), grad.as<T>(), p,
                  dq.as<T>(), dk.as<T>(), dv.as<T>());
  });
}

}  // namespace ds
