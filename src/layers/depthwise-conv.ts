import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import { add } from '../ops/binary.js';
import { checkPadding, normalizeTuple, outputLength } from '../ops/conv-windows.js';
import { depthwiseConv1d, depthwiseConv2d } from '../ops/depthwise-conv.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import { tupleString } from './conv-base.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';

/** Keras's DepthwiseConv1D / DepthwiseConv2D arguments, in camelCase. */
export interface DepthwiseConvArgs extends LayerArgs {
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  /** Filters per input channel (default 1): the output has channels * depthMultiplier channels. */
  depthMultiplier?: number;
  /** Only 'channels_last' is supported. */
  dataFormat?: 'channels_last';
  dilationRate?: number | readonly number[];
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
    'strides',
    'padding',
    'depthMultiplier',
    'dataFormat',
    'dilationRate',
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

/** Checks the window options the depthwise and separable layers share, as Keras does. */
export function depthwiseWindow(
  who: string,
  rank: 1 | 2,
  kernelSize: number | readonly number[],
  args: {
    strides?: number | readonly number[];
    dilationRate?: number | readonly number[];
    padding?: string;
    depthMultiplier?: number;
    dataFormat?: string;
  },
): {
  kernelSize: number[];
  strides: number[];
  dilationRate: number[];
  padding: 'valid' | 'same';
  depthMultiplier: number;
} {
  if (args.dataFormat !== undefined && args.dataFormat !== 'channels_last')
    throw new Error(`${who}: only data_format 'channels_last' is supported, got '${String(args.dataFormat)}'.`);
  const depthMultiplier = args.depthMultiplier ?? 1;
  if (!Number.isInteger(depthMultiplier) || depthMultiplier <= 0)
    throw new Error(`${who}: depthMultiplier must be a positive integer, got ${depthMultiplier}.`);
  return {
    kernelSize: normalizeTuple(kernelSize, rank, `${who}: kernelSize`),
    strides: normalizeTuple(args.strides ?? 1, rank, `${who}: strides`),
    dilationRate: normalizeTuple(args.dilationRate ?? 1, rank, `${who}: dilationRate`),
    padding: checkPadding(args.padding ?? 'valid', false, who) as 'valid' | 'same',
    depthMultiplier,
  };
}

/**
 * Spatial output sizes of a depthwise window over inputShape [batch, ...spatial, channels], with
 * a clear error naming the layer for a wrong rank or an input the window does not fit.
 */
export function depthwiseOutputSpatial(
  layer: Layer,
  rank: 1 | 2,
  inputShape: SymbolicShape,
  w: {
    kernelSize: readonly number[];
    strides: readonly number[];
    dilationRate: readonly number[];
    padding: 'valid' | 'same';
  },
  outChannels: number | null,
): (number | null)[] {
  const expectedRank = rank + 2;
  const layout = rank === 1 ? '(batch, steps, channels)' : '(batch, rows, cols, channels)';
  if (inputShape.length !== expectedRank) {
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) expects inputs of rank ${expectedRank} ${layout}, got shape ${formatShape(inputShape)}.`,
    );
  }
  const spatial = inputShape
    .slice(1, -1)
    .map((d, i) => outputLength(d, w.kernelSize[i]!, w.strides[i]!, w.dilationRate[i]!, w.padding));
  if (spatial.some((d) => d !== null && d <= 0)) {
    throw new Error(
      `Layer '${layer.name}' (${layer.className}): input shape ${formatShape(inputShape)} is too small for kernel_size ${tupleString(w.kernelSize)} ` +
        `with strides ${tupleString(w.strides)}, dilation_rate ${tupleString(w.dilationRate)} and padding '${w.padding}' ` +
        `(the output would be ${formatShape([inputShape[0] ?? null, ...spatial, outChannels])}).`,
    );
  }
  return spatial;
}

/** The input's channel count, known, and equal to what the layer was built for. */
export function inputChannels(layer: Layer, inputShape: SymbolicShape, built: number | null): number {
  const channels = inputShape[inputShape.length - 1];
  if (channels === null || channels === undefined)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) needs a known channel dimension, got input shape ${formatShape(inputShape)}.`,
    );
  if (built !== null && channels !== built)
    throw new Error(
      `Layer '${layer.name}' (${layer.className}) was built for ${built} input channels, got input shape ${formatShape(inputShape)}.`,
    );
  return channels;
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
    const w = depthwiseWindow(who, rank, kernelSize, args);
    this.rank = rank;
    this.depthMultiplier = w.depthMultiplier;
    this.kernelSize = w.kernelSize;
    this.strides = w.strides;
    this.dilationRate = w.dilationRate;
    this.padding = w.padding;
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
    const spatial = depthwiseOutputSpatial(this, this.rank, inputShape, this, null);
    const channels = inputShape.length === this.rank + 2 ? inputChannels(this, inputShape, built) : null;
    return [inputShape[0] ?? null, ...spatial, channels === null ? null : channels * this.depthMultiplier];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depth_multiplier: this.depthMultiplier,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
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
