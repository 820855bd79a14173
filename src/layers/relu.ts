import type { Tensor } from '../core/tensor.js';
import { greater, minimum, mul, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { relu } from '../ops/unary.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (null: none). */
  maxValue?: number | null;
  /** Slope below the threshold. */
  negativeSlope?: number;
  /** Inputs at or below it are scaled by negativeSlope (after subtracting it). */
  threshold?: number;
}

const RELU_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ReLUArgs, keyof LayerArgs>>()(['maxValue', 'negativeSlope', 'threshold']),
];

/**
 * Keras's ReLU layer (keras.activations.relu): `min(x, maxValue)` for x > threshold, and
 * `negativeSlope * (x - threshold)` for x <= threshold. As Keras computes it,
 * `clip(x * (x > threshold), 0, maxValue) - negativeSlope * relu(threshold - x)`, so the input at
 * exactly the threshold gives 0.
 */
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
    if (this.maxValue !== null && !(typeof this.maxValue === 'number' && this.maxValue >= 0))
      throw new Error(`ReLU: maxValue must be a number >= 0 or null, got ${String(maxValue)}.`);
    if (!(typeof this.negativeSlope === 'number' && this.negativeSlope >= 0))
      throw new Error(`ReLU: negativeSlope must be a number >= 0, got ${String(negativeSlope)}.`);
    if (!(typeof this.threshold === 'number' && this.threshold >= 0 && Number.isFinite(this.threshold)))
      throw new Error(`ReLU: threshold must be a finite number >= 0 (as Keras), got ${String(threshold)}.`);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const t = this.threshold;
    let y = t === 0 ? relu(x) : mul(x, astype(greater(x, t), x.dtype));
    if (this.maxValue !== null) y = minimum(y, this.maxValue);
    if (this.negativeSlope !== 0) y = sub(y, mul(relu(t === 0 ? mul(x, -1) : sub(t, x)), this.negativeSlope));
    return y;
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
