import type { Backend } from './backend.js';
import { KERNEL_NAMES } from './backend.js';
import { jsBackend } from './js/js-backend.js';

/**
 * Which backend runs the kernels. The reference backend is always registered; the native
 * one registers itself from the Node entry point when its addon loads.
 */
const backends = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

/** What a backend does when it becomes, or stops being, the active one (wasm: where tensors are allocated). */
export interface BackendHooks {
  activate?: () => void;
  deactivate?: () => void;
}
const hooks = new Map<string, BackendHooks>();
/** Backends made on first use (the wasm module is compiled only when asked for). */
const loaders = new Map<string, () => Backend>();

/** Registers a backend that `setBackend(name)` creates (and registers) the first time it is chosen. */
export function registerBackendLoader(name: string, load: () => Backend): void {
  loaders.set(name, load);
}

export function registerBackend(backend: Backend, backendHooks: BackendHooks = {}): void {
  const missing = KERNEL_NAMES.filter((k) => typeof (backend as unknown as Record<string, unknown>)[k] !== 'function');
  if (missing.length > 0) {
    throw new Error(`Backend '${backend.name}' lacks kernels: ${missing.join(', ')}.`);
  }
  backends.set(backend.name, backend);
  hooks.set(backend.name, backendHooks);
}

export function setBackend(name: string): void {
  let b = backends.get(name);
  const load = loaders.get(name);
  if (!b && load) {
    loaders.delete(name);
    b = load();
    if (!backends.has(name)) registerBackend(b);
  }
  if (!b) {
    const names = [...new Set([...backends.keys(), ...loaders.keys()])];
    throw new Error(`Backend '${name}' is not available. Available: ${names.join(', ')}.`);
  }
  if (b === current) return;
  hooks.get(current.name)?.deactivate?.();
  current = b;
  hooks.get(b.name)?.activate?.();
}

/** The name of the backend kernels run on now. */
export function getBackend(): string {
  return current.name;
}

/** Backends registered, and those a loader can make on first use. */
export function listBackends(): string[] {
  return [...new Set([...backends.keys(), ...loaders.keys()])];
}

/** The active backend object, for ops. */
export function backend(): Backend {
  return current;
}

/** The backend registered as `name`, made by its loader first if it has not been yet. */
export function findBackend(name: string): Backend | undefined {
  const load = loaders.get(name);
  if (!backends.has(name) && load) {
    loaders.delete(name);
    registerBackend(load());
  }
  return backends.get(name);
}
