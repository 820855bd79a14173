import { record } from '../core/autograd.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { full } from './creation.js';
import { copyBox, slice } from './slice.js';

/**
 * Pads each axis with `paddings[axis] = [before, after]` entries of `constantValue`, as
 * tf.pad in CONSTANT mode. Axes without an entry are not padded. The gradient is the
 * slice of the incoming gradient where x was placed.
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  if (paddings.length > x.rank) {
    throw new Error(
      `pad: ${paddings.length} paddings for a tensor of rank ${x.rank} (shape ${shapeToString(x.shape)}).`,
    );
  }
  const before = x.shape.map((_, i) => paddings[i]?.[0] ?? 0);
  const after = x.shape.map((_, i) => paddings[i]?.[1] ?? 0);
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(before[i]) || !Number.isInteger(after[i]) || before[i]! < 0 || after[i]! < 0) {
      throw new Error(`pad: paddings must be non-negative integers, got [${before[i]}, ${after[i]}] for axis ${i}.`);
    }
  }
  const outShape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const out = full(outShape, constantValue, x.dtype);
  copyBox(x.data, x.shape, new Array<number>(x.rank).fill(0), out.data, outShape, before, x.shape);
  return record(out, 'pad', [x], (g) => [slice(g, before, x.shape)]);
}
