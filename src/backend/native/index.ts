import type { Backend } from '../backend.js';
import { registerBackend } from '../registry.js';
import { registerInferenceKernels } from '../inference-kernels.js';
import { loadAddon } from './load-native.js';
import type { NativeAddon } from './load-native.js';
import { createNativeBackend } from './native-backend.js';

export type NativeLoadResult = { ok: true } | { ok: false; reason: string };

let result: NativeLoadResult | null = null;
let nativeBackend: Backend | null = null;
let addonRef: NativeAddon | null = null;
let addonPath: string | null = null;

/**
 * Loads the native CPU addon and registers it as backend 'native' (it does not switch to it).
 * Idempotent. When the addon is missing or fails to load, returns the reason and, unless
 * `silent`, prints it once as a process warning with what to install.
 */
export function loadNativeBackend(options: { silent?: boolean } = {}): NativeLoadResult {
  if (result) return result;
  const loaded = loadAddon();
  if (!loaded.ok) {
    result = { ok: false, reason: loaded.reason };
    if (!options.silent) {
      process.emitWarning(`deepscript: native CPU backend unavailable, using the 'js' backend. ${loaded.reason}`, {
        code: 'DEEPSCRIPT_NATIVE_UNAVAILABLE',
      });
    }
    return result;
  }
  addonRef = loaded.addon;
  addonPath = loaded.path;
  nativeBackend = createNativeBackend(loaded.addon);
  registerBackend(nativeBackend);
  const a = loaded.addon;
  registerInferenceKernels({ create: a.inferCreate, run: a.inferRun, denseSmall: a.denseSmall });
  result = { ok: true };
  return result;
}

/** Threads the native kernels use (1 when the addon is not loaded: the js backend is single-threaded). */
export function getNumThreads(): number {
  return addonRef ? addonRef.getNumThreads() : 1;
}

/** Sets the native thread-pool size (DEEPSCRIPT_NUM_THREADS sets the initial size). No-op without the addon. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}.`);
  addonRef?.setNumThreads(n);
}

/** What the native backend runs on, for diagnostics and benchmarks; null when not loaded. */
export function nativeInfo(): {
  cpuIsa: string;
  gemmIsa: string;
  bf16Isa: string;
  amxUnavailable: string;
  threads: number;
  path: string;
} | null {
  if (!addonRef) return null;
  return {
    cpuIsa: addonRef.cpuIsa(),
    gemmIsa: addonRef.getGemmIsa(),
    bf16Isa: addonRef.getBf16Isa(),
    amxUnavailable: addonRef.bf16Info().amxUnavailable,
    threads: addonRef.getNumThreads(),
    path: addonPath ?? '',
  };
}

/** The raw addon, for tests and benchmarks (kernel-family selection, OpenBLAS comparison). */
export function nativeAddon(): NativeAddon | null {
  loadNativeBackend({ silent: true });
  return addonRef;
}
