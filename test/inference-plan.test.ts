// The inference plan (src/models/inference-plan.ts, native/infer.cc) against model.predict and
// the small-batch Dense kernel against a float64 reference, on random inputs and weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferenceKernels, registerInferenceKernels } from '../src/backend/inference-kernels.js';
import { getNumThreads, nativeAddon, setNumThreads } from '../src/backend/native/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Activation } from '../src/layers/activation.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Embedding } from '../src/layers/embedding.js';
import { GlobalAveragePooling1D } from '../src/layers/global-average-pooling1d.js';
import { Input } from '../src/layers/input-layer.js';
import { Add } from '../src/layers/merging/add.js';
import { Flatten } from '../src/layers/flatten.js';
import { GlobalAveragePooling2D } from '../src/layers/global-average-pooling2d.js';
import type { Layer } from '../src/layers/layer.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { Reshape } from '../src/layers/reshape.js';
import { planInference } from '../src/models/inference-plan.js';
import { Model } from '../src/models/model.js';
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
function randomiseWeights(model: Model, r: () => number): void {
  model.setWeights(
    model.weights.map((w) => {
      const fanIn = w.rank === 1 ? 100 : w.size / w.shape[w.rank - 1]!;
      return randomTensor([...w.shape], r, Math.sqrt(3 / fanIn));
    }),
  );
}

/** The eager forward pass (layer by layer, the ops predict ran before the plan existed). */
function eager(model: Model, x: Tensor): Tensor {
  return model.apply(x, { training: false }) as Tensor;
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

test('denseSmall matches a float64 reference (relu, bias, edge tiles, 1 and 2 threads, every kernel family)', () => {
  const addon = nativeAddon()!;
  const r = rng(11);
  const isaBefore = addon.getGemmIsa();
  // Each family the CPU can run (setGemmIsa caps the request at what it has).
  const isas = [...new Set(['generic', 'avx2', 'avx512'].map((i) => addon.setGemmIsa(i)))];
  try {
    for (const isa of isas) {
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

test('the lecture MLP and CNN: plan = the eager forward pass bit for bit above 4 rows, within float32 rounding below', () => {
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
    const plan = planInference(model.requireGraph(), [null, ...sample]);
    assert.equal(plan.steps.length, 1, `one native call: ${plan.steps.join('; ')}`);
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        for (const batch of model === mlp ? [1, 2, 4, 5, 16, 40] : [1, 5]) {
          const x = randomTensor([batch, ...sample], r);
          const want = eager(model, x);
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

test('convolutions and pooling alone match the eager pass bit for bit at every batch size (band-split Winograd)', () => {
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
  const plan = planInference(model.requireGraph(), [null, 25, 23, 3]);
  assert.equal(plan.steps.length, 1, plan.steps.join('; '));
  for (const threads of [1, 2]) {
    withThreads(threads, () => {
      for (const batch of [1, 2, 5]) {
        const x = randomTensor([batch, 25, 23, 3], r);
        assertBitEqual(plan.run(x), eager(model, x), `${threads} threads, batch ${batch}`);
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
  const plan = planInference(model.requireGraph(), [null, 10, 10, 8]);
  assert.deepEqual(
    plan.steps.map((s) => s.split(':')[0]),
    ['native', 'apply', 'apply', 'native'],
    plan.steps.join('; '),
  );
  const x = randomTensor([20, 10, 10, 8], r);
  assertBitEqual(plan.run(x), eager(model, x), 'mixed plan');
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
  const plan = planInference(model.requireGraph(), [null, 12, 12, 1]);
  const x = randomTensor([20, 12, 12, 1], r);
  const before = plan.run(x);
  randomiseWeights(model, r);
  const after = plan.run(x);
  assertBitEqual(after, eager(model, x), 'after setWeights');
  assert.ok(
    before.data.some((v, i) => v !== after.data[i]),
    'outputs changed with the weights',
  );
});

test('NaN inputs give NaN outputs, as the eager pass, in the small-batch and the GEMM Dense paths', () => {
  setRandomSeed(8);
  const model = new Sequential([new Dense(16, { inputDim: 12 }), new Dense(4, { activation: 'softmax' })]);
  const plan = planInference(model.requireGraph(), [null, 12]);
  for (const batch of [2, 6]) {
    const x = randomTensor([batch, 12], rng(4));
    x.data[12 + 5] = NaN; // sample 1
    const got = plan.run(x);
    const want = eager(model, x);
    for (let i = 0; i < batch * 4; i++) {
      const nan = i >= 4 && i < 8;
      assert.equal(Number.isNaN(got.data[i]), nan, `batch ${batch}, plan output ${i}`);
      assert.equal(Number.isNaN(want.data[i]), nan, `batch ${batch}, eager output ${i}`);
    }
  }
});

test('on the js backend the plan runs the layers as predict does', () => {
  setRandomSeed(9);
  const model = new Sequential([
    new Dense(7, { inputDim: 5, activation: 'relu' }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  const plan = planInference(model.requireGraph(), [null, 5]);
  const x = randomTensor([4, 5], rng(6));
  const prev = getBackend();
  setBackend('js');
  try {
    assertBitEqual(plan.run(x), eager(model, x), 'js backend');
  } finally {
    setBackend(prev);
  }
});

test('bad inputs and input shapes are refused, naming the shapes', () => {
  setRandomSeed(10);
  const model = new Sequential([new Dense(4, { inputDim: 6 })]);
  const plan = planInference(model.requireGraph(), [null, 6]);
  assert.throws(
    () => plan.run(randomTensor([2, 5], rng(1))),
    /expected input shape \(None, 6\) with batch >= 1, got \(2, 5\)/,
  );
  assert.throws(
    () =>
      planInference(model.requireGraph(), [
        [null, 6],
        [null, 6],
      ]),
    /the graph has 1 inputs, got 2 input shapes/,
  );
  assert.throws(() => planInference(model.requireGraph(), [null]), /needs a batch axis and sample axes, got \(None,\)/);
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
  const plan = planInference(model.requireGraph(), [null, 10]);
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
  assertBitEqual(after, planInference(model.requireGraph(), [null, 10]).run(x), 'after a step');
  // An input of the wrong sample shape gets no plan: the layer's own error names it.
  assert.throws(
    () => model.predictOnBatch(randomTensor([2, 11], r)),
    /expected input shape \(None, 10\), got \(2, 11\)/,
  );
});

/** Counts native plan runs, to show predict went through the plan. */
function countingRuns(): { count: () => number; restore: () => void } {
  let n = 0;
  const original = kernels;
  registerInferenceKernels({
    ...original,
    run: (...args) => {
      n++;
      original.run(...args);
    },
  });
  return { count: () => n, restore: () => registerInferenceKernels(original) };
}

test('Functional models predict on the plan: two inputs, a shared layer, a merge, two outputs, a nested model', () => {
  const r = rng(21);
  setRandomSeed(21);
  const a = Input({ shape: [20] });
  const b = Input({ shape: [20] });
  const shared = new Dense(32, { activation: 'relu', name: 'shared' });
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const merged = new Add().apply([ha, hb]);
  const head = new Activation('softmax').apply(
    new Dense(8, { name: 'head_b' }).apply(new Dense(16, { activation: 'relu', name: 'head_a' }).apply(merged)),
  );
  // ha is read twice (the merge and this branch), so no chain runs through it.
  const inner = new Sequential([new Dense(6, { inputShape: [32], activation: 'relu' }), new Dense(4)], {
    name: 'inner',
  });
  const side = new Dense(3, { name: 'side' }).apply(inner.apply(ha));
  const model = new Model({ inputs: [a, b], outputs: [head, side] });
  randomiseWeights(model, r);
  const plan = planInference(model.requireGraph(), [
    [null, 20],
    [null, 20],
  ]);
  const natives = plan.steps.filter((s) => s.startsWith('native'));
  assert.ok(
    natives.some((s) => /^native: head_a \(Dense\) -> head_b \(Dense\) -> activation(_\d+)? \(Activation\)$/.test(s)),
    plan.steps.join('; '),
  );
  assert.equal(natives.filter((s) => s === 'native: shared (Dense)').length, 2, plan.steps.join('; '));
  assert.ok(
    plan.steps.some((s) => /^apply: add(_\d+)? \(Add\)$/.test(s)),
    plan.steps.join('; '),
  );
  assert.ok(plan.steps.includes('apply: inner (Sequential)'), plan.steps.join('; '));
  assert.ok(plan.steps.includes('native: side (Dense)'), plan.steps.join('; '));
  for (const threads of [1, 2]) {
    withThreads(threads, () => {
      for (const batch of [2, 7]) {
        const xs = [randomTensor([batch, 20], r), randomTensor([batch, 20], r)];
        const eager = model.apply(xs, { training: false }) as unknown as Tensor[];
        const runs = countingRuns();
        let got: Tensor[];
        try {
          got = model.predict(xs, { batchSize: batch }) as Tensor[];
        } finally {
          runs.restore();
        }
        assert.ok(runs.count() >= 4, `predict ran ${runs.count()} native plan calls`);
        const viaBatch = model.predictOnBatch(xs) as unknown as Tensor[];
        for (let o = 0; o < 2; o++) {
          const what = `${threads} threads, batch ${batch}, output ${o}`;
          if (batch > 4) assertBitEqual(got[o]!, eager[o]!, what);
          else assertClose(got[o]!, eager[o]!, 1e-5, what);
          assertBitEqual(viaBatch[o]!, got[o]!, `${what} (predictOnBatch)`);
        }
      }
    });
  }
  // Inputs by name, as the eager forward pass takes them.
  const xs = [randomTensor([6, 20], r), randomTensor([6, 20], r)];
  const byName = model.predict({ [model.inputNames[0]!]: xs[0]!, [model.inputNames[1]!]: xs[1]! }, { batchSize: 6 });
  assertBitEqual((byName as Tensor[])[1]!, (model.predict(xs, { batchSize: 6 }) as Tensor[])[1]!, 'record input');
});

test('masks are honoured: a chain whose input carries a mask runs through its layers, as the eager pass', () => {
  const r = rng(22);
  setRandomSeed(22);
  const tokens = Input({ shape: [6], dtype: 'int32' });
  const emb = new Embedding(12, 8, { maskZero: true }).apply(tokens);
  const perStep = new Dense(10, { activation: 'relu', name: 'per_step' }).apply(emb); // mask passes through
  const pooled = new GlobalAveragePooling1D().apply(perStep); // averages the unmasked steps only
  const out = new Dense(3, { activation: 'softmax', name: 'out' }).apply(pooled);
  const model = new Model({ inputs: tokens, outputs: out });
  randomiseWeights(model, r);
  const batch = 9;
  const ids = new Int32Array(batch * 6);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(r() * 12);
  for (let s = 0; s < batch; s++) ids[s * 6 + 5] = 0; // every sample ends in padding
  ids[0] = 0;
  const x = new Tensor(ids, [batch, 6], 'int32');
  const eager = model.apply(x, { training: false }) as Tensor;
  const got = model.predict(x, { batchSize: batch }) as Tensor;
  assertBitEqual(got, eager, 'masked model');
  // The same weights without the mask give other numbers, so the comparison above can fail.
  const plainEmbedding = new Embedding(12, 8);
  const unmasked = new Model({
    inputs: tokens,
    outputs: model
      .getLayer('out')
      .apply(new GlobalAveragePooling1D().apply(model.getLayer('per_step').apply(plainEmbedding.apply(tokens)))),
  });
  plainEmbedding.setWeights(model.layers[1]!.getWeights());
  const plain = unmasked.predict(x, { batchSize: batch }) as Tensor;
  assert.ok(
    plain.data.some((v, i) => Math.abs(v - eager.data[i]!) > 1e-4),
    'the mask changes the outputs',
  );
});
