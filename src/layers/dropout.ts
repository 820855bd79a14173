import type { Tensor } from '../core/tensor.js';
import { dropout } from '../ops/dropout.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface DropoutArgs extends LayerArgs {
  noiseShape?: readonly (number | null)[] | null;
  /** Not supported (masks come from setRandomSeed's generator): only null is accepted. */
  seed?: number | null;
}

const DROPOUT_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<DropoutArgs, keyof LayerArgs>>()(['noiseShape', 'seed']),
];

/** Inverted dropout, active only while training. */
export class Dropout extends Layer {
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;

  constructor(rate: number, args: DropoutArgs = {}) {
    checkOptionNames('Dropout', args, DROPOUT_ARG_NAMES);
    if (args.seed !== undefined && args.seed !== null)
      throw new Error(
        `Dropout: a per-layer seed is not supported; dropout masks come from the global generator (setRandomSeed).`,
      );
    super(args);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}.`);
    this.rate = rate;
    this.noiseShape = args.noiseShape ?? null;
    this.supportsMasking = true;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    const noise = this.noiseShape?.map((d, i) => d ?? x.shape[i]!);
    return dropout(x, this.rate, noise);
  }

  /** Same shape out as in. */
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noise_shape: this.noiseShape, seed: null };
  }
}
