import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, zipSync } from 'fflate';
import type { Model } from '../models/model.js';
import { withCustomObjects } from '../layers/serialization.js';
import { isStale } from './atomic-write.js';
import { DamagedFileError, appendChecksum } from './damaged.js';
import { createH5, h5Ready, withFile, withH5Read } from './h5-file.js';
import { keras3WeightShapes, readKeras3Optimizer, readKeras3Weights, writeKeras3Weights } from './keras3-weights.js';
import { ZipReader } from './zip-reader.js';
import {
  KERAS3_VERSION,
  compileFromConfig,
  keras3ModelConfig,
  modelFromConfig,
  requireSaveable,
} from './model-config.js';
import type { LoadBudget, LoadOptions } from './legacy-h5.js';
import { buildWithinFile, loadBudget, parseJson } from './legacy-h5.js';

/** Keras 3's `.keras` archive: a zip of `metadata.json`, `config.json` and `model.weights.h5` (saving_lib.py). */
export const KERAS_ZIP_ENTRIES = ['metadata.json', 'config.json', 'model.weights.h5'] as const;

/**
 * h5wasm reads and writes real files, so the weights pass through a private temporary folder,
 * named with our process id so that a later save or load can remove the folders of processes
 * that were killed before cleaning up (cleanStaleScratch).
 */
function withScratch<T>(fn: (file: string) => Promise<T>): Promise<T> {
  cleanStaleScratch();
  const dir = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  return fn(join(dir, 'model.weights.h5')).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const SCRATCH_PREFIX = 'deepscript-keras-';

/** Removes `deepscript-keras-<pid>-*` folders in the temp dir left by processes that are gone. */
export function cleanStaleScratch(dir = tmpdir()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^deepscript-keras-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (m && isStale(join(dir, name), Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** `date_saved` as Keras formats it: %Y-%m-%d@%H:%M:%S in local time. */
function dateSaved(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export async function kerasZipBytes(model: Model, includeOptimizer = true): Promise<Uint8Array> {
  const seq = requireSaveable(model, 'save');
  await h5Ready();
  const weights = await withScratch(async (file) => {
    withFile(createH5(file), (f) => {
      writeKeras3Weights(f, seq, includeOptimizer);
      f.flush();
    });
    appendChecksum(file);
    return new Uint8Array(readFileSync(file));
  });
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
function openKerasZip(path: string): ZipReader {
  if (!existsSync(path)) throw new Error(`No such file: '${path}'.`);
  const zip = new ZipReader(path, path);
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!zip.entries.has(name)) {
      zip.close();
      throw new DamagedFileError(
        path,
        `it has no ${name}: not a Keras 3 .keras file (entries: ${[...zip.entries.keys()].join(', ') || 'none'}).`,
      );
    }
  }
  return zip;
}

function readConfig(zip: ZipReader, path: string, budget: LoadBudget): Record<string, unknown> {
  const bytes = zip.readEntry('config.json', budget.maxConfigBytes);
  return parseJson(strFromU8(bytes), path, 'config.json') as Record<string, unknown>;
}

/** Runs `fn` on the archive's weights file, read into a scratch file. */
async function withWeights<T>(zip: ZipReader, budget: LoadBudget, fn: (file: string) => Promise<T>): Promise<T> {
  const bytes = zip.readEntry('model.weights.h5', budget.maxBytes);
  return withScratch(async (file) => {
    writeFileSync(file, bytes);
    return fn(file);
  });
}

const INNER = 'model.weights.h5: ';

export async function loadKerasZip(path: string, options: LoadOptions = {}): Promise<Model> {
  const budget = loadBudget(options);
  const zip = openKerasZip(path);
  try {
    const config = readConfig(zip, path, budget);
    return await withWeights(zip, budget, (file) =>
      withH5Read(
        file,
        path,
        (f) => {
          const model = buildWithinFile(path, keras3WeightShapes(f, path, budget), () =>
            withCustomObjects(options.customObjects, () => modelFromConfig(config)),
          );
          const cc = config['compile_config'] as Record<string, unknown> | undefined | null;
          if (options.compile !== false && cc) compileFromConfig(model, cc, 'optimizer');
          readKeras3Weights(f, model, `${path}:model.weights.h5`, budget);
          readKeras3Optimizer(f, model, path, budget);
          return model;
        },
        INNER,
      ),
    );
  } finally {
    zip.close();
  }
}

/** `loadWeights` on a `.keras` file: only the weights part. */
export async function loadWeightsFromKerasZip(model: Model, path: string, options: LoadOptions = {}): Promise<void> {
  const budget = loadBudget(options);
  const zip = openKerasZip(path);
  try {
    await withWeights(zip, budget, (file) =>
      withH5Read(file, path, (f) => readKeras3Weights(f, model, `${path}:model.weights.h5`, budget), INNER),
    );
  } finally {
    zip.close();
  }
}
