import type { FloatArray, TypedArray } from '../../core/dtype.js';
import type { Shape } from '../../core/shape.js';
import { stridesOf } from '../../core/shape.js';

export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  // Stride in x for each output axis.
  const step = perm.map((p) => inStrides[p]!);
  if (rank === 2) {
    const [r, c] = outShape as [number, number];
    const s0 = step[0]!;
    const s1 = step[1]!;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = x[i * s0 + j * s1]!;
    return;
  }
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      src += step[d]!;
      if (counter[d]! < outShape[d]!) break;
      src -= step[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
}

export function gather(
  x: TypedArray,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  out: TypedArray,
): void {
  const nIdx = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const src = (o * axisSize + indices[j]!) * inner;
      const dst = (o * nIdx + j) * inner;
      if (inner === 1) out[dst] = x[src]!;
      else out.set(x.subarray(src, src + inner), dst);
    }
  }
}

export function scatterAdd(
  updates: FloatArray,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  out: FloatArray,
): void {
  const nIdx = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const dst = (o * axisSize + indices[j]!) * inner;
      const src = (o * nIdx + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += updates[src + i]!;
    }
  }
}
