import type { WindowGeometry } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { zeros } from './creation.js';
import { uninitializedOutput } from './operand.js';

/**
 * Sliding windows for convolution and pooling: the geometry of a window configuration (cached)
 * and the differentiable im2col op built on the backend's im2col / col2im kernels.
 */

export type Padding = 'valid' | 'same' | 'causal';

/** Keras's `standardize_tuple`: one int for every axis, or exactly `n` ints, all positive. */
export function normalizeTuple(value: number | readonly number[], n: number, what: string): number[] {
  const out = typeof value === 'number' ? new Array<number>(n).fill(value) : [...value];
  if (out.length !== n || out.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${what} must be a positive integer or ${n} positive integers, got ${JSON.stringify(value)}.`);
  }
  return out;
}

export function checkPadding(padding: string, allowCausal: boolean, what: string): Padding {
  const p = padding.toLowerCase();
  if (p === 'valid' || p === 'same' || (allowCausal && p === 'causal')) return p as Padding;
  throw new Error(
    `${what}: padding must be ${allowCausal ? "'valid', 'same' or 'causal'" : "'valid' or 'same'"}, got '${padding}'.`,
  );
}

export interface AxisGeometry {
  out: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Output length and padding of one spatial axis, as TensorFlow computes them: 'same' gives
 * ceil(size / stride) outputs with the odd padding entry after; 'causal' pads only before.
 * `out` may be <= 0 when the window does not fit; callers turn that into an error.
 */
export function axisGeometry(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): AxisGeometry {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, padBefore: 0, padAfter: 0 };
  if (padding === 'causal') return { out: Math.floor((size - 1) / stride) + 1, padBefore: span - 1, padAfter: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, padBefore: Math.floor(total / 2), padAfter: total - Math.floor(total / 2) };
}

/** Output length of one axis for a symbolic size (unknown stays unknown), for computeOutputShape. */
export function outputLength(
  size: number | null,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): number | null {
  return size === null ? null : axisGeometry(size, kernel, stride, dilation, padding).out;
}

export interface WindowSpec {
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strides: readonly [number, number] | readonly number[];
  dilation: readonly [number, number] | readonly number[];
  padding: Padding;
}

export interface WindowMap {
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  /** Whether any tap reads padding. */
  padded: boolean;
  /** Real (non-padding) taps per output position, for averages that exclude padding. */
  counts: Float64Array;
}

// Window maps depend only on the geometry, so one map serves every batch of a training run.
const MAX_CACHED = 64;
const cache = new Map<string, WindowMap>();

/** The window map for a configuration (cached); throws if the window does not fit. */
export function windowMap(spec: WindowSpec, what: string): WindowMap {
  const [sH, sW] = spec.strides as [number, number];
  const [dH, dW] = spec.dilation as [number, number];
  const key = [spec.inH, spec.inW, spec.kH, spec.kW, sH, sW, dH, dW, spec.padding].join(',');
  const hit = cache.get(key);
  if (hit) return hit;
  const gh = axisGeometry(spec.inH, spec.kH, sH, dH, spec.padding);
  const gw = axisGeometry(spec.inW, spec.kW, sW, dW, spec.padding);
  if (gh.out <= 0 || gw.out <= 0) {
    throw new Error(
      `${what}: a ${spec.kH}x${spec.kW} window (strides ${sH}x${sW}, dilation ${dH}x${dW}, padding '${spec.padding}') ` +
        `does not fit an input of spatial size ${spec.inH}x${spec.inW} (output would be ${gh.out}x${gw.out}).`,
    );
  }
  // Real taps along each axis per output coordinate; a window's count is their product.
  const realTaps = (out: number, k: number, s: number, d: number, pad: number, size: number): number[] =>
    Array.from({ length: out }, (_, o) => {
      let n = 0;
      for (let t = 0; t < k; t++) {
        const i = o * s - pad + t * d;
        if (i >= 0 && i < size) n++;
      }
      return n;
    });
  const rowsReal = realTaps(gh.out, spec.kH, sH, dH, gh.padBefore, spec.inH);
  const colsReal = realTaps(gw.out, spec.kW, sW, dW, gw.padBefore, spec.inW);
  const counts = new Float64Array(gh.out * gw.out);
  for (let oh = 0; oh < gh.out; oh++)
    for (let ow = 0; ow < gw.out; ow++) counts[oh * gw.out + ow] = rowsReal[oh]! * colsReal[ow]!;
  const taps = spec.kH * spec.kW;
  const padded = counts.some((v) => v !== taps);
  const map: WindowMap = {
    outH: gh.out,
    outW: gw.out,
    kH: spec.kH,
    kW: spec.kW,
    strideH: sH,
    strideW: sW,
    dilationH: dH,
    dilationW: dW,
    padTop: gh.padBefore,
    padLeft: gw.padBefore,
    padded,
    counts,
  };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, map);
  return map;
}

/** The kernels' geometry of a window map applied to x [N, H, W, C]. */
export function windowGeometry(x: Tensor, map: WindowMap): WindowGeometry {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { kH: kh, kW: kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = map;
  return { n, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW };
}

/**
 * Every window of x [N, H, W, C] as the patch matrix [N*OH*OW, KH*KW*C] (row-major: output
 * position, then kernel row, kernel column, channel); padding taps read 0. The gradient is col2im.
 */
export function im2col(x: Tensor, map: WindowMap): Tensor {
  if (x.rank !== 4) throw new Error(`im2col: expected [N, H, W, C], got ${shapeToString(x.shape)}.`);
  const g = windowGeometry(x, map);
  // im2col writes every tap, padding ones as 0.
  const out = uninitializedOutput([g.n * g.outH * g.outW, g.kh * g.kw * g.c], x.dtype);
  backend().im2col(x.data as FloatArray, g, out.data as FloatArray);
  return record(out, 'im2col', [x], (grad) => {
    const gx = zeros(x.shape, grad.dtype);
    backend().col2im(grad.data as FloatArray, g, gx.data as FloatArray);
    return [gx];
  });
}
