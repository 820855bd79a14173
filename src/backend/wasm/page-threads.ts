import type { MakeThreadHost, ThreadHost, ThreadStart } from './wasm-threads.js';

/**
 * Threads of the wasm module in a page: Web Workers (dist/browser/deepscript-thread.js, from
 * page-thread.ts) started before the module is instantiated. A page's workers begin running
 * only after the page's own code yields, while a pthread is started synchronously from inside
 * a kernel call, so the workers are started and awaited up front and each thread start hands
 * an idle one its thread. Needs a cross-origin-isolated page (SharedArrayBuffer).
 *
 * Browser-safe: nothing here imports from Node.
 */

interface PageWorker {
  postMessage(message: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
}
type WorkerCtor = new (url: string | URL, options: { type: 'module' }) => PageWorker;

/** Whether this page may run the threaded module (cross-origin isolated, so memory can be shared). */
export function pageCanThread(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.SharedArrayBuffer === 'function' && typeof g.Worker === 'function';
}

/** Starts `count` workers from `script` and resolves once each is listening. */
export async function startPageWorkers(script: string | URL, count: number): Promise<MakeThreadHost> {
  const W = (globalThis as unknown as { Worker: WorkerCtor }).Worker;
  const busy = new Int32Array(new SharedArrayBuffer(4 * Math.max(count, 1)));
  const workers: PageWorker[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      (_, slot) =>
        new Promise<void>((resolve, reject) => {
          const w = new W(script, { type: 'module' });
          w.onmessage = () => resolve();
          w.onerror = (e) =>
            reject(new Error(`loadWasm: a thread worker (${String(script)}) failed: ${e.message ?? 'error'}`));
          w.postMessage({ busy, slot });
          workers.push(w);
        }),
    ),
  );
  return (module: object, memory: object): ThreadHost => ({
    cores: count + 1,
    canBlock: false,
    start(t: ThreadStart): boolean {
      for (let i = 0; i < workers.length; i++) {
        if (Atomics.compareExchange(busy, i, 0, 1) !== 0) continue;
        workers[i]!.postMessage({ ...t, module, memory });
        return true;
      }
      return false;
    },
  });
}
