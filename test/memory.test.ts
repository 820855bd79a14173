import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import '../src/ops/tensor-methods.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { randomNormal } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

test('training for many steps keeps heap and external memory flat (nothing to dispose by hand)', () => {
  setRandomSeed(0);
  const model = new Sequential([
    new Dense(64, { inputDim: 32, activation: 'relu' }),
    new Dense(8, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
  const x = randomNormal([64, 32]);
  const y = randomNormal([64, 8]).softmax();
  // Warm up so optimizer slots and JIT state exist before measuring.
  for (let i = 0; i < 50; i++) model.trainOnBatch(x, y);
  const samples: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 250; i++) model.trainOnBatch(x, y);
    samples.push(used());
  }
  // Each step allocates ~100 KB of tensors; 1,000 steps that leaked would add ~100 MB.
  const growth = samples[3]! - samples[0]!;
  assert.ok(
    growth < 2 * 1024 * 1024,
    `memory grew by ${(growth / 1024).toFixed(0)} KB over 750 steps: ${samples.join(', ')}`,
  );
});
