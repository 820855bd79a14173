import { checkOptionNames } from '../../utils/option-names.js';
import type { RandomAffineArgs } from './random-affine-layer.js';
import { RANDOM_AFFINE_ARG_NAMES, RandomAffineLayer } from './random-affine-layer.js';
import type { Factor } from './random-factor.js';
import { factorConfig, symmetricFactor } from './random-factor.js';

export type RandomZoomArgs = RandomAffineArgs;

/**
 * Keras's RandomZoom: while training, each image is scaled about its centre by 1 + z, z drawn
 * from heightFactor (and from widthFactor, or the same z when it is null); a positive z zooms
 * out (the image shrinks), a negative one zooms in. The identity in inference.
 */
export class RandomZoom extends RandomAffineLayer {
  readonly heightFactor: Factor;
  readonly widthFactor: Factor | null;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number] | null;

  constructor(heightFactor: Factor, widthFactor: Factor | null = null, args: RandomZoomArgs = {}) {
    checkOptionNames('RandomZoom', args, RANDOM_AFFINE_ARG_NAMES);
    super(args);
    this.heightRange = symmetricFactor('RandomZoom', 'heightFactor', heightFactor, true);
    this.widthRange = widthFactor === null ? null : symmetricFactor('RandomZoom', 'widthFactor', widthFactor, true);
    this.heightFactor = heightFactor;
    this.widthFactor = widthFactor;
  }

  protected transforms(batch: number, height: number, width: number): number[][] {
    const [hl, hu] = this.heightRange;
    const zy = Array.from({ length: batch }, () => this.uniform(1 + hl, 1 + hu));
    const zx = this.widthRange
      ? Array.from({ length: batch }, () => this.uniform(1 + this.widthRange![0], 1 + this.widthRange![1]))
      : zy;
    // Keras's _get_zoom_matrix: scale about the centre ((width - 1) / 2, (height - 1) / 2).
    return zy.map((y, i) => {
      const x = zx[i]!;
      return [x, 0, ((width - 1) / 2) * (1 - x), 0, y, ((height - 1) / 2) * (1 - y), 0, 0];
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      height_factor: factorConfig(this.heightFactor),
      width_factor: factorConfig(this.widthFactor),
    };
  }
}
