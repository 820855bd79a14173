/**
 * Float64 finite-difference checks of the recurrent layers: gradients with respect to the input
 * and to every weight, through the whole unrolled sequence (batch 2, seq 3, input 2, units 3).
 */
import { test } from 'node:test';
import { Random } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Bidirectional } from '../src/layers/bidirectional.js';
import { GRU } from '../src/layers/gru.js';
import { LSTM } from '../src/layers/lstm.js';
import type { RNN, RNNArgs } from '../src/layers/rnn-base.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import { gradcheck } from './helpers/gradcheck.js';

const B = 2;
const T = 3;
const D = 2;
const U = 3;

/** Small normal values: weights of order 0.5 keep the gates away from saturation. */
function normal(rng: Random, shape: readonly number[], scale = 0.5): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float64Array.from({ length: n }, () => scale * rng.normal()),
    shape,
    'float64',
  );
}

function weightShapes(layer: RNN): number[][] {
  layer.build([null, T, D]);
  return layer.weights.map((w) => [...w.shape]);
}

type Make = (args: RNNArgs) => RNN;
const LAYERS: [string, Make][] = [
  ['LSTM', (a) => new LSTM(U, { ...a, dtype: 'float64' })],
  ['GRU (resetAfter)', (a) => new GRU(U, { ...a, dtype: 'float64' })],
  ['GRU (resetAfter=false)', (a) => new GRU(U, { ...a, resetAfter: false, dtype: 'float64' })],
  ['SimpleRNN', (a) => new SimpleRNN(U, { ...a, dtype: 'float64' })],
  ['LSTM without bias, relu', (a) => new LSTM(U, { ...a, useBias: false, activation: 'relu', dtype: 'float64' })],
];
const VARIANTS: [string, RNNArgs][] = [
  ['last output', {}],
  ['returnSequences', { returnSequences: true }],
  ['goBackwards', { goBackwards: true }],
  ['goBackwards + returnSequences', { goBackwards: true, returnSequences: true }],
];

let seed = 1;
for (const [name, make] of LAYERS) {
  for (const [variant, args] of VARIANTS) {
    test(`grad: ${name}, ${variant}`, () => {
      const layer = make(args);
      const rng = new Random(seed++);
      const inputs = [normal(rng, [B, T, D], 1), ...weightShapes(layer).map((s) => normal(rng, s))];
      gradcheck(([x, ...w]) => layer.forwardWith(x!, w).output, inputs, { name: `${name} ${variant}` });
    });
  }
}

test('grad: LSTM final carry state (applyWithState states[1])', () => {
  const layer = new LSTM(U, { dtype: 'float64' });
  const rng = new Random(77);
  const inputs = [normal(rng, [B, T, D], 1), ...weightShapes(layer).map((s) => normal(rng, s))];
  gradcheck(([x, ...w]) => layer.forwardWith(x!, w).states[1]!, inputs, { name: 'LSTM carry' });
});

for (const [mergeMode, returnSequences] of [
  ['concat', false],
  ['concat', true],
  ['sum', true],
  ['ave', false],
  ['mul', true],
] as const) {
  test(`grad: Bidirectional(LSTM) mergeMode=${mergeMode}${returnSequences ? ', returnSequences' : ''}`, () => {
    const layer = new Bidirectional(new LSTM(U, { returnSequences, dtype: 'float64' }), {
      mergeMode,
      dtype: 'float64',
    });
    layer.build([null, T, D]);
    const rng = new Random(100 + seed++);
    const inputs = [normal(rng, [B, T, D], 1), ...layer.weights.map((w) => normal(rng, w.shape))];
    gradcheck(([x, ...w]) => layer.forwardWith(x!, w), inputs, { name: `Bidirectional ${mergeMode}` });
  });
}

test('grad: Bidirectional(GRU)', () => {
  const layer = new Bidirectional(new GRU(U, { returnSequences: true, dtype: 'float64' }), { dtype: 'float64' });
  layer.build([null, T, D]);
  const rng = new Random(555);
  const inputs = [normal(rng, [B, T, D], 1), ...layer.weights.map((w) => normal(rng, w.shape))];
  gradcheck(([x, ...w]) => layer.forwardWith(x!, w), inputs, { name: 'Bidirectional GRU' });
});
