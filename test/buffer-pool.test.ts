import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import {
  bufferPoolStats,
  bufferScope,
  clearBufferPool,
  pooledArrays,
  reachableBuffers,
  setBufferPooling,
  setMinPooledBytes,
  MIN_POOLED_BYTES,
} from '../src/core/buffer-pool.js';
import { allocate, allocateUninitialized } from '../src/core/dtype.js';
import { setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import type { Variable } from '../src/core/variable.js';
import { Callback } from '../src/callbacks/callback.js';
import { AveragePooling2D } from '../src/layers/average-pooling2d.js';
import { BatchNormalization } from '../src/layers/batch-normalization.js';
import { Bidirectional } from '../src/layers/bidirectional.js';
import { Conv1D } from '../src/layers/conv1d.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Embedding } from '../src/layers/embedding.js';
import { Flatten } from '../src/layers/flatten.js';
import { GlobalMaxPooling1D } from '../src/layers/global-max-pooling1d.js';
import { GRU } from '../src/layers/gru.js';
import { getInitializer } from '../src/layers/initializers.js';
import type { CallOptions, SymbolicShape } from '../src/layers/layer.js';
import { Layer } from '../src/layers/layer.js';
import { LSTM } from '../src/layers/lstm.js';
import { MaxPooling1D } from '../src/layers/max-pooling1d.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import type { Model } from '../src/models/model.js';
import { Sequential } from '../src/models/sequential.js';
import { oneHot, randomNormal } from '../src/ops/creation.js';
import { matmul } from '../src/ops/matmul.js';
import { clearSession } from '../src/utils/naming.js';

/** Deterministic integers in [lo, hi) as an int32 tensor. */
function ints(shape: number[], lo: number, hi: number, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Int32Array.from({ length: n }, (_, i) => lo + ((i * 7919 + seed * 104729) % (hi - lo))),
    shape,
  );
}

/** Overwrites every pooled array, so any survivor wrongly released would show up as garbage. */
function poisonPool(): void {
  for (const a of pooledArrays()) a.fill(a instanceof Float32Array || a instanceof Float64Array ? NaN : 77);
}

class PoisonEachBatch extends Callback {
  override onTrainBatchEnd(): void {
    poisonPool();
  }
  override onTestBatchEnd(): void {
    poisonPool();
  }
  override onPredictBatchEnd(): void {
    poisonPool();
  }
}

/**
 * Adversarial layer: its large kernel is created lazily inside the first training step, and each
 * call keeps (a) a subarray view of the kernel (a different typed array on the kernel's buffer)
 * and (b) its last output, which was allocated inside the step. Both must survive the step.
 */
class KeepsViews extends Layer {
  kernel: Variable | null = null;
  kernelView: Tensor | null = null;
  lastOutput: Tensor | null = null;
  constructor(private readonly units: number) {
    super({});
  }
  override build(inputShape: SymbolicShape): void {
    this.kernel = this.addWeight('kernel', [inputShape[1]!, this.units], getInitializer('glorot_uniform'));
    super.build(inputShape);
  }
  override call(x: Tensor, _options: CallOptions): Tensor {
    const k = this.kernel!;
    this.kernelView = new Tensor(k.data.subarray(0, k.size), k.shape, k.dtype);
    const out = matmul(x, k);
    this.lastOutput = out.detach();
    return out;
  }
  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0]!, this.units];
  }
}

interface RunResult {
  losses: number[];
  history: number[];
  weights: Float32Array[];
  predictions: Float32Array;
  reuses: number;
  model: Model;
}

async function run(build: () => Model, x: Tensor, y: Tensor, pooling: boolean, batch: number): Promise<RunResult> {
  setBufferPooling(pooling);
  clearSession();
  setRandomSeed(11);
  const model = build();
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
  const before = bufferPoolStats().reuses;
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const xb = x.slice([i * batch], [batch]);
    const yb = y.slice([i * batch], [batch]);
    losses.push(...model.trainOnBatch(xb, yb));
    poisonPool();
  }
  const hist = await model.fit(x, y, {
    batchSize: batch,
    epochs: 2,
    verbose: 0,
    validationSplit: 0.25,
    callbacks: [new PoisonEachBatch()],
  });
  const predictions = model.predict(x, { batchSize: batch, callbacks: [new PoisonEachBatch()] });
  const result: RunResult = {
    losses,
    history: [...hist.history['loss']!, ...hist.history['val_loss']!],
    weights: model.weights.map((w) => Float32Array.from(w.data)),
    predictions: Float32Array.from(predictions.data),
    reuses: bufferPoolStats().reuses - before,
    model,
  };
  setBufferPooling(true);
  return result;
}

async function assertPoolingChangesNothing(
  build: () => Model,
  x: Tensor,
  y: Tensor,
  batch: number,
  thresholds: readonly number[] = [MIN_POOLED_BYTES, 1],
): Promise<RunResult> {
  const off = await run(build, x, y, false, batch);
  let on: RunResult | null = null;
  // Default threshold, then every array pooled (weights, BatchNormalization statistics and
  // optimizer slots of these small models then fall under the release rule too).
  for (const threshold of thresholds) {
    setMinPooledBytes(threshold);
    try {
      on = await run(build, x, y, true, batch);
    } finally {
      setMinPooledBytes(MIN_POOLED_BYTES);
    }
    assert.equal(off.reuses, 0);
    assert.ok(on.reuses > 0, 'pooling never reused a buffer: the test would prove nothing');
    assert.deepEqual(on.losses, off.losses);
    assert.ok(on.losses.every(Number.isFinite));
    assert.deepEqual(on.history, off.history);
    assert.equal(on.weights.length, off.weights.length);
    on.weights.forEach((w, i) => assert.deepEqual(w, off.weights[i], `weight ${i} differs (threshold ${threshold})`));
    assert.deepEqual(on.predictions, off.predictions);
    assert.equal(bufferPoolStats().pooledBytes, 0, 'fit/predict must empty the pool when they end');
  }
  return on!;
}

test('MLP: pooling on and off give bit-identical losses, weights and predictions', async () => {
  setRandomSeed(1);
  const x = randomNormal([256, 96]);
  const y = oneHot(ints([256], 0, 10, 1), 10);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Dense(384, { inputDim: 96, activation: 'relu' }),
        new Dense(256, { activation: 'relu' }),
        new Dense(10, { activation: 'softmax' }),
      ]),
    x,
    y,
    64,
  );
});

test('CNN with Dropout and BatchNormalization: pooling changes nothing, moving statistics survive', async () => {
  setRandomSeed(2);
  const x = randomNormal([64, 12, 12, 1]);
  const y = oneHot(ints([64], 0, 4, 1), 4);
  const on = await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Conv2D(16, 3, { inputShape: [12, 12, 1], activation: 'relu' }),
        new BatchNormalization(),
        new Dropout(0.3),
        new Flatten(),
        new Dense(4, { activation: 'softmax' }),
      ]),
    x,
    y,
    16,
  );
  // BatchNormalization's moving statistics changed from their initial values and are finite.
  const movingMean = on.model.weights.find((w) => w.name.includes('moving_mean'))!;
  assert.ok(movingMean, 'expected a moving_mean weight');
  assert.ok(Array.from(movingMean.data).some((v) => v !== 0 && Number.isFinite(v)));
});

test('Embedding + LSTM: pooling on and off give bit-identical results', async () => {
  setRandomSeed(3);
  const x = ints([64, 40], 1, 300, 2);
  const y = oneHot(ints([64], 0, 3, 1), 3);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Embedding(300, 64, { inputLength: 40 }),
        new LSTM(32),
        new Dense(3, { activation: 'softmax' }),
      ]),
    x,
    y,
    16,
  );
});

// Ops write into unzeroed pooled arrays where their kernel writes every element (uninitializedOutput),
// and into zero-filled ones where it adds into its output (col2im, scatterAdd, maxPoolGrad, slice
// and unstack gradients). With every array pooled and the pool poisoned with NaN after each batch,
// an op of either kind given the wrong array would turn the losses NaN or change them. These models
// cover the layers the tests above do not.

test('CNN with max and average pooling (valid and same padding): pooling changes nothing', async () => {
  setRandomSeed(6);
  const x = randomNormal([48, 13, 11, 2]);
  const y = oneHot(ints([48], 0, 5, 1), 5);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Conv2D(8, 3, { inputShape: [13, 11, 2], activation: 'relu', padding: 'same' }),
        new MaxPooling2D({ poolSize: 2, padding: 'same' }),
        new Conv2D(12, 3, { activation: 'relu', strides: 1, dilationRate: 1 }),
        new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
        new MaxPooling2D(2),
        new Flatten(),
        new Dense(5, { activation: 'softmax' }),
      ]),
    x,
    y,
    12,
    [1],
  );
});

test('Embedding (maskZero) + GRU in both reset modes with recurrent dropout: pooling changes nothing', async () => {
  setRandomSeed(7);
  // Zeros in the ids are masked steps (Keras maskZero).
  const x = ints([48, 24], 0, 60, 3);
  const y = oneHot(ints([48], 0, 4, 2), 4);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Embedding(60, 24, { inputLength: 24, maskZero: true }),
        new GRU(20, { returnSequences: true, recurrentDropout: 0.2 }),
        new GRU(16, { resetAfter: false }),
        new Dense(4, { activation: 'softmax' }),
      ]),
    x,
    y,
    12,
    [1],
  );
});

test('Conv1D, MaxPooling1D and a step-by-step SimpleRNN: pooling changes nothing', async () => {
  setRandomSeed(9);
  const x = ints([48, 24], 1, 60, 6);
  const y = oneHot(ints([48], 0, 4, 7), 4);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Embedding(60, 16, { inputLength: 24 }),
        new Conv1D(12, 3, { activation: 'relu', padding: 'same' }),
        new MaxPooling1D(2),
        // softplus has no fused kernel: this layer runs step by step (unstack, per-step ops).
        new SimpleRNN(10, { activation: 'softplus', returnSequences: true }),
        new GlobalMaxPooling1D(),
        new Dense(4, { activation: 'softmax' }),
      ]),
    x,
    y,
    12,
    [1],
  );
});

test('Bidirectional LSTM with dropout: pooling changes nothing', async () => {
  setRandomSeed(8);
  const x = ints([32, 20], 1, 50, 4);
  const y = oneHot(ints([32], 0, 3, 5), 3);
  await assertPoolingChangesNothing(
    () =>
      new Sequential([
        new Embedding(50, 16, { inputLength: 20 }),
        new Bidirectional(new LSTM(12, { dropout: 0.2 })),
        new Dense(3, { activation: 'softmax' }),
      ]),
    x,
    y,
    8,
    [1],
  );
});

test('allocateUninitialized reuses a pooled array without zeroing it; allocate still zeroes', () => {
  clearBufferPool();
  const n = 40000; // 160 KB of float32: above the default pooling threshold
  // Each scope releases its array, so the next one is served from the free list.
  const first = bufferScope([], () => {
    const a = allocate('float32', n);
    assert.ok(a.every((v) => v === 0));
    a.fill(7);
    return null;
  });
  assert.equal(first, null);
  const reusesBefore = bufferPoolStats().reuses;
  const reused = bufferScope([], () => {
    const a = allocateUninitialized('float32', n);
    // The previous user's values are still there: nothing filled the array.
    assert.ok(a.every((v) => v === 7));
    a.fill(9);
    return null;
  });
  assert.equal(reused, null);
  assert.equal(bufferPoolStats().reuses, reusesBefore + 1, 'the uninitialized request was served from the pool');
  bufferScope([], () => {
    const a = allocate('float32', n);
    assert.ok(
      a.every((v) => v === 0),
      'allocate must zero a reused array',
    );
    return null;
  });
  assert.equal(bufferPoolStats().reuses, reusesBefore + 2);
  // Outside a scope, and for other dtypes or lengths, a fresh (zero) array is made.
  assert.ok(allocateUninitialized('float32', n).every((v) => v === 0));
  bufferScope([], () => {
    assert.ok(allocateUninitialized('float64', n).every((v) => v === 0));
    assert.ok(allocateUninitialized('float32', n + 1).every((v) => v === 0));
    return null;
  });
  clearBufferPool();
});

test('a lazily built weight, a view of it and a kept output made inside a step are never released', async () => {
  setRandomSeed(4);
  const x = randomNormal([128, 64]);
  const y = oneHot(ints([128], 0, 5, 1), 5);
  const build = (): Model => new Sequential([new KeepsViews(512), new Dense(5, { activation: 'softmax' })]);
  const on = await assertPoolingChangesNothing(build, x, y, 32);
  const off = await run(build, x, y, false, 32);
  const layerOn = (on.model as Sequential).layers[0] as KeepsViews;
  const layerOff = (off.model as Sequential).layers[0] as KeepsViews;
  assert.deepEqual(Float32Array.from(layerOn.lastOutput!.data), Float32Array.from(layerOff.lastOutput!.data));
  assert.deepEqual(Float32Array.from(layerOn.kernelView!.data), Float32Array.from(layerOff.kernelView!.data));

  // Directly after a step, nothing the model or optimizer can reach is in the free list.
  clearSession();
  const model = build();
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
  for (let i = 0; i < 3; i++) {
    model.trainOnBatch(x.slice([i * 32], [32]), y.slice([i * 32], [32]));
    const alive = reachableBuffers([model, model.optimizer]);
    const pooled = pooledArrays();
    assert.ok(pooled.length > 0, 'expected released intermediates');
    for (const a of pooled) assert.ok(!alive.has(a.buffer), 'a buffer still in use was released');
    const layer = (model as Sequential).layers[0] as KeepsViews;
    assert.ok(!pooled.some((a) => a.buffer === layer.kernel!.data.buffer));
    assert.ok(!pooled.some((a) => a.buffer === layer.lastOutput!.data.buffer));
  }
  clearBufferPool();
});

test('the result of a scope survives and a thrown step releases nothing', () => {
  clearBufferPool();
  const kept = bufferScope([], () => {
    const big = Tensor.empty([40000]);
    big.data.fill(3);
    Tensor.empty([40000]); // garbage, released
    return big;
  });
  assert.equal(bufferPoolStats().pooledBytes, 160000);
  assert.ok(!pooledArrays().some((a) => a.buffer === kept.data.buffer));
  // The reused array comes back zero-filled, and is not the kept one.
  const again = bufferScope([kept], () => Tensor.empty([40000]));
  assert.ok(again.data.every((v) => v === 0));
  assert.notEqual(again.data.buffer, kept.data.buffer);
  assert.ok(kept.data.every((v) => v === 3));
  clearBufferPool();
  assert.throws(() =>
    bufferScope([], () => {
      Tensor.empty([40000]);
      throw new Error('boom');
    }),
  );
  assert.equal(bufferPoolStats().pooledBytes, 0);
});

test('the pool stays bounded over many steps', () => {
  setRandomSeed(5);
  clearSession();
  clearBufferPool();
  const model = new Sequential([
    new Dense(512, { inputDim: 64, activation: 'relu' }),
    new Dense(8, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
  const x = randomNormal([64, 64]);
  const y = randomNormal([64, 8]).softmax();
  const sizes: number[] = [];
  for (let i = 0; i < 200; i++) {
    model.trainOnBatch(x, y);
    sizes.push(bufferPoolStats().pooledBytes);
  }
  assert.ok(sizes[5]! > 0);
  // After warm-up every step takes back what the previous one released: the pool does not grow.
  assert.equal(Math.max(...sizes.slice(5)), sizes[5]);
  clearBufferPool();
  assert.equal(bufferPoolStats().pooledBytes, 0);
});
