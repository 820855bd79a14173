import { type FusedActivation, needsPreActivation, type WindowGeometry } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record, willRecord } from '../core/autograd.js';
import { activationBackward } from './activation.js';
import { assertFloat, uninitializedOutput } from './operand.js';
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
  /** An activation fused into the matrix product's epilogue (relu, leaky_relu, gelu, silu...). */
  activation?: FusedActivation;
}

/**
 * 2-D cross-correlation (what deep learning calls convolution), channels-last:
 * x [N, H, W, C] and kernel [KH, KW, C, F] give [N, OH, OW, F], as tf.nn.conv2d.
 *
 * Defined as im2col + GEMM: the windows form a [N*OH*OW, KH*KW*C] patch matrix that is
 * multiplied by the kernel viewed as [KH*KW*C, F]; backward multiplies the patches again and
 * col2im turns d(patches) into d(x). Backends compute the same thing their own way (native: patch
 * slices that stay in cache, or Winograd for 3x3 stride-1 layers).
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
    options.bias ?? null,
    options.activation ?? 'linear',
  );
  return reshape(y, [n, map.outH, map.outW, f]);
}

/**
 * activation(im2col(x) @ kernel + bias) over x [N, H, W, C] and kernel [K, F] with K = KH*KW*C,
 * as [N*OH*OW, F], by the backend's two convolution kernels: forward, and a backward pass that
 * applies the relu gradient and gives d(kernel) = patches^T @ gz, d(bias) and
 * d(x) = col2im(gz @ kernel^T) at once. Other activations' gradients are applied before it (gelu
 * and silu from the value before the activation, which the forward kernel then also writes).
 */
function convProduct(
  x: Tensor,
  kernel: Tensor,
  g: WindowGeometry,
  bias: Tensor | null,
  activation: FusedActivation,
): Tensor {
  const dtype = x.dtype as 'float32' | 'float64';
  const [k, f] = kernel.shape as [number, number];
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  // The conv kernels write every entry of their outputs.
  const out = uninitializedOutput([g.n * g.outH * g.outW, f], dtype);
  const pre = needsPreActivation(activation) && willRecord(inputs) ? uninitializedOutput(out.shape, dtype) : null;
  const biasData = bias ? (bias.data as FloatArray) : null;
  backend().convForward(
    x.data as FloatArray,
    g,
    kernel.data as FloatArray,
    { filters: f, bias: biasData, activation, preActivation: pre ? (pre.data as FloatArray) : null },
    out.data as FloatArray,
  );
  const masked = activation === 'relu' ? 'relu' : 'linear';
  const params = { filters: f, bias: biasData, activation: masked } as const;

  return record(out, 'conv', inputs, (g0) => {
    const grad = masked === activation ? g0 : activationBackward(activation, g0, pre ?? out);
    // The raw input image needs no gradient (the first conv layer): the kernel skips col2im.
    const gx = x.requiresGrad ? uninitializedOutput(x.shape, dtype) : null;
    const gk = kernel.requiresGrad ? uninitializedOutput([k, f], dtype) : null;
    const gb = bias?.requiresGrad ? uninitializedOutput([f], dtype) : null;
    if (gx || gk || gb) {
      backend().convBackward(
        x.data as FloatArray,
        g,
        kernel.data as FloatArray,
        params,
        out.data as FloatArray,
        grad.data as FloatArray,
        {
          x: gx ? (gx.data as FloatArray) : null,
          kernel: gk ? (gk.data as FloatArray) : null,
          bias: gb ? (gb.data as FloatArray) : null,
        },
      );
    }
    return bias ? [gx, gk, gb] : [gx, gk];
  });
}
