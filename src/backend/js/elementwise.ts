import type { ArithmeticOp, BinaryOp, UnaryOp } from '../backend.js';
import type { FloatArray, TypedArray } from '../../core/dtype.js';
import type { Shape } from '../../core/shape.js';
import { sizeOf, stridesOf } from '../../core/shape.js';
import { fromBfloat16Bits, toBfloat16Bits } from '../../core/dtype.js';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  // x < 0 ? 0 : x, never max(x, 0) by comparison: NaN must come out NaN (relu(-0) is -0, as in every kernel).
  relu: (x) => (x < 0 ? 0 : x),
  step: (x) => (x > 0 ? 1 : 0),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: Math.tanh,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  floor: Math.floor,
  // NumPy rounds half to even.
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  softplus: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
};

export function unary(op: UnaryOp, x: FloatArray, out: FloatArray): void {
  const n = x.length;
  if (op === 'relu') {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      out[i] = v < 0 ? 0 : v;
    }
    return;
  }
  const f = UNARY[op];
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

export function clip(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
};

/** Same-shape loops for the ops on the training hot path, written out so V8 keeps them tight. */
function sameShapeFast(op: ArithmeticOp, a: TypedArray, b: TypedArray, out: TypedArray): boolean {
  const n = out.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
      return true;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
      return true;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
      return true;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
      return true;
    default:
      return false;
  }
}

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const n = sizeOf(outShape);
  if (n === 0) return;
  const f = BINARY[op];
  if (a.length === n && b.length === n) {
    if (sameShapeFast(op as ArithmeticOp, a, b, out)) return;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const bv = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, bv);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const av = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]!);
    return;
  }
  broadcastLoop(f, a, aShape, b, bShape, out, outShape);
}

/** General broadcasting: walk the output in order, stepping each input by its (possibly 0) stride. */
function broadcastLoop(
  f: (a: number, b: number) => number,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const rank = outShape.length;
  const aStr = broadcastStrides(aShape, outShape);
  const bStr = broadcastStrides(bShape, outShape);
  const last = outShape[rank - 1]!;
  const aLast = aStr[rank - 1]!;
  const bLast = bStr[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  let o = 0;
  const total = out.length;
  while (o < total) {
    let pa = ai;
    let pb = bi;
    for (let j = 0; j < last; j++) {
      out[o++] = f(a[pa]!, b[pb]!);
      pa += aLast;
      pb += bLast;
    }
    // Advance the counter over all but the last axis.
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      ai += aStr[d]!;
      bi += bStr[d]!;
      if (counter[d]! < outShape[d]!) break;
      ai -= aStr[d]! * outShape[d]!;
      bi -= bStr[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
}

/** Strides of `shape` read as if broadcast to `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const d = i - offset;
    if (d < 0 || shape[d] === 1) return 0;
    return strides[d]!;
  });
}

export function cast(x: TypedArray, out: TypedArray): void {
  // A Uint16Array is always bfloat16 storage (bit patterns).
  if (out instanceof Uint16Array) {
    if (x instanceof Uint16Array) out.set(x);
    else for (let i = 0; i < x.length; i++) out[i] = toBfloat16Bits(x[i]!);
    return;
  }
  if (x instanceof Uint16Array) {
    const trunc = out instanceof Int32Array || out instanceof Uint8Array;
    for (let i = 0; i < x.length; i++) {
      const v = fromBfloat16Bits(x[i]!);
      out[i] = trunc ? Math.trunc(v) : v;
    }
    return;
  }
  if (out instanceof Int32Array && !(x instanceof Int32Array) && !(x instanceof Uint8Array)) {
    // Truncate toward zero as NumPy's astype does (TypedArray.set would too, via ToInt32).
    for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]!);
    return;
  }
  out.set(x);
}

/** Relu's backward in one pass (instead of step + mul); NaN gradients still propagate. */
export function reluGrad(grad: FloatArray, y: FloatArray, out: FloatArray): void {
  for (let i = 0; i < grad.length; i++) out[i] = grad[i]! * (y[i]! > 0 ? 1 : 0);
}
