import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sequential, Tensor, callbacks, layers, setRandomSeed } from '../src/core.js';
import { EarlyStopping, ModelCheckpoint } from '../src/callbacks/node-index.js';
import { loadModel } from '../src/io/index.js';
import { pythonFormat } from '../src/callbacks/python-format.js';

function data(n: number, offset: number): [Tensor, Tensor] {
  const x = new Tensor(
    new Float32Array(n * 4).map((_, i) => Math.sin((i + offset) * 0.91)),
    [n, 4],
  );
  const y = new Tensor(new Float32Array(n * 3), [n, 3]);
  for (let i = 0; i < n; i++) y.data[i * 3 + (x.data[i * 4]! > 0 ? 0 : x.data[i * 4 + 1]! > 0 ? 1 : 2)] = 1;
  return [x, y];
}

function model(): Sequential {
  const m = new Sequential();
  m.add(new layers.Dense(16, { inputDim: 4, activation: 'relu' }));
  m.add(new layers.Dropout(0.2));
  m.add(new layers.Dense(3, { activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return m;
}

/** Replaces val_loss with a scripted sequence (runs before the callbacks under test). */
const scripted = (values: number[]) =>
  new callbacks.LambdaCallback({ onEpochEnd: (e, logs) => void (logs['val_loss'] = values[e]!) });

test('python format fields as Keras checkpoint names use them', () => {
  assert.equal(
    pythonFormat('./model/{epoch:02d}-{val_loss:.4f}.hdf5', { epoch: 3, val_loss: 0.0712345 }),
    './model/03-0.0712.hdf5',
  );
  assert.equal(
    pythonFormat('{epoch}-{acc:.2%}-{loss:e}-{{x}}', { epoch: 12, acc: 0.98765, loss: 0.0000123 }),
    '12-98.77%-1.230000e-05-{x}',
  );
  assert.equal(pythonFormat('{epoch:03}-{val_loss}', { epoch: 7, val_loss: 0.25 }), '007-0.25');
  assert.throws(() => pythonFormat('{val_acc:.2f}', { loss: 1 }), /no value named 'val_acc'/);
});

test('the lecture setup: one checkpoint per improvement named by the template, stop 10 epochs after the best', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const modelDir = join(dir, 'model');
  // Best at epoch 4 (0-based 3), never beaten after.
  const vals = [0.9, 0.8, 0.85, 0.5, 0.6, 0.7, 0.55, 0.51, 0.9, 0.8, 0.7, 0.6, 0.52, 0.53, 0.2];
  setRandomSeed(1);
  const m = model();
  const [x, y] = data(20, 0);
  const lines: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
  let history;
  try {
    history = await m.fit(x, y, {
      epochs: vals.length,
      batchSize: 10,
      verbose: 0,
      validationData: data(10, 100),
      callbacks: [
        scripted(vals),
        new ModelCheckpoint(join(modelDir, '{epoch:02d}-{val_loss:.4f}.hdf5'), {
          monitor: 'val_loss',
          verbose: 1,
          saveBestOnly: true,
        }),
        new EarlyStopping({ monitor: 'val_loss', patience: 10, verbose: 1 }),
      ],
    });
  } finally {
    process.stdout.write = out;
  }
  assert.deepEqual(readdirSync(modelDir).sort(), ['01-0.9000.hdf5', '02-0.8000.hdf5', '04-0.5000.hdf5']);
  assert.deepEqual(history.epoch, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  const text = lines.join('');
  assert.ok(
    text.includes(
      `\nEpoch 1: val_loss improved from inf to 0.90000, saving model to ${join(modelDir, '01-0.9000.hdf5')}\n`,
    ),
  );
  assert.ok(text.includes('\nEpoch 3: val_loss did not improve from 0.80000\n'));
  assert.ok(text.includes('Epoch 14: early stopping\n'));
});

test('the best checkpoint, loaded back, gives the validation loss and accuracy the run reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-real-'));
  setRandomSeed(2);
  const m = model();
  const [x, y] = data(60, 0);
  const [xv, yv] = data(30, 500);
  const history = await m.fit(x, y, {
    epochs: 12,
    batchSize: 8,
    verbose: 0,
    validationData: [xv, yv],
    callbacks: [
      new ModelCheckpoint(join(dir, 'model', '{epoch:02d}-{val_loss:.4f}.hdf5'), { saveBestOnly: true }),
      new EarlyStopping({ patience: 3 }),
    ],
  });
  const vl = history.history['val_loss']!;
  const bestEpoch = vl.indexOf(Math.min(...vl));
  const files = readdirSync(join(dir, 'model')).sort();
  const bestFile = files[files.length - 1]!;
  assert.equal(
    bestFile,
    pythonFormat('{epoch:02d}-{val_loss:.4f}.hdf5', { epoch: bestEpoch + 1, val_loss: vl[bestEpoch]! }),
  );
  const best = await loadModel(join(dir, 'model', bestFile));
  const [loss, acc] = await best.evaluate(xv, yv, { batchSize: 8, verbose: 0 });
  assert.equal(loss, vl[bestEpoch]);
  assert.equal(acc, history.history['val_accuracy']![bestEpoch]);
});

test('EarlyStopping: minDelta, max mode, baseline, startFromEpoch, restoreBestWeights', async () => {
  const run = async (vals: number[], es: InstanceType<typeof EarlyStopping>, monitor = 'val_loss') => {
    setRandomSeed(3);
    const m = model();
    const [x, y] = data(10, 0);
    const weightsAt: number[][] = [];
    const rec = new callbacks.LambdaCallback({
      onEpochEnd: (e, logs) => void ((logs[monitor] = vals[e]!), weightsAt.push(Array.from(m.weights[0]!.data))),
    });
    const h = await m.fit(x, y, { epochs: vals.length, batchSize: 5, verbose: 0, callbacks: [rec, es] });
    return { epochs: h.epoch.length, weightsAt, m };
  };
  assert.equal((await run([1, 0.99, 0.98, 0.97, 0.96], new EarlyStopping({ patience: 2, minDelta: 0.05 }))).epochs, 3);
  assert.equal(
    (await run([0.1, 0.2, 0.3, 0.2, 0.1, 0.1], new EarlyStopping({ monitor: 'val_acc', patience: 2 }), 'val_acc'))
      .epochs,
    5,
  );
  assert.equal((await run([0.5, 0.4, 0.3, 0.2, 0.1], new EarlyStopping({ patience: 2, baseline: 0.05 }))).epochs, 2);
  assert.equal((await run([1, 2, 3, 4, 5, 6], new EarlyStopping({ patience: 1, startFromEpoch: 3 }))).epochs, 5);
  const r = await run([0.5, 0.2, 0.6, 0.7, 0.8], new EarlyStopping({ patience: 2, restoreBestWeights: true }));
  assert.equal(r.epochs, 4);
  assert.deepEqual(Array.from(r.m.weights[0]!.data), r.weightsAt[1]);
});
