// Convolution as one kernel per pass: patches are built a cache-sized slice of one image at a
// time and multiplied at once, so the batch's patch matrix (132 MB for the lecture's second
// layer) never goes out to memory. Threads take whole images (backward) or image slices (forward).
#pragma once
#include "activation.h"
#include "dtype.h"
#include "window.h"

namespace ds {

// out [n * outH * outW, filters] = act(im2col(x) @ kernel + bias), kernel [kh * kw * c, filters];
// bias may be null; pre, when not null, also receives the values before the activation.
void conv_forward(const Buf& x, const Buf& kernel, const Buf* bias, const WindowGeometry& g, size_t filters, Act act,
                  const Buf* pre, const Buf& out);

// Gradients of conv_forward from its output y and d(out) grad, with gz = grad (relu: 0 where
// y <= 0): gx = col2im(gz @ kernel^T), gKernel = im2col(x)^T @ gz, gBias = column sums of gz.
// Null outputs are skipped; the others are overwritten. Sums over images go through a fixed
// number of per-group partials, so results do not depend on the thread count.
void conv_backward(const Buf& x, const Buf& kernel, const Buf& y, const Buf& grad, const WindowGeometry& g,
                   size_t filters, bool relu, const Buf* gx, const Buf* gKernel, const Buf* gBias);

}  // namespace ds
