/**
 * Keras's reshaping layers: RepeatVector, Permute, ZeroPadding1D/2D, Cropping1D/2D and
 * UpSampling1D/2D, channels_last (a channels_first layer is refused naming the layer), composed
 * from differentiable ops (pad, slice, gather, transpose).
 */
import { Tensor } from '../core/tensor.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { pad } from '../ops/pad.js';
import { expandDims } from '../ops/reshape.js';
import { gather, slice } from '../ops/slice.js';
import { transpose } from '../ops/transpose.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';
import { lerpAxis } from './preprocessing/image-resampling.js';

const LAYOUT: Record<number, string> = {
  2: '(batch, features)',
  3: '(batch, steps, channels)',
  4: '(batch, rows, cols, channels)',
};

function checkRank(layer: Layer, shape: SymbolicShape, rank: number): void {
  if (shape.length !== rank)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) expects inputs of rank ${rank} ${LAYOUT[rank] ?? ''}, got shape ${formatShape(shape)}.`,
    );
}

function channelsLastOnly(where: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'channels_last')
    throw new Error(
      `${where}: only data_format 'channels_last' is supported, got '${String(dataFormat)}' ` +
        `(inputs must be (batch, ..., channels)).`,
    );
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Keras's standardize_tuple(value, 2, allow_zero=True): an int n is (n, n). */
function pair(where: string, what: string, v: unknown): [number, number] {
  if (isCount(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isCount)) return [v[0], v[1]];
  throw new Error(`${where}: ${what} must be a non-negative integer or a pair of them, got ${JSON.stringify(v)}.`);
}

/** Keras's 2-D padding/cropping argument: n, (rows, cols) or ((top, bottom), (left, right)). */
function pairs2d(where: string, what: string, v: unknown): [[number, number], [number, number]] {
  if (isCount(v))
    return [
      [v, v],
      [v, v],
    ];
  if (Array.isArray(v) && v.length === 2)
    return [pair(where, `the 1st entry of ${what}`, v[0]), pair(where, `the 2nd entry of ${what}`, v[1])];
  throw new Error(
    `${where}: ${what} must be an integer, a pair of integers or a pair of pairs ((top, bottom), (left, right)), got ${JSON.stringify(v)}.`,
  );
}

const plus = (d: number | null, n: number): number | null => (d === null ? null : d + n);
const times = (d: number | null, n: number): number | null => (d === null ? null : d * n);

// ---- RepeatVector, Permute -------------------------------------------------------------------

/** (batch, features) -> (batch, n, features): the input repeated n times (Keras's RepeatVector). */
export class RepeatVector extends Layer {
  readonly n: number;

  constructor(n: number, args: LayerArgs = {}) {
    checkOptionNames('RepeatVector', args, LAYER_ARG_NAMES);
    super(args);
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`RepeatVector: n must be a positive integer, got ${JSON.stringify(n)}.`);
    this.n = n;
  }

  override build(inputShape: SymbolicShape): void {
    checkRank(this, inputShape, 2);
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, 2);
    return broadcastTo(expandDims(x, 1), [x.shape[0]!, this.n, x.shape[1]!]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this, inputShape, 2);
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

/** Reorders the non-batch axes: `dims` is a permutation of 1..rank-1 (Keras's Permute). */
export class Permute extends Layer {
  readonly dims: number[];

  constructor(dims: readonly number[], args: LayerArgs = {}) {
    checkOptionNames('Permute', args, LAYER_ARG_NAMES);
    super(args);
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : null;
    if (!sorted || sorted.length === 0 || !sorted.every((d, i) => d === i + 1))
      throw new Error(
        `Permute: dims must be a permutation of 1..n (the batch axis 0 stays first), got ${JSON.stringify(dims)}.`,
      );
    this.dims = [...dims];
  }

  override build(inputShape: SymbolicShape): void {
    checkRank(this, inputShape, this.dims.length + 1);
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, this.dims.length + 1);
    return transpose(x, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkRank(this, inputShape, this.dims.length + 1);
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

// ---- ZeroPadding ---------------------------------------------------------------------------

export interface ZeroPadding1DArgs extends LayerArgs {
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
}
export type ZeroPadding2DArgs = ZeroPadding1DArgs;

const DATA_FORMAT_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ZeroPadding1DArgs, keyof LayerArgs>>()(['dataFormat']),
];

/** Zeros before and after the steps axis: padding n or [before, after] (Keras's ZeroPadding1D, default 1). */
export class ZeroPadding1D extends Layer {
  readonly padding: [number, number];

  constructor(padding: number | readonly [number, number] = 1, args: ZeroPadding1DArgs = {}) {
    checkOptionNames('ZeroPadding1D', args, DATA_FORMAT_ARG_NAMES);
    const { dataFormat, ...rest } = args;
    channelsLastOnly('ZeroPadding1D', dataFormat);
    super(rest);
    this.padding = pair('ZeroPadding1D', 'padding', padding);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, 3);
    return pad(x, [[0, 0], this.padding, [0, 0]]);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 3);
    return [s[0] ?? null, plus(s[1] ?? null, this.padding[0] + this.padding[1]), s[2] ?? null];
  }

  /** Keras 3.5+ also writes data_format; tf.keras's ZeroPadding1D has none (see keras2Config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: [...this.padding], data_format: 'channels_last' };
  }

  keras2Config(): Record<string, unknown> {
    const { data_format: _d, ...rest } = this.getConfig();
    return rest;
  }
}

/** Zero rows and columns around images (Keras's ZeroPadding2D, default 1 on every side). */
export class ZeroPadding2D extends Layer {
  readonly padding: [[number, number], [number, number]];

  constructor(padding: number | readonly unknown[] = 1, args: ZeroPadding2DArgs = {}) {
    checkOptionNames('ZeroPadding2D', args, DATA_FORMAT_ARG_NAMES);
    const { dataFormat, ...rest } = args;
    channelsLastOnly('ZeroPadding2D', dataFormat);
    super(rest);
    this.padding = pairs2d('ZeroPadding2D', 'padding', padding);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, 4);
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 4);
    const [[t, b], [l, r]] = this.padding;
    return [s[0] ?? null, plus(s[1] ?? null, t + b), plus(s[2] ?? null, l + r), s[3] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      padding: this.padding.map((p) => [...p]),
      data_format: 'channels_last',
    };
  }
}

// ---- Cropping ------------------------------------------------------------------------------

/** Removes steps from the start and end: cropping n or [start, end] (Keras's Cropping1D, default [1, 1]). */
export class Cropping1D extends Layer {
  readonly cropping: [number, number];

  constructor(cropping: number | readonly [number, number] = [1, 1], args: LayerArgs = {}) {
    checkOptionNames('Cropping1D', args, LAYER_ARG_NAMES);
    super(args);
    this.cropping = pair('Cropping1D', 'cropping', cropping);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const [, steps, channels] = this.computeOutputShape(x.shape) as number[];
    return slice(x, [0, this.cropping[0], 0], [x.shape[0]!, steps!, channels!]);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 3);
    const steps = s[1] ?? null;
    const total = this.cropping[0] + this.cropping[1];
    if (steps !== null && total >= steps)
      throw new Error(
        `Layer '${this.name}' (Cropping1D): cropping ${JSON.stringify(this.cropping)} must leave at least one step of input ${formatShape(s)}.`,
      );
    return [s[0] ?? null, steps === null ? null : steps - total, s[2] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: [...this.cropping] };
  }
}

/** Removes rows and columns at the borders: ((top, bottom), (left, right)) (Keras's Cropping2D, default none). */
export class Cropping2D extends Layer {
  readonly cropping: [[number, number], [number, number]];

  constructor(cropping: number | readonly unknown[] = 0, args: ZeroPadding2DArgs = {}) {
    checkOptionNames('Cropping2D', args, DATA_FORMAT_ARG_NAMES);
    const { dataFormat, ...rest } = args;
    channelsLastOnly('Cropping2D', dataFormat);
    super(rest);
    this.cropping = pairs2d('Cropping2D', 'cropping', cropping);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const out = this.computeOutputShape(x.shape) as number[];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [x.shape[0]!, out[1]!, out[2]!, out[3]!]);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 4);
    const [[t, b], [l, r]] = this.cropping;
    const rows = s[1] ?? null;
    const cols = s[2] ?? null;
    if ((rows !== null && t + b >= rows) || (cols !== null && l + r >= cols))
      throw new Error(
        `Layer '${this.name}' (Cropping2D): cropping ${JSON.stringify(this.cropping)} must be smaller than the rows and columns of input ${formatShape(s)}.`,
      );
    return [s[0] ?? null, rows === null ? null : rows - t - b, cols === null ? null : cols - l - r, s[3] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.map((c) => [...c]), data_format: 'channels_last' };
  }
}

// ---- UpSampling ----------------------------------------------------------------------------

/** Each index repeated `size` times: 0,0,1,1,2,2 (ops.repeat). */
function repeatIndices(n: number, size: number): Int32Array {
  return Int32Array.from({ length: n * size }, (_, i) => Math.floor(i / size));
}

/** Each step repeated `size` times along the steps axis (Keras's UpSampling1D, default 2). */
export class UpSampling1D extends Layer {
  readonly size: number;

  constructor(size = 2, args: LayerArgs = {}) {
    checkOptionNames('UpSampling1D', args, LAYER_ARG_NAMES);
    super(args);
    if (!Number.isInteger(size) || size <= 0)
      throw new Error(`UpSampling1D: size must be a positive integer, got ${JSON.stringify(size)}.`);
    this.size = size;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, 3);
    return gather(x, repeatIndices(x.shape[1]!, this.size), 1);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 3);
    return [s[0] ?? null, times(s[1] ?? null, this.size), s[2] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size };
  }
}

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DArgs extends LayerArgs {
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
  /** 'nearest' (repeat rows and columns, the default) or 'bilinear' (TensorFlow's resize, half-pixel centres). */
  interpolation?: Interpolation;
}

const UPSAMPLING2D_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<UpSampling2DArgs, keyof LayerArgs>>()(['dataFormat', 'interpolation']),
];

/** Images scaled up by whole factors (rows, cols), nearest or bilinear (Keras's UpSampling2D, default (2, 2)). */
export class UpSampling2D extends Layer {
  readonly size: [number, number];
  readonly interpolation: Interpolation;

  constructor(size: number | readonly [number, number] = [2, 2], args: UpSampling2DArgs = {}) {
    checkOptionNames('UpSampling2D', args, UPSAMPLING2D_ARG_NAMES);
    const { dataFormat, interpolation, ...rest } = args;
    channelsLastOnly('UpSampling2D', dataFormat);
    super(rest);
    const s = pair('UpSampling2D', 'size', size);
    if (s[0] === 0 || s[1] === 0) throw new Error(`UpSampling2D: size must be positive, got ${JSON.stringify(size)}.`);
    this.size = s;
    const interp = typeof interpolation === 'string' ? interpolation.toLowerCase() : (interpolation ?? 'nearest');
    if (interp !== 'nearest' && interp !== 'bilinear')
      throw new Error(
        `UpSampling2D: interpolation '${String(interpolation)}' is not supported; use 'nearest' or 'bilinear' ` +
          `(Keras's bicubic, lanczos3, lanczos5 and area are not implemented).`,
      );
    this.interpolation = interp;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    checkRank(this, x.shape, 4);
    const [fh, fw] = this.size;
    if (this.interpolation === 'nearest')
      return gather(gather(x, repeatIndices(x.shape[1]!, fh), 1), repeatIndices(x.shape[2]!, fw), 2);
    // TensorFlow interpolates along the columns first, then the rows.
    return lerpAxis(lerpAxis(x, 2, x.shape[2]! * fw), 1, x.shape[1]! * fh);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkRank(this, s, 4);
    return [s[0] ?? null, times(s[1] ?? null, this.size[0]), times(s[2] ?? null, this.size[1]), s[3] ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      size: [...this.size],
      data_format: 'channels_last',
      interpolation: this.interpolation,
    };
  }
}
