import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Padding } from '../ops/conv-windows.js';
import {
  CONV_WINDOW_ARG_NAMES,
  convOutputSpatial,
  convWindowConfig,
  inputChannels,
  parseConvWindow,
} from './conv-window.js';
import type { ConvWindowArgs } from './conv-window.js';
import { conv1d, conv2d } from '../ops/conv.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { fusedForm, getActivation } from './activations.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

/** Options shared by Conv1D and Conv2D (Keras's arguments, in camelCase). */
export interface ConvArgs extends LayerArgs, ConvWindowArgs {
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
    ...CONV_WINDOW_ARG_NAMES,
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
    const w = parseConvWindow(who, rank, kernelSize, args, { causal: rank === 1, stridesWithDilation: false });
    this.rank = rank;
    this.filters = filters;
    ({
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilationRate: this.dilationRate,
      padding: this.padding,
    } = w);
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
    // Validates rank and spatial sizes before any weight exists.
    this.computeOutputShape(inputShape);
    const channels = inputChannels(this, inputShape, null);
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
    const fused = fusedForm(act) ?? 'linear';
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
    return [inputShape[0] ?? null, ...convOutputSpatial(this, this.rank, inputShape, this, this.filters), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...convWindowConfig(this),
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
