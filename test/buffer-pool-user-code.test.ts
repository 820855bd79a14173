// Issue #15 item 10: tensors a custom metric or loss keeps from inside a training step are never
// overwritten by the buffer pool (the rule in src/core/buffer-pool.ts: nothing user code sees or
// makes inside a step is reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { bufferPoolStats, setMinPooledBytes, MIN_POOLED_BYTES } from '../src/core/buffer-pool.js';
import { setRandomSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { Dense } from '../src/layers/dense.js';
import { Sequential } from '../src/models/sequential.js';
import { oneHot, randomNormal, tensor } from '../src/ops/creation.js';
import { mean, sum } from '../src/ops/reduce.js';

test('a custom metric and loss that keep yPred and tensors they made: the kept values never change', async () => {
  setMinPooledBytes(1); // pool every array, so any reuse of a kept buffer shows
  try {
    setRandomSeed(2);
    const x = randomNormal([64, 32]);
    const y = oneHot(tensor(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 4)), 4);
    const kept: { t: Tensor; copy: Float32Array }[] = [];
    const keep = (t: Tensor): void => void kept.push({ t, copy: Float32Array.from(t.data as Float32Array) });
    function keeper(yTrue: Tensor, yPred: Tensor): Tensor {
      keep(yPred);
      const made = yPred.mul(2);
      keep(made);
      return mean(made.sub(yTrue), -1);
    }
    function keepingLoss(yTrue: Tensor, yPred: Tensor): Tensor {
      keep(yPred);
      return mean(sum(yPred.sub(yTrue).square(), -1));
    }
    const model = new Sequential([new Dense(64, { inputShape: [32], activation: 'relu' }), new Dense(4)]);
    model.compile({ loss: keepingLoss, optimizer: 'adam', metrics: [keeper] });
    const reusesBefore = bufferPoolStats().reuses;
    await model.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
    assert.ok(bufferPoolStats().reuses > reusesBefore, 'the pool did reuse arrays during the run');
    assert.ok(kept.length >= 24, `kept ${kept.length}`);
    kept.forEach(({ t, copy }, i) => assert.deepEqual(t.data, copy, `kept tensor ${i} was overwritten`));
  } finally {
    setMinPooledBytes(MIN_POOLED_BYTES);
  }
});
