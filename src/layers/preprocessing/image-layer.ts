/**
 * What Keras's image preprocessing layers share: images are [batch, height, width, channels] or
 * one unbatched [height, width, channels] image (channels_last only), the random ones draw from
 * their own seeded generator (Keras's SeedGenerator(seed)) or the global one, and the random
 * ones act only while training (the identity in inference).
 */
import type { Random } from '../../core/random.js';
import { Random as RandomClass, getRandom } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { expandDims, squeeze } from '../../ops/reshape.js';
import type { LayerArgs, SymbolicShape } from '../layer.js';
import { Layer, formatShape } from '../layer.js';

/** Refuses a data format other than channels_last, naming the layer. */
export function channelsLastOnly(where: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'channels_last')
    throw new Error(
      `${where}: only dataFormat 'channels_last' is supported, got '${String(dataFormat)}' ` +
        `(images must be (batch, height, width, channels)).`,
    );
}

/** Throws unless the shape is one image (rank 3) or a batch of them (rank 4). */
export function checkImageShape(layer: Layer, shape: SymbolicShape): void {
  if (shape.length !== 3 && shape.length !== 4)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) expects images of rank 4 (batch, height, width, channels) ` +
        `or rank 3 (height, width, channels), got shape ${formatShape(shape)}.`,
    );
}

/** Runs `fn` on a batch: an unbatched image is given a batch axis of 1 and has it removed after. */
export function onBatch(layer: Layer, x: Tensor, fn: (batch: Tensor) => Tensor): Tensor {
  checkImageShape(layer, x.shape);
  if (x.rank === 4) return fn(x);
  return squeeze(fn(expandDims(x, 0)), [0]);
}

export function checkSeed(where: string, seed: unknown): number | null {
  if (seed === null || seed === undefined) return null;
  if (!Number.isInteger(seed))
    throw new Error(`${where}: seed must be an integer or null, got ${JSON.stringify(seed)}.`);
  return seed as number;
}

export interface RandomImageArgs extends LayerArgs {
  /** Seed of the layer's own generator (null: the global one that setRandomSeed seeds). */
  seed?: number | null;
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last' | null;
}

/** Base of the random augmentation layers: the seed and its generator; the identity outside training. */
export abstract class RandomImageLayer extends Layer {
  readonly seed: number | null;
  private readonly ownRandom: Random | null;

  constructor(args: RandomImageArgs) {
    const { seed, dataFormat, ...rest } = args;
    super(rest);
    channelsLastOnly(new.target.name, dataFormat);
    this.seed = checkSeed(new.target.name, seed);
    this.ownRandom = this.seed === null ? null : new RandomClass(this.seed);
  }

  protected get random(): Random {
    return this.ownRandom ?? getRandom();
  }

  /** Uniform in [lo, hi) from the layer's generator. */
  protected uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random.uniform();
  }

  override call(x: Tensor, options: { training: boolean }): Tensor {
    checkImageShape(this, x.shape);
    if (!options.training) return x;
    return onBatch(this, x, (b) => this.augment(b));
  }

  /** The random transformation of a batch [b, h, w, c] (training only). */
  protected abstract augment(images: Tensor): Tensor;

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkImageShape(this, inputShape);
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed, data_format: 'channels_last' };
  }
}
