import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer, SymbolicShape } from '../layers/layer.js';
import { formatShape } from '../layers/layer.js';
import { uniqueName } from '../utils/naming.js';
import { printLine } from '../utils/output.js';
import { Model } from './model.js';
import { summaryLines } from './summary.js';

/**
 * A linear stack of layers. Given an input shape (on the first layer or an `Input`), it builds
 * its weights at once, so `summary()` works before any data is seen, as in Keras.
 */
export class Sequential extends Model {
  private stack: Layer[] = [];
  private inputShape: SymbolicShape | null = null;

  constructor(layers: Layer[] = [], options: { name?: string } = {}) {
    super(options.name ?? uniqueName('sequential'));
    for (const layer of layers) this.add(layer);
  }

  /** The layers, without the Input layer (as Keras lists them). */
  get layers(): Layer[] {
    return [...this.stack];
  }

  add(layer: Layer): void {
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0 || this.inputShape)
        throw new Error(`Sequential '${this.name}': an Input must come first.`);
      this.inputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new Error(`Sequential '${this.name}': two layers are named '${layer.name}'; layer names must be unique.`);
    }
    if (this.stack.length === 0 && !this.inputShape && layer.batchInputShape) this.inputShape = layer.batchInputShape;
    this.stack.push(layer);
    if (this.inputShape) this.buildLayer(layer);
  }

  /** Builds a newly added layer from the output shape of the stack before it. */
  private buildLayer(layer: Layer): void {
    if (layer.built) return;
    const shape = this.shapeBefore(this.stack.indexOf(layer));
    layer.build(shape);
  }

  private shapeBefore(index: number): SymbolicShape {
    let shape = this.inputShape!;
    for (let i = 0; i < index; i++) shape = this.stack[i]!.computeOutputShape(shape);
    return shape;
  }

  /** Builds every layer for an input shape that includes the batch axis (e.g. [null, 784]). */
  build(inputShape: SymbolicShape): void {
    this.inputShape = inputShape;
    for (const layer of this.stack) this.buildLayer(layer);
  }

  get built(): boolean {
    return this.stack.length > 0 && this.stack.every((l) => l.built);
  }

  call(x: Tensor, training: boolean): Tensor {
    if (this.stack.length === 0) throw new Error(`Sequential '${this.name}' has no layers.`);
    if (!this.inputShape) this.inputShape = [null, ...x.shape.slice(1)];
    let h = x;
    // Keras's mask propagation: each layer gets the mask the previous one computed (Embedding
    // with maskZero starts one; recurrent layers consume it; layers without support refuse it).
    let mask: Tensor | null = null;
    for (const layer of this.stack) {
      const next = layer.computeMask(h, mask);
      h = layer.apply(h, { training, mask });
      mask = next;
    }
    return h;
  }

  override get weights(): Variable[] {
    return this.stack.flatMap((l) => l.weights);
  }

  protected outputUnits(): number | null {
    if (!this.inputShape || this.stack.length === 0) return null;
    const out = this.shapeBefore(this.stack.length);
    return out[out.length - 1] ?? null;
  }

  /** Output shape of the whole stack for its input shape. */
  get outputShape(): SymbolicShape {
    if (!this.inputShape) throw new Error(`Sequential '${this.name}' has no input shape yet.`);
    return this.shapeBefore(this.stack.length);
  }

  /** Prints Keras 2's summary table (pass printFn to capture the lines instead). */
  summary(printFn: (line: string) => void = printLine): void {
    if (!this.inputShape || !this.built) {
      throw new Error(
        `Sequential '${this.name}' has not been built yet: give the first layer an inputShape (or start with Input), or call build() or fit() first.`,
      );
    }
    const rows = this.stack.map((layer, i) => ({ layer, outputShape: this.shapeBefore(i + 1) }));
    const trainable = this.stack.reduce((n, l) => n + l.trainableWeights.reduce((m, w) => m + w.size, 0), 0);
    const total = this.countParams();
    for (const line of summaryLines(this.name, rows, trainable, total - trainable)) printFn(line);
  }

  /** Keras's model config for Sequential. */
  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      layers: this.stack.map((l) => ({ class_name: l.className, config: l.getConfig() })),
    };
  }

  override toString(): string {
    return `Sequential '${this.name}' ${this.inputShape ? formatShape(this.inputShape) : '(unbuilt)'} with ${this.stack.length} layers`;
  }
}
