import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { Bidirectional } from '../src/layers/bidirectional.js';
import { Dense } from '../src/layers/dense.js';
import { GRU } from '../src/layers/gru.js';
import type { Layer } from '../src/layers/layer.js';
import { LSTM } from '../src/layers/lstm.js';
import { SimpleRNN } from '../src/layers/simple-rnn.js';
import { Sequential } from '../src/models/sequential.js';
import { randomNormal } from '../src/ops/creation.js';

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

function rand(rng: Random, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float64Array.from({ length: n }, () => 0.6 * rng.normal()),
    shape,
    'float64',
  );
}

/** row-vector v [k] times matrix m [k, n] (row-major), columns [c0, c0 + len). */
function vecMat(v: readonly number[], m: Tensor, c0: number, len: number): number[] {
  const n = m.shape[1]!;
  return Array.from({ length: len }, (_, j) => v.reduce((s, vk, k) => s + vk * m.data[k * n + c0 + j]!, 0));
}

function close(actual: Tensor, expected: number[][], what: string): void {
  const flat = expected.flat();
  assert.equal(actual.size, flat.length, `${what}: size`);
  flat.forEach((e, i) => assert.ok(Math.abs(actual.data[i]! - e) < 1e-12, `${what}[${i}]: ${actual.data[i]} vs ${e}`));
}

describe('forward values against Keras equations, written out by hand', () => {
  const B = 2;
  const T = 2;
  const D = 3;
  const U = 2;

  test('LSTM: two steps, gates i, f, c, o', () => {
    const rng = new Random(3);
    const layer = new LSTM(U, { returnSequences: true, dtype: 'float64' });
    layer.build([null, T, D]);
    const [K, R, b] = [rand(rng, [D, 4 * U]), rand(rng, [U, 4 * U]), rand(rng, [4 * U])];
    layer.setWeights([K, R, b]);
    const x = rand(rng, [B, T, D]);
    const expected: number[][] = [];
    for (let n = 0; n < B; n++) {
      let h = [0, 0];
      let c = [0, 0];
      for (let t = 0; t < T; t++) {
        const xt = Array.from(x.data.subarray((n * T + t) * D, (n * T + t + 1) * D));
        const gate = (g: number): number[] => {
          const xk = vecMat(xt, K, g * U, U);
          const hr = vecMat(h, R, g * U, U);
          return xk.map((v, j) => v + hr[j]! + b.data[g * U + j]!);
        };
        const i = gate(0).map(sig);
        const f = gate(1).map(sig);
        const cc = gate(2).map(Math.tanh);
        const o = gate(3).map(sig);
        c = c.map((cv, j) => f[j]! * cv + i[j]! * cc[j]!);
        h = o.map((ov, j) => ov * Math.tanh(c[j]!));
        expected.push(h);
      }
    }
    const out = layer.apply(x);
    assert.deepEqual(out.shape, [B, T, U]);
    close(out, expected, 'LSTM');
  });

  for (const resetAfter of [true, false]) {
    test(`GRU (resetAfter=${resetAfter}): two steps, gates z, r, h`, () => {
      const rng = new Random(resetAfter ? 4 : 5);
      const layer = new GRU(U, { returnSequences: true, resetAfter, dtype: 'float64' });
      layer.build([null, T, D]);
      const bias = rand(rng, resetAfter ? [2, 3 * U] : [3 * U]);
      const [K, R] = [rand(rng, [D, 3 * U]), rand(rng, [U, 3 * U])];
      layer.setWeights([K, R, bias]);
      const bIn = (j: number): number => bias.data[j]!;
      const bRec = (j: number): number => (resetAfter ? bias.data[3 * U + j]! : 0);
      const x = rand(rng, [B, T, D]);
      const expected: number[][] = [];
      for (let n = 0; n < B; n++) {
        let h = [0, 0];
        for (let t = 0; t < T; t++) {
          const xt = Array.from(x.data.subarray((n * T + t) * D, (n * T + t + 1) * D));
          const xg = (g: number): number[] => vecMat(xt, K, g * U, U).map((v, j) => v + bIn(g * U + j));
          const hg = (g: number, v: number[]): number[] => vecMat(v, R, g * U, U).map((s, j) => s + bRec(g * U + j));
          const z = xg(0).map((v, j) => sig(v + hg(0, h)[j]!));
          const r = xg(1).map((v, j) => sig(v + hg(1, h)[j]!));
          const hh = resetAfter
            ? xg(2).map((v, j) => Math.tanh(v + r[j]! * hg(2, h)[j]!))
            : xg(2).map((v, j) =>
                Math.tanh(
                  v +
                    hg(
                      2,
                      h.map((hv, k) => r[k]! * hv),
                    )[j]!,
                ),
              );
          h = h.map((hv, j) => z[j]! * hv + (1 - z[j]!) * hh[j]!);
          expected.push(h);
        }
      }
      close(layer.apply(x), expected, 'GRU');
    });
  }

  test('SimpleRNN and goBackwards: the backward pass equals the forward pass on the reversed input', () => {
    const rng = new Random(6);
    const fw = new SimpleRNN(U, { returnSequences: true, dtype: 'float64' });
    const bw = new SimpleRNN(U, { returnSequences: true, goBackwards: true, dtype: 'float64' });
    fw.build([null, 3, D]);
    bw.build([null, 3, D]);
    const w = [rand(rng, [D, U]), rand(rng, [U, U]), rand(rng, [U])];
    fw.setWeights(w);
    bw.setWeights(w);
    const x = rand(rng, [B, 3, D]);
    const rev = x.gather([2, 1, 0], 1);
    assert.deepEqual(bw.apply(x).toArray(), fw.apply(rev).toArray());
    // h1 = tanh(x0 K + b), h2 = tanh(x1 K + b + h1 R) for sample 0.
    const x0 = Array.from(x.data.subarray(0, D));
    const x1 = Array.from(x.data.subarray(D, 2 * D));
    const h1 = vecMat(x0, w[0]!, 0, U).map((v, j) => Math.tanh(v + w[2]!.data[j]!));
    const hr = vecMat(h1, w[1]!, 0, U);
    const h2 = vecMat(x1, w[0]!, 0, U).map((v, j) => Math.tanh(v + w[2]!.data[j]! + hr[j]!));
    close(fw.apply(x).slice([0, 0, 0], [1, 2, U]), [h1, h2], 'SimpleRNN');
  });
});

describe('shapes, parameter counts and weight layout as Keras', () => {
  test('LSTM: 4u(in + u + 1), kernel/recurrent_kernel/bias shapes, forget-gate bias of 1', () => {
    const a = new LSTM(55, { inputShape: [null, 64] });
    const m = new Sequential([a]);
    assert.equal(a.countParams(), 26400);
    assert.deepEqual(m.outputShape, [null, 55]);
    assert.deepEqual(
      a.weights.map((w) => [w.name, [...w.shape]]),
      [
        [`${a.name}/lstm_cell/kernel:0`, [64, 220]],
        [`${a.name}/lstm_cell/recurrent_kernel:0`, [55, 220]],
        [`${a.name}/lstm_cell/bias:0`, [220]],
      ],
    );
    const bias = Array.from(a.bias!.data);
    assert.deepEqual(bias, [...Array(55).fill(0), ...Array(55).fill(1), ...Array(110).fill(0)]);
    assert.equal(new LSTM(100, { inputShape: [100, 100] }).countParams(), 0); // not built until used
    const b = new LSTM(100, { returnSequences: true });
    const m2 = new Sequential([b]);
    m2.build([null, 7, 100]);
    assert.equal(b.countParams(), 80400);
    assert.deepEqual(m2.outputShape, [null, 7, 100]);
    assert.equal(new LSTM(3, { unitForgetBias: false }).getConfig()['unit_forget_bias'], false);
  });

  test('recurrent kernel is orthogonal by default', () => {
    const l = new LSTM(4);
    l.build([null, 2, 3]);
    const r = l.recurrentKernel!; // [4, 16]: rows orthonormal
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 16; k++) s += r.data[i * 16 + k]! * r.data[j * 16 + k]!;
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-5);
      }
    }
  });

  test('GRU: bias [2, 3u] with resetAfter (Keras 2 default), [3u] without; params', () => {
    const g = new GRU(4);
    g.build([null, 5, 3]);
    assert.deepEqual(g.bias!.shape, [2, 12]);
    assert.equal(g.countParams(), 3 * 4 * (3 + 4) + 2 * 12);
    const g2 = new GRU(4, { resetAfter: false });
    g2.build([null, 5, 3]);
    assert.deepEqual(g2.bias!.shape, [12]);
    assert.equal(g2.countParams(), 3 * 4 * (3 + 4 + 1));
    assert.equal(g.getConfig()['reset_after'], true);
    assert.equal(g.getConfig()['recurrent_activation'], 'sigmoid');
  });

  test('SimpleRNN: u(in + u + 1)', () => {
    const s = new SimpleRNN(8);
    s.build([null, 5, 3]);
    assert.equal(s.countParams(), 8 * (3 + 8 + 1));
  });

  test('Bidirectional: forward_/backward_ copies, doubled params, merged shapes', () => {
    const inner = new LSTM(6, { returnSequences: true });
    const bi = new Bidirectional(inner);
    const m = new Sequential([bi]);
    m.build([null, 4, 3]);
    assert.equal(bi.forwardLayer.name, `forward_${inner.name}`);
    assert.equal(bi.backwardLayer.name, `backward_${inner.name}`);
    assert.equal(bi.backwardLayer.goBackwards, true);
    assert.equal(bi.countParams(), 2 * 4 * 6 * (3 + 6 + 1));
    assert.equal(m.countParams(), bi.countParams());
    assert.equal(m.trainableWeights.length, 6);
    assert.deepEqual(m.outputShape, [null, 4, 12]);
    assert.deepEqual(m.predict(randomNormal([2, 4, 3])).shape, [2, 4, 12]);
    const sum = new Bidirectional(new GRU(5), { mergeMode: 'sum' });
    assert.deepEqual(sum.computeOutputShape([null, 4, 3]), [null, 5]);
    assert.equal((bi.getConfig()['layer'] as { config: { name: string } }).config.name, inner.name);
  });

  test('returnState: [output, h, c] from apply, states via applyWithState; refused inside Sequential', () => {
    const l = new LSTM(3, { returnState: true, returnSequences: true });
    const { output, states } = l.applyWithState(randomNormal([2, 4, 5]));
    assert.deepEqual(output.shape, [2, 4, 3]);
    assert.deepEqual(
      states.map((s) => s.shape),
      [
        [2, 3],
        [2, 3],
      ],
    );
    // The last output is the final h.
    assert.deepEqual(Array.from(output.slice([0, 3, 0], [2, 1, 3]).data), Array.from(states[0]!.data));
    assert.throws(
      () => new Sequential([l, new Dense(1)]).build([null, 4, 5]),
      /'lstm.*' \(LSTM\) returns several tensors.*Functional API/,
    );
    setRandomSeed(0);
    const x = randomNormal([2, 4, 5]);
    const all = l.apply<Tensor[]>(x);
    const again = l.applyWithState(x);
    assert.equal(all.length, 3);
    [again.output, ...again.states].forEach((t, i) => assert.deepEqual(Array.from(all[i]!.data), Array.from(t.data)));
    assert.equal(new GRU(2).applyWithState(randomNormal([1, 3, 2])).states.length, 1);
  });

  test('bad input rank and stateful are refused clearly', () => {
    assert.throws(() => new LSTM(3).apply(randomNormal([2, 5])), /\(batch, timesteps, features\)/);
    assert.throws(() => new GRU(3, { stateful: true }), /stateful/);
    assert.throws(() => new SimpleRNN(3, { dropout: 1 }), /dropout/);
  });

  test('dropout and recurrentDropout act only while training', () => {
    setRandomSeed(5);
    const l = new LSTM(4, { dropout: 0.5, recurrentDropout: 0.5 });
    const x = randomNormal([3, 6, 5]);
    const a = l.apply(x, { training: false });
    const b = l.apply(x, { training: false });
    assert.deepEqual(a.toArray(), b.toArray());
    const c = l.apply(x, { training: true });
    assert.notDeepEqual(c.toArray(), a.toArray());
  });
});

describe('one training step lowers the loss on a fixed batch', () => {
  const cases: [string, () => Layer][] = [
    ['LSTM', () => new LSTM(6, { inputShape: [5, 3] })],
    [
      'LSTM returnSequences + goBackwards',
      () => new LSTM(6, { inputShape: [5, 3], returnSequences: true, goBackwards: true }),
    ],
    ['GRU', () => new GRU(6, { inputShape: [5, 3] })],
    ['GRU resetAfter=false', () => new GRU(6, { inputShape: [5, 3], resetAfter: false })],
    ['SimpleRNN', () => new SimpleRNN(6, { inputShape: [5, 3] })],
    ['Bidirectional(LSTM)', () => new Bidirectional(new LSTM(6), { inputShape: [5, 3] })],
  ];
  for (const [name, make] of cases) {
    test(name, () => {
      setRandomSeed(11);
      const layer = make();
      const model = new Sequential([layer, new Dense(1)]);
      model.compile({ loss: 'mean_squared_error', optimizer: 'adam' });
      const x = randomNormal([8, 5, 3]);
      const outShape = model.outputShape.map((d) => d ?? 8);
      const y = randomNormal(outShape);
      const before = model.trainOnBatch(x, y)[0]!;
      let after = before;
      for (let i = 0; i < 5; i++) after = model.trainOnBatch(x, y)[0]!;
      assert.ok(after < before, `loss ${before} -> ${after}`);
    });
  }
});
