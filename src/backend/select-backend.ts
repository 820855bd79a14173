import { loadNativeBackend } from './native/index.js';
import { setBackend } from './registry.js';
import { loadWasmBackend, registerWasmLoader } from './wasm/node.js';
import { wasmInfo } from './wasm/register.js';

const CHOICES = ['js', 'wasm', 'native'];

/** How the wasm backend runs: the threaded module with its pool's size, or one thread. */
function wasmThreadsNote(): string {
  const rt = wasmInfo()?.runtime;
  return rt?.threaded ? `threaded build, up to ${rt.requestedThreads} threads` : 'one thread';
}

/**
 * Picks the backend at start-up (Node only): `DEEPSCRIPT_BACKEND=js|wasm|native` decides when set;
 * otherwise the first that loads of native (the compiled addon), wasm (the committed WebAssembly
 * module) and js (the reference). Falling back past native says once, as a process warning,
 * which backend runs and why.
 */
export function selectDefaultBackend(): void {
  const wanted = process.env['DEEPSCRIPT_BACKEND']?.trim().toLowerCase() || undefined;
  if (wanted !== undefined && !CHOICES.includes(wanted)) {
    throw new Error(`DEEPSCRIPT_BACKEND must be 'js', 'wasm' or 'native', got '${wanted}'.`);
  }
  registerWasmLoader();
  if (wanted === 'js') return setBackend('js');
  if (wanted === 'wasm') {
    const wasm = loadWasmBackend();
    if (!wasm.ok) throw new Error(`DEEPSCRIPT_BACKEND=wasm, but the wasm backend is unavailable: ${wasm.reason}`);
    return setBackend('wasm');
  }
  const native = loadNativeBackend({ silent: true });
  if (native.ok) return setBackend('native');
  if (wanted === 'native')
    throw new Error(`DEEPSCRIPT_BACKEND=native, but the native backend is unavailable: ${native.reason}`);
  const wasm = loadWasmBackend();
  if (wasm.ok) {
    setBackend('wasm');
    process.emitWarning(
      `deepscript: native CPU backend unavailable, using the 'wasm' backend (WebAssembly, ${wasmThreadsNote()}). ${native.reason}`,
      { code: 'DEEPSCRIPT_NATIVE_UNAVAILABLE' },
    );
    return;
  }
  process.emitWarning(
    `deepscript: native CPU backend unavailable (${native.reason}) and the wasm backend too (${wasm.reason}); using the 'js' backend.`,
    { code: 'DEEPSCRIPT_NATIVE_UNAVAILABLE' },
  );
}
