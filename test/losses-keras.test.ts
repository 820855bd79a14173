// Keras 3's losses (keras/src/losses/losses.py) checked against values worked by hand from its
// equations; most inputs are the examples of Keras's docstrings, whose printed results we match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { gradients } from '../src/core/autograd.js';
import type { Tensor } from '../src/core/tensor.js';
import * as ops from '../src/ops/index.js';
import * as L from '../src/losses/index.js';
import { getLoss } from '../src/losses/losses.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { compileFromConfig, keras3ModelConfig, keras2TrainingConfig } from '../src/io/model-config.js';
import { setRandomSeed } from '../src/core/random.js';

const t = (v: number[][] | number[], dtype: 'float32' | 'float64' = 'float64'): Tensor =>
  ops.tensor(v, undefined, dtype);
const close = (got: number, want: number, tol = 1e-6, what = ''): void =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
const closeAll = (got: Tensor, want: number[], tol = 1e-6): void => {
  assert.equal(got.size, want.length, `size ${got.size} vs ${want.length}`);
  want.forEach((w, i) => close(Number(got.data[i]), w, tol, `[${i}]`));
};
const ln = Math.log;
const EPS = 1e-7;

// Keras docstring inputs shared by several losses.
const Y = (): Tensor =>
  t([
    [0, 1],
    [0, 0],
  ]);
const P = (): Tensor =>
  t([
    [0.6, 0.4],
    [0.4, 0.6],
  ]);

test('BinaryCrossentropy: probabilities, logits, label smoothing, reductions (Keras docstring values)', () => {
  // -(y log p + (1-y) log(1-p)) averaged over the last axis, then over the batch.
  const s1 = -(ln(1 - 0.6) + ln(0.4)) / 2; // y=[0,1], p=[0.6,0.4]
  const s2 = -(ln(1 - 0.4) + ln(1 - 0.6)) / 2; // y=[0,0], p=[0.4,0.6]
  close(new L.BinaryCrossentropy().apply(Y(), P()).item(), (s1 + s2) / 2); // Keras prints 0.815
  close((s1 + s2) / 2, 0.815, 1e-3, 'docstring');
  closeAll(new L.BinaryCrossentropy({ reduction: 'none' }).apply(Y(), P()), [s1, s2]);
  close(new L.BinaryCrossentropy({ reduction: 'sum' }).apply(Y(), P()).item(), s1 + s2);
  // Label smoothing 0.2: y -> y * 0.8 + 0.1.
  const ls = (y: number, p: number): number => -((y * 0.8 + 0.1) * ln(p) + (1 - (y * 0.8 + 0.1)) * ln(1 - p));
  const want = ((ls(0, 0.6) + ls(1, 0.4)) / 2 + (ls(0, 0.4) + ls(0, 0.6)) / 2) / 2;
  close(new L.BinaryCrossentropy({ labelSmoothing: 0.2 }).apply(Y(), P()).item(), want);
  // From logits (docstring: y=[0,1,0,0], logits [-18.6, 0.51, 2.94, -12.8] -> 0.865).
  const logits = [-18.6, 0.51, 2.94, -12.8];
  const yl = [0, 1, 0, 0];
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const bl = yl.reduce((a, y, i) => a - (y * ln(sig(logits[i]!)) + (1 - y) * ln(1 - sig(logits[i]!))), 0) / 4;
  close(new L.BinaryCrossentropy({ fromLogits: true }).apply(t(yl), t(logits)).item(), bl, 1e-9);
  close(bl, 0.865, 1e-3, 'docstring');
  // A probability of exactly 0 or 1 is clipped to [1e-7, 1 - 1e-7]: finite, -log(1e-7) per miss.
  close(L.binaryCrossentropy(t([[1, 0]]), t([[0, 1]])).item(), -ln(EPS), 1e-6);
});

test('CategoricalCrossentropy: docstring value, label smoothing, logits, axis, and the fused softmax path', () => {
  const y = t([
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const p = t([
    [0.05, 0.95, 0],
    [0.1, 0.8, 0.1],
  ]);
  const s = [-ln(0.95), -ln(0.1)];
  close(new L.CategoricalCrossentropy().apply(y, p).item(), (s[0]! + s[1]!) / 2); // Keras: 1.177
  close((s[0]! + s[1]!) / 2, 1.177, 1e-3, 'docstring');
  // Smoothing 0.3 over 3 classes: y -> y*0.7 + 0.1; p = 0 is clipped to 1e-7.
  const row = (ys: number[], ps: number[]): number =>
    -ys.reduce((a, v, i) => a + (v * 0.7 + 0.1) * ln(Math.min(Math.max(ps[i]!, EPS), 1 - EPS)), 0);
  close(
    new L.CategoricalCrossentropy({ labelSmoothing: 0.3 }).apply(y, p).item(),
    (row([0, 1, 0], [0.05, 0.95, 0]) + row([0, 0, 1], [0.1, 0.8, 0.1])) / 2,
  );
  // From logits: -sum(y * log_softmax(x)); logits [1, 2, 3] for class 2: -(3 - log(e + e^2 + e^3)).
  const lse = ln(Math.E + Math.E ** 2 + Math.E ** 3);
  close(L.categoricalCrossentropy(t([[0, 0, 1]]), t([[1, 2, 3]]), { fromLogits: true }).item(), lse - 3, 1e-12);
  // axis 0: classes run down the columns.
  closeAll(L.categoricalCrossentropy(ops.transpose(y), ops.transpose(p), { axis: 0 }), s, 1e-9);
  // A softmax output goes back to its logits: the fused kernel, same values and gradient softmax - y.
  const x = t([
    [0.5, -1, 2],
    [3, 0, -2],
  ]);
  x.requiresGrad = true;
  const out = ops.softmax(x);
  const loss = new L.CategoricalCrossentropy().apply(y, out);
  const direct = ops.mean(ops.softmaxCrossEntropy(y, x));
  assert.equal(loss.item(), direct.item(), 'fused path: bit-identical to softmaxCrossEntropy');
  const [g] = gradients(loss, [x], ops.onesLike(loss));
  const sm = ops.softmax(x.detach());
  g!.data.forEach((v, i) => close(Number(v), (Number(sm.data[i]) - Number(y.data[i])) / 2, 1e-12, 'grad'));
});

test('SparseCategoricalCrossentropy: docstring values, sample weights, reductions, ignoreClass', () => {
  const ids = ops.tensor([1, 2], [2], 'int32');
  const p = t([
    [0.05, 0.95, 0],
    [0.1, 0.8, 0.1],
  ]);
  const s = [-ln(0.95), -ln(0.1)];
  close(new L.SparseCategoricalCrossentropy().apply(ids, p).item(), (s[0]! + s[1]!) / 2); // 1.177
  // sample_weight [0.3, 0.7]: sum(w * l) / 2 (Keras prints 0.814).
  const weighted = (0.3 * s[0]! + 0.7 * s[1]!) / 2;
  close(new L.SparseCategoricalCrossentropy().apply(ids, p, t([0.3, 0.7])).item(), weighted);
  close(weighted, 0.814, 1e-3, 'docstring');
  close(new L.SparseCategoricalCrossentropy({ reduction: 'sum' }).apply(ids, p).item(), s[0]! + s[1]!); // 2.354
  closeAll(new L.SparseCategoricalCrossentropy({ reduction: 'none' }).apply(ids, p), s); // [0.0513, 2.303]
  // mean_with_sample_weight divides by sum(w) = 1.
  close(
    new L.SparseCategoricalCrossentropy({ reduction: 'mean_with_sample_weight' }).apply(ids, p, t([0.3, 0.7])).item(),
    0.3 * s[0]! + 0.7 * s[1]!,
  );
  // ignoreClass 2: the second target is absent: loss 0 there, and the mean is over 1 valid entry.
  const ig = new L.SparseCategoricalCrossentropy({ ignoreClass: 2 });
  closeAll(ig.call(ids, p), [s[0]!, 0]);
  close(ig.apply(ids, p).item(), s[0]!);
  close(new L.SparseCategoricalCrossentropy({ ignoreClass: 2, reduction: 'sum' }).apply(ids, p).item(), s[0]!);
  // [N, 1] targets and logits.
  const lse = ln(Math.E + Math.E ** 2 + Math.E ** 3);
  close(
    L.sparseCategoricalCrossentropy(ops.tensor([[0]], [1, 1], 'int32'), t([[1, 2, 3]]), { fromLogits: true }).item(),
    lse - 1,
    1e-12,
  );
});

test('BinaryFocalCrossentropy and CategoricalFocalCrossentropy by their formulas', () => {
  // Docstring: y=[0,1,0,0], logits [-18.6, 0.51, 2.94, -12.8], gamma 2 -> 0.691.
  const logits = [-18.6, 0.51, 2.94, -12.8];
  const yl = [0, 1, 0, 0];
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const focal = (gamma: number, balance: number | null): number =>
    yl.reduce((a, y, i) => {
      const p = Math.min(Math.max(sig(logits[i]!), EPS), 1 - EPS);
      const bce = -(y * ln(p) + (1 - y) * ln(1 - p));
      const pt = y * sig(logits[i]!) + (1 - y) * (1 - sig(logits[i]!));
      const w = balance === null ? 1 : y * balance + (1 - y) * (1 - balance);
      return a + w * (1 - pt) ** gamma * bce;
    }, 0) / 4;
  const got = new L.BinaryFocalCrossentropy({ fromLogits: true, gamma: 2 }).apply(t(yl), t(logits)).item();
  close(got, focal(2, null), 1e-6);
  close(got, 0.691, 2e-3, 'docstring');
  close(
    new L.BinaryFocalCrossentropy({ fromLogits: true, applyClassBalancing: true, alpha: 0.25, gamma: 3 })
      .apply(t(yl), t(logits))
      .item(),
    focal(3, 0.25),
    1e-6,
  );
  // Categorical focal: sum(alpha (1-p)^gamma * -y log p); y one-hot class 1, p = [0.2, 0.7, 0.1].
  close(L.categoricalFocalCrossentropy(t([[0, 1, 0]]), t([[0.2, 0.7, 0.1]])).item(), 0.25 * 0.3 ** 2 * -ln(0.7), 1e-9);
});

test('regression losses: MSE, MAE, MAPE, MSLE, Huber, LogCosh, CosineSimilarity (docstring values)', () => {
  const y = t([
    [0, 1],
    [0, 0],
  ]);
  const p = t([
    [1, 1],
    [1, 0],
  ]);
  close(new L.MeanSquaredError().apply(y, p).item(), 0.5); // ((1+0)/2 + (1+0)/2) / 2
  close(new L.MeanAbsoluteError().apply(y, p).item(), 0.5);
  // MAPE: 100 * mean(|y - p| / max(|y|, eps)); y = [[2, 4]], p = [[1, 5]]: 100 * (0.5 + 0.25) / 2.
  close(new L.MeanAbsolutePercentageError().apply(t([[2, 4]]), t([[1, 5]])).item(), 37.5, 1e-9);
  // MSLE: mean((log(1+p) - log(1+y))^2); y = [[1, 3]], p = [[0, 1]].
  close(
    new L.MeanSquaredLogarithmicError().apply(t([[1, 3]]), t([[0, 1]])).item(),
    ((ln(1 + EPS) - ln(2)) ** 2 + (ln(2) - ln(4)) ** 2) / 2,
    1e-9,
  );
  // Huber (docstring, delta 1): errors [0.6,-0.6],[0.4,0.6] are all quadratic: 0.155.
  close(new L.Huber().apply(Y(), P()).item(), ((0.18 + 0.18) / 2 + (0.08 + 0.18) / 2) / 2, 1e-9);
  // delta 0.5: |e| = 0.6 is linear (0.5*0.6 - 0.125 = 0.175), 0.4 quadratic (0.08).
  close(new L.Huber({ delta: 0.5 }).apply(Y(), P()).item(), ((0.175 + 0.175) / 2 + (0.08 + 0.175) / 2) / 2, 1e-9);
  // LogCosh (docstring): errors [1, 0], [0, 0] -> mean(log cosh 1 / 2, 0) = 0.108.
  close(
    new L.LogCosh()
      .apply(
        y,
        t([
          [1, 1],
          [0, 0],
        ]),
      )
      .item(),
    ln(Math.cosh(1)) / 4,
    1e-9,
  );
  // CosineSimilarity (docstring): rows [0,1]·[1,0] = 0 and [1,1]·[1,1]/2 = 1 -> -(0 + 1)/2.
  close(
    new L.CosineSimilarity()
      .apply(
        t([
          [0, 1],
          [1, 1],
        ]),
        t([
          [1, 0],
          [1, 1],
        ]),
      )
      .item(),
    -0.5,
    1e-9,
  );
  // A zero vector stays zero (Keras's normalize), no NaN.
  close(L.cosineSimilarity(t([[0, 0]]), t([[1, 2]])).item(), 0);
});

test('probabilistic and hinge losses: KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge (docstrings)', () => {
  // KLD: sum(y log(y/p)) with y, p clipped to [1e-7, 1]: 0.458.
  const kl = (ys: number[], ps: number[]): number =>
    ys.reduce((a, v, i) => {
      const yy = Math.max(v, EPS);
      return a + yy * ln(yy / Math.max(ps[i]!, EPS));
    }, 0);
  const klWant = (kl([0, 1], [0.6, 0.4]) + kl([0, 0], [0.4, 0.6])) / 2;
  close(new L.KLDivergence().apply(Y(), P()).item(), klWant, 1e-9);
  close(klWant, 0.458, 1e-3, 'docstring');
  // Poisson: mean(p - y log(p + eps)).
  const po = (ys: number[], ps: number[]): number => ys.reduce((a, v, i) => a + ps[i]! - v * ln(ps[i]! + EPS), 0) / 2;
  close(new L.Poisson().apply(Y(), P()).item(), (po([0, 1], [0.6, 0.4]) + po([0, 0], [0.4, 0.6])) / 2, 1e-9);
  // Hinge: 0/1 labels become -1/1: max(1 - y p, 0) = [1.6, 0.6], [1.4, 1.6] -> 1.3; squared: 1.86.
  close(new L.Hinge().apply(Y(), P()).item(), 1.3, 1e-9);
  close(new L.SquaredHinge().apply(Y(), P()).item(), 1.86, 1e-9);
  // Labels already -1/1 are used as they are: y = [[-1, 1]], p = [[0.5, 2]]: max(1.5, 0), max(-1, 0) -> 0.75.
  close(L.hinge(t([[-1, 1]]), t([[0.5, 2]])).item(), 0.75, 1e-12);
  // CategoricalHinge: max(max((1-y)p) - sum(y p) + 1, 0): 1.2 and 1.6 -> 1.4.
  close(new L.CategoricalHinge().apply(Y(), P()).item(), 1.4, 1e-9);
});

test('loss names: snake_case, camelCase, Keras aliases and class names resolve; unknown ones are refused', () => {
  for (const [id, name] of [
    ['mse', 'mean_squared_error'],
    ['MSE', 'mean_squared_error'],
    ['meanSquaredError', 'mean_squared_error'],
    ['mean_absolute_percentage_error', 'mean_absolute_percentage_error'],
    ['mape', 'mean_absolute_percentage_error'],
    ['msle', 'mean_squared_logarithmic_error'],
    ['kld', 'kl_divergence'],
    ['klDivergence', 'kl_divergence'],
    ['logcosh', 'log_cosh'],
    ['logCosh', 'log_cosh'],
    ['binaryFocalCrossentropy', 'binary_focal_crossentropy'],
    ['bce', 'binary_crossentropy'],
    ['sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy'],
    ['squaredHinge', 'squared_hinge'],
    ['Huber', 'huber'],
    ['CategoricalCrossentropy', 'categorical_crossentropy'],
  ] as const)
    assert.equal(getLoss(id).name, name, id);
  assert.throws(() => getLoss('mean_sqared_error'), /Unknown loss 'mean_sqared_error'/);
  assert.throws(() => new L.BinaryCrossentropy({ from_logits: true } as never), /from_logits.*fromLogits/);
  assert.throws(() => new L.Huber({ delat: 2 } as never), /delat/);
  assert.throws(() => new L.MeanSquaredError({ reduction: 'avg' as never }), /invalid reduction "avg"/);
  assert.throws(() => L.binaryCrossentropy(t([[1, 0, 1]]), t([[0.5, 0.5]])), /shape \[1, 3\].*\[1, 2\]/);
});

test('getConfig / fromConfig: Keras 3 keys round-trip, Keras 2 configs load, bad configs are refused', () => {
  const bce = new L.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1, reduction: 'sum', name: 'b' });
  assert.deepEqual(bce.getConfig(), {
    name: 'b',
    reduction: 'sum',
    from_logits: true,
    label_smoothing: 0.1,
    axis: -1,
  });
  const back = L.deserializeLoss(L.serializeLoss(bce)) as InstanceType<typeof L.BinaryCrossentropy>;
  assert.ok(back instanceof L.BinaryCrossentropy);
  assert.deepEqual(back.getConfig(), bce.getConfig());
  assert.deepEqual(new L.SparseCategoricalCrossentropy().getConfig(), {
    name: 'sparse_categorical_crossentropy',
    reduction: 'sum_over_batch_size',
    from_logits: false,
    ignore_class: null,
    axis: -1,
  });
  assert.deepEqual(new L.Huber().getConfig(), { name: 'huber_loss', reduction: 'sum_over_batch_size', delta: 1 });
  assert.deepEqual(new L.MeanSquaredError().getConfig(), {
    name: 'mean_squared_error',
    reduction: 'sum_over_batch_size',
  });
  // Keras 2 (tf.keras) wrote reduction 'auto'.
  const k2 = L.deserializeLoss({
    class_name: 'CategoricalCrossentropy',
    config: { reduction: 'auto', name: 'categorical_crossentropy', from_logits: true, label_smoothing: 0, axis: -1 },
  });
  assert.equal(k2.reduction, 'sum_over_batch_size');
  assert.equal((k2.getConfig() as { from_logits: boolean }).from_logits, true);
  const policy = L.deserializeLoss({
    module: 'keras.losses',
    class_name: 'MeanSquaredError',
    config: {
      name: 'mse',
      reduction: 'sum',
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float64' } },
    },
  });
  assert.equal(policy.dtype, 'float64');
  assert.equal(policy.apply(t([[1, 2]], 'float32'), t([[0, 0]], 'float32')).dtype, 'float64');
  assert.throws(
    () => L.deserializeLoss({ class_name: 'Poisson', config: { dtype: { config: { name: 'mixed_float16' } } } }),
    /dtype must be 'float32', 'float64' or null; got "mixed_float16"/,
  );
  assert.throws(() => L.deserializeLoss({ class_name: 'Dice', config: {} }), /Unknown loss class 'Dice'/);
  assert.throws(
    () => L.deserializeLoss({ class_name: 'Huber', config: { delta: 1, smoothing: 2 } }),
    /Huber.*smoothing/,
  );
});

test('compile with a Loss object trains on its options, and compile_config saves and restores them', async () => {
  setRandomSeed(3);
  const model = new Sequential([new Dense(1, { inputShape: [2] })]);
  const loss = new L.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 });
  model.compile({ loss, optimizer: 'sgd' });
  const x = t(
    [
      [1, 2],
      [-1, 0.5],
      [0, -2],
    ],
    'float32',
  );
  const y = t([[1], [0], [1]], 'float32');
  const [got] = await model.evaluate(x, y, { verbose: 0 });
  // By hand from the logits the model outputs: smoothed y*0.8 + 0.1, stable BCE on logits.
  const z = model.predict(x);
  let want = 0;
  for (let i = 0; i < 3; i++) {
    const zi = Number(z.data[i]);
    const yi = Number(y.data[i]) * 0.8 + 0.1;
    want += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
  }
  close(got!, want / 3, 1e-5);
  const cc = keras3ModelConfig(model)['compile_config'] as Record<string, unknown>;
  assert.deepEqual(cc['loss'], {
    module: 'keras.losses',
    class_name: 'BinaryCrossentropy',
    config: {
      name: 'binary_crossentropy',
      reduction: 'sum_over_batch_size',
      from_logits: true,
      label_smoothing: 0.2,
      axis: -1,
    },
    registered_name: null,
  });
  const fresh = new Sequential([new Dense(1, { inputShape: [2] })]);
  fresh.setWeights(model.getWeights());
  compileFromConfig(fresh, cc, 'optimizer');
  const [again] = await fresh.evaluate(x, y, { verbose: 0 });
  close(again!, got!, 1e-7);
  // Keras 2's training_config carries the same object; a string loss saves as its name.
  assert.equal((keras2TrainingConfig(model)!['loss'] as { class_name: string }).class_name, 'BinaryCrossentropy');
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  assert.equal((keras3ModelConfig(model)['compile_config'] as Record<string, unknown>)['loss'], 'mean_squared_error');
});

test("compile with reduction 'sum' and 'none': the Loss reduces, then compile takes the mean (Keras's CompileLoss)", async () => {
  setRandomSeed(4);
  const model = new Sequential([new Dense(2, { inputShape: [2] })]);
  const x = t(
    [
      [1, 2],
      [-1, 0.5],
      [0, -2],
    ],
    'float32',
  );
  const y = t(
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    'float32',
  );
  const p = model.predict(x);
  // Per-sample MSE by hand: mean over the 2 outputs of (y - p)^2.
  const per = [0, 1, 2].map(
    (i) => [0, 1].reduce((a, j) => a + (Number(y.data[2 * i + j]) - Number(p.data[2 * i + j])) ** 2, 0) / 2,
  );
  model.compile({ loss: new L.MeanSquaredError({ reduction: 'sum' }), optimizer: 'sgd' });
  const [sum] = await model.evaluate(x, y, { verbose: 0 });
  close(sum!, per[0]! + per[1]! + per[2]!, 1e-5);
  model.compile({ loss: new L.MeanSquaredError({ reduction: 'none' }), optimizer: 'sgd' });
  const [none] = await model.evaluate(x, y, { verbose: 0 });
  close(none!, (per[0]! + per[1]! + per[2]!) / 3, 1e-5);
});
