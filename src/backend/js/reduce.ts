import type { ArgReduceOp, ReduceOp } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

const INIT: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity };

export function reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  // Accumulate in a float64 scratch row so long float32 sums stay accurate.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(INIT[op]);
    const base = o * n * inner;
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      switch (op) {
        case 'sum':
          for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!;
          break;
        case 'max':
          for (let i = 0; i < inner; i++) {
            const v = x[row + i]!;
            if (v > acc[i]! || Number.isNaN(v)) acc[i] = v;
          }
          break;
        case 'min':
          for (let i = 0; i < inner; i++) {
            const v = x[row + i]!;
            if (v < acc[i]! || Number.isNaN(v)) acc[i] = v;
          }
          break;
      }
    }
    out.set(acc, o * inner);
  }
}

export function argReduce(
  op: ArgReduceOp,
  x: TypedArray,
  outer: number,
  n: number,
  inner: number,
  out: Int32Array,
): void {
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i]!;
      let bestIdx = 0;
      // NaN wins, first one first (as np.argmax / np.argmin).
      for (let j = 1; j < n && !Number.isNaN(best); j++) {
        const v = x[base + j * inner + i]!;
        if (better(v, best) || Number.isNaN(v)) {
          best = v;
          bestIdx = j;
        }
      }
      out[o * inner + i] = bestIdx;
    }
  }
}
