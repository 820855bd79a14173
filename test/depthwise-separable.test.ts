/**
 * DepthwiseConv1D/2D, SeparableConv1D/2D and the depthwise kernels: the native and wasm kernels
 * against the TypeScript reference on random inputs (float32 / float64, multipliers, strides with
 * dilation, 'same' padding, odd channel counts), values against Keras's equations worked by hand,
 * weight names and layouts, float64 finite-difference gradients on the native backend, and the
 * errors for options Keras refuses or deepscript lacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
// Registers every layer's config loader, as loadModel sees them.
import '../src/layers/index.js';
import type { Backend, WindowGeometry } from '../src/backend/backend.js';
import { jsBackend } from '../src/backend/js/js-backend.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import type { FloatArray } from '../src/core/dtype.js';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { depthwiseConv1d, depthwiseConv2d } from '../src/ops/depthwise-conv.js';
import { conv2d } from '../src/ops/conv.js';
import { windowGeometry, windowMap } from '../src/ops/conv-windows.js';
import { DepthwiseConv1D, DepthwiseConv2D } from '../src/layers/depthwise-conv.js';
import { SeparableConv1D, SeparableConv2D } from '../src/layers/separable-conv.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import { gradcheck, makeInput } from './helpers/gradcheck.js';
import { nativeBackend, wasmBackend } from './helpers/native.js';

const t = (values: number[], shape: number[]): Tensor => new Tensor(Float64Array.from(values), shape, 'float64');
const seq = (x: Tensor): number[] => Array.from(x.data);

function onBackend<T>(name: string, fn: () => T): T {
  const before = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(before);
  }
}

type C = Float32ArrayConstructor | Float64ArrayConstructor;
function random(Ctor: C, n: number, r: Random): FloatArray {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform() * 4 - 2;
  return a;
}

/** [h, w, c, kh, kw, multiplier, strides, dilation, padding, images] */
type Layout = [
  number,
  number,
  number,
  number,
  number,
  number,
  [number, number],
  [number, number],
  'valid' | 'same',
  number,
];
const LAYOUTS: Layout[] = [
  [5, 5, 3, 3, 3, 1, [1, 1], [1, 1], 'same', 2],
  [7, 6, 16, 3, 3, 1, [2, 2], [1, 1], 'same', 3],
  [8, 9, 5, 3, 2, 2, [1, 2], [2, 1], 'valid', 2],
  [9, 9, 33, 5, 5, 1, [2, 2], [2, 2], 'same', 1],
  [6, 6, 4, 1, 1, 3, [1, 1], [1, 1], 'valid', 2],
  [1, 11, 7, 1, 3, 4, [1, 3], [1, 1], 'same', 9],
  [4, 4, 2, 2, 2, 1, [1, 1], [1, 1], 'valid', 0],
];

function geometry(l: Layout): WindowGeometry {
  const [h, w, c, kh, kw, , strides, dilation, padding, n] = l;
  const map = windowMap({ inH: h, inW: w, kH: kh, kW: kw, strides, dilation, padding }, 'test');
  return windowGeometry(new Tensor(new Float32Array(n * h * w * c), [n, h, w, c]), map);
}

function run(be: Backend, Ctor: C, l: Layout, seed: number): FloatArray[] {
  const r = new Random(seed);
  const g = geometry(l);
  const m = l[5];
  const x = random(Ctor, g.n * g.h * g.w * g.c, r);
  const k = random(Ctor, g.kh * g.kw * g.c * m, r);
  const outLen = g.n * g.outH * g.outW * g.c * m;
  const grad = random(Ctor, outLen, r);
  const out = new Ctor(outLen).fill(NaN);
  const [dx, dk] = [new Ctor(x.length).fill(NaN), new Ctor(k.length).fill(NaN)];
  be.depthwiseConvForward(x, g, k, m, out);
  be.depthwiseConvBackward(x, g, k, m, grad, { x: dx, kernel: dk });
  // Each gradient alone is the same as both together.
  const dxOnly = new Ctor(x.length).fill(NaN);
  be.depthwiseConvBackward(x, g, k, m, grad, { x: dxOnly, kernel: null });
  assert.deepEqual(Array.from(dxOnly), Array.from(dx), `${be.name}: d(x) alone`);
  return [out, dx, dk];
}

for (const [name, get] of [
  ['native', nativeBackend],
  ['wasm', wasmBackend],
] as const) {
  test(`${name} depthwiseConv forward and backward match the reference on random inputs`, () => {
    const be = get();
    let seed = 1;
    for (const Ctor of [Float32Array, Float64Array])
      for (const l of LAYOUTS) {
        const want = run(jsBackend, Ctor, l, seed);
        const got = run(be, Ctor, l, seed++);
        const tol = Ctor === Float32Array ? 1e-5 : 1e-12;
        got.forEach((a, j) => {
          assert.equal(a.length, want[j]!.length);
          let nonzero = 0;
          a.forEach((v, i) => {
            const w = want[j]![i]!;
            if (w !== 0) nonzero++;
            assert.ok(
              Math.abs(v - w) <= tol * (1 + Math.abs(w)),
              `${name} ${Ctor.name} ${JSON.stringify(l)} result ${j}[${i}]: ${v} vs ${w}`,
            );
          });
          if (l[9] > 0) assert.ok(nonzero > 0, 'the reference result is not all zeros');
        });
      }
  });
}

test('depthwiseConv2d: channel c * M + j is input channel c correlated with filter j (by hand)', () => {
  // Channel 0 = [[1, 2], [3, 4]], channel 1 = [[5, 6], [7, 8]] (interleaved, channels last).
  const x = t([1, 5, 2, 6, 3, 7, 4, 8], [1, 2, 2, 2]);
  // k[i, j, c, m]: (c0, m0) = [[1, 0], [0, 1]], (c0, m1) = all ones, (c1, m0) = [[0, 1], [0, 0]], (c1, m1) = [[1, -1], [0, 2]].
  const k = t([1, 1, 0, 1, 0, 1, 1, -1, 0, 1, 0, 0, 1, 1, 0, 2], [2, 2, 2, 2]);
  const y = depthwiseConv2d(x, k);
  assert.deepEqual(y.shape, [1, 1, 1, 4]);
  assert.deepEqual(seq(y), [5, 10, 6, 15]);
});

test("depthwiseConv1d 'same' with strides 2 and dilation 2, as Keras's stride/dilation decomposition", () => {
  // Span 3 over 5 steps at stride 2: 3 outputs, padding 1 before and 1 after.
  const y = depthwiseConv1d(t([1, 2, 3, 4, 5], [1, 5, 1]), t([1, 10], [2, 1, 1]), {
    strides: 2,
    dilationRate: 2,
    padding: 'same',
  });
  assert.deepEqual(seq(y), [20, 42, 4]);
});

test('DepthwiseConv2D: Keras 3 weight names and layouts, bias, multiplier, output shape', () => {
  const l = new DepthwiseConv2D(2, { depthMultiplier: 2, activation: 'relu', dtype: 'float64' });
  assert.deepEqual([...l.computeOutputShape([null, 5, 4, 3])], [null, 4, 3, 6]);
  l.build([null, 2, 2, 2]);
  assert.deepEqual(
    l.weights.map((w) => `${w.name.split('/').pop()!.replace(/:0$/, '')}:${w.shape.join('x')}`),
    ['kernel:2x2x2x2', 'bias:4'],
  );
  l.setWeights([t([1, 1, 0, 1, 0, 1, 1, -1, 0, 1, 0, 0, 1, 1, 0, 2], [2, 2, 2, 2]), t([-6, 0, 1, -20], [4])]);
  assert.deepEqual(seq(l.apply(t([1, 5, 2, 6, 3, 7, 4, 8], [1, 2, 2, 2])) as Tensor), [0, 10, 7, 0]);
  const same = new DepthwiseConv2D([3, 3], { strides: 2, padding: 'same', dilationRate: 2 });
  assert.deepEqual([...same.computeOutputShape([null, 7, 8, 5])], [null, 4, 4, 5]);
  assert.deepEqual([...new DepthwiseConv1D(3, { depthMultiplier: 3 }).computeOutputShape([null, 9, 2])], [null, 7, 6]);
});

test('SeparableConv2D / SeparableConv1D: depthwise then pointwise, Keras names and layouts', () => {
  const l = new SeparableConv2D(2, 2, { depthMultiplier: 2, activation: 'relu', dtype: 'float64' });
  l.build([null, 2, 2, 2]);
  assert.deepEqual(
    l.weights.map((w) => `${w.name.split('/').pop()!.replace(/:0$/, '')}:${w.shape.join('x')}`),
    ['depthwise_kernel:2x2x2x2', 'pointwise_kernel:1x1x4x2', 'bias:2'],
  );
  // Depthwise gives [5, 10, 6, 15] (the hand case above); pointwise filter 0 = [1, 0.5, -1, 2] -> 34 + 1,
  // filter 1 = [0, 0, -1, 0] -> -6 + 0, cut by relu.
  l.setWeights([
    t([1, 1, 0, 1, 0, 1, 1, -1, 0, 1, 0, 0, 1, 1, 0, 2], [2, 2, 2, 2]),
    t([1, 0, 0.5, 0, -1, -1, 2, 0], [1, 1, 4, 2]),
    t([1, 0], [2]),
  ]);
  assert.deepEqual(seq(l.apply(t([1, 5, 2, 6, 3, 7, 4, 8], [1, 2, 2, 2])) as Tensor), [35, 0]);
  const s1 = new SeparableConv1D(4, 3, { strides: 2, padding: 'same', activation: 'tanh' });
  assert.deepEqual([...s1.computeOutputShape([null, 9, 3])], [null, 5, 4]);
  s1.build([null, 9, 3]);
  assert.deepEqual(
    s1.weights.map((w) => w.shape.join('x')),
    ['3x3x1', '1x3x4', '4'],
  );
  const y = s1.apply(new Tensor(new Float32Array(2 * 9 * 3).fill(0.3), [2, 9, 3])) as Tensor;
  assert.deepEqual(y.shape, [2, 5, 4]);
});

test('depthwise and separable layers refuse what Keras refuses or deepscript lacks, by name', () => {
  assert.throws(
    () => new DepthwiseConv2D(3, { depthMultiplier: 0 }),
    /depthMultiplier must be a positive integer, got 0/,
  );
  assert.throws(() => new DepthwiseConv2D(3, { depthMultipler: 2 } as never), /depthMultipler.*depthMultiplier/);
  assert.throws(
    () => new SeparableConv2D(4, 3, { pointwiseInitialiser: 'zeros' } as never),
    /pointwiseInitialiser.*pointwiseInitializer/,
  );
  assert.throws(
    () => new SeparableConv1D(4, 3, { dataFormat: 'channels_first' as never }),
    /SeparableConv1D 'separable_conv1d(_\d+)?': only data_format 'channels_last' is supported/,
  );
  assert.throws(() => new SeparableConv2D(0, 3), /filters must be a positive integer/);
  assert.throws(() => new DepthwiseConv2D(3, { padding: 'causal' as never }), /padding must be 'valid' or 'same'/);
  const l = new DepthwiseConv2D(3);
  assert.throws(
    () => l.apply(t([1, 2, 3, 4], [1, 2, 2, 1])),
    /DepthwiseConv2D\): input shape \((1|None), 2, 2, 1\) is too small for kernel_size \(3, 3\)/,
  );
  assert.throws(() => new SeparableConv2D(2, 3).apply(t([1, 2, 3], [1, 3, 1])), /expects inputs of rank 4/);
  const built = new SeparableConv1D(2, 1, { dtype: 'float64' });
  built.apply(t([1, 2], [1, 2, 1]));
  assert.throws(
    () => built.apply(t([1, 2, 3, 4], [1, 2, 2])),
    /SeparableConv1D\) expected input shape \(None, 2, 1\), got \(1, 2, 2\)/,
  );
  for (const class_name of ['DepthwiseConv2D', 'SeparableConv2D', 'SeparableConv1D']) {
    // DepthwiseConv2D has no filters (its config refuses the key).
    const filters = class_name === 'DepthwiseConv2D' ? {} : { filters: 2 };
    const config = { ...filters, kernel_size: [3, 3], data_format: 'channels_first' };
    assert.throws(() => deserializeLayer({ class_name, config }), /channels_first/);
  }
  assert.throws(
    () => deserializeLayer({ class_name: 'DepthwiseConv2D', config: { kernel_size: [3, 3], depth_multiplyer: 2 } }),
    /unknown config key 'depth_multiplyer' \(did you mean 'depth_multiplier'\?\)/,
  );
});

test('depthwise and separable: float64 gradients against finite differences on the native backend', () => {
  nativeBackend();
  onBackend('native', () => {
    const r = new Random(9);
    const x = makeInput(r, { shape: [2, 5, 4, 3] });
    const k = makeInput(r, { shape: [3, 2, 3, 2] });
    gradcheck(([a, b]) => depthwiseConv2d(a!, b!, { padding: 'same', strides: [2, 1], dilationRate: [1, 2] }), [x, k], {
      name: 'native depthwiseConv2d',
    });
    const x1 = makeInput(r, { shape: [2, 6, 2] });
    const k1 = makeInput(r, { shape: [3, 2, 2] });
    gradcheck(([a, b]) => depthwiseConv1d(a!, b!, { strides: 2 }), [x1, k1], { name: 'native depthwiseConv1d' });
    // SeparableConv2D's computation: depthwise, then the 1x1 pointwise convolution with bias.
    const xs = makeInput(r, { shape: [2, 3, 3, 2] });
    const dk = makeInput(r, { shape: [2, 2, 2, 2] });
    const pk = makeInput(r, { shape: [1, 1, 4, 3] });
    const b = makeInput(r, { shape: [3] });
    gradcheck(
      ([a, d, p, c]) => conv2d(depthwiseConv2d(a!, d!, { padding: 'same' }), p!, { bias: c! }),
      [xs, dk, pk, b],
      {
        name: 'native separable',
      },
    );
  });
});
