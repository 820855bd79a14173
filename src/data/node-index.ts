/** `data` for Node: the core's Dataset plus `workerMap` (worker threads); index.ts stays Node-free. */
export * from './index.js';
export { workerMap } from './worker-map.js';
export type { WorkerCallTiming, WorkerMapFunction, WorkerMapOptions } from './worker-map.js';
