import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sequential, Tensor, callbacks, layers, setRandomSeed } from '../src/core.js';
import { CSVLogger } from '../src/callbacks/node-index.js';
import { Adam } from '../src/optimizers/adam.js';

async function model(lr = 0.01) {
  setRandomSeed(1);
  const m = new Sequential();
  m.add(new layers.Dense(3, { inputDim: 2, activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: new Adam({ learningRate: lr }), metrics: ['accuracy'] });
  const x = new Tensor(new Float32Array([0, 1, 1, 0, 1, 1, 0, 0]), [4, 2]);
  const y = new Tensor(new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]), [4, 3]);
  return { m, x, y };
}

test("CSVLogger writes Keras's header and rows", async () => {
  const { m, x, y } = await model();
  const file = join(mkdtempSync(join(tmpdir(), 'csv-')), 'log.csv');
  await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, validationData: [x, y], callbacks: [new CSVLogger(file)] });
  const lines = readFileSync(file, 'utf8').split('\r\n');
  assert.equal(lines[0], 'epoch,accuracy,loss,val_accuracy,val_loss');
  assert.match(lines[1]!, /^0,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+$/);
  assert.match(lines[2]!, /^1,/);
  assert.equal(lines[3], '');
  // Appending keeps the header once.
  await m.fit(x, y, {
    epochs: 1,
    batchSize: 2,
    verbose: 0,
    validationData: [x, y],
    callbacks: [new CSVLogger(file, ',', true)],
  });
  assert.equal(
    readFileSync(file, 'utf8')
      .split('\r\n')
      .filter((l) => l.startsWith('epoch')).length,
    1,
  );
});

test('TerminateOnNaN stops at the first non-finite batch loss', async () => {
  const { m, x, y } = await model();
  const poison = new callbacks.LambdaCallback({ onBatchEnd: (b, logs) => void (b === 1 ? (logs['loss'] = NaN) : 0) });
  let batches = 0;
  const count = new callbacks.LambdaCallback({ onBatchEnd: () => void batches++ });
  const h = await m.fit(x, y, {
    epochs: 5,
    batchSize: 1,
    verbose: 0,
    callbacks: [count, poison, new callbacks.TerminateOnNaN()],
  });
  assert.equal(batches, 2);
  assert.equal(h.epoch.length, 1);
});

test('ReduceLROnPlateau cuts the rate after patience epochs and logs lr', async () => {
  const { m, x, y } = await model(0.01);
  const vals = [1, 1, 1, 1, 1, 1];
  const script = new callbacks.LambdaCallback({ onEpochEnd: (e, logs) => void (logs['val_loss'] = vals[e]!) });
  const h = await m.fit(x, y, {
    epochs: 6,
    batchSize: 4,
    verbose: 0,
    callbacks: [script, new callbacks.ReduceLROnPlateau({ factor: 0.5, patience: 2, minLr: 0.002 })],
  });
  assert.deepEqual(h.history['lr'], [0.01, 0.01, 0.01, 0.005, 0.005, 0.0025]);
  assert.equal(m.optimizer!.learningRate, 0.0025);
});

test('LearningRateScheduler sets the rate each epoch', async () => {
  const { m, x, y } = await model(0.01);
  const h = await m.fit(x, y, {
    epochs: 3,
    batchSize: 4,
    verbose: 0,
    callbacks: [new callbacks.LearningRateScheduler((e, lr) => (e === 0 ? lr : lr / 2))],
  });
  assert.deepEqual(h.history['lr'], [0.01, 0.005, 0.0025]);
});

test('LambdaCallback calls its hooks', async () => {
  const { m, x, y } = await model();
  const seen: string[] = [];
  await m.fit(x, y, {
    epochs: 1,
    batchSize: 2,
    verbose: 0,
    callbacks: [
      new callbacks.LambdaCallback({
        onTrainBegin: () => void seen.push('tb'),
        onEpochBegin: (e) => void seen.push(`eb${e}`),
        onBatchBegin: (b) => void seen.push(`bb${b}`),
        onBatchEnd: (b, logs) => void seen.push(`be${b}:${typeof logs['loss']}`),
        onEpochEnd: (e) => void seen.push(`ee${e}`),
        onTrainEnd: () => void seen.push('te'),
      }),
    ],
  });
  assert.deepEqual(seen, ['tb', 'eb0', 'bb0', 'be0:number', 'bb1', 'be1:number', 'ee0', 'te']);
});
