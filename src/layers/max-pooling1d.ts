import type { PoolSizeOrArgs, PoolingArgs } from './pooling-base.js';
import { BasePooling } from './pooling-base.js';

/** Max pooling over windows of sequences [batch, steps, channels] (Keras's MaxPooling1D), e.g. the lecture's `new MaxPooling1D({ poolSize: 4 })`. */
export class MaxPooling1D extends BasePooling {
  constructor(poolSizeOrArgs: PoolSizeOrArgs = {}, args: PoolingArgs = {}) {
    super(1, 'max', poolSizeOrArgs, args);
  }
}
