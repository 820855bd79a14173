import type { UnaryOp } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { mul, sub, div, greaterEqual, lessEqual } from './binary.js';
import { astype } from './cast.js';
import { erfScalar, TWO_OVER_SQRT_PI } from '../core/special-functions.js';

/** Runs a unary kernel into a fresh tensor (the elementwise kernels here write every element of their output). */
function applyUnary(op: UnaryOp, x: Tensor): Tensor {
  assertFloat(x, op);
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().unary(op, x.data as FloatArray, out.data as FloatArray);
  return out;
}

/** Derivatives, each written in terms of the input x, the output y and the incoming gradient g. */
const DERIVATIVES: Partial<Record<UnaryOp, (g: Tensor, x: Tensor, y: Tensor) => Tensor>> = {
  neg: (g) => applyUnary('neg', g),
  abs: (g, x) => mul(g, applyUnary('sign', x)),
  exp: (g, _x, y) => mul(g, y),
  log: (g, x) => div(g, x),
  sqrt: (g, _x, y) => div(mul(g, 0.5), y),
  rsqrt: (g, _x, y) => mul(mul(g, -0.5), mul(y, mul(y, y))),
  square: (g, x) => mul(g, mul(x, 2)),
  reciprocal: (g, _x, y) => applyUnary('neg', mul(g, mul(y, y))),
  relu: (g, x) => reluGrad(g, x),
  sigmoid: (g, _x, y) => mul(g, mul(y, sub(1, y))),
  tanh: (g, _x, y) => mul(g, sub(1, mul(y, y))),
  softplus: (g, x) => mul(g, applyUnary('sigmoid', x)),
};

/** g * (y > 0): relu's backward in one kernel, y being relu's input or output. */
export function reluGrad(g: Tensor, y: Tensor): Tensor {
  const out = uninitializedOutput(g.shape, g.dtype);
  backend().reluGrad(g.data as FloatArray, y.data as FloatArray, out.data as FloatArray);
  return out;
}

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const y = applyUnary(op, x);
  const d = DERIVATIVES[op];
  // Piecewise-constant ops (sign, step, floor, round) have zero gradient: nothing to record.
  if (!d) return y;
  return record(y, op, [x], (g) => [d(g, x, y)]);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
export const step = (x: Tensor): Tensor => unaryOp('step', x);
export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
export const round = (x: Tensor): Tensor => unaryOp('round', x);

/** Sigmoid; its output remembers the logits so binary cross-entropy can use them (as Keras does). */
export function sigmoid(x: Tensor): Tensor {
  const y = unaryOp('sigmoid', x);
  y.fromLogits = { kind: 'sigmoid', logits: x };
  return y;
}

/** Clamps to [lo, hi]; the gradient passes where the input was inside the range. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  assertFloat(x, 'clip');
  if (!(lo <= hi)) throw new Error(`clip: lower bound ${lo} is above upper bound ${hi}.`);
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().clip(x.data as FloatArray, lo, hi, out.data as FloatArray);
  return record(out, 'clip', [x], (g) => {
    const inside = mul(astype(greaterEqual(x, lo), x.dtype), astype(lessEqual(x, hi), x.dtype));
    return [mul(g, inside)];
  });
}

/** The error function (elementwise), as keras.ops.erf; d/dx = 2/sqrt(pi) exp(-x^2). */
export function erf(x: Tensor): Tensor {
  assertFloat(x, 'erf');
  const out = uninitializedOutput(x.shape, x.dtype);
  const src = x.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = erfScalar(src[i]!);
  return record(out, 'erf', [x], (g) => [mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))]);
}
