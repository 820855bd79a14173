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
  checkEnvThreads(loaded.addon);
  reportThreadShortfall(loaded.addon);
  return result;
}

/** The most threads the pool runs (setNumThreads refuses more). */
export const MAX_THREADS = 256;

function checkEnvThreads(addon: NativeAddon): void {
  const env = process.env['DEEPSCRIPT_NUM_THREADS'];
  if (env === undefined || env === '') return;
  const n = Number(env);
  const { max } = addon.threadPoolStatus();
  if (!Number.isInteger(n) || n < 1)
    process.emitWarning(`deepscript: DEEPSCRIPT_NUM_THREADS='${env}' is not a positive integer; it is ignored.`, {
      code: 'DEEPSCRIPT_THREADS',
    });
  else if (n > max)
    process.emitWarning(`deepscript: DEEPSCRIPT_NUM_THREADS=${n} is above the maximum of ${max}; using ${max}.`, {
      code: 'DEEPSCRIPT_THREADS',
    });
}

const shortfallsReported = new Set<number>();

/**
 * When the OS refused some of the requested threads (a process limit, a container), the pool runs
 * on those it started; this says so, with the OS's reason, once for each count asked for.
 */
function reportThreadShortfall(addon: NativeAddon): void {
  const s = addon.threadPoolStatus();
  if (s.threads >= s.requested || shortfallsReported.has(s.requested)) return;
  shortfallsReported.add(s.requested);
  process.emitWarning(
    `deepscript: asked for ${s.requested} native threads, the system started only ${s.threads} (${s.error || 'no reason given'}); running on ${s.threads}.`,
    { code: 'DEEPSCRIPT_THREADS' },
  );
}

/** Threads the native kernels use (1 when the addon is not loaded: the js backend is single-threaded). */
export function getNumThreads(): number {
  return addonRef ? addonRef.getNumThreads() : 1;
}

/** Sets the native thread-pool size (DEEPSCRIPT_NUM_THREADS sets the initial size). No-op without the addon. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${n}.`);
  if (!addonRef) return;
  addonRef.setNumThreads(n);
  reportThreadShortfall(addonRef);
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
