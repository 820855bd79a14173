import type { FusedActivation, WindowGeometry } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { allocate } from '../core/dtype.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../core/autograd.js';
import { assertFloat, output } from './operand.js';
import { zeros } from './creation.js';
import { reshape } from './reshape.js';
import type { Padding } from './conv-windows.js';
import { checkPadding, normalizeTuple, windowGeometry, windowMap } from './conv-windows.js';

export interface ConvOptions {
  /** Step between windows: one int for every spatial axis, or one per axis (default 1). */
  strides?: number | readonly number[];
  /** 'valid' (no padding) or 'same' (TensorFlow's padding; conv1d also takes 'causal'). */
  padding?: Padding;
  /** Spacing between kernel taps (default 1). */
  dilationRate?: number | readonly number[];
  /** Added to each filter's output, of shape [filters]; fused into the matrix product. */
  bias?: Tensor | null;
  /** 'relu' or 'linear', fused into the matrix product's epilogue. */
  activation?: FusedActivation;
}

/**
 * 2-D cross-correlation (what deep learning calls convolution), channels-last:
 * x [N, H, W, C] and kernel [KH, KW, C, F] give [N, OH, OW, F], as tf.nn.conv2d.
 *
 * Computed as im2col + GEMM: the windows are copied into a [N*OH*OW, KH*KW*C] matrix
 * (a chunk of images at a time) and multiplied by the kernel viewed as [KH*KW*C, F];
 * backward multiplies the same chunks again and col2im turns d(patches) into d(x).
 */
export function conv2d(x: Tensor, kernel: Tensor, options: ConvOptions = {}): Tensor {
  return convolve(x, kernel, options, 'conv2d');
}

/**
 * 1-D cross-correlation over [N, L, C] with a kernel [K, C, F], giving [N, OL, F]. 'causal'
 * padding pads only on the left, so output t sees inputs up to t (WaveNet), as Keras's Conv1D.
 */
export function conv1d(x: Tensor, kernel: Tensor, options: ConvOptions = {}): Tensor {
  if (x.rank !== 3 || kernel.rank !== 3) {
    throw new Error(
      `conv1d: expected input [N, L, C] and kernel [K, C, F], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  const [n, len, c] = x.shape as [number, number, number];
  const stride = normalizeTuple(options.strides ?? 1, 1, 'conv1d: strides')[0]!;
  const dilation = normalizeTuple(options.dilationRate ?? 1, 1, 'conv1d: dilationRate')[0]!;
  // A sequence is an image of height 1.
  const y = convolve(
    reshape(x, [n, 1, len, c]),
    reshape(kernel, [1, ...kernel.shape]),
    { ...options, strides: [1, stride], dilationRate: [1, dilation] },
    'conv1d',
  );
  return reshape(y, [n, y.shape[2]!, y.shape[3]!]);
}

function convolve(x: Tensor, kernel: Tensor, options: ConvOptions, what: string): Tensor {
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(
      `${what}: expected input [N, H, W, C] and kernel [KH, KW, C, F], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  assertFloat(x, what);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, kc, f] = kernel.shape as [number, number, number, number];
  if (kc !== c) {
    throw new Error(
      `${what}: the kernel ${shapeToString(kernel.shape)} expects ${kc} input channels but the input ${shapeToString(x.shape)} has ${c}.`,
    );
  }
  if (kh === 0 || kw === 0 || f === 0) throw new Error(`${what}: empty kernel ${shapeToString(kernel.shape)}.`);
  if (options.bias && (options.bias.rank !== 1 || options.bias.shape[0] !== f)) {
    throw new Error(`${what}: bias ${shapeToString(options.bias.shape)} does not match ${f} filters.`);
  }
  const padding = checkPadding(options.padding ?? 'valid', what === 'conv1d', what);
  const map = windowMap(
    {
      inH: h,
      inW: w,
      kH: kh,
      kW: kw,
      strides: normalizeTuple(options.strides ?? 1, 2, `${what}: strides`),
      dilation: normalizeTuple(options.dilationRate ?? 1, 2, `${what}: dilationRate`),
      padding,
    },
    `${what} of input ${shapeToString(x.shape)} with kernel ${shapeToString(kernel.shape)}`,
  );
  assertFloat(kernel, what);
  if (kernel.dtype !== x.dtype) throw new Error(`${what}: dtypes differ (${x.dtype} and ${kernel.dtype}).`);
  const y = convProduct(
    x,
    reshape(kernel, [kh * kw * c, f]),
    windowGeometry(x, map),
    map.identity,
    options.bias ?? null,
    options.activation ?? 'linear',
  );
  return reshape(y, [n, map.outH, map.outW, f]);
}

// Images per chunk aim at this many patch-matrix entries: the chunk's patches stay in cache
// between im2col and the GEMM, and no batch-sized patch matrix is ever allocated.
const CHUNK_ENTRIES = 1 << 20;
// Scratch buffers reused by every conv call (calls never nest): slot 0 holds a chunk's patches,
// slot 1 a chunk's d(pre-activation) in the backward pass, which nothing outside it reads.
interface Scratch {
  float32: Float32Array;
  float64: Float64Array;
}
const scratch: Scratch[] = [0, 1].map(() => ({ float32: new Float32Array(0), float64: new Float64Array(0) }));

function scratchFor(dtype: 'float32' | 'float64', size: number, slot = 0): FloatArray {
  const s = scratch[slot]!;
  if (s[dtype].length < size) {
    if (dtype === 'float32') s.float32 = new Float32Array(size);
    else s.float64 = new Float64Array(size);
  }
  return s[dtype].subarray(0, size);
}

/**
 * activation(im2col(x) @ kernel + bias) over x [N, H, W, C] and kernel [K, F] with K = KH*KW*C,
 * as [N*OH*OW, F]. The patch matrix is built a chunk of images at a time into a reused scratch
 * buffer and multiplied at once, forward and backward alike (backward rebuilds it for d(kernel)):
 * d(kernel) = sum over chunks of patches^T @ gz, and d(x) = col2im(gz @ kernel^T), with the
 * transposes done by the GEMM's flags. A 1x1 window with stride 1 uses x itself as the patches.
 */
function convProduct(
  x: Tensor,
  kernel: Tensor,
  g: WindowGeometry,
  identity: boolean,
  bias: Tensor | null,
  activation: FusedActivation,
): Tensor {
  const dtype = x.dtype as 'float32' | 'float64';
  const [k, f] = kernel.shape as [number, number];
  const positions = g.outH * g.outW;
  const imageLen = g.h * g.w * g.c;
  const perImage = positions * k;
  const chunk = Math.max(1, Math.floor(CHUNK_ENTRIES / Math.max(perImage, 1)));
  const xData = x.data as FloatArray;
  const patches = (b0: number, b1: number): FloatArray => {
    if (identity) return xData.subarray(b0 * imageLen, b1 * imageLen);
    const cols = scratchFor(dtype, (b1 - b0) * perImage);
    backend().im2col(xData.subarray(b0 * imageLen, b1 * imageLen), { ...g, n: b1 - b0 }, cols);
    return cols;
  };
  const mm = (m: number, n: number, kk: number, transA: boolean, transB: boolean) => ({
    batch: 1,
    m,
    n,
    k: kk,
    transA,
    transB,
    aBatchStride: 0,
    bBatchStride: 0,
  });

  const out = output([g.n * positions, f], dtype);
  const outData = out.data as FloatArray;
  const kData = kernel.data as FloatArray;
  for (let b0 = 0; b0 < g.n; b0 += chunk) {
    const b1 = Math.min(g.n, b0 + chunk);
    backend().matmul(patches(b0, b1), kData, outData.subarray(b0 * positions * f, b1 * positions * f), {
      ...mm((b1 - b0) * positions, f, k, false, false),
      bias: bias ? (bias.data as FloatArray) : null,
      activation,
    });
  }

  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(out, 'conv', inputs, (grad) => {
    const gradData = grad.data as FloatArray;
    // The raw input image needs no gradient (the first conv layer): skip col2im.
    const gx = x.requiresGrad ? zeros(x.shape, dtype) : null;
    const gk = kernel.requiresGrad ? output([k, f], dtype) : null;
    const gb = bias?.requiresGrad ? output([f], dtype) : null;
    // Later chunks' d(kernel) and d(bias) go to these and are added to the first chunk's.
    const part = gk && chunk < g.n ? (allocate(dtype, k * f) as FloatArray) : null;
    const biasPart = gb && chunk < g.n ? (allocate(dtype, f) as FloatArray) : null;
    const add = (acc: FloatArray, p: FloatArray): void =>
      backend().binary('add', acc, [acc.length], p, [p.length], acc, [acc.length]);
    for (let b0 = 0; b0 < g.n && (gx || gk || gb); b0 += chunk) {
      const b1 = Math.min(g.n, b0 + chunk);
      const rows = (b1 - b0) * positions;
      const span = [b0 * positions * f, b1 * positions * f] as const;
      // d(pre-activation) of the chunk, built in a scratch buffer that stays in cache for the
      // products below, rather than a batch-sized tensor that goes out to memory and back.
      let gzChunk = gradData.subarray(...span);
      if (activation === 'relu') {
        const buf = scratchFor(dtype, rows * f, 1);
        backend().reluGrad(gzChunk, outData.subarray(...span), buf);
        gzChunk = buf;
      }
      if (gb) {
        const acc = gb.data as FloatArray;
        backend().reduce('sum', gzChunk, 1, rows, f, biasPart && b0 > 0 ? biasPart : acc);
        if (biasPart && b0 > 0) add(acc, biasPart);
      }
      if (gk) {
        const acc = gk.data as FloatArray;
        backend().matmul(patches(b0, b1), gzChunk, part && b0 > 0 ? part : acc, mm(k, f, rows, true, false));
        if (part && b0 > 0) add(acc, part);
      }
      if (gx) {
        const gxChunk = (gx.data as FloatArray).subarray(b0 * imageLen, b1 * imageLen);
        if (identity) backend().matmul(gzChunk, kData, gxChunk, mm(rows, k, f, false, true));
        else {
          const dcols = scratchFor(dtype, rows * k);
          backend().matmul(gzChunk, kData, dcols, mm(rows, k, f, false, true));
          backend().col2im(dcols, { ...g, n: b1 - b0 }, gxChunk);
        }
      }
    }
    return bias ? [gx, gk, gb] : [gx, gk];
  });
}
