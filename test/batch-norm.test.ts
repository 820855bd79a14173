// BatchNormalization's fused kernels: native and wasm against the js reference on random inputs
// (exact where the arithmetic is element-wise, within float64-summation rounding where it sums),
// the same bits on 1 and 2 threads, finite-difference gradients of both ops, and the fused path
// against the equations composed from generic ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { setNumThreads } from '../src/backend/native/index.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { BatchNormalization } from '../src/layers/batch-normalization.js';
import { batchNormInference, batchNormTraining } from '../src/ops/batch-norm.js';
import { transpose } from '../src/ops/transpose.js';
import { relu } from '../src/ops/unary.js';
import { mul } from '../src/ops/binary.js';
import { sum } from '../src/ops/reduce.js';
import { gradients } from '../src/core/autograd.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, rng, wasmBackend } from './helpers/native.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
const FLOATS = [Float32Array, Float64Array] as const;
const SHAPES: [number, number][] = [
  [1, 1],
  [7, 3],
  [33, 32],
  [5000, 32],
  [20011, 5],
  [3, 130],
];

function randomFloats(C: FloatCtor, n: number, seed: number, offset = 0, spread = 4): Float32Array | Float64Array {
  const r = rng(seed);
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = offset + (r() - 0.5) * spread;
  return a;
}

function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
    else assert.ok(Math.abs(a - e) <= rtol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

/**
 * Runs every BatchNormalization kernel on `be` and returns what it wrote; `relu` runs the variants
 * with a relu fused after the affine (its mask recomputed from x in the backward kernels).
 */
function runKernels(be: Backend, C: FloatCtor, rows: number, c: number, seed: number, offset: number, relu = false) {
  const n = rows * c;
  const x = randomFloats(C, n, seed, offset);
  const dy = randomFloats(C, n, seed + 1);
  const mean = new C(c);
  const variance = new C(c);
  be.batchNormStats(x, rows, c, mean, variance);
  const scale = randomFloats(C, c, seed + 2);
  const shift = randomFloats(C, c, seed + 3);
  const y = new C(n);
  // About the mean, so the affine output is negative for about half the entries.
  if (relu) for (let j = 0; j < c; j++) shift[j] = shift[j]! * 0.25 - mean[j]! * scale[j]!;
  be.channelAffine(x, rows, c, scale, shift, relu, y);
  const sumDy = new C(c);
  const sumDyXc = new C(c);
  const after = relu ? { scale, shift } : null;
  be.batchNormGradSums(dy, x, mean, rows, c, sumDy, sumDyXc, after);
  const [a, b, d] = [seed + 4, seed + 5, seed + 6].map((s) => randomFloats(C, c, s));
  const dx = new C(n);
  be.batchNormInputGrad(dy, x, rows, c, a!, b!, d!, dx, after);
  return { mean, variance, y, sumDy, sumDyXc, dx };
}

function checkBackend(be: Backend, name: string): void {
  let seed = 100;
  for (const C of FLOATS) {
    const rtol = C === Float32Array ? 3e-7 : 1e-12;
    for (const [rows, c] of SHAPES) {
      // Offset data checks the shifted variance sums (a mean of 1000 and a spread of 4).
      for (const [offset, relu] of [
        [0, false],
        [1000, false],
        [0, true],
        [1000, true],
      ] as const) {
        const what = `${name} ${C.name} [${rows}, ${c}] offset ${offset}${relu ? ' relu' : ''}`;
        const want = runKernels(jsBackend, C, rows, c, seed, offset, relu);
        const got = runKernels(be, C, rows, c, seed, offset, relu);
        seed += 10;
        // Sums in float64 in another order: equal after rounding to the dtype, or one rounding apart.
        assertClose(got.mean, want.mean, rtol, `${what} mean`);
        assertClose(got.variance, want.variance, C === Float32Array ? 1e-6 : 1e-9, `${what} variance`);
        assertClose(got.sumDy, want.sumDy, C === Float32Array ? 1e-6 : 1e-10, `${what} sumDy`);
        assertClose(got.sumDyXc, want.sumDyXc, C === Float32Array ? 1e-6 : 1e-10, `${what} sumDyXc`);
        // Element-wise arithmetic in the dtype, in the documented order: the same bits.
        assertSame(got.y, want.y, `${what} channelAffine`);
        assertSame(got.dx, want.dx, `${what} batchNormInputGrad`);
      }
    }
  }
}

test('BatchNormalization kernels: native against the js reference on random inputs', () => {
  checkBackend(nativeBackend(), 'native');
});

test('BatchNormalization kernels: wasm against the js reference on random inputs', () => {
  checkBackend(wasmBackend(), 'wasm');
});

test('BatchNormalization kernels: the same bits on 1 and 2 native threads; NaN stays NaN; no rows gives NaN statistics', () => {
  const nb = nativeBackend();
  try {
    setNumThreads(1);
    for (const relu of [false, true]) {
      setNumThreads(1);
      const one = runKernels(nb, Float32Array, 50000, 32, 7, 3, relu);
      setNumThreads(2);
      const two = runKernels(nb, Float32Array, 50000, 32, 7, 3, relu);
      for (const k of Object.keys(one) as (keyof typeof one)[]) assertSame(two[k], one[k], `threads ${k} relu ${relu}`);
    }
  } finally {
    setNumThreads(2);
  }
  for (const be of [nb, jsBackend, wasmBackend()]) {
    const x = Float32Array.from([1, 2, NaN, 4, 5, 6]);
    const mean = new Float32Array(2);
    const variance = new Float32Array(2);
    be.batchNormStats(x, 3, 2, mean, variance);
    assert.ok(Number.isNaN(mean[0]!) && Number.isNaN(variance[0]!), `${be.name}: NaN channel`);
    assert.equal(mean[1], 4, `${be.name}: clean channel mean`);
    assert.ok(Math.abs(variance[1]! - 8 / 3) < 1e-6, `${be.name}: clean channel variance`);
    be.batchNormStats(new Float32Array(0), 0, 2, mean, variance);
    assert.ok(Number.isNaN(mean[1]!) && Number.isNaN(variance[1]!), `${be.name}: no rows`);
  }
  assert.throws(
    () =>
      nb.channelAffine(new Float32Array(4), 2, 3, new Float32Array(3), new Float32Array(3), false, new Float32Array(6)),
    /channelAffine: x is shorter than the layout/,
  );
});

test('batchNormTraining and batchNormInference: gradients against finite differences', () => {
  const r = new Random(31);
  const x = makeInput(r, { shape: [3, 2, 4] });
  const gamma = makeInput(r, { shape: [4] });
  const beta = makeInput(r, { shape: [4] });
  const mean = makeInput(r, { shape: [4] });
  const variance = makeInput(r, { shape: [4], kind: 'positive' });
  gradcheck(([a, g, b]) => batchNormTraining(a!, g!, b!, 1e-3).y, [x, gamma, beta], { name: 'training' });
  gradcheck(([a]) => batchNormTraining(a!, null, null, 1e-3).y, [x], { name: 'training, no gamma/beta' });
  gradcheck(([a, g, b]) => batchNormTraining(a!, g!, b!, 1e-3, { relu: true }).y, [x, gamma, beta], {
    name: 'training with relu',
  });
  gradcheck(([a, m, v, g, b]) => batchNormInference(a!, m!, v!, g!, b!, 1e-3), [x, mean, variance, gamma, beta], {
    name: 'inference',
  });
  gradcheck(([a, m, v]) => batchNormInference(a!, m!, v!, null, null, 1e-2), [x, mean, variance], {
    name: 'inference, no gamma/beta',
  });
});

test('the fused channels-last path computes what the composed path computes on another axis', () => {
  const r = new Random(5);
  const x = makeInput(r, { shape: [6, 3, 4, 5] }, 'float32');
  const last = new BatchNormalization({ momentum: 0.8, name: 'last' });
  const first = new BatchNormalization({ axis: 1, momentum: 0.8, name: 'first' });
  last.build([null, 3, 4, 5]);
  first.build([null, 5, 3, 4]);
  const gamma = [0.5, 2, -1, 1.5, 3];
  const beta = [0.1, -0.2, 0.3, 0, 1];
  for (const l of [last, first]) {
    l.gamma!.assign(gamma);
    l.beta!.assign(beta);
  }
  const xFirst = transpose(x, [0, 3, 1, 2]);
  for (const training of [true, false]) {
    const a = last.apply(x, { training });
    const b = transpose(first.apply(xFirst, { training }), [0, 2, 3, 1]);
    assertClose(a.data, b.data, 2e-5, `training=${training} output`);
    assertClose(last.movingMean!.data, first.movingMean!.data, 1e-6, 'moving mean');
    assertClose(last.movingVariance!.data, first.movingVariance!.data, 1e-6, 'moving variance');
  }
});

test('batchNormTraining with relu fused gives the bits of relu after batchNormTraining, forward and backward', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const r = new Random(77);
    const x = makeInput(r, { shape: [40, 3, 8] }, dtype);
    const gamma = makeInput(r, { shape: [8] }, dtype);
    const beta = makeInput(r, { shape: [8] }, dtype);
    const upstream = makeInput(r, { shape: [40, 3, 8] }, dtype);
    const run = (fused: boolean) => {
      const inputs = [x, gamma, beta].map((t) => {
        const c = new Tensor(t.data.slice(), t.shape, t.dtype);
        c.requiresGrad = true;
        return c;
      });
      const [a, g, b] = inputs;
      const y = fused
        ? batchNormTraining(a!, g!, b!, 1e-3, { relu: true }).y
        : relu(batchNormTraining(a!, g!, b!, 1e-3).y);
      const grads = gradients(sum(mul(y, upstream)), inputs);
      return { y, grads };
    };
    const fused = run(true);
    const composed = run(false);
    const negatives = (composed.y.data as Float32Array).filter((v) => v === 0).length;
    assert.ok(negatives > 100 && negatives < 860, `${dtype}: the relu must cut some entries, cut ${negatives}`);
    assertSame(fused.y.data, composed.y.data, `${dtype} y`);
    fused.grads.forEach((g, i) => assertSame(g!.data, composed.grads[i]!.data, `${dtype} grad ${i}`));
  }
});

test('batchNormTraining refuses parameters of the wrong shape or dtype, naming both', () => {
  const x = new Tensor(new Float32Array(12), [3, 4], 'float32');
  assert.throws(
    () => batchNormTraining(x, new Tensor(new Float32Array(3), [3], 'float32'), null, 1e-3),
    /batchNormTraining: per-channel parameters must be float32 of shape \[4\] for input \[3, 4\], got float32 \[3\]/,
  );
});
