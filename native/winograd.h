// 3x3, stride-1 correlation by Winograd's minimal filtering F(4x4, 3x3): each 4x4 block of outputs
// costs 36 multiplies per (input, output) channel pair instead of 144. Inputs and kernel go through
// small fixed transforms, and the 36 products become 36 GEMMs [tiles x cin] @ [cin x cout].
#pragma once
#include <cstddef>
#include <vector>

#include "gemm.h"
#include "window.h"

namespace ds {

// Winograd's F(4x4, 3x3): 4x4 output tiles from 6x6 input tiles, 36 transformed-domain products.
constexpr int kWinoTile = 4;
constexpr size_t kWinoInputs = (kWinoTile + 2) * (kWinoTile + 2);

template <class T>
struct Winograd3x3 {
  // kernel is a conv kernel [3, 3, c, f] (viewed as [9 * c, f]). Forward: cin = c, cout = f.
  // flipped: the kernel of the backward-data pass (rotated 180 degrees, channels swapped), so
  // cin = f, cout = c.
  Winograd3x3(const T* kernel, size_t c, size_t f, bool flipped);

  // One image on the calling thread: out [oh, ow, cout] = act(sum over taps of
  // in[y + ki - padTop, x + kj - padLeft, :] (zero outside [h, w]) @ tap kernel + bias).
  void run(const T* in, size_t h, size_t w, size_t padTop, size_t padLeft, size_t oh, size_t ow, T* out,
           const T* bias, bool relu) const;

  size_t cin, cout;
  std::vector<PackedB<T>> u;  // the transformed kernel: 36 matrices [cin, cout], packed for the GEMM
};

// d(kernel) of a 3x3, stride-1 conv by F(3x3, 4x4), the same algorithm turned around: per 4x4 tile
// of output gradients, the input tile and the gradient tile are transformed to 6x6 and their
// products summed over all tiles of all images in the transformed domain (36 GEMMs [c x tiles] @
// [tiles x f]); one inverse transform at the end gives the 3x3 kernel gradient.
template <class T>
struct WinogradFilterGrad {
  WinogradFilterGrad(size_t c, size_t f) : c(c), f(f) {}
  // Number of values in a transformed-domain accumulator: 36 x c x f.
  size_t acc_size() const { return kWinoInputs * c * f; }
  // Adds (or, when first, writes) one image's products to acc: x [h, w, c] read at output position
  // (y, x) and tap (ki, kj) as x[y + ki - padTop, x + kj - padLeft] (zero outside), gz [oh, ow, f].
  void accumulate(const T* x, size_t h, size_t w, size_t padTop, size_t padLeft, const T* gz, size_t oh, size_t ow,
                  T* acc, bool first) const;
  // The kernel gradient [3, 3, c, f] from a (summed) accumulator.
  void finish(const T* acc, T* dKernel) const;

  size_t c, f;
};

// Whether a conv geometry uses Winograd3x3: a 3x3 window, stride 1, no dilation, channels wide
// enough that the GEMMs (not the transforms) dominate, and at least 100 output positions per
// image: below that the per-image tile transforms cost more than they save (measured on 7x7 and
// 8x8 outputs with 32 and 64 channels, where im2col + GEMM ran 1.3-2x faster each way; from 10x10
// on Winograd wins).
bool winograd_applies(const WindowGeometry& g, size_t f);

}  // namespace ds
