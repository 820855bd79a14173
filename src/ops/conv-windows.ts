import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { concat } from './concat.js';
import { full } from './creation.js';
import { reshape } from './reshape.js';
import { gather } from './slice.js';

/**
 * Sliding windows for convolution and pooling, built from the `gather` kernel (im2col).
 * An image x [N, H, W, C] is viewed as [N, H*W, C]; an index map of length OH*OW*KH*KW picks,
 * for every output position and every tap of the window, the input row it reads. gather's
 * gradient (scatterAdd) is then exactly col2im, so autograd needs nothing else.
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
  /** For output position o and tap t, indices[o * kH * kW + t] is a row of [H*W] or `sentinel`. */
  indices: Int32Array;
  /** Row index that stands for padding (one past the last real row). */
  sentinel: number;
  /** Whether any tap reads padding (the source then needs the extra sentinel row). */
  padded: boolean;
  /** Real (non-padding) taps per output position, for averages that exclude padding. */
  counts: Float64Array;
  /** The map is the identity (1x1 window, stride 1): the input already is its own im2col. */
  identity: boolean;
}

// Index maps depend only on the geometry, so one map serves every batch of a training run.
const MAX_CACHED = 64;
const cache = new Map<string, WindowMap>();

/** The index map for a window configuration (cached); throws if the window does not fit. */
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
  const taps = spec.kH * spec.kW;
  const sentinel = spec.inH * spec.inW;
  const indices = new Int32Array(gh.out * gw.out * taps);
  const counts = new Float64Array(gh.out * gw.out);
  let padded = false;
  let j = 0;
  for (let oh = 0; oh < gh.out; oh++) {
    for (let ow = 0; ow < gw.out; ow++) {
      let count = 0;
      for (let kh = 0; kh < spec.kH; kh++) {
        const ih = oh * sH - gh.padBefore + kh * dH;
        for (let kw = 0; kw < spec.kW; kw++) {
          const iw = ow * sW - gw.padBefore + kw * dW;
          const inside = ih >= 0 && ih < spec.inH && iw >= 0 && iw < spec.inW;
          indices[j++] = inside ? ih * spec.inW + iw : sentinel;
          if (inside) count++;
          else padded = true;
        }
      }
      counts[oh * gw.out + ow] = count;
    }
  }
  const identity = taps === 1 && !padded && indices.length === sentinel && indices.every((v, i) => v === i);
  const map: WindowMap = { outH: gh.out, outW: gw.out, indices, sentinel, padded, counts, identity };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, map);
  return map;
}

/**
 * Every window of x [N, H, W, C] as [N, OH*OW*KH*KW, C] (row-major: output position, then
 * kernel row, then kernel column). Taps that fall outside the image read `fill` (0 for
 * convolution and averages, -Infinity for max pooling).
 */
export function extractWindows(x: Tensor, map: WindowMap, fill: number): Tensor {
  if (x.rank !== 4) throw new Error(`extractWindows: expected [N, H, W, C], got ${shapeToString(x.shape)}.`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  let rows = reshape(x, [n, h * w, c]);
  if (map.padded) rows = concat([rows, full([n, 1, c], fill, x.dtype)], 1);
  return gather(rows, map.indices, 1);
}
