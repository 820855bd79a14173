import type { Tensor } from '../core/tensor.js';
import { max, mean } from '../ops/reduce.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface GlobalPoolingArgs extends LayerArgs {
  /** Keep the pooled axes as size 1 (default false). */
  keepdims?: boolean;
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
}

const GLOBAL_POOLING_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<GlobalPoolingArgs, keyof LayerArgs>>()(['keepdims', 'dataFormat']),
];

/**
 * Keras's BaseGlobalPooling: max or mean over every spatial axis of [batch, ...spatial, channels].
 * The global max shares its gradient among tied maxima, as TensorFlow's reduce_max does.
 */
export abstract class BaseGlobalPooling extends Layer {
  readonly rank: 1 | 2;
  readonly kind: 'max' | 'avg';
  readonly keepdims: boolean;

  constructor(rank: 1 | 2, kind: 'max' | 'avg', args: GlobalPoolingArgs) {
    checkOptionNames(new.target.name, args, GLOBAL_POOLING_ARG_NAMES);
    super(args);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      throw new Error(
        `${this.className} '${this.name}': only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`,
      );
    }
    this.rank = rank;
    this.kind = kind;
    this.keepdims = args.keepdims ?? false;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape);
    const axes = this.rank === 1 ? [1] : [1, 2];
    return this.kind === 'max' ? max(x, axes, this.keepdims) : mean(x, axes, this.keepdims);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length !== this.rank + 2) {
      const layout = this.rank === 1 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)';
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects inputs of rank ${this.rank + 2} ${layout}, got shape ${formatShape(inputShape)}.`,
      );
    }
    if (inputShape.slice(1, -1).some((d) => d === 0)) {
      throw new Error(
        `Layer '${this.name}' (${this.className}) cannot pool an empty input of shape ${formatShape(inputShape)}.`,
      );
    }
    const batch = inputShape[0] ?? null;
    const channels = inputShape[inputShape.length - 1] ?? null;
    return this.keepdims ? [batch, ...new Array<number>(this.rank).fill(1), channels] : [batch, channels];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last', keepdims: this.keepdims };
  }
}
