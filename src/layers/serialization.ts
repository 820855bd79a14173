import type { DType } from '../core/dtype.js';
import { DTYPES } from '../core/dtype.js';
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { InitializerIdentifier } from './initializers.js';
import { InputLayer } from './input-layer.js';
import type { Layer, LayerArgs } from './layer.js';

/** One layer in a Keras model config: `{class_name, config}` (Keras 3 adds `module`, `registered_name`, `build_config`). */
export interface LayerEntry {
  class_name: string;
  config: Record<string, unknown>;
  module?: string;
  registered_name?: string | null;
  build_config?: { input_shape?: (number | null)[] | null } | null;
}

export type LayerFactory = (config: Record<string, unknown>, common: LayerArgs) => Layer;

/** Keras class name -> how to build the layer from its config. Configs are data only: nothing in them is run. */
const REGISTRY = new Map<string, LayerFactory>();

/** Lets each layer module (here or elsewhere) make itself loadable from Keras configs. */
export function registerLayer(className: string, factory: LayerFactory): void {
  REGISTRY.set(className, factory);
}

export function registeredLayers(): string[] {
  return [...REGISTRY.keys()];
}

/** Builds a layer from a Keras 2 or Keras 3 `{class_name, config}` entry. */
export function deserializeLayer(entry: LayerEntry): Layer {
  if (!entry || typeof entry !== 'object' || typeof entry.class_name !== 'string') {
    throw new Error(`Invalid layer entry in model config: ${JSON.stringify(entry)?.slice(0, 200)}.`);
  }
  const factory = REGISTRY.get(entry.class_name);
  if (!factory) {
    throw new Error(
      `Unknown layer class '${entry.class_name}' in model config. deepscript can load: ${registeredLayers().join(', ')}.`,
    );
  }
  const config = entry.config ?? {};
  try {
    return factory(config, commonArgs(config));
  } catch (e) {
    const name = typeof config['name'] === 'string' ? ` '${config['name']}'` : '';
    throw new Error(`Cannot load layer${name} (${entry.class_name}): ${(e as Error).message}`);
  }
}

/** Arguments every layer shares, accepting both Keras 2 and Keras 3 spellings. */
function commonArgs(c: Record<string, unknown>): LayerArgs {
  const args: LayerArgs = {};
  if (typeof c['name'] === 'string') args.name = c['name'];
  if (typeof c['trainable'] === 'boolean') args.trainable = c['trainable'];
  const dtype = parseDType(c['dtype']);
  if (dtype) args.dtype = dtype;
  const batchShape = c['batch_input_shape'] ?? c['batch_shape'];
  if (batchShape) args.batchInputShape = parseShape(batchShape, 'batch_input_shape');
  else if (c['input_shape']) args.inputShape = parseShape(c['input_shape'], 'input_shape');
  else if (typeof c['input_dim'] === 'number') args.inputDim = c['input_dim'];
  return args;
}

/** `'float32'`, or a Keras 3 `DTypePolicy` / Keras 2 `Policy` object naming it. */
export function parseDType(d: unknown): DType | undefined {
  if (d === undefined || d === null) return undefined;
  let name: unknown = d;
  if (typeof d === 'object') {
    const obj = d as { class_name?: string; config?: { name?: unknown } };
    name = obj.config?.name;
    if (typeof name !== 'string') throw new Error(`unreadable dtype ${JSON.stringify(d)}.`);
  }
  if (typeof name !== 'string' || !DTYPES.includes(name as DType)) {
    throw new Error(
      `dtype '${String(name)}' is not supported (mixed precision policies are not); expected one of ${DTYPES.join(', ')}.`,
    );
  }
  return name as DType;
}

function parseShape(s: unknown, what: string): (number | null)[] {
  if (!Array.isArray(s) || !s.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new Error(`${what} must be a list of sizes or nulls, got ${JSON.stringify(s)}.`);
  }
  return s as (number | null)[];
}

/** Keras features deepscript does not have must fail loudly instead of loading a different model. */
function requireNull(c: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    if (c[k] !== undefined && c[k] !== null) throw new Error(`'${k}' is not supported (got ${JSON.stringify(c[k])}).`);
  }
}

function activationName(a: unknown): string | null {
  if (a === undefined || a === null) return null;
  if (typeof a === 'string') return a;
  throw new Error(`activation must be a built-in name, got ${JSON.stringify(a)}.`);
}

registerLayer('Dense', (c, common) => {
  requireNull(c, [
    'kernel_regularizer',
    'bias_regularizer',
    'activity_regularizer',
    'kernel_constraint',
    'bias_constraint',
    'lora_rank',
  ]);
  return new Dense(c['units'] as number, {
    ...common,
    activation: activationName(c['activation']) as never,
    useBias: (c['use_bias'] as boolean | undefined) ?? true,
    ...(c['kernel_initializer'] ? { kernelInitializer: c['kernel_initializer'] as InitializerIdentifier } : {}),
    ...(c['bias_initializer'] ? { biasInitializer: c['bias_initializer'] as InitializerIdentifier } : {}),
  });
});

registerLayer('Activation', (c, common) => new Activation(activationName(c['activation']) as never, common));

registerLayer(
  'Dropout',
  (c, common) =>
    new Dropout(c['rate'] as number, { ...common, noiseShape: (c['noise_shape'] as (number | null)[] | null) ?? null }),
);

registerLayer('Flatten', (c, common) => {
  const format = c['data_format'];
  if (format !== undefined && format !== null && format !== 'channels_last')
    throw new Error(`data_format '${String(format)}' is not supported.`);
  return new Flatten(common);
});

registerLayer('InputLayer', (c, common) => {
  if (c['sparse'] === true || c['ragged'] === true) throw new Error('sparse and ragged inputs are not supported.');
  const batchShape =
    common.batchInputShape ??
    (common.inputShape ? [typeof c['batch_size'] === 'number' ? c['batch_size'] : null, ...common.inputShape] : null);
  if (!batchShape) throw new Error('InputLayer config has no batch_input_shape / batch_shape.');
  return new InputLayer({ batchShape, name: common.name, dtype: common.dtype });
});
