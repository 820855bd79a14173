import type { Tensor } from '../../core/tensor.js';
import { minimum } from '../../ops/binary.js';
import { Merge } from './merge-base.js';

/** The element-wise minimum of its inputs. */
export class Minimum extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => minimum(acc, x), inputs[0]!);
  }
}
