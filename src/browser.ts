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
import { pageCanThread, startPageWorkers } from './backend/wasm/page-threads.js';
import type { MakeThreadHost } from './backend/wasm/wasm-threads.js';
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
  /**
   * Threads for the kernels. More than 1 runs the threaded module (deepscript-mt.wasm) on Web
   * Workers and needs a cross-origin-isolated page (COOP/COEP headers); elsewhere the module runs
   * on one thread. Default: navigator.hardwareConcurrency in an isolated page, else 1.
   */
  threads?: number;
}
const LOAD_WASM_OPTION_NAMES = optionNames<LoadWasmOptions>()(['memoryMiB', 'activate', 'threads']);

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** The module next to this bundle (the build copies prebuilt/deepscript{,-mt}.wasm there). */
function defaultWasmUrl(threaded: boolean): string {
  return new URL(threaded ? './deepscript-mt.wasm' : './deepscript.wasm', import.meta.url).href;
}

/** The threads loadWasm runs: the option, else the cores in an isolated page, else 1. */
function wantedThreads(threads: number | undefined): number {
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1 || threads > 256)
      throw new Error(`loadWasm: threads must be an integer from 1 to 256, got ${threads}.`);
    return threads;
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return pageCanThread() ? Math.max(1, Math.min(cores, 256)) : 1;
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
  const { activate = true, threads: threadsOption, ...wasmOptions } = options;
  const threads = wantedThreads(threadsOption);
  if (threads > 1 && !pageCanThread()) {
    throw new Error(
      `loadWasm: threads: ${threads} needs a cross-origin-isolated page (COOP: same-origin, COEP: require-corp) ` +
        'for SharedArrayBuffer; this page is not, so use threads: 1.',
    );
  }
  const existing = wasmInfo();
  if (existing) {
    if (activate) setBackend('wasm');
    return existing.runtime;
  }
  loading ??= (async () => {
    let s = source ?? defaultWasmUrl(threads > 1);
    if (typeof s === 'string' || s instanceof URL) {
      const url = String(s);
      const f = (globalThis as { fetch?: Fetch }).fetch;
      if (!f) throw new Error(`loadWasm: no fetch() in this JavaScript engine to get '${url}'; pass the bytes.`);
      const res = await f(url);
      if (!res.ok) throw new Error(`loadWasm: fetching '${url}' failed with HTTP status ${res.status}.`);
      s = res;
    }
    // Workers first: a page's worker starts only once the page yields, and the pool starts its
    // threads from inside a kernel call.
    const makeHost: MakeThreadHost | null =
      threads > 1 ? await startPageWorkers(new URL('./deepscript-thread.js', import.meta.url), threads - 1) : null;
    const runtime = await instantiateWasm(s, wasmOptions, makeHost);
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
