import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray, TypedArray } from '../core/dtype.js';
import { normalizeAxis, shapeToString, sizeOf, stridesOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { uninitializedOutput } from './operand.js';
import { zeros } from './creation.js';
import { astype } from './cast.js';

/**
 * Copies the box [begin, begin + size) of src into dst at dstBegin. Below the last axis that
 * is cut, rows are contiguous and move with one TypedArray.set each.
 */
export function copyBox(
  src: TypedArray,
  srcShape: readonly number[],
  srcBegin: readonly number[],
  dst: TypedArray,
  dstShape: readonly number[],
  dstBegin: readonly number[],
  size: readonly number[],
): void {
  const rank = size.length;
  if (sizeOf(size) === 0) return;
  let last = rank - 1;
  while (last > 0 && size[last] === srcShape[last] && size[last] === dstShape[last]) last--;
  const run = sizeOf(size.slice(last));
  const sStr = stridesOf(srcShape);
  const dStr = stridesOf(dstShape);
  const counter = new Array<number>(last).fill(0);
  const offset = (str: number[], begin: readonly number[]): number => begin.reduce((p, b, i) => p + b * str[i]!, 0);
  let s = offset(sStr, srcBegin);
  let d = offset(dStr, dstBegin);
  const blocks = sizeOf(size.slice(0, last));
  for (let blk = 0; blk < blocks; blk++) {
    dst.set(src.subarray(s, s + run), d);
    for (let ax = last - 1; ax >= 0; ax--) {
      counter[ax]!++;
      s += sStr[ax]!;
      d += dStr[ax]!;
      if (counter[ax]! < size[ax]!) break;
      s -= sStr[ax]! * size[ax]!;
      d -= dStr[ax]! * size[ax]!;
      counter[ax] = 0;
    }
  }
}

/** The box starting at begin with the given size (-1 takes the rest of that axis), as tf.slice. */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank) throw new Error(`slice: ${begin.length} begin indices for a tensor of rank ${x.rank}.`);
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => {
    const want = size?.[i] ?? -1;
    return want === -1 ? d - b[i]! : want;
  });
  x.shape.forEach((d, i) => {
    if (b[i]! < 0 || s[i]! < 0 || b[i]! + s[i]! > d) {
      throw new Error(
        `slice: begin ${shapeToString(b)} size ${shapeToString(s)} is outside shape ${shapeToString(x.shape)}.`,
      );
    }
  });
  // A range of whole rows along the first axis is contiguous: share storage instead of copying.
  const out = s.every((d, i) => i === 0 || d === x.shape[i])
    ? new Tensor(
        x.data.subarray(b[0]! * sizeOf(x.shape.slice(1)), (b[0]! + s[0]!) * sizeOf(x.shape.slice(1))),
        s,
        x.dtype,
      )
    : copied(x, b, s);
  return record(out, 'slice', [x], (g) => {
    const gx = zeros(x.shape, g.dtype);
    copyBox(g.data, g.shape, new Array<number>(g.rank).fill(0), gx.data, gx.shape, b, s);
    return [gx];
  });
}

function copied(x: Tensor, begin: number[], size: number[]): Tensor {
  const out = uninitializedOutput(size, x.dtype);
  copyBox(x.data, x.shape, begin, out.data, out.shape, new Array<number>(size.length).fill(0), size);
  return out;
}

function toIndices(indices: Tensor | readonly number[] | Int32Array, axisSize: number, what: string): Tensor {
  const t =
    indices instanceof Tensor
      ? indices
      : new Tensor(indices instanceof Int32Array ? indices : Int32Array.from(indices), [indices.length], 'int32');
  const data = t.dtype === 'int32' ? (t.data as Int32Array) : Int32Array.from(t.data);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= axisSize) {
      throw new Error(`${what}: index ${v} is out of range for an axis of size ${axisSize}.`);
    }
  }
  return t.dtype === 'int32' ? t : new Tensor(data, t.shape, 'int32');
}

/** Picks entries along an axis: out shape is x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gather(x: Tensor, indices: Tensor | readonly number[] | Int32Array, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const idx = toIndices(indices, x.shape[a]!, 'gather');
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = uninitializedOutput([...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)], x.dtype);
  backend().gather(x.data, outer, x.shape[a]!, inner, idx.data as Int32Array, out.data);
  return record(out, 'gather', [x], (g) => {
    // bfloat16 gradients are summed in float32: there is no bfloat16 scatter-add kernel.
    const g32 = g.dtype === 'bfloat16' ? astype(g, 'float32') : g;
    const gx = zeros(x.shape, g32.dtype);
    backend().scatterAdd(
      g32.data as FloatArray,
      outer,
      x.shape[a]!,
      inner,
      idx.data as Int32Array,
      gx.data as FloatArray,
    );
    return [g.dtype === 'bfloat16' ? astype(gx, 'bfloat16') : gx];
  });
}

/** Rows by index along the first axis (batching and shuffling). */
export function take(x: Tensor, indices: Tensor | readonly number[] | Int32Array): Tensor {
  return gather(x, indices, 0);
}
