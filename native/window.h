// Sliding-window kernels for convolution and pooling over channels-last images [N, H, W, C]:
// im2col / col2im and max pooling with its gradient.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace ds {

// One window configuration; output position (oh, ow) and tap (ki, kj) read input row
// oh * strideH - padTop + ki * dilationH and column ow * strideW - padLeft + kj * dilationW.
struct WindowGeometry {
  size_t n, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW;
};

void im2col(const Buf& x, const WindowGeometry& g, const Buf& out);
void col2im(const Buf& cols, const WindowGeometry& g, const Buf& out);
void max_pool(const Buf& x, const WindowGeometry& g, const Buf& out, const Buf& argmax);
void max_pool_grad(const Buf& grad, const Buf& argmax, const WindowGeometry& g, const Buf& out);

}  // namespace ds
