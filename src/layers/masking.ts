import type { Tensor } from '../core/tensor.js';
import { mul, notEqual } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { max } from '../ops/reduce.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';

export interface MaskingArgs extends LayerArgs {
  /** A step whose features all equal it is masked (default 0). */
  maskValue?: number;
}

const MASKING_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<MaskingArgs, keyof LayerArgs>>()(['maskValue'])];

/**
 * Keras's Masking: a step (an entry of every axis but the last) is masked when all of its
 * features equal `maskValue`. Its output is the input with masked steps set to 0, and its mask,
 * any(x != maskValue, axis=-1), replaces any mask it got; LSTM, GRU, SimpleRNN, GlobalAveragePooling1D
 * and the other mask-aware layers after it use it.
 */
export class Masking extends Layer {
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    checkOptionNames('Masking', args, MASKING_ARG_NAMES);
    const { maskValue, ...rest } = args;
    super(rest);
    this.maskValue = maskValue ?? 0;
    if (typeof this.maskValue !== 'number')
      throw new Error(`Masking: maskValue must be a number, got ${JSON.stringify(maskValue)}.`);
    this.supportsMasking = true;
  }

  /** 1 where a step has a feature different from maskValue, as the input's dtype, keeping the last axis as 1. */
  private keep(x: Tensor): Tensor {
    return max(astype(notEqual(x, this.maskValue), x.dtype), -1, true);
  }

  override computeMask(x: Tensor, _mask: unknown): Tensor {
    return notEqual(max(astype(notEqual(x, this.maskValue), 'float32'), -1), 0);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return mul(x, this.keep(x));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mask_value: this.maskValue };
  }
}
