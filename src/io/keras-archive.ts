/**
 * Keras 3's `.keras` archive, wherever its bytes are: a zip of `metadata.json`, `config.json` and
 * `model.weights.h5` (saving_lib.py). Browser-safe; keras-zip.ts reads and writes it as a file,
 * io/browser.ts from bytes in memory. `WeightsIO` says how the weights file meets HDF5 (a scratch
 * file on disk, or h5wasm's in-memory file system).
 */
import { strFromU8, strToU8, zipSync } from 'fflate';
import type { Model } from '../models/model.js';
import { withCustomObjects } from '../layers/serialization.js';
import { DamagedFileError } from './damaged-error.js';
import type { H5File } from './h5-objects.js';
import { keras3WeightShapes, readKeras3Optimizer, readKeras3Weights, writeKeras3Weights } from './keras3-weights.js';
import type { ByteSource } from './zip-reader.js';
import { ZipReader } from './zip-reader.js';
import {
  KERAS3_VERSION,
  compileFromConfig,
  keras3ModelConfig,
  modelFromConfig,
  requireSaveable,
} from './model-config.js';
import type { LoadBudget, LoadOptions } from './load-budget.js';
import { buildWithinFile, loadBudget, parseJson } from './load-budget.js';

export const KERAS_ZIP_ENTRIES = ['metadata.json', 'config.json', 'model.weights.h5'] as const;

/** Where the weights file is written and read. */
export interface WeightsIO {
  /** Creates an HDF5 file, lets `write` fill it, and returns its bytes (with deepscript's checksum trailer). */
  write(write: (f: H5File) => void): Promise<Uint8Array>;
  /** Opens `bytes` as an HDF5 file and runs `fn` on it inside the read guard (problems prefixed with `inner`). */
  read<T>(bytes: Uint8Array, display: string, inner: string, fn: (f: H5File) => T): Promise<T>;
}

/** `date_saved` as Keras formats it: %Y-%m-%d@%H:%M:%S in local time. */
function dateSaved(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The archive's bytes for `model`. */
export async function kerasArchiveBytes(model: Model, includeOptimizer: boolean, io: WeightsIO): Promise<Uint8Array> {
  const seq = requireSaveable(model, 'save');
  const weights = await io.write((f) => writeKeras3Weights(f, seq, includeOptimizer));
  const config = keras3ModelConfig(seq);
  if (!includeOptimizer) delete config['compile_config'];
  // Stored, not deflated, as Keras's zipfile default.
  return zipSync(
    {
      'metadata.json': strToU8(JSON.stringify({ keras_version: KERAS3_VERSION, date_saved: dateSaved() })),
      'config.json': strToU8(JSON.stringify(config)),
      'model.weights.h5': weights,
    },
    { level: 0 },
  );
}

/**
 * Opens a `.keras` archive lazily: only the entries a load needs are read, each within its budget
 * and checked against its CRC-32 (an unused 3 GB entry costs nothing).
 */
export function openKerasArchive(source: ByteSource, display: string): ZipReader {
  const zip = new ZipReader(source, display);
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!zip.entries.has(name)) {
      zip.close();
      throw new DamagedFileError(
        display,
        `it has no ${name}: not a Keras 3 .keras file (entries: ${[...zip.entries.keys()].join(', ') || 'none'}).`,
      );
    }
  }
  return zip;
}

function readConfig(zip: ZipReader, display: string, budget: LoadBudget): Record<string, unknown> {
  const bytes = zip.readEntry('config.json', budget.maxConfigBytes);
  return parseJson(strFromU8(bytes), display, 'config.json') as Record<string, unknown>;
}

const INNER = 'model.weights.h5: ';

/** Keras's `load_model` on an open archive; closes it. */
export async function modelFromKerasArchive(
  zip: ZipReader,
  display: string,
  options: LoadOptions,
  io: WeightsIO,
): Promise<Model> {
  const budget = loadBudget(options);
  try {
    const config = readConfig(zip, display, budget);
    const weights = zip.readEntry('model.weights.h5', budget.maxBytes);
    return await io.read(weights, display, INNER, (f) => {
      const model = buildWithinFile(display, keras3WeightShapes(f, display, budget), () =>
        withCustomObjects(options.customObjects, () => modelFromConfig(config)),
      );
      const cc = config['compile_config'] as Record<string, unknown> | undefined | null;
      if (options.compile !== false && cc) compileFromConfig(model, cc, 'optimizer');
      readKeras3Weights(f, model, `${display}:model.weights.h5`, budget);
      readKeras3Optimizer(f, model, display, budget);
      return model;
    });
  } finally {
    zip.close();
  }
}

/** `loadWeights` from an open archive (only the weights part); closes it. */
export async function weightsFromKerasArchive(
  model: Model,
  zip: ZipReader,
  display: string,
  options: LoadOptions,
  io: WeightsIO,
): Promise<void> {
  const budget = loadBudget(options);
  try {
    const weights = zip.readEntry('model.weights.h5', budget.maxBytes);
    await io.read(weights, display, INNER, (f) => readKeras3Weights(f, model, `${display}:model.weights.h5`, budget));
  } finally {
    zip.close();
  }
}
