// Parity of the native matmul kernel with the reference backend: every transpose combination,
// batch strides, fused bias/relu, odd and empty sizes, sizes that cross the k and n blocking,
// products split by rows and by columns on the pool, every SIMD kernel family the CPU has, on one
// thread and on the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MatmulParams } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { nativeAddon } from '../src/backend/native/index.js';
import type { FloatArray } from '../src/core/dtype.js';
import { nativeBackend, rng } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function random(C: FloatCtor, n: number, seed: number): FloatArray {
  const r = rng(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/** A copy living at a non-zero byte offset of a larger buffer. */
function view<T extends FloatArray>(a: T): T {
  const C = a.constructor as FloatCtor;
  const big = new C(a.length + 5);
  big.set(a, 2);
  return big.subarray(2, 2 + a.length) as T;
}

/**
 * |native - reference| <= 1e-5 |reference| + 1e-6 sum|a||b| per element: relative where the
 * result is large, and scaled by the magnitude of the summed terms where cancellation makes the
 * result small (both sides round each of k partial sums).
 */
function assertGemmClose(got: FloatArray, ref: FloatArray, absRef: FloatArray, what: string, f64: boolean): void {
  const rtol = f64 ? 1e-12 : 1e-5;
  const stol = f64 ? 1e-13 : 1e-6;
  assert.equal(got.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    // The message is built only on failure: these loops cover millions of elements.
    if (!(d <= rtol * Math.abs(ref[i]!) + stol * absRef[i]! + 1e-30)) {
      assert.fail(`${what}[${i}]: native ${got[i]} vs js ${ref[i]}`);
    }
  }
}

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  aShared?: boolean;
  bShared?: boolean;
}

const CASES: Case[] = [
  { batch: 1, m: 1, n: 1, k: 1 },
  { batch: 1, m: 0, n: 5, k: 3 },
  { batch: 1, m: 4, n: 0, k: 3 },
  { batch: 1, m: 3, n: 4, k: 0 },
  { batch: 1, m: 12, n: 32, k: 16 },
  { batch: 1, m: 13, n: 33, k: 17 },
  { batch: 1, m: 5, n: 3, k: 1 },
  { batch: 1, m: 37, n: 70, k: 129 },
  { batch: 1, m: 100, n: 100, k: 400 },
  { batch: 1, m: 200, n: 129, k: 800 },
  { batch: 1, m: 20, n: 1000, k: 800 },
  { batch: 1, m: 1000, n: 40, k: 64 },
  // Above the parallel threshold: row slices, column slices, several slices per thread each way,
  // a single micro-panel each way (one slice), and a batch of products each split.
  { batch: 1, m: 3300, n: 40, k: 20 },
  { batch: 1, m: 13, n: 3333, k: 50 },
  { batch: 1, m: 12, n: 30, k: 6000 },
  { batch: 2, m: 150, n: 140, k: 120 },
  { batch: 3, m: 7, n: 9, k: 11 },
  { batch: 3, m: 25, n: 31, k: 40, bShared: true },
  { batch: 4, m: 6, n: 50, k: 20, aShared: true },
  { batch: 64, m: 16, n: 16, k: 33 },
  { batch: 0, m: 4, n: 4, k: 4 },
];

interface Variant {
  p: MatmulParams;
  a: FloatArray;
  b: FloatArray;
  ref: FloatArray;
  absRef: FloatArray;
  what: string;
}

function variants(C: FloatCtor, cases: Case[]): Variant[] {
  const out: Variant[] = [];
  let seed = 1;
  for (const c of cases) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const epi of ['none', 'bias', 'relu', 'bias+relu'] as const) {
          const aBatchStride = c.aShared ? 0 : c.m * c.k;
          const bBatchStride = c.bShared ? 0 : c.k * c.n;
          const a = random(C, Math.max(1, c.aShared ? c.m * c.k : c.batch * c.m * c.k), seed++);
          const b = random(C, Math.max(1, c.bShared ? c.k * c.n : c.batch * c.k * c.n), seed++);
          const bias = epi.includes('bias') ? random(C, c.n, seed++) : null;
          const p: MatmulParams = {
            batch: c.batch,
            m: c.m,
            n: c.n,
            k: c.k,
            transA,
            transB,
            aBatchStride,
            bBatchStride,
            bias,
            activation: epi.includes('relu') ? 'relu' : 'linear',
          };
          const size = c.batch * c.m * c.n;
          const ref = new C(size);
          jsBackend.matmul(a, b, ref, p);
          // Sum of |terms| per element, the scale of the rounding error of a length-k sum.
          const absRef = new C(size);
          jsBackend.matmul(a.map(Math.abs), b.map(Math.abs), absRef, {
            ...p,
            bias: bias ? bias.map(Math.abs) : null,
            activation: 'linear',
          });
          const what = `${C.name} batch=${c.batch} m=${c.m} n=${c.n} k=${c.k} tA=${transA} tB=${transB} ${epi}`;
          out.push({ p, a, b, ref, absRef, what });
        }
      }
    }
  }
  return out;
}

test('matmul float32: every kernel family, 1 thread and the pool, all variants', () => {
  const nb = nativeBackend();
  const addon = nativeAddon()!;
  const threads = addon.getNumThreads();
  const isas = [...new Set(['avx512', 'avx2', 'generic'].map((i) => addon.setGemmIsa(i)))];
  const all = variants(Float32Array, CASES);
  try {
    for (const isa of isas) {
      addon.setGemmIsa(isa);
      for (const t of [...new Set([1, Math.max(2, threads)])]) {
        addon.setNumThreads(t);
        for (const v of all) {
          const out = new Float32Array(v.ref.length).fill(NaN);
          nb.matmul(v.a, v.b, out, v.p);
          assertGemmClose(out, v.ref, v.absRef, `${isa} threads=${t} ${v.what}`, false);
        }
      }
    }
  } finally {
    addon.setGemmIsa(addon.cpuIsa());
    addon.setNumThreads(threads);
  }
});

test('matmul float64 (gradient checks)', () => {
  const nb = nativeBackend();
  const cases = CASES.filter((c) => c.m * c.n * c.k <= 200_000);
  for (const v of variants(Float64Array, cases)) {
    const out = new Float64Array(v.ref.length).fill(NaN);
    nb.matmul(v.a, v.b, out, v.p);
    assertGemmClose(out, v.ref, v.absRef, v.what, true);
  }
});

test('matmul reads and writes subarray views in place', () => {
  const nb = nativeBackend();
  const [m, n, k] = [19, 45, 23];
  const a = view(random(Float32Array, m * k, 3));
  const b = view(random(Float32Array, k * n, 4));
  const bias = view(random(Float32Array, n, 5));
  const p: MatmulParams = {
    batch: 1,
    m,
    n,
    k,
    transA: false,
    transB: true,
    aBatchStride: 0,
    bBatchStride: 0,
    bias,
    activation: 'relu',
  };
  const ref = new Float32Array(m * n);
  jsBackend.matmul(a, b, ref, p);
  const backing = new Float32Array(m * n + 8).fill(7);
  const out = backing.subarray(4, 4 + m * n);
  nb.matmul(a, b, out, p);
  const abs = new Float32Array(m * n);
  jsBackend.matmul(a.map(Math.abs), b.map(Math.abs), abs, { ...p, bias: bias.map(Math.abs), activation: 'linear' });
  assertGemmClose(out, ref, abs, 'views', false);
  assert.deepEqual(
    [...backing.subarray(0, 4), ...backing.subarray(4 + m * n)],
    [7, 7, 7, 7, 7, 7, 7, 7],
    'no writes outside the view',
  );
});

test('matmul rejects arrays shorter than the shapes instead of reading past them', () => {
  const nb = nativeBackend();
  const p: MatmulParams = {
    batch: 1,
    m: 4,
    n: 4,
    k: 4,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  assert.throws(() => nb.matmul(new Float32Array(15), new Float32Array(16), new Float32Array(16), p), /shorter/);
  assert.throws(() => nb.matmul(new Float32Array(16), new Float64Array(16), new Float32Array(16), p), /dtype/);
});
