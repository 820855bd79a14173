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

// out[r, c] = x[r, c] * scale[c] + shift[c].
void channel_affine(const Buf& x, size_t rows, size_t channels, const Buf& scale, const Buf& shift, const Buf& out);

// sumDy[c] = sum_r dy[r, c]; sumDyXc[c] = sum_r dy[r, c] * (x[r, c] - center[c]).
void batch_norm_grad_sums(const Buf& dy, const Buf& x, const Buf& center, size_t rows, size_t channels,
                          const Buf& sumDy, const Buf& sumDyXc);

// out[r, c] = a[c] * dy[r, c] + b[c] * x[r, c] + d[c]: the input gradient of a batch-statistics
// normalisation once its per-channel coefficients are known.
void batch_norm_input_grad(const Buf& dy, const Buf& x, size_t rows, size_t channels, const Buf& a, const Buf& b,
                           const Buf& d, const Buf& out);

}  // namespace ds
