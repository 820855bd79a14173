import type { ArgReduceOp, ReduceOp } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { refuseBfloat16, uninitializedOutput } from './operand.js';
import { astype } from './cast.js';
import { div, equal, mul } from './binary.js';
import { broadcastTo } from './broadcast-to.js';
import { reshape } from './reshape.js';

type Axes = number | readonly number[];

/** One axis at a time, from the last, so each kernel call reduces a contiguous [outer, n, inner] view. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  refuseBfloat16(x, op);
  let cur = x;
  let shape = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    const a = axes[i]!;
    const outer = sizeOf(shape.slice(0, a));
    const n = shape[a]!;
    const inner = sizeOf(shape.slice(a + 1));
    shape = [...shape.slice(0, a), 1, ...shape.slice(a + 1)];
    const dtype = op === 'sum' && (cur.dtype === 'bool' || cur.dtype === 'uint8') ? 'int32' : cur.dtype;
    if (n === 0 && (op === 'max' || op === 'min')) throw new Error(`${op}: cannot reduce an empty axis.`);
    // reduce stores each result (it does not add into out).
    const out = uninitializedOutput(shape, dtype);
    backend().reduce(op, cur.data, outer, n, inner, out.data);
    cur = out;
  }
  return cur;
}

/** Shape after reducing axes, with or without the reduced axes kept as size 1. */
function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank);
  const kept = reduceRaw('sum', x, ax);
  const out = reshape(kept.detach(), reducedShape(x.shape, ax, keepDims));
  return record(out, 'sum', [x], (g) => [broadcastTo(reshape(g, kept.shape), x.shape)]);
}

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank);
  const count = ax.reduce((p, a) => p * x.shape[a]!, 1);
  const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : astype(x, 'float32');
  return div(sum(xf, ax, keepDims), count);
}

function extreme(op: 'max' | 'min') {
  return (x: Tensor, axes?: Axes, keepDims = false): Tensor => {
    const ax = normalizeAxes(axes, x.rank);
    const kept = reduceRaw(op, x, ax);
    const out = reshape(kept.detach(), reducedShape(x.shape, ax, keepDims));
    // The gradient is shared equally among the entries that attain the extreme.
    return record(out, op, [x], (g) => {
      const mask = astype(equal(x, kept), g.dtype);
      const share = div(mask, sum(mask, ax, true));
      return [mul(share, reshape(g, kept.shape))];
    });
  };
}

export const max = extreme('max');
export const min = extreme('min');

function argReduce(op: ArgReduceOp) {
  return (x: Tensor, axis = -1): Tensor => {
    refuseBfloat16(x, op);
    const a = normalizeAxis(axis, x.rank);
    const n = x.shape[a]!;
    if (n === 0) throw new Error(`${op}: cannot take ${op} of an empty axis.`);
    const out = uninitializedOutput(
      x.shape.filter((_, i) => i !== a),
      'int32',
    );
    backend().argReduce(
      op,
      x.data,
      sizeOf(x.shape.slice(0, a)),
      n,
      sizeOf(x.shape.slice(a + 1)),
      out.data as Int32Array,
    );
    return out;
  };
}

export const argmax = argReduce('argmax');
export const argmin = argReduce('argmin');
