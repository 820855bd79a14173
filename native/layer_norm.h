// Layer normalization over the last axis of x viewed as [rows, n], forward and backward, fused.
#pragma once
#include "dtype.h"

namespace ds {

// out = (x - mean) * rstd * gamma + beta per row (gamma, beta [n] optional); writes each row's
// mean and rstd = 1 / sqrt(var + epsilon) (biased variance) for the backward pass.
void layer_norm(const Buf& x, const Buf* gamma, const Buf* beta, size_t rows, size_t n, double epsilon, const Buf& out,
                const Buf& mean, const Buf& rstd);

// Gradients of layer_norm given grad = dL/dout: dx (overwritten), and dGamma = sum over rows of
// grad * xhat, dBeta = sum over rows of grad (each optional, overwritten).
void layer_norm_backward(const Buf& grad, const Buf& x, const Buf* gamma, const Buf& mean, const Buf& rstd, size_t rows,
                         size_t n, const Buf& dx, const Buf* dgamma, const Buf* dbeta);

}  // namespace ds
