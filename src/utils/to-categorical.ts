import type { DType } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { oneHot } from '../ops/creation.js';
import { reshape } from '../ops/reshape.js';

/**
 * One-hot encodes integer class ids (Keras's `to_categorical`); numClasses defaults to max + 1.
 * A trailing axis of size 1 is dropped first, as Keras does.
 */
export function toCategorical(y: Tensor, numClasses?: number, dtype: DType = 'float32'): Tensor {
  const ids = y.rank > 1 && y.shape[y.rank - 1] === 1 ? reshape(y, y.shape.slice(0, -1)) : y;
  let max = -1;
  for (let i = 0; i < ids.size; i++) max = Math.max(max, ids.data[i]!);
  const n = numClasses ?? max + 1;
  if (max >= n)
    throw new Error(
      `toCategorical: label ${max} does not fit numClasses ${n} (labels of shape ${shapeToString(y.shape)}).`,
    );
  return oneHot(ids, n, dtype);
}
