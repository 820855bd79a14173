import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { broadcastTo } from './broadcast-to.js';
import { gather } from './slice.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { normalizeAxis } from '../core/shape.js';

function checkCount(op: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${what} must be non-negative integers; got ${v}.`);
}

/**
 * Repeats the whole tensor `reps[i]` times along axis i, as np.tile / keras.ops.tile (a shorter
 * reps is padded with leading 1s, a shorter shape with leading size-1 axes). Differentiable.
 */
export function tile(x: Tensor, reps: number | readonly number[]): Tensor {
  const r = typeof reps === 'number' ? [reps] : [...reps];
  r.forEach((v) => checkCount('tile', 'reps', v));
  const rank = Math.max(r.length, x.rank);
  const shape = [...new Array<number>(rank - x.rank).fill(1), ...x.shape];
  const rr = [...new Array<number>(rank - r.length).fill(1), ...r];
  // [d0, d1] -> [1, d0, 1, d1] -> broadcast [r0, d0, r1, d1] -> [r0*d0, r1*d1].
  const interleaved = shape.flatMap((d) => [1, d]);
  const target = shape.flatMap((d, i) => [rr[i]!, d]);
  return reshape(
    broadcastTo(reshape(x, interleaved), target),
    shape.map((d, i) => d * rr[i]!),
  );
}

/**
 * Repeats each element `repeats` times along `axis` (the flattened tensor when axis is omitted),
 * as np.repeat / keras.ops.repeat; `repeats` may give one count per element of that axis.
 */
export function repeat(x: Tensor, repeats: number | readonly number[], axis?: number | null): Tensor {
  const t = axis === null || axis === undefined ? reshape(x, [x.size]) : x;
  const a = axis === null || axis === undefined ? 0 : normalizeAxis(axis, x.rank);
  const n = t.shape[a]!;
  if (typeof repeats === 'number') {
    checkCount('repeat', 'repeats', repeats);
    const expanded = [...t.shape.slice(0, a + 1), 1, ...t.shape.slice(a + 1)];
    const target = [...t.shape.slice(0, a + 1), repeats, ...t.shape.slice(a + 1)];
    const out = [...t.shape.slice(0, a), n * repeats, ...t.shape.slice(a + 1)];
    return reshape(broadcastTo(reshape(t, expanded), target), out);
  }
  if (repeats.length !== n)
    throw new Error(
      `repeat: ${repeats.length} repeat counts for an axis of size ${n} (shape ${shapeToString(t.shape)}).`,
    );
  const idx: number[] = [];
  repeats.forEach((c, i) => {
    checkCount('repeat', 'repeats', c);
    for (let j = 0; j < c; j++) idx.push(i);
  });
  return gather(t, idx, a);
}

/**
 * Splits along `axis` into `sections` equal parts, or at the given indices, as np.split /
 * keras.ops.split. Equal parts must divide the axis exactly (NumPy's error, not a silent remainder).
 */
export function split(x: Tensor, indicesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  const n = x.shape[a]!;
  let cuts: number[];
  if (typeof indicesOrSections === 'number') {
    const s = indicesOrSections;
    if (!Number.isInteger(s) || s <= 0)
      throw new Error(`split: the number of sections must be a positive integer; got ${s}.`);
    if (n % s !== 0)
      throw new Error(
        `split: axis ${a} of size ${n} (shape ${shapeToString(x.shape)}) does not divide into ${s} equal sections.`,
      );
    cuts = Array.from({ length: s - 1 }, (_, i) => ((i + 1) * n) / s);
  } else {
    cuts = indicesOrSections.map((c) => {
      if (!Number.isInteger(c)) throw new Error(`split: split indices must be integers; got ${c}.`);
      return Math.min(Math.max(c < 0 ? c + n : c, 0), n);
    });
  }
  const bounds = [0, ...cuts, n];
  const parts: Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i]!;
    const size = Math.max(0, bounds[i + 1]! - lo);
    const begin = x.shape.map((_, j) => (j === a ? lo : 0));
    const sizes = x.shape.map((d, j) => (j === a ? size : d));
    parts.push(slice(x, begin, sizes));
  }
  return parts;
}
