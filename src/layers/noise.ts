/**
 * Keras's noise and spatial-dropout layers: GaussianNoise, GaussianDropout, AlphaDropout,
 * SpatialDropout1D, SpatialDropout2D. Each is active only while training and the identity
 * otherwise. With `seed`, a layer draws from its own generator (Keras's SeedGenerator(seed)): the
 * same seed gives the same noise sequence whatever else runs; without one, it draws from the
 * global generator that `setRandomSeed` seeds.
 */
import type { DType } from '../core/dtype.js';
import type { Random } from '../core/random.js';
import { Random as RandomClass, getRandom } from '../core/random.js';
import { Tensor } from '../core/tensor.js';
import { add, greaterEqual, mul, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { dropout } from '../ops/dropout.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';

export interface NoiseArgs extends LayerArgs {
  /** Seed of the layer's own generator (null: the global one). */
  seed?: number | null;
}

function checkSeed(where: string, seed: unknown): number | null {
  if (seed === null || seed === undefined) return null;
  if (!Number.isInteger(seed))
    throw new Error(`${where}: seed must be an integer or null, got ${JSON.stringify(seed)}.`);
  return seed as number;
}

function checkRate(where: string, rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
    throw new Error(`${where}: rate must be a number in [0, 1), got ${JSON.stringify(rate)}.`);
  return rate;
}

/** Shared by the noise layers: the seed, its generator, shape passthrough and the mask. */
abstract class NoiseLayer extends Layer {
  readonly seed: number | null;
  private readonly ownRandom: Random | null;

  constructor(args: NoiseArgs) {
    const { seed, ...rest } = args;
    super(rest);
    this.seed = checkSeed(new.target.name, seed);
    this.ownRandom = this.seed === null ? null : new RandomClass(this.seed);
    this.supportsMasking = true;
  }

  protected get random(): Random {
    return this.ownRandom ?? getRandom();
  }

  /** Normal(mean, stddev) values of the given shape and dtype, from the layer's generator. */
  protected normal(shape: readonly number[], dtype: DType, mean: number, stddev: number): Tensor {
    const rng = this.random;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + stddev * rng.normal();
    return new Tensor(data, shape, dtype === 'float64' ? 'float64' : 'float32');
  }

  protected uniform(shape: readonly number[], dtype: DType): Tensor {
    const rng = this.random;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.uniform();
    return new Tensor(data, shape, dtype === 'float64' ? 'float64' : 'float32');
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}

export type GaussianNoiseArgs = NoiseArgs;

const NOISE_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<NoiseArgs, keyof LayerArgs>>()(['seed'])];

/** Adds Normal(0, stddev) noise while training (Keras's GaussianNoise; stddev in [0, 1] as Keras 3). */
export class GaussianNoise extends NoiseLayer {
  readonly stddev: number;

  constructor(stddev: number, args: GaussianNoiseArgs = {}) {
    checkOptionNames('GaussianNoise', args, NOISE_ARG_NAMES);
    super(args);
    if (typeof stddev !== 'number' || !(stddev >= 0 && stddev <= 1))
      throw new Error(`GaussianNoise: stddev must be a number in [0, 1] (as Keras 3), got ${JSON.stringify(stddev)}.`);
    this.stddev = stddev;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.stddev === 0) return x;
    return add(x, this.normal(x.shape, x.dtype, 0, this.stddev));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

/** Multiplies by Normal(1, sqrt(rate / (1 - rate))) noise while training (Keras's GaussianDropout). */
export class GaussianDropout extends NoiseLayer {
  readonly rate: number;

  constructor(rate: number, args: NoiseArgs = {}) {
    checkOptionNames('GaussianDropout', args, NOISE_ARG_NAMES);
    super(args);
    this.rate = checkRate('GaussianDropout', rate);
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    return mul(x, this.normal(x.shape, x.dtype, 1, Math.sqrt(this.rate / (1 - this.rate))));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export interface AlphaDropoutArgs extends NoiseArgs {
  /** Shape of the keep/drop pattern, broadcast over the input (null entries: the input's size). */
  noiseShape?: readonly (number | null)[] | null;
}

const ALPHA_DROPOUT_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<AlphaDropoutArgs, keyof LayerArgs>>()(['seed', 'noiseShape']),
];

/** SELU's alpha and scale (Keras's constants). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Keras's AlphaDropout: while training, dropped entries are set to SELU's negative saturation
 * value alpha' = -alpha * scale, then everything goes through `a * x + b`, with a and b chosen to
 * keep the mean and variance (a = ((1 - rate) (1 + rate alpha'^2))^-1/2, b = -a alpha' rate).
 */
export class AlphaDropout extends NoiseLayer {
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;

  constructor(rate: number, args: AlphaDropoutArgs = {}) {
    checkOptionNames('AlphaDropout', args, ALPHA_DROPOUT_ARG_NAMES);
    const { noiseShape, ...rest } = args;
    super(rest);
    this.rate = checkRate('AlphaDropout', rate);
    if (noiseShape !== undefined && noiseShape !== null && !Array.isArray(noiseShape))
      throw new Error(`AlphaDropout: noiseShape must be a list of sizes or nulls, got ${JSON.stringify(noiseShape)}.`);
    this.noiseShape = noiseShape ? [...noiseShape] : null;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    let shape = x.shape as readonly number[];
    if (this.noiseShape) {
      if (this.noiseShape.length !== x.rank)
        throw new Error(
          `Layer '${this.name}' (AlphaDropout): noiseShape ${JSON.stringify(this.noiseShape)} does not fit an input of shape ${formatShape(x.shape)}.`,
        );
      shape = this.noiseShape.map((d, i) => d ?? x.shape[i]!);
    }
    const kept = astype(greaterEqual(this.uniform(shape, x.dtype), this.rate), x.dtype);
    const alphaP = -SELU_ALPHA * SELU_SCALE;
    const a = ((1 - this.rate) * (1 + this.rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * this.rate;
    const dropped = add(mul(x, kept), mul(sub(1, kept), alphaP));
    return add(mul(dropped, a), b);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noise_shape: this.noiseShape ? [...this.noiseShape] : null };
  }
}

export interface SpatialDropout2DArgs extends NoiseArgs {
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
}

const SPATIAL2D_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<SpatialDropout2DArgs, keyof LayerArgs>>()(['seed', 'dataFormat']),
];

/** Drops whole feature maps: one keep/drop draw per (sample, channel), scaled by 1 / (1 - rate). */
abstract class SpatialDropout extends NoiseLayer {
  readonly rate: number;
  protected abstract readonly rank: 3 | 4;

  constructor(rate: number, args: NoiseArgs) {
    super(args);
    this.rate = checkRate(new.target.name, rate);
  }

  protected checkRank(shape: SymbolicShape): void {
    if (shape.length !== this.rank)
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects inputs of rank ${this.rank} ` +
          `${this.rank === 3 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)'}, got shape ${formatShape(shape)}.`,
      );
  }

  override build(inputShape: SymbolicShape): void {
    this.checkRank(inputShape);
    super.build(inputShape);
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    this.checkRank(x.shape);
    if (!options.training || this.rate === 0) return x;
    const noise = x.shape.map((d, i) => (i === 0 || i === x.rank - 1 ? d : 1));
    return dropout(x, this.rate, noise, this.random);
  }

  /**
   * Keras 3's spatial dropouts take only rate, seed, name and dtype (and data_format): a config
   * with `trainable` would not load there, so none is written.
   */
  override getConfig(): Record<string, unknown> {
    const { trainable: _t, ...rest } = super.getConfig();
    return { ...rest, rate: this.rate };
  }
}

/** Keras's SpatialDropout1D on (batch, steps, channels): a channel is dropped for every step at once. */
export class SpatialDropout1D extends SpatialDropout {
  protected readonly rank = 3;

  constructor(rate: number, args: NoiseArgs = {}) {
    checkOptionNames('SpatialDropout1D', args, NOISE_ARG_NAMES);
    super(rate, args);
  }
}

/** Keras's SpatialDropout2D on (batch, rows, cols, channels): a channel is dropped for the whole image. */
export class SpatialDropout2D extends SpatialDropout {
  protected readonly rank = 4;

  constructor(rate: number, args: SpatialDropout2DArgs = {}) {
    checkOptionNames('SpatialDropout2D', args, SPATIAL2D_ARG_NAMES);
    const { dataFormat, ...rest } = args;
    if (dataFormat !== undefined && dataFormat !== 'channels_last')
      throw new Error(
        `SpatialDropout2D: only data_format 'channels_last' is supported, got '${String(dataFormat)}' ` +
          `(transpose the input to (batch, rows, cols, channels)).`,
      );
    super(rate, rest);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}
