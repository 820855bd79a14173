import type { DType } from '../core/dtype.js';
import { broadcastShapes, sizeOf, stridesOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { refuseBfloat16, uninitializedOutput } from './operand.js';

/**
 * For each element of the broadcast output shape, the flat index of the element of `shape` it
 * reads (NumPy broadcasting: size-1 axes and missing leading axes repeat).
 */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const lead = outShape.length - shape.length;
  const inStrides = stridesOf(shape);
  // Stride of each output axis in the input (0 where the input repeats).
  const strides = outShape.map((d, i) => {
    const j = i - lead;
    return j < 0 || shape[j] === 1 ? 0 : inStrides[j]!;
  });
  const counter = new Array<number>(outShape.length).fill(0);
  let at = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = at;
    for (let a = outShape.length - 1; a >= 0; a--) {
      counter[a]!++;
      at += strides[a]!;
      if (counter[a]! < outShape[a]!) break;
      at -= strides[a]! * counter[a]!;
      counter[a] = 0;
    }
  }
  return idx;
}

/**
 * An elementwise function of broadcast tensors computed in TypeScript (for ops without a kernel:
 * selection, logic, NaN tests). Values are read as numbers (bool as 0/1) and written to `dtype`.
 */
export function mapElements(
  op: string,
  inputs: readonly Tensor[],
  dtype: DType,
  f: (values: number[]) => number,
): Tensor {
  for (const t of inputs) refuseBfloat16(t, op);
  let shape: number[] = [];
  for (const t of inputs) shape = broadcastShapes(shape, t.shape);
  const out = uninitializedOutput(shape, dtype);
  const n = out.size;
  // null: read element k as is; 'one': a single element, read for every k; else an index map.
  const maps = inputs.map((t) =>
    t.size === n && t.rank === shape.length ? null : t.size === 1 ? 'one' : broadcastIndex(t.shape, shape),
  );
  const vals = new Array<number>(inputs.length).fill(0);
  const data = out.data;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < inputs.length; i++) {
      const m = maps[i];
      vals[i] = inputs[i]!.data[m === null ? k : m === 'one' ? 0 : m![k]!]!;
    }
    data[k] = f(vals);
  }
  return out;
}
