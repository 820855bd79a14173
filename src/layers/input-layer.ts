import type { Tensor } from '../core/tensor.js';
import type { DType } from '../core/dtype.js';
import { Node } from './graph/node.js';
import { SymbolicTensor } from './graph/symbolic-tensor.js';
import type { CallOptions, ShapeValue } from './layer.js';
import { Layer } from './layer.js';

export interface InputArgs {
  /** Shape of one sample, without the batch axis. */
  shape?: readonly (number | null)[];
  batchSize?: number;
  batchShape?: readonly (number | null)[];
  name?: string;
  dtype?: DType;
  /** Sparse inputs are not supported; `false` is accepted so configs can say so. */
  sparse?: boolean;
}

import { checkOptionNames, optionNames } from '../utils/option-names.js';

const INPUT_KEYS = optionNames<InputArgs>()(['shape', 'batchSize', 'batchShape', 'name', 'dtype', 'sparse']);

/**
 * A model's entry point (Keras's `InputLayer`): it makes the symbolic tensor that `Input`
 * returns, and passes data through unchanged.
 */
export class InputLayer extends Layer {
  /** The symbolic tensor this layer makes; layers called on it build the model's graph. */
  readonly output: SymbolicTensor;

  constructor(args: InputArgs = {}) {
    checkOptionNames('Input', args, INPUT_KEYS);
    if (args.sparse) throw new Error('Input: sparse inputs are not supported.');
    const batchInputShape = args.batchShape ?? (args.shape ? [args.batchSize ?? null, ...args.shape] : undefined);
    if (!batchInputShape || !Array.isArray(batchInputShape))
      throw new Error('Input: give `shape` (one sample, without the batch axis) or `batchShape`.');
    for (const d of batchInputShape)
      if (d !== null && !(Number.isInteger(d) && d >= 0))
        throw new Error(`Input: every dimension must be a size or null, got ${JSON.stringify(batchInputShape)}.`);
    // Keras: an Input is float32 unless given a dtype, whatever the global policy.
    super({ name: args.name ?? undefined, batchInputShape, dtype: args.dtype ?? 'float32' });
    this.acceptsIntegerInput = true;
    this.bf16Compute = 'container';
    this.supportsMasking = true;
    this.built = true;
    this.inputShapeSeen = this.batchInputShape;
    const node = new Node(this, []);
    this.output = new SymbolicTensor(this.batchInputShape!, this.dtype, node, 0);
    node.setOutputs(this.output);
    this.inboundNodes.push(node);
  }

  override get className(): string {
    return 'InputLayer';
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return x;
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
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

/** Keras's `Input(shape=...)`: a symbolic tensor to build a model from (or to start a Sequential). */
export function Input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}
