import type { Tensor } from '../core/tensor.js';

/**
 * Class labels or predictions in any usual form: integer ids (`[7, 2, 1]`, an int Tensor [n]),
 * one-hot labels or predicted probabilities (a Tensor [n, k], or `number[][]`).
 */
export type ClassesLike =
  | readonly number[]
  | readonly (readonly number[])[]
  | ArrayLike<number>
  | Tensor
  | { data: ArrayLike<number>; shape: readonly number[] };

function argmaxRows(data: ArrayLike<number>, n: number, k: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (data[i * k + j]! > data[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Class ids, one per sample; rows of scores become their argmax (Keras's `np.argmax(y, axis=1)`). */
export function toClassIndices(values: ClassesLike): number[] {
  if (Array.isArray(values)) {
    if (values.length > 0 && Array.isArray(values[0])) {
      return (values as readonly (readonly number[])[]).map((row) => argmaxRows(row, 1, row.length)[0]!);
    }
    return (values as readonly number[]).map((v) => Math.round(v));
  }
  if ('shape' in values && 'data' in values) {
    const { shape, data } = values;
    if (shape.length === 2 && shape[1]! > 1) return argmaxRows(data, shape[0]!, shape[1]!);
    if (shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
      throw new Error(`viz: expected class ids [n] or scores [n, k], got shape [${shape.join(', ')}].`);
    }
    return Array.from(data as ArrayLike<number>, (v) => Math.round(v));
  }
  return Array.from(values as ArrayLike<number>, (v) => Math.round(v));
}
