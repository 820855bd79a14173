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
// im2col of output positions [p0, p1) (row-major over outH x outW) of one image xi [h, w, c]:
// one row of kh * kw * c taps per position, padding taps 0. The fused convolution kernels build
// their patches a cache-sized slice at a time with it.
template <class T>
void patch_rows(const T* xi, const WindowGeometry& g, size_t p0, size_t p1, T* out);
// The gradient of patch_rows: adds every tap of the rows into the image entry it was read from.
template <class T>
void add_patch_rows(const T* rows, const WindowGeometry& g, size_t p0, size_t p1, T* xi);

void max_pool(const Buf& x, const WindowGeometry& g, const Buf& out, const Buf& argmax);
// out = the gradient of max_pool: zero except where argmax points (overwritten, not added to).
void max_pool_grad(const Buf& grad, const Buf& argmax, const WindowGeometry& g, const Buf& out);

}  // namespace ds
