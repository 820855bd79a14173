// Issue #15 item 11: inputs that used to give silently wrong results are refused or honoured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { tensor } from '../src/ops/creation.js';
import { LambdaCallback } from '../src/callbacks/lambda-callback.js';
import type { LambdaCallbackArgs } from '../src/callbacks/lambda-callback.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { randomNormal } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';

test("tensor([[1, 'a']]) is refused, naming the element (no silent NaN)", () => {
  assert.throws(
    () => tensor([[1, 'a']] as never),
    /tensor\(\): element \[0, 1\] is 'a' \(string\); expected numbers or booleans/,
  );
  assert.throws(
    () =>
      tensor([
        [1, 2],
        [3, null],
      ] as never),
    /element \[1, 1\] is null/,
  );
  assert.throws(() => tensor([{}] as never), /element \[0\] is \[object Object\] \(object\)/);
  assert.throws(() => tensor([1n] as never), /element \[0\] is 1 \(bigint\)/);
  // Numbers (NaN included, as the user wrote it) and booleans still work.
  assert.deepEqual(
    Array.from(
      tensor([
        [1, NaN],
        [true, false],
      ] as never).data,
    ),
    [1, NaN, 1, 0],
  );
});

test('LambdaCallback: unknown keys and non-functions are refused', () => {
  assert.throws(
    () => new LambdaCallback({ onTrainBatchEndd: () => {} } as unknown as LambdaCallbackArgs),
    /LambdaCallback: unknown hook 'onTrainBatchEndd'/,
  );
  assert.throws(
    () => new LambdaCallback({ on_epoch_end: () => {} } as unknown as LambdaCallbackArgs),
    /unknown hook 'on_epoch_end'/,
  );
  assert.throws(
    () => new LambdaCallback({ onEpochEnd: 3 } as unknown as LambdaCallbackArgs),
    /'onEpochEnd' must be a function/,
  );
  assert.throws(() => new LambdaCallback({ onBatchEnd: () => {}, onTrainBatchEnd: () => {} }), /not both/);
});

test('LambdaCallback: every hook is called (train, test and predict; onBatch* = onTrainBatch*)', async () => {
  setRandomSeed(0);
  const m = new Sequential([new Dense(2, { inputShape: [3] })]);
  m.compile({ loss: 'mse', optimizer: 'sgd' });
  const x = randomNormal([4, 3]);
  const y = randomNormal([4, 2]);
  const seen: string[] = [];
  const cb = new LambdaCallback({
    onTrainBegin: () => void seen.push('trainBegin'),
    onTrainEnd: () => void seen.push('trainEnd'),
    onEpochBegin: (e) => void seen.push(`epochBegin${e}`),
    onEpochEnd: (e) => void seen.push(`epochEnd${e}`),
    onTrainBatchBegin: (b) => void seen.push(`trainBatchBegin${b}`),
    onTrainBatchEnd: (b) => void seen.push(`trainBatchEnd${b}`),
    onTestBegin: () => void seen.push('testBegin'),
    onTestEnd: () => void seen.push('testEnd'),
    onTestBatchBegin: (b) => void seen.push(`testBatchBegin${b}`),
    onTestBatchEnd: (b) => void seen.push(`testBatchEnd${b}`),
    onPredictBegin: () => void seen.push('predictBegin'),
    onPredictEnd: () => void seen.push('predictEnd'),
    onPredictBatchBegin: (b) => void seen.push(`predictBatchBegin${b}`),
    onPredictBatchEnd: (b) => void seen.push(`predictBatchEnd${b}`),
  });
  await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [cb] });
  await m.evaluate(x, y, { batchSize: 4, verbose: 0, callbacks: [cb] });
  m.predict(x, { batchSize: 4, callbacks: [cb] });
  assert.deepEqual(seen, [
    'trainBegin',
    'epochBegin0',
    'trainBatchBegin0',
    'trainBatchEnd0',
    'epochEnd0',
    'trainEnd',
    'testBegin',
    'testBatchBegin0',
    'testBatchEnd0',
    'testEnd',
    'predictBegin',
    'predictBatchBegin0',
    'predictBatchEnd0',
    'predictEnd',
  ]);
});
