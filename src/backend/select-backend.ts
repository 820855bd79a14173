import { loadNativeBackend } from './native/index.js';
import { setBackend } from './registry.js';

/**
 * Picks the backend at start-up (Node only): `DEEPSCRIPT_BACKEND=js|native` decides when set;
 * otherwise the native backend when its addon loads, else the reference backend (having said
 * once why, and what to install).
 */
export function selectDefaultBackend(): void {
  const wanted = process.env['DEEPSCRIPT_BACKEND']?.trim().toLowerCase() || undefined;
  if (wanted !== undefined && wanted !== 'js' && wanted !== 'native') {
    throw new Error(`DEEPSCRIPT_BACKEND must be 'js' or 'native', got '${wanted}'.`);
  }
  if (wanted === 'js') return setBackend('js');
  const native = loadNativeBackend();
  if (native.ok) return setBackend('native');
  if (wanted === 'native')
    throw new Error(`DEEPSCRIPT_BACKEND=native, but the native backend is unavailable: ${native.reason}`);
}
