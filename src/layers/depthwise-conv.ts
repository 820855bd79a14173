import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import { add } from '../ops/binary.js';
import { depthwiseConv1d, depthwiseConv2d } from '../ops/depthwise-conv.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import {
  CONV_WINDOW_ARG_NAMES,
  convOutputSpatial,
  convWindowConfig,
  inputChannels,
  parseConvWindow,
} from './conv-window.js';
import type { ConvWindowArgs } from './conv-window.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, weightPenaltyConfig } from './layer.js';

/** Keras's DepthwiseConv1D / DepthwiseConv2D arguments, in camelCase. */
export interface DepthwiseConvArgs extends LayerArgs, ConvWindowArgs {
  padding?: 'valid' | 'same';
  /** Filters per input channel (default 1): the output has channels * depthMultiplier channels. */
  depthMultiplier?: number;
  activation?: ActivationName | null;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export const DEPTHWISE_CONV_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<DepthwiseConvArgs, keyof LayerArgs>>()([
    ...CONV_WINDOW_ARG_NAMES,
    'depthMultiplier',
    'activation',
    'useBias',
    'depthwiseInitializer',
    'biasInitializer',
    'depthwiseRegularizer',
    'biasRegularizer',
    'depthwiseConstraint',
    'biasConstraint',
  ]),
];

/** Keras's depth_multiplier: a positive integer, 1 by default. */
export function parseDepthMultiplier(who: string, value: number | undefined): number {
  const m = value ?? 1;
  if (!Number.isInteger(m) || m <= 0) throw new Error(`${who}: depthMultiplier must be a positive integer, got ${m}.`);
  return m;
}

/**
 * Keras's BaseDepthwiseConv, channels-last: every input channel is convolved with its own
 * depthMultiplier filters. Weight `kernel` [...kernelSize, channels, depthMultiplier] (Keras 3's
 * name and layout), bias [channels * depthMultiplier], then the activation.
 */
export abstract class BaseDepthwiseConv extends Layer {
  readonly rank: 1 | 2;
  readonly depthMultiplier: number;
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: readonly number[];
  readonly activation: { name: ActivationName; fn: ActivationFn };
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(rank: 1 | 2, kernelSize: number | readonly number[], args: DepthwiseConvArgs) {
    checkOptionNames(rank === 1 ? 'DepthwiseConv1D' : 'DepthwiseConv2D', args, DEPTHWISE_CONV_ARG_NAMES);
    super(args);
    const who = `${this.className} '${this.name}'`;
    // Keras's depthwise layers leave strides with dilation to the backend (TensorFlow refuses it,
    // JAX computes it); ours computes it, as test/depthwise-separable.test.ts checks.
    const w = parseConvWindow(who, rank, kernelSize, args, { causal: false, stridesWithDilation: true });
    this.rank = rank;
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
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer, `${who} depthwiseRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who} biasRegularizer`);
    this.depthwiseConstraint = getConstraint(args.depthwiseConstraint, `${who} depthwiseConstraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${who} biasConstraint`);
  }

  override build(inputShape: SymbolicShape): void {
    this.computeOutputShape(inputShape);
    const channels = inputChannels(this, inputShape, null);
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, channels, this.depthMultiplier],
      initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer,
      constraint: this.depthwiseConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias',
        shape: [channels * this.depthMultiplier],
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape);
    const opts = { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate };
    let y = this.rank === 1 ? depthwiseConv1d(x, this.kernel!, opts) : depthwiseConv2d(x, this.kernel!, opts);
    if (this.bias) y = add(y, this.bias);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const built = this.kernel ? this.kernel.shape[this.rank]! : null;
    const spatial = convOutputSpatial(this, this.rank, inputShape, this, null);
    const channels = inputShape.length === this.rank + 2 ? inputChannels(this, inputShape, built) : null;
    return [inputShape[0] ?? null, ...spatial, channels === null ? null : channels * this.depthMultiplier];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depth_multiplier: this.depthMultiplier,
      ...convWindowConfig(this),
      activation: this.activation.name,
      use_bias: this.useBias,
      depthwise_initializer: serializeInitializer(this.depthwiseInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...weightPenaltyConfig({
        depthwise: { regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint },
        bias: { regularizer: this.biasRegularizer, constraint: this.biasConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

/**
 * Depthwise 2-D convolution (Keras's DepthwiseConv2D), e.g. MobileNet's
 * `new DepthwiseConv2D(3, { padding: 'same', useBias: false })`: each of the C input channels gets
 * its own depthMultiplier 3x3 filters. Output [batch, newRows, newCols, C * depthMultiplier].
 */
export class DepthwiseConv2D extends BaseDepthwiseConv {
  constructor(kernelSize: number | readonly number[], args: DepthwiseConvArgs = {}) {
    super(2, kernelSize, args);
  }
}

/** Depthwise 1-D convolution over sequences [batch, steps, channels] (Keras's DepthwiseConv1D). */
export class DepthwiseConv1D extends BaseDepthwiseConv {
  constructor(kernelSize: number | readonly number[], args: DepthwiseConvArgs = {}) {
    super(1, kernelSize, args);
  }
}
