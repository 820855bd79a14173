import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { Activation } from '../src/layers/activation.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten } from '../src/layers/flatten.js';
import { Input } from '../src/layers/input-layer.js';
import type { Layer } from '../src/layers/layer.js';
import { randomNormal, randomUniform, tensor, oneHot, arange } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';

/** Loss on a fixed batch before and after one optimizer step on a model ending in `layer`. */
function oneStep(layers: Layer[], x: Tensor, y: Tensor, loss = 'mean_squared_error'): [number, number] {
  const model = new Sequential(layers);
  model.compile({ loss, optimizer: 'sgd' });
  const before = model.trainOnBatch(x, y)[0]!;
  // The loss after the step, without another update.
  const after = model.testOnBatch(x, y)[0]!;
  return [before, after];
}

describe('layers: output shape, parameter count, one training step', () => {
  test('Dense', () => {
    setRandomSeed(1);
    const layer = new Dense(4, { inputShape: [3], activation: 'tanh' });
    const model = new Sequential([layer]);
    assert.deepEqual(model.outputShape, [null, 4]);
    assert.equal(layer.countParams(), 3 * 4 + 4);
    const x = randomNormal([8, 3]);
    assert.deepEqual(model.predict(x).shape, [8, 4]);
    const [before, after] = oneStep([new Dense(4, { inputShape: [3] })], x, randomNormal([8, 4]));
    assert.ok(after < before, `loss ${before} -> ${after}`);
  });

  test('Dense on rank-3 input applies to the last axis', () => {
    const layer = new Dense(5, { inputShape: [2, 3], useBias: false });
    const model = new Sequential([layer]);
    assert.deepEqual(model.outputShape, [null, 2, 5]);
    assert.equal(layer.countParams(), 15);
    assert.deepEqual(model.predict(randomNormal([4, 2, 3])).shape, [4, 2, 5]);
  });

  test('Activation', () => {
    const model = new Sequential([new Dense(3, { inputShape: [2] }), new Activation('softmax')]);
    assert.deepEqual(model.outputShape, [null, 3]);
    assert.equal(model.layers[1]!.countParams(), 0);
    const out = model.predict(randomNormal([5, 2]));
    const sums = out.sum(-1).toArray() as number[];
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-6);
    setRandomSeed(2);
    const x = randomNormal([16, 2]);
    const y = oneHot(arange(16).astype('float32').mul(0).add(1).astype('int32'), 3);
    const [before, after] = oneStep(
      [new Dense(3, { inputShape: [2] }), new Activation('softmax')],
      x,
      y,
      'categorical_crossentropy',
    );
    assert.ok(after < before, `loss ${before} -> ${after}`);
  });

  test('Dropout is identity at inference and scales kept units in training', () => {
    setRandomSeed(3);
    const layer = new Dropout(0.5, { inputShape: [1000] });
    const x = randomUniform([2, 1000], 1, 2);
    const inference = layer.apply(x, { training: false });
    assert.deepEqual(inference.toArray(), x.toArray());
    const trained = layer.apply(x, { training: true });
    let zeros = 0;
    for (let i = 0; i < x.size; i++) {
      if (trained.data[i] === 0) zeros++;
      else assert.ok(Math.abs(trained.data[i]! - 2 * x.data[i]!) < 1e-6);
    }
    assert.ok(zeros > 850 && zeros < 1150, `dropped ${zeros} of 2000`);
    const [before, after] = oneStep(
      [new Dense(4, { inputShape: [3] }), new Dropout(0.25), new Dense(2)],
      randomNormal([16, 3]),
      randomNormal([16, 2]),
    );
    assert.ok(Number.isFinite(before) && Number.isFinite(after));
  });

  test('Flatten', () => {
    const model = new Sequential([new Flatten({ inputShape: [2, 3, 4] }), new Dense(2)]);
    assert.deepEqual(model.layers[0]!.computeOutputShape([null, 2, 3, 4]), [null, 24]);
    assert.equal(model.countParams(), 24 * 2 + 2);
    assert.deepEqual(model.predict(randomNormal([3, 2, 3, 4])).shape, [3, 2]);
    setRandomSeed(4);
    const [before, after] = oneStep(
      [new Flatten({ inputShape: [2, 3] }), new Dense(2)],
      randomNormal([8, 2, 3]),
      randomNormal([8, 2]),
    );
    assert.ok(after < before, `loss ${before} -> ${after}`);
  });

  test('Input declares the shape and is not listed as a layer', () => {
    const model = new Sequential([Input({ shape: [784] }), new Dense(10)]);
    assert.equal(model.layers.length, 1);
    assert.deepEqual(model.outputShape, [null, 10]);
    assert.equal(model.countParams(), 7850);
  });
});

describe('layer input checks', () => {
  test('a wrong input shape names the layer and both shapes', () => {
    const model = new Sequential([new Dense(4, { inputShape: [3], name: 'hidden' })]);
    assert.throws(
      () => model.predict(randomNormal([2, 5])),
      /Layer 'hidden' \(Dense\) expected input shape \(None, 3\), got \(2, 5\)/,
    );
  });

  test('bad constructor arguments are rejected with a reason', () => {
    assert.throws(() => new Dense(0), /units must be a positive integer/);
    assert.throws(() => new Dense(3, { activation: 'nope' as never }), /Unknown activation 'nope'/);
    assert.throws(() => new Dense(3, { kernelInitializer: 'nope' }), /Unknown initializer 'nope'/);
    assert.throws(() => new Dropout(1), /rate must be in \[0, 1\)/);
  });

  test('integer and float64 inputs are cast to the layer dtype', () => {
    const model = new Sequential([new Dense(2, { inputShape: [3] })]);
    const ints = tensor([[1, 2, 3]], undefined, 'int32');
    const f64 = tensor([[1, 2, 3]], undefined, 'float64');
    assert.deepEqual(model.predict(ints).toArray(), model.predict(f64).toArray());
    assert.equal(model.predict(f64).dtype, 'float32');
  });
});
