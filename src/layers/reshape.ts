import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/reshape.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';
import { checkOptionNames } from '../utils/option-names.js';

/**
 * Reshapes each sample to `targetShape` (the batch axis is kept), as Keras's Reshape; one
 * entry may be -1 and is inferred, e.g. `new Reshape([28, 28, 1])` on [batch, 784].
 */
export class Reshape extends Layer {
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[], args: LayerArgs = {}) {
    checkOptionNames('Reshape', args, LAYER_ARG_NAMES);
    super(args);
    if (!Array.isArray(targetShape) || targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1))) {
      throw new Error(
        `Reshape '${this.name}': targetShape must be positive integers (one may be -1), got ${JSON.stringify(targetShape)}.`,
      );
    }
    if (targetShape.filter((d) => d === -1).length > 1) {
      throw new Error(
        `Reshape '${this.name}': only one dimension of targetShape may be -1, got ${JSON.stringify(targetShape)}.`,
      );
    }
    this.targetShape = [...targetShape];
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const out = this.computeOutputShape(x.shape);
    return reshape(x, out as number[]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const batch = inputShape[0] ?? null;
    const rest = inputShape.slice(1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    if (rest.some((d) => d === null)) {
      // The inferred axis stays unknown until the data arrives.
      return [batch, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    }
    const size = rest.reduce<number>((p, d) => p * d!, 1);
    const inferred = this.targetShape.includes(-1) ? size / known : known;
    if (!Number.isInteger(inferred) || (!this.targetShape.includes(-1) && size !== known)) {
      throw new Error(
        `Layer '${this.name}' (Reshape): cannot reshape input of shape ${formatShape(inputShape)} (${size} values per sample) ` +
          `to target_shape (${this.targetShape.join(', ')}${this.targetShape.length === 1 ? ',' : ''}).`,
      );
    }
    return [batch, ...this.targetShape.map((d) => (d === -1 ? inferred : d))];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), target_shape: [...this.targetShape] };
  }
}
