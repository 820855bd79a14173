import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { setRandomSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten } from '../src/layers/flatten.js';
import { Input } from '../src/layers/input-layer.js';
import type { Layer } from '../src/layers/layer.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Conv1D } from '../src/layers/conv1d.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { AveragePooling2D } from '../src/layers/average-pooling2d.js';
import { MaxPooling1D } from '../src/layers/max-pooling1d.js';
import { AveragePooling1D } from '../src/layers/average-pooling1d.js';
import { GlobalMaxPooling2D } from '../src/layers/global-max-pooling2d.js';
import { GlobalAveragePooling2D } from '../src/layers/global-average-pooling2d.js';
import { GlobalMaxPooling1D } from '../src/layers/global-max-pooling1d.js';
import { GlobalAveragePooling1D } from '../src/layers/global-average-pooling1d.js';
import { Reshape } from '../src/layers/reshape.js';
import { BatchNormalization } from '../src/layers/batch-normalization.js';
import { randomNormal, oneHot, tensor } from '../src/ops/creation.js';
import { clearSession } from '../src/utils/naming.js';

/** Training-mode loss on a fixed batch before and after one SGD step (no dropout in these models). */
function oneStep(layers: Layer[], x: Tensor, y: Tensor, loss = 'mean_squared_error'): [number, number] {
  const model = new Sequential(layers);
  model.compile({ loss, optimizer: 'sgd' });
  const before = model.trainOnBatch(x, y)[0]!;
  const after = model.trainOnBatch(x, y)[0]!;
  return [before, after];
}

function assertLearns(layers: Layer[], x: Tensor, y: Tensor, loss?: string): void {
  const [before, after] = oneStep(layers, x, y, loss);
  assert.ok(Number.isFinite(before) && after < before, `loss ${before} -> ${after}`);
}

describe('Conv2D', () => {
  test('output shape, parameter count, config, one training step', () => {
    setRandomSeed(1);
    const layer = new Conv2D(4, [3, 2], { inputShape: [7, 6, 3], activation: 'relu' });
    const model = new Sequential([layer]);
    assert.deepEqual(model.outputShape, [null, 5, 5, 4]);
    assert.equal(layer.countParams(), 3 * 2 * 3 * 4 + 4);
    assert.deepEqual([...layer.kernel!.shape], [3, 2, 3, 4]);
    assert.deepEqual(model.predict(randomNormal([2, 7, 6, 3])).shape, [2, 5, 5, 4]);
    const c = layer.getConfig();
    assert.deepEqual(
      [
        c['filters'],
        c['kernel_size'],
        c['strides'],
        c['padding'],
        c['data_format'],
        c['dilation_rate'],
        c['activation'],
        c['use_bias'],
      ],
      [4, [3, 2], [1, 1], 'valid', 'channels_last', [1, 1], 'relu', true],
    );
    assert.deepEqual(c['kernel_initializer'], { class_name: 'GlorotUniform', config: { seed: null } });
    assert.deepEqual(c['bias_initializer'], { class_name: 'Zeros', config: {} });
    assertLearns(
      [new Conv2D(2, 3, { inputShape: [5, 5, 2], activation: 'tanh' }), new Flatten()],
      randomNormal([4, 5, 5, 2]),
      randomNormal([4, 18]),
    );
  });

  test("strides, 'same' padding, dilation and unknown spatial sizes give Keras's shapes", () => {
    const shape = (l: Layer, input: (number | null)[]): unknown => l.computeOutputShape(input);
    assert.deepEqual(shape(new Conv2D(8, 3, { strides: 2 }), [null, 28, 28, 1]), [null, 13, 13, 8]);
    assert.deepEqual(shape(new Conv2D(8, 3, { strides: 2, padding: 'same' }), [null, 28, 27, 1]), [null, 14, 14, 8]);
    assert.deepEqual(shape(new Conv2D(8, 3, { dilationRate: 2 }), [null, 28, 28, 1]), [null, 24, 24, 8]);
    assert.deepEqual(shape(new Conv2D(8, [5, 1], { padding: 'same' }), [null, null, 9, 3]), [null, null, 9, 8]);
    const noBias = new Conv2D(6, 5, { useBias: false });
    new Sequential([Input({ shape: [10, 10, 3] }), noBias]);
    assert.equal(noBias.countParams(), 5 * 5 * 3 * 6);
  });

  test('bad arguments and inputs are errors naming the layer and the shapes', () => {
    assert.throws(() => new Conv2D(0, 3), /filters must be a positive integer/);
    assert.throws(() => new Conv2D(4, [3, 0]), /kernelSize must be/);
    assert.throws(
      () => new Conv2D(4, 3, { strides: 2, dilationRate: 2 }),
      /strides > 1 is not supported together with dilationRate > 1/,
    );
    assert.throws(() => new Conv2D(4, 3, { padding: 'causal' as 'same' }), /padding must be 'valid' or 'same'/);
    assert.throws(
      () => new Sequential([new Conv2D(4, 3, { name: 'c1', inputShape: [28, 28] })]),
      /Layer 'c1' \(Conv2D\) expects inputs of rank 4 \(batch, rows, cols, channels\), got shape \(None, 28, 28\)/,
    );
    assert.throws(
      () => new Sequential([new Conv2D(4, 5, { name: 'c2', inputShape: [4, 6, 1] })]),
      /Layer 'c2' \(Conv2D\): input shape \(None, 4, 6, 1\) is too small for kernel_size \(5, 5\).*\(None, 0, 2, 4\)/,
    );
    // Unknown at build time, too small when the data arrives.
    const late = new Sequential([new Conv2D(2, 3, { name: 'c3', inputShape: [null, null, 1] })]);
    // predict plans for any batch size (None); a direct call names the batch it got.
    assert.throws(
      () => late.predict(randomNormal([1, 2, 5, 1])),
      /Layer 'c3' \(Conv2D\): input shape \(None, 2, 5, 1\) is too small/,
    );
    assert.throws(
      () => late.apply(randomNormal([1, 2, 5, 1])),
      /Layer 'c3' \(Conv2D\): input shape \(1, 2, 5, 1\) is too small/,
    );
  });
});

describe('Conv1D', () => {
  test("the lecture's Conv1D(64, 5) on 100 channels: 32,064 parameters, unknown length propagates", () => {
    const layer = new Conv1D(64, 5, { padding: 'valid', activation: 'relu', strides: 1 });
    const model = new Sequential([Input({ shape: [null, 100] }), layer, new MaxPooling1D({ poolSize: 4 })]);
    assert.equal(layer.countParams(), 32064);
    assert.deepEqual(layer.computeOutputShape([null, null, 100]), [null, null, 64]);
    assert.deepEqual(model.outputShape, [null, null, 64]);
    assert.deepEqual(model.predict(randomNormal([2, 20, 100])).shape, [2, 4, 64]);
    assert.deepEqual(layer.getConfig()['kernel_size'], [5]);
    assert.deepEqual(layer.getConfig()['strides'], [1]);
  });

  test('causal and same padding shapes; one training step', () => {
    assert.deepEqual(new Conv1D(3, 4, { padding: 'causal', dilationRate: 2 }).computeOutputShape([null, 10, 2]), [
      null,
      10,
      3,
    ]);
    assert.deepEqual(new Conv1D(3, 4, { padding: 'same', strides: 3 }).computeOutputShape([null, 10, 2]), [null, 4, 3]);
    assert.deepEqual(new Conv1D(3, 4, { strides: 3 }).computeOutputShape([null, 10, 2]), [null, 3, 3]);
    assert.throws(
      () => new Conv1D(3, 4, { name: 'k' }).computeOutputShape([null, 3, 2]),
      /Layer 'k' \(Conv1D\): input shape \(None, 3, 2\) is too small/,
    );
    setRandomSeed(2);
    assertLearns(
      [new Conv1D(3, 3, { inputShape: [8, 2], padding: 'causal' }), new GlobalAveragePooling1D()],
      randomNormal([4, 8, 2]),
      randomNormal([4, 3]),
    );
  });
});

describe('pooling layers', () => {
  test('MaxPooling2D takes a positional or named pool size; strides default to it', () => {
    const a = new MaxPooling2D(2);
    const b = new MaxPooling2D({ poolSize: [3, 2], strides: 1, padding: 'same' });
    const c = new MaxPooling2D([2, 3], { strides: [1, 2] });
    assert.deepEqual(a.computeOutputShape([null, 24, 24, 64]), [null, 12, 12, 64]);
    assert.deepEqual(a.computeOutputShape([null, 25, 25, 3]), [null, 12, 12, 3]);
    assert.deepEqual(b.computeOutputShape([null, 5, 7, 3]), [null, 5, 7, 3]);
    assert.deepEqual(c.computeOutputShape([null, 5, 7, 3]), [null, 4, 3, 3]);
    assert.deepEqual(new MaxPooling2D().getConfig()['pool_size'], [2, 2]);
    const cfg = a.getConfig();
    assert.deepEqual(
      [cfg['pool_size'], cfg['strides'], cfg['padding'], cfg['data_format']],
      [[2, 2], [2, 2], 'valid', 'channels_last'],
    );
    assert.equal(a.countParams(), 0);
    const x = tensor([1, 0, 1, 0, 0, 4, 2, 0, 0, 1, 6, 1, 0, 0, 1, 0], [1, 4, 4, 1]);
    assert.deepEqual(new Sequential([new MaxPooling2D(2, { inputShape: [4, 4, 1] })]).predict(x).toArray(), [
      [
        [[4], [2]],
        [[1], [6]],
      ],
    ]);
  });

  test('AveragePooling2D, MaxPooling1D, AveragePooling1D shapes and values', () => {
    const avg = new Sequential([new AveragePooling2D({ poolSize: 2, inputShape: [2, 4, 1] })]);
    assert.deepEqual(avg.outputShape, [null, 1, 2, 1]);
    assert.deepEqual(avg.predict(tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1])).toArray(), [[[[3.5], [5.5]]]]);
    assert.deepEqual(new MaxPooling1D({ poolSize: 4 }).computeOutputShape([null, null, 64]), [null, null, 64]);
    assert.deepEqual(new MaxPooling1D().computeOutputShape([null, 9, 64]), [null, 4, 64]);
    assert.deepEqual(new AveragePooling1D(3, { padding: 'same' }).computeOutputShape([null, 10, 2]), [null, 4, 2]);
    assert.deepEqual(new MaxPooling1D().getConfig()['pool_size'], [2]);
    const seq = tensor([1, 5, 2, 2, 7, 3], [1, 6, 1]);
    assert.deepEqual(new Sequential([new MaxPooling1D(2, { inputShape: [6, 1] })]).predict(seq).toArray(), [
      [[5], [2], [7]],
    ]);
    assert.deepEqual(new Sequential([new AveragePooling1D(3, { inputShape: [6, 1] })]).predict(seq).toArray(), [
      [[Math.fround(8 / 3)], [4]],
    ]);
  });

  test('errors name the layer and the shapes', () => {
    assert.throws(
      () => new MaxPooling2D({ name: 'p' }).computeOutputShape([null, 1, 5, 2]),
      /Layer 'p' \(MaxPooling2D\): input shape \(None, 1, 5, 2\) is too small for pool_size \(2, 2\)/,
    );
    assert.throws(
      () => new MaxPooling1D({ name: 'q' }).computeOutputShape([null, 5, 5, 2]),
      /Layer 'q' \(MaxPooling1D\) expects inputs of rank 3/,
    );
    assert.throws(() => new MaxPooling2D(0), /poolSize must be/);
    assert.throws(() => new AveragePooling2D({ padding: 'causal' as 'same' }), /padding must be 'valid' or 'same'/);
  });

  test('global pooling shapes, keepdims, values, and training through them', () => {
    assert.deepEqual(new GlobalMaxPooling2D().computeOutputShape([null, 5, 5, 7]), [null, 7]);
    assert.deepEqual(new GlobalAveragePooling2D({ keepdims: true }).computeOutputShape([null, null, null, 7]), [
      null,
      1,
      1,
      7,
    ]);
    assert.deepEqual(new GlobalMaxPooling1D().computeOutputShape([null, null, 4]), [null, 4]);
    assert.deepEqual(new GlobalAveragePooling1D({ keepdims: true }).computeOutputShape([null, 9, 4]), [null, 1, 4]);
    assert.throws(
      () => new GlobalMaxPooling2D({ name: 'g' }).computeOutputShape([null, 5, 4]),
      /Layer 'g' \(GlobalMaxPooling2D\) expects inputs of rank 4/,
    );
    const x = tensor([1, -1, 3, 0, 2, 5, -4, 1], [1, 2, 2, 2]);
    assert.deepEqual(new Sequential([new GlobalMaxPooling2D({ inputShape: [2, 2, 2] })]).predict(x).toArray(), [
      [3, 5],
    ]);
    assert.deepEqual(new Sequential([new GlobalAveragePooling2D({ inputShape: [2, 2, 2] })]).predict(x).toArray(), [
      [0.5, 1.25],
    ]);
    assert.deepEqual(
      new Sequential([new GlobalMaxPooling1D({ inputShape: [4, 2] })]).predict(x.reshape([1, 4, 2])).toArray(),
      [[3, 5]],
    );
    assert.deepEqual(new GlobalAveragePooling1D().getConfig()['keepdims'], false);
    setRandomSeed(3);
    assertLearns(
      [new Conv2D(3, 2, { inputShape: [5, 5, 2] }), new GlobalMaxPooling2D(), new Dense(2)],
      randomNormal([4, 5, 5, 2]),
      randomNormal([4, 2]),
    );
  });
});

describe('Reshape', () => {
  test('shapes, -1, unknown dimensions, errors', () => {
    const r = new Reshape([28, 28, 1], { inputShape: [784] });
    const model = new Sequential([r]);
    assert.deepEqual(model.outputShape, [null, 28, 28, 1]);
    assert.deepEqual(model.predict(randomNormal([2, 784])).shape, [2, 28, 28, 1]);
    assert.deepEqual(new Reshape([-1, 4]).computeOutputShape([null, 3, 8]), [null, 6, 4]);
    assert.deepEqual(new Reshape([-1, 4]).computeOutputShape([null, null, 8]), [null, null, 4]);
    assert.deepEqual(new Reshape([2, 3]).getConfig()['target_shape'], [2, 3]);
    assert.throws(
      () => new Reshape([5, 5], { name: 'rs' }).computeOutputShape([null, 24]),
      /Layer 'rs' \(Reshape\): cannot reshape input of shape \(None, 24\).*\(5, 5\)/,
    );
    assert.throws(() => new Reshape([-1, -1]), /only one dimension/);
    assert.throws(() => new Reshape([0, 3]), /positive integers/);
  });
});

describe('BatchNormalization', () => {
  test("Keras's four weights: gamma, beta, moving_mean, moving_variance", () => {
    const bn = new BatchNormalization({ inputShape: [5, 5, 3] });
    const model = new Sequential([bn]);
    assert.equal(bn.countParams(), 12);
    assert.deepEqual(
      bn.weights.map((w) => w.name.split('/')[1]),
      ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0'],
    );
    assert.equal(bn.trainableWeights.length, 2);
    assert.equal(bn.nonTrainableWeights.length, 2);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    assert.ok(lines.includes('Trainable params: 6') && lines.includes('Non-trainable params: 6'), lines.join('\n'));
    const cfg = bn.getConfig();
    assert.deepEqual(
      [cfg['axis'], cfg['momentum'], cfg['epsilon'], cfg['center'], cfg['scale']],
      [-1, 0.99, 0.001, true, true],
    );
    assert.equal(new BatchNormalization({ center: false, scale: false, inputShape: [4] }).build([null, 4]), undefined);
  });

  test('training uses batch statistics and updates the moving ones by the formula; inference uses the moving ones', () => {
    setRandomSeed(4);
    const momentum = 0.9;
    const eps = 1e-3;
    const bn = new BatchNormalization({ momentum, epsilon: eps, inputShape: [3, 2] });
    new Sequential([bn]);
    bn.gamma!.assign([2, 0.5]);
    bn.beta!.assign([1, -1]);
    const x = randomNormal([4, 3, 2], 3, 2);
    const xs = Array.from(x.data);
    const stats = [0, 1].map((c) => {
      const v = xs.filter((_, i) => i % 2 === c);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { m, v: v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length };
    });
    const gamma = [2, 0.5];
    const beta = [1, -1];
    const yTrain = bn.apply(x, { training: true });
    yTrain.data.forEach((y, i) => {
      const c = i % 2;
      const want = (gamma[c]! * (xs[i]! - stats[c]!.m)) / Math.sqrt(stats[c]!.v + eps) + beta[c]!;
      assert.ok(Math.abs(y - want) < 1e-4, `train [${i}] ${y} vs ${want}`);
    });
    const mm = stats.map((s) => 0 * momentum + s.m * (1 - momentum));
    const mv = stats.map((s) => 1 * momentum + s.v * (1 - momentum));
    [0, 1].forEach((c) => {
      assert.ok(Math.abs(bn.movingMean!.data[c]! - mm[c]!) < 1e-5, 'moving mean');
      assert.ok(Math.abs(bn.movingVariance!.data[c]! - mv[c]!) < 1e-5, 'moving variance');
    });
    // Inference: the moving statistics, and nothing is updated.
    const yInfer = bn.apply(x, { training: false });
    yInfer.data.forEach((y, i) => {
      const c = i % 2;
      const want = (gamma[c]! * (xs[i]! - mm[c]!)) / Math.sqrt(mv[c]! + eps) + beta[c]!;
      assert.ok(Math.abs(y - want) < 1e-4, `inference [${i}] ${y} vs ${want}`);
    });
    assert.ok(Math.abs(bn.movingMean!.data[0]! - mm[0]!) < 1e-6);
    // A second training batch moves the averages again.
    bn.apply(x, { training: true });
    assert.ok(Math.abs(bn.movingMean!.data[1]! - (mm[1]! * momentum + stats[1]!.m * (1 - momentum))) < 1e-5);
    // Frozen (trainable = false) layers run in inference mode even while training, as Keras.
    bn.trainable = false;
    const before = bn.movingMean!.data[0];
    const frozen = bn.apply(x, { training: true });
    assert.equal(bn.movingMean!.data[0], before);
    assert.notDeepEqual(Array.from(frozen.data), Array.from(yTrain.data));
  });

  test('a non-last axis, and one training step through BatchNormalization', () => {
    const bn = new BatchNormalization({ axis: 1, inputShape: [3, 4] });
    new Sequential([bn]);
    assert.deepEqual([...bn.gamma!.shape], [3]);
    const y = bn.apply(randomNormal([5, 3, 4], 2, 3), { training: true });
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let b = 0; b < 5; b++) for (let j = 0; j < 4; j++) s += y.data[(b * 3 + c) * 4 + j]!;
      assert.ok(Math.abs(s / 20) < 1e-5, `channel ${c} mean ${s / 20}`);
    }
    assert.throws(
      () => new Sequential([new BatchNormalization({ axis: 3, name: 'bad', inputShape: [3, 4] })]),
      /Layer 'bad' \(BatchNormalization\): axis 3/,
    );
    setRandomSeed(5);
    assertLearns(
      [new Conv2D(3, 2, { inputShape: [4, 4, 2] }), new BatchNormalization(), new Flatten(), new Dense(2)],
      randomNormal([6, 4, 4, 2]),
      randomNormal([6, 2]),
    );
  });
});

describe("the lecture's MNIST CNN", () => {
  test('summary lists the shapes and 1,199,882 parameters; a training step on a small batch lowers the loss', () => {
    clearSession();
    setRandomSeed(0);
    const model = new Sequential();
    model.add(new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }));
    model.add(new Conv2D(64, [3, 3], { activation: 'relu' }));
    model.add(new MaxPooling2D({ poolSize: 2 }));
    model.add(new Dropout(0.25));
    model.add(new Flatten());
    model.add(new Dense(128, { activation: 'relu' }));
    model.add(new Dropout(0.5));
    model.add(new Dense(10, { activation: 'softmax' }));
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    const text = lines.join('\n');
    const rows: [string, string, number][] = [
      ['conv2d (Conv2D)', '(None, 26, 26, 32)', 320],
      ['conv2d_1 (Conv2D)', '(None, 24, 24, 64)', 18496],
      ['max_pooling2d (MaxPooling2D)', '(None, 12, 12, 64)', 0],
      ['dropout (Dropout)', '(None, 12, 12, 64)', 0],
      ['flatten (Flatten)', '(None, 9216)', 0],
      ['dense (Dense)', '(None, 128)', 1179776],
      ['dropout_1 (Dropout)', '(None, 128)', 0],
      ['dense_1 (Dense)', '(None, 10)', 1290],
    ];
    for (const [name, shape, params] of rows) {
      // Keras 2 wraps the first column after 26 characters ('max_pooling2d (MaxPooling2' + 'D)').
      const line = lines.find((l) => l.startsWith(` ${name.slice(0, 26)}`));
      assert.ok(line, `no summary row for ${name}:\n${text}`);
      assert.ok(line.includes(shape) && line.trimEnd().endsWith(` ${params}`), `row ${JSON.stringify(line)}`);
    }
    assert.ok(lines.includes('Total params: 1,199,882'), text);
    assert.ok(lines.includes('Trainable params: 1,199,882'), text);
    assert.equal(model.countParams(), 1199882);

    // Dropout makes one batch's loss noisy; a few Adam steps on 4 images must still lower it.
    // (Small: a step of this model on the reference backend costs ~0.1 s per image.)
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const x = randomNormal([4, 28, 28, 1], 0.3, 0.3);
    const y = oneHot(tensor([0, 3, 5, 7], [4], 'int32'), 10);
    const first = model.trainOnBatch(x, y)[0]!;
    let last = first;
    for (let i = 0; i < 2; i++) last = model.trainOnBatch(x, y)[0]!;
    assert.ok(last < first, `loss ${first} -> ${last}`);
  });
});
