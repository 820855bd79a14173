import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { notEqual } from '../ops/binary.js';
import { embeddingLookup } from '../ops/embedding-lookup.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, randomUniformInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Keras's default is RandomUniform(-0.05, 0.05). */
  embeddingsInitializer?: InitializerIdentifier;
  /**
   * Keras treats index 0 as padding and masks it in later layers: Sequential passes the mask
   * (ids != 0) on, recurrent layers skip the masked steps, and a layer that cannot use a mask
   * throws rather than treating the padding as data.
   */
  maskZero?: boolean;
  /** Sequence length, so the model's input shape is known (Keras 2's input_length). */
  inputLength?: number | null;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
}

const EMBEDDING_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<EmbeddingArgs, keyof LayerArgs>>()([
    'embeddingsInitializer',
    'maskZero',
    'inputLength',
    'embeddingsRegularizer',
    'embeddingsConstraint',
  ]),
];

/**
 * Turns integer indices [batch, ...] into vectors [batch, ..., outputDim] by row lookup in an
 * [inputDim, outputDim] table. Floats holding whole numbers are accepted (as Keras casts them).
 * The table's gradient comes from `embeddingLookup` (see there for how it stays row-sparse).
 */
export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly maskZero: boolean;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  readonly inputLength: number | null;
  embeddings: Variable | null = null;

  constructor(inputDim: number, outputDim: number, args: EmbeddingArgs = {}) {
    checkOptionNames('Embedding', args, EMBEDDING_ARG_NAMES);
    const inputLength = args.inputLength ?? null;
    // As in Keras 2, an Embedding always knows its input shape ([batch, inputLength], the length
    // possibly unknown), so a model that starts with one can print its summary straight away.
    const withShape =
      !args.batchInputShape && !args.inputShape && args.inputDim === undefined
        ? { ...args, batchInputShape: [null, inputLength] }
        : args;
    super(withShape);
    for (const [what, v] of [
      ['inputDim', inputDim],
      ['outputDim', outputDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Embedding: ${what} must be a positive integer, got ${v}.`);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.embeddingsInitializer = args.embeddingsInitializer
      ? getInitializer(args.embeddingsInitializer)
      : randomUniformInitializer(-0.05, 0.05);
    this.maskZero = args.maskZero ?? false;
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer, 'Embedding embeddingsRegularizer');
    this.embeddingsConstraint = getConstraint(args.embeddingsConstraint, 'Embedding embeddingsConstraint');
    this.inputLength = inputLength;
    this.acceptsIntegerInput = true;
  }

  override build(inputShape: SymbolicShape): void {
    this.embeddings = this.addWeight({
      name: 'embeddings',
      shape: [this.inputDim, this.outputDim],
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
      constraint: this.embeddingsConstraint,
    });
    // Without a declared length, any sequence length is accepted (only the rank is checked).
    super.build(this.batchInputShape ? inputShape : inputShape.map((d, i) => (i === 0 ? d : null)));
  }

  /** With maskZero, Keras's mask: ids != 0 ([batch, time] bool), for the recurrent layers after it. */
  override computeMask(x: Tensor, mask: Tensor | null): Tensor | null {
    super.computeMask(x, mask);
    return this.maskZero ? notEqual(x, 0) : null;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return embeddingLookup(this.embeddings!, this.indices(x));
  }

  /** The input as int32 indices, checked against inputDim with an error naming the layer. */
  private indices(x: Tensor): Tensor {
    const src = x.data;
    const idx = x.dtype === 'int32' ? (src as Int32Array) : new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.inputDim) {
        const why = Number.isInteger(v)
          ? `is out of range for inputDim ${this.inputDim} (valid: 0..${this.inputDim - 1})`
          : 'is not an integer';
        throw new Error(`Layer '${this.name}' (Embedding): index ${v} at position ${i} ${why}.`);
      }
      idx[i] = v;
    }
    return x.dtype === 'int32' ? x : new Tensor(idx, x.shape, 'int32');
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape, this.outputDim];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: serializeInitializer(this.embeddingsInitializer),
      ...weightPenaltyConfig({
        embeddings: { regularizer: this.embeddingsRegularizer, constraint: this.embeddingsConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      mask_zero: this.maskZero,
      input_length: this.inputLength,
    };
  }
}
