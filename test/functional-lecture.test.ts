/**
 * The lecture's four models (examples/mnist-mlp.ts, mnist-cnn.ts, reuters-lstm.ts,
 * imdb-cnn-lstm.ts) written with the Functional API train bit for bit as their Sequential form:
 * same seed, same data, same batches, so the same losses every epoch (compared with ===), the
 * same final weights and the same predictions. The data are generated with the lecture's shapes
 * on a small slice (16 samples, batches of 8, 3 epochs), so the four models train in seconds.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Model } from '../src/models/model.js';
import { Sequential } from '../src/models/sequential.js';
import { Input } from '../src/layers/input-layer.js';
import * as layers from '../src/layers/index.js';
import { Random, setRandomSeed } from '../src/core/random.js';
import { clearSession } from '../src/utils/naming.js';
import { Tensor } from '../src/core/tensor.js';
import { toCategorical } from '../src/utils/to-categorical.js';

type SymbolicTensor = layers.SymbolicTensor;

interface Lecture {
  name: string;
  /** The lecture's layers, fresh each time, in the order Sequential stacks them. */
  layers: () => layers.Layer[];
  /** The Functional model's input (shape without the batch, dtype). */
  input: { shape: number[]; dtype?: 'float32' | 'int32' };
  loss: string;
  batchSize: number;
  data: (rng: Random) => { x: Tensor; y: Tensor };
}

// 16 samples, batches of 8: two steps an epoch keeps the CNN and the 100-step LSTMs cheap.
const N = 16;

function floats(rng: Random, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.uniform()),
    shape,
  );
}

function ids(rng: Random, shape: number[], vocab: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  // Some zeros (padding) at the front of each row, as padSequences leaves them.
  const out = Int32Array.from({ length: n }, () => 1 + rng.int(vocab - 1));
  const [rows, cols] = shape as [number, number];
  for (let r = 0; r < rows; r++) for (let c = 0; c < rng.int(cols / 4); c++) out[r * cols + c] = 0;
  return new Tensor(out, shape, 'int32');
}

function classes(rng: Random, n: number, k: number): Tensor {
  return new Tensor(
    Int32Array.from({ length: n }, () => rng.int(k)),
    [n],
    'int32',
  );
}

const LECTURES: Lecture[] = [
  {
    name: 'MNIST MLP',
    layers: () => [
      new layers.Dense(512, { inputDim: 784, activation: 'relu' }),
      new layers.Dense(10, { activation: 'softmax' }),
    ],
    input: { shape: [784] },
    loss: 'categorical_crossentropy',
    batchSize: 8,
    data: (rng) => ({ x: floats(rng, [N, 784]), y: toCategorical(classes(rng, N, 10), 10) }),
  },
  {
    name: 'MNIST CNN',
    layers: () => [
      new layers.Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }),
      new layers.Conv2D(64, [3, 3], { activation: 'relu' }),
      new layers.MaxPooling2D({ poolSize: 2 }),
      new layers.Dropout(0.25),
      new layers.Flatten(),
      new layers.Dense(128, { activation: 'relu' }),
      new layers.Dropout(0.5),
      new layers.Dense(10, { activation: 'softmax' }),
    ],
    input: { shape: [28, 28, 1] },
    loss: 'categorical_crossentropy',
    batchSize: 8,
    data: (rng) => ({ x: floats(rng, [N, 28, 28, 1]), y: toCategorical(classes(rng, N, 10), 10) }),
  },
  {
    name: 'Reuters LSTM',
    layers: () => [
      new layers.Embedding(1000, 100),
      new layers.LSTM(100, { activation: 'tanh' }),
      new layers.Dense(46, { activation: 'softmax' }),
    ],
    input: { shape: [100], dtype: 'int32' },
    loss: 'categorical_crossentropy',
    batchSize: 8,
    data: (rng) => ({ x: ids(rng, [N, 100], 1000), y: toCategorical(classes(rng, N, 46), 46) }),
  },
  {
    name: 'IMDB Conv1D + LSTM',
    layers: () => [
      new layers.Embedding(5000, 100),
      new layers.Dropout(0.5),
      new layers.Conv1D(64, 5, { padding: 'valid', activation: 'relu', strides: 1 }),
      new layers.MaxPooling1D({ poolSize: 4 }),
      new layers.LSTM(55),
      new layers.Dense(1),
      new layers.Activation('sigmoid'),
    ],
    input: { shape: [100], dtype: 'int32' },
    loss: 'binary_crossentropy',
    batchSize: 8,
    data: (rng) => ({
      x: ids(rng, [N, 100], 5000),
      y: new Tensor(
        Float32Array.from({ length: N }, () => rng.int(2)),
        [N, 1],
      ),
    }),
  },
];

type Form = 'sequential' | 'functional';

function build(lecture: Lecture, form: Form): Model {
  const ls = lecture.layers();
  if (form === 'sequential') return new Sequential(ls);
  const input = Input({ shape: lecture.input.shape, dtype: lecture.input.dtype ?? 'float32' });
  let x: SymbolicTensor = input;
  for (const l of ls) x = l.apply(x);
  return new Model({ inputs: input, outputs: x });
}

interface Run {
  model: Model;
  history: Record<string, number[]>;
  weights: Tensor[];
  predictions: Tensor;
}

/** Builds, compiles and trains one form from `seed`: 3 epochs, shuffled, with validation. */
async function train(lecture: Lecture, form: Form, seed: number): Promise<Run> {
  clearSession();
  const data = lecture.data(new Random(42));
  const val = lecture.data(new Random(43));
  setRandomSeed(seed);
  const model = build(lecture, form);
  model.compile({ loss: lecture.loss, optimizer: 'adam', metrics: ['accuracy'] });
  const h = await model.fit(data.x, data.y, {
    epochs: 3,
    batchSize: lecture.batchSize,
    verbose: 0,
    validationData: [val.x, val.y],
  });
  return {
    model,
    history: h.history as Record<string, number[]>,
    weights: model.getWeights(),
    predictions: model.predict(val.x) as Tensor,
  };
}

function assertSameBits(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shapes`);
  for (let i = 0; i < a.size; i++)
    if (!(a.data[i] === b.data[i])) assert.fail(`${what}[${i}]: ${a.data[i]} !== ${b.data[i]}`);
}

describe('the lecture models, Functional vs Sequential', () => {
  for (const lecture of LECTURES) {
    test(`${lecture.name}: same losses every epoch, same weights, same predictions`, async () => {
      const seq = await train(lecture, 'sequential', 0);
      const fun = await train(lecture, 'functional', 0);
      assert.equal(seq.model.className, 'Sequential');
      assert.equal(fun.model.className, 'Functional');
      assert.deepEqual(
        fun.model.layers.map((l) => l.className),
        ['InputLayer', ...seq.model.layers.map((l) => l.className)],
      );
      assert.equal(fun.model.countParams(), seq.model.countParams());

      const keys = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];
      assert.deepEqual(Object.keys(seq.history).sort(), [...keys].sort());
      assert.deepEqual(Object.keys(fun.history).sort(), [...keys].sort());
      for (const k of keys) {
        assert.equal(seq.history[k]!.length, 3, k);
        for (let e = 0; e < 3; e++) {
          const a = seq.history[k]![e]!;
          const b = fun.history[k]![e]!;
          assert.ok(Number.isFinite(a), `${k} epoch ${e + 1}: ${a}`);
          assert.ok(a === b, `${lecture.name}: ${k} epoch ${e + 1}: Sequential ${a} !== Functional ${b}`);
        }
      }
      // Training did something (the losses move), so equal losses are not equal constants.
      assert.notEqual(seq.history['loss']![0], seq.history['loss']![2]);

      assert.equal(fun.weights.length, seq.weights.length);
      seq.weights.forEach((w, i) => assertSameBits(w, fun.weights[i]!, `${lecture.name} weight ${i}`));
      assertSameBits(seq.predictions, fun.predictions, `${lecture.name} predictions`);
    });
  }

  test('the comparison can fail: another seed gives other losses', async () => {
    const lecture = LECTURES[0]!;
    const a = await train(lecture, 'functional', 0);
    const b = await train(lecture, 'functional', 1);
    assert.notEqual(a.history['loss']![0], b.history['loss']![0]);
  });
});
