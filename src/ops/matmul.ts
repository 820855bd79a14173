import { type FusedActivation, needsPreActivation } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { noGrad, record, willRecord } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { broadcastShapes, shapeToString, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { sumToShape } from './binary.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { reluGrad } from './unary.js';
import { astype } from './cast.js';
import { activationBackward } from './activation.js';

/** Batched matrix product on [..., m, k] x [..., k, n] with NumPy batch broadcasting. */
function product(a: Tensor, b: Tensor, transA: boolean, transB: boolean, what: string): Tensor {
  if (a.dtype !== b.dtype) throw new Error(`${what}: dtypes differ (${a.dtype} and ${b.dtype}).`);
  const bf16 = a.dtype === 'bfloat16';
  if (!bf16) {
    assertFloat(a, what);
    assertFloat(b, what);
  }
  if (a.rank < 2 || b.rank < 2)
    throw new Error(`${what}: operands need rank >= 2, got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}.`);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, ka] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    throw new Error(
      `${what}: inner dimensions differ: ${shapeToString(a.shape)} and ${shapeToString(b.shape)} (${ka} vs ${kb}).`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch);
  const batch = sizeOf(batchShape);
  const aCount = sizeOf(aBatch);
  const bCount = sizeOf(bBatch);
  if ((aCount !== batch && aCount !== 1) || (bCount !== batch && bCount !== 1)) {
    throw new Error(
      `${what}: batch dimensions ${shapeToString(aBatch)} and ${shapeToString(bBatch)} broadcast only partially; reshape first.`,
    );
  }
  // matmul overwrites its output (with zeros, or the bias, when k is 0).
  const out = uninitializedOutput([...batchShape, m, n], a.dtype);
  const p = {
    batch,
    m,
    n,
    k: ka,
    transA,
    transB,
    aBatchStride: aCount === 1 ? 0 : m * ka,
    bBatchStride: bCount === 1 ? 0 : ka * n,
  };
  // bfloat16 operands: float32 sums, the result rounded to bfloat16 (as TensorFlow's bf16 MatMul).
  if (bf16) backend().matmulBf16(a.data as Uint16Array, b.data as Uint16Array, out.data as Uint16Array, p);
  else backend().matmul(a.data as FloatArray, b.data as FloatArray, out.data as FloatArray, p);
  return out;
}

/** Matrix product (np.matmul): 1-D operands are treated as a row / column vector. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 1)
    return reshape(matmul(reshape(a, [1, -1]), b), b.rank === 1 ? [] : [...b.shape.slice(0, -2), b.shape[b.rank - 1]!]);
  if (b.rank === 1) return reshape(matmul(a, reshape(b, [-1, 1])), a.shape.slice(0, -1));
  const out = product(a, b, false, false, 'matmul');
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumToShape(product(g, b, false, true, 'matmul'), a.shape) : null,
    b.requiresGrad ? sumToShape(product(a, g, true, false, 'matmul'), b.shape) : null,
  ]);
}

/**
 * A dense layer's forward in one kernel: activation(x @ kernel + bias), x of shape [..., in].
 * The fused epilogue saves a pass over the output; its gradient is written out here.
 */
export function dense(x: Tensor, kernel: Tensor, bias: Tensor | null, activation: FusedActivation = 'linear'): Tensor {
  const inDim = kernel.shape[0]!;
  const units = kernel.shape[1]!;
  if (x.shape[x.rank - 1] !== inDim) {
    throw new Error(
      `dense: input last dimension ${x.shape[x.rank - 1]} does not match kernel ${shapeToString(kernel.shape)}.`,
    );
  }
  if (x.dtype !== kernel.dtype) throw new Error(`dense: input is ${x.dtype} but the kernel is ${kernel.dtype}.`);
  const rows = x.size / inDim;
  if (x.dtype === 'bfloat16') {
    if (activation !== 'linear' && activation !== 'relu') {
      throw new Error(`dense: bfloat16 fuses only relu and linear, not ${activation}.`);
    }
    return denseBf16(x, kernel, bias, activation, rows, inDim, units);
  }
  assertFloat(x, 'dense');
  const outShape = [...x.shape.slice(0, -1), units];
  const out = uninitializedOutput(outShape, x.dtype);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  // gelu and silu need the value before the activation for their gradient: the epilogue writes it
  // as well, only when a gradient will be asked for.
  const pre = needsPreActivation(activation) && willRecord(inputs) ? uninitializedOutput(outShape, x.dtype) : null;
  backend().matmul(x.data as FloatArray, kernel.data as FloatArray, out.data as FloatArray, {
    batch: 1,
    m: rows,
    n: units,
    k: inDim,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    bias: bias ? (bias.data as FloatArray) : null,
    activation,
    preActivation: pre ? (pre.data as FloatArray) : null,
  });
  return record(out, 'dense', inputs, (g) => {
    const gz = reshape(activationBackward(activation, g, pre ?? out), [rows, units]);
    // The first layer's input needs no gradient: skipping it saves a third of the layer's backward.
    const gx = x.requiresGrad ? reshape(product(gz, kernel, false, true, 'dense'), x.shape) : null;
    const gw = kernel.requiresGrad ? product(reshape(x, [rows, inDim]), gz, true, false, 'dense') : null;
    return bias ? [gx, gw, bias.requiresGrad ? sum(gz, 0) : null] : [gx, gw];
  });
}

/**
 * dense on bfloat16 input and kernel: float32 sums, the bias (bfloat16 or float32) added in
 * float32, relu, one rounding to bfloat16. Gradients are bfloat16 products as well (float32 sums);
 * the relu mask and the bias sum run in float32 through casts (exact both ways), as no bfloat16
 * kernels exist for them yet.
 */
function denseBf16(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor | null,
  activation: FusedActivation,
  rows: number,
  inDim: number,
  units: number,
): Tensor {
  if (bias && bias.dtype !== 'float32' && bias.dtype !== 'bfloat16') {
    throw new Error(`dense: a bfloat16 dense needs a float32 or bfloat16 bias, got ${bias.dtype}.`);
  }
  const out = uninitializedOutput([...x.shape.slice(0, -1), units], 'bfloat16');
  backend().matmulBf16(x.data as Uint16Array, kernel.data as Uint16Array, out.data as Uint16Array, {
    batch: 1,
    m: rows,
    n: units,
    k: inDim,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    bias: bias ? (noGrad(() => astype(bias, 'float32')).data as Float32Array) : null,
    activation,
  });
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(out, 'dense', inputs, (g) => {
    let gz = reshape(g, [rows, units]);
    if (activation === 'relu') {
      const y = astype(reshape(out, [rows, units]), 'float32');
      gz = astype(reluGrad(astype(gz, 'float32'), y), 'bfloat16');
    }
    const gx = x.requiresGrad ? reshape(product(gz, kernel, false, true, 'dense'), x.shape) : null;
    const gw = kernel.requiresGrad ? product(reshape(x, [rows, inDim]), gz, true, false, 'dense') : null;
    if (!bias) return [gx, gw];
    return [gx, gw, bias.requiresGrad ? astype(sum(astype(gz, 'float32'), 0), bias.dtype) : null];
  });
}

/**
 * `a @ b^T` over the last two axes, batched like matmul ([..., m, k] x [..., n, k] -> [..., m, n]),
 * without materialising the transpose (attention's query-key product). Not a public op yet.
 */
export function matmulTransposeB(a: Tensor, b: Tensor): Tensor {
  const out = product(a, b, false, true, 'matmulTransposeB');
  return record(out, 'matmulTransposeB', [a, b], (g) => [
    a.requiresGrad ? sumToShape(product(g, b, false, false, 'matmulTransposeB'), a.shape) : null,
    b.requiresGrad ? sumToShape(product(g, a, true, false, 'matmulTransposeB'), b.shape) : null,
  ]);
}
