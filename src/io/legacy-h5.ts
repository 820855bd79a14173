import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Layer } from '../layers/layer.js';
import type { CustomObjects } from '../layers/serialization.js';
import { withCustomObjects } from '../layers/serialization.js';
import type { Model } from '../models/model.js';
import type { Group } from './h5-file.js';
import {
  createH5,
  getDataset,
  getGroup,
  h5Ready,
  openH5,
  readStringAttr,
  readStringList,
  readTensor,
  withFile,
  writeInt64Scalar,
  writeStringList,
  writeTensor,
} from './h5-file.js';
import {
  BACKEND,
  KERAS2_VERSION,
  compileFromConfig,
  keras2ModelConfig,
  keras2TrainingConfig,
  modelFromConfig,
  requireSaveable,
} from './model-config.js';
import { optimizerWeights, restoreOptimizerWeights } from './optimizer-state.js';

/*
 * Keras's legacy HDF5 layout (tf.keras `hdf5_format.py`, Keras 3 `legacy_h5_format.py`):
 *   /  attrs keras_version, backend, model_config (JSON), training_config (JSON)
 *   /model_weights  attrs layer_names, backend, keras_version
 *   /model_weights/<layer>  attr weight_names; datasets at those names, e.g. dense/kernel:0
 *   /model_weights/top_level_model_weights  attr weight_names (empty)
 *   /optimizer_weights  attr weight_names; datasets Adam/iter:0, Adam/dense/kernel/m:0, ...
 * A weights-only file is the model_weights part at the root.
 */

/** Keras's `_legacy_weights`: trainable first, then non-trainable. */
function legacyWeights(layer: Layer): Variable[] {
  return [...layer.trainableWeights, ...layer.nonTrainableWeights];
}

function saveWeightsToGroup(g: Group, model: Model): void {
  writeStringList(
    g,
    'layer_names',
    model.layers.map((l) => l.name),
  );
  g.create_attribute('backend', BACKEND);
  g.create_attribute('keras_version', KERAS2_VERSION);
  // Keras creates groups in name order so no name is a prefix problem for HDF5.
  for (const layer of [...model.layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const lg = g.create_group(layer.name);
    const ws = legacyWeights(layer);
    writeStringList(
      lg,
      'weight_names',
      ws.map((w) => w.name),
    );
    for (const w of ws) writeTensor(lg, w.name, w);
  }
  writeStringList(g.create_group('top_level_model_weights'), 'weight_names', []);
}

function loadWeightsFromGroup(g: Group, model: Model, path: string): void {
  const layerNames = readStringList(g, 'layer_names');
  if (!layerNames) throw new Error(`'${path}' has no 'layer_names' attribute: not a Keras HDF5 weights file.`);
  const layers = model.layers.filter((l) => legacyWeights(l).length > 0);
  const saved = layerNames.filter((n) => {
    const lg = getGroup(g, n);
    if (!lg) throw new Error(`'${path}': layer group '${n}' listed in layer_names is missing.`);
    return (readStringList(lg, 'weight_names') ?? []).length > 0;
  });
  if (saved.length !== layers.length) {
    throw new Error(
      `'${path}' has weights for ${saved.length} layers (${saved.join(', ')}), the model has ${layers.length} layers with weights (${layers.map((l) => l.name).join(', ')}).`,
    );
  }
  // Read and check everything first, so a bad file leaves the model untouched.
  const assignments: [Variable, Tensor][] = [];
  saved.forEach((name, k) => {
    const layer = layers[k]!;
    const lg = getGroup(g, name)!;
    const names = readStringList(lg, 'weight_names')!;
    const vars = legacyWeights(layer);
    if (names.length !== vars.length) {
      throw new Error(
        `'${path}': layer #${k} ('${layer.name}' in the model, '${name}' in the file) expects ${vars.length} weights, the file has ${names.length}.`,
      );
    }
    names.forEach((wn, i) => {
      const ds = getDataset(lg, wn);
      if (!ds) throw new Error(`'${path}': weight '${wn}' of layer '${name}' is missing.`);
      const v = vars[i]!;
      const shape = ds.shape ?? [];
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(
          `'${path}': weight '${wn}' of layer '${name}' has shape [${shape.join(', ')}], layer '${layer.name}' expects [${v.shape.join(', ')}].`,
        );
      }
      assignments.push([v, readTensor(ds, v.dtype, `'${path}': ${name}/${wn}`)]);
    });
  });
  for (const [v, t] of assignments) v.assign(t);
}

/** Writes the whole model (config, weights, training config and optimizer state) to `tmpPath`. */
export async function writeModelH5(model: Model, tmpPath: string, includeOptimizer = true): Promise<void> {
  const seq = requireSaveable(model, 'save');
  await h5Ready();
  withFile(createH5(tmpPath), (f) => {
    f.create_attribute('keras_version', KERAS2_VERSION);
    f.create_attribute('backend', BACKEND);
    f.create_attribute('model_config', JSON.stringify(keras2ModelConfig(seq)));
    const tc = keras2TrainingConfig(seq);
    if (tc) f.create_attribute('training_config', JSON.stringify(tc));
    saveWeightsToGroup(f.create_group('model_weights'), seq);
    // Keras saves optimizer state only once it exists (after the first step).
    if (includeOptimizer && seq.optimizer && seq.optimizer.iterations > 0) {
      const og = f.create_group('optimizer_weights');
      const ws = optimizerWeights(seq.optimizer, seq.trainableWeights, 'keras2');
      writeStringList(
        og,
        'weight_names',
        ws.map((w) => w.name),
      );
      for (const w of ws) {
        if (typeof w.value === 'bigint') writeInt64Scalar(og, w.name, Number(w.value));
        else writeTensor(og, w.name, w.value);
      }
    }
    f.flush();
  });
}

export async function writeWeightsH5(model: Model, tmpPath: string): Promise<void> {
  const seq = model;
  await h5Ready();
  withFile(createH5(tmpPath), (f) => {
    saveWeightsToGroup(f, seq);
    f.flush();
  });
}

export interface LoadOptions {
  /** Compile from the saved training config (and restore optimizer state). Default true. */
  compile?: boolean;
  /** Classes (or factories) for custom layers in the file, by Keras class name or registered name. */
  customObjects?: CustomObjects;
}

export async function readModelH5(path: string, options: LoadOptions = {}): Promise<Model> {
  const f = await openH5(path);
  return withFile(f, (f) => {
    const configText = readStringAttr(f, 'model_config');
    if (configText === null)
      throw new Error(`No model config found in '${path}' (a weights-only file? use loadWeights).`);
    const model = withCustomObjects(options.customObjects, () =>
      modelFromConfig(parseJson(configText, path, 'model_config')),
    );
    const mw = getGroup(f, 'model_weights');
    if (!mw) throw new Error(`'${path}' has no 'model_weights' group.`);
    loadWeightsFromGroup(mw, model, path);
    const tcText = readStringAttr(f, 'training_config');
    if (options.compile === false || tcText === null) return model;
    compileFromConfig(model, parseJson(tcText, path, 'training_config') as Record<string, unknown>, 'optimizer_config');
    const og = getGroup(f, 'optimizer_weights');
    if (og) {
      const names = readStringList(og, 'weight_names') ?? [];
      const values = names.map((n) => {
        const ds = getDataset(og, n);
        if (!ds) throw new Error(`'${path}': optimizer weight '${n}' is missing.`);
        return readTensor(ds, 'float64', `'${path}': optimizer weight ${n}`);
      });
      // Keras 3's legacy writer names them `adam/iteration`, `adam/learning_rate`, ...
      const layout = names.length > 1 && names[1]!.endsWith('learning_rate') ? 'keras3' : 'keras2';
      restoreOptimizerWeights(model.optimizer!, model.trainableWeights, layout, values);
    }
    return model;
  });
}

export async function readWeightsH5(model: Model, path: string): Promise<void> {
  const seq = model;
  const f = await openH5(path);
  withFile(f, (f) => {
    // A full-model file holds the weights under model_weights.
    const g = readStringList(f, 'layer_names') ? f : getGroup(f, 'model_weights');
    if (!g) throw new Error(`'${path}' holds no Keras weights (no layer_names attribute and no model_weights group).`);
    loadWeightsFromGroup(g, seq, path);
  });
}

export function parseJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`'${path}': attribute ${what} is not valid JSON: ${(e as Error).message}`);
  }
}
