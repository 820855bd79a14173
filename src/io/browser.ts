/**
 * Models in the browser: loaded from bytes, a Blob/File, a fetch() response or a URL, and saved
 * as Keras 3 `.keras` bytes or a download. The HDF5 part (h5wasm, a few MB) is imported on first
 * use, so a page that never loads or saves a model never fetches it.
 */
import type { Model } from '../models/model.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { LoadOptions } from './load-budget.js';
import type { SaveOptions } from './storable-names.js';

export { DamagedFileError } from './damaged-error.js';
export type { SaveOptions };

/** Anything with the bytes: Blob, File, Response. */
interface HasBytes {
  arrayBuffer(): Promise<ArrayBuffer>;
}
export type ModelSource = ArrayBuffer | ArrayBufferView | HasBytes | string | URL;
export type BrowserLoadOptions = LoadOptions;

const LOAD_OPTION_NAMES = optionNames<LoadOptions>()(['compile', 'customObjects', 'maxBytes', 'maxConfigBytes']);
const SAVE_OPTION_NAMES = optionNames<SaveOptions>()(['includeOptimizer']);

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

async function bytesOf(source: ModelSource, display: string): Promise<Uint8Array> {
  if (typeof source === 'string' || source instanceof URL) {
    const f = (globalThis as { fetch?: Fetch }).fetch;
    if (!f) throw new Error(`loadModel: no fetch() in this JavaScript engine to get '${display}'; pass the bytes.`);
    const res = await f(String(source));
    if (!res.ok) throw new Error(`loadModel: fetching '${display}' failed with HTTP status ${res.status}.`);
    return new Uint8Array(await res.arrayBuffer());
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source && typeof (source as HasBytes).arrayBuffer === 'function')
    return new Uint8Array(await (source as HasBytes).arrayBuffer());
  throw new Error(
    'loadModel: expected a URL, an ArrayBuffer or typed array, or a Blob/File/Response, got ' +
      `${source === null ? 'null' : typeof source}.`,
  );
}

function displayOf(source: ModelSource): string {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  const name = (source as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : '<bytes>';
}

/**
 * Keras's `load_model` on a `.keras` archive given as a URL (fetched), bytes, or a Blob/File/Response.
 * The same checks as in Node: nothing in the file is run, damaged or hostile bytes fail with
 * DamagedFileError, `maxBytes` / `maxConfigBytes` bound what is read.
 */
export async function loadModel(source: ModelSource, options: BrowserLoadOptions = {}): Promise<Model> {
  checkOptionNames('loadModel', options, LOAD_OPTION_NAMES);
  const display = displayOf(source);
  const bytes = await bytesOf(source, display);
  const impl = await import('./keras-bytes.js');
  return impl.loadModelFromBytes(bytes, display, options);
}

/** The model as a Keras 3 `.keras` archive (what `model.save('x.keras')` writes in Node). */
export async function modelToBytes(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  checkOptionNames('modelToBytes', options, SAVE_OPTION_NAMES);
  const impl = await import('./keras-bytes.js');
  return impl.kerasBytes(model, options.includeOptimizer ?? true, 'model.keras');
}

interface DownloadDom {
  document: {
    createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
    body: { appendChild(n: unknown): void };
  };
  URL: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void };
  Blob: new (parts: unknown[], options: { type: string }) => unknown;
}

/**
 * Keras's `model.save(filename)` in a page: the `.keras` archive offered as a download named
 * `filename`. Returns the bytes as well. Needs a document (use modelToBytes elsewhere).
 */
export async function saveModel(
  model: Model,
  filename = 'model.keras',
  options: SaveOptions = {},
): Promise<Uint8Array> {
  checkOptionNames('saveModel', options, SAVE_OPTION_NAMES);
  if (!filename.toLowerCase().endsWith('.keras'))
    throw new Error(
      `saveModel: the browser build writes Keras 3 .keras archives only; '${filename}' does not end in .keras.`,
    );
  const g = globalThis as unknown as Partial<DownloadDom>;
  if (!g.document || !g.URL || !g.Blob)
    throw new Error('saveModel: no document to download from here; use modelToBytes(model) for the bytes.');
  const impl = await import('./keras-bytes.js');
  const bytes = await impl.kerasBytes(model, options.includeOptimizer ?? true, filename);
  const url = g.URL.createObjectURL(new g.Blob([bytes], { type: 'application/zip' }));
  const a = g.document.createElement('a');
  a.href = url;
  a.download = filename;
  g.document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked after the click has started the download.
  setTimeout(() => g.URL!.revokeObjectURL(url), 10_000);
  return bytes;
}
