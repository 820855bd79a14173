import type { Tensor } from '../core/tensor.js';
import { dropout } from '../ops/dropout.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { Layer } from './layer.js';

export interface DropoutArgs extends LayerArgs {
  noiseShape?: readonly (number | null)[] | null;
  seed?: number | null;
}

/** Inverted dropout, active only while training. */
export class Dropout extends Layer {
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;

  constructor(rate: number, args: DropoutArgs = {}) {
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
