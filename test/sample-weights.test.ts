import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Model } from '../src/models/model.js';
import { Sequential } from '../src/models/sequential.js';
import { Input } from '../src/layers/input-layer.js';
import { Dense } from '../src/layers/dense.js';
import { tensor, randomNormal } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import { SGD } from '../src/optimizers/sgd.js';
import { classWeightToSampleWeights } from '../src/models/sample-weights.js';
import { Dataset } from '../src/data/dataset.js';
import { toCategorical } from '../src/utils/to-categorical.js';

// The fixed problem every hand computation below uses: y_pred = x (one unit, kernel 1, no bias),
// x = 1, 2, 3, 4, so with targets 0 the per-sample MSE values are x^2 = 1, 4, 9, 16.
const x = tensor([[1], [2], [3], [4]]);
const y0 = tensor([[0], [0], [0], [0]]);
const sw = tensor([1, 0, 2, 0.5]);

function identity(loss = 'mse', metrics: string[] = []): Sequential {
  const model = new Sequential([new Dense(1, { inputDim: 1, useBias: false, kernelInitializer: 'ones' })]);
  model.compile({ loss, optimizer: new SGD({ learningRate: 0.1 }), metrics });
  return model;
}

const close = (a: number, b: number, tol = 1e-6): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} is not ${b}`);

describe('sample weights (Keras 3: sum_over_batch_size divides by the batch size)', () => {
  test('evaluate: sum(loss * w) / n = (1*1 + 4*0 + 9*2 + 16*0.5) / 4 = 6.75, for any batch size', async () => {
    const model = identity();
    for (const batchSize of [4, 3, 1]) {
      const [loss] = await model.evaluate(x, y0, { sampleWeight: sw, batchSize, verbose: 0 });
      close(loss!, 6.75);
    }
    // Not the weight-sum normalisation 27 / 3.5, and not the unweighted mean 7.5.
    const [plain] = await model.evaluate(x, y0, { batchSize: 4, verbose: 0 });
    close(plain!, 7.5);
  });

  test('trainOnBatch: the gradient is (2/n) sum(w x^2) = 13.5, so SGD(0.1) takes the kernel from 1 to -0.35', () => {
    const model = identity();
    const [loss] = model.trainOnBatch(x, y0, sw);
    close(loss!, 6.75);
    close(model.getWeights()[0]!.data[0]!, 1 - 0.1 * 13.5);
  });

  test('fit with sampleWeight: the logged loss and the update follow the same equations', async () => {
    const model = identity();
    const h = await model.fit(x, y0, { sampleWeight: sw, batchSize: 4, epochs: 1, verbose: 0, shuffle: false });
    close(h.history['loss']![0]!, 6.75);
    close(model.getWeights()[0]!.data[0]!, -0.35);
  });

  test('sample weights of shape (n, 1) act as (n,); nested arrays and typed arrays are accepted', async () => {
    const model = identity();
    const [a] = await model.evaluate(x, y0, { sampleWeight: tensor([[1], [0], [2], [0.5]]), verbose: 0 });
    const [b] = await model.evaluate(x, y0, { sampleWeight: [1, 0, 2, 0.5], verbose: 0 });
    const [c] = await model.evaluate(x, y0, { sampleWeight: new Float32Array([1, 0, 2, 0.5]), verbose: 0 });
    for (const v of [a, b, c]) close(v!, 6.75);
  });

  test('classWeight: each sample weighs its class weight; the loss is sum(w l) / n', async () => {
    // Labels 0, 1, 1, 0 against y_pred = x: per-sample MSE (x - y)^2 = 1, 1, 4, 16;
    // classWeight {1: 3} gives weights 1, 3, 3, 1 (missing classes weigh 1): (1 + 3 + 12 + 16) / 4 = 8.
    const y = tensor([[0], [1], [1], [0]]);
    const model = identity();
    const h = await model.fit(x, y, { classWeight: { 1: 3 }, batchSize: 4, epochs: 1, verbose: 0, shuffle: false });
    close(h.history['loss']![0]!, 8);
    // dL/dk = (2/n) sum(w (x - y) x) = 0.5 * (1*1*1 + 3*1*2 + 3*2*3 + 1*4*4) = 20.5.
    close(model.getWeights()[0]!.data[0]!, 1 - 0.1 * 20.5);
  });

  test('classWeight to sample weights: argmax of one-hot targets, squeeze of (n, 1), rounding, default 1', () => {
    const w = (y: ReturnType<typeof tensor>, cw: Record<number, number>): number[] =>
      Array.from(classWeightToSampleWeights(y, cw).data);
    assert.deepEqual(
      w(
        tensor([
          [0, 1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ]),
        { 0: 2, 1: 5 },
      ),
      [5, 2, 1],
    );
    assert.deepEqual(w(tensor([[0.9], [0.2], [1]]), { 1: 4 }), [4, 1, 4]);
    assert.deepEqual(w(tensor([2, 0, 1]), { 0: 0.5, 2: 8 }), [8, 0.5, 1]);
    assert.throws(
      () => w(tensor([0, 1]), { a: 1 } as unknown as Record<number, number>),
      /integer class indices; got 'a'/,
    );
  });

  test('classWeight equals the matching sampleWeight in fit (same seed, shuffled batches, several epochs)', async () => {
    setRandomSeed(5);
    const xs = randomNormal([40, 3]);
    const labels = tensor(Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0)));
    const run = async (args: object): Promise<number[]> => {
      setRandomSeed(11);
      const m = new Sequential([new Dense(1, { inputDim: 3, activation: 'sigmoid' })]);
      m.compile({ loss: 'binary_crossentropy', optimizer: new SGD({ learningRate: 0.5 }) });
      const h = await m.fit(xs, labels, { batchSize: 8, epochs: 3, verbose: 0, ...args });
      return h.history['loss']!;
    };
    const byClass = await run({ classWeight: { 0: 1, 1: 3 } });
    const bySample = await run({ sampleWeight: tensor(Array.from(labels.data, (l) => (l === 1 ? 3 : 1))) });
    const none = await run({});
    assert.deepEqual(byClass, bySample);
    assert.notDeepEqual(byClass, none);
  });

  test('metrics stay unweighted, as Keras 3 compile `metrics` (only the loss is weighted)', async () => {
    // Binary accuracy of y_pred = x > 0.5 against labels 1, 0, 0, 0 is 1/4 whatever the weights.
    const model = identity('mse', ['binary_accuracy']);
    const [, acc] = await model.evaluate(x, tensor([[1], [0], [0], [0]]), { sampleWeight: sw, verbose: 0 });
    close(acc!, 0.25);
  });

  test('validation triples [x, y, sampleWeight] weight val_loss; validationSplit splits the weights too', async () => {
    const model = identity();
    // A learning rate too small to move the kernel measurably before validation runs.
    model.compile({ loss: 'mse', optimizer: new SGD({ learningRate: 1e-12 }) });
    const h = await model.fit(x, y0, { epochs: 1, verbose: 0, validationData: [x, y0, sw] });
    close(h.history['val_loss']![0]!, 6.75);
    // The last half (x = 3, 4; weights 2, 0.5) validates: (9*2 + 16*0.5) / 2 = 13.
    const h2 = await model.fit(x, y0, { epochs: 1, verbose: 0, validationSplit: 0.5, sampleWeight: sw });
    close(h2.history['val_loss']![0]!, 13);
    // ... and the first half trains: (1*1 + 4*0) / 2 = 0.5.
    close(h2.history['loss']![0]!, 0.5);
  });

  test('several outputs: weights per output by name, or one per-sample tensor for every output', async () => {
    const inp = Input({ shape: [1] });
    const a = new Dense(1, { useBias: false, kernelInitializer: 'ones', name: 'a' }).apply(inp);
    const b = new Dense(1, { useBias: false, kernelInitializer: 'ones', name: 'b' }).apply(inp);
    const model = new Model({ inputs: inp, outputs: [a, b] });
    model.compile({ loss: 'mse', optimizer: 'sgd', lossWeights: [1, 2] });
    const names = model.metricsNames;
    const byName = await model.evaluate(x, [y0, y0], { sampleWeight: { a: sw }, verbose: 0 });
    const r = Object.fromEntries(names.map((n, i) => [n, byName[i]!]));
    close(r['a_loss']!, 6.75);
    close(r['b_loss']!, 7.5); // b unweighted
    close(r['loss']!, 6.75 + 2 * 7.5);
    const shared = await model.evaluate(x, [y0, y0], { sampleWeight: sw, verbose: 0 });
    close(shared[0]!, 6.75 * 3);
    const asArray = await model.evaluate(x, [y0, y0], { sampleWeight: [null, sw], verbose: 0 });
    close(asArray[0]!, 7.5 + 2 * 6.75);
  });

  test('errors name the problem', async () => {
    const model = identity();
    await assert.rejects(
      model.fit(x, y0, { sampleWeight: sw, classWeight: { 0: 1 }, verbose: 0 }),
      /classWeight and sampleWeight cannot be used at the same time/,
    );
    await assert.rejects(
      model.fit(x, y0, { sampleWeight: tensor([1, 2, 3]), verbose: 0 }),
      /x has 4 samples but sampleWeight has 3 weights/,
    );
    await assert.rejects(
      model.evaluate(x, y0, {
        sampleWeight: tensor([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ]),
        verbose: 0,
      }),
      /sample weights of shape \(4, 2\) do not fit the per-sample losses of shape \(4,\)/,
    );
    const inp = Input({ shape: [1] });
    const two = new Model({ inputs: inp, outputs: [new Dense(1).apply(inp), new Dense(1).apply(inp)] });
    two.compile({ loss: 'mse', optimizer: 'sgd' });
    await assert.rejects(
      two.fit(x, [y0, y0], { classWeight: { 0: 1 }, verbose: 0 }),
      /classWeight is only supported for models with a single output/,
    );
    function* gen(): Generator<[typeof x, typeof y0]> {
      yield [x, y0];
    }
    await assert.rejects(
      model.fit(gen(), { classWeight: { 0: 1 }, verbose: 0 }),
      /classWeight is not supported for generator or iterable inputs/,
    );
  });

  test('classWeight on a Dataset weighs each batch like the in-memory data', async () => {
    const yOne = toCategorical(tensor([0, 1, 1, 0]), 2);
    const make = (): Sequential => {
      const m = new Sequential([new Dense(2, { inputDim: 1, kernelInitializer: 'ones', activation: 'softmax' })]);
      m.compile({ loss: 'categorical_crossentropy', optimizer: new SGD({ learningRate: 0.1 }) });
      return m;
    };
    const a = await make().fit(x, yOne, { classWeight: { 1: 4 }, batchSize: 2, shuffle: false, verbose: 0, epochs: 2 });
    const ds = Dataset.fromTensorSlices([x, yOne]).batch(2);
    const b = await make().fit(ds, { classWeight: { 1: 4 }, verbose: 0, epochs: 2 });
    assert.deepEqual(b.history['loss'], a.history['loss']);
  });
});
