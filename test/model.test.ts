import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Callback } from '../src/callbacks/callback.js';
import type { Logs } from '../src/callbacks/callback.js';
import { randomNormal, tensor } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import { clearSession } from '../src/utils/naming.js';
import { toCategorical } from '../src/utils/to-categorical.js';
import { Adam } from '../src/optimizers/adam.js';
import type { Tensor } from '../src/core/tensor.js';

/** A small separable 3-class problem. */
function blobs(n: number, seed: number): [Tensor, Tensor] {
  setRandomSeed(seed);
  const x = randomNormal([n, 4]);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    x.data[i * 4 + c]! += 3;
  }
  return [x, toCategorical(tensor(labels, [n]), 3)];
}

function mlp(): Sequential {
  return new Sequential([
    new Dense(16, { inputDim: 4, activation: 'relu' }),
    new Dropout(0.2),
    new Dense(3, { activation: 'softmax' }),
  ]);
}

describe('summary', () => {
  test("the lecture MLP prints Keras 2's table", () => {
    clearSession();
    const model = new Sequential();
    model.add(new Dense(512, { inputDim: 784, activation: 'relu' }));
    model.add(new Dense(10, { activation: 'softmax' }));
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    const expected = [
      'Model: "sequential"',
      '_________________________________________________________________',
      ' Layer (type)                Output Shape              Param #   ',
      '=================================================================',
      ' dense (Dense)               (None, 512)               401920    ',
      '                                                                 ',
      ' dense_1 (Dense)             (None, 10)                5130      ',
      '                                                                 ',
      '=================================================================',
      'Total params: 407,050',
      'Trainable params: 407,050',
      'Non-trainable params: 0',
      '_________________________________________________________________',
    ];
    assert.deepEqual(lines, expected);
    assert.equal(model.countParams(), 407050);
  });

  test('an unbuilt model says how to build it', () => {
    const model = new Sequential([new Dense(3)]);
    assert.throws(() => model.summary(() => {}), /has not been built yet: give the first layer an inputShape/);
  });

  test('long layer names wrap onto a second line as Keras does', () => {
    const model = new Sequential([new Dense(2, { inputDim: 2, name: 'a_really_long_layer_name_that_wraps' })]);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    assert.equal(lines[4], ' a_really_long_layer_name_t  (None, 2)                 6         ');
    assert.equal(lines[5]!.trimEnd(), ' hat_wraps (Dense)');
  });
});

describe('fit, evaluate, predict', () => {
  test('learns a separable problem; history has Keras keys', async () => {
    const [x, y] = blobs(300, 1);
    setRandomSeed(11);
    const model = mlp();
    model.compile({
      loss: 'categorical_crossentropy',
      optimizer: new Adam({ learningRate: 0.01 }),
      metrics: ['accuracy'],
    });
    const history = await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0, validationSplit: 0.2 });
    assert.deepEqual(Object.keys(history.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.equal(history.history['loss']!.length, 10);
    assert.ok(history.history['loss']![9]! < history.history['loss']![0]!);
    const [loss, acc] = await model.evaluate(x, y, { verbose: 0 });
    assert.ok(acc! > 0.9, `accuracy ${acc}`);
    assert.ok(loss! < 0.5);
    const pred = model.predict(x, { batchSize: 64 });
    assert.deepEqual(pred.shape, [300, 3]);
  });

  test('two runs with the same seed give identical losses epoch by epoch', async () => {
    const run = async (): Promise<number[]> => {
      const [x, y] = blobs(200, 2);
      setRandomSeed(5);
      const model = mlp();
      model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
      const h = await model.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0 });
      return h.history['loss']!;
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    setRandomSeed(6);
    const [x, y] = blobs(200, 2);
    setRandomSeed(99);
    const other = mlp();
    other.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
    const c = (await other.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0 })).history['loss']!;
    assert.notDeepEqual(a, c);
  });

  test('batches: the last partial batch is used, and callbacks see every step', async () => {
    const [x, y] = blobs(70, 3);
    const model = mlp();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
    const seen: number[] = [];
    class Sizes extends Callback {
      override onTrainBatchBegin(_b: number, logs?: Logs): void {
        seen.push(logs!['size']!);
      }
    }
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, callbacks: [new Sizes()] });
    assert.deepEqual(seen, [32, 32, 6]);
  });

  test('validationSplit takes the last fraction before shuffling', async () => {
    const [x, y] = blobs(100, 4);
    const model = mlp();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0, validationSplit: 0.25 });
    const [valLoss, valAcc] = await model.evaluate(x.slice([75]), y.slice([75]), { batchSize: 10, verbose: 0 });
    assert.ok(Math.abs(h.history['val_loss']![0]! - valLoss!) < 1e-9);
    assert.ok(Math.abs(h.history['val_accuracy']![0]! - valAcc!) < 1e-9);
  });

  test('stopTraining set by a callback ends fit after that batch', async () => {
    const [x, y] = blobs(64, 5);
    const model = mlp();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
    let batches = 0;
    class Stop extends Callback {
      override onTrainBatchEnd(): void {
        batches++;
        if (batches === 3) this.model!.stopTraining = true;
      }
    }
    const h = await model.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0, callbacks: [new Stop()] });
    assert.equal(batches, 3);
    assert.equal(h.epoch.length, 1);
  });

  test('accuracy resolves to the variant that fits the loss', async () => {
    const x = tensor([[0.1], [0.9], [0.2], [0.8]]);
    const yb = tensor([[0], [1], [0], [1]]);
    const binary = new Sequential([new Dense(1, { inputDim: 1, activation: 'sigmoid' })]);
    binary.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    binary.setWeights([tensor([[10]]), tensor([-5])]);
    assert.equal((await binary.evaluate(x, yb, { verbose: 0 }))[1], 1);

    const sparse = new Sequential([new Dense(2, { inputDim: 1, activation: 'softmax' })]);
    sparse.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    sparse.setWeights([tensor([[-10, 10]]), tensor([5, -5])]);
    const ids = tensor([0, 1, 0, 1], undefined, 'int32');
    assert.equal((await sparse.evaluate(x, ids, { verbose: 0 }))[1], 1);
  });
});

describe('clear errors for bad input', () => {
  test('mismatched sample counts', async () => {
    const model = mlp();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
    await assert.rejects(
      model.fit(randomNormal([10, 4]), randomNormal([9, 3]), { verbose: 0 }),
      /x has 10 samples but y has 9/,
    );
  });

  test('targets that do not match the output name the loss and both shapes', async () => {
    const model = mlp();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
    await assert.rejects(
      model.fit(randomNormal([10, 4]), tensor(new Int32Array(10), [10]), { verbose: 0 }),
      /categorical_crossentropy: targets have shape \[10\] but the model outputs \[10, 3\]\. Integer class ids need sparse_categorical_crossentropy/,
    );
  });

  test('fit before compile, unknown loss, optimizer, metric', async () => {
    const model = mlp();
    await assert.rejects(model.fit(randomNormal([2, 4]), randomNormal([2, 3])), /call compile\(\) first/);
    assert.throws(() => model.compile({ loss: 'nope' }), /Unknown loss 'nope'/);
    assert.throws(() => model.compile({ loss: 'mse', optimizer: 'nope' }), /Unknown optimizer 'nope'/);
    assert.throws(() => model.compile({ loss: 'mse', metrics: ['nope'] }), /Unknown metric 'nope'/);
    model.compile({ loss: 'mse' });
    await assert.rejects(
      model.fit(randomNormal([2, 4]), randomNormal([2, 3]), { batchSize: 0 }),
      /batchSize must be a positive integer/,
    );
  });
});

test('binary targets of shape [batch] train a [batch, 1] output, as in Keras', async () => {
  setRandomSeed(8);
  const x = randomNormal([40, 3]);
  const labels = new Float32Array(40).map((_, i) => (x.data[i * 3]! > 0 ? 1 : 0));
  const model = new Sequential([new Dense(1, { inputDim: 3, activation: 'sigmoid' })]);
  model.compile({ loss: 'binary_crossentropy', optimizer: new Adam({ learningRate: 0.05 }), metrics: ['accuracy'] });
  const h = await model.fit(x, tensor(labels, [40]), { epochs: 20, batchSize: 10, verbose: 0 });
  assert.ok(h.history['accuracy']![19]! > 0.9, `accuracy ${h.history['accuracy']![19]}`);
  assert.throws(
    () => model.trainOnBatch(x, tensor(new Float32Array(80), [40, 2])),
    /binary_crossentropy: targets have shape \[40, 2\]/,
  );
});

test('predict calls the predict hooks once per batch, in order', () => {
  const model = new Sequential([new Dense(2, { inputDim: 3 })]);
  const seen: string[] = [];
  class Record extends Callback {
    override onPredictBegin(): void {
      seen.push('begin');
    }
    override onPredictBatchBegin(b: number): void {
      seen.push(`b${b}`);
    }
    override onPredictBatchEnd(b: number): void {
      seen.push(`e${b}`);
    }
    override onPredictEnd(): void {
      seen.push('end');
    }
  }
  assert.deepEqual(model.predict(randomNormal([5, 3]), { batchSize: 2, callbacks: [new Record()] }).shape, [5, 2]);
  assert.deepEqual(seen, ['begin', 'b0', 'e0', 'b1', 'e1', 'b2', 'e2', 'end']);
});
