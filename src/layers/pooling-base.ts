import type { Tensor } from '../core/tensor.js';
import { checkPadding, normalizeTuple, outputLength } from '../ops/conv-windows.js';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/pool.js';
import { tupleString } from './conv-window.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface PoolingArgs extends LayerArgs {
  /** Window size: one int for every axis or one per axis (default 2). */
  poolSize?: number | readonly number[];
  /** Step between windows (default: poolSize). */
  strides?: number | readonly number[] | null;
  padding?: 'valid' | 'same';
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
}

const POOLING_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<PoolingArgs, keyof LayerArgs>>()(['poolSize', 'strides', 'padding', 'dataFormat']),
];

/** `new MaxPooling2D(2)`, `new MaxPooling2D([2, 2], {...})` and `new MaxPooling2D({ poolSize: 2 })` all work. */
export type PoolSizeOrArgs = number | readonly number[] | PoolingArgs;

/** Keras's BasePooling for channels-last inputs [batch, ...spatial(rank), channels]. */
export abstract class BasePooling extends Layer {
  readonly rank: 1 | 2;
  readonly kind: 'max' | 'avg';
  readonly poolSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: 'valid' | 'same';

  constructor(rank: 1 | 2, kind: 'max' | 'avg', poolSizeOrArgs: PoolSizeOrArgs, more: PoolingArgs) {
    const positional = typeof poolSizeOrArgs === 'number' || Array.isArray(poolSizeOrArgs);
    const args: PoolingArgs = positional
      ? { ...more, poolSize: poolSizeOrArgs as number | readonly number[] }
      : (poolSizeOrArgs as PoolingArgs);
    checkOptionNames(new.target.name, args, POOLING_ARG_NAMES);
    super(args);
    const who = `${this.className} '${this.name}'`;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      throw new Error(`${who}: only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`);
    }
    this.rank = rank;
    this.kind = kind;
    this.poolSize = normalizeTuple(args.poolSize ?? 2, rank, `${who}: poolSize`);
    this.strides = normalizeTuple(args.strides ?? this.poolSize, rank, `${who}: strides`);
    this.padding = checkPadding(args.padding ?? 'valid', false, who) as 'valid' | 'same';
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape);
    const opts = { strides: this.strides, padding: this.padding };
    if (this.rank === 1)
      return this.kind === 'max' ? maxPool1d(x, this.poolSize, opts) : avgPool1d(x, this.poolSize, opts);
    return this.kind === 'max' ? maxPool2d(x, this.poolSize, opts) : avgPool2d(x, this.poolSize, opts);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const expectedRank = this.rank + 2;
    if (inputShape.length !== expectedRank) {
      const layout = this.rank === 1 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)';
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects inputs of rank ${expectedRank} ${layout}, got shape ${formatShape(inputShape)}.`,
      );
    }
    const spatial = inputShape
      .slice(1, -1)
      .map((d, i) => outputLength(d, this.poolSize[i]!, this.strides[i]!, 1, this.padding));
    const channels = inputShape[inputShape.length - 1] ?? null;
    if (spatial.some((d) => d !== null && d <= 0)) {
      throw new Error(
        `Layer '${this.name}' (${this.className}): input shape ${formatShape(inputShape)} is too small for pool_size ${tupleString(this.poolSize)} ` +
          `with strides ${tupleString(this.strides)} and padding '${this.padding}' (the output would be ${formatShape([inputShape[0] ?? null, ...spatial, channels])}).`,
      );
    }
    return [inputShape[0] ?? null, ...spatial, channels];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: 'channels_last',
    };
  }
}
