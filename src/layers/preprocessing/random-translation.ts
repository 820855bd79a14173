import { checkOptionNames } from '../../utils/option-names.js';
import type { RandomAffineArgs } from './random-affine-layer.js';
import { RANDOM_AFFINE_ARG_NAMES, RandomAffineLayer } from './random-affine-layer.js';
import type { Factor } from './random-factor.js';
import { factorConfig, symmetricFactor } from './random-factor.js';

export type RandomTranslationArgs = RandomAffineArgs;

/**
 * Keras's RandomTranslation: while training, each image is shifted by a fraction of its height
 * and of its width drawn uniformly from heightFactor and widthFactor (a number f: [-f, f]; a
 * positive shift moves the content down / right). The identity in inference.
 */
export class RandomTranslation extends RandomAffineLayer {
  readonly heightFactor: Factor;
  readonly widthFactor: Factor;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number];

  constructor(heightFactor: Factor, widthFactor: Factor, args: RandomTranslationArgs = {}) {
    checkOptionNames('RandomTranslation', args, RANDOM_AFFINE_ARG_NAMES);
    super(args);
    this.heightRange = symmetricFactor('RandomTranslation', 'heightFactor', heightFactor, false);
    this.widthRange = symmetricFactor('RandomTranslation', 'widthFactor', widthFactor, false);
    this.heightFactor = heightFactor;
    this.widthFactor = widthFactor;
  }

  protected transforms(batch: number, height: number, width: number): number[][] {
    // Keras draws every image's height shift, then every width shift.
    const dy = Array.from({ length: batch }, () => this.uniform(...this.heightRange) * height);
    const dx = Array.from({ length: batch }, () => this.uniform(...this.widthRange) * width);
    return dy.map((y, i) => [1, 0, -dx[i]!, 0, 1, -y, 0, 0]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      height_factor: factorConfig(this.heightFactor),
      width_factor: factorConfig(this.widthFactor),
    };
  }
}
