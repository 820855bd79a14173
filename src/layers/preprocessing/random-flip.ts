import type { Tensor } from '../../core/tensor.js';
import { reshape } from '../../ops/reshape.js';
import { gather } from '../../ops/slice.js';
import { checkOptionNames, optionNames, resolveName } from '../../utils/option-names.js';
import type { RandomImageArgs } from './image-layer.js';
import { RandomImageLayer } from './image-layer.js';
import type { LayerArgs } from '../layer.js';
import { LAYER_ARG_NAMES } from '../layer.js';

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';
const FLIP_MODES: readonly FlipMode[] = ['horizontal', 'vertical', 'horizontal_and_vertical'];

export type RandomFlipArgs = RandomImageArgs;

const RANDOM_FLIP_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<RandomFlipArgs, keyof LayerArgs>>()(['seed', 'dataFormat']),
];

/**
 * Keras's RandomFlip: while training, each image is flipped with probability 1/2 (one draw per
 * image; in 'horizontal_and_vertical' mode the same draw flips both ways, as Keras). The
 * identity in inference. Gradients flow to the pixels (a permutation).
 */
export class RandomFlip extends RandomImageLayer {
  readonly mode: FlipMode;

  constructor(mode: FlipMode = 'horizontal_and_vertical', args: RandomFlipArgs = {}) {
    checkOptionNames('RandomFlip', args, RANDOM_FLIP_ARG_NAMES);
    super(args);
    if (typeof mode !== 'string')
      throw new Error(`RandomFlip: mode must be one of ${FLIP_MODES.join(', ')}, got ${JSON.stringify(mode)}.`);
    this.mode = resolveName('RandomFlip mode', mode, FLIP_MODES) as FlipMode;
  }

  protected augment(images: Tensor): Tensor {
    const [b, h, w, c] = images.shape as [number, number, number, number];
    const flips = Array.from({ length: b }, () => this.random.uniform() <= 0.5);
    const horizontal = this.mode !== 'vertical';
    const vertical = this.mode !== 'horizontal';
    const idx = new Int32Array(b * h * w);
    for (let n = 0; n < b; n++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const sy = flips[n] && vertical ? h - 1 - y : y;
          const sx = flips[n] && horizontal ? w - 1 - x : x;
          idx[(n * h + y) * w + x] = (n * h + sy) * w + sx;
        }
    return reshape(gather(reshape(images, [b * h * w, c]), idx, 0), [b, h, w, c]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mode: this.mode };
  }
}
