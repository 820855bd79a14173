import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Padding } from './conv-windows.js';
import { checkPadding, normalizeTuple, windowGeometry, windowMap } from './conv-windows.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { reshape } from './reshape.js';

export interface DepthwiseConvOptions {
  /** Step between windows: one int, or one per spatial axis (default 1). */
  strides?: number | readonly number[];
  /** 'valid' or 'same' (TensorFlow's padding). */
  padding?: 'valid' | 'same';
  /** Spacing between kernel taps (default 1); may be combined with strides, as Keras does. */
  dilationRate?: number | readonly number[];
}

/**
 * Depthwise 2-D convolution, channels-last, as Keras's ops.depthwise_conv: x [N, H, W, C] and
 * kernel [KH, KW, C, M] give [N, OH, OW, C * M], channel c * M + j being input channel c
 * correlated with its filter j. Runs on the backend's depthwise kernels.
 */
export function depthwiseConv2d(x: Tensor, kernel: Tensor, options: DepthwiseConvOptions = {}): Tensor {
  return depthwise(x, kernel, options, 'depthwiseConv2d');
}

/** Depthwise 1-D convolution: x [N, L, C] and kernel [K, C, M] give [N, OL, C * M]. */
export function depthwiseConv1d(x: Tensor, kernel: Tensor, options: DepthwiseConvOptions = {}): Tensor {
  const what = 'depthwiseConv1d';
  if (x.rank !== 3 || kernel.rank !== 3) {
    throw new Error(
      `${what}: expected input [N, L, C] and kernel [K, C, M], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  const [n, len, c] = x.shape as [number, number, number];
  const stride = normalizeTuple(options.strides ?? 1, 1, `${what}: strides`)[0]!;
  const dilation = normalizeTuple(options.dilationRate ?? 1, 1, `${what}: dilationRate`)[0]!;
  const y = depthwise(
    reshape(x, [n, 1, len, c]),
    reshape(kernel, [1, ...kernel.shape]),
    { ...options, strides: [1, stride], dilationRate: [1, dilation] },
    what,
  );
  return reshape(y, [n, y.shape[2]!, y.shape[3]!]);
}

function depthwise(x: Tensor, kernel: Tensor, options: DepthwiseConvOptions, what: string): Tensor {
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(
      `${what}: expected input [N, H, W, C] and kernel [KH, KW, C, M], got ${shapeToString(x.shape)} and ${shapeToString(kernel.shape)}.`,
    );
  }
  assertFloat(x, what);
  assertFloat(kernel, what);
  if (kernel.dtype !== x.dtype) throw new Error(`${what}: dtypes differ (${x.dtype} and ${kernel.dtype}).`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, kc, m] = kernel.shape as [number, number, number, number];
  if (kc !== c) {
    throw new Error(
      `${what}: the kernel ${shapeToString(kernel.shape)} expects ${kc} input channels but the input ${shapeToString(x.shape)} has ${c}.`,
    );
  }
  if (kh === 0 || kw === 0 || m === 0) throw new Error(`${what}: empty kernel ${shapeToString(kernel.shape)}.`);
  const padding: Padding = checkPadding(options.padding ?? 'valid', false, what);
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
  const g = windowGeometry(x, map);
  const dtype = x.dtype as 'float32' | 'float64';
  const xd = x.data as FloatArray;
  const kd = kernel.data as FloatArray;
  // The kernel writes every output entry.
  const out = uninitializedOutput([n, map.outH, map.outW, c * m], dtype);
  backend().depthwiseConvForward(xd, g, kd, m, out.data as FloatArray);
  return record(out, 'depthwiseConv', [x, kernel], (grad) => {
    const gx = x.requiresGrad ? uninitializedOutput(x.shape, dtype) : null;
    const gk = kernel.requiresGrad ? uninitializedOutput(kernel.shape, dtype) : null;
    if (gx || gk)
      backend().depthwiseConvBackward(xd, g, kd, m, grad.data as FloatArray, {
        x: gx ? (gx.data as FloatArray) : null,
        kernel: gk ? (gk.data as FloatArray) : null,
      });
    return [gx, gk];
  });
}
