// Fused scaled dot-product attention over heads, forward and backward (Backend.attention).
#pragma once
#include "dtype.h"

namespace ds {

struct AttentionArgs {
  size_t batch, heads, tq, tk, dk, dv;
  double scale;
  size_t mask_batch;  // 1 (one mask for every batch entry) or batch
};

// q [batch, tq, heads, dk], k [batch, tk, heads, dk], v [batch, tk, heads, dv], keep [mask_batch, tq, tk]
// (optional); writes probs [batch, heads, tq, tk] and out [batch, tq, heads, dv].
void attention(const Buf& q, const Buf& k, const Buf& v, const Buf* keep, const AttentionArgs& p, const Buf& out,
               const Buf& probs);
// Gradients from the saved probs and grad [batch, tq, heads, dv]; overwrites dq, dk, dv.
void attention_backward(const Buf& q, const Buf& k, const Buf& v, const Buf* keep, const Buf& probs, const Buf& grad,
                        const AttentionArgs& p, const Buf& dq, const Buf& dk, const Buf& dv);

}  // namespace ds
