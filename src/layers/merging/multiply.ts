import type { Tensor } from '../../core/tensor.js';
import { maximum, mul } from '../../ops/binary.js';
import { Merge, select } from './merge-base.js';

/** Multiplies its inputs element-wise. */
export class Multiply extends Merge {
  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => mul(acc, x), inputs[0]!);
  }

  /**
   * Keras 3: a masked entry counts as 1 in the product; when every input has a mask, entries
   * masked in all of them are 0.
   */
  protected override mergeMasked(inputs: Tensor[], masks: (Tensor | null)[]): Tensor {
    const ones = inputs.map((x, i) => (masks[i] ? select(masks[i]!, x, 1) : x));
    const product = this.merge(ones);
    if (!masks.every((m) => m)) return product;
    const any = (masks as Tensor[]).slice(1).reduce((acc, m) => maximum(acc, m), masks[0]!);
    return mul(product, any);
  }
}
