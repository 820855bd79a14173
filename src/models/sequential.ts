import type { Tensor } from '../core/tensor.js';
import { SymbolicTensor } from '../layers/graph/symbolic-tensor.js';
import { InputLayer } from '../layers/input-layer.js';
import type { CallOptions, Layer, LayerValue, ShapeValue, SymbolicShape } from '../layers/layer.js';
import { formatShape, isShape } from '../layers/layer.js';
import { LayerGraph } from './layer-graph.js';
import { Model } from './model.js';

export interface SequentialArgs {
  name?: string;
  trainable?: boolean;
}

/**
 * A linear stack of layers: a Functional model whose graph is the chain of its layers. Given an
 * input shape (an `Input` first, or an input shape on the first layer) it builds the graph, and so
 * its weights, at once, so `summary()` works before any data is seen, as in Keras; otherwise the
 * first batch builds it.
 */
export class Sequential extends Model {
  private stack: Layer[] = [];
  private input: SymbolicTensor | null = null;

  constructor(layers: readonly (Layer | SymbolicTensor)[] = [], options: SequentialArgs = {}) {
    super(options);
    for (const layer of layers) this.add(layer);
  }

  /** The layers, without the Input layer (as Keras lists them). */
  override get layers(): Layer[] {
    return [...this.stack];
  }

  override sublayers(): Layer[] {
    return [...this.stack];
  }

  add(item: Layer | SymbolicTensor): void {
    if (item instanceof SymbolicTensor) {
      if (!(item.node.layer instanceof InputLayer))
        throw new Error(`Sequential '${this.name}': only an Input tensor can be added, got ${item.toString()}.`);
      item = item.node.layer;
    }
    const layer = item;
    if (!(layer instanceof Object) || typeof (layer as Layer).apply !== 'function')
      throw new Error(`Sequential '${this.name}': add() takes a layer, got ${String(layer)}.`);
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0 || this.input) throw new Error(`Sequential '${this.name}': an Input must come first.`);
      this.input = layer.output;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new Error(`Sequential '${this.name}': two layers are named '${layer.name}'; layer names must be unique.`);
    }
    if (this.stack.length === 0 && !this.input && layer.batchInputShape)
      this.input = new InputLayer({
        batchShape: layer.batchInputShape,
        dtype: layer.dtype,
        name: `${layer.name}_input`,
      }).output;
    this.stack.push(layer);
    if (this.input) this.connect(this.stack.length - 1);
  }

  /** Calls layers `from...` on the chain's current end and installs the grown graph. */
  private connect(from: number): void {
    let out = from === 0 ? this.input! : this.graph!.outputs[0]!;
    for (const layer of this.stack.slice(from)) {
      const next = layer.apply<LayerValue<SymbolicTensor>>(out);
      if (!(next instanceof SymbolicTensor))
        throw new Error(
          `Sequential '${this.name}': layer '${layer.name}' (${layer.className}) returns several tensors; every layer in a ` +
            `Sequential model must return one. Use the Functional API (new Model({ inputs, outputs })) for it.`,
        );
      out = next;
    }
    this.setGraph(new LayerGraph(this.input!, out, this.name));
  }

  /** Builds every layer for an input shape that includes the batch axis (e.g. [null, 784]). */
  override build(inputShape: ShapeValue): void {
    if (this.graph) return;
    if (!isShape(inputShape)) throw new Error(`Sequential '${this.name}': build() takes one input shape, got several.`);
    if (this.stack.length === 0) throw new Error(`Sequential '${this.name}' has no layers.`);
    if (!this.input) this.input = new InputLayer({ batchShape: inputShape, dtype: this.stack[0]!.dtype }).output;
    this.connect(0);
  }

  override call(inputs: LayerValue<Tensor>, options: CallOptions<unknown>): LayerValue<Tensor> {
    if (this.stack.length === 0) throw new Error(`Sequential '${this.name}' has no layers.`);
    return super.call(inputs, options);
  }

  /** Output shape of the whole stack for its input shape. */
  override get outputShape(): SymbolicShape {
    if (!this.graph) throw new Error(`Sequential '${this.name}' has no input shape yet.`);
    return this.graph.outputs[0]!.shape;
  }

  /** The declared input shape (batch axis included), or null before the model is built. */
  get inputShape(): SymbolicShape | null {
    return this.input?.shape ?? null;
  }

  /** Keras's model config for Sequential. */
  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      layers: this.stack.map((l) => ({ class_name: l.className, config: l.getConfig() })),
    };
  }

  override toString(): string {
    return `Sequential '${this.name}' ${this.input ? formatShape(this.input.shape) : '(unbuilt)'} with ${this.stack.length} layers`;
  }
}
