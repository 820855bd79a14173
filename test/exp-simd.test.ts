// The vector exp of the softmax kernels (native/exp_shifted.cc, AVX2 where the CPU has it) against
// libm's exp on the same kernels, and against Math.exp: random rows of every length up to two
// vectors plus a tail, the subnormal range, -inf, NaN. Rows go through softmax and log-softmax,
// whose probabilities are e / sum(e) for e = exp(x - max).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../src/backend/native/index.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { nativeBackend, rng } from './helpers/native.js';

function rows(n: number, count: number, seed: number, spread: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n * count);
  for (let i = 0; i < x.length; i++) x[i] = (r() * 2 - 1) * spread;
  return x;
}

test('softmax kernels: the vector exp agrees with libm within 2 ulp-sized errors, on every row length', () => {
  const nb = nativeBackend();
  const addon = nativeAddon()!;
  const simd = addon.setExpSimd(true);
  try {
    for (let n = 1; n <= 19; n++) {
      for (const spread of [1, 30, 100]) {
        const x = rows(n, 37, n * 7 + spread, spread);
        const want = new Float32Array(x.length);
        const got = new Float32Array(x.length);
        for (const log of [false, true]) {
          addon.setExpSimd(false);
          nb.softmax(x, 37, n, log, want);
          addon.setExpSimd(true);
          nb.softmax(x, 37, n, log, got);
          const ref = new Float32Array(x.length);
          jsBackend.softmax(x, 37, n, log, ref);
          for (let i = 0; i < x.length; i++) {
            // Probabilities: relative error of a few float32 ulps, absolute below the subnormals;
            // log-probabilities: absolute, on the scale of the row's log-sum-exp.
            const tol = log ? 4e-6 * (1 + Math.abs(want[i]!)) : 6e-7 * want[i]! + 1e-44;
            assert.ok(
              Math.abs(got[i]! - want[i]!) <= tol,
              `n=${n} spread=${spread} log=${log} [${i}]: ${got[i]} vs libm ${want[i]}`,
            );
            // The reference subtracts the row's max in float64; the kernels in float32 (an error of
            // up to 2^-24 |x - max| in the exponent, so relative to the spread).
            const xmax = 2 * spread;
            assert.ok(
              Math.abs(got[i]! - ref[i]!) <= tol + 1.2e-7 * xmax * Math.abs(ref[i]!),
              `[${i}]: ${got[i]} vs js ${ref[i]}`,
            );
          }
        }
      }
    }
    // Subnormal results, -inf (a masked score) and NaN, in a row longer than one vector.
    const x = Float32Array.of(0, -95, -100, -103.5, -Infinity, -20, -87.5, -1, 0.5, -3, -110);
    const out = new Float32Array(x.length);
    nb.softmax(x, 1, x.length, false, out);
    let sum = 0;
    for (const v of x) sum += Math.exp(v - 0.5);
    x.forEach((v, i) => {
      const want = Math.fround(Math.exp(v - 0.5) / sum);
      assert.ok(Math.abs(out[i]! - want) <= 6e-7 * want + 2.9e-45, `exp(${v} - 0.5) / sum: ${out[i]} vs ${want}`);
    });
    assert.ok(out[2]! > 0 && out[2]! < 1.2e-38, 'exp(-100.5) is a subnormal, not flushed to 0');
    assert.equal(out[4], 0);
    const withNaN = Float32Array.of(1, 2, NaN, 3, 4, 5, 6, 7, 8);
    nb.softmax(withNaN, 1, 9, false, out.subarray(0, 9));
    assert.ok(
      out.subarray(0, 9).every((v) => Number.isNaN(v)),
      'NaN in a row makes the row NaN',
    );
    assert.equal(simd, addon.cpuIsa() !== 'generic', 'the vector path runs wherever the CPU has AVX2');
  } finally {
    addon.setExpSimd(true);
  }
});
