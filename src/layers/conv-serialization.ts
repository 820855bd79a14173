/**
 * Makes the convolution (plain, transposed, depthwise, separable), pooling, Reshape and BatchNormalization layers loadable from Keras 2 /
 * Keras 3 model configs. Importing this module registers them; Keras options deepscript lacks
 * (channels_first, groups, regularizers, constraints, ...) fail loudly.
 */
import type { ActivationName } from './activations.js';
import { AveragePooling1D } from './average-pooling1d.js';
import { AveragePooling2D } from './average-pooling2d.js';
import { BatchNormalization } from './batch-normalization.js';
import type { BatchNormalizationArgs } from './batch-normalization.js';
import type { ConvArgs } from './conv-base.js';
import { Conv1D } from './conv1d.js';
import { Conv2D } from './conv2d.js';
import type { Conv2DArgs } from './conv2d.js';
import { Conv1DTranspose, Conv2DTranspose } from './conv-transpose.js';
import type { ConvTransposeArgs } from './conv-transpose.js';
import { DepthwiseConv1D, DepthwiseConv2D } from './depthwise-conv.js';
import type { DepthwiseConvArgs } from './depthwise-conv.js';
import { SeparableConv1D, SeparableConv2D } from './separable-conv.js';
import type { SeparableConvArgs } from './separable-conv.js';
import { GlobalAveragePooling1D } from './global-average-pooling1d.js';
import { GlobalAveragePooling2D } from './global-average-pooling2d.js';
import { GlobalMaxPooling1D } from './global-max-pooling1d.js';
import { GlobalMaxPooling2D } from './global-max-pooling2d.js';
import type { GlobalPoolingArgs } from './global-pooling-base.js';
import type { InitializerIdentifier } from './initializers.js';
import type { Layer, LayerArgs } from './layer.js';
import { MaxPooling1D } from './max-pooling1d.js';
import { MaxPooling2D } from './max-pooling2d.js';
import type { PoolingArgs } from './pooling-base.js';
import { Reshape } from './reshape.js';
import { LORA_KEYS, penaltyArgs, refuseLora, registerLayer } from './serialization.js';

type Config = Record<string, unknown>;

function channelsLast(c: Config): void {
  const f = c['data_format'];
  if (f !== undefined && f !== null && f !== 'channels_last')
    throw new Error(`data_format '${String(f)}' is not supported.`);
}

function sizes(c: Config, key: string): number | number[] | undefined {
  const v = c[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || (Array.isArray(v) && v.every((d) => typeof d === 'number')))
    return v as number | number[];
  throw new Error(`${key} must be an int or a list of ints, got ${JSON.stringify(v)}.`);
}

/** Copies only the keys that are set, so the constructors' defaults apply to the rest. */
function defined<T extends object>(args: T): T {
  for (const k of Object.keys(args) as (keyof T)[]) if (args[k] === undefined) delete args[k];
  return args;
}

function convArgs(c: Config, common: LayerArgs): ConvArgs {
  refuseLora(c);
  channelsLast(c);
  if (c['groups'] !== undefined && c['groups'] !== 1)
    throw new Error(`groups ${JSON.stringify(c['groups'])} is not supported.`);
  const a = c['activation'];
  if (a !== undefined && a !== null && typeof a !== 'string')
    throw new Error(`activation must be a built-in name, got ${JSON.stringify(a)}.`);
  return defined<ConvArgs>({
    ...common,
    ...penaltyArgs(c, ['kernel', 'bias']),
    strides: sizes(c, 'strides'),
    padding: c['padding'] as ConvArgs['padding'],
    dilationRate: sizes(c, 'dilation_rate'),
    activation: a as ActivationName | null | undefined,
    useBias: typeof c['use_bias'] === 'boolean' ? c['use_bias'] : undefined,
    kernelInitializer: (c['kernel_initializer'] ?? undefined) as InitializerIdentifier | undefined,
    biasInitializer: (c['bias_initializer'] ?? undefined) as InitializerIdentifier | undefined,
  });
}

function kernelSize(c: Config): number | number[] {
  const k = sizes(c, 'kernel_size');
  if (k === undefined) throw new Error('kernel_size is missing.');
  return k;
}

const CONV_KEYS = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'data_format',
  'dilation_rate',
  'groups',
  'activation',
  'use_bias',
  'kernel_initializer',
  'bias_initializer',
  'kernel_regularizer',
  'bias_regularizer',
  'kernel_constraint',
  'bias_constraint',
  ...LORA_KEYS,
];
registerLayer(
  'Conv2D',
  (c, common) => new Conv2D(c['filters'] as number, kernelSize(c), convArgs(c, common) as Conv2DArgs),
  CONV_KEYS,
);
registerLayer(
  'Conv1D',
  (c, common) => new Conv1D(c['filters'] as number, kernelSize(c), convArgs(c, common)),
  CONV_KEYS,
);

function builtinActivation(c: Config): ActivationName | null | undefined {
  const a = c['activation'];
  if (a !== undefined && a !== null && typeof a !== 'string')
    throw new Error(`activation must be a built-in name, got ${JSON.stringify(a)}.`);
  return a as ActivationName | null | undefined;
}

function initializer(c: Config, key: string): InitializerIdentifier | undefined {
  return (c[key] ?? undefined) as InitializerIdentifier | undefined;
}

const TRANSPOSE_KEYS = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'output_padding',
  'data_format',
  'dilation_rate',
  'activation',
  'use_bias',
  'kernel_initializer',
  'bias_initializer',
  'kernel_regularizer',
  'bias_regularizer',
  'kernel_constraint',
  'bias_constraint',
];
const TRANSPOSES: [string, typeof Conv2DTranspose][] = [
  ['Conv2DTranspose', Conv2DTranspose],
  ['Conv1DTranspose', Conv1DTranspose],
];
for (const [name, Cls] of TRANSPOSES)
  registerLayer(
    name,
    (c, common) => {
      channelsLast(c);
      const args = defined<ConvTransposeArgs>({
        ...common,
        ...penaltyArgs(c, ['kernel', 'bias']),
        strides: sizes(c, 'strides'),
        padding: c['padding'] as ConvTransposeArgs['padding'],
        outputPadding: sizes(c, 'output_padding'),
        dilationRate: sizes(c, 'dilation_rate'),
        activation: builtinActivation(c),
        useBias: typeof c['use_bias'] === 'boolean' ? c['use_bias'] : undefined,
        kernelInitializer: initializer(c, 'kernel_initializer'),
        biasInitializer: initializer(c, 'bias_initializer'),
      });
      return new Cls(c['filters'] as number, kernelSize(c), args);
    },
    TRANSPOSE_KEYS,
  );

/** The arguments DepthwiseConv and SeparableConv share. */
function depthwiseArgs(c: Config): DepthwiseConvArgs {
  channelsLast(c);
  const m = c['depth_multiplier'];
  if (m !== undefined && m !== null && typeof m !== 'number')
    throw new Error(`depth_multiplier must be an int, got ${JSON.stringify(m)}.`);
  return defined<DepthwiseConvArgs>({
    strides: sizes(c, 'strides'),
    padding: c['padding'] as DepthwiseConvArgs['padding'],
    depthMultiplier: m ?? undefined,
    dilationRate: sizes(c, 'dilation_rate'),
    activation: builtinActivation(c),
    useBias: typeof c['use_bias'] === 'boolean' ? c['use_bias'] : undefined,
    depthwiseInitializer: initializer(c, 'depthwise_initializer'),
    biasInitializer: initializer(c, 'bias_initializer'),
  });
}

const DEPTHWISE_KEYS = [
  'depth_multiplier',
  'kernel_size',
  'strides',
  'padding',
  'data_format',
  'dilation_rate',
  'activation',
  'use_bias',
  'depthwise_initializer',
  'bias_initializer',
  'depthwise_regularizer',
  'bias_regularizer',
  'depthwise_constraint',
  'bias_constraint',
];
const DEPTHWISES: [string, typeof DepthwiseConv2D][] = [
  ['DepthwiseConv2D', DepthwiseConv2D],
  ['DepthwiseConv1D', DepthwiseConv1D],
];
for (const [name, Cls] of DEPTHWISES)
  registerLayer(
    name,
    (c, common) => new Cls(kernelSize(c), { ...common, ...penaltyArgs(c, ['depthwise', 'bias']), ...depthwiseArgs(c) }),
    DEPTHWISE_KEYS,
  );

const SEPARABLES: [string, typeof SeparableConv2D][] = [
  ['SeparableConv2D', SeparableConv2D],
  ['SeparableConv1D', SeparableConv1D],
];
for (const [name, Cls] of SEPARABLES)
  registerLayer(
    name,
    (c, common) =>
      new Cls(
        c['filters'] as number,
        kernelSize(c),
        defined<SeparableConvArgs>({
          ...common,
          ...penaltyArgs(c, ['depthwise', 'pointwise', 'bias']),
          ...depthwiseArgs(c),
          pointwiseInitializer: initializer(c, 'pointwise_initializer'),
        }),
      ),
    ['filters', ...DEPTHWISE_KEYS, 'pointwise_initializer', 'pointwise_regularizer', 'pointwise_constraint'],
  );

function poolingArgs(c: Config, common: LayerArgs): PoolingArgs {
  channelsLast(c);
  return defined<PoolingArgs>({
    ...common,
    poolSize: sizes(c, 'pool_size'),
    strides: sizes(c, 'strides'),
    padding: c['padding'] as PoolingArgs['padding'],
  });
}

const POOLS: [string, new (args: PoolingArgs) => Layer][] = [
  ['MaxPooling2D', MaxPooling2D],
  ['AveragePooling2D', AveragePooling2D],
  ['MaxPooling1D', MaxPooling1D],
  ['AveragePooling1D', AveragePooling1D],
];
for (const [name, Cls] of POOLS)
  registerLayer(name, (c, common) => new Cls(poolingArgs(c, common)), [
    'pool_size',
    'strides',
    'padding',
    'data_format',
  ]);

const GLOBAL_POOLS: [string, new (args: GlobalPoolingArgs) => Layer][] = [
  ['GlobalMaxPooling2D', GlobalMaxPooling2D],
  ['GlobalAveragePooling2D', GlobalAveragePooling2D],
  ['GlobalMaxPooling1D', GlobalMaxPooling1D],
  ['GlobalAveragePooling1D', GlobalAveragePooling1D],
];
for (const [name, Cls] of GLOBAL_POOLS) {
  registerLayer(
    name,
    (c, common) => {
      channelsLast(c);
      return new Cls(
        defined<GlobalPoolingArgs>({
          ...common,
          keepdims: typeof c['keepdims'] === 'boolean' ? c['keepdims'] : undefined,
        }),
      );
    },
    ['data_format', 'keepdims'],
  );
}

registerLayer(
  'Reshape',
  (c, common) => {
    const t = c['target_shape'];
    if (!Array.isArray(t)) throw new Error(`target_shape must be a list, got ${JSON.stringify(t)}.`);
    return new Reshape(t as number[], common);
  },
  ['target_shape'],
);

registerLayer(
  'BatchNormalization',
  (c, common) => {
    if (c['synchronized'] === true) throw new Error('synchronized batch normalization is not supported.');
    if (c['renorm'] === true) throw new Error('batch renormalization is not supported.');
    // Keras 2 writes renorm_clipping / renorm_momentum only with renorm (refused above), and
    // `fused` only picks TensorFlow's kernel: neither changes what is computed.
    if (c['virtual_batch_size'] !== undefined && c['virtual_batch_size'] !== null)
      throw new Error('virtual_batch_size is not supported.');
    const axis = Array.isArray(c['axis']) && c['axis'].length === 1 ? c['axis'][0] : c['axis'];
    if (axis !== undefined && typeof axis !== 'number')
      throw new Error(`axis must be one integer, got ${JSON.stringify(c['axis'])}.`);
    const init = (k: string): InitializerIdentifier | undefined =>
      (c[k] ?? undefined) as InitializerIdentifier | undefined;
    return new BatchNormalization(
      defined<BatchNormalizationArgs>({
        ...common,
        ...penaltyArgs(c, ['beta', 'gamma']),
        axis,
        momentum: typeof c['momentum'] === 'number' ? c['momentum'] : undefined,
        epsilon: typeof c['epsilon'] === 'number' ? c['epsilon'] : undefined,
        center: typeof c['center'] === 'boolean' ? c['center'] : undefined,
        scale: typeof c['scale'] === 'boolean' ? c['scale'] : undefined,
        betaInitializer: init('beta_initializer'),
        gammaInitializer: init('gamma_initializer'),
        movingMeanInitializer: init('moving_mean_initializer'),
        movingVarianceInitializer: init('moving_variance_initializer'),
      }),
    );
  },
  [
    'axis',
    'momentum',
    'epsilon',
    'center',
    'scale',
    'beta_initializer',
    'gamma_initializer',
    'moving_mean_initializer',
    'moving_variance_initializer',
    'beta_regularizer',
    'gamma_regularizer',
    'beta_constraint',
    'gamma_constraint',
    'synchronized',
    'renorm',
    'renorm_clipping',
    'renorm_momentum',
    'virtual_batch_size',
    'fused',
  ],
);
