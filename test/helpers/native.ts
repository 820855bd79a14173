import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { findBackend } from '../../src/backend/registry.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { loadWasmBackend } from '../../src/backend/wasm/node.js';

/** The native backend; CI always has a compiler, so a missing addon fails the test rather than skipping it. */
export function nativeBackend(): Backend {
  const r = loadNativeBackend({ silent: true });
  assert.ok(r.ok, `native addon did not build or load: ${r.ok ? '' : r.reason}`);
  return findBackend('native')!;
}

/** The wasm backend; its module is committed, so failing to load it fails the test. */
export function wasmBackend(): Backend {
  const r = loadWasmBackend();
  assert.ok(r.ok, `wasm backend did not load: ${r.ok ? '' : r.reason}`);
  return findBackend('wasm')!;
}

/** Seeded generator (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * |actual - expected| <= atol + rtol |expected| elementwise; a NaN expected must be NaN. `scaled`
 * is for sums taken in another order: atol grows by rtol times the largest finite |expected|.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = 1e-5,
  atol = 1e-7,
  scaled = false,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  if (scaled) {
    let scale = 0;
    for (let i = 0; i < expected.length; i++)
      if (Number.isFinite(expected[i]!)) scale = Math.max(scale, Math.abs(expected[i]!));
    atol += rtol * scale;
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (a === e) continue;
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: ${a} vs reference ${e}`);
  }
}
