import type { FusedActivation } from '../backend/backend.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { noGrad, record } from '../core/autograd.js';
import { assertFloat } from './operand.js';
import { mul } from './binary.js';
import { dense, matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { step } from './unary.js';
import type { Padding } from './conv-windows.js';
import { checkPadding, im2col, normalizeTuple, windowMap } from './conv-windows.js';

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
 * and multiplied by the kernel viewed as [KH*KW*C, F]. Backward comes from autograd:
 * the matmul gives d(kernel) and d(cols), and the col2im kernel turns d(cols) into d(x).
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
  const cols = map.identity ? x : im2col(x, map);
  const rows = n * map.outH * map.outW;
  const y = patchProduct(
    reshape(cols, [rows, kh * kw * c]),
    reshape(kernel, [kh * kw * c, f]),
    options.bias ?? null,
    options.activation ?? 'linear',
  );
  return reshape(y, [n, map.outH, map.outW, f]);
}

/**
 * activation(patches [rows, K] @ kernel [K, F] + bias), as `dense`, with a backward pass that
 * uses only untransposed products: d(patches) = gz @ kernel^T and d(kernel) = (gz^T @ patches)^T,
 * transposing the small operands explicitly. On the reference GEMM this keeps the long inner
 * loops contiguous and skips the zeros that relu leaves in gz.
 */
function patchProduct(patches: Tensor, kernel: Tensor, bias: Tensor | null, activation: FusedActivation): Tensor {
  const out = noGrad(() => dense(patches.detach(), kernel.detach(), bias ? bias.detach() : null, activation));
  const inputs = bias ? [patches, kernel, bias] : [patches, kernel];
  return record(out, 'conv', inputs, (g) => {
    const gz = activation === 'relu' ? mul(g, step(out)) : g;
    // Patches of the raw input image need no gradient (the first conv layer): skip col2im's input.
    const gPatches = patches.requiresGrad ? matmul(gz, transpose(kernel)) : null;
    const gKernel = kernel.requiresGrad ? transpose(matmul(transpose(gz), patches)) : null;
    return bias ? [gPatches, gKernel, bias.requiresGrad ? sum(gz, 0) : null] : [gPatches, gKernel];
  });
}
