/**
 * compile's weightedMetrics (Keras's weighted_metrics): given the batch's sample weights (from
 * sampleWeight or classWeight), named as Keras names them, saved and reloaded; and the sample
 * weights handed to a custom trainStep / testStep as Keras 3's `(x, y, sample_weight)`.
 * Expected values are worked by hand from Keras's equations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, layers, metrics, optimizers, tensor } from '../src/index.js';
import { loadModel, saveModel } from '../src/index.js';
import type { Logs } from '../src/callbacks/callback.js';
import type { StepData } from '../src/models/model.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);

/** y_pred = x: one Dense unit, kernel 1, no bias; SGD with learning rate 1e-12 keeps it so (to 1e-10). */
function identity(model = new Sequential()): Sequential {
  model.add(new layers.Dense(1, { inputDim: 1, useBias: false, kernelInitializer: 'ones' }));
  return model;
}

const x = tensor([[1], [2], [3], [4]]);
const zeros = tensor([[0], [0], [0], [0]]);

test('weightedMetrics take sampleWeight in evaluate; metrics do not; Keras names the twin weighted_<name>', async () => {
  const model = identity();
  model.compile({
    loss: 'mse',
    optimizer: new optimizers.SGD({ learningRate: 1e-12 }),
    metrics: ['mae'],
    weightedMetrics: ['mae', 'mse'],
  });
  assert.deepEqual(model.metricsNames, ['loss', 'mae', 'weighted_mae', 'mse']);
  // Per-sample |e| = 1, 2, 3, 4 and e^2 = 1, 4, 9, 16; weights 1, 0, 0, 3.
  // loss (sum over batch size): (1*1 + 3*16) / 4 = 12.25; mae = 10/4 = 2.5;
  // weighted mae = (1*1 + 3*4) / (1 + 3) = 3.25; weighted mse = (1 + 48) / 4 = 12.25.
  const sw = tensor([1, 0, 0, 3]);
  for (const batchSize of [4, 2]) {
    const [loss, mae, wmae, wmse] = await model.evaluate(x, zeros, { sampleWeight: sw, batchSize, verbose: 0 });
    close(loss!, 12.25, `loss (batch ${batchSize})`);
    close(mae!, 2.5, 'mae');
    close(wmae!, 3.25, 'weighted_mae');
    close(wmse!, 49 / 4, 'weighted mse');
  }
  // Without sample weights the weighted metrics are plain means.
  const [, mae, wmae] = await model.evaluate(x, zeros, { verbose: 0, batchSize: 4 });
  close(mae!, 2.5, 'mae');
  close(wmae!, 2.5, 'weighted_mae without weights');
  // Errors name the argument.
  assert.throws(
    () => identity().compile({ loss: 'mse', weightedMetrics: 'mae' as never }),
    /compile: weightedMetrics must be a list \(e\.g\. weightedMetrics: \['mae'\]\)/,
  );
  assert.throws(
    () => identity().compile({ loss: 'mse', weightedMetric: ['mae'] } as never),
    /unknown option `weightedMetric`; did you mean `weightedMetrics`/,
  );
  const shared = new metrics.MeanAbsoluteError();
  assert.throws(
    () => identity().compile({ loss: 'mse', metrics: [shared], weightedMetrics: [shared] }),
    /in both metrics and weightedMetrics/,
  );
});

test('fit: classWeight reaches the weighted metrics (Keras turns it into sample weights)', async () => {
  const model = identity();
  model.compile({
    loss: 'mse',
    optimizer: new optimizers.SGD({ learningRate: 1e-12 }),
    metrics: ['mae'],
    weightedMetrics: ['mae'],
  });
  const labels = tensor([[0], [1], [1], [0]]);
  // |x - y| = 1, 1, 2, 4; squared 1, 1, 4, 16; class 1 weighs 0, so weights 1, 0, 0, 1.
  // loss = (1 + 16) / 4 = 4.25; mae = 8 / 4 = 2; weighted mae = (1 + 4) / 2 = 2.5.
  const h = await model.fit(x, labels, { classWeight: { 0: 1, 1: 0 }, batchSize: 4, shuffle: false, verbose: 0 });
  close(h.history['loss']![0]!, 4.25, 'loss');
  close(h.history['mae']![0]!, 2, 'mae');
  close(h.history['weighted_mae']![0]!, 2.5, 'weighted_mae');
});

test('weightedMetrics are saved in compile_config and compiled again on load', async () => {
  const model = identity();
  model.compile({
    loss: 'mse',
    optimizer: new optimizers.SGD({ learningRate: 1e-12 }),
    metrics: ['mae'],
    weightedMetrics: ['mae'],
  });
  await model.evaluate(x, zeros, { verbose: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'weighted-metrics-'));
  for (const file of ['m.keras', 'm.h5']) {
    await saveModel(model, join(dir, file));
    const back = await loadModel(join(dir, file));
    assert.deepEqual(back.metricsNames, ['loss', 'mae', 'weighted_mae'], file);
    const r = await back.evaluate(x, zeros, { sampleWeight: tensor([1, 0, 0, 3]), verbose: 0, batchSize: 4 });
    close(r[2]!, 3.25, `${file} weighted_mae`);
  }
});

/** Records what fit / evaluate hand to the steps. */
class Recording extends Sequential {
  trainSeen: (number[] | null)[] = [];
  testSeen: (number[] | null)[] = [];
  override trainStep(data: StepData): Logs {
    this.trainSeen.push(data.length === 3 && data[2] ? Array.from((data[2] as { data: Float32Array }).data) : null);
    return super.trainStep(data);
  }
  override testStep(data: StepData): Logs {
    this.testSeen.push(data.length === 3 && data[2] ? Array.from((data[2] as { data: Float32Array }).data) : null);
    return super.testStep(data);
  }
}

test('a custom trainStep / testStep gets [x, y, sampleWeight] (Keras 3 unpacks it), [x, y] without weights', async () => {
  const model = identity(new Recording()) as Recording;
  model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 1e-12 }), weightedMetrics: ['mae'] });
  await model.fit(x, zeros, { sampleWeight: tensor([1, 0, 0, 3]), batchSize: 2, shuffle: false, verbose: 0 });
  assert.deepEqual(model.trainSeen, [
    [1, 0],
    [0, 3],
  ]);
  const labels = tensor([[0], [1], [1], [0]]);
  const h = await model.fit(x, labels, { classWeight: { 1: 5 }, batchSize: 4, shuffle: false, verbose: 0 });
  assert.deepEqual(model.trainSeen[2], [1, 5, 5, 1]);
  // The default step it calls applied them: (1*1 + 5*1 + 5*4 + 1*16) / 4 = 10.5.
  close(h.history['loss']![0]!, 10.5, 'loss with class weights');
  await model.fit(x, zeros, { batchSize: 4, verbose: 0 });
  assert.equal(model.trainSeen[3], null);
  const r = await model.evaluate(x, zeros, { sampleWeight: tensor([1, 0, 0, 3]), batchSize: 4, verbose: 0 });
  assert.deepEqual(model.testSeen, [[1, 0, 0, 3]]);
  close(r[0]!, 12.25, 'evaluate loss through testStep');
  close(r[1]!, 3.25, 'evaluate weighted_mae through testStep');
  // computeLoss takes the weights as Keras 3's compute_loss does.
  const loss = model.computeLoss(zeros, x, tensor([1, 0, 0, 3]));
  close(loss.item(), 12.25, 'computeLoss with sample weights');
  close(model.computeLoss(zeros, x).item(), 7.5, 'computeLoss without');
  assert.throws(() => model.trainStep([x] as never), /trainStep: expected data as \[x, y\] or \[x, y, sampleWeight\]/);
});

test('a model trained with classWeight and weightedMetrics saves, reloads and resumes with the same losses', async () => {
  const { setRandomSeed, randomNormal } = await import('../src/index.js');
  setRandomSeed(3);
  const xs = randomNormal([24, 3]);
  const ys = tensor(Array.from({ length: 24 }, (_, i) => [i % 4 === 0 ? 1 : 0]));
  const model = new Sequential([
    new layers.Dense(4, { inputDim: 3, activation: 'tanh' }),
    new layers.Dense(1, { activation: 'sigmoid' }),
  ]);
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', weightedMetrics: ['binary_accuracy'] });
  const fitArgs = { classWeight: { 0: 1, 1: 3 }, batchSize: 8, shuffle: false, verbose: 0 as const };
  await model.fit(xs, ys, { ...fitArgs, epochs: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'weighted-resume-'));
  for (const file of ['r.keras', 'r.h5']) {
    await saveModel(model, join(dir, file));
    const back = await loadModel(join(dir, file));
    const a = await back.fit(xs, ys, { ...fitArgs, epochs: 2 });
    // Two loads of one file resume identically.
    const again = await loadModel(join(dir, file));
    const b = await again.fit(xs, ys, { ...fitArgs, epochs: 2 });
    assert.deepEqual(a.history['loss'], b.history['loss'], file);
    assert.deepEqual(a.history['binary_accuracy'], b.history['binary_accuracy'], file);
  }
  // And the reloaded model's first resumed loss is the original's next one.
  await saveModel(model, join(dir, 'c.keras'));
  const copy = await loadModel(join(dir, 'c.keras'));
  const orig = await model.fit(xs, ys, { ...fitArgs, epochs: 1 });
  const resumed = await copy.fit(xs, ys, { ...fitArgs, epochs: 1 });
  close(resumed.history['loss']![0]!, orig.history['loss']![0]!, 'resumed loss');
});
