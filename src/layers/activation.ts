import type { Tensor } from '../core/tensor.js';
import type { ActivationFn, ActivationIdentifier, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import type { CallOptions, LayerArgs, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer } from './layer.js';
import { checkOptionNames } from '../utils/option-names.js';

/** Applies an activation function as its own layer. */
export class Activation extends Layer {
  readonly activation: { name: ActivationName; fn: ActivationFn };

  constructor(activation: ActivationIdentifier, args: LayerArgs = {}) {
    checkOptionNames('Activation', args, LAYER_ARG_NAMES);
    super(args);
    this.supportsMasking = true;
    this.activation = getActivation(activation);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return this.activation.fn(x);
  }

  /** Same shape out as in. */
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}
