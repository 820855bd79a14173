import type { Tensor } from '../core/tensor.js';
import { flatten } from '../ops/reshape.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

/** [batch, ...] -> [batch, prod(...)]. */
export interface FlattenArgs extends LayerArgs {
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
}

const FLATTEN_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<FlattenArgs, keyof LayerArgs>>()(['dataFormat'])];

export class Flatten extends Layer {
  constructor(args: FlattenArgs = {}) {
    checkOptionNames('Flatten', args, FLATTEN_ARG_NAMES);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last')
      throw new Error(`Flatten: only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`);
    super(args);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return flatten(x);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const rest = inputShape.slice(1);
    return [inputShape[0] ?? null, rest.some((d) => d === null) ? null : rest.reduce<number>((p, d) => p * d!, 1)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}
