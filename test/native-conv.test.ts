// Parity of the native window kernels (im2col, col2im, convForward, convBackward, maxPool, maxPoolGrad) with the reference
// 'js' backend on random inputs: odd sizes, padding, strides, dilation, size-1 and empty dims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WindowGeometry } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getNumThreads, nativeAddon, setNumThreads } from '../src/backend/native/index.js';
import { axisGeometry } from '../src/ops/conv-windows.js';
import type { Padding } from '../src/ops/conv-windows.js';
import { nativeBackend, rng } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function randomArray(C: FloatCtor, n: number, r: () => number, ties = false): Float32Array | Float64Array {
  const a = new C(n);
  // Few distinct values make ties common, to check that the first maximum wins.
  for (let i = 0; i < n; i++) a[i] = ties ? Math.floor(r() * 3) : (r() - 0.5) * 8;
  return a;
}

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  s: [number, number];
  d: [number, number];
  padding: Padding;
}

const CASES: Case[] = [
  { n: 2, h: 5, w: 7, c: 3, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 3, h: 6, w: 5, c: 2, kh: 3, kw: 2, s: [2, 1], d: [1, 1], padding: 'same' },
  { n: 1, h: 9, w: 8, c: 1, kh: 2, kw: 3, s: [2, 3], d: [2, 2], padding: 'same' },
  { n: 2, h: 1, w: 11, c: 4, kh: 1, kw: 3, s: [1, 2], d: [1, 2], padding: 'causal' },
  { n: 2, h: 1, w: 6, c: 5, kh: 1, kw: 4, s: [1, 1], d: [1, 1], padding: 'same' },
  { n: 1, h: 1, w: 1, c: 1, kh: 1, kw: 1, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 4, h: 7, w: 7, c: 3, kh: 7, kw: 7, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 2, h: 4, w: 4, c: 3, kh: 5, kw: 5, s: [3, 3], d: [1, 1], padding: 'same' },
  { n: 0, h: 4, w: 4, c: 3, kh: 2, kw: 2, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 2, h: 4, w: 4, c: 0, kh: 2, kw: 2, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 33, h: 13, w: 12, c: 9, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'same' },
];

function geometry(k: Case): WindowGeometry {
  const gh = axisGeometry(k.h, k.kh, k.s[0], k.d[0], k.padding === 'causal' ? 'valid' : k.padding);
  const gw = axisGeometry(k.w, k.kw, k.s[1], k.d[1], k.padding);
  return {
    n: k.n,
    h: k.h,
    w: k.w,
    c: k.c,
    kh: k.kh,
    kw: k.kw,
    strideH: k.s[0],
    strideW: k.s[1],
    dilationH: k.d[0],
    dilationW: k.d[1],
    padTop: gh.padBefore,
    padLeft: gw.padBefore,
    outH: gh.out,
    outW: gw.out,
  };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol: number): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(a === e || Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: native ${a} vs js ${e}`);
  }
}

test('im2col and col2im: native matches js (float32/float64, padding, strides, dilation, 1 and 2 threads)', () => {
  const nb = nativeBackend();
  const before = getNumThreads();
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    CASES.forEach((k, ci) => {
      for (const C of [Float32Array, Float64Array]) {
        const r = rng(100 + ci);
        const g = geometry(k);
        const what = `case ${ci} ${C.name} threads ${threads}`;
        const x = randomArray(C, g.n * g.h * g.w * g.c, r);
        const colsLen = g.n * g.outH * g.outW * g.kh * g.kw * g.c;
        // Non-zero starting contents check that im2col overwrites every entry, padding included.
        const a = new C(colsLen).fill(7);
        const b = new C(colsLen).fill(-7);
        jsBackend.im2col(x, g, a);
        nb.im2col(x, g, b);
        assertClose(b, a, `im2col ${what}`, 0);

        const cols = randomArray(C, colsLen, r);
        const start = randomArray(C, x.length, r);
        const ga = C.from(start);
        const gb = C.from(start);
        jsBackend.col2im(cols, g, ga);
        nb.col2im(cols, g, gb);
        assertClose(gb, ga, `col2im ${what}`, C === Float32Array ? 1e-5 : 1e-12);
      }
    });
  }
  setNumThreads(before);
});

// Convolution cases beyond the window cases: several patch slices per image, more images than
// the kernel's 8 summation groups, and 3x3 stride-1 layers with at least 8 channels in and out and
// 100 output positions, which native computes by Winograd's F(4x4, 3x3) (sizes not a multiple of 4
// leave partial tiles); the last three are the same windows on images too small for Winograd.
const CONV_CASES: (Case & { f?: number })[] = [
  ...CASES,
  { n: 11, h: 20, w: 18, c: 32, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 3, h: 26, w: 26, c: 32, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid' },
  { n: 3, h: 11, w: 10, c: 8, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'same', f: 8 },
  { n: 2, h: 12, w: 13, c: 13, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid', f: 21 },
  { n: 4, h: 10, w: 11, c: 40, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'same', f: 64 },
  { n: 3, h: 9, w: 7, c: 8, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'same', f: 8 },
  { n: 9, h: 5, w: 6, c: 40, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'same', f: 64 },
  { n: 2, h: 3, w: 3, c: 16, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid', f: 9 },
];

test('convForward and convBackward: native matches js (bias, relu, null gradients, 1 and 2 threads, every ISA)', () => {
  const nb = nativeBackend();
  const addon = nativeAddon()!;
  const before = getNumThreads();
  // The Winograd transforms and the GEMM have a build per instruction set the CPU has.
  const isas = [...new Set(['avx512', 'avx2', 'generic'].map((i) => addon.setGemmIsa(i)))];
  try {
    for (const isa of isas) {
      addon.setGemmIsa(isa);
      convParity(nb, isa);
    }
  } finally {
    addon.setGemmIsa(addon.cpuIsa());
    setNumThreads(before);
  }
});

function convParity(nb: ReturnType<typeof nativeBackend>, isa: string): void {
  CONV_CASES.forEach((k, ci) => {
    for (const C of [Float32Array, Float64Array]) {
      const filters = k.f ?? [1, 5, 17][ci % 3]!;
      const relu = ci % 2 === 0;
      const r = rng(300 + ci);
      const g = geometry(k);
      const what = `case ${ci} ${C.name} filters ${filters} relu ${relu} ${isa}`;
      const kLen = g.kh * g.kw * g.c * filters;
      const outLen = g.n * g.outH * g.outW * filters;
      const x = randomArray(C, g.n * g.h * g.w * g.c, r);
      const kernel = randomArray(C, kLen, r);
      const bias = ci % 3 === 1 ? null : randomArray(C, filters, r);
      const p = { filters, bias, activation: relu ? ('relu' as const) : ('linear' as const) };
      // F(4x4, 3x3)'s transforms (coefficients up to 5 in, 8 out) round float32 about 20 times
      // worse than a direct sum: on these cases (inputs and kernel in [-4, 4]) the largest
      // |native - js| / (1 + |js|) is 9.1e-4 against 1.4e-4 for F(2x2) and the im2col GEMM.
      const wino = k.kh === 3 && k.kw === 3 && k.s.join() === '1,1' && k.d.join() === '1,1' && k.c >= 8 && filters >= 8;
      const tol = C === Float32Array ? (wino ? 2e-3 : 2e-4) : 1e-11;
      const ya = new C(outLen).fill(3);
      jsBackend.convForward(x, g, kernel, p, ya);
      const grad = randomArray(C, outLen, r);
      // Every other case leaves out one gradient, as for an input image or a bias-free layer.
      const want = { x: ci % 4 !== 1, kernel: ci % 4 !== 2, bias: ci % 4 !== 3 };
      const grads = () => ({
        x: want.x ? new C(x.length).fill(5) : null,
        kernel: want.kernel ? new C(kLen).fill(5) : null,
        bias: want.bias ? new C(filters).fill(5) : null,
      });
      const da = grads();
      jsBackend.convBackward(x, g, kernel, p, ya, grad, da);
      const byThreads: { y: Float32Array | Float64Array; d: ReturnType<typeof grads> }[] = [];
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        // Poisoned outputs check that every entry is written.
        const yb = new C(outLen).fill(NaN);
        nb.convForward(x, g, kernel, p, yb);
        assertClose(yb, ya, `convForward ${what} threads ${threads}`, tol);
        const db = grads();
        for (const a of [db.x, db.kernel, db.bias]) a?.fill(NaN);
        nb.convBackward(x, g, kernel, p, yb, grad, db);
        for (const key of ['x', 'kernel', 'bias'] as const) {
          if (da[key]) assertClose(db[key]!, da[key], `convBackward d.${key} ${what} threads ${threads}`, tol);
        }
        byThreads.push({ y: yb, d: db });
      }
      // Sums run in a fixed order, so the thread count does not change a single bit.
      const [one, two] = byThreads;
      assert.deepEqual(two!.y, one!.y, `convForward ${what}: 1 vs 2 threads`);
      for (const key of ['x', 'kernel', 'bias'] as const) {
        assert.deepEqual(two!.d[key], one!.d[key], `convBackward d.${key} ${what}: 1 vs 2 threads`);
      }
    }
  });
}

test('convForward and convBackward: mismatched arrays throw instead of reading out of bounds', () => {
  const nb = nativeBackend();
  const g = geometry({ n: 2, h: 5, w: 5, c: 3, kh: 3, kw: 3, s: [1, 1], d: [1, 1], padding: 'valid' });
  const p = { filters: 4, bias: null, activation: 'linear' as const };
  const x = new Float32Array(2 * 5 * 5 * 3);
  const kernel = new Float32Array(27 * 4);
  assert.throws(() => nb.convForward(x, g, kernel.subarray(1), p, new Float32Array(2 * 9 * 4)), /shorter/);
  assert.throws(() => nb.convForward(x, g, kernel, p, new Float32Array(2 * 9 * 4 - 1)), /out is shorter/);
  assert.throws(() => nb.convForward(x, g, new Float64Array(27 * 4), p, new Float32Array(2 * 9 * 4)), /dtype/);
  const y = new Float32Array(2 * 9 * 4);
  const d = { x: new Float32Array(x.length - 1), kernel: null, bias: null };
  assert.throws(() => nb.convBackward(x, g, kernel, p, y, y, d), /gx is shorter/);
});

test('maxPool and maxPoolGrad: native matches js, ties go to the first maximum', () => {
  const nb = nativeBackend();
  const before = getNumThreads();
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    CASES.forEach((k, ci) => {
      if (k.padding === 'causal') return; // pooling has no causal padding
      for (const C of [Float32Array, Float64Array]) {
        for (const ties of [false, true]) {
          const r = rng(200 + ci);
          const g = geometry(k);
          const what = `case ${ci} ${C.name} ties ${ties} threads ${threads}`;
          const x = randomArray(C, g.n * g.h * g.w * g.c, r, ties);
          const outLen = g.n * g.outH * g.outW * g.c;
          const oa = new C(outLen);
          const ob = new C(outLen);
          const aa = new Int32Array(outLen).fill(-1);
          const ab = new Int32Array(outLen).fill(-2);
          jsBackend.maxPool(x, g, oa, aa);
          nb.maxPool(x, g, ob, ab);
          assertClose(ob, oa, `maxPool ${what}`, 0);
          assert.deepEqual(Array.from(ab), Array.from(aa), `maxPool argmax ${what}`);

          const grad = randomArray(C, outLen, r);
          // Non-zero starting contents check that the gradient overwrites its output.
          const ga = new C(x.length).fill(3);
          const gb = new C(x.length).fill(-3);
          jsBackend.maxPoolGrad(grad, aa, g, ga);
          nb.maxPoolGrad(grad, ab, g, gb);
          assertClose(gb, ga, `maxPoolGrad ${what}`, C === Float32Array ? 1e-5 : 1e-12);
        }
      }
    });
  }
  setNumThreads(before);
});

test('maxPool: an all -Infinity window picks its first real entry; bad arguments throw', () => {
  const nb = nativeBackend();
  const g = geometry({ n: 1, h: 3, w: 3, c: 1, kh: 2, kw: 2, s: [2, 2], d: [1, 1], padding: 'same' });
  const x = new Float32Array(9).fill(-Infinity);
  for (const b of [jsBackend, nb]) {
    const out = new Float32Array(4);
    const arg = new Int32Array(4);
    b.maxPool(x, g, out, arg);
    assert.deepEqual(Array.from(arg), [0, 2, 6, 8], b.name);
  }
  assert.throws(
    () => nb.maxPoolGrad(new Float32Array(4), new Int32Array([0, 1, 2, 9]), g, new Float32Array(9)),
    /range/,
  );
  assert.throws(() => nb.im2col(new Float32Array(8), g, new Float32Array(16)), /shorter/);
});
