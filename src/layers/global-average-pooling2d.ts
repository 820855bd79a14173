import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/** Mean over all rows and columns of each channel: [batch, rows, cols, channels] -> [batch, channels] (Keras's GlobalAveragePooling2D). */
export class GlobalAveragePooling2D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'avg', args);
  }
}
