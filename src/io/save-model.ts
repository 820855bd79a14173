import { writeFileSync } from 'node:fs';
import type { Model } from '../models/model.js';
import type { Sequential } from '../models/sequential.js';
import { writeAtomic } from './atomic-write.js';
import { appendChecksum } from './damaged.js';
import { createH5, h5Ready, memberNames, withFile, withH5Read } from './h5-file.js';
import { readKeras3Weights, writeKeras3Weights } from './keras3-weights.js';
import { kerasZipBytes, loadKerasZip, loadWeightsFromKerasZip } from './keras-zip.js';
import type { LoadOptions } from './legacy-h5.js';
import { loadBudget, readModelH5, readWeightsH5, writeModelH5, writeWeightsH5 } from './legacy-h5.js';
import { requireSequential } from './model-config.js';

export type { LoadOptions };

type Format = 'h5' | 'keras' | 'weights.h5';

/** The file format follows the name, as in Keras: `.keras`, `.weights.h5`, `.h5` / `.hdf5` / `.keras.h5`. */
function formatOf(path: string, what: string): Format {
  const p = path.toLowerCase();
  if (p.endsWith('.weights.h5')) return 'weights.h5';
  if (p.endsWith('.keras')) return 'keras';
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return 'h5';
  throw new Error(
    `${what}: cannot tell the format of '${path}'; use a name ending in .keras, .h5 or .hdf5 (or .weights.h5 for weights).`,
  );
}

export interface SaveOptions {
  /** Save optimizer state so training can resume exactly. Default true. */
  includeOptimizer?: boolean;
}

/**
 * Layer and weight names become HDF5 group and dataset paths (legacy `.h5`) or attributes; a name
 * that cannot be stored and read back is refused before anything is written. Keras 3 likewise
 * refuses '/' in names; deepscript keeps Keras 2's nested groups for '/', but not the empty name,
 * NUL, an absolute path or '.' / '..' parts, which HDF5 cannot hold or would put elsewhere.
 */
export function checkStorableNames(model: Model, what: string, path: string): void {
  const seq = requireSequential(model, what);
  const problem = (name: string): string | null => {
    if (name === '') return 'it is empty';
    if (name.includes('\0')) return 'it contains a NUL character';
    if (name.startsWith('/')) return "it starts with '/'";
    const parts = name.split('/');
    if (parts.some((p) => p === '.' || p === '..')) return "it has a '.' or '..' part";
    if (parts.some((p) => p === '')) return "it has an empty part ('//' or a trailing '/')";
    return null;
  };
  const seen = new Set<string>();
  for (const layer of seq.layers) {
    const p = problem(layer.name);
    if (p)
      throw new Error(
        `${what}: cannot store layer name ${JSON.stringify(layer.name)} in '${path}': ${p}. Rename the layer.`,
      );
    if (seen.has(layer.name))
      throw new Error(`${what}: two layers are named '${layer.name}'; '${path}' needs unique layer names.`);
    seen.add(layer.name);
    for (const w of layer.weights) {
      const q = problem(w.name);
      if (q)
        throw new Error(
          `${what}: cannot store weight name ${JSON.stringify(w.name)} of layer '${layer.name}' in '${path}': ${q}.`,
        );
    }
  }
}

/** Keras's `model.save(path)`: the whole model, written atomically (missing folders are created). */
export async function saveModel(model: Model, path: string, options: SaveOptions = {}): Promise<void> {
  const includeOptimizer = options.includeOptimizer ?? true;
  const format = formatOf(path, 'save');
  if (format === 'weights.h5')
    throw new Error(`save: '${path}' names a weights file; use saveWeights, or a .keras / .h5 name.`);
  checkStorableNames(model, 'save', path);
  if (format === 'keras') {
    const bytes = await kerasZipBytes(model, includeOptimizer);
    await writeAtomic(path, (tmp) => writeFileSync(tmp, bytes));
  } else {
    await writeAtomic(path, (tmp) => writeModelH5(model, tmp, includeOptimizer));
  }
}

/**
 * Keras's `load_model(path)`; `.keras` or legacy `.h5` written by deepscript, Keras 2 or Keras 3.
 * A damaged or hostile file fails with DamagedFileError (docs/untrusted-files.md says what a load
 * guarantees).
 */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Sequential> {
  return formatOf(path, 'loadModel') === 'keras' ? loadKerasZip(path, options) : readModelH5(path, options);
}

/** Keras's `model.save_weights(path)`: `.weights.h5` is Keras 3's layout, `.h5` / `.hdf5` Keras 2's. */
export async function saveWeights(model: Model, path: string): Promise<void> {
  const format = formatOf(path, 'saveWeights');
  if (format === 'keras')
    throw new Error(`saveWeights: '${path}' names a model file; use save(), or a .weights.h5 / .h5 name.`);
  checkStorableNames(model, 'saveWeights', path);
  if (format === 'h5') {
    await writeAtomic(path, (tmp) => writeWeightsH5(model, tmp));
    return;
  }
  const seq = requireSequential(model, 'saveWeights');
  await h5Ready();
  await writeAtomic(path, (tmp) => {
    withFile(createH5(tmp), (f) => {
      writeKeras3Weights(f, seq, false);
      f.flush();
    });
    appendChecksum(tmp);
  });
}

/** Keras's `model.load_weights(path)`, from any of the formats above (the model must be built). */
export async function loadWeights(model: Model, path: string, options: LoadOptions = {}): Promise<void> {
  const seq = requireSequential(model, 'loadWeights');
  if (!seq.built)
    throw new Error(`loadWeights: model '${seq.name}' is not built yet; give it an input shape or call build() first.`);
  const format = formatOf(path, 'loadWeights');
  if (format === 'keras') return loadWeightsFromKerasZip(seq, path, options);
  const budget = loadBudget(options);
  await withH5Read(path, path, (f) => {
    // Keras 3 weights files have a `layers` group; legacy ones a `layer_names` attribute.
    const top = memberNames(f);
    if (top.includes('layers') || top.includes('_layer_checkpoint_dependencies'))
      readKeras3Weights(f, seq, path, budget);
    else readWeightsH5(f, seq, path, budget);
  });
}
