// Depthwise convolution over channels-last images [N, H, W, C]: each input channel is correlated
// with its own `multiplier` filters, giving C * multiplier output channels (channel ci * m + j).
#pragma once
#include "dtype.h"
#include "window.h"

namespace ds {

// out [n, outH, outW, c * m] = the depthwise correlation of x with kernel [kh, kw, c, m].
void depthwise_conv_forward(const Buf& x, const Buf& kernel, const WindowGeometry& g, size_t multiplier,
                            const Buf& out);

// Gradients of depthwise_conv_forward from d(out) grad: gx [n, h, w, c] and gKernel [kh, kw, c, m],
// each skipped when null and otherwise overwritten. d(kernel) is summed over a fixed number of
// image groups, so results do not depend on the thread count.
void depthwise_conv_backward(const Buf& x, const Buf& kernel, const Buf& grad, const WindowGeometry& g,
                             size_t multiplier, const Buf* gx, const Buf* gKernel);

}  // namespace ds
