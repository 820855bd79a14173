// Parity of every native kernel (except matmul, see native-matmul.test.ts) with the reference
// 'js' backend on random inputs, for each op variant and dtype, odd sizes, size-1 and empty axes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARITHMETIC_OPS, COMPARE_OPS, REDUCE_OPS, UNARY_OPS } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { nativeAddon, setNumThreads } from '../src/backend/native/index.js';
import type { TypedArray } from '../src/core/dtype.js';
import { sizeOf } from '../src/core/shape.js';
import { assertClose, nativeBackend, rng } from './helpers/native.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const FLOATS: readonly Ctor[] = [Float32Array, Float64Array];
const ALL: readonly Ctor[] = [Float32Array, Float64Array, Int32Array, Uint8Array];

function randomArray(C: Ctor, n: number, seed: number, scale = 4): TypedArray {
  const r = rng(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) {
    if (C === Int32Array) a[i] = Math.floor((r() - 0.5) * 20);
    else if (C === Uint8Array) a[i] = Math.floor(r() * 256);
    else a[i] = (r() - 0.5) * 2 * scale;
  }
  return a;
}

/** A view at a non-zero byte offset, to check kernels honour byteOffset. */
function offsetView<T extends TypedArray>(a: T, pad = 3): T {
  const C = a.constructor as new (n: number) => T;
  const big = C === (Uint8Array as unknown) ? new C(a.length + 2 * pad) : new C(a.length + 2 * pad);
  (big as TypedArray).set(a, pad);
  return (big as TypedArray).subarray(pad, pad + a.length) as T;
}

const SPECIALS = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, NaN, Infinity, -Infinity, 1e-30, 80, -80];

function tolFor(C: Ctor): number {
  return C === Float64Array ? 1e-12 : 1e-5;
}

test('unary: every op, float32 and float64, odd sizes, specials, views', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const n of [0, 1, 7, 16, 33, 1000, 70001]) {
      for (const op of UNARY_OPS) {
        const x = randomArray(C, n, n + 11) as Float32Array;
        if (n >= SPECIALS.length) x.set(SPECIALS);
        const expected = new C(n) as Float32Array;
        const actual = new C(n) as Float32Array;
        jsBackend.unary(op, x, expected);
        nb.unary(op, x, actual);
        assertClose(actual, expected, `unary ${op} ${C.name} n=${n}`, tolFor(C), C === Float64Array ? 1e-300 : 1e-7);
      }
    }
  }
  const x = offsetView(randomArray(Float32Array, 37, 5) as Float32Array);
  const out = offsetView(new Float32Array(37));
  const expected = new Float32Array(37);
  jsBackend.unary('exp', x, expected);
  nb.unary('exp', x, out);
  assertClose(out, expected, 'unary on subarray views');
});

test('clip: float32 and float64, bounds between representable floats', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const n of [0, 1, 19, 50000]) {
      const x = randomArray(C, n, n) as Float32Array;
      if (n > 3) x.set([NaN, 0.1, -0.1]);
      const e = new C(n) as Float32Array;
      const a = new C(n) as Float32Array;
      jsBackend.clip(x, -0.1, 0.1, e);
      nb.clip(x, -0.1, 0.1, a);
      assertClose(a, e, `clip ${C.name} n=${n}`, 0, 0);
    }
  }
});

const BROADCASTS: readonly [number[], number[]][] = [
  [[], []],
  [[5], [5]],
  [
    [3, 5],
    [3, 5],
  ],
  [[4, 6], []],
  [[], [4, 6]],
  [[7, 9], [9]],
  [
    [7, 9],
    [7, 1],
  ],
  [
    [5, 1],
    [1, 6],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [2, 3, 1],
  ],
  [
    [2, 3, 4, 5],
    [1, 3, 1, 5],
  ],
  [[1, 1], [1]],
  [[0, 3], [3]],
  [
    [3, 0],
    [3, 1],
  ],
  [[300, 257], [257]],
  [
    [300, 257],
    [300, 1],
  ],
  [[70001], [70001]],
];

function outShapeOf(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

test('binary: every arithmetic and compare op, every dtype, broadcasting patterns', () => {
  const nb = nativeBackend();
  for (const C of ALL) {
    for (const [aShape, bShape] of BROADCASTS) {
      const outShape = outShapeOf(aShape, bShape);
      const n = sizeOf(outShape);
      const a = randomArray(C, sizeOf(aShape), n + 1);
      const b = randomArray(C, sizeOf(bShape), n + 2);
      // Equal elements exercise the compare ties; specials the NaN rules.
      if (a.length > 2 && b.length > 2) b[1] = a[1]!;
      if (C === Float32Array || C === Float64Array) {
        if (a.length > 4) a.set([NaN, 2, -0], 2);
        if (b.length > 4) b.set([3, NaN, 0], 2);
      }
      for (const op of [...ARITHMETIC_OPS, ...COMPARE_OPS]) {
        const compare = (COMPARE_OPS as readonly string[]).includes(op);
        const OutC = compare ? Uint8Array : C;
        let x = a;
        let y = b;
        if (op === 'pow' && (C === Float32Array || C === Float64Array)) {
          // Keep powers finite and comparable: |base| up to 4, exponents small.
          y = b.map((v) => v / 2) as TypedArray;
        }
        if (op === 'pow' && C === Int32Array) y = b.map((v) => Math.abs(v) % 4) as TypedArray;
        if (op === 'pow' && C === Uint8Array) {
          x = a.map((v) => v % 5) as TypedArray;
          y = b.map((v) => v % 4) as TypedArray;
        }
        const e = new OutC(n);
        const got = new OutC(n);
        jsBackend.binary(op, x, aShape, y, bShape, e, outShape);
        nb.binary(op, x, aShape, y, bShape, got, outShape);
        const tol = C === Float32Array && op === 'pow' ? 1e-5 : C === Float64Array && op === 'pow' ? 1e-12 : 0;
        assertClose(got, e, `binary ${op} ${C.name} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`, tol, 0);
      }
    }
  }
});

test('binary: integer division by zero and overflow wrap as typed-array stores do', () => {
  const nb = nativeBackend();
  const a = Int32Array.from([7, -7, 0, 2147483647, -2147483648, 65536]);
  const b = Int32Array.from([0, 0, 0, 2, 2, 65536]);
  for (const op of ARITHMETIC_OPS) {
    const e = new Int32Array(6);
    const got = new Int32Array(6);
    jsBackend.binary(op, a, [6], b, [6], e, [6]);
    nb.binary(op, a, [6], b, [6], got, [6]);
    assert.deepEqual(got, e, `int32 ${op}`);
  }
});

test('cast: every pair of dtypes, truncation and wrap-around', () => {
  const nb = nativeBackend();
  const values = [0, -0, 1.9, -1.9, 255.7, 256, -1, 3e9, -3e9, 1e20, NaN, Infinity, -Infinity, 127.5, 65535.2];
  for (const S of ALL) {
    const x = new S(values.length + 40);
    x.set(values.map((v) => (S === Float32Array || S === Float64Array ? v : Math.trunc(v) | 0)));
    x.set(randomArray(S, 40, 9), values.length);
    for (const D of ALL) {
      const e = new D(x.length);
      const got = new D(x.length);
      jsBackend.cast(x, e);
      nb.cast(x, got);
      assertClose(got, e, `cast ${S.name} -> ${D.name}`, 0, 0);
    }
  }
});

const LAYOUTS: readonly [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 1],
  [1, 100003, 1],
  [4, 7, 3],
  [2, 0, 3],
  [0, 3, 2],
  [5, 3, 2000],
  [40, 50, 70],
  [3000, 33, 1],
];

test('reduce: sum/max/min over every dtype and layout, NaN propagation', () => {
  const nb = nativeBackend();
  for (const C of ALL) {
    for (const [outer, n, inner] of LAYOUTS) {
      const x = randomArray(C, outer * n * inner, outer + n + inner);
      if ((C === Float32Array || C === Float64Array) && x.length > 10) x[7] = NaN;
      for (const op of REDUCE_OPS) {
        const e = new C(outer * inner);
        const got = new C(outer * inner);
        jsBackend.reduce(op, x, outer, n, inner, e);
        nb.reduce(op, x, outer, n, inner, got);
        assertClose(got, e, `reduce ${op} ${C.name} [${outer},${n},${inner}]`, C === Float32Array ? 1e-6 : 1e-12, 0);
      }
    }
  }
});

test('argReduce: argmax/argmin, first index wins ties, every dtype', () => {
  const nb = nativeBackend();
  for (const C of ALL) {
    for (const [outer, n, inner] of LAYOUTS) {
      // Few distinct values, so ties are common.
      const x = randomArray(C, outer * n * inner, outer * 3 + n).map((v) => Math.round(Number(v) / 3)) as TypedArray;
      if ((C === Float32Array || C === Float64Array) && x.length > 10) x[4] = NaN;
      for (const op of ['argmax', 'argmin'] as const) {
        const e = new Int32Array(outer * inner);
        const got = new Int32Array(outer * inner);
        jsBackend.argReduce(op, x, outer, n, inner, e);
        nb.argReduce(op, x, outer, n, inner, got);
        assert.deepEqual(got, e, `${op} ${C.name} [${outer},${n},${inner}]`);
      }
    }
  }
});

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1))
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

test('transpose: ranks 0-4, every permutation, every dtype, size-1 and empty axes', () => {
  const nb = nativeBackend();
  const shapes = [
    [],
    [7],
    [5, 3],
    [1, 9],
    [300, 257],
    [2, 3, 4],
    [3, 1, 5],
    [2, 0, 3],
    [2, 3, 4, 5],
    [3, 1, 2, 33],
    [64, 40, 33],
  ];
  for (const C of ALL) {
    for (const shape of shapes) {
      const x = randomArray(C, sizeOf(shape), shape.length * 7 + sizeOf(shape));
      for (const perm of permutations(shape.length)) {
        const e = new C(x.length);
        const got = new C(x.length);
        jsBackend.transpose(x, shape, perm, e);
        nb.transpose(x, shape, perm, got);
        assert.deepEqual(got, e, `transpose ${C.name} ${JSON.stringify(shape)} perm ${perm}`);
      }
    }
  }
});

test('gather and scatterAdd: repeated indices, every dtype, empty index lists', () => {
  const nb = nativeBackend();
  const layouts: [number, number, number, number][] = [
    [1, 5, 1, 3],
    [3, 7, 4, 9],
    [2, 4, 1, 0],
    [1, 1000, 64, 500],
    [200, 10, 1, 10],
  ];
  for (const [outer, axis, inner, nIdx] of layouts) {
    const r = rng(outer + axis + inner + nIdx);
    const idx = Int32Array.from({ length: nIdx }, () => Math.floor(r() * axis));
    for (const C of ALL) {
      const x = randomArray(C, outer * axis * inner, nIdx + 1);
      const e = new C(outer * nIdx * inner);
      const got = new C(outer * nIdx * inner);
      jsBackend.gather(x, outer, axis, inner, idx, e);
      nb.gather(x, outer, axis, inner, idx, got);
      assert.deepEqual(got, e, `gather ${C.name} [${outer},${axis},${inner}] x${nIdx}`);
    }
    for (const C of FLOATS) {
      const u = randomArray(C, outer * nIdx * inner, 3) as Float32Array;
      const base = randomArray(C, outer * axis * inner, 4) as Float32Array;
      const e = base.slice();
      const got = base.slice();
      jsBackend.scatterAdd(u, outer, axis, inner, idx, e);
      nb.scatterAdd(u, outer, axis, inner, idx, got);
      assertClose(got, e, `scatterAdd ${C.name} [${outer},${axis},${inner}] x${nIdx}`, tolFor(C), 1e-6);
    }
  }
  assert.throws(
    () => nb.gather(new Float32Array(4), 1, 4, 1, Int32Array.from([4]), new Float32Array(1)),
    /out of range/,
  );
  assert.throws(
    () => nb.scatterAdd(new Float32Array(1), 1, 4, 1, Int32Array.from([-1]), new Float32Array(4)),
    /out of range/,
  );
});

test('softmax and log-softmax rows, float32 and float64', () => {
  const nb = nativeBackend();
  const layouts: [number, number][] = [
    [1, 1],
    [3, 10],
    [7, 33],
    [0, 5],
    [200, 10],
    [5000, 17],
    [2, 1000],
  ];
  for (const C of FLOATS) {
    for (const [rows, n] of layouts) {
      const x = randomArray(C, rows * n, rows + n, 12) as Float32Array;
      for (const log of [false, true]) {
        const e = new C(rows * n) as Float32Array;
        const got = new C(rows * n) as Float32Array;
        jsBackend.softmax(x, rows, n, log, e);
        nb.softmax(x, rows, n, log, got);
        assertClose(
          got,
          e,
          `softmax log=${log} ${C.name} [${rows},${n}]`,
          tolFor(C),
          C === Float32Array ? 1e-7 : 1e-15,
        );
      }
    }
  }
});

test('softmaxCrossEntropy: one-hot and soft labels, loss and probs', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const [rows, n] of [
      [1, 1],
      [5, 10],
      [200, 10],
      [3000, 7],
      [4, 129],
    ] as const) {
      const logits = randomArray(C, rows * n, rows * n, 10) as Float32Array;
      const r = rng(rows);
      const labels = new C(rows * n) as Float32Array;
      for (let i = 0; i < rows; i++) {
        if (i % 2 === 0) labels[i * n + Math.floor(r() * n)] = 1;
        else {
          // Soft labels with some exact zeros.
          let s = 0;
          for (let j = 0; j < n; j++) s += labels[i * n + j] = j % 3 === 0 ? 0 : r();
          for (let j = 0; j < n; j++) labels[i * n + j] = s > 0 ? labels[i * n + j]! / s : 1 / n;
        }
      }
      const eLoss = new C(rows) as Float32Array;
      const eProbs = new C(rows * n) as Float32Array;
      const gLoss = new C(rows) as Float32Array;
      const gProbs = new C(rows * n) as Float32Array;
      jsBackend.softmaxCrossEntropy(logits, labels, rows, n, eLoss, eProbs);
      nb.softmaxCrossEntropy(logits, labels, rows, n, gLoss, gProbs);
      assertClose(gLoss, eLoss, `sce loss ${C.name} [${rows},${n}]`, tolFor(C), 1e-6);
      assertClose(gProbs, eProbs, `sce probs ${C.name} [${rows},${n}]`, tolFor(C), 1e-7);
    }
  }
});

function optimizerArrays(C: Ctor, n: number, seed: number) {
  const param = randomArray(C, n, seed, 1) as Float32Array;
  const grad = randomArray(C, n, seed + 1, 0.5) as Float32Array;
  const s1 = (randomArray(C, n, seed + 2, 0.1) as Float32Array).map((v) => v * 0.5);
  // Second-moment states are non-negative and dominate the squared first moment.
  const s2 = (randomArray(C, n, seed + 3, 1) as Float32Array).map((v) => v * v + 0.02);
  return { param, grad, s1, s2 };
}

test('adamUpdate: several steps, in place, float32 and float64, views', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const n of [0, 1, 17, 100003]) {
      const { param, grad, s1, s2 } = optimizerArrays(C, n, n);
      const js = { p: param.slice(), m: s1.slice(), v: s2.slice() };
      const na = { p: offsetView(param.slice()), m: offsetView(s1.slice()), v: offsetView(s2.slice()) };
      for (let step = 1; step <= 3; step++) {
        const p = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
        jsBackend.adamUpdate(js.p, grad, js.m, js.v, p);
        nb.adamUpdate(na.p, grad, na.m, na.v, p);
      }
      const tol = tolFor(C);
      assertClose(na.p, js.p, `adam param ${C.name} n=${n}`, tol, 1e-7);
      assertClose(na.m, js.m, `adam m ${C.name} n=${n}`, tol, 1e-8);
      assertClose(na.v, js.v, `adam v ${C.name} n=${n}`, tol, 1e-8);
    }
  }
});

test('sgdUpdate: plain, momentum, nesterov', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const n of [1, 33, 70001]) {
      for (const [momentum, nesterov, withVelocity] of [
        [0, false, false],
        [0.9, false, true],
        [0.9, true, true],
      ] as const) {
        const { param, grad, s1 } = optimizerArrays(C, n, n + 5);
        const jp = param.slice();
        const np = param.slice();
        const jv = withVelocity ? s1.slice() : null;
        const nv = withVelocity ? s1.slice() : null;
        for (let i = 0; i < 2; i++) {
          jsBackend.sgdUpdate(jp, grad, jv, { lr: 0.01, momentum, nesterov });
          nb.sgdUpdate(np, grad, nv, { lr: 0.01, momentum, nesterov });
        }
        const what = `sgd ${C.name} n=${n} momentum=${momentum} nesterov=${nesterov}`;
        assertClose(np, jp, what, tolFor(C), 1e-7);
        if (jv && nv) assertClose(nv, jv, `${what} velocity`, tolFor(C), 1e-8);
      }
    }
  }
});

test('rmspropUpdate: plain, momentum, centered, centered with momentum', () => {
  const nb = nativeBackend();
  for (const C of FLOATS) {
    for (const n of [1, 33, 70001]) {
      for (const [momentum, centered] of [
        [0, false],
        [0.9, false],
        [0, true],
        [0.9, true],
      ] as const) {
        const { param, grad, s1, s2 } = optimizerArrays(C, n, n + 9);
        const js = { p: param.slice(), ms: s2.slice(), mom: s1.slice(), mg: s1.map((v) => v * 0.1) };
        const na = { p: param.slice(), ms: s2.slice(), mom: s1.slice(), mg: s1.map((v) => v * 0.1) };
        const p = { lr: 1e-3, rho: 0.9, momentum, epsilon: 1e-7, centered };
        for (let i = 0; i < 2; i++) {
          jsBackend.rmspropUpdate(js.p, grad, js.ms, momentum > 0 ? js.mom : null, centered ? js.mg : null, p);
          nb.rmspropUpdate(na.p, grad, na.ms, momentum > 0 ? na.mom : null, centered ? na.mg : null, p);
        }
        const what = `rmsprop ${C.name} n=${n} momentum=${momentum} centered=${centered}`;
        assertClose(na.p, js.p, what, tolFor(C), 1e-7);
        assertClose(na.ms, js.ms, `${what} ms`, tolFor(C), 1e-8);
        if (momentum > 0) assertClose(na.mom, js.mom, `${what} mom`, tolFor(C), 1e-8);
        if (centered) assertClose(na.mg, js.mg, `${what} mg`, tolFor(C), 1e-8);
      }
    }
  }
});

test('kernels agree on one thread and on the full pool', () => {
  const nb = nativeBackend();
  const threads = nativeAddon()!.getNumThreads();
  try {
    setNumThreads(1);
    const x = randomArray(Float32Array, 100003, 1) as Float32Array;
    const e = new Float32Array(x.length);
    const got = new Float32Array(x.length);
    jsBackend.unary('tanh', x, e);
    nb.unary('tanh', x, got);
    assertClose(got, e, 'tanh on one thread');
    const se = new Float32Array(1);
    const sg = new Float32Array(1);
    jsBackend.reduce('sum', x, 1, x.length, 1, se);
    nb.reduce('sum', x, 1, x.length, 1, sg);
    assertClose(sg, se, 'sum on one thread', 1e-6);
  } finally {
    setNumThreads(threads);
  }
});
