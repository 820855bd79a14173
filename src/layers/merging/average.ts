import type { Tensor } from '../../core/tensor.js';
import { add, div } from '../../ops/binary.js';
import { Merge } from './merge-base.js';

/** The element-wise mean of its inputs. */
export class Average extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    const total = inputs.slice(1).reduce((acc, x) => add(acc, x), inputs[0]!);
    return inputs.length === 1 ? total : div(total, inputs.length);
  }
}
