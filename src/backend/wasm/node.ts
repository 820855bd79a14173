import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerBackendLoader } from '../registry.js';
import type { Backend } from '../backend.js';
import { instantiateWasmSync } from './wasm-backend.js';
import { registerWasmBackend } from './register.js';

export type WasmLoadResult = { ok: true; backend: Backend } | { ok: false; reason: string };

/** The committed module (scripts/wasm-build.sh), at the package root: dist/src/backend/wasm/ is four levels down. */
export const WASM_FILE = fileURLToPath(new URL('../../../../prebuilt/deepscript.wasm', import.meta.url));

let result: WasmLoadResult | null = null;

/** DEEPSCRIPT_WASM_MEMORY_MIB, the module memory's fixed size (default 1024 MiB). */
function memoryMiB(): number | undefined {
  const v = process.env['DEEPSCRIPT_WASM_MEMORY_MIB']?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 16 || n > 4095) {
    throw new Error(`DEEPSCRIPT_WASM_MEMORY_MIB must be an integer from 16 to 4095, got '${v}'.`);
  }
  return n;
}

/** Compiles and registers the wasm backend once (it does not switch to it); says why when it cannot. */
export function loadWasmBackend(): WasmLoadResult {
  if (result) return result;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(WASM_FILE);
  } catch (e) {
    result = { ok: false, reason: `cannot read ${WASM_FILE}: ${e instanceof Error ? e.message : String(e)}` };
    return result;
  }
  try {
    result = { ok: true, backend: registerWasmBackend(instantiateWasmSync(bytes, { memoryMiB: memoryMiB() })) };
  } catch (e) {
    result = { ok: false, reason: `instantiating ${WASM_FILE} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return result;
}

/** Lets setBackend('wasm') compile the module on first use. */
export function registerWasmLoader(): void {
  registerBackendLoader('wasm', () => {
    const r = loadWasmBackend();
    if (!r.ok) throw new Error(`Backend 'wasm' is not available: ${r.reason}`);
    return r.backend;
  });
}
