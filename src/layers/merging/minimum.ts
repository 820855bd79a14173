import type { Tensor } from '../../core/tensor.js';
import { minimum } from '../../ops/binary.js';
import { Merge, mergeOrMasked } from './merge-base.js';

/** The element-wise minimum of its inputs. */
export class Minimum extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => minimum(acc, x), inputs[0]!);
  }

  /** Masked entries of one input take another's value first (Keras 3), so padding never wins. */
  protected override mergeMasked(inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
    return mergeOrMasked(inputs, masks, minimum);
  }
}
