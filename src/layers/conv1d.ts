import type { ConvArgs } from './conv-base.js';
import { BaseConv } from './conv-base.js';

export type Conv1DArgs = ConvArgs;

/**
 * 1-D convolution over sequences [batch, steps, channels] (Keras's Conv1D), e.g. the lecture's
 * `new Conv1D(64, 5, { padding: 'valid', activation: 'relu', strides: 1 })`. Kernel
 * [kernelSize, channels, filters]. 'causal' padding pads on the left only, so output t sees
 * inputs up to t.
 */
export class Conv1D extends BaseConv {
  constructor(filters: number, kernelSize: number | readonly [number] | readonly number[], args: Conv1DArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
