import type { ConvGradients, ConvParams, MatmulParams, WindowGeometry } from '../backend.js';
import type { FloatArray } from '../../core/dtype.js';
import { reluGrad } from './elementwise.js';
import { matmul } from './matmul.js';
import { col2im, im2col } from './window.js';
import { like } from './like.js';

/**
 * Reference convolution kernels: im2col + GEMM one image at a time (so the batch's patch matrix
 * never exists), from the reference im2col, matmul and col2im.
 */

function product(m: number, n: number, k: number, transA: boolean, transB: boolean): MatmulParams {
  return { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 };
}

export function convForward(
  x: FloatArray,
  g: WindowGeometry,
  kernel: FloatArray,
  p: ConvParams,
  out: FloatArray,
): void {
  const k = g.kh * g.kw * g.c;
  const positions = g.outH * g.outW;
  const imageLen = g.h * g.w * g.c;
  const cols = like(x, positions * k);
  const one = { ...g, n: 1 };
  for (let img = 0; img < g.n; img++) {
    im2col(x.subarray(img * imageLen, (img + 1) * imageLen), one, cols);
    const span = [img * positions * p.filters, (img + 1) * positions * p.filters] as const;
    matmul(cols, kernel, out.subarray(...span), {
      ...product(positions, p.filters, k, false, false),
      bias: p.bias ?? null,
      activation: p.activation,
      preActivation: p.preActivation?.subarray(...span) ?? null,
    });
  }
}

export function convBackward(
  x: FloatArray,
  g: WindowGeometry,
  kernel: FloatArray,
  p: ConvParams,
  y: FloatArray,
  grad: FloatArray,
  d: ConvGradients,
): void {
  if (p.activation !== 'linear' && p.activation !== 'relu') {
    throw new Error(`convBackward: the ${p.activation} gradient is applied before the kernel; pass 'linear'.`);
  }
  const f = p.filters;
  const k = g.kh * g.kw * g.c;
  const positions = g.outH * g.outW;
  const imageLen = g.h * g.w * g.c;
  const one = { ...g, n: 1 };
  const cols = like(x, positions * k);
  const gz = like(x, positions * f);
  const kernelPart = like(x, k * f);
  d.x?.fill(0);
  d.kernel?.fill(0);
  d.bias?.fill(0);
  for (let img = 0; img < g.n; img++) {
    const span = [img * positions * f, (img + 1) * positions * f] as const;
    if (p.activation === 'relu') reluGrad(grad.subarray(...span), y.subarray(...span), gz);
    else gz.set(grad.subarray(...span));
    if (d.bias) {
      for (let q = 0; q < positions; q++) for (let j = 0; j < f; j++) d.bias[j]! += gz[q * f + j]!;
    }
    if (d.kernel) {
      im2col(x.subarray(img * imageLen, (img + 1) * imageLen), one, cols);
      matmul(cols, gz, kernelPart, product(k, f, positions, true, false));
      for (let i = 0; i < k * f; i++) d.kernel[i]! += kernelPart[i]!;
    }
    if (d.x) {
      matmul(gz, kernel, cols, product(positions, k, f, false, true));
      col2im(cols, one, d.x.subarray(img * imageLen, (img + 1) * imageLen));
    }
  }
}
