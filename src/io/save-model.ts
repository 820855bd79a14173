import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { Model } from '../models/model.js';
import { writeAtomic } from './atomic-write.js';
import type { SaveOptions } from './storable-names.js';
import { checkStorableNames } from './storable-names.js';
import { appendChecksum } from './damaged.js';
import { createH5, h5Ready, memberNames, withFile, withH5Read } from './h5-file.js';
import { readKeras3Weights, writeKeras3Weights } from './keras3-weights.js';
import { kerasZipBytes, loadKerasZip, loadWeightsFromKerasZip } from './keras-zip.js';
import type { LoadOptions } from './legacy-h5.js';
import { loadBudget, readModelH5, readWeightsH5, writeModelH5, writeWeightsH5 } from './legacy-h5.js';

export type { LoadOptions };
export type { SaveOptions } from './storable-names.js';
export { checkStorableNames } from './storable-names.js';

const LOAD_OPTIONS = ['compile', 'customObjects', 'maxBytes', 'maxConfigBytes'];

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

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * What a file is, from its first bytes: a zip (Keras 3's `.keras`) or HDF5 (legacy `.h5`, which
 * TF 2.x's ModelCheckpoint also wrote under `.keras` names). Null when it is neither, or unreadable.
 */
export function sniffFormat(path: string): 'keras' | 'h5' | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // The loader that the name picks reports a missing or unreadable file.
    return null;
  }
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    const starts = (magic: number[]): boolean => n >= magic.length && magic.every((b, i) => head[i] === b);
    if (starts(ZIP_MAGIC)) return 'keras';
    if (starts(HDF5_MAGIC)) return 'h5';
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Keras's `load_model(path)`: `.keras` or legacy `.h5` written by deepscript, Keras 2 or Keras 3,
 * Sequential or Functional. The format comes from the file's bytes (the name when they say
 * nothing), and nothing in the file is ever run: custom layers load only through `customObjects`
 * or `registerSerializable`. A damaged or hostile file fails with DamagedFileError
 * (docs/untrusted-files.md says what a load guarantees).
 */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Model> {
  for (const key of Object.keys(options))
    if (!LOAD_OPTIONS.includes(key))
      throw new Error(`loadModel: unknown option '${key}'; expected one of ${LOAD_OPTIONS.join(', ')}.`);
  const format = sniffFormat(path) ?? formatOf(path, 'loadModel');
  return format === 'keras' ? loadKerasZip(path, options) : readModelH5(path, options);
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
  const seq = model;
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
  const seq = model;
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
