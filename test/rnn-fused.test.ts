/**
 * The fused whole-sequence recurrence (src/ops/recurrent.ts) against the per-step reference path
 * of the same layer (`forwardWith(..., 'stepwise')`): outputs, final states and the gradients of
 * the input, kernel, recurrent kernel and bias must agree, in float64, on both backends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradients } from '../src/core/autograd.js';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { GRU } from '../src/layers/gru.js';
import { LSTM } from '../src/layers/lstm.js';
import type { RNN, RNNArgs, RNNImplementation } from '../src/layers/rnn-base.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import { add, concat, mul, reshape, sum } from '../src/ops/index.js';
import { nativeBackend } from './helpers/native.js';

const B = 3;
const T = 5;
const D = 4;
const U = 7;

function normal(rng: Random, shape: readonly number[], scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = new Tensor(
    Float64Array.from({ length: n }, () => scale * rng.normal()),
    shape,
    'float64',
  );
  t.requiresGrad = true;
  return t;
}

type Make = (args: RNNArgs) => RNN;
const LAYERS: [string, Make][] = [
  ['LSTM', (a) => new LSTM(U, { ...a, dtype: 'float64' })],
  ['LSTM relu without bias', (a) => new LSTM(U, { ...a, activation: 'relu', useBias: false, dtype: 'float64' })],
  ['GRU (resetAfter)', (a) => new GRU(U, { ...a, dtype: 'float64' })],
  ['GRU (resetAfter=false)', (a) => new GRU(U, { ...a, resetAfter: false, dtype: 'float64' })],
  ['GRU (resetAfter) without bias', (a) => new GRU(U, { ...a, useBias: false, dtype: 'float64' })],
  ['SimpleRNN', (a) => new SimpleRNN(U, { ...a, dtype: 'float64' })],
  ['SimpleRNN linear', (a) => new SimpleRNN(U, { ...a, activation: 'linear', dtype: 'float64' })],
];
// Masks: row 0 pre-padded (Keras's default padding), row 1 with holes, row 2 fully real.
const MASK = new Tensor(Uint8Array.from([0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1]), [B, T], 'bool');
const VARIANTS: [string, RNNArgs, boolean][] = [
  ['last output', {}, false],
  ['returnSequences', { returnSequences: true }, false],
  ['goBackwards', { goBackwards: true }, false],
  ['goBackwards + returnSequences', { goBackwards: true, returnSequences: true }, false],
  ['training with dropout + recurrentDropout', { dropout: 0.3, recurrentDropout: 0.4, returnSequences: true }, true],
  ['mask', {}, false],
  ['mask + returnSequences', { returnSequences: true }, false],
  ['mask + goBackwards + returnSequences', { goBackwards: true, returnSequences: true }, false],
];

/** Outputs, states and gradients of one implementation; the same dropout masks via the same seed. */
function run(
  layer: RNN,
  x: Tensor,
  w: Tensor[],
  training: boolean,
  impl: RNNImplementation,
  rng: Random,
  mask: Tensor | null,
) {
  setRandomSeed(77);
  const r = layer.forwardWith(x, w, training, impl, mask);
  // A loss that reads the output and every final state with random weights.
  const parts = [r.output.rank === 3 ? reshape(r.output, [B, -1]) : r.output, ...r.states];
  const joined = concat(parts, 1);
  const seed = normal(rng, joined.shape, 1);
  seed.requiresGrad = false;
  const loss = sum(mul(joined, seed));
  const grads = gradients(loss, [x, ...w], new Tensor(Float64Array.of(1), [], 'float64'));
  return { values: joined, grads };
}

function assertClose(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shapes differ`);
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    assert.ok(Math.abs(x - y) <= 1e-10 + 1e-9 * Math.abs(y), `${what}[${i}]: fused ${x}, stepwise ${y}`);
  }
}

for (const backendName of ['js', 'native']) {
  let seed = 10;
  for (const [name, make] of LAYERS) {
    for (const [variant, args, training] of VARIANTS) {
      test(`fused == stepwise (${backendName}): ${name}, ${variant}`, () => {
        const before = getBackend();
        if (backendName === 'native') nativeBackend();
        setBackend(backendName);
        try {
          const layer = make(args);
          layer.build([null, T, D]);
          const rng = new Random(seed++);
          const x = normal(rng, [B, T, D], 1);
          const w = layer.weights.map((v) => normal(rng, v.shape, 0.5));
          const mask = variant.startsWith('mask') ? MASK : null;
          const fused = run(layer, x, w, training, 'fused', new Random(5), mask);
          const stepwise = run(layer, x, w, training, 'stepwise', new Random(5), mask);
          assertClose(fused.values, stepwise.values, `${name} outputs`);
          const labels = ['input', ...layer.weights.map((v) => v.name)];
          fused.grads.forEach((g, i) => {
            assert.ok(g && stepwise.grads[i], `${name}: gradient of ${labels[i]} is missing`);
            assertClose(g, stepwise.grads[i]!, `${name} d/d ${labels[i]}`);
          });
        } finally {
          setBackend(before);
        }
      });
    }
  }
}

test('fused LSTM: applyWithState returns the c state of the last step, and a loss on h and c trains both', () => {
  const layer = new LSTM(U, { dtype: 'float64' });
  const rng = new Random(3);
  const x = normal(rng, [B, T, D], 1);
  const { output, states } = layer.applyWithState(x);
  assert.equal(states.length, 2);
  assert.deepEqual([...states[1]!.shape], [B, U]);
  // h = o * tanh(c): |h| < |tanh(c)| elementwise, a relation the two states must satisfy.
  for (let i = 0; i < B * U; i++)
    assert.ok(Math.abs(output.data[i]!) <= Math.abs(Math.tanh(states[1]!.data[i]!)) + 1e-15);
  const loss = sum(add(states[0]!, states[1]!));
  const [gk] = gradients(loss, [layer.recurrentKernel!], new Tensor(Float64Array.of(1), [], 'float64'));
  assert.ok(gk && gk.data.some((v) => v !== 0));
});

test('fused ops: bad shapes are reported with the op name, expected and actual shape', async () => {
  const { lstmSequence, gruSequence } = await import('../src/ops/index.js');
  const x = new Tensor(new Float64Array(2 * 3 * 8), [2, 3, 8], 'float64');
  const k = new Tensor(new Float64Array(2 * 8), [2, 8], 'float64');
  assert.throws(
    () => lstmSequence(x, new Tensor(new Float64Array(3 * 8), [3, 8], 'float64')),
    /lstmSequence: recurrentKernel must have shape \[units, 4 \* units\], got \[3, 8\]/,
  );
  assert.throws(
    () => gruSequence(x, k, { recurrentBias: new Tensor(new Float64Array(6), [6], 'float64') }),
    /gruSequence: recurrentKernel must have shape/,
  );
  assert.throws(
    () => lstmSequence(x, k, { recurrentMask: new Tensor(new Float64Array(6), [2, 3], 'float64') }),
    /lstmSequence: recurrentMask must have shape \[2, 2\], got \[2, 3\]/,
  );
});

test('layers record the whole recurrence once (fused), and fall back to per-step ops for other activations', () => {
  const rng = new Random(8);
  const x = normal(rng, [B, T, D], 1);
  for (const [layer, op] of [
    [new LSTM(U, { dtype: 'float64' }), 'lstmSequence'],
    [new GRU(U, { dtype: 'float64', returnSequences: true }), 'gruSequence'],
    [new SimpleRNN(U, { dtype: 'float64' }), 'simpleRnnSequence'],
  ] as const) {
    assert.equal(layer.apply(x, { training: true }).node?.op, op);
  }
  // softplus has no fused kernel: the per-step path runs, and agrees with the explicit reference.
  const soft = new SimpleRNN(U, { activation: 'softplus', dtype: 'float64' });
  const y = soft.apply(x, { training: true });
  assert.notEqual(y.node?.op, 'simpleRnnSequence');
  const ref = soft.forwardWith(x, soft.weights, false, 'stepwise').output;
  assertClose(y, ref, 'softplus SimpleRNN');
});
