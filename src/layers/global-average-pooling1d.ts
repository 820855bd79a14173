import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/** Mean over all steps of each channel: [batch, steps, channels] -> [batch, channels] (Keras's GlobalAveragePooling1D). */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'avg', args);
  }
}
