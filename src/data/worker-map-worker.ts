/**
 * The worker side of `workerMap`: imports the user's module, then runs its map function on each
 * element the main thread sends, replying with the result (or the error) and when it ran.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CallMessage, ReplyMessage } from './worker-messages.js';
import { decodeElement, encodeElement } from './worker-messages.js';

const { moduleUrl, exportName } = workerData as { moduleUrl: string; exportName: string };
const port = parentPort!;
const now = (): number => performance.timeOrigin + performance.now();
const reply = (m: ReplyMessage): void => port.postMessage(m);

let fn: ((element: unknown) => unknown) | null = null;
try {
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  const f = mod[exportName];
  if (typeof f !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(
      `the module ${moduleUrl} has no function export '${exportName}'` +
        (names.length ? `; its function exports are ${names.join(', ')}` : ''),
    );
  }
  fn = f as (element: unknown) => unknown;
} catch (e) {
  reply({ kind: 'load-error', message: (e as Error).message ?? String(e) });
}

if (fn) {
  const map = fn;
  port.on('message', async (m: CallMessage) => {
    const start = now();
    try {
      const out = await map(decodeElement(m.element));
      reply({
        kind: 'result',
        id: m.id,
        value: encodeElement(out, `data.workerMap (${exportName})`),
        start,
        end: now(),
      });
    } catch (e) {
      const err = e as Error;
      reply({
        kind: 'error',
        id: m.id,
        message: err?.message ?? String(e),
        ...(err?.stack ? { stack: err.stack } : {}),
      });
    }
  });
}
