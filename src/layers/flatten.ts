import type { Tensor } from '../core/tensor.js';
import { flatten } from '../ops/reshape.js';
import type { CallOptions, SymbolicShape } from './layer.js';
import { Layer } from './layer.js';

/** [batch, ...] -> [batch, prod(...)]. */
export class Flatten extends Layer {
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
