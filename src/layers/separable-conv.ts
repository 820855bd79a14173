import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import { conv1d, conv2d } from '../ops/conv.js';
import { depthwiseConv1d, depthwiseConv2d } from '../ops/depthwise-conv.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { fusedForm, getActivation } from './activations.js';
import {
  CONV_WINDOW_ARG_NAMES,
  convOutputSpatial,
  convWindowConfig,
  inputChannels,
  parseConvWindow,
} from './conv-window.js';
import type { ConvWindowArgs } from './conv-window.js';
import { parseDepthMultiplier } from './depthwise-conv.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, weightPenaltyConfig } from './layer.js';

/** Keras's SeparableConv1D / SeparableConv2D arguments, in camelCase. */
export interface SeparableConvArgs extends LayerArgs, ConvWindowArgs {
  padding?: 'valid' | 'same';
  /** Depthwise filters per input channel (default 1). */
  depthMultiplier?: number;
  activation?: ActivationName | null;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  pointwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
  pointwiseConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export const SEPARABLE_CONV_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<SeparableConvArgs, keyof LayerArgs>>()([
    ...CONV_WINDOW_ARG_NAMES,
    'depthMultiplier',
    'activation',
    'useBias',
    'depthwiseInitializer',
    'pointwiseInitializer',
    'biasInitializer',
    'depthwiseRegularizer',
    'pointwiseRegularizer',
    'biasRegularizer',
    'depthwiseConstraint',
    'pointwiseConstraint',
    'biasConstraint',
  ]),
];

/**
 * Keras's BaseSeparableConv, channels-last: a depthwise convolution (each input channel with its
 * own depthMultiplier filters), then a pointwise 1x1 convolution mixing the channels into
 * `filters`, then bias and activation. Weights depthwise_kernel [...kernelSize, channels,
 * depthMultiplier], pointwise_kernel [...ones(rank), channels * depthMultiplier, filters], bias
 * [filters], as Keras names and stores them.
 */
export abstract class BaseSeparableConv extends Layer {
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly depthMultiplier: number;
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: readonly number[];
  readonly activation: { name: ActivationName; fn: ActivationFn };
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly pointwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly pointwiseConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  depthwiseKernel: Variable | null = null;
  pointwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(rank: 1 | 2, filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs) {
    checkOptionNames(rank === 1 ? 'SeparableConv1D' : 'SeparableConv2D', args, SEPARABLE_CONV_ARG_NAMES);
    super(args);
    const who = `${this.className} '${this.name}'`;
    if (!Number.isInteger(filters) || filters <= 0)
      throw new Error(`${who}: filters must be a positive integer, got ${filters}.`);
    const w = parseConvWindow(who, rank, kernelSize, args, { causal: false, stridesWithDilation: true });
    this.rank = rank;
    this.filters = filters;
    this.depthMultiplier = parseDepthMultiplier(who, args.depthMultiplier);
    ({
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilationRate: this.dilationRate,
      padding: this.padding,
    } = w);
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer ?? 'glorot_uniform');
    this.pointwiseInitializer = getInitializer(args.pointwiseInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer, `${who} depthwiseRegularizer`);
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer, `${who} pointwiseRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who} biasRegularizer`);
    this.depthwiseConstraint = getConstraint(args.depthwiseConstraint, `${who} depthwiseConstraint`);
    this.pointwiseConstraint = getConstraint(args.pointwiseConstraint, `${who} pointwiseConstraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${who} biasConstraint`);
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    const channels = inputChannels(this, inputShape, null);
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel',
      shape: [...this.kernelSize, channels, this.depthMultiplier],
      initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer,
      constraint: this.depthwiseConstraint,
    });
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel',
      shape: [...new Array<number>(this.rank).fill(1), channels * this.depthMultiplier, this.filters],
      initializer: this.pointwiseInitializer,
      regularizer: this.pointwiseRegularizer,
      constraint: this.pointwiseConstraint,
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
    const opts = { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate };
    const act = this.activation.name;
    // The pointwise step is a 1x1 convolution; bias and the activation ride in its epilogue.
    const fused = fusedForm(act) ?? 'linear';
    const pw = { bias: this.bias, activation: fused } as const;
    const y =
      this.rank === 1
        ? conv1d(depthwiseConv1d(x, this.depthwiseKernel!, opts), this.pointwiseKernel!, pw)
        : conv2d(depthwiseConv2d(x, this.depthwiseKernel!, opts), this.pointwiseKernel!, pw);
    return fused === act ? y : this.activation.fn(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const spatial = convOutputSpatial(this, this.rank, inputShape, this, this.filters);
    if (this.depthwiseKernel) inputChannels(this, inputShape, this.depthwiseKernel.shape[this.rank]!);
    return [inputShape[0] ?? null, ...spatial, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depth_multiplier: this.depthMultiplier,
      filters: this.filters,
      ...convWindowConfig(this),
      activation: this.activation.name,
      use_bias: this.useBias,
      depthwise_initializer: serializeInitializer(this.depthwiseInitializer),
      pointwise_initializer: serializeInitializer(this.pointwiseInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...weightPenaltyConfig({
        depthwise: { regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint },
        pointwise: { regularizer: this.pointwiseRegularizer, constraint: this.pointwiseConstraint },
        bias: { regularizer: this.biasRegularizer, constraint: this.biasConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

/**
 * Depthwise-separable 2-D convolution (Keras's SeparableConv2D), MobileNet's building block:
 * `new SeparableConv2D(64, 3, { padding: 'same', activation: 'relu' })`.
 */
export class SeparableConv2D extends BaseSeparableConv {
  constructor(filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}

/** Depthwise-separable 1-D convolution over sequences (Keras's SeparableConv1D). */
export class SeparableConv1D extends BaseSeparableConv {
  constructor(filters: number, kernelSize: number | readonly number[], args: SeparableConvArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}
