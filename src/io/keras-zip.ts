import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { Model } from '../models/model.js';
import { withCustomObjects } from '../layers/serialization.js';
import { createH5, h5Ready, openH5, withFile } from './h5-file.js';
import { readKeras3Optimizer, readKeras3Weights, writeKeras3Weights } from './keras3-weights.js';
import {
  KERAS3_VERSION,
  compileFromConfig,
  keras3ModelConfig,
  modelFromConfig,
  requireSaveable,
} from './model-config.js';
import type { LoadOptions } from './legacy-h5.js';

/** Keras 3's `.keras` archive: a zip of `metadata.json`, `config.json` and `model.weights.h5` (saving_lib.py). */
export const KERAS_ZIP_ENTRIES = ['metadata.json', 'config.json', 'model.weights.h5'] as const;

/** h5wasm reads and writes real files, so the weights pass through a private temporary folder. */
function withScratch<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'deepscript-keras-'));
  return fn(join(dir, 'model.weights.h5')).finally(() => rmSync(dir, { recursive: true, force: true }));
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

export function readKerasZip(path: string): Record<string, Uint8Array> {
  const bytes = new Uint8Array(readFileSync(path));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new Error(`'${path}' is not a readable .keras file (a zip archive): ${(e as Error).message}.`);
  }
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!entries[name])
      throw new Error(
        `'${path}' has no ${name}: not a Keras 3 .keras file (entries: ${Object.keys(entries).join(', ') || 'none'}).`,
      );
  }
  return entries;
}

function parseEntry(entries: Record<string, Uint8Array>, name: string, path: string): Record<string, unknown> {
  try {
    return JSON.parse(strFromU8(entries[name]!)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`'${path}': ${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs `fn` on the archive's weights file. */
async function withWeights<T>(entries: Record<string, Uint8Array>, fn: (file: string) => Promise<T>): Promise<T> {
  return withScratch(async (file) => {
    writeFileSync(file, entries['model.weights.h5']!);
    return fn(file);
  });
}

export async function loadKerasZip(path: string, options: LoadOptions = {}): Promise<Model> {
  const entries = readKerasZip(path);
  const config = parseEntry(entries, 'config.json', path);
  const model = withCustomObjects(options.customObjects, () => modelFromConfig(config));
  const cc = config['compile_config'] as Record<string, unknown> | undefined | null;
  if (options.compile !== false && cc) compileFromConfig(model, cc, 'optimizer');
  await withWeights(entries, async (file) => {
    const f = await openH5(file);
    withFile(f, (f) => {
      readKeras3Weights(f, model, `${path}:model.weights.h5`);
      readKeras3Optimizer(f, model, `${path}:model.weights.h5`);
    });
  });
  return model;
}

/** `loadWeights` on a `.keras` file: only the weights part. */
export async function loadWeightsFromKerasZip(model: Model, path: string): Promise<void> {
  const entries = readKerasZip(path);
  await withWeights(entries, async (file) => {
    const f = await openH5(file);
    withFile(f, (f) => readKeras3Weights(f, model, `${path}:model.weights.h5`));
  });
}
