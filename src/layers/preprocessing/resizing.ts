import type { Tensor } from '../../core/tensor.js';
import { pad } from '../../ops/pad.js';
import { slice } from '../../ops/slice.js';
import { checkOptionNames, optionNames, resolveName } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer } from '../layer.js';
import type { ResizeInterpolation } from './image-resampling.js';
import { INTERPOLATIONS, aspectCropBox, resizeImages } from './image-resampling.js';
import { channelsLastOnly, checkImageShape, onBatch } from './image-layer.js';

export interface ResizingArgs extends LayerArgs {
  /** 'bilinear' (the default) or 'nearest' (Keras's bicubic, lanczos3, lanczos5 and area are refused by name). */
  interpolation?: ResizeInterpolation;
  /** Crop the largest central box with the target's aspect ratio before resizing. */
  cropToAspectRatio?: boolean;
  /** Pad (with fillValue) to the target's aspect ratio before resizing. */
  padToAspectRatio?: boolean;
  /** Only 'constant' (as Keras). */
  fillMode?: 'constant';
  fillValue?: number;
  /** Only false: antialiased downsampling is not implemented. */
  antialias?: boolean;
  dataFormat?: 'channels_last' | null;
}

const RESIZING_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ResizingArgs, keyof LayerArgs>>()([
    'interpolation',
    'cropToAspectRatio',
    'padToAspectRatio',
    'fillMode',
    'fillValue',
    'antialias',
    'dataFormat',
  ]),
];

const KERAS_ONLY_INTERPOLATIONS = ['bicubic', 'lanczos3', 'lanczos5', 'area'];

/** Checks an interpolation name, refusing Keras's others by name. */
export function checkInterpolation(where: string, interpolation: unknown): ResizeInterpolation {
  if (typeof interpolation === 'string' && KERAS_ONLY_INTERPOLATIONS.includes(interpolation))
    throw new Error(`${where}: interpolation '${interpolation}' is not supported; use 'bilinear' or 'nearest'.`);
  if (typeof interpolation !== 'string')
    throw new Error(`${where}: interpolation must be 'bilinear' or 'nearest', got ${JSON.stringify(interpolation)}.`);
  return resolveName(`${where} interpolation`, interpolation, INTERPOLATIONS) as ResizeInterpolation;
}

export function checkSize(where: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new Error(`${where}: ${what} must be a positive integer, got ${JSON.stringify(v)}.`);
  return v as number;
}

/** Keras's Resizing: images resized to [height, width] (tf.image.resize, half-pixel centres), always active. */
export class Resizing extends Layer {
  readonly height: number;
  readonly width: number;
  readonly interpolation: ResizeInterpolation;
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillValue: number;

  constructor(height: number, width: number, args: ResizingArgs = {}) {
    checkOptionNames('Resizing', args, RESIZING_ARG_NAMES);
    const {
      interpolation = 'bilinear',
      cropToAspectRatio = false,
      padToAspectRatio = false,
      fillMode = 'constant',
      fillValue = 0,
      antialias = false,
      dataFormat,
      ...rest
    } = args;
    super(rest);
    channelsLastOnly('Resizing', dataFormat);
    this.height = checkSize('Resizing', 'height', height);
    this.width = checkSize('Resizing', 'width', width);
    this.interpolation = checkInterpolation('Resizing', interpolation);
    if (typeof cropToAspectRatio !== 'boolean' || typeof padToAspectRatio !== 'boolean')
      throw new Error(`Resizing: cropToAspectRatio and padToAspectRatio must be true or false.`);
    if (cropToAspectRatio && padToAspectRatio)
      throw new Error(`Resizing: only one of cropToAspectRatio and padToAspectRatio can be true.`);
    if (fillMode !== 'constant')
      throw new Error(`Resizing: fillMode must be 'constant' (as Keras), got ${JSON.stringify(fillMode)}.`);
    if (typeof fillValue !== 'number')
      throw new Error(`Resizing: fillValue must be a number, got ${JSON.stringify(fillValue)}.`);
    if (antialias !== false)
      throw new Error(
        `Resizing: antialias=true is not supported (only plain resampling, Keras's default antialias=false).`,
      );
    this.cropToAspectRatio = cropToAspectRatio;
    this.padToAspectRatio = padToAspectRatio;
    this.fillValue = fillValue;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return onBatch(this, x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      let src = b;
      if (this.cropToAspectRatio) {
        const box = aspectCropBox(h, w, this.height, this.width);
        src = slice(b, [0, box.top, box.left, 0], [n, box.h, box.w, c]);
      } else if (this.padToAspectRatio) src = padToAspect(b, this.height, this.width, this.fillValue);
      return resizeImages(src, this.height, this.width, this.interpolation);
    });
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkImageShape(this, s);
    return s.length === 4 ? [s[0]!, this.height, this.width, s[3]!] : [this.height, this.width, s[2]!];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      crop_to_aspect_ratio: this.cropToAspectRatio,
      pad_to_aspect_ratio: this.padToAspectRatio,
      fill_mode: 'constant',
      fill_value: this.fillValue,
      antialias: false,
      data_format: 'channels_last',
    };
  }
}

/** Pads a batch to the target's aspect ratio, the same amount on both sides (an odd remainder dropped), as Keras's resize. */
function padToAspect(b: Tensor, height: number, width: number, value: number): Tensor {
  const [, h, w] = b.shape as [number, number, number, number];
  const padH = Math.max(Math.trunc((w * height) / width), h);
  const padW = Math.max(Math.trunc((h * width) / height), w);
  const top = Math.trunc((padH - h) / 2);
  const left = Math.trunc((padW - w) / 2);
  if (top === 0 && left === 0) return b;
  return pad(
    b,
    [
      [0, 0],
      [top, top],
      [left, left],
      [0, 0],
    ],
    value,
  );
}
