import type { ConvArgs } from './conv-base.js';
import { BaseConv } from './conv-base.js';

export type Conv2DArgs = Omit<ConvArgs, 'padding'> & { padding?: 'valid' | 'same' };

/**
 * 2-D convolution over images [batch, rows, cols, channels] (Keras's Conv2D), e.g. the
 * lecture's `new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' })`.
 * Kernel [kh, kw, channels, filters]; output [batch, newRows, newCols, filters].
 */
export class Conv2D extends BaseConv {
  constructor(
    filters: number,
    kernelSize: number | readonly [number, number] | readonly number[],
    args: Conv2DArgs = {},
  ) {
    super(2, filters, kernelSize, args);
  }
}
