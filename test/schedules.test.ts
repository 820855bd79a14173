/**
 * Learning-rate schedules against keras/src/optimizers/schedules/learning_rate_schedule.py,
 * values worked by hand at chosen steps; their use by optimizers and the LR callbacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequential, Tensor, callbacks, layers, optimizers } from '../src/core.js';
import {
  CosineDecay,
  CosineDecayRestarts,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  deserializeSchedule,
  serializeSchedule,
} from '../src/optimizers/schedules.js';
import type { LearningRateSchedule } from '../src/optimizers/schedules.js';

function at(s: LearningRateSchedule, cases: [number, number][]): void {
  for (const [step, want] of cases) {
    const got = s.call(step);
    assert.ok(Math.abs(got - want) <= 1e-12 * (1 + Math.abs(want)), `${s.className}(${step}) = ${got}, want ${want}`);
  }
}

test('ExponentialDecay: 0.1 * 0.5^(step/10), floored exponent with staircase', () => {
  const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  at(s, [
    [0, 0.1],
    [5, 0.1 * Math.SQRT1_2],
    [20, 0.025],
  ]);
  const st = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  at(st, [
    [9, 0.1],
    [15, 0.05],
    [29, 0.025],
  ]);
  assert.throws(
    () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }),
    /ExponentialDecay: Argument `decaySteps` must be > 0/,
  );
});

test('PiecewiseConstantDecay: values[0] up to and including the first boundary, then each range', () => {
  const s = new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
  at(s, [
    [0, 1],
    [10, 1],
    [11, 0.5],
    [20, 0.5],
    [21, 0.1],
    [1e6, 0.1],
  ]);
  assert.throws(
    () => new PiecewiseConstantDecay({ boundaries: [10], values: [1] }),
    /the length of boundaries should be 1 less than the length of values/,
  );
});

test('PolynomialDecay: (0.1 - 0.01)(1 - step/10)^2 + 0.01, capped; cycle stretches the period', () => {
  const s = new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2 });
  at(s, [
    [0, 0.1],
    [5, 0.09 * 0.25 + 0.01],
    [10, 0.01],
    [20, 0.01],
  ]);
  const c = new PolynomialDecay({
    initialLearningRate: 0.1,
    decaySteps: 10,
    endLearningRate: 0.01,
    power: 2,
    cycle: true,
  });
  // step 15: decay steps 10 * ceil(1.5) = 20, p = 0.75: 0.09 * 0.0625 + 0.01.
  at(c, [
    [0, 0.1],
    [15, 0.09 * 0.0625 + 0.01],
    [20, 0.01],
  ]);
  // Keras's defaults: end 0.0001, power 1 (linear).
  at(new PolynomialDecay({ initialLearningRate: 1, decaySteps: 4 }), [[1, 0.9999 * 0.75 + 0.0001]]);
});

test('InverseTimeDecay: 0.1 / (1 + 0.5 step/10), floored with staircase', () => {
  at(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), [
    [5, 0.08],
    [20, 0.05],
  ]);
  at(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), [
    [5, 0.1],
    [15, 0.1 / 1.5],
  ]);
});

test('CosineDecay: half a cosine down to alpha; with warmup, linear to the target first', () => {
  const s = new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 0.1 });
  // step 5: cos(pi/2) = 0, so 0.1 * (0.9 * 0.5 + 0.1) = 0.055; past the end: 0.1 * alpha.
  at(s, [
    [0, 0.1],
    [5, 0.055],
    [10, 0.01],
    [50, 0.01],
  ]);
  const w = new CosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 4 });
  at(w, [
    [0, 0],
    [2, 0.05],
    [4, 0.1],
    [9, 0.05],
    [14, 0],
    [100, 0],
  ]);
});

test('CosineDecayRestarts: periods 10, 20, ... (tMul 2), peaks times mMul each restart', () => {
  const s = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, mMul: 0.5 });
  // step 5: first period, halfway: 0.5. step 15: second period (10..30), 5/20 in: 0.5 * 0.5 (1 + cos(pi/4)).
  at(s, [
    [0, 1],
    [5, 0.5],
    [10, 0.5],
    [15, 0.25 * (1 + Math.cos(Math.PI / 4))],
  ]);
  const flat = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 1, alpha: 0.2 });
  // tMul 1: every period is 10; step 15 is halfway in the second: 0.8 * 0.5 + 0.2.
  at(flat, [
    [15, 0.6],
    [20, 1],
  ]);
});

test("schedules save in Keras 3's form and load back (Keras 2's {class_name, config} too)", () => {
  const all: LearningRateSchedule[] = [
    new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
    new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }),
    new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, cycle: true }),
    new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }),
    new CosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.1, warmupSteps: 4 }),
    new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, mMul: 0.5 }),
  ];
  for (const s of all) {
    const saved = serializeSchedule(s);
    assert.equal(saved['module'], 'keras.optimizers.schedules');
    assert.equal(saved['class_name'], s.className);
    const back = deserializeSchedule(JSON.parse(JSON.stringify(saved)));
    assert.deepEqual(back.getConfig(), s.getConfig());
    for (const step of [0, 3, 12, 37]) assert.equal(back.call(step), s.call(step));
  }
  // Keras's own config for CosineDecayRestarts names t_mul/m_mul.
  assert.deepEqual(Object.keys(all[5]!.getConfig()), [
    'initial_learning_rate',
    'first_decay_steps',
    't_mul',
    'm_mul',
    'alpha',
    'name',
  ]);
  const k2 = deserializeSchedule({
    class_name: 'ExponentialDecay',
    config: { initial_learning_rate: 0.5, decay_steps: 2, decay_rate: 0.1, staircase: false, name: null },
  });
  assert.equal(k2.call(2), 0.05);
  assert.throws(() => deserializeSchedule({ class_name: 'Mystery', config: {} }), /Unknown learning-rate schedule/);
  assert.throws(
    () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decay_rate: 0.5 } as never),
    /ExponentialDecay: `decay_rate` is Keras's Python spelling; use `decayRate`/,
  );
});

function tinyModel(opt: optimizers.Optimizer): Sequential {
  const m = new Sequential([new layers.Dense(1, { inputDim: 2 })]);
  m.compile({ loss: 'mse', optimizer: opt });
  return m;
}
const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]);
const y = new Tensor(Float32Array.from([1, 0, 1, 0]), [4, 1]);

test('fit steps the schedule once per batch: after 2 epochs of 2 batches the rate is schedule(4)', async () => {
  const s = new PiecewiseConstantDecay({ boundaries: [1, 3], values: [0.1, 0.01, 0.001] });
  const opt = new optimizers.SGD({ learningRate: s });
  const seen: number[] = [];
  const m = tinyModel(opt);
  await m.fit(x, y, {
    batchSize: 2,
    epochs: 2,
    verbose: 0,
    shuffle: false,
    callbacks: [new callbacks.LambdaCallback({ onTrainBatchBegin: () => void seen.push(opt.learningRate) })],
  });
  assert.deepEqual(seen, [0.1, 0.1, 0.01, 0.01]);
  assert.equal(opt.iterations, 4);
  assert.equal(opt.learningRate, 0.001);
});

test('LearningRateScheduler and ReduceLROnPlateau refuse an optimizer built on a schedule, as Keras does', async () => {
  const sched = () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  const a = tinyModel(new optimizers.Adam({ learningRate: sched() }));
  await assert.rejects(
    a.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new callbacks.LearningRateScheduler((_e, lr) => lr / 2)] }),
    (e: Error) => e instanceof TypeError && /created with a LearningRateSchedule .* not settable/.test(e.message),
  );
  const b = tinyModel(new optimizers.Adam({ learningRate: sched() }));
  await assert.rejects(
    b.fit(x, y, {
      epochs: 3,
      verbose: 0,
      callbacks: [new callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 0, minDelta: 1e9 })],
    }),
    (e: Error) => e instanceof TypeError && /not settable/.test(e.message),
  );
  // With a number rate both keep working, and the logged rate follows the schedule's value otherwise.
  const c = tinyModel(new optimizers.Adam({ learningRate: 0.1 }));
  const h = await c.fit(x, y, {
    epochs: 2,
    verbose: 0,
    callbacks: [new callbacks.LearningRateScheduler((_e, lr) => lr / 2)],
  });
  assert.deepEqual(h.history['lr'], [0.05, 0.025]);
});
