/**
 * Keras's masking: Embedding(maskZero) makes a mask (ids != 0), Sequential passes it on, Dropout
 * and Dense let it through, recurrent layers skip masked steps (states carry over, the output
 * repeats the previous one, zeros before the first real step), and layers that cannot use a mask
 * refuse it. Checked by meaning: a padded sequence must give what the unpadded one gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Bidirectional } from '../src/layers/bidirectional.js';
import { Conv1D } from '../src/layers/conv1d.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Embedding } from '../src/layers/embedding.js';
import { GlobalMaxPooling1D } from '../src/layers/global-max-pooling1d.js';
import { GRU } from '../src/layers/gru.js';
import { LSTM } from '../src/layers/lstm.js';
import type { RNN, RNNArgs } from '../src/layers/rnn-base.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import { Sequential } from '../src/models/sequential.js';
import { mul } from '../src/ops/binary.js';
import { tensor } from '../src/ops/creation.js';
import { slice } from '../src/ops/slice.js';

const U = 5;
const D = 3;

function normal(rng: Random, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float64Array.from({ length: n }, () => rng.normal()),
    shape,
    'float64',
  );
}

function assertClose(a: Tensor, b: Tensor, what: string, tol = 1e-12): void {
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shapes`);
  for (let i = 0; i < a.size; i++)
    assert.ok(Math.abs(a.data[i]! - b.data[i]!) <= tol, `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
}

const LAYERS: [string, (a: RNNArgs) => RNN][] = [
  ['LSTM', (a) => new LSTM(U, { ...a, dtype: 'float64' })],
  ['GRU', (a) => new GRU(U, { ...a, dtype: 'float64' })],
  ['GRU resetAfter=false', (a) => new GRU(U, { ...a, resetAfter: false, dtype: 'float64' })],
  ['SimpleRNN', (a) => new SimpleRNN(U, { ...a, dtype: 'float64' })],
];

for (const [name, make] of LAYERS) {
  for (const impl of ['fused', 'stepwise'] as const) {
    test(`${name} (${impl}): pre-padding under a mask changes nothing; post-padding repeats the last real output`, () => {
      const rng = new Random(11);
      const layer = make({ returnSequences: true });
      layer.build([null, 4, D]);
      const w = layer.weights.map((v) => mul(normal(rng, [...v.shape]), 0.5));
      const real = normal(rng, [1, 2, D]);
      const pad = normal(rng, [1, 2, D]); // garbage at padded steps: must be ignored
      const plain = layer.forwardWith(real, w, false, impl);
      // Pre-padded [pad, pad, a, b]: outputs are zeros, zeros, then the unpadded run's.
      const pre = layer.forwardWith(
        tensor([...pad.data, ...real.data], [1, 4, D], 'float64'),
        w,
        false,
        impl,
        tensor([[0, 0, 1, 1]], undefined, 'bool'),
      );
      assertClose(
        slice(pre.output, [0, 0, 0], [1, 2, U]),
        new Tensor(new Float64Array(2 * U), [1, 2, U], 'float64'),
        'zeros',
      );
      assertClose(slice(pre.output, [0, 2, 0], [1, 2, U]), plain.output, 'pre-padded outputs');
      pre.states.forEach((s, i) => assertClose(s, plain.states[i]!, `pre-padded state ${i}`));
      // Post-padded [a, b, pad, pad]: the last real output repeats, the states carry over.
      const post = layer.forwardWith(
        tensor([...real.data, ...pad.data], [1, 4, D], 'float64'),
        w,
        false,
        impl,
        tensor([[1, 1, 0, 0]], undefined, 'bool'),
      );
      const last = slice(plain.output, [0, 1, 0], [1, 1, U]);
      assertClose(slice(post.output, [0, 0, 0], [1, 2, U]), plain.output, 'post-padded outputs');
      assertClose(slice(post.output, [0, 2, 0], [1, 1, U]), last, 'repeated output 2');
      assertClose(slice(post.output, [0, 3, 0], [1, 1, U]), last, 'repeated output 3');
      post.states.forEach((s, i) => assertClose(s, plain.states[i]!, `post-padded state ${i}`));
    });
  }
}

test('Sequential: Embedding(maskZero) -> Dropout -> LSTM -> Dense gives a padded sequence the prediction of the unpadded one', () => {
  setRandomSeed(3);
  const model = new Sequential([
    new Embedding(20, 4, { maskZero: true }),
    new Dropout(0.5),
    new LSTM(6),
    new Dense(3, { activation: 'softmax' }),
  ]);
  const unpadded = model.predict(tensor([[5, 9, 2]], undefined, 'int32'));
  const padded = model.predict(tensor([[0, 0, 5, 9, 2]], undefined, 'int32'));
  assertClose(padded, unpadded, 'prediction', 1e-6);
  // The mask is what makes them equal: the padding itself is not zero after the embedding.
  const emb = model.layers[0]!.apply(tensor([[0]], undefined, 'int32'));
  assert.ok(emb.data.some((v) => v !== 0));
});

test('Sequential: Bidirectional(LSTM) and stacked GRUs use the mask', () => {
  setRandomSeed(4);
  const bi = new Sequential([
    new Embedding(20, 4, { maskZero: true }),
    new Bidirectional(new LSTM(3, { returnSequences: true })),
    new GRU(4),
  ]);
  const a = bi.predict(tensor([[7, 3, 8, 1]], undefined, 'int32'));
  const b = bi.predict(tensor([[0, 0, 0, 7, 3, 8, 1]], undefined, 'int32'));
  assertClose(b, a, 'prediction', 1e-6);
});

test('a layer that cannot use a mask refuses it with a clear error (as Keras does for Conv1D)', () => {
  const conv = new Sequential([new Embedding(10, 2, { maskZero: true }), new Conv1D(2, 2)]);
  assert.throws(
    () => conv.predict(tensor([[0, 1, 2]], undefined, 'int32')),
    /Layer 'conv1d.*' \(Conv1D\) does not support masking, but was passed an input mask/,
  );
  const pool = new Sequential([
    new Embedding(10, 2, { maskZero: true }),
    new SimpleRNN(2, { returnSequences: true }),
    new GlobalMaxPooling1D(),
  ]);
  assert.throws(
    () => pool.predict(tensor([[0, 1, 2]], undefined, 'int32')),
    /\(GlobalMaxPooling1D\) does not support masking/,
  );
  // Without returnSequences the recurrent layer consumes the mask: what follows needs no support.
  const ok = new Sequential([new Embedding(10, 2, { maskZero: true }), new SimpleRNN(2), new Dense(1)]);
  assert.deepEqual([...ok.predict(tensor([[0, 1, 2]], undefined, 'int32')).shape], [1, 1]);
});
