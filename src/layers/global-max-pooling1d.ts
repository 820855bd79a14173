import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/**
 * Max over all steps of each channel: [batch, steps, channels] -> [batch, channels] (Keras's
 * GlobalMaxPooling1D). Keras's takes no mask (Keras 2 refuses one; Keras 3 drops it with a
 * warning and takes the max over padded steps too), so an input mask is refused here, by name.
 */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'max', args);
  }
}
