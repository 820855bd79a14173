/**
 * deepscript for browsers: the core API, the WebAssembly backend, models loaded from bytes or a
 * URL and saved to bytes or a download, and the viz parts that need no Node. Bundled by
 * `npm run build:browser` into dist/browser/deepscript.js, next to the module deepscript.wasm.
 *
 * ```js
 * import { loadWasm, Sequential, layers } from 'deepscript/browser';
 * await loadWasm(); // fetches deepscript.wasm next to the bundle, switches to backend 'wasm'
 * ```
 * Nothing here imports from Node (the bundle build fails if anything does).
 */
import { setBackend } from './backend/registry.js';
import type { WasmOptions, WasmRuntime } from './backend/wasm/wasm-backend.js';
import { instantiateWasm } from './backend/wasm/wasm-backend.js';
import { registerWasmBackend, wasmInfo } from './backend/wasm/register.js';
import { checkOptionNames, optionNames } from './utils/option-names.js';

export * from './core.js';
export { loadModel, modelToBytes, saveModel, DamagedFileError } from './io/browser.js';
export type { BrowserLoadOptions, ModelSource } from './io/browser.js';
export * as viz from './viz/browser.js';

/** Where the module comes from: a URL (fetched), a fetch() response, or the module's bytes. */
export type WasmSource =
  | string
  | URL
  | ArrayBuffer
  | ArrayBufferView
  | { arrayBuffer(): Promise<ArrayBuffer> }
  | Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>;

export interface LoadWasmOptions extends WasmOptions {
  /** Switch to backend 'wasm' once it is registered. Default true. */
  activate?: boolean;
}
const LOAD_WASM_OPTION_NAMES = optionNames<LoadWasmOptions>()(['memoryMiB', 'activate']);

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** The module next to this bundle (the build copies prebuilt/deepscript.wasm there). */
function defaultWasmUrl(): string {
  return new URL('./deepscript.wasm', import.meta.url).href;
}

let loading: Promise<WasmRuntime> | null = null;

/**
 * Compiles the wasm module (by default `deepscript.wasm` next to this bundle, fetched and
 * compiled while it streams in), registers it as backend 'wasm' and, unless `activate: false`,
 * switches to it. Tensors made while 'wasm' is active live in the module's memory, so kernels
 * read and write them in place (no copy per call). A second call returns the same module.
 */
export async function loadWasm(source?: WasmSource, options: LoadWasmOptions = {}): Promise<WasmRuntime> {
  checkOptionNames('loadWasm', options, LOAD_WASM_OPTION_NAMES);
  const { activate = true, ...wasmOptions } = options;
  const existing = wasmInfo();
  if (existing) {
    if (activate) setBackend('wasm');
    return existing.runtime;
  }
  loading ??= (async () => {
    let s = source ?? defaultWasmUrl();
    if (typeof s === 'string' || s instanceof URL) {
      const url = String(s);
      const f = (globalThis as { fetch?: Fetch }).fetch;
      if (!f) throw new Error(`loadWasm: no fetch() in this JavaScript engine to get '${url}'; pass the bytes.`);
      const res = await f(url);
      if (!res.ok) throw new Error(`loadWasm: fetching '${url}' failed with HTTP status ${res.status}.`);
      s = res;
    }
    const runtime = await instantiateWasm(s, wasmOptions);
    registerWasmBackend(runtime);
    return runtime;
  })();
  try {
    const runtime = await loading;
    if (activate) setBackend('wasm');
    return runtime;
  } catch (e) {
    loading = null;
    throw e;
  }
}
