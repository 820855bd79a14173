/**
 * The fused layerNorm kernels (Backend.layerNorm / layerNormBackward): native and wasm against the
 * TypeScript reference on random inputs (float32 and float64, with and without gamma / beta, odd
 * sizes, one column, no rows), the reference against the definition, and the op's float64
 * gradients against central differences (LayerNormalization over the last axis runs on it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { Random } from '../src/core/random.js';
import type { FloatArray } from '../src/core/dtype.js';
import { layerNormLastAxis } from '../src/ops/layer-norm.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, wasmBackend } from './helpers/native.js';

type C = Float32ArrayConstructor | Float64ArrayConstructor;
const LAYOUTS: [number, number][] = [
  [1, 1],
  [3, 7],
  [64, 32],
  [257, 33],
  [0, 4],
  [5, 1000],
];

function random(Ctor: C, n: number, r: Random, lo = -3, hi = 5): FloatArray {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.uniform();
  return a;
}

function run(be: Backend, Ctor: C, rows: number, n: number, affine: boolean, seed: number): FloatArray[] {
  const r = new Random(seed);
  const x = random(Ctor, rows * n, r);
  const gamma = affine ? random(Ctor, n, r, 0.5, 1.5) : null;
  const beta = affine ? random(Ctor, n, r) : null;
  const grad = random(Ctor, rows * n, r, -1, 1);
  const [out, dx] = [new Ctor(rows * n).fill(NaN), new Ctor(rows * n).fill(NaN)];
  const [mean, rstd] = [new Ctor(rows).fill(NaN), new Ctor(rows).fill(NaN)];
  const [dg, db] = affine ? [new Ctor(n).fill(NaN), new Ctor(n).fill(NaN)] : [null, null];
  be.layerNorm(x, gamma, beta, rows, n, 1e-3, out, mean, rstd);
  be.layerNormBackward(grad, x, gamma, mean, rstd, rows, n, dx, dg, db);
  return [out, mean, rstd, dx, ...(dg ? [dg, db!] : [])];
}

function close(got: FloatArray, want: FloatArray, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  // Column sums (dGamma, dBeta) add many rows: compare against the array's scale.
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i]! - want[i]!) <= tol * (Math.abs(want[i]!) + 1e-3 * scale + 1e-6),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
}

for (const [name, get] of [
  ['native', nativeBackend],
  ['wasm', wasmBackend],
] as const) {
  test(`${name} layerNorm forward and backward match the reference`, () => {
    const be = get();
    let seed = 1;
    for (const Ctor of [Float32Array, Float64Array])
      for (const [rows, n] of LAYOUTS)
        for (const affine of [true, false]) {
          const what = `${name} ${Ctor.name} [${rows},${n}] affine=${affine}`;
          const want = run(jsBackend, Ctor, rows, n, affine, seed);
          const got = run(be, Ctor, rows, n, affine, seed++);
          const tol = Ctor === Float32Array ? 2e-5 : 1e-11;
          got.forEach((a, i) => close(a, want[i]!, tol, `${what} result ${i}`));
        }
  });
}

test('the reference layerNorm is (x - mean) / sqrt(var + eps) * gamma + beta', () => {
  const x = new Float64Array([1, 2, 3, 4, -2, 0, 2, 4]);
  const gamma = new Float64Array([1, 2, 0.5, -1]);
  const beta = new Float64Array([0, 1, 0, 1]);
  const out = new Float64Array(8);
  const [mean, rstd] = [new Float64Array(2), new Float64Array(2)];
  jsBackend.layerNorm(x, gamma, beta, 2, 4, 0.01, out, mean, rstd);
  // Row 0: mean 2.5, var 1.25; row 1: mean 1, var 5.
  assert.deepEqual(Array.from(mean), [2.5, 1]);
  const r0 = 1 / Math.sqrt(1.26);
  const r1 = 1 / Math.sqrt(5.01);
  const want = [
    -1.5 * r0,
    -0.5 * r0 * 2 + 1,
    0.5 * r0 * 0.5,
    -1.5 * r0 + 1,
    -3 * r1,
    -r1 * 2 + 1,
    r1 * 0.5,
    -3 * r1 + 1,
  ];
  want.forEach((w, i) => assert.ok(Math.abs(out[i]! - w) < 1e-14, `out[${i}] ${out[i]} vs ${w}`));
});

test('layerNormLastAxis: float64 gradients of x, gamma and beta against finite differences', () => {
  const r = new Random(77);
  const x = makeInput(r, { shape: [3, 2, 5] });
  const gamma = makeInput(r, { shape: [5] });
  const beta = makeInput(r, { shape: [5] });
  gradcheck(([a, g, b]) => layerNormLastAxis(a!, g!, b!, 1e-3), [x, gamma, beta], { name: 'layerNorm affine' });
  gradcheck(([a]) => layerNormLastAxis(a!, null, null, 1e-3), [x], { name: 'layerNorm plain' });
});
