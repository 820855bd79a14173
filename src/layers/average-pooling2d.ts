import type { PoolSizeOrArgs, PoolingArgs } from './pooling-base.js';
import { BasePooling } from './pooling-base.js';

/** Average pooling over windows of images [batch, rows, cols, channels] (Keras's AveragePooling2D); with 'same' padding the padded entries are not counted. */
export class AveragePooling2D extends BasePooling {
  constructor(poolSizeOrArgs: PoolSizeOrArgs = {}, args: PoolingArgs = {}) {
    super(2, 'avg', poolSizeOrArgs, args);
  }
}
