/**
 * Every optimizer, base option and schedule saved with the model (.keras and .h5), reloaded, and
 * resumed: the losses equal those of training straight through.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sequential, Tensor, callbacks, layers, optimizers, setRandomSeed } from '../src/core.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';
import { loadModel } from '../src/io/index.js';
import { deserializeOptimizer, serializeOptimizer } from '../src/io/optimizer-config.js';
import { optimizerWeights } from '../src/io/optimizer-state.js';
import { CosineDecay, CosineDecayRestarts, PiecewiseConstantDecay } from '../src/optimizers/schedules.js';

const dir = mkdtempSync(join(tmpdir(), 'io-resume-opt-'));

function build(opt: () => Optimizer): Sequential {
  const m = new Sequential();
  m.add(layers.Input({ shape: [6] }));
  m.add(new layers.Dense(5, { activation: 'tanh' }));
  m.add(new layers.Dense(3, { activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: opt() });
  return m;
}

function data(): [Tensor, Tensor] {
  const n = 20;
  const x = new Tensor(
    new Float32Array(n * 6).map((_, i) => Math.sin(i * 0.37)),
    [n, 6],
  );
  const y = new Tensor(new Float32Array(n * 3), [n, 3]);
  for (let i = 0; i < n; i++) y.data[i * 3 + ((i * 7) % 3)] = 1;
  return [x, y];
}

const reseedAt = (epoch: number) =>
  new callbacks.LambdaCallback({ onEpochBegin: (e) => (e === epoch ? setRandomSeed(99) : undefined) });

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['adamw', () => new optimizers.AdamW({ learningRate: 0.01, weightDecay: 0.1 })],
  ['adam-amsgrad-clipnorm', () => new optimizers.Adam({ learningRate: 0.01, amsgrad: true, clipnorm: 0.5 })],
  ['adagrad', () => new optimizers.Adagrad({ learningRate: 0.1, clipvalue: 0.2 })],
  ['adadelta', () => new optimizers.Adadelta({ learningRate: 1 })],
  ['adamax', () => new optimizers.Adamax({ learningRate: 0.01, globalClipnorm: 1 })],
  ['nadam', () => new optimizers.Nadam({ learningRate: 0.01 })],
  ['lion', () => new optimizers.Lion({ learningRate: 0.001, weightDecay: 0.01 })],
  ['ftrl', () => new optimizers.Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.001, beta: 0.1 })],
  [
    'sgd-cosine-warmup',
    () =>
      new optimizers.SGD({
        learningRate: new CosineDecay({ initialLearningRate: 0, decaySteps: 12, warmupTarget: 0.2, warmupSteps: 4 }),
        momentum: 0.9,
      }),
  ],
  [
    'adam-piecewise',
    () => new optimizers.Adam({ learningRate: new PiecewiseConstantDecay({ boundaries: [5], values: [0.02, 0.002] }) }),
  ],
  [
    'rmsprop-restarts',
    () =>
      new optimizers.RMSprop({
        learningRate: new CosineDecayRestarts({ initialLearningRate: 0.01, firstDecaySteps: 3 }),
        centered: true,
      }),
  ],
];

for (const ext of ['h5', 'keras']) {
  for (const [label, opt] of OPTIMIZERS) {
    test(`.${ext}, ${label}: save, load and continue gives the same losses as training straight through`, async () => {
      const [x, y] = data();
      setRandomSeed(5);
      const straight = build(opt);
      const init = straight.getWeights();
      const full = await straight.fit(x, y, { epochs: 4, batchSize: 7, verbose: 0, callbacks: [reseedAt(2)] });

      setRandomSeed(5);
      const first = build(opt);
      first.setWeights(init);
      const part = await first.fit(x, y, { epochs: 2, batchSize: 7, verbose: 0 });
      const path = join(dir, `${label}.${ext}`);
      await first.save(path);
      const resumed = await loadModel(path);
      assert.equal(resumed.optimizer!.constructor, first.optimizer!.constructor);
      assert.deepEqual(resumed.optimizer!.getConfig(), first.optimizer!.getConfig());
      assert.equal(resumed.optimizer!.iterations, 6);
      const rest = await resumed.fit(x, y, {
        epochs: 4,
        initialEpoch: 2,
        batchSize: 7,
        verbose: 0,
        callbacks: [reseedAt(2)],
      });
      assert.deepEqual([...part.history['loss']!, ...rest.history['loss']!], full.history['loss']);
      assert.deepEqual(Array.from(resumed.predict(x).data), Array.from(straight.predict(x).data));
    });
  }
}

for (const ext of ['h5', 'keras']) {
  test(`.${ext}: EMA averages and Nadam's momentum product are saved and restored`, async () => {
    const [x, y] = data();
    setRandomSeed(5);
    const m = build(() => new optimizers.Nadam({ learningRate: 0.01, useEma: true, emaMomentum: 0.8 }));
    // The first fit's end copies the averages into the weights; the second leaves fresh averages.
    await m.fit(x, y, { epochs: 1, batchSize: 7, verbose: 0 });
    m.trainOnBatch(x, y);
    const path = join(dir, `ema.${ext}`);
    await m.save(path);
    const back = await loadModel(path);
    const opt = back.optimizer as optimizers.Nadam;
    assert.equal(opt.uProduct, Math.fround((m.optimizer as optimizers.Nadam).uProduct));
    m.trainableWeights.forEach((v, i) =>
      assert.deepEqual(Array.from(opt.getAverage(back.trainableWeights[i]!)), Array.from(m.optimizer!.getAverage(v))),
    );
  });
}

test("Keras 3's variable order: iteration, learning_rate (absent for a schedule), EMA averages, slot groups", () => {
  const m = build(() => new optimizers.Adam({ amsgrad: true, useEma: true }));
  const names = optimizerWeights(m.optimizer!, m.trainableWeights, 'keras3').map((w) => w.name);
  const d = m.layers[0]!.name;
  assert.deepEqual(names.slice(0, 4), [
    'adam/iteration',
    'adam/learning_rate',
    `adam/${d}_kernel_average`,
    `adam/${d}_bias_average`,
  ]);
  // momentum and velocity interleaved per variable, then the velocity_hat group.
  assert.deepEqual(names.slice(6, 10), [
    `adam/${d}_kernel_momentum`,
    `adam/${d}_kernel_velocity`,
    `adam/${d}_bias_momentum`,
    `adam/${d}_bias_velocity`,
  ]);
  assert.equal(names.at(-1)!.endsWith('_velocity_hat'), true);
  const s = build(
    () => new optimizers.Ftrl({ learningRate: new PiecewiseConstantDecay({ boundaries: [1], values: [1, 2] }) }),
  );
  const k2 = optimizerWeights(s.optimizer!, s.trainableWeights, 'keras2').map((w) => w.name);
  const sd = s.layers[0]!.name;
  assert.deepEqual(k2.slice(0, 3), ['Ftrl/iter:0', `Ftrl/${sd}/kernel/accumulator:0`, `Ftrl/${sd}/bias/accumulator:0`]);
  assert.equal(optimizerWeights(s.optimizer!, s.trainableWeights, 'keras3')[1]!.name.endsWith('_accumulator'), true);
});

test('optimizer configs: every key is read back; unknown or unsupported ones are refused by name', () => {
  const opt = new optimizers.Lion({ learningRate: 0.003, beta2: 0.95, clipvalue: 1, useEma: true });
  const back = deserializeOptimizer(JSON.parse(JSON.stringify(serializeOptimizer(opt))));
  assert.ok(back instanceof optimizers.Lion);
  assert.deepEqual(back.getConfig(), opt.getConfig());
  // Keras 2 (tf.keras legacy) Adagrad config.
  const k2 = deserializeOptimizer({
    class_name: 'Adagrad',
    config: { name: 'Adagrad', learning_rate: 0.01, decay: 0.0, initial_accumulator_value: 0.2, epsilon: 1e-7 },
  }) as optimizers.Adagrad;
  assert.deepEqual([k2.learningRate, k2.initialAccumulatorValue], [0.01, 0.2]);
  assert.throws(
    () => deserializeOptimizer({ class_name: 'Adam', config: { learning_rate: 0.01, loss_scale_factor: 128 } }),
    /Optimizer Adam in the saved config: Adam: Keras's `lossScaleFactor` option is not supported/,
  );
  assert.throws(
    () => deserializeOptimizer({ class_name: 'Nadam', config: { learning_rate: 0.01, momentum_decay: 0.004 } }),
    /Nadam: unknown option `momentumDecay`/,
  );
  assert.throws(() => deserializeOptimizer({ class_name: 'Adam', config: { decay: 0.01 } }), /Keras 2's 'decay'/);
  assert.throws(
    () => deserializeOptimizer({ class_name: 'Adafactor', config: {} }),
    /Unknown optimizer class 'Adafactor'/,
  );
});
