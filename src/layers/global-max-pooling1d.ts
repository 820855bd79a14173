import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/** Max over all steps of each channel: [batch, steps, channels] -> [batch, channels] (Keras's GlobalMaxPooling1D). */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'max', args);
  }
}
