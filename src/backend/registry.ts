import type { Backend } from './backend.js';
import { KERNEL_NAMES } from './backend.js';
import { jsBackend } from './js/js-backend.js';

/**
 * Which backend runs the kernels. The reference backend is always registered; the native
 * one registers itself from the Node entry point when its addon loads.
 */
const backends = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

export function registerBackend(backend: Backend): void {
  const missing = KERNEL_NAMES.filter((k) => typeof (backend as unknown as Record<string, unknown>)[k] !== 'function');
  if (missing.length > 0) {
    throw new Error(`Backend '${backend.name}' lacks kernels: ${missing.join(', ')}.`);
  }
  backends.set(backend.name, backend);
}

export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`Backend '${name}' is not available. Available: ${[...backends.keys()].join(', ')}.`);
  }
  current = b;
}

/** The name of the backend kernels run on now. */
export function getBackend(): string {
  return current.name;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

/** The active backend object, for ops. */
export function backend(): Backend {
  return current;
}

export function findBackend(name: string): Backend | undefined {
  return backends.get(name);
}
