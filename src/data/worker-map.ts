/**
 * `data.workerMap` (Node only): a map function that runs in worker threads, for
 * `dataset.map(workerMap(url), { numParallelCalls })`. JavaScript is single-threaded and a training
 * step is synchronous code on the main thread, so a map computed there (augmentation) can only run
 * between steps; in a worker it runs while the step runs. The function lives in its own module
 * (a closure cannot cross threads); elements travel as copies of their tensors' typed arrays.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { ReplyMessage } from './worker-messages.js';
import { decodeElement, encodeElement } from './worker-messages.js';

export interface WorkerMapOptions {
  /** Worker threads (default 1); calls go to the one with the fewest waiting. */
  workers?: number;
  /** The module's export to call (default 'default'). */
  exportName?: string;
}
const WORKER_MAP_OPTION_NAMES = optionNames<WorkerMapOptions>()(['workers', 'exportName']);

/** When one call ran in its worker, in the main thread's `performance.now()` milliseconds. */
export interface WorkerCallTiming {
  worker: number;
  start: number;
  end: number;
}

/** An async map function backed by worker threads; `close()` ends them (idle workers never keep Node alive). */
export interface WorkerMapFunction<T = unknown, U = unknown> {
  (element: T): Promise<U>;
  /** When every finished call ran (for measuring overlap with training). */
  readonly timings: WorkerCallTiming[];
  close(): Promise<void>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Runs `module`'s export (a function of one dataset element, sync or async) in worker threads.
 * `module` is a path (relative to the working directory) or a URL, e.g.
 * `new URL('./augment.js', import.meta.url)`. The worker's tensors are deepscript Tensors; the
 * module imports whatever else it uses.
 */
export function workerMap<T = unknown, U = unknown>(
  module: string | URL,
  options: WorkerMapOptions = {},
): WorkerMapFunction<T, U> {
  checkOptionNames('data.workerMap', options, WORKER_MAP_OPTION_NAMES);
  const count = options.workers ?? 1;
  if (!Number.isInteger(count) || count <= 0)
    throw new Error(`data.workerMap: workers must be a positive integer, got ${String(count)}.`);
  const exportName = options.exportName ?? 'default';
  if (typeof exportName !== 'string' || exportName === '')
    throw new Error(`data.workerMap: exportName must be a non-empty string, got ${String(exportName)}.`);
  let moduleUrl: string;
  if (module instanceof URL) moduleUrl = module.href;
  else if (typeof module === 'string' && module !== '')
    moduleUrl = /^(file|data):/.test(module) ? module : pathToFileURL(resolve(module)).href;
  else throw new Error(`data.workerMap: expected a module path or URL, got ${String(module)}.`);
  const what = `data.workerMap(${moduleUrl}${exportName === 'default' ? '' : `, '${exportName}'`})`;

  const script = new URL('./worker-map-worker.js', import.meta.url);
  const timings: WorkerCallTiming[] = [];
  const pending = new Map<number, Pending>();
  const waiting: number[] = [];
  let failure: Error | null = null;
  let closed = false;
  let nextId = 0;

  const fail = (err: Error): void => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    waiting.fill(0);
    for (const w of workers) w.unref();
  };

  const workers = Array.from({ length: count }, (_, w) => {
    const worker = new Worker(script, { workerData: { moduleUrl, exportName } });
    worker.unref();
    waiting.push(0);
    worker.on('message', (m: ReplyMessage) => {
      if (m.kind === 'load-error') return fail(new Error(`${what}: ${m.message}`));
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (--waiting[w]! === 0) worker.unref();
      if (m.kind === 'error') {
        const err = new Error(`${what}: the map function failed: ${m.message}`);
        if (m.stack) err.stack = `${err.message}\n(in the worker) ${m.stack}`;
        p.reject(err);
        return;
      }
      const origin = performance.timeOrigin;
      timings.push({ worker: w, start: m.start - origin, end: m.end - origin });
      p.resolve(decodeElement(m.value));
    });
    worker.on('error', (e) => fail(new Error(`${what}: a worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!closed) fail(new Error(`${what}: a worker exited (code ${code}) while in use.`));
    });
    return worker;
  });

  const call = (element: T): Promise<U> => {
    if (closed) return Promise.reject(new Error(`${what}: closed; make a new workerMap.`));
    if (failure) return Promise.reject(failure);
    let w = 0;
    for (let k = 1; k < count; k++) if (waiting[k]! < waiting[w]!) w = k;
    const id = nextId++;
    const encoded = encodeElement(element, what);
    return new Promise<U>((res, rej) => {
      pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
      // A call in flight keeps Node running until its answer comes.
      if (waiting[w]!++ === 0) workers[w]!.ref();
      workers[w]!.postMessage({ id, element: encoded });
    });
  };
  const fn = call as WorkerMapFunction<T, U>;
  Object.defineProperty(fn, 'timings', { value: timings });
  fn.close = async () => {
    closed = true;
    fail(new Error(`${what}: closed while calls were in flight.`));
    await Promise.all(workers.map((w) => w.terminate()));
  };
  return fn;
}
