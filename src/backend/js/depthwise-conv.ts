import type { DepthwiseConvGradients, WindowGeometry } from '../backend.js';
import type { FloatArray } from '../../core/dtype.js';

/**
 * Reference depthwise convolution kernels (see Backend.depthwiseConvForward): the definition's
 * loops over output positions and taps, each input channel with its own `multiplier` filters.
 */

/** Calls visit(xOffset, kernelOffset, outOffset) for every real (non-padding) tap of every window. */
function forEachTap(g: WindowGeometry, m: number, visit: (xo: number, ko: number, oo: number) => void): void {
  const cm = g.c * m;
  for (let img = 0; img < g.n; img++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++) {
        const oo = ((img * g.outH + oh) * g.outW + ow) * cm;
        for (let ki = 0; ki < g.kh; ki++) {
          const ih = oh * g.strideH - g.padTop + ki * g.dilationH;
          if (ih < 0 || ih >= g.h) continue;
          for (let kj = 0; kj < g.kw; kj++) {
            const iw = ow * g.strideW - g.padLeft + kj * g.dilationW;
            if (iw < 0 || iw >= g.w) continue;
            visit(((img * g.h + ih) * g.w + iw) * g.c, (ki * g.kw + kj) * cm, oo);
          }
        }
      }
}

export function depthwiseConvForward(
  x: FloatArray,
  g: WindowGeometry,
  kernel: FloatArray,
  multiplier: number,
  out: FloatArray,
): void {
  const m = multiplier;
  out.fill(0, 0, g.n * g.outH * g.outW * g.c * m);
  forEachTap(g, m, (xo, ko, oo) => {
    for (let ci = 0; ci < g.c; ci++)
      for (let j = 0; j < m; j++) out[oo + ci * m + j]! += x[xo + ci]! * kernel[ko + ci * m + j]!;
  });
}

export function depthwiseConvBackward(
  x: FloatArray,
  g: WindowGeometry,
  kernel: FloatArray,
  multiplier: number,
  grad: FloatArray,
  d: DepthwiseConvGradients,
): void {
  const m = multiplier;
  const { x: dx, kernel: dk } = d;
  dx?.fill(0);
  dk?.fill(0);
  if (!dx && !dk) return;
  forEachTap(g, m, (xo, ko, oo) => {
    for (let ci = 0; ci < g.c; ci++)
      for (let j = 0; j < m; j++) {
        const gv = grad[oo + ci * m + j]!;
        if (dx) dx[xo + ci]! += gv * kernel[ko + ci * m + j]!;
        if (dk) dk[ko + ci * m + j]! += gv * x[xo + ci]!;
      }
  });
}
