import { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { mean } from '../../ops/reduce.js';
import { clip } from '../../ops/unary.js';
import { checkOptionNames, optionNames } from '../../utils/option-names.js';
import type { LayerArgs } from '../layer.js';
import { LAYER_ARG_NAMES } from '../layer.js';
import type { RandomImageArgs } from './image-layer.js';
import { RandomImageLayer } from './image-layer.js';
import type { Factor } from './random-factor.js';
import { boundedFactor } from './random-factor.js';

export interface RandomContrastArgs extends RandomImageArgs {
  /** The range pixel values are clipped to after the adjustment (default [0, 255]). */
  valueRange?: readonly [number, number];
}

const RANDOM_CONTRAST_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<RandomContrastArgs, keyof LayerArgs>>()(['seed', 'dataFormat', 'valueRange']),
];

/**
 * Keras's RandomContrast: while training, each image becomes (x - m) * k + m, m the mean of each
 * channel over the image and k drawn uniformly from [1 - lower, 1 + upper], then clipped to
 * valueRange. Keras reads a number f as [lower, upper] = [0, f] (its factor bounds are [0, 1]),
 * so k is in [1, 1 + f]; this follows that code. The identity in inference.
 */
export class RandomContrast extends RandomImageLayer {
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(factor: Factor, args: RandomContrastArgs = {}) {
    checkOptionNames('RandomContrast', args, RANDOM_CONTRAST_ARG_NAMES);
    const { valueRange = [0, 255], ...rest } = args;
    super(rest);
    this.factor = boundedFactor('RandomContrast', factor, [0, 1]);
    if (
      !Array.isArray(valueRange) ||
      valueRange.length !== 2 ||
      !valueRange.every((v) => typeof v === 'number') ||
      !(valueRange[0] <= valueRange[1])
    )
      throw new Error(
        `RandomContrast: valueRange must be [low, high] with low <= high, got ${JSON.stringify(valueRange)}.`,
      );
    this.valueRange = [valueRange[0], valueRange[1]];
  }

  protected augment(images: Tensor): Tensor {
    const b = images.shape[0]!;
    const [lo, hi] = this.factor;
    const k = Float64Array.from({ length: b }, () => this.uniform(1 - lo, 1 + hi));
    const dtype = images.dtype === 'float64' ? 'float64' : 'float32';
    const factor = new Tensor(dtype === 'float64' ? k : Float32Array.from(k), [b, 1, 1, 1], dtype);
    const m = mean(images, [1, 2], true);
    return clip(add(mul(sub(images, m), factor), m), this.valueRange[0], this.valueRange[1]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: [...this.factor], value_range: [...this.valueRange] };
  }
}
