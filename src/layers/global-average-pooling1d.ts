import type { Tensor } from '../core/tensor.js';
import { div, mul, notEqual } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { sum } from '../ops/reduce.js';
import { expandDims } from '../ops/reshape.js';
import type { CallOptions } from './layer.js';
import { formatShape } from './layer.js';
import type { GlobalPoolingArgs } from './global-pooling-base.js';
import { BaseGlobalPooling } from './global-pooling-base.js';

/**
 * Mean over all steps of each channel: [batch, steps, channels] -> [batch, channels] (Keras's
 * GlobalAveragePooling1D). With a [batch, steps] mask (Embedding's maskZero, Masking, an RNN with
 * returnSequences), the mean is over the unmasked steps only, as Keras 3:
 * sum(x * mask) / sum(mask); a sample with every step masked gives 0/0 = NaN, as in Keras. The
 * mask stops here.
 */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, 'avg', args);
    this.supportsMasking = true;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    const mask = options.mask ?? null;
    if (!mask) return super.call(x, options);
    this.computeOutputShape(x.shape);
    if (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])
      throw new Error(
        `Layer '${this.name}' (GlobalAveragePooling1D) expects a mask of shape (${x.shape[0]}, ${x.shape[1]}) ` +
          `for input ${formatShape(x.shape)}, got ${formatShape(mask.shape)}.`,
      );
    const m = expandDims(astype(mask.dtype === 'bool' ? mask : notEqual(mask, 0), x.dtype), 2);
    return div(sum(mul(x, m), [1], this.keepdims), sum(m, [1], this.keepdims));
  }

  override computeMask(_inputs: unknown, _mask: unknown): null {
    return null;
  }
}
