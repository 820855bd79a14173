/** Map functions for test/data-worker-map.test.ts, run in workers by `data.workerMap`. */
import { isMainThread, threadId } from 'node:worker_threads';
import { Tensor } from '../../src/core/tensor.js';

/** Doubles x's values, keeps y; reports the thread it ran on. */
export function double([x, y]: [Tensor, Tensor]): { x: Tensor; y: Tensor; main: boolean; thread: number } {
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i]! * 2;
  return { x: new Tensor(out, x.shape, 'float32'), y, main: isMainThread, thread: threadId };
}

/** Busy for `ms` milliseconds of CPU, then returns its input (the default export). */
export default function spin(e: { ms: number; k: number }): { k: number } {
  const end = performance.now() + e.ms;
  while (performance.now() < end);
  return { k: e.k };
}

export function fails(e: { k: number }): number {
  if (e.k === 1) throw new Error(`element ${e.k} is bad`);
  return e.k;
}

export function returnsAFunction(): unknown {
  return () => 1;
}

export const notAFunction = 3;
