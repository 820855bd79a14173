import type { BinaryOp, CompareOp } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { DType } from '../core/dtype.js';
import { isFloating, upcast } from '../core/dtype.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Operand } from './operand.js';
import { refuseBfloat16, toTensor, uninitializedOutput } from './operand.js';
import { astype } from './cast.js';
import { mapElements } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { floor as floorTensor, log } from './unary.js';

/**
 * The dtype of `t op v` for a plain number v (NumPy 2's weak scalars): the tensor's own dtype,
 * except that a fractional number makes an integer/bool tensor float (int * 0.5 used to truncate
 * the 0.5 to 0) and bool with an integer gives int32 (it used to depend on the operand order).
 */
function withNumber(t: Tensor, v: number): DType {
  if (isFloating(t.dtype)) return t.dtype;
  if (!Number.isInteger(v)) return 'float32';
  return t.dtype === 'bool' ? 'int32' : t.dtype;
}

/** Brings two operands to one dtype: numbers adopt the tensor's dtype, tensors upcast. */
function promote(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [toTensor(a), toTensor(b)];
  if (typeof a === 'number') {
    const bt = b as Tensor;
    const d = withNumber(bt, a);
    return [toTensor(a, d), astype(bt, d)];
  }
  if (typeof b === 'number') {
    const d = withNumber(a, b);
    return [astype(a, d), toTensor(b, d)];
  }
  if (a.dtype === b.dtype) return [a, b];
  const d = upcast(a.dtype, b.dtype);
  return [astype(a, d), astype(b, d)];
}

function applyBinary(op: BinaryOp, a: Tensor, b: Tensor, compare: boolean): Tensor {
  refuseBfloat16(a, op);
  refuseBfloat16(b, op);
  const shape = broadcastShapes(a.shape, b.shape);
  let dtype = compare ? 'bool' : a.dtype;
  if (!compare && dtype === 'bool') dtype = 'int32';
  const [x, y] = !compare && a.dtype === 'bool' ? [astype(a, 'int32'), astype(b, 'int32')] : [a, b];
  const out = uninitializedOutput(shape, dtype as Tensor['dtype']);
  backend().binary(op, x.data, x.shape, y.data, y.shape, out.data, shape);
  return out;
}

/** Sums a broadcast gradient back down to the shape of the operand it came from. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

/** One derivative rule per operand, so the backward pass computes only the ones needed. */
type Rule = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;

function arithmetic(op: BinaryOp, da: Rule, db: Rule) {
  return (a: Operand, b: Operand): Tensor => {
    const [x, y] = promote(a, b);
    const out = applyBinary(op, x, y, false);
    return record(out, op, [x, y], (g) => [
      x.requiresGrad ? sumToShape(da(g, x, y, out), x.shape) : null,
      y.requiresGrad ? sumToShape(db(g, x, y, out), y.shape) : null,
    ]);
  };
}

export const add = arithmetic(
  'add',
  (g) => g,
  (g) => g,
);
export const sub = arithmetic(
  'sub',
  (g) => g,
  (g) => neg(g),
);
export const mul = arithmetic(
  'mul',
  (g, _a, b) => mul(g, b),
  (g, a) => mul(g, a),
);
const divFloat = arithmetic(
  'div',
  (g, _a, b) => div(g, b),
  (g, a, b) => neg(div(mul(g, a), mul(b, b))),
);

/** An operand's dtype as true division sees it: integers and bools divide as float32 (NumPy, Keras). */
function trueDivisionOperand(x: Operand): Operand {
  return typeof x === 'number' || isFloating(x.dtype) ? x : astype(x, 'float32');
}

/**
 * True division, as `/` in NumPy and `keras.ops.divide`: int32 / int32 is float32
 * (`[-1, 1, 2] / 2` is `[-0.5, 0.5, 1]`; the integer kernel truncated toward zero). See `floorDiv`.
 */
export function div(a: Operand, b: Operand): Tensor {
  return divFloat(trueDivisionOperand(a), trueDivisionOperand(b));
}

/**
 * Floor division, as NumPy's `//` and `keras.ops.floor_divide`: floor(a / b), integer for integer
 * operands (`-1 // 2` is -1, not 0). Integer division by zero is an error (NumPy returns a silent 0);
 * float division by zero gives ±Infinity or NaN as floor(a / b) does. Piecewise constant: no gradient.
 */
export function floorDiv(a: Operand, b: Operand): Tensor {
  const [x, y] = promote(a, b);
  if (isFloating(x.dtype)) return floorTensor(div(x.detach(), y.detach()));
  return mapElements('floorDiv', [x, y], 'int32', ([p, q]) => {
    if (q === 0) throw new Error('floorDiv: integer division by zero (the divisor has a 0).');
    return Math.floor(p! / q!);
  });
}
export const pow = arithmetic(
  'pow',
  (g, a, b) => mul(g, mul(b, pow(a, sub(b, 1)))),
  // d/db a^b = a^b log a, taken as 0 where a <= 0 (as TensorFlow does).
  (g, a, _b, out) => mul(g, mul(out, logWherePositive(a))),
);

/**
 * log(a) where a > 0 and 0 elsewhere. (log(maximum(a, MIN_VALUE)) gave -744 * a^b for negative
 * bases, and -Infinity/NaN in float32 where MIN_VALUE rounds to 0.)
 */
function logWherePositive(a: Tensor): Tensor {
  const pos = astype(greater(a, 0), a.dtype);
  return log(add(mul(a, pos), sub(1, pos)));
}
/** Ties send the gradient to the first operand. */
export const maximum = arithmetic(
  'maximum',
  (g, a, b) => mul(g, astype(greaterEqual(a, b), g.dtype)),
  (g, a, b) => mul(g, astype(less(a, b), g.dtype)),
);
export const minimum = arithmetic(
  'minimum',
  (g, a, b) => mul(g, astype(lessEqual(a, b), g.dtype)),
  (g, a, b) => mul(g, astype(greater(a, b), g.dtype)),
);

function neg(x: Tensor): Tensor {
  return mul(x, -1);
}

function comparison(op: CompareOp) {
  return (a: Operand, b: Operand): Tensor => {
    const [x, y] = promote(a, b);
    return applyBinary(op, x, y, true);
  };
}

export const equal = comparison('equal');
export const notEqual = comparison('notEqual');
export const greater = comparison('greater');
export const greaterEqual = comparison('greaterEqual');
export const less = comparison('less');
export const lessEqual = comparison('lessEqual');
