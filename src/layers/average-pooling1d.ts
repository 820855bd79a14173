import type { PoolSizeOrArgs, PoolingArgs } from './pooling-base.js';
import { BasePooling } from './pooling-base.js';

/** Average pooling over windows of sequences [batch, steps, channels] (Keras's AveragePooling1D). */
export class AveragePooling1D extends BasePooling {
  constructor(poolSizeOrArgs: PoolSizeOrArgs = {}, args: PoolingArgs = {}) {
    super(1, 'avg', poolSizeOrArgs, args);
  }
}
