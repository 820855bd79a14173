import type { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { Merge } from './merge-base.js';

/** Adds its inputs element-wise. */
export class Add extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => add(acc, x), inputs[0]!);
  }
}
