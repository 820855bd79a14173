import type { Backend } from '../backend.js';
import { registerBackend } from '../registry.js';
import { clearBufferPool } from '../../core/buffer-pool.js';
import { setArrayAllocator } from '../../core/dtype.js';
import type { WasmRuntime } from './wasm-backend.js';
import { createWasmBackend } from './wasm-backend.js';
import { residentAllocator } from './wasm-memory.js';
import type { ResidentStats } from './wasm-memory.js';

let registered: { runtime: WasmRuntime; backend: Backend; stats: () => ResidentStats } | null = null;

/**
 * Registers an instantiated module as backend 'wasm' (it does not switch to it). While 'wasm' is
 * the active backend, fresh large arrays are allocated in the module's memory (wasm-memory.ts);
 * switching to or from it empties the buffer pool.
 * Browser-safe; Node's entry point registers it lazily (wasm/node.ts).
 */
export function registerWasmBackend(runtime: WasmRuntime): Backend {
  if (registered) {
    if (registered.runtime !== runtime) throw new Error('registerWasmBackend: a wasm module is already registered.');
    return registered.backend;
  }
  const backend = createWasmBackend(runtime);
  const resident = residentAllocator(runtime);
  // Pooled arrays belong to the memory they were made in: dropping them on each switch keeps
  // JS-heap arrays from being reused as wasm tensors (copied on every call) and vice versa.
  registerBackend(backend, {
    activate: () => {
      clearBufferPool();
      setArrayAllocator(resident.allocate);
    },
    deactivate: () => {
      clearBufferPool();
      setArrayAllocator(null);
    },
  });
  registered = { runtime, backend, stats: resident.stats };
  return backend;
}

/** The registered module and its resident-storage counts, for tests and benchmarks; null before registration. */
export function wasmInfo(): { runtime: WasmRuntime; memoryMiB: number; resident: ResidentStats } | null {
  if (!registered) return null;
  return {
    runtime: registered.runtime,
    memoryMiB: registered.runtime.memoryBytes / (1024 * 1024),
    resident: registered.stats(),
  };
}
