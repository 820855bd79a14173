/**
 * Base of RandomRotation, RandomTranslation and RandomZoom: each draws one affine transform per
 * image and samples it with Keras's affine_transform (fill mode, fill value, interpolation).
 */
import type { Tensor } from '../../core/tensor.js';
import type { LayerArgs } from '../layer.js';
import { LAYER_ARG_NAMES } from '../layer.js';
import { optionNames, resolveName } from '../../utils/option-names.js';
import type { FillMode, ResizeInterpolation } from './image-resampling.js';
import { FILL_MODES, INTERPOLATIONS, affineTransform } from './image-resampling.js';
import type { RandomImageArgs } from './image-layer.js';
import { RandomImageLayer } from './image-layer.js';

export interface RandomAffineArgs extends RandomImageArgs {
  /** How points outside the image are filled: 'reflect' (the default), 'wrap', 'constant', 'nearest'. */
  fillMode?: FillMode;
  /** 'bilinear' (the default) or 'nearest'. */
  interpolation?: ResizeInterpolation;
  /** The value outside the image under fillMode 'constant'. */
  fillValue?: number;
}

export const RANDOM_AFFINE_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<RandomAffineArgs, keyof LayerArgs>>()([
    'seed',
    'dataFormat',
    'fillMode',
    'interpolation',
    'fillValue',
  ]),
];

export abstract class RandomAffineLayer extends RandomImageLayer {
  readonly fillMode: FillMode;
  readonly interpolation: ResizeInterpolation;
  readonly fillValue: number;

  constructor(args: RandomAffineArgs) {
    const { fillMode = 'reflect', interpolation = 'bilinear', fillValue = 0, ...rest } = args;
    super(rest);
    const where = new.target.name;
    if (typeof fillMode !== 'string')
      throw new Error(`${where}: fillMode must be one of ${FILL_MODES.join(', ')}, got ${JSON.stringify(fillMode)}.`);
    this.fillMode = resolveName(`${where} fillMode`, fillMode, FILL_MODES) as FillMode;
    if (typeof interpolation !== 'string')
      throw new Error(`${where}: interpolation must be 'bilinear' or 'nearest', got ${JSON.stringify(interpolation)}.`);
    this.interpolation = resolveName(`${where} interpolation`, interpolation, INTERPOLATIONS) as ResizeInterpolation;
    if (typeof fillValue !== 'number' || !Number.isFinite(fillValue))
      throw new Error(`${where}: fillValue must be a number, got ${JSON.stringify(fillValue)}.`);
    this.fillValue = fillValue;
  }

  /** One [a0, a1, a2, b0, b1, b2, c0, c1] transform per image of a [b, h, w, c] batch. */
  protected abstract transforms(batch: number, height: number, width: number): number[][];

  protected augment(images: Tensor): Tensor {
    const [b, h, w] = images.shape as [number, number, number, number];
    return affineTransform(images, this.transforms(b, h, w), this.interpolation, this.fillMode, this.fillValue);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      fill_mode: this.fillMode,
      interpolation: this.interpolation,
      fill_value: this.fillValue,
    };
  }
}
