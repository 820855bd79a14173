import { getBackend } from './registry.js';
import { getNumThreads as nativeThreads, setNumThreads as setNativeThreads } from './native/index.js';
import { wasmInfo } from './wasm/register.js';

/**
 * The thread count of deepscript's kernels, for whichever of the compiled backends runs: the
 * native addon's pool and the threaded wasm module's pool (worker_threads) take the same count.
 * DEEPSCRIPT_NUM_THREADS sets the initial size of both; setNumThreads resizes both.
 */

let asked: number | null = null;

/** The count setNumThreads last asked for (null: none yet), for a wasm module loaded later. */
export function askedThreads(): number | null {
  return asked;
}

/** Threads the active backend's kernels use (js: 1; wasm's single-threaded module: 1). */
export function getNumThreads(): number {
  const b = getBackend();
  if (b === 'wasm') return wasmInfo()?.runtime.numThreads ?? 1;
  if (b === 'js') return 1;
  return nativeThreads();
}

/**
 * Sets the thread-pool size of the native backend and of the wasm backend (an integer from 1 to
 * 256). When the host refuses some threads, the pools run on those they started and say so.
 */
export function setNumThreads(n: number): void {
  setNativeThreads(n);
  asked = n;
  const rt = wasmInfo()?.runtime;
  if (!rt || !rt.threaded) return;
  const running = rt.setNumThreads(n);
  if (running < n) {
    process.emitWarning(`deepscript: asked for ${n} wasm threads, only ${running} started; running on ${running}.`, {
      code: 'DEEPSCRIPT_THREADS',
    });
  }
}
