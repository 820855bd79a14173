import type { Tensor } from '../core/tensor.js';
import { add, greaterEqual, minimum, mul, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { relu } from '../ops/unary.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (null: none). */
  maxValue?: number | null;
  /** Slope below the threshold. */
  negativeSlope?: number;
  /** Inputs below it are scaled by negativeSlope. */
  threshold?: number;
}

/**
 * Keras's ReLU layer: x for threshold <= x < maxValue, maxValue above it, and
 * negativeSlope * (x - threshold) below the threshold.
 */
const RELU_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ReLUArgs, keyof LayerArgs>>()(['maxValue', 'negativeSlope', 'threshold']),
];

export class ReLU extends Layer {
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs = {}) {
    checkOptionNames('ReLU', args, RELU_ARG_NAMES);
    const { maxValue, negativeSlope, threshold, ...rest } = args;
    super(rest);
    this.supportsMasking = true;
    this.maxValue = maxValue ?? null;
    this.negativeSlope = negativeSlope ?? 0;
    this.threshold = threshold ?? 0;
    if (this.maxValue !== null && !(this.maxValue >= 0))
      throw new Error(`ReLU: maxValue must be >= 0, got ${String(maxValue)}.`);
    if (!(this.negativeSlope >= 0)) throw new Error(`ReLU: negativeSlope must be >= 0, got ${String(negativeSlope)}.`);
    if (!Number.isFinite(this.threshold))
      throw new Error(`ReLU: threshold must be a number, got ${String(threshold)}.`);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    let y: Tensor;
    if (this.negativeSlope === 0 && this.threshold === 0) y = relu(x);
    else {
      const above = astype(greaterEqual(x, this.threshold), x.dtype);
      const below = sub(1, above);
      y = add(mul(above, x), mul(below, mul(sub(x, this.threshold), this.negativeSlope)));
    }
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      max_value: this.maxValue,
      negative_slope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}
