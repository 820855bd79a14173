import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { allocateUninitialized } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { fromArray } from './creation.js';
import { div } from './binary.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import type { WindowMap } from './conv-windows.js';
import { checkPadding, im2col, normalizeTuple, windowGeometry, windowMap } from './conv-windows.js';

export interface PoolOptions {
  /** Step between windows (default: the pool size, as Keras). */
  strides?: number | readonly number[];
  /** 'valid' (windows inside the input) or 'same' (TensorFlow's padding, which never wins a max or counts in an average). */
  padding?: 'valid' | 'same';
}

type PoolImpl = (x: Tensor, poolSize: number | readonly number[], options: PoolOptions, what: string) => Tensor;

/** Validates a channels-last image and resolves the window map of a pooling op. */
function poolMap(x: Tensor, poolSize: number | readonly number[], options: PoolOptions, what: string): WindowMap {
  if (x.rank !== 4) throw new Error(`${what}: expected an input [N, H, W, C], got ${shapeToString(x.shape)}.`);
  assertFloat(x, what);
  const pool = normalizeTuple(poolSize, 2, `${what}: poolSize`);
  return windowMap(
    {
      inH: x.shape[1]!,
      inW: x.shape[2]!,
      kH: pool[0]!,
      kW: pool[1]!,
      strides: normalizeTuple(options.strides ?? pool, 2, `${what}: strides`),
      dilation: [1, 1],
      padding: checkPadding(options.padding ?? 'valid', false, what),
    },
    `${what} of input ${shapeToString(x.shape)}`,
  );
}

/**
 * Max over each window of x [N, H, W, C]. The gradient goes to the first maximum of each
 * window (in row-major window order), as TensorFlow's MaxPoolGrad does, rather than being
 * shared among ties as the `max` reduction shares it: the maxPool kernel records each
 * window's winning input position, and the backward maxPoolGrad kernel scatters by it.
 */
const maxPoolImpl: PoolImpl = (x, poolSize, options, what) => {
  const map = poolMap(x, poolSize, options, what);
  const g = windowGeometry(x, map);
  // maxPool writes every window's max and argmax (a window with no real tap is an error). The
  // argmax array is pooled like any step intermediate: the backward pass reading it runs in the same step.
  const out = uninitializedOutput([g.n, g.outH, g.outW, g.c], x.dtype);
  const arg = allocateUninitialized('int32', out.size) as Int32Array;
  backend().maxPool(x.data as FloatArray, g, out.data as FloatArray, arg);
  return record(out, 'maxPool', [x], (grad) => {
    // maxPoolGrad zeroes and scatters image by image, writing every entry.
    const gx = uninitializedOutput(x.shape, grad.dtype);
    backend().maxPoolGrad(grad.data as FloatArray, arg, g, gx.data as FloatArray);
    return [gx];
  });
};

/** Mean over each window of x [N, H, W, C]; with 'same' padding, padded entries are not counted (as TensorFlow). */
const avgPoolImpl: PoolImpl = (x, poolSize, options, what) => {
  const map = poolMap(x, poolSize, options, what);
  const [n, , , c] = x.shape as [number, number, number, number];
  const positions = map.outH * map.outW;
  const taps = map.kH * map.kW;
  const sums = sum(reshape(im2col(x, map), [n, positions, taps, c]), 2);
  const counts = map.padded ? fromArray(map.counts, [positions, 1], x.dtype) : taps;
  return reshape(div(sums, counts), [n, map.outH, map.outW, c]);
};

/** Max pooling of x [N, H, W, C]; the gradient goes to the first maximum of each window. */
export function maxPool2d(x: Tensor, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return maxPoolImpl(x, poolSize, options, 'maxPool2d');
}

/** Average pooling of x [N, H, W, C]; 'same' padding is left out of each window's count. */
export function avgPool2d(x: Tensor, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return avgPoolImpl(x, poolSize, options, 'avgPool2d');
}

/** Pools a sequence [N, L, C] as an image of height 1. */
function pool1d(
  impl: PoolImpl,
  x: Tensor,
  poolSize: number | readonly number[],
  options: PoolOptions,
  what: string,
): Tensor {
  if (x.rank !== 3) throw new Error(`${what}: expected an input [N, L, C], got ${shapeToString(x.shape)}.`);
  const [n, len, c] = x.shape as [number, number, number];
  const size = normalizeTuple(poolSize, 1, `${what}: poolSize`)[0]!;
  const stride = normalizeTuple(options.strides ?? size, 1, `${what}: strides`)[0]!;
  const y = impl(
    reshape(x, [n, 1, len, c]),
    [1, size],
    { padding: options.padding ?? 'valid', strides: [1, stride] },
    what,
  );
  return reshape(y, [n, y.shape[2]!, c]);
}

/** Max over windows of a sequence [N, L, C]; the gradient goes to the first maximum, as in maxPool2d. */
export function maxPool1d(x: Tensor, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool1d(maxPoolImpl, x, poolSize, options, 'maxPool1d');
}

/** Mean over windows of a sequence [N, L, C]. */
export function avgPool1d(x: Tensor, poolSize: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool1d(avgPoolImpl, x, poolSize, options, 'avgPool1d');
}
