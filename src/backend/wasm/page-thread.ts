// One thread of the threaded wasm module in a page, as a module Web Worker (started by
// browser.ts, bundled as dist/browser/deepscript-thread.js). The first message gives the worker
// its slot in a shared array of busy flags; each later one starts a thread on it, and the flag is
// cleared when the thread has exited, so the page can hand the worker its next thread at once.
import { runThread } from './wasm-threads.js';

interface WorkerScope {
  onmessage: ((e: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;
let busy: Int32Array | null = null;
let slot = 0;

scope.onmessage = (e) => {
  const d = e.data as { busy?: Int32Array; slot?: number } & Parameters<typeof runThread>[0];
  if (d.busy) {
    busy = d.busy;
    slot = d.slot ?? 0;
    scope.postMessage('ready');
    return;
  }
  try {
    runThread(d);
  } finally {
    Atomics.store(busy!, slot, 0);
  }
};
