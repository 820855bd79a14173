import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sequential, Tensor, callbacks, layers, optimizers, setRandomSeed } from '../src/core.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';
import { loadModel } from '../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'io-resume-'));

function build(opt: () => Optimizer): Sequential {
  const m = new Sequential();
  m.add(layers.Input({ shape: [2, 3] }));
  m.add(new layers.Flatten());
  m.add(new layers.Dense(8, { activation: 'relu' }));
  m.add(new layers.Dropout(0.3));
  m.add(new layers.Dense(3, { activation: 'tanh' }));
  m.add(new layers.Dense(4));
  m.add(new layers.Activation('softmax'));
  m.compile({ loss: 'categorical_crossentropy', optimizer: opt(), metrics: ['accuracy'] });
  return m;
}

function data(): [Tensor, Tensor] {
  const n = 24;
  const x = new Tensor(
    new Float32Array(n * 6).map((_, i) => Math.sin(i * 0.37)),
    [n, 2, 3],
  );
  const y = new Tensor(new Float32Array(n * 4), [n, 4]);
  for (let i = 0; i < n; i++) y.data[i * 4 + ((i * 7) % 4)] = 1;
  return [x, y];
}

/** Reseeds at the start of the resumed epoch, so shuffling and dropout draw the same numbers both ways. */
const reseedAt = (epoch: number) =>
  new callbacks.LambdaCallback({ onEpochBegin: (e) => (e === epoch ? setRandomSeed(99) : undefined) });

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['adam', () => new optimizers.Adam({ learningRate: 0.01 })],
  ['rmsprop (momentum, centered)', () => new optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
  ['sgd (nesterov)', () => new optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
];

for (const ext of ['h5', 'keras']) {
  for (const [label, opt] of OPTIMIZERS) {
    test(`.${ext}, ${label}: save, load and continue gives the same losses as training straight through`, async () => {
      const [x, y] = data();
      setRandomSeed(5);
      const straight = build(opt);
      const init = straight.getWeights();
      const full = await straight.fit(x, y, { epochs: 5, batchSize: 5, verbose: 0, callbacks: [reseedAt(3)] });

      setRandomSeed(5);
      const first = build(opt);
      first.setWeights(init);
      const part = await first.fit(x, y, { epochs: 3, batchSize: 5, verbose: 0 });
      const path = join(dir, `${label.split(' ')[0]}.${ext}`);
      await first.save(path);
      const resumed = await loadModel(path);
      const rest = await resumed.fit(x, y, {
        epochs: 5,
        initialEpoch: 3,
        batchSize: 5,
        verbose: 0,
        callbacks: [reseedAt(3)],
      });

      assert.deepEqual([...part.history['loss']!, ...rest.history['loss']!], full.history['loss']);
      assert.deepEqual(rest.epoch, [3, 4]);
      assert.deepEqual(Array.from(resumed.predict(x).data), Array.from(straight.predict(x).data));
    });
  }
}
