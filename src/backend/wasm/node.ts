import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerBackendLoader } from '../registry.js';
import type { Backend } from '../backend.js';
import { compileWasmSync, instantiateCompiled, instantiateWasmSync } from './wasm-backend.js';
import type { WasmRuntime } from './wasm-backend.js';
import { registerWasmBackend } from './register.js';
import type { ThreadHost, ThreadStart } from './wasm-threads.js';
import { askedThreads } from '../threads.js';

export type WasmLoadResult = { ok: true; backend: Backend } | { ok: false; reason: string };

/** The committed modules (scripts/wasm-build.sh), at the package root: dist/src/backend/wasm/ is four levels down. */
export const WASM_FILE = fileURLToPath(new URL('../../../../prebuilt/deepscript.wasm', import.meta.url));
/** The threaded build (shared memory, emscripten pthreads), which Node runs on worker_threads. */
export const WASM_MT_FILE = fileURLToPath(new URL('../../../../prebuilt/deepscript-mt.wasm', import.meta.url));

/** The most threads the pool runs, as native/thread_pool.h's kMaxThreads. */
const MAX_THREADS = 256;

/**
 * The pool's initial size, as the native backend takes it: DEEPSCRIPT_NUM_THREADS when it is a
 * positive integer (capped at 256), else the cores this process may use. (The native loader
 * warns about a bad value; it is ignored here the same way.)
 */
function initialThreads(): number {
  const env = process.env['DEEPSCRIPT_NUM_THREADS'];
  const n = env === undefined || env === '' ? NaN : Number(env);
  if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_THREADS);
  return availableParallelism();
}

/** Threads of the wasm module run as worker_threads on the same module and shared memory. */
function nodeThreadHost(module: object, memory: object): ThreadHost {
  const script = new URL('./node-thread.js', import.meta.url);
  return {
    cores: askedThreads() ?? initialThreads(),
    canBlock: true,
    start(t: ThreadStart): boolean {
      try {
        const w = new Worker(script, { workerData: { ...t, module, memory } });
        // Pool threads never end on their own: they must not keep the process alive.
        w.unref();
        w.on('error', (e) => {
          process.emitWarning(`deepscript: a wasm worker thread failed: ${e.message}`, { code: 'DEEPSCRIPT_THREADS' });
        });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Compiles and instantiates the threaded module, its pool on worker_threads. */
function instantiateThreaded(memoryMiB: number | undefined): WasmRuntime {
  return instantiateCompiled(compileWasmSync(readFileSync(WASM_MT_FILE)), { memoryMiB }, nodeThreadHost);
}

let result: WasmLoadResult | null = null;

/** DEEPSCRIPT_WASM_MEMORY_MIB, the module memory's fixed size (default 1024 MiB). */
function memoryMiB(): number | undefined {
  const v = process.env['DEEPSCRIPT_WASM_MEMORY_MIB']?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 16 || n > 4095) {
    throw new Error(`DEEPSCRIPT_WASM_MEMORY_MIB must be an integer from 16 to 4095, got '${v}'.`);
  }
  return n;
}

let threadedUnavailable: string | null = null;

/** Why the threaded module did not load (the single-threaded one runs instead), or null. */
export function wasmThreadsUnavailable(): string | null {
  return threadedUnavailable;
}

/**
 * Compiles and registers the wasm backend once (it does not switch to it); says why when it
 * cannot. The threaded module first (its pool starts workers on the first parallel kernel, sized
 * by DEEPSCRIPT_NUM_THREADS or the cores); if it fails, the single-threaded one, saying why once.
 */
export function loadWasmBackend(): WasmLoadResult {
  if (result) return result;
  let mib: number | undefined;
  try {
    mib = memoryMiB();
  } catch (e) {
    result = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    return result;
  }
  try {
    result = { ok: true, backend: registerWasmBackend(instantiateThreaded(mib)) };
    return result;
  } catch (e) {
    threadedUnavailable = e instanceof Error ? e.message : String(e);
    process.emitWarning(
      `deepscript: the threaded wasm module did not load (${threadedUnavailable}); the wasm backend runs on one thread.`,
      { code: 'DEEPSCRIPT_THREADS' },
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(WASM_FILE);
  } catch (e) {
    result = { ok: false, reason: `cannot read ${WASM_FILE}: ${e instanceof Error ? e.message : String(e)}` };
    return result;
  }
  try {
    result = { ok: true, backend: registerWasmBackend(instantiateWasmSync(bytes, { memoryMiB: mib })) };
  } catch (e) {
    result = { ok: false, reason: `instantiating ${WASM_FILE} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return result;
}

/** Lets setBackend('wasm') compile the module on first use. */
export function registerWasmLoader(): void {
  registerBackendLoader('wasm', () => {
    const r = loadWasmBackend();
    if (!r.ok) throw new Error(`Backend 'wasm' is not available: ${r.reason}`);
    return r.backend;
  });
}
