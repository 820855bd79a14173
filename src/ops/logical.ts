import { record } from '../core/autograd.js';
import { isFloating, upcast } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { sumToShape } from './binary.js';
import { astype } from './cast.js';
import { mapElements } from './elementwise.js';
import type { Operand } from './operand.js';
import { toTensor } from './operand.js';
import { floor, neg } from './unary.js';

function asTensor(x: Operand): Tensor {
  return x instanceof Tensor ? x : toTensor(x, Number.isInteger(x) ? 'int32' : 'float32');
}

/**
 * `where(condition, x, y)`: x where the condition holds (is nonzero), y elsewhere, all three
 * broadcast (NumPy's and keras.ops.where). Plain numbers adopt the other branch's dtype. The
 * gradient goes to x where the condition holds and to y elsewhere; the branch not taken never
 * leaks into the output (an Infinity or NaN there stays out, unlike a mask multiply).
 */
export function where(condition: Tensor | boolean, x: Operand, y: Operand): Tensor {
  const cond = condition instanceof Tensor ? condition : toTensor(condition ? 1 : 0, 'bool');
  let xt: Tensor;
  let yt: Tensor;
  if (typeof x === 'number' && typeof y !== 'number') [xt, yt] = [toTensor(x, weak(y, x)), y];
  else if (typeof y === 'number' && typeof x !== 'number') [xt, yt] = [x, toTensor(y, weak(x, y))];
  else [xt, yt] = [asTensor(x), asTensor(y)];
  const dtype = xt.dtype === yt.dtype ? xt.dtype : upcast(xt.dtype, yt.dtype);
  const a = astype(xt, dtype);
  const b = astype(yt, dtype);
  const out = mapElements('where', [cond, a, b], dtype, ([c, p, q]) => (c !== 0 ? p! : q!));
  return record(out, 'where', [a, b], (g) => [
    a.requiresGrad ? sumToShape(where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumToShape(where(cond, 0, g), b.shape) : null,
  ]);
}

/** The dtype a plain number takes beside a tensor branch (fractions make an integer branch float32). */
function weak(t: Tensor, v: number): Tensor['dtype'] {
  if (isFloating(t.dtype)) return t.dtype;
  return Number.isInteger(v) ? (t.dtype === 'bool' ? 'int32' : t.dtype) : 'float32';
}

const truthy = (v: number): boolean => v !== 0;

/** Elementwise AND of the truth values (nonzero is true) of two broadcast tensors; bool out. */
export function logicalAnd(a: Operand, b: Operand): Tensor {
  return mapElements('logicalAnd', [asTensor(a), asTensor(b)], 'bool', ([p, q]) => +(truthy(p!) && truthy(q!)));
}

export function logicalOr(a: Operand, b: Operand): Tensor {
  return mapElements('logicalOr', [asTensor(a), asTensor(b)], 'bool', ([p, q]) => +(truthy(p!) || truthy(q!)));
}

export function logicalXor(a: Operand, b: Operand): Tensor {
  return mapElements('logicalXor', [asTensor(a), asTensor(b)], 'bool', ([p, q]) => +(truthy(p!) !== truthy(q!)));
}

export function logicalNot(x: Operand): Tensor {
  return mapElements('logicalNot', [asTensor(x)], 'bool', ([p]) => +!truthy(p!));
}

/** True where x is NaN (never for integer dtypes); bool out. */
export function isNaN(x: Tensor): Tensor {
  return mapElements('isNaN', [x], 'bool', ([p]) => +Number.isNaN(p));
}

/** True where x is neither NaN nor ±Infinity; bool out. */
export function isFinite(x: Tensor): Tensor {
  return mapElements('isFinite', [x], 'bool', ([p]) => +Number.isFinite(p));
}

/** True where x is +Infinity or -Infinity; bool out. */
export function isInf(x: Tensor): Tensor {
  return mapElements('isInf', [x], 'bool', ([p]) => +(p === Infinity || p === -Infinity));
}

/** Smallest integer not below x (piecewise constant: no gradient), as np.ceil. Integers pass through. */
export function ceil(x: Tensor): Tensor {
  if (!isFloating(x.dtype)) return x;
  return neg(floor(neg(x.detach())));
}
