import { record } from '../core/autograd.js';
import { allocateUninitialized } from '../core/dtype.js';
import { normalizeAxis } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { output, refuseBfloat16 } from './operand.js';
import { transpose } from './transpose.js';

/** Moves `axis` last, applies f (which works on rows of the last axis), and moves it back. */
export function alongAxis(x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (a === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  perm.splice(a, 1);
  perm.push(a);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return transpose(f(transpose(x, perm)), inverse);
}

/**
 * Entries of x picked per row of the last axis by `index` (rows of k indices into rows of n):
 * out[r, j] = x[r, index[r, j]]. The gradient scatters back into the picked places.
 */
function pickLast(x: Tensor, index: Int32Array, k: number): Tensor {
  const n = x.shape[x.rank - 1]!;
  const rows = n === 0 ? 0 : x.size / n;
  const shape = [...x.shape.slice(0, -1), k];
  const data = allocateUninitialized(x.dtype, rows * k);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) data[r * k + j] = x.data[r * n + index[r * k + j]!]!;
  const out = new Tensor(data, shape, x.dtype);
  return record(out, 'pickAlongAxis', [x], (g) => {
    const gx = output(x.shape, g.dtype);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < k; j++) gx.data[r * n + index[r * k + j]!]! += g.data[r * k + j]!;
    return [gx];
  });
}

/**
 * Per row of the last axis, the positions in order: ascending with NaN last (NumPy's sort), or
 * descending with NaN first (so a NaN is never hidden from top-k); ties keep their order.
 */
function orderRows(x: Tensor, descending: boolean, k: number): Int32Array {
  refuseBfloat16(x, descending ? 'topk' : 'sort');
  const n = x.shape[x.rank - 1] ?? 1;
  const rows = n === 0 ? 0 : x.size / n;
  const out = new Int32Array(rows * k);
  const pos = Array.from({ length: n }, (_, i) => i);
  const d = x.data;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) pos[i] = i;
    pos.sort((i, j) => {
      const a = d[base + i]!;
      const b = d[base + j]!;
      const an = Number.isNaN(a);
      const bn = Number.isNaN(b);
      if (an || bn) return an === bn ? 0 : an === descending ? -1 : 1;
      return descending ? b - a : a - b;
    });
    for (let j = 0; j < k; j++) out[r * k + j] = pos[j]!;
  }
  return out;
}

function scalarRefused(x: Tensor, op: string): void {
  if (x.rank === 0) throw new Error(`${op}: expected a tensor of rank >= 1, got a scalar.`);
}

/** Sorted copy along an axis (ascending, NaN last), as keras.ops.sort; differentiable. */
export function sort(x: Tensor, axis = -1): Tensor {
  scalarRefused(x, 'sort');
  return alongAxis(x, axis, (t) => {
    const n = t.shape[t.rank - 1]!;
    return pickLast(t, orderRows(t, false, n), n);
  });
}

/** Positions that sort each row along an axis (int32), as keras.ops.argsort. */
export function argsort(x: Tensor, axis = -1): Tensor {
  scalarRefused(x, 'argsort');
  return alongAxis(x, axis, (t) => {
    const n = t.shape[t.rank - 1]!;
    return new Tensor(orderRows(t, false, n), t.shape, 'int32');
  });
}

/**
 * The k largest entries of each row of the last axis and their positions, largest first (ties:
 * lower position first), as keras.ops.top_k / tf.math.top_k. `sorted: false` is accepted and
 * gives the same (sorted) order, which Keras allows. Values are differentiable.
 */
export function topk(x: Tensor, k = 1, options: { sorted?: boolean } = {}): { values: Tensor; indices: Tensor } {
  scalarRefused(x, 'topk');
  for (const key of Object.keys(options))
    if (key !== 'sorted') throw new Error(`topk: unknown option '${key}'; the only option is 'sorted'.`);
  const n = x.shape[x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new Error(`topk: k must be an integer in [0, ${n}] (the last axis of ${JSON.stringify(x.shape)}); got ${k}.`);
  const order = orderRows(x, true, k);
  return {
    values: pickLast(x, order, k),
    indices: new Tensor(order, [...x.shape.slice(0, -1), k], 'int32'),
  };
}
