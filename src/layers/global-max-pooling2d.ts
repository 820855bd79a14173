import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/** Max over all rows and columns of each channel: [batch, rows, cols, channels] -> [batch, channels] (Keras's GlobalMaxPooling2D). */
export class GlobalMaxPooling2D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, 'max', args);
  }
}
