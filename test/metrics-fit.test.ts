/**
 * Metrics in compile/fit/evaluate as Keras 3 runs them: 'accuracy' resolved from shapes, state
 * accumulated over an epoch's batches (reset per epoch and per evaluation), Keras's log keys.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Sequential } from '../src/models/sequential.js';
import { Model } from '../src/models/model.js';
import { Dense } from '../src/layers/dense.js';
import { Input } from '../src/layers/input-layer.js';
import { Callback } from '../src/callbacks/callback.js';
import type { Logs } from '../src/callbacks/callback.js';
import { tensor } from '../src/ops/creation.js';
import { clearSession } from '../src/utils/naming.js';
import type { Tensor } from '../src/core/tensor.js';
import * as M from '../src/metrics/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/io/index.js';
import { MIN_POOLED_BYTES, setMinPooledBytes } from '../src/core/buffer-pool.js';
import type { MetricInput } from '../src/metrics/index.js';

const close = (got: number | undefined, want: number, tol = 1e-6, what = ''): void =>
  assert.ok(got !== undefined && Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);

/** A custom loss (not a Keras name), as in issue #13: the mean squared output, whatever the labels. */
function customLoss(_yTrue: Tensor, yPred: Tensor): Tensor {
  return yPred.mul(yPred).mean(-1);
}

/** Dense(3, softmax) with kernel 10 * I: the prediction is the argmax of the input row. */
function argmaxModel(): Sequential {
  const model = new Sequential([new Dense(3, { inputDim: 3, activation: 'softmax' })]);
  model.setWeights([
    tensor([
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
    ]),
    tensor([0, 0, 0]),
  ]);
  model.trainable = false; // fit must not move the predictions the expected values are worked from
  return model;
}

const oneHotRows = (ids: number[]): number[][] => ids.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));

describe("'accuracy' resolved from the shapes, as Keras 3", () => {
  // Predicted classes [0, 1, 2, 0, 1, 2, 0, 1]; labels differ only at sample 6: accuracy 7/8.
  const predicted = [0, 1, 2, 0, 1, 2, 0, 1];
  const labels = [0, 1, 2, 0, 1, 2, 1, 1];
  const x = tensor(oneHotRows(predicted));

  test('#13: a custom loss with integer labels reports the real (sparse) accuracy', async () => {
    const model = argmaxModel();
    model.compile({ loss: customLoss, optimizer: 'sgd', metrics: ['accuracy'] });
    const ids = tensor(labels, undefined, 'int32');
    const [, acc] = await model.evaluate(x, ids, { verbose: 0, batchSize: 3 });
    close(acc, 7 / 8, 1e-7, 'accuracy');
    const [, acc2] = await model.evaluate(x, tensor(labels.map((l) => [l])), { verbose: 0 });
    close(acc2, 7 / 8, 1e-7, 'accuracy with labels of shape [n, 1]');
  });

  test('one-hot targets give categorical accuracy, a single unit binary accuracy', async () => {
    const model = argmaxModel();
    model.compile({ loss: customLoss, optimizer: 'sgd', metrics: ['acc'] });
    const [, acc] = await model.evaluate(x, tensor(oneHotRows(labels)), { verbose: 0 });
    close(acc, 7 / 8, 1e-7, 'categorical');
    assert.equal(model.metricsNames[1], 'acc');

    const binary = new Sequential([new Dense(1, { inputDim: 1, activation: 'sigmoid' })]);
    binary.setWeights([tensor([[10]]), tensor([-5])]); // p > 0.5 exactly when x > 0.5
    binary.trainable = false;
    binary.compile({ loss: customLoss, optimizer: 'sgd', metrics: ['accuracy'] });
    const xb = tensor([[0.1], [0.9], [0.2], [0.8]]);
    const [, bacc] = await binary.evaluate(xb, tensor([[0], [1], [1], [1]]), { verbose: 0 });
    close(bacc, 0.75, 1e-7, 'binary');
    const resolved = binary.metrics[0]!.metric!;
    assert.equal(resolved.className, 'BinaryAccuracy');
  });
});

/**
 * Dense(1, sigmoid) with weight 1, bias 0 on scores s: predictions sigmoid(s), a known ranking.
 * Labels chosen so that the AUC of each batch of 4 differs from the AUC of all 8.
 */
function scoreModel(): Sequential {
  const model = new Sequential([new Dense(1, { inputDim: 1, activation: 'sigmoid' })]);
  model.setWeights([tensor([[1]]), tensor([0])]);
  model.trainable = false;
  return model;
}
// Batch 1 scores [4, 3, 2, 1] labels [1, 1, 0, 0] (AUC 1); batch 2 scores [-1, -2, -3, -4] labels
// [0, 1, 0, 1] (AUC 1/4). All 8: of the 4 * 4 positive/negative pairs, the batch-2 positives (-2, -4)
// rank below the batch-1 negatives (2, 1): 4 pairs wrong, and within batch 2 (-2 vs -1, -4 vs -1,
// -4 vs -3) 3 more: 9/16 right. The mean of the batch AUCs would be 5/8.
const scores = tensor([[4], [3], [2], [1], [-1], [-2], [-3], [-4]]);
const targets = tensor([[1], [1], [0], [0], [0], [1], [0], [1]]);

describe('fit and evaluate aggregate metrics over the whole epoch', () => {
  test('AUC, Precision, Recall over all batches; loss the batch-size weighted mean; Keras log keys', async () => {
    clearSession();
    const model = scoreModel();
    model.compile({
      loss: 'binary_crossentropy',
      optimizer: 'sgd',
      metrics: [new M.AUC(), new M.Precision(), new M.Recall(), 'mae'],
    });
    assert.deepEqual(model.metricsNames, ['loss', 'auc', 'precision', 'recall', 'mae']);
    const batchLogs: Logs[] = [];
    class Record extends Callback {
      override onTrainBatchEnd(_b: number, logs?: Logs): void {
        batchLogs.push({ ...logs });
      }
    }
    const h = await model.fit(scores, targets, {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      validationData: [scores, targets],
      callbacks: [new Record()],
    });
    assert.deepEqual(Object.keys(h.history).sort(), [
      'auc',
      'loss',
      'mae',
      'precision',
      'recall',
      'val_auc',
      'val_loss',
      'val_mae',
      'val_precision',
      'val_recall',
    ]);
    // Predictions sigmoid(s) > 0.5 exactly for s > 0: predicted positive the 4 batch-1 samples.
    // Precision 2/4, recall 2/4 (the two batch-2 positives are missed).
    for (const epoch of [0, 1]) {
      close(h.history['auc']![epoch], 9 / 16, 1e-6, 'auc');
      close(h.history['val_auc']![epoch], 9 / 16, 1e-6, 'val_auc');
      close(h.history['precision']![epoch], 0.5, 1e-7, 'precision');
      close(h.history['recall']![epoch], 0.5, 1e-7, 'recall');
    }
    // After the first batch the logs show batch 1 alone (AUC 1, precision 2/4, recall 1).
    close(batchLogs[0]!['auc'], 1, 1e-6, 'auc after batch 1');
    close(batchLogs[0]!['recall'], 1, 1e-7, 'recall after batch 1');
    // The second epoch starts afresh.
    close(batchLogs[2]!['auc'], 1, 1e-6, 'auc after epoch 2 batch 1');
    // mae: mean |y - sigmoid(s)|; loss: mean binary cross-entropy (float32 outputs, so a loose tolerance).
    const sig = (s: number): number => 1 / (1 + Math.exp(-s));
    const s = [4, 3, 2, 1, -1, -2, -3, -4];
    const y = [1, 1, 0, 0, 0, 1, 0, 1];
    const mae = s.reduce((a, si, i) => a + Math.abs(y[i]! - sig(si)), 0) / 8;
    const bce = s.reduce((a, si, i) => a - (y[i] ? Math.log(sig(si)) : Math.log(1 - sig(si))), 0) / 8;
    close(h.history['mae']![0], mae, 1e-5, 'mae');
    close(h.history['loss']![0], bce, 1e-4, 'loss');
    const [loss, auc, precision, recall] = await model.evaluate(scores, targets, { batchSize: 3, verbose: 0 });
    close(loss, bce, 1e-4, 'evaluate loss');
    close(auc, 9 / 16, 1e-6, 'evaluate auc');
    close(precision, 0.5, 1e-7);
    close(recall, 0.5, 1e-7);
  });

  test('a second instance of a class logs as auc_1; per-output names with several outputs', async () => {
    clearSession();
    const model = scoreModel();
    model.compile({
      loss: 'binary_crossentropy',
      optimizer: 'sgd',
      metrics: [new M.AUC(), new M.AUC({ curve: 'PR' })],
    });
    assert.deepEqual(model.metricsNames, ['loss', 'auc', 'auc_1']);

    const input = Input({ shape: [1] });
    const a = new Dense(1, { activation: 'sigmoid', name: 'a' }).apply(input);
    const b = new Dense(1, { activation: 'sigmoid', name: 'b' }).apply(input);
    const two = new Model({ inputs: input, outputs: [a, b] });
    two.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: { a: ['auc'], b: [new M.Recall()] } });
    assert.deepEqual(two.metricsNames, ['loss', 'a_loss', 'b_loss', 'a_auc', 'b_recall']);
    const h = await two.fit(scores, [targets, targets], { epochs: 1, verbose: 0, batchSize: 4 });
    assert.ok(Number.isFinite(h.history['a_auc']![0]!));
    assert.ok(Number.isFinite(h.history['b_recall']![0]!));
  });

  test('custom metric functions and Metric subclasses, reset per epoch', async () => {
    class SamplesSeen extends M.Metric {
      private n = 0;
      override updateState(yTrue: MetricInput): void {
        this.n += (yTrue as Tensor).shape[0]!;
      }
      override resultValue(): number {
        return this.n;
      }
      override resetState(): void {
        this.n = 0;
      }
    }
    const meanPrediction = (_t: Tensor, p: Tensor): Tensor => p.mean(-1);
    const model = scoreModel();
    model.compile({
      loss: 'binary_crossentropy',
      optimizer: 'sgd',
      metrics: [new SamplesSeen({ name: 'seen' }), meanPrediction],
    });
    assert.deepEqual(model.metricsNames, ['loss', 'seen', 'meanPrediction']);
    const seen: number[] = [];
    class Record extends Callback {
      override onTrainBatchEnd(_b: number, logs?: Logs): void {
        seen.push(logs!['seen']!);
      }
    }
    const h = await model.fit(scores, targets, { epochs: 2, batchSize: 3, verbose: 0, callbacks: [new Record()] });
    assert.deepEqual(seen, [3, 6, 8, 3, 6, 8]);
    assert.deepEqual(h.history['seen'], [8, 8]);
    const sig = (s: number): number => 1 / (1 + Math.exp(-s));
    // Predictions are symmetric around 0.5.
    close(h.history['meanPrediction']![0], [4, 3, 2, 1, -1, -2, -3, -4].reduce((a, s) => a + sig(s), 0) / 8, 1e-6);
  });

  test('a Metric subclass may keep the tensors it is given: the buffer pool never reuses them', async () => {
    class KeepAll extends M.Metric {
      private kept: Tensor[] = [];
      override updateState(_t: MetricInput, p: MetricInput): void {
        this.kept.push(p as Tensor);
      }
      override resultValue(): number {
        let sum = 0;
        let n = 0;
        for (const t of this.kept)
          for (const v of t.data) {
            sum += v;
            n++;
          }
        return sum / n;
      }
      override resetState(): void {
        this.kept = [];
      }
    }
    setMinPooledBytes(1); // pool every array, so any reuse of a kept buffer shows
    try {
      const model = scoreModel();
      model.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: [new KeepAll({ name: 'kept' })] });
      const h = await model.fit(scores, targets, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
      const sig = (s: number): number => 1 / (1 + Math.exp(-s));
      close(h.history['kept']![0], [4, 3, 2, 1, -1, -2, -3, -4].reduce((a, s) => a + sig(s), 0) / 8, 1e-6);
    } finally {
      setMinPooledBytes(MIN_POOLED_BYTES);
    }
  });

  test('trainOnBatch and testOnBatch report the batch alone (Keras 3 resets first)', () => {
    const model = scoreModel();
    model.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: [new M.Recall()] });
    const first = model.testOnBatch(scores.slice([0], [4]), targets.slice([0], [4]));
    close(first[1], 1, 1e-7); // batch 1: both positives found
    const second = model.testOnBatch(scores.slice([4], [4]), targets.slice([4], [4]));
    close(second[1], 0, 1e-7); // batch 2 alone: both positives missed
    close(model.trainOnBatch(scores, targets)[1], 0.5, 1e-7);
  });

  test('a metric with one value per threshold cannot go into the logs: an error says what to do', async () => {
    const model = scoreModel();
    model.compile({
      loss: 'binary_crossentropy',
      optimizer: 'sgd',
      metrics: [new M.Precision({ thresholds: [0.3, 0.6] })],
    });
    await assert.rejects(model.evaluate(scores, targets, { verbose: 0 }), /gives 2 values .* single threshold/);
    assert.throws(
      () => model.compile({ loss: 'mse', optimizer: 'sgd', metrics: new M.AUC() as never }),
      /metrics must be a list/,
    );
  });
});

describe('saved models keep their metrics', () => {
  test('.keras and .h5: metric objects come back with their options, names stay strings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-io-'));
    for (const ext of ['keras', 'h5']) {
      clearSession();
      const model = scoreModel();
      model.compile({
        loss: 'binary_crossentropy',
        optimizer: 'sgd',
        metrics: [
          new M.AUC({ curve: 'PR', numThresholds: 50 }),
          new M.Precision({ thresholds: 0.9, name: 'p90' }),
          'mae',
          'accuracy',
          new M.BinaryAccuracy({ threshold: 0.9 }),
        ],
      });
      const before = await model.evaluate(scores, targets, { verbose: 0 });
      const path = join(dir, `m.${ext}`);
      await (model as unknown as { save(p: string): Promise<void> }).save(path);
      const back = (await loadModel(path)) as Model;
      assert.deepEqual(back.metricsNames, ['loss', 'auc', 'p90', 'mae', 'accuracy', 'binary_accuracy'], ext);
      assert.deepEqual(back.metrics[4]!.metric!.getConfig(), model.metrics[4]!.metric!.getConfig(), ext);
      const auc = back.metrics[0]!.metric!;
      assert.equal(auc.className, 'AUC');
      assert.deepEqual(auc.getConfig(), model.metrics[0]!.metric!.getConfig(), ext);
      assert.deepEqual(back.metrics[1]!.metric!.getConfig(), model.metrics[1]!.metric!.getConfig(), ext);
      const after = await back.evaluate(scores, targets, { verbose: 0 });
      after.forEach((v, i) => close(v, before[i]!, 1e-6, `${ext} ${back.metricsNames[i]}`));
    }
  });
});
