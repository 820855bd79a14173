import { stack } from '../ops/concat.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/reshape.js';
import { unstack } from '../ops/unstack.js';
import { checkOptionNames } from '../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, isShape } from './layer.js';

/**
 * Keras's TimeDistributed: applies one layer (the same weights) to every step of an input
 * (batch, time, ...), giving (batch, time, ...its output). The wrapped layer's weights are the
 * wrapper's, in the wrapped layer's order, named `time_distributed/kernel:0` as tf.keras names
 * them (Keras 3 saves them under `time_distributed/layer`).
 *
 * The steps are folded into the batch ((batch * time, ...)) and the layer is called once, which
 * is what Keras's loop over steps computes for any layer that treats samples independently. A
 * layer with non-trainable state (BatchNormalization's moving statistics) is called once per step
 * while training instead, as Keras 3 does, so its batch statistics and updates are per step.
 *
 * Masks: as Keras 3, the wrapper takes its input's (batch, time) mask and gives none to later
 * layers; a mask of higher rank (batch, time, ...) is handed to the wrapped layer step by step.
 */
export class TimeDistributed extends Layer {
  readonly layer: Layer;

  constructor(layer: Layer, args: LayerArgs = {}) {
    checkOptionNames('TimeDistributed', args, LAYER_ARG_NAMES);
    if (!(layer instanceof Layer)) throw new Error(`TimeDistributed: expects a layer to wrap, got ${String(layer)}.`);
    super(args);
    this.layer = layer;
    this.supportsMasking = true;
  }

  private childShape(inputShape: ShapeValue): SymbolicShape {
    if (!isShape(inputShape) || inputShape.length < 3)
      throw new Error(
        `Layer '${this.name}' (TimeDistributed) needs an input of rank >= 3 (batch, time, ...), got ${
          isShape(inputShape) ? formatShape(inputShape) : JSON.stringify(inputShape)
        }.`,
      );
    const b = inputShape[0] ?? null;
    const t = inputShape[1] ?? null;
    return [b === null || t === null ? null : b * t, ...inputShape.slice(2)];
  }

  override build(inputShape: SymbolicShape): void {
    const child = this.childShape(inputShape);
    if (!this.layer.built) {
      // The wrapped layer sees (batch, ...): the batch axis stays free.
      this.layer.build([null, ...child.slice(1)]);
      this.layer.built = true;
      // tf.keras builds the wrapped layer inside the wrapper's name scope: its weights are
      // time_distributed/kernel:0, not dense/kernel:0 (the names .h5 files list).
      const prefix = `${this.layer.name}/`;
      for (const v of this.layer.weights)
        if (v.name.startsWith(prefix)) (v as { name: string }).name = `${this.name}/${v.name.slice(prefix.length)}`;
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const child = this.childShape(inputShape);
    const out = this.layer.computeOutputShape([null, ...child.slice(1)]);
    if (!isShape(out))
      throw new Error(
        `Layer '${this.name}' (TimeDistributed): the wrapped layer '${this.layer.name}' gives several outputs, which TimeDistributed cannot stack.`,
      );
    return [inputShape[0] ?? null, inputShape[1] ?? null, ...out.slice(1)];
  }

  override computeMask(_inputs: unknown, _mask: unknown): null {
    return null;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    const mask = options.mask ?? null;
    if (x.rank < 3) this.childShape(x.shape);
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    if (mask && (mask.rank < 2 || mask.shape[0] !== batch || mask.shape[1] !== time))
      throw new Error(
        `Layer '${this.name}' (TimeDistributed): the mask ${formatShape(mask.shape)} does not fit the input ${formatShape(x.shape)} ` +
          `(its first two dimensions must be (batch, time)).`,
      );
    const innerMask = mask && mask.rank > 2 ? mask : null;
    const training = options.training;
    const perStep = training && this.layer.nonTrainableWeights.length > 0 && this.layer.trainable;
    if (perStep && time > 0) {
      const xs = unstack(x, 1);
      const ms = innerMask ? unstack(innerMask, 1) : null;
      const ys = xs.map((xt, i) => this.layer.apply(xt, { training, ...(ms ? { mask: ms[i] } : {}) }));
      return stack(ys, 1);
    }
    const folded = reshape(x, [batch * time, ...x.shape.slice(2)]);
    const foldedMask = innerMask ? reshape(innerMask, [batch * time, ...innerMask.shape.slice(2)]) : null;
    const y = this.layer.apply(folded, { training, ...(foldedMask ? { mask: foldedMask } : {}) });
    return reshape(y, [batch, time, ...y.shape.slice(1)]);
  }

  override getConfig(): Record<string, unknown> {
    const inner = { ...this.layer.getConfig() };
    delete inner['batch_input_shape'];
    // Keras 3 names the wrapped layer's module; Keras 2 ignores the extra keys.
    return {
      ...super.getConfig(),
      layer: { module: 'keras.layers', class_name: this.layer.className, config: inner, registered_name: null },
    };
  }
}
