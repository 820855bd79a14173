import { nestingProblem } from '../utils/nesting.js';
import { DamagedFileError } from './damaged.js';
import type { Layer, SymbolicShape } from '../layers/layer.js';
import type { LayerEntry } from '../layers/serialization.js';
import { deserializeLayer } from '../layers/serialization.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { toSnakeCase } from '../utils/naming.js';
import { deserializeOptimizer, serializeOptimizer } from './optimizer-config.js';

/** The Keras versions whose layouts deepscript writes (see README of src/io). */
export const KERAS2_VERSION = '2.15.0';
export const KERAS3_VERSION = '3.6.0';
export const BACKEND = 'tensorflow';

export type ModelConfig = { class_name: string; config: Record<string, unknown>; [k: string]: unknown };

export function requireSequential(model: Model, what: string): Sequential {
  if (!(model instanceof Sequential))
    throw new Error(`${what}: only Sequential models can be saved so far, got ${model.constructor.name}.`);
  return model;
}

/** The full input shape the model was built for, if any. */
function builtInputShape(model: Sequential): SymbolicShape | null {
  const first = model.layers[0];
  return first?.inputShapeSeen ?? first?.batchInputShape ?? null;
}

/**
 * Keras 2 (tf.keras) Sequential config, as `model.get_config()` / `to_json()` give it. A model
 * started from `Input` gets an InputLayer entry, as tf.keras writes one.
 */
export function keras2ModelConfig(model: Model): ModelConfig {
  const seq = requireSequential(model, 'save');
  const layers: LayerEntry[] = seq.layers.map((l) => ({ class_name: l.className, config: l.getConfig() }));
  const shape = builtInputShape(seq);
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
  return { class_name: 'Sequential', config };
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

/** Keras 3 Sequential config (`config.json` of a `.keras` file), including `compile_config` when compiled. */
export function keras3ModelConfig(model: Model): ModelConfig {
  const seq = requireSequential(model, 'save');
  const shape = builtInputShape(seq);
  const layers: Record<string, unknown>[] = [];
  if (shape) {
    layers.push({
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [...shape], dtype: seq.layers[0]?.dtype ?? 'float32', sparse: false, name: 'input_layer' },
      registered_name: null,
    });
  }
  let current = shape;
  for (const l of seq.layers) {
    const { batch_input_shape: _drop, ...config } = l.getConfig();
    config['dtype'] = dtypePolicy(config['dtype'] ?? l.dtype);
    for (const [k, v] of Object.entries(config))
      if (k.endsWith('_initializer')) config[k] = keras3Object('keras.initializers', v);
    const entry: Record<string, unknown> = {
      module: 'keras.layers',
      class_name: l.className,
      config,
      registered_name: null,
    };
    if (current) {
      entry['build_config'] = { input_shape: [...current] };
      current = l.computeOutputShape(current);
    }
    layers.push(entry);
  }
  const config: Record<string, unknown> = { name: seq.name, trainable: true, dtype: dtypePolicy('float32'), layers };
  if (shape) config['build_input_shape'] = [...shape];
  const out: ModelConfig = { module: 'keras', class_name: 'Sequential', config, registered_name: null };
  if (shape) out['build_config'] = { input_shape: [...shape] };
  if (model.optimizer && model.loss) {
    out['compile_config'] = {
      optimizer: keras3Object('keras.optimizers', serializeOptimizer(model.optimizer)),
      loss: model.loss.name,
      loss_weights: null,
      metrics: model.metrics.map((m) => m.name),
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    };
  }
  return out;
}

/** Keras 2's `training_config` root attribute (optimizer under `optimizer_config`). */
export function keras2TrainingConfig(model: Model): Record<string, unknown> | null {
  if (!model.optimizer || !model.loss) return null;
  return {
    loss: model.loss.name,
    metrics: model.metrics.map((m) => m.name),
    weighted_metrics: null,
    loss_weights: null,
    optimizer_config: serializeOptimizer(model.optimizer),
  };
}

/** Builds a model from a Keras 2 or Keras 3 config (never runs code: only known classes are built). */
export function modelFromConfig(mc: unknown): Sequential {
  const tooDeep = nestingProblem(mc, 'The model config');
  if (tooDeep) throw new Error(tooDeep);
  const m = mc as ModelConfig | null;
  if (!m || typeof m !== 'object' || typeof m.class_name !== 'string')
    throw new Error('Model config must be an object with class_name and config.');
  if (m.class_name !== 'Sequential') {
    throw new Error(
      `Cannot load a '${m.class_name}' model: deepscript loads Sequential models (functional models are not supported yet).`,
    );
  }
  // Keras 2.0-2.2 wrote a Sequential's config as the bare list of layers.
  const cfg = (Array.isArray(m.config) ? { layers: m.config } : (m.config ?? {})) as Record<string, unknown>;
  const entries = cfg['layers'];
  if (!Array.isArray(entries)) throw new Error('Sequential config has no layers list.');
  const layers: Layer[] = entries.map((e) => deserializeLayer(e as LayerEntry));
  const name = typeof cfg['name'] === 'string' ? cfg['name'] : undefined;
  const model = new Sequential([], name ? { name } : {});
  for (const l of layers) {
    try {
      model.add(l);
    } catch (e) {
      throw layerError(e, l);
    }
  }
  const buildShape = (cfg['build_input_shape'] ??
    (m['build_config'] as { input_shape?: unknown } | undefined)?.input_shape) as SymbolicShape | undefined;
  if (!model.built && Array.isArray(buildShape) && model.layers.length > 0) model.build(buildShape);
  if (!layers.some((l) => l instanceof InputLayer) && model.layers.length === 0)
    throw new Error('Model config has no layers.');
  return model;
}

/** Says which layer failed to build (e.g. a weight too large to allocate), keeping the error's class. */
function layerError(e: unknown, l: Layer): unknown {
  const where = `layer '${l.name}' (${l.className})`;
  if (e instanceof DamagedFileError) return new DamagedFileError(e.file, `${where}: ${e.problem}`, { cause: e });
  if (e instanceof Error) e.message = `Cannot build ${where}: ${e.message}`;
  return e;
}

/** Compiles a loaded model from Keras 2's `training_config` or Keras 3's `compile_config`. */
export function compileFromConfig(
  model: Model,
  tc: Record<string, unknown>,
  optimizerKey: 'optimizer_config' | 'optimizer',
): void {
  const tooDeep = nestingProblem(tc, 'The training config');
  if (tooDeep) throw new Error(tooDeep);
  const loss = lossName(tc['loss']);
  const metrics = flatten(tc['metrics']).map(metricName);
  model.compile({ loss, optimizer: deserializeOptimizer(tc[optimizerKey]), metrics });
}

function lossName(l: unknown): string {
  if (typeof l === 'string') return l;
  if (l && typeof l === 'object' && 'class_name' in l) {
    const o = l as { class_name: string; config?: { name?: string } };
    return o.config?.name ?? toSnakeCase(o.class_name);
  }
  throw new Error(`Cannot compile from saved loss ${JSON.stringify(l)}: only named built-in losses load.`);
}

function metricName(m: unknown): string {
  if (typeof m === 'string') return m;
  const o = m as { config?: { name?: unknown } } | null;
  if (o && typeof o.config?.name === 'string') return o.config.name;
  throw new Error(`Cannot compile from saved metric ${JSON.stringify(m)}.`);
}

function flatten(x: unknown): unknown[] {
  if (x === null || x === undefined) return [];
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (typeof x === 'object' && !('class_name' in (x as object))) return Object.values(x as object).flatMap(flatten);
  return [x];
}

/** Keras's `model.to_json()` (Keras 2 schema, which Keras 3 also reads). */
export function toJSON(model: Model): string {
  return JSON.stringify({ ...keras2ModelConfig(model), keras_version: KERAS2_VERSION, backend: BACKEND });
}

/** Keras's `model_from_json`: accepts what Keras 2 or Keras 3 `to_json()` wrote. */
export function modelFromJSON(json: string): Sequential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`Model JSON is not valid JSON: ${(e as Error).message}`);
  }
  return modelFromConfig(parsed);
}
