// The inference plan (src/models/inference-plan.ts, native/infer.cc) against model.predict and
// the small-batch Dense kernel against a float64 reference, on random inputs and weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferenceKernels } from '../src/backend/inference-kernels.js';
import { getNumThreads, nativeAddon, setNumThreads } from '../src/backend/native/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Activation } from '../src/layers/activation.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten } from '../src/layers/flatten.js';
import { GlobalAveragePooling2D } from '../src/layers/global-average-pooling2d.js';
import type { Layer } from '../src/layers/layer.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { Reshape } from '../src/layers/reshape.js';
import { planInference } from '../src/models/inference-plan.js';
import { Sequential } from '../src/models/sequential.js';
import { nativeBackend, rng } from './helpers/native.js';

nativeBackend();
// Plan and predict both on the native backend (the js one is tested at the end).
setBackend('native');
const kernels = inferenceKernels()!;

function randomTensor(shape: number[], r: () => number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (r() * 2 - 1) * scale;
  return new Tensor(d, shape, 'float32');
}

function withThreads(t: number, f: () => void): void {
  const before = getNumThreads();
  setNumThreads(t);
  try {
    f();
  } finally {
    setNumThreads(before);
  }
}

function lectureCnn(): Layer[] {
  return [
    new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Dropout(0.25),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ];
}

/**
 * Random weights at Glorot-like scale (kernels uniform in +-sqrt(3 / fan-in), biases +-0.1) from
 * the seeded generator, so biases are not all zero and logits stay in a realistic range.
 */
function randomiseWeights(model: Sequential, r: () => number): void {
  model.setWeights(
    model.weights.map((w) => {
      const fanIn = w.rank === 1 ? 100 : w.size / w.shape[w.rank - 1]!;
      return randomTensor([...w.shape], r, Math.sqrt(3 / fanIn));
    }),
  );
}

function assertBitEqual(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  for (let i = 0; i < want.size; i++) {
    if (!Object.is(got.data[i], want.data[i]))
      assert.fail(`${what}: element ${i} differs: ${got.data[i]} vs ${want.data[i]}`);
  }
}

function assertClose(got: Tensor, want: Tensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  for (let i = 0; i < want.size; i++) {
    const d = Math.abs(got.data[i]! - want.data[i]!);
    if (!(d <= tol)) assert.fail(`${what}: element ${i}: ${got.data[i]} vs ${want.data[i]} (tolerance ${tol})`);
  }
}

test('denseSmall matches a float64 reference (relu, bias, edge tiles, 1 and 2 threads, both kernel families)', () => {
  const addon = nativeAddon()!;
  const r = rng(11);
  const isaBefore = addon.getGemmIsa();
  try {
    for (const isa of ['generic', isaBefore]) {
      addon.setGemmIsa(isa);
      for (const threads of [1, 2]) {
        withThreads(threads, () => {
          for (const [rows, k, n] of [
            [1, 1, 1],
            [1, 784, 512],
            [3, 33, 31],
            [8, 100, 32],
            [9, 7, 33],
            [16, 300, 10],
            [2, 9216, 128],
            [12, 4500, 40],
          ] as const) {
            for (const relu of [false, true]) {
              const x = randomTensor([rows, k], r).data as Float32Array;
              const w = randomTensor([k, n], r).data as Float32Array;
              const bias = relu ? (randomTensor([n], r).data as Float32Array) : null;
              const out = new Float32Array(rows * n).fill(NaN);
              kernels.denseSmall(x, rows, w, k, n, bias, relu, out);
              for (let i = 0; i < rows; i++) {
                for (let j = 0; j < n; j++) {
                  let s = bias ? bias[j]! : 0;
                  let mag = Math.abs(s);
                  for (let kk = 0; kk < k; kk++) {
                    s += x[i * k + kk]! * w[kk * n + j]!;
                    mag += Math.abs(x[i * k + kk]! * w[kk * n + j]!);
                  }
                  const want = relu && s < 0 ? 0 : s;
                  const got = out[i * n + j]!;
                  // The worst-case bound of a float32 sum of k + 1 products: (k + 2) u of the magnitudes summed.
                  const tol = (k + 2) * 2 ** -24 * mag;
                  if (!(Math.abs(got - want) <= tol))
                    assert.fail(
                      `${isa}, ${threads} threads, (${rows},${k},${n}) relu=${relu}: [${i},${j}] ${got} vs ${want}`,
                    );
                }
              }
            }
          }
        });
      }
    }
  } finally {
    addon.setGemmIsa(isaBefore);
  }
});

test('denseSmall gives the same bits on 1 and 2 threads (k chunks are summed in a fixed order)', () => {
  const r = rng(12);
  for (const [rows, k, n] of [
    [1, 9216, 128],
    [3, 5000, 70],
    [8, 3000, 64],
  ] as const) {
    const x = randomTensor([rows, k], r).data as Float32Array;
    const w = randomTensor([k, n], r).data as Float32Array;
    const outs = [1, 2].map((t) => {
      const out = new Float32Array(rows * n);
      withThreads(t, () => kernels.denseSmall(x, rows, w, k, n, null, false, out));
      return out;
    });
    assert.deepEqual(outs[0], outs[1], `(${rows},${k},${n})`);
  }
});

test('denseSmall keeps NaN visible through relu', () => {
  const x = new Float32Array([NaN, 1, -1, 2]);
  const w = new Float32Array([1, -1, 1, -1]); // [2, 2]
  const out = new Float32Array(4);
  kernels.denseSmall(x, 2, w, 2, 2, null, true, out);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), `row with NaN input: ${out[0]}, ${out[1]}`);
  assert.deepEqual([out[2], out[3]], [1, 0]); // [-1, 2] @ [[1, -1], [1, -1]] = [1, -1]
});

test('the lecture MLP and CNN: plan = predict bit for bit above 4 rows, within float32 rounding below', () => {
  const r = rng(5);
  setRandomSeed(3);
  const mlp = new Sequential([
    new Dense(512, { inputDim: 784, activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  randomiseWeights(mlp, r);
  const cnn = new Sequential(lectureCnn());
  randomiseWeights(cnn, r);
  for (const [model, sample] of [
    [mlp, [784]],
    [cnn, [28, 28, 1]],
  ] as const) {
    const plan = planInference(model.layers, [null, ...sample]);
    assert.equal(plan.steps.length, 1, `one native call: ${plan.steps.join('; ')}`);
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        for (const batch of model === mlp ? [1, 2, 4, 5, 16, 40] : [1, 5]) {
          const x = randomTensor([batch, ...sample], r);
          const want = model.predict(x, { batchSize: batch });
          const got = plan.run(x);
          const what = `${model.layers.length} layers, ${threads} threads, batch ${batch}`;
          // Softmax outputs in [0, 1]: the small-batch Dense sums in another order than the GEMM;
          // measured differences are below 1e-7.
          if (batch > 4) assertBitEqual(got, want, what);
          else assertClose(got, want, 1e-6, what);
        }
      });
    }
  }
});

test('convolutions and pooling alone match predict bit for bit at every batch size (band-split Winograd)', () => {
  const r = rng(9);
  setRandomSeed(4);
  const model = new Sequential([
    new Conv2D(16, 3, { inputShape: [25, 23, 3], padding: 'same', activation: 'relu' }), // im2col (c = 3)
    new Conv2D(12, 3, { padding: 'same' }), // Winograd, 'same' padding, linear
    new MaxPooling2D({ poolSize: 2, padding: 'same' }),
    new Conv2D(9, 3, { activation: 'relu' }), // Winograd, valid (11 x 10 out)
    new Conv2D(8, 2, { strides: 2, padding: 'same' }), // strided im2col
    new Activation('relu'),
    new Reshape([-1]),
    new Activation('softmax'),
  ]);
  randomiseWeights(model, r);
  const plan = planInference(model.layers, [null, 25, 23, 3]);
  assert.equal(plan.steps.length, 1, plan.steps.join('; '));
  for (const threads of [1, 2]) {
    withThreads(threads, () => {
      for (const batch of [1, 2, 5]) {
        const x = randomTensor([batch, 25, 23, 3], r);
        assertBitEqual(plan.run(x), model.predict(x, { batchSize: batch }), `${threads} threads, batch ${batch}`);
      }
    });
  }
});

test('layers without a native step run through apply, between native segments', () => {
  const r = rng(2);
  setRandomSeed(6);
  const model = new Sequential([
    new Conv2D(8, 3, { inputShape: [10, 10, 8], activation: 'relu' }),
    new GlobalAveragePooling2D(),
    new Dense(20, { activation: 'tanh' }),
    new Dense(24, { activation: 'relu' }),
    new Dense(5),
  ]);
  randomiseWeights(model, r);
  const plan = planInference(model.layers, [null, 10, 10, 8]);
  assert.deepEqual(
    plan.steps.map((s) => s.split(':')[0]),
    ['native', 'apply', 'apply', 'native'],
    plan.steps.join('; '),
  );
  const x = randomTensor([20, 10, 10, 8], r);
  assertBitEqual(plan.run(x), model.predict(x, { batchSize: 20 }), 'mixed plan');
});

test('the plan follows weight changes (Dense read in place, Conv2D transform redone)', () => {
  const r = rng(3);
  setRandomSeed(7);
  const model = new Sequential([
    new Conv2D(8, 3, { inputShape: [12, 12, 1], activation: 'relu' }),
    new Conv2D(16, 3, { activation: 'relu' }),
    new Flatten(),
    new Dense(10, { activation: 'softmax' }),
  ]);
  randomiseWeights(model, r);
  const plan = planInference(model.layers, [null, 12, 12, 1]);
  const x = randomTensor([20, 12, 12, 1], r);
  const before = plan.run(x);
  randomiseWeights(model, r);
  const after = plan.run(x);
  assertBitEqual(after, model.predict(x, { batchSize: 20 }), 'after setWeights');
  assert.ok(
    before.data.some((v, i) => v !== after.data[i]),
    'outputs changed with the weights',
  );
});

test('NaN inputs give NaN outputs, as predict, in the small-batch and the GEMM Dense paths', () => {
  setRandomSeed(8);
  const model = new Sequential([new Dense(16, { inputDim: 12 }), new Dense(4, { activation: 'softmax' })]);
  const plan = planInference(model.layers, [null, 12]);
  for (const batch of [2, 6]) {
    const x = randomTensor([batch, 12], rng(4));
    x.data[12 + 5] = NaN; // sample 1
    const got = plan.run(x);
    const want = model.predict(x, { batchSize: batch });
    for (let i = 0; i < batch * 4; i++) {
      const nan = i >= 4 && i < 8;
      assert.equal(Number.isNaN(got.data[i]), nan, `batch ${batch}, plan output ${i}`);
      assert.equal(Number.isNaN(want.data[i]), nan, `batch ${batch}, predict output ${i}`);
    }
  }
});

test('on the js backend the plan runs the layers as predict does', () => {
  setRandomSeed(9);
  const model = new Sequential([
    new Dense(7, { inputDim: 5, activation: 'relu' }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  const plan = planInference(model.layers, [null, 5]);
  const x = randomTensor([4, 5], rng(6));
  const prev = getBackend();
  setBackend('js');
  try {
    assertBitEqual(plan.run(x), model.predict(x, { batchSize: 4 }), 'js backend');
  } finally {
    setBackend(prev);
  }
});

test('bad input and unbuilt layers are refused with the shapes and the layer named', () => {
  setRandomSeed(10);
  const model = new Sequential([new Dense(4, { inputDim: 6 })]);
  const plan = planInference(model.layers, [null, 6]);
  assert.throws(
    () => plan.run(randomTensor([2, 5], rng(1))),
    /expected input shape \(None, 6\) with batch >= 1, got \(2, 5\)/,
  );
  assert.throws(() => planInference([new Dense(3)], [null, 4]), /layer 'dense_\d+' \(Dense\) is not built/);
  assert.throws(() => planInference([], [null, 4]), /no layers/);
});

test('Sequential predict and predictOnBatch run a cached plan that follows weight changes', () => {
  const r = rng(12);
  setRandomSeed(8);
  const model = new Sequential([
    new Dense(16, { inputShape: [10], activation: 'relu' }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
  randomiseWeights(model, r);
  const x = randomTensor([7, 10], r);
  const plan = planInference(model.layers, [null, 10]);
  // The plan's kernels on batch 7 are the GEMMs predict ran before: the same bits.
  assertBitEqual(model.predictOnBatch(x) as Tensor, plan.run(x), 'predictOnBatch');
  assertBitEqual(model.predict(x, { batchSize: 7 }) as Tensor, plan.run(x), 'predict');
  // One sample: the matrix-times-vector kernel, within float32 rounding of the eager forward pass.
  const one = randomTensor([1, 10], r);
  const eager = model.apply(one, { training: false }) as Tensor;
  const planned = model.predictOnBatch(one) as Tensor;
  eager.data.forEach((v, i) => assert.ok(Math.abs(v - planned.data[i]!) < 1e-6, `sample 1 [${i}]`));
  // Training changes the weights; the next predict sees them.
  const before = Array.from((model.predictOnBatch(x) as Tensor).data);
  model.trainOnBatch(x, plan.run(randomTensor([7, 10], r)));
  const after = model.predictOnBatch(x) as Tensor;
  assert.notDeepEqual(Array.from(after.data), before);
  assertBitEqual(after, planInference(model.layers, [null, 10]).run(x), 'after a step');
  // An input of the wrong sample shape gets no plan: the layer's own error names it.
  assert.throws(
    () => model.predictOnBatch(randomTensor([2, 11], r)),
    /expected input shape \(None, 10\), got \(2, 11\)/,
  );
});
