import type { Tensor } from '../core/tensor.js';
import type { DType } from '../core/dtype.js';
import type { CallOptions } from './layer.js';
import { Layer } from './layer.js';

export interface InputArgs {
  /** Shape of one sample, without the batch axis. */
  shape?: readonly (number | null)[];
  batchSize?: number;
  batchShape?: readonly (number | null)[];
  name?: string;
  dtype?: DType;
}

/** Declares the model's input shape (Keras's `Input` / `InputLayer`); passes data through. */
export class InputLayer extends Layer {
  constructor(args: InputArgs = {}) {
    const batchInputShape = args.batchShape ?? (args.shape ? [args.batchSize ?? null, ...args.shape] : undefined);
    if (!batchInputShape) throw new Error('Input: give `shape` (one sample, without the batch axis) or `batchShape`.');
    super({ name: args.name, batchInputShape, dtype: args.dtype });
    this.acceptsIntegerInput = true;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return {
      batch_input_shape: this.batchInputShape,
      dtype: this.dtype,
      sparse: false,
      ragged: false,
      name: this.name,
    };
  }
}

/** Keras's `Input(shape=...)`, for the start of a Sequential model. */
export function Input(args: InputArgs): InputLayer {
  return new InputLayer(args);
}
