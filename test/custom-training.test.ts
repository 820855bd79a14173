/**
 * Custom training: gradients() without a seed, valueAndGrad, a hand-written loop against fit,
 * and an overriding trainStep / testStep trained through fit with callbacks (Keras 3's way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Sequential,
  Tensor,
  callbacks,
  gradients,
  layers,
  losses,
  noGrad,
  optimizers,
  setRandomSeed,
  tensor,
  valueAndGrad,
} from '../src/core.js';
import type { Logs } from '../src/callbacks/callback.js';
import type { ModelData } from '../src/models/model-data.js';
import { RunningMean } from '../src/metrics/metrics.js';

test('gradients(loss, vars) without a seed gives plain gradients (the seed defaults to ones)', () => {
  const w = tensor([1, 2, 3]);
  w.requiresGrad = true;
  // loss = sum(w^2): d/dw = 2w.
  const [g] = gradients(w.square().sum(), [w]);
  assert.deepEqual(Array.from(g!.data), [2, 4, 6]);
  // A non-scalar root: ones as the seed, i.e. the gradient of sum(root).
  const [h] = gradients(w.mul(3), [w]);
  assert.deepEqual(Array.from(h!.data), [3, 3, 3]);
  assert.throws(
    () => gradients(w.sum(), [w], tensor([1, 2])),
    /gradients: the seed has shape \[2\] but the root has shape \[\]/,
  );
});

test('valueAndGrad returns the loss and its gradients; refuses a non-scalar loss and noGrad', () => {
  const w = tensor([1, -2]);
  w.requiresGrad = true;
  const f = valueAndGrad((x: Tensor) => w.mul(x).sum().square(), [w]);
  // (w.x)^2 with x = [3, 1]: w.x = 1, value 1, d/dw = 2 (w.x) x = [6, 2].
  const { value, grads } = f(tensor([3, 1]));
  assert.equal(value.item(), 1);
  assert.deepEqual(Array.from(grads[0]!.data), [6, 2]);
  assert.throws(
    () => valueAndGrad(() => w.mul(2), [w])(),
    /valueAndGrad: fn must return a scalar loss, got shape \[2\]/,
  );
  assert.throws(() => noGrad(() => f(tensor([3, 1]))), /valueAndGrad: called inside noGrad\(\)/);
});

/** The lecture MLP's shape (784 -> 512 relu -> 10 softmax), on 64 random samples. */
function mlp(): Sequential {
  return new Sequential([
    new layers.Dense(512, { inputDim: 784, activation: 'relu' }),
    new layers.Dense(10, { activation: 'softmax' }),
  ]);
}
function mlpData(): [Tensor, Tensor] {
  setRandomSeed(123);
  const n = 64;
  const x = new Tensor(
    new Float32Array(n * 784).map((_, i) => ((i * 7919) % 255) / 255),
    [n, 784],
  );
  const y = new Tensor(new Float32Array(n * 10), [n, 10]);
  for (let i = 0; i < n; i++) y.data[i * 10 + ((i * 3 + (i >> 2)) % 10)] = 1;
  return [x, y];
}

test('a hand-written loop with valueAndGrad reaches the same losses as fit (MLP shape, same seed)', async () => {
  const [x, y] = mlpData();
  const batch = 16;
  const epochs = 3;

  setRandomSeed(0);
  const viaFit = mlp();
  viaFit.compile({ loss: 'categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.001 }) });
  const history = await viaFit.fit(x, y, { batchSize: batch, epochs, shuffle: false, verbose: 0 });

  setRandomSeed(0);
  const model = mlp();
  const opt = new optimizers.Adam({ learningRate: 0.001 });
  const step = valueAndGrad(
    (xb: Tensor, yb: Tensor) => losses.categoricalCrossentropy(yb, model.apply<Tensor>(xb, { training: true })).mean(),
    () => model.trainableWeights,
  );
  const epochLosses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let total = 0;
    for (let start = 0; start < x.shape[0]!; start += batch) {
      const xb = x.slice([start], [batch]);
      const yb = y.slice([start], [batch]);
      const { value, grads } = step(xb, yb);
      opt.applyGradients(model.trainableWeights, grads);
      total += value.item() * batch;
    }
    epochLosses.push(total / x.shape[0]!);
  }
  const fitLosses = history.history['loss']!;
  assert.ok(fitLosses[2]! < fitLosses[0]!, 'the loss went down');
  epochLosses.forEach((l, i) =>
    assert.ok(Math.abs(l - fitLosses[i]!) < 1e-6, `epoch ${i}: loop ${l}, fit ${fitLosses[i]}`),
  );
  assert.deepEqual(
    Array.from(model.predict<Tensor>(x.slice([0], [4])).data),
    Array.from(viaFit.predict<Tensor>(x.slice([0], [4])).data),
  );
});

/**
 * A custom step with a penalty on the squared weights (a stand-in for a gradient penalty), its
 * own trackers reset at each epoch, and a testStep reporting the same.
 */
class PenalizedModel extends Sequential {
  penaltyWeight = 0;
  readonly lossTracker = new RunningMean();
  readonly penaltyTracker = new RunningMean();
  steps = 0;

  override trainStep([x, y]: [ModelData, ModelData]): Logs {
    this.steps++;
    const n = (x as Tensor).shape[0]!;
    let penaltyValue = 0;
    const { value, grads } = valueAndGrad(
      () => {
        const data = this.computeLoss(y, this.apply<Tensor>(x as Tensor, { training: true }));
        const penalty = this.trainableWeights.map((w) => w.square().sum()).reduce((a, b) => a.add(b));
        penaltyValue = penalty.item();
        return data.add(penalty.mul(this.penaltyWeight));
      },
      () => this.trainableWeights,
    )();
    this.optimizer!.applyGradients(this.trainableWeights, grads);
    this.lossTracker.update(value.item(), n);
    this.penaltyTracker.update(penaltyValue, n);
    return { loss: this.lossTracker.result(), penalty: this.penaltyTracker.result() };
  }

  override testStep([x, y]: [ModelData, ModelData]): Logs {
    const loss = this.computeLoss(y, this.apply<Tensor>(x as Tensor, { training: false })).item();
    this.lossTracker.update(loss, (x as Tensor).shape[0]!);
    return { loss: this.lossTracker.result() };
  }

  override resetMetrics(): void {
    this.lossTracker.reset();
    this.penaltyTracker.reset();
  }
}

function penalized(weight: number): PenalizedModel {
  setRandomSeed(1);
  const m = new PenalizedModel([new layers.Dense(8, { inputDim: 4, activation: 'tanh' }), new layers.Dense(1)]);
  m.penaltyWeight = weight;
  m.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }) });
  return m;
}

test('an overriding trainStep trains through fit: callbacks and History get its logs, testStep runs validation', async () => {
  const n = 32;
  const x = new Tensor(
    new Float32Array(n * 4).map((_, i) => Math.sin(i)),
    [n, 4],
  );
  const y = new Tensor(
    new Float32Array(n).map((_, i) => Math.cos(i)),
    [n, 1],
  );

  // Penalty weight 0: the custom step is plain SGD on the compiled loss, so it must give the
  // built-in step's losses exactly.
  setRandomSeed(1);
  const plain = new Sequential([new layers.Dense(8, { inputDim: 4, activation: 'tanh' }), new layers.Dense(1)]);
  plain.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.05 }) });
  const ref = await plain.fit(x, y, { batchSize: 8, epochs: 3, shuffle: false, verbose: 0 });

  const zero = penalized(0);
  const batchLogs: Logs[] = [];
  const epochLogs: Logs[] = [];
  const h0 = await zero.fit(x, y, {
    batchSize: 8,
    epochs: 3,
    shuffle: false,
    verbose: 0,
    validationData: [x, y],
    callbacks: [
      new callbacks.LambdaCallback({
        onTrainBatchEnd: (_b, logs) => void batchLogs.push({ ...logs }),
        onEpochEnd: (_e, logs) => void epochLogs.push({ ...logs }),
      }),
    ],
  });
  assert.equal(zero.steps, 12);
  assert.equal(batchLogs.length, 12);
  assert.deepEqual(Object.keys(epochLogs[0]!).sort(), ['loss', 'penalty', 'val_loss']);
  h0.history['loss']!.forEach((l, i) => assert.ok(Math.abs(l - ref.history['loss']![i]!) < 1e-6, `epoch ${i}`));
  // The trackers were reset at each epoch: the last batch's running mean is the epoch's loss.
  assert.equal(batchLogs[3]!['loss'], h0.history['loss']![0]);
  // validation ran the custom testStep: its loss is evaluate()'s.
  const [evalLoss] = await zero.evaluate(x, y, { verbose: 0 });
  assert.ok(Math.abs(h0.history['val_loss']![2]! - evalLoss!) < 1e-6);

  // A large penalty shrinks the weights: the penalty logged falls epoch after epoch.
  const heavy = penalized(0.5);
  const h1 = await heavy.fit(x, y, { batchSize: 8, epochs: 3, shuffle: false, verbose: 0 });
  const p = h1.history['penalty']!;
  assert.ok(p[2]! < p[1]! && p[1]! < p[0]!, `penalty ${p.join(', ')}`);
  const zeroPenalty = h0.history['penalty']!;
  assert.ok(p[2]! < zeroPenalty[2]!);

  // The progress bar shows the custom step's logs.
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof write;
  try {
    await heavy.fit(x, y, { batchSize: 8, epochs: 1, verbose: 1 });
  } finally {
    process.stdout.write = write;
  }
  assert.match(printed.join(''), /4\/4.*loss: [0-9.e-]+ - penalty: [0-9.e-]+/s);
});

test('fit with useEma leaves the weights at their moving average when it ends', async () => {
  const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [4, 1]);
  const y = new Tensor(Float32Array.from([2, 4, 6, 8]), [4, 1]);
  setRandomSeed(3);
  const m = new Sequential([new layers.Dense(1, { inputDim: 1 })]);
  const opt = new optimizers.SGD({ learningRate: 0.01, useEma: true, emaMomentum: 0.9 });
  m.compile({ loss: 'mse', optimizer: opt });
  const snapshots: number[][] = [];
  await m.fit(x, y, {
    batchSize: 1,
    epochs: 2,
    shuffle: false,
    verbose: 0,
    callbacks: [
      new callbacks.LambdaCallback({
        onTrainBatchEnd: () => void snapshots.push(m.trainableWeights.map((w) => w.data[0]!)),
      }),
    ],
  });
  // Recompute the average from the weights after each step: avg_1 = w_1, then 0.9 avg + 0.1 w.
  let avg = snapshots[0]!;
  for (const s of snapshots.slice(1)) avg = avg.map((a, i) => 0.9 * a + 0.1 * s[i]!);
  const final = m.trainableWeights.map((w) => w.data[0]!);
  final.forEach((v, i) => assert.ok(Math.abs(v - avg[i]!) < 1e-6, `${v} vs ${avg[i]}`));
  assert.notDeepEqual(final, snapshots.at(-1));
});
