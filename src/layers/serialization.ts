import type { DType } from '../core/dtype.js';
import { DTYPES } from '../core/dtype.js';
import { DTypePolicy } from './dtype-policy.js';
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { ReLU } from './relu.js';
import type { InitializerIdentifier } from './initializers.js';
import { InputLayer } from './input-layer.js';
import type { LayerArgs } from './layer.js';
import { Layer } from './layer.js';
import type { RegularizerIdentifier } from '../regularizers/index.js';
import { nearestName } from '../utils/option-names.js';
import { KERAS_NUMPY_OPS, numpyOpLayer } from './merging/keras-ops.js';

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

/** Keras class name -> every config key its factory reads or knows to have no effect (besides COMMON_CONFIG_KEYS). */
const CONFIG_KEYS = new Map<string, readonly string[]>();

/** Keys any layer's Keras 2 / Keras 3 config may hold: read by commonArgs. */
export const COMMON_CONFIG_KEYS = [
  'name',
  'trainable',
  'dtype',
  'batch_input_shape',
  'batch_shape',
  'input_shape',
  'input_dim',
  'activity_regularizer',
];

/**
 * Lets each layer module (here or elsewhere) make itself loadable from Keras configs. With
 * `configKeys` (every key Keras writes for the class, besides COMMON_CONFIG_KEYS), a config with
 * any other key is refused naming it, rather than loaded as a different layer.
 */
export function registerLayer(className: string, factory: LayerFactory, configKeys?: readonly string[]): void {
  REGISTRY.set(className, factory);
  if (configKeys) CONFIG_KEYS.set(className, configKeys);
  else CONFIG_KEYS.delete(className);
}

function checkConfigKeys(className: string, config: Record<string, unknown>): void {
  const known = CONFIG_KEYS.get(className);
  if (!known) return;
  for (const key of Object.keys(config))
    if (!known.includes(key) && !COMMON_CONFIG_KEYS.includes(key))
      throw new Error(
        `unknown config key '${key}' (did you mean '${nearestName(key, [...known, ...COMMON_CONFIG_KEYS])}'?); ` +
          `a ${className} config here may hold: ${[...COMMON_CONFIG_KEYS, ...known].join(', ')}.`,
      );
}

/**
 * The regularizer and constraint options of the given weights from a Keras config
 * (`kernel_regularizer` -> `kernelRegularizer`...), in Keras 2 or Keras 3 form.
 */
export function penaltyArgs(c: Record<string, unknown>, weights: readonly string[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const camel = (s: string): string => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  for (const w of weights) {
    for (const kind of ['regularizer', 'constraint']) {
      const v = c[`${w}_${kind}`];
      if (v !== undefined && v !== null) args[camel(`${w}_${kind}`)] = v;
    }
  }
  return args;
}

export function registeredLayers(): string[] {
  return [...REGISTRY.keys()];
}

/** A class the caller supplies for one load (Keras's `custom_objects`): built as `new cls(config)`. */
export type CustomObjects = Readonly<Record<string, LayerFactory | (new (args: never) => Layer)>>;

/** Keras layers that hold Python code, which deepscript never runs. */
const CODE_LAYERS: Record<string, string> = {
  Lambda: 'a Lambda layer holds Python code (marshalled bytecode or a function name)',
  TFOpLambda: 'a TFOpLambda layer calls a TensorFlow function by name',
  SlicingOpLambda: 'a SlicingOpLambda layer calls a TensorFlow slicing function',
};

/**
 * Keras 3's `register_keras_serializable`: makes a custom layer class loadable from configs by
 * its class name (and by `package>Name`, the registered name Keras 3 writes). The class is built
 * as `new cls({ ...config, name, trainable, dtype })`, or by `fromConfig` if it has a static one.
 */
export function registerSerializable(
  cls: (new (args: never) => Layer) & { fromConfig?: (config: Record<string, unknown>) => Layer },
  options: { package?: string; name?: string } = {},
): void {
  const name = options.name ?? cls.name;
  const factory = classFactory(cls);
  registerLayer(name, factory);
  registerLayer(`${options.package ?? 'Custom'}>${name}`, factory);
}

function classFactory(
  cls: (new (args: never) => Layer) & { fromConfig?: (config: Record<string, unknown>) => Layer },
): LayerFactory {
  return (config, common) => {
    if (typeof cls.fromConfig === 'function') return cls.fromConfig(config);
    const {
      name: _n,
      trainable: _t,
      dtype: _d,
      batch_input_shape: _b,
      batch_shape: _s,
      activity_regularizer: _a,
      ...rest
    } = config;
    return new cls({ ...rest, ...common } as never);
  };
}

function own<T>(table: Map<string, T> | Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  if (!table) return undefined;
  if (table instanceof Map) return table.get(key);
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The custom objects of the load under way, so nested entries (wrappers, nested models) see them too. */
let activeCustomObjects: CustomObjects | undefined;

/** Runs a load with `customObjects` in force for every layer entry it reads. */
export function withCustomObjects<T>(customObjects: CustomObjects | undefined, fn: () => T): T {
  const previous = activeCustomObjects;
  activeCustomObjects = customObjects;
  try {
    return fn();
  } finally {
    activeCustomObjects = previous;
  }
}

/** The arguments of a saved keras.ops operation: Keras writes only its name. */
function opArgs(entry: LayerEntry): LayerArgs {
  const config = entry.config ?? {};
  for (const key of Object.keys(config))
    if (key !== 'name')
      throw new Error(
        `Cannot load operation '${String(config['name'])}' (${entry.class_name} from ${entry.module}): config key '${key}' is not supported; an operation's config holds only 'name'.`,
      );
  return typeof config['name'] === 'string' ? { name: config['name'] } : {};
}

/** Builds a layer from a Keras 2 or Keras 3 `{class_name, config}` entry. */
export function deserializeLayer(
  entry: LayerEntry,
  customObjects: CustomObjects | undefined = activeCustomObjects,
): Layer {
  if (!entry || typeof entry !== 'object' || typeof entry.class_name !== 'string') {
    throw new Error(`Invalid layer entry in model config: ${JSON.stringify(entry)?.slice(0, 200)}.`);
  }
  const layerName = typeof entry.config?.['name'] === 'string' ? `'${entry.config['name']}' ` : '';
  const codeReason = Object.hasOwn(CODE_LAYERS, entry.class_name) ? CODE_LAYERS[entry.class_name] : undefined;
  if (codeReason)
    throw new Error(
      `Cannot load layer ${layerName}(${entry.class_name}): ${codeReason}, and deepscript never runs code from a file. ` +
        `Replace it with a built-in or registered layer before saving.`,
    );
  if (typeof entry.module === 'string' && /(^|\.)ops(\.|$)/.test(entry.module)) {
    const op = /(^|\.)ops\.numpy$/.test(entry.module) ? numpyOpLayer(entry.class_name, opArgs(entry)) : null;
    if (op) return op;
    throw new Error(
      `Cannot load ${layerName}(${entry.class_name} from ${entry.module}): Keras operations on tensors (keras.ops, x + y) ` +
        `inside a Functional model are not supported yet, except ${KERAS_NUMPY_OPS.map((o) => `ops.numpy ${o}`).join(', ')}; use the matching layer (e.g. layers.Add).`,
    );
  }
  if (entry.module === undefined) refuseKeras2HardSigmoid(entry.config, `${layerName}(${entry.class_name})`, 'load');
  const registered = typeof entry.registered_name === 'string' ? entry.registered_name : undefined;
  const custom = own(customObjects, entry.class_name) ?? (registered ? own(customObjects, registered) : undefined);
  const customFactory =
    custom && custom.prototype instanceof Layer ? classFactory(custom as never) : (custom as LayerFactory | undefined);
  const factory =
    customFactory ??
    (registered && registered.includes('>') ? REGISTRY.get(registered) : undefined) ??
    REGISTRY.get(entry.class_name);
  if (!factory) {
    throw new Error(
      `Unknown layer class '${entry.class_name}' in model config. deepscript can load: ${registeredLayers().join(', ')}.`,
    );
  }
  const config = entry.config ?? {};
  try {
    if (!customFactory) checkConfigKeys(entry.class_name, config);
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
  if (c['activity_regularizer'] !== undefined && c['activity_regularizer'] !== null)
    args.activityRegularizer = c['activity_regularizer'] as RegularizerIdentifier;
  return args;
}

/** The class names a dtype policy entry carries: Keras 3 (`DTypePolicy`, `FloatDTypePolicy` in 3.0-3.5) and Keras 2 (`Policy`). */
const POLICY_CLASSES = ['DTypePolicy', 'FloatDTypePolicy', 'Policy'];

/**
 * A layer config's `dtype`: a name (`'float32'`, `'mixed_bfloat16'`), a Keras 3 `DTypePolicy` or a
 * Keras 2 `Policy` entry naming one. Returns the policy name, which the layer parses and checks.
 */
export function parseDType(d: unknown): string | undefined {
  if (d === undefined || d === null) return undefined;
  let name: unknown = d;
  if (typeof d === 'object') {
    const obj = d as { class_name?: unknown; config?: { name?: unknown } };
    if (typeof obj.class_name === 'string' && !POLICY_CLASSES.includes(obj.class_name))
      throw new Error(
        `dtype entry of class '${obj.class_name}' is not a dtype policy; expected ${POLICY_CLASSES.join(', ')}.`,
      );
    name = obj.config?.name;
    if (typeof name !== 'string') throw new Error(`unreadable dtype ${JSON.stringify(d)}.`);
  }
  if (typeof name !== 'string') throw new Error(`unreadable dtype ${JSON.stringify(d)}.`);
  // Refused names get the policy's own message (the valid names) when the layer is built.
  new DTypePolicy(name);
  return name;
}

function inputDType(name: string): DType {
  const compute = new DTypePolicy(name).variableDtype;
  if (!(DTYPES as readonly string[]).includes(compute) && compute !== 'bfloat16')
    throw new Error(`dtype '${name}' is not an input dtype; expected one of ${DTYPES.join(', ')}.`);
  return compute as DType;
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

/** Keras 3's LoRA and quantization keys: accepted when they say "none", refused otherwise. */
export const LORA_KEYS = ['lora_rank', 'lora_alpha', 'quantization_config'];
export function refuseLora(c: Record<string, unknown>): void {
  requireNull(c, ['lora_rank', 'quantization_config']);
}

registerLayer(
  'Dense',
  (c, common) => {
    refuseLora(c);
    return new Dense(c['units'] as number, {
      ...common,
      ...penaltyArgs(c, ['kernel', 'bias']),
      activation: activationName(c['activation']) as never,
      useBias: (c['use_bias'] as boolean | undefined) ?? true,
      ...(c['kernel_initializer'] ? { kernelInitializer: c['kernel_initializer'] as InitializerIdentifier } : {}),
      ...(c['bias_initializer'] ? { biasInitializer: c['bias_initializer'] as InitializerIdentifier } : {}),
    });
  },
  [
    'units',
    'activation',
    'use_bias',
    'kernel_initializer',
    'bias_initializer',
    'kernel_regularizer',
    'bias_regularizer',
    'kernel_constraint',
    'bias_constraint',
    ...LORA_KEYS,
  ],
);

registerLayer('Activation', (c, common) => new Activation(activationName(c['activation']) as never, common), [
  'activation',
]);

// Keras 3 writes Dropout's `seed` (null unless given): the mask comes from deepscript's own
// seeded generator (setRandomSeed), so it is accepted as having no effect on what is computed.
registerLayer(
  'Dropout',
  (c, common) =>
    new Dropout(c['rate'] as number, { ...common, noiseShape: (c['noise_shape'] as (number | null)[] | null) ?? null }),
  ['rate', 'noise_shape', 'seed'],
);

registerLayer(
  'Flatten',
  (c, common) => {
    const format = c['data_format'];
    if (format !== undefined && format !== null && format !== 'channels_last')
      throw new Error(`data_format '${String(format)}' is not supported.`);
    return new Flatten(common);
  },
  ['data_format'],
);

registerLayer(
  'InputLayer',
  (c, common) => {
    if (c['sparse'] === true || c['ragged'] === true) throw new Error('sparse and ragged inputs are not supported.');
    const batchShape =
      common.batchInputShape ??
      (common.inputShape ? [typeof c['batch_size'] === 'number' ? c['batch_size'] : null, ...common.inputShape] : null);
    if (!batchShape) throw new Error('InputLayer config has no batch_input_shape / batch_shape.');
    if (c['optional'] === true) throw new Error('optional inputs are not supported.');
    // An Input's dtype is a tensor dtype: a mixed policy there means its float32 variable dtype.
    const dtype = common.dtype === undefined ? undefined : inputDType(common.dtype as string);
    return new InputLayer({ batchShape, name: common.name, dtype });
  },
  ['batch_size', 'sparse', 'ragged', 'optional'],
);

registerLayer(
  'ReLU',
  (c, common) =>
    new ReLU({
      ...common,
      maxValue: (c['max_value'] as number | null | undefined) ?? null,
      negativeSlope: (c['negative_slope'] as number | undefined) ?? 0,
      threshold: (c['threshold'] as number | undefined) ?? 0,
    }),
  ['max_value', 'negative_slope', 'threshold'],
);

/**
 * Keras 2's 'hard_sigmoid' is 0.2x + 0.5 clipped to [0, 1]; Keras 3's (deepscript's) is relu6(x + 3) / 6.
 * A Keras 2 config (no `module` keys) naming it is refused rather than run with the other formula,
 * and so is writing it into a Keras 2 config, where tf.keras would read the other formula.
 */
export function refuseKeras2HardSigmoid(config: unknown, layer: string, what: 'load' | 'save'): void {
  if (!config || typeof config !== 'object') return;
  for (const [k, v] of Object.entries(config))
    if (k.endsWith('activation') && v === 'hard_sigmoid')
      throw new Error(
        `Cannot ${what} layer ${layer} with ${k} 'hard_sigmoid' in Keras 2's format: Keras 2's hard_sigmoid is ` +
          `clip(0.2x + 0.5, 0, 1), Keras 3's (deepscript's) is relu6(x + 3) / 6. Use the Keras 3 format (.keras), ` +
          `or 'sigmoid'.`,
      );
}
