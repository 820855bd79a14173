// Issue #15 item 2: NaN must stay visible through every activation and every fused epilogue
// (Dense and Conv2D with relu fused into the GEMM / Winograd store, SimpleRNN's relu), on both
// backends and every native instruction set. A comparison max(x, 0) turns NaN into 0; IEEE's
// maximum propagates it, which is what these assert (softmax: NaN anywhere makes the whole row NaN,
// as exp(NaN) does in Keras's equation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { nativeAddon } from '../src/backend/native/index.js';
import { Dense } from '../src/layers/dense.js';
import { Activation } from '../src/layers/activation.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import { Sequential } from '../src/models/sequential.js';
import { Flatten } from '../src/layers/flatten.js';
import { TerminateOnNaN } from '../src/callbacks/terminate-on-nan.js';
import { randomNormal, tensor } from '../src/ops/creation.js';
import { setRandomSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import type { Layer } from '../src/layers/layer.js';
import { nativeBackend } from './helpers/native.js';

/** Every (backend, native ISA) pair to run a case on. */
function configurations(): { name: string; enter: () => void }[] {
  nativeBackend();
  const addon = nativeAddon()!;
  const isas = [...new Set(['avx512', 'avx2', 'generic'].map((i) => addon.setGemmIsa(i)))];
  addon.setGemmIsa(addon.cpuIsa());
  return [
    { name: 'js', enter: () => setBackend('js') },
    ...isas.map((isa) => ({
      name: `native/${isa}`,
      enter: () => {
        setBackend('native');
        addon.setGemmIsa(isa);
      },
    })),
  ];
}

function eachConfiguration(fn: (name: string) => void): void {
  const before = getBackend();
  const addon = nativeAddon()!;
  try {
    for (const c of configurations()) {
      c.enter();
      fn(c.name);
    }
  } finally {
    addon.setGemmIsa(addon.cpuIsa());
    setBackend(before);
  }
}

/** x with NaN written at flat index `at`. */
function withNaN(x: Tensor, at: number): Tensor {
  const data = Float32Array.from(x.data);
  data[at] = NaN;
  return tensor(data, x.shape);
}

function nanRows(y: Tensor): boolean[] {
  const rows = y.shape[0]!;
  const per = y.size / rows;
  const d = y.data;
  return Array.from({ length: rows }, (_, r) => {
    for (let i = 0; i < per; i++) if (Number.isNaN(d[r * per + i]!)) return true;
    return false;
  });
}

test('every activation keeps NaN where it was (softmax: the whole row), both backends', () => {
  eachConfiguration((cfg) => {
    for (const name of ['linear', 'relu', 'sigmoid', 'tanh', 'softplus', 'softmax'] as const) {
      // Negative, zero and positive values around the NaN: relu of a negative must still be 0.
      const x = tensor([
        [-2, NaN, 0, 3],
        [-1, -0.5, 0.5, 2],
      ]);
      const y = new Activation(name).apply(x).data;
      if (name === 'softmax') {
        for (let i = 0; i < 4; i++) assert.ok(Number.isNaN(y[i]!), `${cfg} softmax row 0 [${i}] = ${y[i]}`);
      } else {
        assert.ok(Number.isNaN(y[1]!), `${cfg} ${name}(NaN) = ${y[1]}`);
        for (const i of [0, 2, 3]) assert.ok(!Number.isNaN(y[i]!), `${cfg} ${name} [${i}] became NaN`);
      }
      for (let i = 4; i < 8; i++) assert.ok(!Number.isNaN(y[i]!), `${cfg} ${name}: NaN leaked into row 1`);
      if (name === 'relu') assert.deepEqual(Array.from(y.slice(4)), [0, 0, 0.5, 2], `${cfg} relu values`);
    }
  });
});

/** A layer with relu fused into its kernel: the sample holding the NaN, and only it, comes out NaN. */
function assertFusedKeepsNaN(make: () => Layer, inputShape: number[], at: number, what: string): void {
  eachConfiguration((cfg) => {
    setRandomSeed(3);
    const layer = make();
    const x = randomNormal(inputShape);
    const clean = layer.apply(x);
    assert.ok(!nanRows(clean).some(Boolean), `${what} ${cfg}: NaN without a NaN input`);
    const rows = nanRows(layer.apply(withNaN(x, at)));
    const sample = Math.floor(at / (x.size / inputShape[0]!));
    assert.deepEqual(
      rows,
      rows.map((_, i) => i === sample),
      `${what} ${cfg}: samples with NaN out`,
    );
  });
}

test('Dense(relu): the fused GEMM epilogue keeps NaN, on every ISA (full and edge tiles)', () => {
  // 37 units: full 16/32-column tiles plus an edge tile; 13 rows: full and partial row blocks.
  assertFusedKeepsNaN(() => new Dense(37, { activation: 'relu' }), [13, 20], 5 * 20 + 7, 'Dense');
  assertFusedKeepsNaN(() => new Dense(37, { activation: 'relu', useBias: false }), [13, 20], 12 * 20, 'Dense no bias');
});

test('Conv2D(relu): im2col GEMM and Winograd epilogues keep NaN', () => {
  // 1 input channel: im2col; 8 channels in and out, 3x3, stride 1, 10 x 10 out: Winograd F(4x4, 3x3).
  assertFusedKeepsNaN(() => new Conv2D(5, 3, { activation: 'relu' }), [3, 8, 8, 1], 64 + 20, 'Conv2D im2col');
  assertFusedKeepsNaN(
    () => new Conv2D(8, 3, { activation: 'relu' }),
    [3, 12, 12, 8],
    2 * 1152 + 300,
    'Conv2D Winograd',
  );
});

test('SimpleRNN(relu): the fused recurrent kernel keeps NaN', () => {
  assertFusedKeepsNaN(() => new SimpleRNN(6, { activation: 'relu' }), [4, 5, 3], 2 * 15 + 4, 'SimpleRNN');
});

test('one NaN pixel makes the loss NaN and TerminateOnNaN stops training (Dense relu, both backends)', async () => {
  for (const name of ['js', 'native']) {
    const before = getBackend();
    setBackend(name);
    try {
      setRandomSeed(0);
      const x = withNaN(randomNormal([8, 6]), 3 * 6 + 2);
      const y = randomNormal([8, 2]);
      const model = new Sequential([new Dense(4, { inputShape: [6], activation: 'relu' }), new Dense(2)]);
      model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
      const losses: number[] = [];
      const history = await model.fit(x, y, {
        batchSize: 8,
        epochs: 3,
        verbose: 0,
        callbacks: [new TerminateOnNaN()],
      });
      losses.push(...(history.history['loss'] ?? []));
      assert.equal(losses.length, 1, `${name}: training should stop after the first epoch, losses ${losses}`);
      assert.ok(Number.isNaN(losses[0]!), `${name}: loss ${losses[0]}`);
    } finally {
      setBackend(before);
    }
  }
});

test('Flatten -> Dense(relu) after a conv: NaN reaches the prediction', () => {
  eachConfiguration((cfg) => {
    setRandomSeed(5);
    const model = new Sequential([
      new Conv2D(8, 3, { inputShape: [6, 6, 1], activation: 'relu' }),
      new Flatten(),
      new Dense(3, { activation: 'softmax' }),
    ]);
    const x = withNaN(randomNormal([2, 6, 6, 1]), 36 + 14);
    assert.deepEqual(nanRows(model.predict(x)), [false, true], cfg);
  });
});
