import { checkOptionNames } from '../../utils/option-names.js';
import type { RandomAffineArgs } from './random-affine-layer.js';
import { RANDOM_AFFINE_ARG_NAMES, RandomAffineLayer } from './random-affine-layer.js';
import type { Factor } from './random-factor.js';
import { boundedFactor } from './random-factor.js';

export type RandomRotationArgs = RandomAffineArgs;

/**
 * Keras's RandomRotation: while training, each image is rotated about its centre by an angle
 * drawn uniformly from factor * 360 degrees (a number f: [-f, f] turns; a pair: that range).
 * The identity in inference.
 */
export class RandomRotation extends RandomAffineLayer {
  /** The [lower, upper] range in fractions of a full turn (what Keras writes as factor). */
  readonly factor: [number, number];

  constructor(factor: Factor, args: RandomRotationArgs = {}) {
    checkOptionNames('RandomRotation', args, RANDOM_AFFINE_ARG_NAMES);
    super(args);
    this.factor = boundedFactor('RandomRotation', factor, [-1, 1]);
  }

  protected transforms(batch: number, height: number, width: number): number[][] {
    const [lo, hi] = this.factor;
    // Keras's _compute_affine_matrix with scale 1, no shear or translation, centre (0.5, 0.5).
    const cx = 0.5 * (width - 1);
    const cy = 0.5 * (height - 1);
    return Array.from({ length: batch }, () => {
      const angle = (this.uniform(lo * 360, hi * 360) * Math.PI) / 180;
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const [a0, a1, b0, b1] = [cos, -sin, sin, cos];
      return [a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0, 0];
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: [...this.factor] };
  }
}
