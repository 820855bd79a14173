import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Padding } from '../ops/conv-windows.js';
import { checkPadding, normalizeTuple, outputLength } from '../ops/conv-windows.js';
import { conv1d, conv2d } from '../ops/conv.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

/** Options shared by Conv1D and Conv2D (Keras's arguments, in camelCase). */
export interface ConvArgs extends LayerArgs {
  strides?: number | readonly number[];
  /** 'valid' or 'same'; Conv1D also takes 'causal'. */
  padding?: Padding;
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
  dilationRate?: number | readonly number[];
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export const CONV_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<ConvArgs, keyof LayerArgs>>()([
    'strides',
    'padding',
    'dataFormat',
    'dilationRate',
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

/** Python's tuple repr for error messages: (3, 3) and (5,). */
export function tupleString(t: readonly number[]): string {
  return `(${t.join(', ')}${t.length === 1 ? ',' : ''})`;
}

/**
 * Keras's BaseConv for channels-last inputs [batch, ...spatial(rank), channels]: a kernel of
 * shape [...kernelSize, channels, filters], an optional bias, then the activation.
 */
export abstract class BaseConv extends Layer {
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: Padding;
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

  constructor(rank: 1 | 2, filters: number, kernelSize: number | readonly number[], args: ConvArgs) {
    checkOptionNames(rank === 1 ? 'Conv1D' : 'Conv2D', args, CONV_ARG_NAMES);
    super(args);
    const who = `${this.className} '${this.name}'`;
    if (!Number.isInteger(filters) || filters <= 0)
      throw new Error(`${who}: filters must be a positive integer, got ${filters}.`);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last') {
      throw new Error(`${who}: only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`);
    }
    this.rank = rank;
    this.filters = filters;
    this.kernelSize = normalizeTuple(kernelSize, rank, `${who}: kernelSize`);
    this.strides = normalizeTuple(args.strides ?? 1, rank, `${who}: strides`);
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, rank, `${who}: dilationRate`);
    this.padding = checkPadding(args.padding ?? 'valid', rank === 1, who);
    // As Keras: the two are not combined (TensorFlow's convolution rejects it).
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new Error(
        `${who}: strides > 1 is not supported together with dilationRate > 1 (got strides ${tupleString(this.strides)}, dilationRate ${tupleString(this.dilationRate)}).`,
      );
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
    const channels = inputShape[inputShape.length - 1];
    // Validates rank and spatial sizes before any weight exists.
    this.computeOutputShape(inputShape);
    if (channels === null || channels === undefined) {
      throw new Error(
        `Layer '${this.name}' (${this.className}) needs a known channel dimension, got input shape ${formatShape(inputShape)}.`,
      );
    }
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, channels, this.filters],
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
    // Spatial sizes may have been unknown at build time; check the real ones with the layer's name.
    this.computeOutputShape(x.shape);
    const act = this.activation.name;
    const fused = act === 'relu' || act === 'linear' ? act : 'linear';
    const opts = {
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      bias: this.bias,
      activation: fused,
    } as const;
    const y = this.rank === 1 ? conv1d(x, this.kernel!, opts) : conv2d(x, this.kernel!, opts);
    return fused === act ? y : this.activation.fn(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const expectedRank = this.rank + 2;
    const layout = this.rank === 1 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)';
    if (inputShape.length !== expectedRank) {
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects inputs of rank ${expectedRank} ${layout}, got shape ${formatShape(inputShape)}.`,
      );
    }
    const spatial = inputShape
      .slice(1, -1)
      .map((d, i) => outputLength(d, this.kernelSize[i]!, this.strides[i]!, this.dilationRate[i]!, this.padding));
    if (spatial.some((d) => d !== null && d <= 0)) {
      throw new Error(
        `Layer '${this.name}' (${this.className}): input shape ${formatShape(inputShape)} is too small for kernel_size ${tupleString(this.kernelSize)} ` +
          `with strides ${tupleString(this.strides)}, dilation_rate ${tupleString(this.dilationRate)} and padding '${this.padding}' ` +
          `(the output would be ${formatShape([inputShape[0] ?? null, ...spatial, this.filters])}).`,
      );
    }
    return [inputShape[0] ?? null, ...spatial, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      groups: 1,
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
