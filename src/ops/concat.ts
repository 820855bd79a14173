import { record } from '../core/autograd.js';
import { normalizeAxis, shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { uninitializedOutput } from './operand.js';
import { copyBox, slice } from './slice.js';
import { expandDims } from './reshape.js';

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor.');
  const first = tensors[0]!;
  const a = normalizeAxis(axis, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(
        `concat: ${shapeToString(t.shape)} (${t.dtype}) does not match ${shapeToString(first.shape)} (${first.dtype}) outside axis ${a}.`,
      );
    }
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((p, t) => p + t.shape[a]!, 0);
  // The pieces tile the output along `a`, so every element is copied into.
  const out = uninitializedOutput(shape, first.dtype);
  const zerosBegin = new Array<number>(shape.length).fill(0);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    const dstBegin = [...zerosBegin];
    dstBegin[a] = at;
    copyBox(t.data, t.shape, zerosBegin, out.data, shape, dstBegin, t.shape);
    at += t.shape[a]!;
  }
  return record(out, 'concat', tensors, (g) =>
    tensors.map((t, i) => {
      const begin = [...zerosBegin];
      begin[a] = starts[i]!;
      return slice(g, begin, t.shape);
    }),
  );
}

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor.');
  const a = normalizeAxis(axis, tensors[0]!.rank + 1);
  return concat(
    tensors.map((t) => expandDims(t, a)),
    a,
  );
}
