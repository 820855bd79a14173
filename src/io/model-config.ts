import { nestingProblem } from '../utils/nesting.js';
import type { Layer, SymbolicShape } from '../layers/layer.js';
import { isShape } from '../layers/layer.js';
import type { LayerEntry } from '../layers/serialization.js';
import { deserializeLayer, refuseKeras2HardSigmoid, registerLayer } from '../layers/serialization.js';
import { InputLayer } from '../layers/input-layer.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { Loss } from '../losses/losses.js';
import { deserializeLoss } from '../losses/losses.js';
import { deserializeMetric, isBuiltinMetric, serializeMetric } from '../metrics/registry.js';
import { MeanMetricWrapper } from '../metrics/reduction.js';
import type { Metric } from '../metrics/metric.js';
import type { ResolvedMetric } from '../models/objectives.js';
import { functionalConfig, functionalFromConfig } from './functional-config.js';
import { deserializeOptimizer, serializeOptimizer } from './optimizer-config.js';

/** The Keras versions whose layouts deepscript writes (see README of src/io). */
export const KERAS2_VERSION = '2.15.0';
export const KERAS3_VERSION = '3.6.0';
export const BACKEND = 'tensorflow';

export type ModelConfig = { class_name: string; config: Record<string, unknown>; [k: string]: unknown };

/** A whole model can be written only as a graph: a subclassed model's call() is code. */
export function requireSaveable(model: Model, what: string): Model {
  if (!(model instanceof Model))
    throw new Error(`${what}: expected a model, got ${(model as object)?.constructor?.name ?? String(model)}.`);
  if (!model.isGraphNetwork)
    throw new Error(
      `${what}: model '${model.name}' (${model.className}) is ${model instanceof Sequential ? 'not built yet (give it an input shape or call build())' : 'subclassed: its call() is code, which a model file cannot hold'}; ` +
        `save its weights with saveWeights() instead, or build it as a Functional or Sequential model.`,
    );
  return model;
}

const dtypePolicy = (name: unknown): Record<string, unknown> => ({
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name },
  registered_name: null,
});

/** Keras 3 adds `module` and `registered_name` to every nested object it serialises. */
function keras3Object(module: string, o: unknown): unknown {
  if (o && typeof o === 'object' && !Array.isArray(o) && 'class_name' in o)
    return { module, ...(o as object), registered_name: null };
  return o;
}

// ---- Keras 2 ------------------------------------------------------------------------------

/** A layer's `{class_name, config}` in Keras 2's form; nested models carry their own model config. */
function keras2LayerEntry(layer: Layer): Record<string, unknown> {
  if (layer instanceof Model) return keras2ModelConfig(layer);
  // A layer whose Keras 2 config differs from its Keras 3 one (LeakyReLU's alpha) says so.
  const keras2 = (layer as { keras2Config?: () => Record<string, unknown> }).keras2Config;
  const config = typeof keras2 === 'function' ? keras2.call(layer) : layer.getConfig();
  refuseKeras2HardSigmoid(config, `'${layer.name}' (${layer.className})`, 'save');
  // tf.keras writes a policy that is just a dtype as its name, a mixed one as a Policy object.
  const policy = layer.dtypePolicy;
  if (policy.computeDtype !== policy.variableDtype)
    config['dtype'] = { class_name: 'Policy', config: { name: policy.name } };
  return { class_name: layer.className, config };
}

/** Keras 2 Sequential config; a model started from Input gets an InputLayer entry, as tf.keras writes one. */
function keras2SequentialConfig(seq: Sequential): Record<string, unknown> {
  const layers: Record<string, unknown>[] = seq.layers.map(keras2LayerEntry);
  const shape = seq.inputShape;
  const first = seq.layers[0];
  if (shape && first && !first.batchInputShape) {
    layers.unshift({
      class_name: 'InputLayer',
      config: {
        batch_input_shape: [...shape],
        dtype: first.dtype,
        sparse: false,
        ragged: false,
        name: `${first.name}_input`,
      },
    });
  }
  const config: Record<string, unknown> = { name: seq.name, layers };
  if (shape) config['build_input_shape'] = [...shape];
  return config;
}

/** Keras 2 (tf.keras) model config, as `model.get_config()` / `to_json()` give it. */
export function keras2ModelConfig(model: Model): ModelConfig {
  if (model instanceof Sequential) return { class_name: 'Sequential', config: keras2SequentialConfig(model) };
  requireSaveable(model, 'save');
  return {
    class_name: 'Functional',
    config: functionalConfig(model, 'keras2', (l) => keras2LayerEntry(l)),
  };
}

// ---- Keras 3 ------------------------------------------------------------------------------

/** One layer entry in Keras 3's form: module, class name, config with a dtype policy, build config. */
function keras3LayerEntry(layer: Layer, inputShape: unknown): Record<string, unknown> {
  if (layer instanceof Model) {
    const { compile_config: _c, ...rest } = keras3ModelConfig(layer);
    return rest;
  }
  if (layer instanceof InputLayer)
    return {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [...layer.batchInputShape!], dtype: layer.dtype, sparse: false, name: layer.name },
      registered_name: null,
    };
  const { batch_input_shape: _drop, ...config } = layer.getConfig();
  config['dtype'] = dtypePolicy(config['dtype'] ?? layer.dtype);
  for (const [k, v] of Object.entries(config)) {
    if (k.endsWith('_initializer')) config[k] = keras3Object('keras.initializers', v);
    if (k.endsWith('_regularizer')) config[k] = keras3Object('keras.regularizers', v);
    if (k.endsWith('_constraint')) config[k] = keras3Object('keras.constraints', v);
  }
  const entry: Record<string, unknown> = {
    module: 'keras.layers',
    class_name: layer.className,
    config,
    registered_name: null,
  };
  if (inputShape) entry['build_config'] = { input_shape: inputShape };
  return entry;
}

function keras3SequentialConfig(seq: Sequential): Record<string, unknown> {
  const shape = seq.inputShape;
  const layers: Record<string, unknown>[] = [];
  if (shape) {
    layers.push({
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [...shape], dtype: seq.layers[0]?.dtype ?? 'float32', sparse: false, name: 'input_layer' },
      registered_name: null,
    });
  }
  const graph = seq.isGraphNetwork ? seq.requireGraph() : null;
  for (const l of seq.layers) {
    const node = graph?.nodesOf(l)[0];
    const input = node ? (node.inputs[0]?.shape ?? null) : null;
    layers.push(keras3LayerEntry(l, input ? [...input] : null));
  }
  const config: Record<string, unknown> = {
    name: seq.name,
    trainable: seq.trainable,
    dtype: dtypePolicy(seq.dtypePolicy.name),
    layers,
  };
  if (shape) config['build_input_shape'] = [...shape];
  return config;
}

/** Keras 3 model config (`config.json` of a `.keras` file), including `compile_config` when compiled. */
export function keras3ModelConfig(model: Model): ModelConfig {
  let out: ModelConfig;
  if (model instanceof Sequential) {
    const shape = model.inputShape;
    out = { module: 'keras', class_name: 'Sequential', config: keras3SequentialConfig(model), registered_name: null };
    if (shape) out['build_config'] = { input_shape: [...shape] };
  } else {
    requireSaveable(model, 'save');
    out = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: functionalConfig(model, 'keras3', keras3LayerEntry),
      registered_name: 'Functional',
      build_config: { input_shape: null },
    };
  }
  const cc = compileConfig(model);
  if (cc) {
    out['compile_config'] = {
      optimizer: keras3Object('keras.optimizers', serializeOptimizer(model.optimizer!)),
      ...cc,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    };
  }
  return out;
}

/** Loss, loss weights and metrics as Keras saves them: plain for one output, records by output name for several. */
function compileConfig(model: Model): Record<string, unknown> | null {
  const objectives = model.compiledObjectives;
  if (!model.optimizer || !objectives) return null;
  const outs = objectives.outputs;
  const anyWeighted = outs.some((o) => o.weightedMetrics.length > 0);
  if (outs.length === 1)
    return {
      loss: outs[0]!.loss?.saved ?? null,
      loss_weights: null,
      metrics: outs[0]!.metrics.map(savedMetric),
      weighted_metrics: anyWeighted ? outs[0]!.weightedMetrics.map(savedMetric) : null,
    };
  const byName = <T>(f: (o: (typeof outs)[number]) => T): Record<string, T> =>
    Object.fromEntries(outs.map((o) => [o.name, f(o)]));
  return {
    loss: byName((o) => o.loss?.saved ?? null),
    loss_weights: byName((o) => o.weight),
    metrics: byName((o) => o.metrics.map(savedMetric)),
    weighted_metrics: anyWeighted ? byName((o) => o.weightedMetrics.map(savedMetric)) : null,
  };
}

/** A metric as Keras saves it: a name given as a string as that string; a built-in metric object as its class and config. */
function savedMetric(m: ResolvedMetric): unknown {
  if (
    typeof m.spec === 'string' ||
    !m.metric ||
    !isBuiltinMetric(m.metric) ||
    m.metric.constructor === MeanMetricWrapper
  )
    return m.name;
  return serializeMetric(m.metric);
}

/** Keras 2's `training_config` root attribute (optimizer under `optimizer_config`). */
export function keras2TrainingConfig(model: Model): Record<string, unknown> | null {
  const cc = compileConfig(model);
  if (!cc) return null;
  return { ...cc, optimizer_config: serializeOptimizer(model.optimizer!) };
}

// ---- reading ------------------------------------------------------------------------------

function sequentialFromConfig(cfg: Record<string, unknown>, m: ModelConfig | null): Sequential {
  const entries = cfg['layers'];
  if (!Array.isArray(entries)) throw new Error('Sequential config has no layers list.');
  const layers: Layer[] = entries.map((e) => deserializeLayer(e as LayerEntry));
  const name = typeof cfg['name'] === 'string' ? cfg['name'] : undefined;
  const model = new Sequential([], name ? { name } : {});
  for (const l of layers) model.add(l);
  const buildShape = (cfg['build_input_shape'] ??
    (m?.['build_config'] as { input_shape?: unknown } | undefined)?.input_shape) as SymbolicShape | undefined;
  if (!model.built && isShape(buildShape) && model.layers.length > 0) model.build(buildShape);
  if (!layers.some((l) => l instanceof InputLayer) && model.layers.length === 0)
    throw new Error('Model config has no layers.');
  if (cfg['trainable'] === false) model.trainable = false;
  return model;
}

/** Builds a model from a Keras 2 or Keras 3 config (never runs code: only known classes are built). */
export function modelFromConfig(mc: unknown): Model {
  const tooDeep = nestingProblem(mc, 'The model config');
  if (tooDeep) throw new Error(tooDeep);
  const m = mc as ModelConfig | null;
  if (!m || typeof m !== 'object' || typeof m.class_name !== 'string')
    throw new Error('Model config must be an object with class_name and config.');
  if (m.class_name === 'Sequential') {
    // Keras 2.0-2.2 wrote a Sequential's config as the bare list of layers.
    const cfg = (Array.isArray(m.config) ? { layers: m.config } : (m.config ?? {})) as Record<string, unknown>;
    return sequentialFromConfig(cfg, m);
  }
  if (m.class_name === 'Functional' || m.class_name === 'Model')
    return functionalFromConfig((m.config ?? {}) as Record<string, unknown>, `${m.class_name} model config`);
  throw new Error(
    `Cannot load a '${m.class_name}' model: it is not Sequential or Functional (a subclassed model's call() is code, ` +
      `which deepscript never takes from a file). Rebuild it in code and use loadWeights().`,
  );
}

// Nested models are layers in their parent's config.
registerLayer('Sequential', (c) => sequentialFromConfig(c, null));
registerLayer('Functional', (c) => functionalFromConfig(c, 'nested Functional model config'));
registerLayer('Model', (c) => functionalFromConfig(c, 'nested Model config'));

/** Compiles a loaded model from Keras 2's `training_config` or Keras 3's `compile_config`. */
export function compileFromConfig(
  model: Model,
  tc: Record<string, unknown>,
  optimizerKey: 'optimizer_config' | 'optimizer',
): void {
  const tooDeep = nestingProblem(tc, 'The training config');
  if (tooDeep) throw new Error(tooDeep);
  const loss = mapLoss(tc['loss']);
  const lw = tc['loss_weights'];
  const metrics = mapMetrics(tc['metrics']);
  const weightedMetrics = mapMetrics(tc['weighted_metrics']);
  model.compile({
    loss: loss as never,
    optimizer: deserializeOptimizer(tc[optimizerKey]),
    ...(metrics ? { metrics: metrics as never } : {}),
    ...(weightedMetrics ? { weightedMetrics: weightedMetrics as never } : {}),
    ...(lw && typeof lw === 'object' ? { lossWeights: lw as never } : {}),
  });
}

function mapLoss(l: unknown): unknown {
  if (Array.isArray(l)) return l.map((x) => (x === null ? null : lossName(x)));
  if (l && typeof l === 'object' && !('class_name' in l))
    return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v === null ? null : lossName(v)]));
  return lossName(l);
}

function mapMetrics(m: unknown): unknown {
  if (m === null || m === undefined) return undefined;
  if (Array.isArray(m)) return m.map((x) => (Array.isArray(x) ? x.map(metricName) : x === null ? null : metricName(x)));
  if (typeof m === 'object' && !('class_name' in m))
    return Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k, Array.isArray(v) ? v.map(metricName) : [metricName(v)]]),
    );
  return [metricName(m)];
}

/** Keras 3 writes a loss or metric given as a function as {class_name: 'function', config: '<name>'}. */
function functionName(o: unknown): string | null {
  const f = o as { class_name?: unknown; config?: unknown } | null;
  return f && f.class_name === 'function' && typeof f.config === 'string' ? f.config : null;
}

/** A saved loss: a name, Keras 3's function entry, or a Loss class's {class_name, config} (options kept). */
function lossName(l: unknown): string | Loss {
  if (typeof l === 'string') return l;
  const fn = functionName(l);
  if (fn) return fn;
  if (l && typeof l === 'object' && 'class_name' in l) return deserializeLoss(l);
  throw new Error(`Cannot compile from saved loss ${JSON.stringify(l)}: only named built-in losses load.`);
}

function metricName(m: unknown): string | Metric {
  if (typeof m === 'string') return m;
  const fn = functionName(m);
  if (fn) return fn;
  // A built-in metric object saved with its options (Keras's { class_name, config }) comes back whole.
  const saved = m as { class_name?: unknown; config?: unknown } | null;
  if (saved && typeof saved.class_name === 'string' && saved.config && typeof saved.config === 'object') {
    const metric = deserializeMetric({ class_name: saved.class_name, config: saved.config as Record<string, unknown> });
    if (metric) return metric;
  }
  const o = m as { config?: { name?: unknown } } | null;
  if (o && typeof o.config?.name === 'string') return o.config.name;
  throw new Error(`Cannot compile from saved metric ${JSON.stringify(m)}.`);
}

/** Keras's `model.to_json()` (Keras 2 schema, which Keras 3 also reads). */
export function toJSON(model: Model): string {
  return JSON.stringify({ ...keras2ModelConfig(model), keras_version: KERAS2_VERSION, backend: BACKEND });
}

/** Keras's `model_from_json`: accepts what Keras 2 or Keras 3 `to_json()` wrote. */
export function modelFromJSON(json: string): Model {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`Model JSON is not valid JSON: ${(e as Error).message}`);
  }
  return modelFromConfig(parsed);
}
