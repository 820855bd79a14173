// Parity of the pre-packed GEMM entry (op(B) packed once, products on the calling thread; the
// recurrent kernels' per-step product) with a float64 reference on random inputs: odd sizes, edge
// tiles in m and n, depths that cross the k blocking, leading dimensions wider than the rows (a
// column block of a wider matrix), B transposed or not, accumulate, every float32 kernel family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../src/backend/native/index.js';
import type { FloatArray } from '../src/core/dtype.js';
import { rng } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function random(C: FloatCtor, n: number, next: () => number): FloatArray {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

// [m, n, k]: single elements, ragged 12-row / 32-column edges, the recurrent shapes (units 55 and
// 100 with 4 gates, and U^T), and depths past one k-block.
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [13, 33, 17],
  [50, 400, 100],
  [27, 55, 220],
  [5, 19, 700],
  [12, 32, 1],
];

function check(
  C: FloatCtor,
  m: number,
  n: number,
  k: number,
  transB: boolean,
  accumulate: boolean,
  seed: number,
  what: string,
) {
  const addon = nativeAddon()!;
  const next = rng(seed);
  // Leading dimensions a few wider than the rows, so strided operands are exercised.
  const lda = k + 3;
  const ldb = (transB ? k : n) + 2;
  const ldc = n + 1;
  const a = random(C, m * lda, next);
  const b = random(C, (transB ? n : k) * ldb, next);
  const c0 = random(C, m * ldc, next);
  const out = C.from(c0);
  addon.gemmPrepacked(a, b, out, new Float64Array([m, n, k, lda, ldb, ldc, transB ? 1 : 0, accumulate ? 1 : 0]));
  const tol = C === Float64Array ? 1e-12 : 1e-5;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c0[i * ldc + j]! : 0;
      let abs = Math.abs(s);
      for (let kk = 0; kk < k; kk++) {
        const v = a[i * lda + kk]! * (transB ? b[j * ldb + kk]! : b[kk * ldb + j]!);
        s += v;
        abs += Math.abs(v);
      }
      const got = out[i * ldc + j]!;
      assert.ok(Math.abs(got - s) <= tol * Math.max(abs, 1), `${what} [${i},${j}]: ${got} vs ${s}`);
    }
    // Padding columns past n are left alone.
    assert.equal(out[i * ldc + n], c0[i * ldc + n], `${what}: wrote past column n in row ${i}`);
  }
}

test('pre-packed gemm matches a float64 reference (float32 on every kernel family, float64)', () => {
  const addon = nativeAddon()!;
  const isas = [...new Set(['avx512', 'avx2', 'generic'].map((i) => addon.setGemmIsa(i)))];
  let seed = 1;
  try {
    for (const isa of isas) {
      addon.setGemmIsa(isa);
      for (const [m, n, k] of SIZES)
        for (const transB of [false, true])
          for (const accumulate of [false, true])
            check(
              Float32Array,
              m,
              n,
              k,
              transB,
              accumulate,
              seed++,
              `${isa} f32 ${m}x${n}x${k} tB=${transB} acc=${accumulate}`,
            );
    }
  } finally {
    addon.setGemmIsa(addon.cpuIsa());
  }
  for (const [m, n, k] of SIZES)
    for (const transB of [false, true])
      for (const accumulate of [false, true])
        check(Float64Array, m, n, k, transB, accumulate, seed++, `f64 ${m}x${n}x${k} tB=${transB} acc=${accumulate}`);
});

test('pre-packed gemm rejects short arrays and mixed dtypes', () => {
  const addon = nativeAddon()!;
  const meta = new Float64Array([2, 3, 4, 4, 3, 3, 0, 0]);
  assert.throws(
    () => addon.gemmPrepacked(new Float32Array(7), new Float32Array(12), new Float32Array(6), meta),
    /gemmPrepacked: arrays are shorter/,
  );
  assert.throws(
    () => addon.gemmPrepacked(new Float32Array(8), new Float64Array(12), new Float32Array(6), meta),
    /gemmPrepacked: expects float arrays of one dtype/,
  );
});
