import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradients } from '../src/core/autograd.js';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Variable } from '../src/core/variable.js';
import { Dense } from '../src/layers/dense.js';
import { Embedding } from '../src/layers/embedding.js';
import { Flatten } from '../src/layers/flatten.js';
import { LSTM } from '../src/layers/lstm.js';
import { Sequential } from '../src/models/sequential.js';
import { randomNormal, tensor } from '../src/ops/creation.js';
import { embeddingLookup } from '../src/ops/embedding-lookup.js';
import { gradcheck } from './helpers/gradcheck.js';

test('Embedding: [batch, seq] -> [batch, seq, outputDim], params, Keras config and default initializer', () => {
  setRandomSeed(1);
  const e = new Embedding(50, 4, { inputLength: 3 });
  const m = new Sequential([e]);
  assert.deepEqual(m.outputShape, [null, 3, 4]);
  assert.equal(e.countParams(), 200);
  assert.equal(e.weights[0]!.name, `${e.name}/embeddings:0`);
  const w = Array.from(e.embeddings!.data);
  assert.ok(w.every((v) => v >= -0.05 && v < 0.05) && w.some((v) => v !== 0));
  const c = e.getConfig();
  assert.equal(c['input_dim'], 50);
  assert.equal(c['output_dim'], 4);
  assert.equal(c['mask_zero'], false);
  assert.equal(c['input_length'], 3);
  assert.deepEqual(c['embeddings_initializer'], {
    class_name: 'RandomUniform',
    config: { minval: -0.05, maxval: 0.05, seed: null },
  });
  assert.deepEqual(c['batch_input_shape'], [null, 3]);

  const ids = tensor(
    [
      [1, 0, 49],
      [7, 7, 2],
    ],
    undefined,
    'int32',
  );
  const out = m.predict(ids);
  assert.deepEqual(out.shape, [2, 3, 4]);
  // Row j of the output is row ids[j] of the table.
  for (const [pos, id] of [
    [0, 1],
    [2, 49],
    [4, 7],
    [5, 2],
  ] as const) {
    assert.deepEqual(Array.from(out.data.subarray(pos * 4, pos * 4 + 4)), w.slice(id * 4, id * 4 + 4));
  }
  // Floats holding whole numbers are accepted, as Keras casts them.
  assert.deepEqual(
    m
      .predict(
        tensor([
          [1, 0, 49],
          [7, 7, 2],
        ]),
      )
      .toArray(),
    out.toArray(),
  );
});

test('Embedding: without inputLength any sequence length works', () => {
  const e = new Embedding(10, 2);
  assert.deepEqual(e.apply(tensor([[1, 2, 3]], undefined, 'int32')).shape, [1, 3, 2]);
  assert.deepEqual(e.apply(tensor([[1, 2, 3, 4, 5]], undefined, 'int32')).shape, [1, 5, 2]);
  assert.deepEqual(e.computeOutputShape([null, null]), [null, null, 2]);
});

test('Embedding: out-of-range and non-integer indices fail naming the layer, the index and inputDim', () => {
  const e = new Embedding(10, 2, { name: 'words' });
  assert.throws(
    () => e.apply(tensor([[1, 10]], undefined, 'int32')),
    /Layer 'words' \(Embedding\): index 10 at position 1 is out of range for inputDim 10/,
  );
  assert.throws(() => e.apply(tensor([[-1, 2]], undefined, 'int32')), /index -1 .*inputDim 10/);
  assert.throws(() => e.apply(tensor([[1.5, 2]])), /index 1.5 at position 0 is not an integer/);
});

test('grad: embeddingLookup with repeated indices (float64 finite differences)', () => {
  const rng = new Random(4);
  const table = new Tensor(
    Float64Array.from({ length: 6 * 3 }, () => rng.normal()),
    [6, 3],
    'float64',
  );
  const ids = tensor(
    [
      [5, 0, 5],
      [2, 5, 0],
    ],
    undefined,
    'int32',
  );
  gradcheck(([t]) => embeddingLookup(t!, ids), [table], { name: 'embeddingLookup' });
});

test('the table gradient is nonzero only in the rows used, and sums repeated uses', () => {
  const table = new Variable(randomNormal([8, 2]), 'emb');
  const ids = tensor([[3, 1, 3]], undefined, 'int32');
  const out = embeddingLookup(table, ids);
  const seed = tensor([
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  ]);
  const [g] = gradients(out, [table], seed);
  const rows = g!.toArray() as number[][];
  assert.deepEqual(rows[3], [6, 8]);
  assert.deepEqual(rows[1], [3, 4]);
  rows.forEach((r, i) => {
    if (i !== 1 && i !== 3) assert.deepEqual(r, [0, 0]);
  });
});

test('one training step lowers the loss: Embedding -> LSTM -> Dense and Embedding -> Flatten -> Dense', () => {
  for (const head of [() => [new LSTM(4)], () => [new Flatten()]]) {
    setRandomSeed(2);
    const model = new Sequential([new Embedding(12, 5, { inputLength: 4 }), ...head(), new Dense(1)]);
    model.compile({ loss: 'mean_squared_error', optimizer: 'adam' });
    const x = tensor(
      [
        [1, 2, 3, 4],
        [4, 3, 2, 1],
        [0, 0, 5, 11],
        [7, 7, 7, 7],
      ],
      undefined,
      'int32',
    );
    const y = tensor([[1], [-1], [0.5], [2]]);
    const before = model.trainOnBatch(x, y)[0]!;
    let after = before;
    for (let i = 0; i < 5; i++) after = model.trainOnBatch(x, y)[0]!;
    assert.ok(after < before, `loss ${before} -> ${after}`);
  }
});
