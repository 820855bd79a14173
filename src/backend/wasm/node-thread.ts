// One thread of the threaded wasm module, as a worker_threads worker (started by wasm/node.ts):
// runs the thread's entry point on its own instance of the module over the shared memory.
import { workerData } from 'node:worker_threads';
import { runThread } from './wasm-threads.js';

runThread(workerData as Parameters<typeof runThread>[0]);
