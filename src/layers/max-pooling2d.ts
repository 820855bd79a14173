import type { PoolSizeOrArgs, PoolingArgs } from './pooling-base.js';
import { BasePooling } from './pooling-base.js';

/** Max pooling over windows of images [batch, rows, cols, channels] (Keras's MaxPooling2D), e.g. the lecture's `new MaxPooling2D(2)` or `new MaxPooling2D({ poolSize: 2 })`. */
export class MaxPooling2D extends BasePooling {
  constructor(poolSizeOrArgs: PoolSizeOrArgs = {}, args: PoolingArgs = {}) {
    super(2, 'max', poolSizeOrArgs, args);
  }
}
