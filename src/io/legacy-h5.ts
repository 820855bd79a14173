import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { Layer } from '../layers/layer.js';
import { withCustomObjects } from '../layers/serialization.js';
import type { Model } from '../models/model.js';
import { DamagedFileError, appendChecksum } from './damaged.js';
import type { Dataset, Group, H5File } from './h5-file.js';
import {
  createH5,
  datasetShape,
  getDataset,
  getGroup,
  h5Ready,
  readStringAttr,
  requireGroup,
  readStringList,
  readTensor,
  withFile,
  withH5Read,
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
import type { LoadBudget, LoadOptions } from './load-budget.js';
import { buildWithinFile, loadBudget, parseJson, sizeOfShape } from './load-budget.js';

export type { LoadBudget, LoadOptions } from './load-budget.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_CONFIG_BYTES, buildWithinFile, loadBudget, parseJson } from './load-budget.js';

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
    const lg = requireGroup(g, layer.name); // a name with '/' nests groups, as h5py does
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

/** One layer's weights as the file lists them, with shapes read (nothing allocated yet). */
interface SavedLayer {
  name: string;
  weights: { name: string; ds: Dataset; shape: number[] }[];
}

/** Reads layer_names, each layer's weight_names and every weight's shape, checking the budget. */
function readLegacyLayout(g: Group, path: string, budget: LoadBudget): SavedLayer[] {
  const layerNames = readStringList(g, 'layer_names');
  if (!layerNames) throw new DamagedFileError(path, "no 'layer_names' attribute: not a Keras HDF5 weights file.");
  let total = 0;
  const out: SavedLayer[] = [];
  for (const n of layerNames) {
    const lg = getGroup(g, n);
    if (!lg) throw new DamagedFileError(path, `layer group '${n}' listed in layer_names is missing.`);
    const names = readStringList(lg, 'weight_names') ?? [];
    const weights = names.map((wn) => {
      const ds = getDataset(lg, wn);
      if (!ds) throw new DamagedFileError(path, `weight '${wn}' of layer '${n}' is missing.`);
      const shape = datasetShape(ds, `weight '${wn}' of layer '${n}'`, budget.maxBytes);
      total += sizeOfShape(shape) * 4;
      if (total > budget.maxBytes)
        throw new DamagedFileError(
          path,
          `its weights add up to more than the ${budget.maxBytes} bytes allowed (LoadOptions.maxBytes).`,
        );
      return { name: wn, ds, shape };
    });
    if (weights.length > 0) out.push({ name: n, weights });
  }
  return out;
}

/** Checks the layout against the model, then reads every weight; the model is changed only if all fit. */
function assignLegacy(saved: SavedLayer[], model: Model, path: string, budget: LoadBudget): void {
  const layers = model.layers.filter((l) => legacyWeights(l).length > 0);
  if (saved.length !== layers.length) {
    throw new Error(
      `'${path}' has weights for ${saved.length} layers (${saved.map((s) => s.name).join(', ')}), the model has ${layers.length} layers with weights (${layers.map((l) => l.name).join(', ')}).`,
    );
  }
  // Check every shape first, so nothing is read for a file that does not fit.
  saved.forEach((s, k) => {
    const layer = layers[k]!;
    const vars = legacyWeights(layer);
    if (s.weights.length !== vars.length) {
      throw new Error(
        `'${path}': layer #${k} ('${layer.name}' in the model, '${s.name}' in the file) expects ${vars.length} weights, the file has ${s.weights.length}.`,
      );
    }
    s.weights.forEach((w, i) => {
      const v = vars[i]!;
      if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(
          `'${path}': weight '${w.name}' of layer '${s.name}' has shape [${w.shape.join(', ')}], layer '${layer.name}' expects [${v.shape.join(', ')}].`,
        );
      }
    });
  });
  // Read everything before assigning, so a bad file leaves the model untouched.
  const assignments: [Variable, Tensor][] = [];
  saved.forEach((s, k) => {
    const vars = legacyWeights(layers[k]!);
    s.weights.forEach((w, i) => {
      const v = vars[i]!;
      assignments.push([v, readTensor(w.ds, v.dtype, `weight '${w.name}' of layer '${s.name}'`, budget.maxBytes)]);
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
  appendChecksum(tmpPath);
}

export async function writeWeightsH5(model: Model, tmpPath: string): Promise<void> {
  const seq = model;
  await h5Ready();
  withFile(createH5(tmpPath), (f) => {
    saveWeightsToGroup(f, seq);
    f.flush();
  });
  appendChecksum(tmpPath);
}

export async function readModelH5(path: string, options: LoadOptions = {}): Promise<Model> {
  const budget = loadBudget(options);
  return withH5Read(path, path, (f) => {
    const configText = readStringAttr(f, 'model_config', budget.maxConfigBytes);
    if (configText === null)
      throw new Error(`No model config found in '${path}' (a weights-only file? use loadWeights).`);
    const mw = getGroup(f, 'model_weights');
    if (!mw) throw new DamagedFileError(path, "it has a model config but no 'model_weights' group.");
    const saved = readLegacyLayout(mw, path, budget);
    const config = parseJson(configText, path, 'model_config');
    const model = buildWithinFile(
      path,
      saved.flatMap((s) => s.weights.map((w) => w.shape)),
      () => withCustomObjects(options.customObjects, () => modelFromConfig(config)),
    );
    assignLegacy(saved, model, path, budget);
    const tcText = readStringAttr(f, 'training_config', budget.maxConfigBytes);
    if (options.compile === false || tcText === null) return model;
    compileFromConfig(model, parseJson(tcText, path, 'training_config') as Record<string, unknown>, 'optimizer_config');
    const og = getGroup(f, 'optimizer_weights');
    if (og) {
      const names = readStringList(og, 'weight_names') ?? [];
      const values = names.map((n) => {
        const ds = getDataset(og, n);
        if (!ds) throw new DamagedFileError(path, `optimizer weight '${n}' is missing.`);
        return readTensor(ds, 'float64', `optimizer weight ${n}`, budget.maxBytes);
      });
      // Keras 3's legacy writer names them `adam/iteration`, `adam/learning_rate`, ...
      const layout = names.length > 0 && names[0]!.endsWith('/iteration') ? 'keras3' : 'keras2';
      restoreOptimizerWeights(model.optimizer!, model.trainableWeights, layout, values);
    }
    return model;
  });
}

/** loadWeights from a legacy HDF5 file (weights-only or a whole model); `f` is already open in withH5Read. */
export function readWeightsH5(f: H5File, model: Model, path: string, budget: LoadBudget): void {
  const seq = model;
  // A full-model file holds the weights under model_weights.
  const g = readStringList(f, 'layer_names') ? f : getGroup(f, 'model_weights');
  if (!g)
    throw new DamagedFileError(
      path,
      'it holds no Keras weights (no layer_names attribute and no model_weights group).',
    );
  assignLegacy(readLegacyLayout(g, path, budget), seq, path, budget);
}
