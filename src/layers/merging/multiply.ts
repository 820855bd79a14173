import type { Tensor } from '../../core/tensor.js';
import { mul } from '../../ops/binary.js';
import { Merge } from './merge-base.js';

/** Multiplies its inputs element-wise. */
export class Multiply extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => mul(acc, x), inputs[0]!);
  }
}
