import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import { add } from '../ops/binary.js';
import { convTranspose1d, convTranspose2d, transposeAxis } from '../ops/conv-transpose.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import {
  CONV_WINDOW_ARG_NAMES,
  checkConvRank,
  convWindowConfig,
  inputChannels,
  parseConvWindow,
  tupleString,
} from './conv-window.js';
import type { ConvWindowArgs } from './conv-window.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';

/** Keras's Conv1DTranspose / Conv2DTranspose arguments, in camelCase. */
export interface ConvTransposeArgs extends LayerArgs, ConvWindowArgs {
  padding?: 'valid' | 'same';
  /** Extra output rows / columns after the rest, each < its stride; null: Keras's default. */
  outputPadding?: number | readonly number[] | null;
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export const CONV_TRANSPOSE_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ConvTransposeArgs, keyof LayerArgs>>()([
    ...CONV_WINDOW_ARG_NAMES,
    'outputPadding',
    'activation',
    'useBias',
    'kernelInitializer',
    'biasInitializer',
    'kernelRegularizer',
    'biasRegularizer',
    'kernelConstraint',
    'biasConstraint',
  ]),
];

/**
 * Keras's BaseConvTranspose for channels-last inputs [batch, ...spatial(rank), channels]: the
 * gradient of a convolution with respect to its input, going from a convolution's output shape
 * back to its input shape. Kernel [...kernelSize, filters, channels] (as Keras stores it), an
 * optional bias, then the activation.
 */
export abstract class BaseConvTranspose extends Layer {
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: 'valid' | 'same';
  readonly outputPadding: readonly number[] | null;
  readonly dilationRate: readonly number[];
  readonly activation: { name: ActivationName; fn: ActivationFn };
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(rank: 1 | 2, filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs) {
    checkOptionNames(rank === 1 ? 'Conv1DTranspose' : 'Conv2DTranspose', args, CONV_TRANSPOSE_ARG_NAMES);
    super(args);
    const who = `${this.className} '${this.name}'`;
    if (!Number.isInteger(filters) || filters <= 0)
      throw new Error(`${who}: filters must be a positive integer, got ${filters}.`);
    const w = parseConvWindow(who, rank, kernelSize, args, { causal: false, stridesWithDilation: false });
    this.rank = rank;
    this.filters = filters;
    ({
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilationRate: this.dilationRate,
      padding: this.padding,
    } = w);
    const op = args.outputPadding;
    if (op === undefined || op === null) this.outputPadding = null;
    else {
      const list = typeof op === 'number' ? new Array<number>(rank).fill(op) : [...op];
      if (list.length !== rank || list.some((p) => !Number.isInteger(p) || p < 0))
        throw new Error(
          `${who}: outputPadding must be a non-negative integer or ${rank} of them, got ${JSON.stringify(op)}.`,
        );
      list.forEach((p, i) => {
        if (p >= this.strides[i]!)
          throw new Error(
            `${who}: outputPadding must be strictly less than strides on every axis; at axis ${i} outputPadding is ${p} and strides is ${this.strides[i]} (outputPadding ${tupleString(list)}, strides ${tupleString(this.strides)}).`,
          );
      });
      this.outputPadding = list;
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who} kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who} biasRegularizer`);
    this.kernelConstraint = getConstraint(args.kernelConstraint, `${who} kernelConstraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${who} biasConstraint`);
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    const channels = inputChannels(this, inputShape, null);
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, this.filters, channels],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias',
        shape: [this.filters],
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape);
    const opts = {
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilationRate: this.dilationRate,
    };
    let y = this.rank === 1 ? convTranspose1d(x, this.kernel!, opts) : convTranspose2d(x, this.kernel!, opts);
    if (this.bias) y = add(y, this.bias);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    checkConvRank(this, this.rank, inputShape);
    const channels = inputShape[inputShape.length - 1];
    if (this.kernel && channels !== null && channels !== undefined)
      inputChannels(this, inputShape, this.kernel.shape[this.rank + 1]!);
    const spatial = inputShape
      .slice(1, -1)
      .map((d, i) =>
        d === null
          ? null
          : transposeAxis(
              d,
              this.kernelSize[i]!,
              this.strides[i]!,
              this.dilationRate[i]!,
              this.padding,
              this.outputPadding ? this.outputPadding[i]! : null,
            ).out,
      );
    if (spatial.some((d) => d !== null && d <= 0)) {
      throw new Error(
        `Layer '${this.name}' (${this.className}): input shape ${formatShape(inputShape)} gives an empty output ` +
          `${formatShape([inputShape[0] ?? null, ...spatial, this.filters])} with kernel_size ${tupleString(this.kernelSize)}, ` +
          `strides ${tupleString(this.strides)}, padding '${this.padding}' and output_padding ${this.outputPadding ? tupleString(this.outputPadding) : 'None'}.`,
      );
    }
    return [inputShape[0] ?? null, ...spatial, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...convWindowConfig(this),
      output_padding: this.outputPadding ? [...this.outputPadding] : null,
      activation: this.activation.name,
      use_bias: this.useBias,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...weightPenaltyConfig({
        kernel: { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint },
        bias: { regularizer: this.biasRegularizer, constraint: this.biasConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

/**
 * Transposed 2-D convolution (Keras's Conv2DTranspose), e.g. the decoder's
 * `new Conv2DTranspose(32, 3, { strides: 2, padding: 'same' })`, doubling rows and columns.
 * Kernel [kh, kw, filters, channels]; output [batch, newRows, newCols, filters].
 */
export class Conv2DTranspose extends BaseConvTranspose {
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}

/** Transposed 1-D convolution over sequences (Keras's Conv1DTranspose). Kernel [k, filters, channels]. */
export class Conv1DTranspose extends BaseConvTranspose {
  constructor(filters: number, kernelSize: number | readonly number[], args: ConvTransposeArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
