import type { DType } from '../core/dtype.js';
import { isFloat } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { astype } from '../ops/cast.js';
import { toSnakeCase, uniqueName } from '../utils/naming.js';
import type { Initializer } from './initializers.js';

/** A shape with an unknown (null) batch or sequence dimension, as Keras prints `(None, 512)`. */
export type SymbolicShape = readonly (number | null)[];

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample, without the batch axis (Keras's `input_shape`). */
  inputShape?: readonly (number | null)[];
  /** Shorthand for `inputShape: [inputDim]`. */
  inputDim?: number;
  /** Full input shape including the batch axis. */
  batchInputShape?: readonly (number | null)[];
  dtype?: DType;
}

export interface CallOptions {
  training: boolean;
  /**
   * Keras's input mask, [batch, time] (nonzero = a real step), as made by Embedding with maskZero
   * and passed on by Sequential. Layers that use it say so with `supportsMasking`.
   */
  mask?: Tensor | null;
}

/** Keras config entries for options deepscript does not implement yet (always null when saved). */
export const NO_REGULARIZERS = {
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
} as const;

export function formatShape(shape: SymbolicShape): string {
  const items = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

/**
 * Base of every layer, with Keras's split: `build(inputShape)` creates weights once the input
 * shape is known, `call(x)` computes, `computeOutputShape` answers without computing, and
 * `getConfig` returns Keras's constructor arguments so configs round-trip.
 */
export abstract class Layer {
  name: string;
  trainable: boolean;
  built = false;
  readonly dtype: DType;
  /** Set by layers given an input shape; includes the batch axis. */
  batchInputShape: SymbolicShape | null;
  /** Known once built or called. */
  inputShapeSeen: SymbolicShape | null = null;
  /** Integer inputs pass through as they are (Embedding); others are cast to the layer dtype. */
  protected acceptsIntegerInput = false;
  /** Accepts an input mask (Keras's supports_masking): uses it, or passes it on unchanged. */
  protected supportsMasking = false;
  private readonly variables: Variable[] = [];

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(toSnakeCase(this.className));
    this.trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [null, args.inputDim];
    else this.batchInputShape = null;
  }

  /** The Keras class name (used in summaries and configs). */
  get className(): string {
    return this.constructor.name;
  }

  /** Creates weights for the given input shape. Layers without weights keep the default. */
  build(inputShape: SymbolicShape): void {
    this.inputShapeSeen = inputShape;
    this.built = true;
  }

  abstract call(x: Tensor, options: CallOptions): Tensor;

  /**
   * The mask of this layer's output given its input and input mask (Keras's compute_mask): by
   * default a layer that supports masking passes the mask on, and one that doesn't refuses it, as
   * Keras does, rather than silently treating padding as data.
   */
  computeMask(_x: Tensor, mask: Tensor | null): Tensor | null {
    if (mask && !this.supportsMasking)
      throw new Error(
        `Layer '${this.name}' (${this.className}) does not support masking, but was passed an input mask ` +
          `(e.g. from Embedding with maskZero=true). Remove maskZero or put a layer that consumes the mask ` +
          `(LSTM, GRU, SimpleRNN) before this one.`,
      );
    return mask;
  }

  /** Output shape for an input shape; the default keeps the shape (activations, dropout). */
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  /** Builds on first use, checks the input, then calls. */
  apply(x: Tensor, options: CallOptions = { training: false }): Tensor {
    const input =
      this.acceptsIntegerInput || x.dtype === this.dtype || !isFloatOrInt(x.dtype) ? x : astype(x, this.dtype);
    // A declared input shape wins over the first batch (so unknown lengths stay unknown).
    if (!this.built) this.build(this.batchInputShape ?? [null, ...input.shape.slice(1)]);
    this.checkInput(input);
    return this.call(input, options);
  }

  /** Validates rank and fixed dimensions against the shape the layer was built for. */
  protected checkInput(x: Tensor): void {
    const expected = this.inputShapeSeen;
    if (!expected) return;
    const ok = expected.length === x.rank && expected.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok) {
      throw new Error(
        `Layer '${this.name}' (${this.className}) expected input shape ${formatShape(expected)}, got ${formatShape(x.shape)}.`,
      );
    }
  }

  protected addWeight(name: string, shape: readonly number[], initializer: Initializer, trainable = true): Variable {
    const v = new Variable(initializer.init(shape, this.dtype), `${this.name}/${name}:0`, trainable && this.trainable);
    this.variables.push(v);
    return v;
  }

  get weights(): Variable[] {
    return [...this.variables];
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this.variables.filter((v) => v.trainable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.variables.filter((v) => !v.trainable) : [...this.variables];
  }

  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the current weight values, in creation order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.variables.map((v) => v.value());
  }

  setWeights(values: readonly Tensor[]): void {
    if (values.length !== this.variables.length) {
      throw new Error(`Layer '${this.name}' has ${this.variables.length} weights, got ${values.length}.`);
    }
    this.variables.forEach((v, i) => v.assign(values[i]!));
  }

  /** Keras's config: constructor arguments in Keras's snake_case names. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) config['batch_input_shape'] = [...this.batchInputShape];
    return config;
  }
}

function isFloatOrInt(d: DType): boolean {
  return isFloat(d) || d === 'int32' || d === 'uint8';
}
