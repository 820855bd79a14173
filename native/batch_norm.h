// BatchNormalization's kernels over channels-last data viewed as [rows, channels]: the batch
// statistics, the per-channel affine output, and the backward pass's sums and input gradient.
// Sums run in double over a fixed chunking of the rows (independent of the thread count), so
// results do not depend on how many threads ran.
#pragma once
#include <cstddef>

#include "dtype.h"

namespace ds {

// mean[c] and biased variance[c] of x over its rows. The sums are taken about x's first row
// (a shift close to the mean) so that variance = E[(x-s)^2] - E[x-s]^2 does not cancel.
void batch_norm_stats(const Buf& x, size_t rows, size_t channels, const Buf& mean, const Buf& variance);

// out[r, c] = x[r, c] * scale[c] + shift[c] (the product rounded first), then max(., 0) when relu.
void channel_affine(const Buf& x, size_t rows, size_t channels, const Buf& scale, const Buf& shift, bool relu,
                    const Buf& out);

// A relu that followed channel_affine(x, reluScale, reluShift) in the forward pass: its gradient
// mask (affine output > 0) is recomputed from x, so the relu's output need not be read back.
struct ReluAfterAffine {
  const Buf* scale;  // null: no relu
  const Buf* shift;
};

// sumDy[c] = sum_r g[r, c]; sumDyXc[c] = sum_r g[r, c] * (x[r, c] - center[c]), where g is dy, or
// dy times the relu's mask when one followed.
void batch_norm_grad_sums(const Buf& dy, const Buf& x, const Buf& center, size_t rows, size_t channels,
                          const Buf& sumDy, const Buf& sumDyXc, ReluAfterAffine relu);

// out[r, c] = a[c] * g[r, c] + b[c] * x[r, c] + d[c] (g as above): the input gradient of a
// batch-statistics normalisation once its per-channel coefficients are known.
void batch_norm_input_grad(const Buf& dy, const Buf& x, size_t rows, size_t channels, const Buf& a, const Buf& b,
                           const Buf& d, const Buf& out, ReluAfterAffine relu);

}  // namespace ds
