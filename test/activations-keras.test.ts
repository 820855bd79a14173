// Keras 3's activations (keras/src/activations/activations.py) against values worked by hand from
// their equations on fixed inputs; gradient checks are in test/helpers/grad-cases.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import * as ops from '../src/ops/index.js';
import { getActivation } from '../src/layers/activations.js';
import { Activation } from '../src/layers/activation.js';
import { Dense } from '../src/layers/dense.js';
import { Sequential } from '../src/models/sequential.js';
import { modelFromJSON, toJSON } from '../src/io/model-config.js';

const XS = [-4, -2, -0.5, 0, 0.5, 2, 4];
const x = (): ReturnType<typeof ops.tensor> => ops.tensor(XS, [XS.length], 'float64');
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const softplus = (v: number): number => Math.log1p(Math.exp(v));
// erf(v / sqrt 2) for v in XS, from a reference implementation (Python's math.erf), not ours.
const ERF_X_OVER_SQRT2 = [
  -0.9999366575163338, -0.9544997361036416, -0.38292492254802624, 0, 0.38292492254802624, 0.9544997361036416,
  0.9999366575163338,
];
const SELU_A = 1.6732632423543772;
const SELU_S = 1.0507009873554805;

const HAND: Record<string, (v: number, i: number) => number> = {
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  selu: (v) => SELU_S * (v > 0 ? v : SELU_A * (Math.exp(v) - 1)),
  gelu: (v, i) => 0.5 * v * (1 + ERF_X_OVER_SQRT2[i]!),
  silu: (v) => v * sig(v),
  swish: (v) => v * sig(v),
  leaky_relu: (v) => (v >= 0 ? v : 0.2 * v),
  leakyRelu: (v) => (v >= 0 ? v : 0.2 * v),
  relu6: (v) => Math.min(Math.max(v, 0), 6),
  softsign: (v) => v / (1 + Math.abs(v)),
  // Keras 3: relu6(x + 3) / 6, i.e. 0 below -3, 1 above 3 (Keras 2's 0.2x + 0.5 would give 0.1 at -2).
  hard_sigmoid: (v) => Math.min(Math.max(v + 3, 0), 6) / 6,
  hard_silu: (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6,
  hard_swish: (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6,
  exponential: (v) => Math.exp(v),
  mish: (v) => v * Math.tanh(softplus(v)),
  linear: (v) => v,
  relu: (v) => Math.max(v, 0),
  softplus: (v) => softplus(v),
};

test('each activation matches its Keras equation on fixed inputs (float64)', () => {
  for (const [name, f] of Object.entries(HAND)) {
    const got = getActivation(name).fn(x());
    XS.forEach((v, i) => {
      const want = f(v, i);
      const g = Number(got.data[i]);
      assert.ok(Math.abs(g - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${name}(${v}): got ${g}, want ${want}`);
    });
  }
  // Worked examples: gelu(-0.5) = -0.25 (1 - 0.38292) = -0.154269; hard_sigmoid(-2) = 1/6; elu(-2) = e^-2 - 1.
  assert.ok(Math.abs(Number(getActivation('gelu').fn(x()).data[2]) - -0.15426876936299344) < 1e-12);
  assert.ok(Math.abs(Number(getActivation('hard_sigmoid').fn(x()).data[1]) - 1 / 6) < 1e-15);
});

test('gelu tanh approximation (Keras approximate=True) and log_softmax', async () => {
  const { gelu } = await import('../src/layers/activations.js');
  const got = gelu(x(), true);
  XS.forEach((v, i) => {
    const want = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    assert.ok(Math.abs(Number(got.data[i]) - want) < 1e-12, `gelu~(${v})`);
  });
  // log_softmax([1, 2, 3]) = [1, 2, 3] - log(e + e^2 + e^3).
  const ls = getActivation('log_softmax').fn(ops.tensor([[1, 2, 3]], undefined, 'float64'));
  const lse = Math.log(Math.E + Math.E ** 2 + Math.E ** 3);
  [1, 2, 3].forEach((v, i) => assert.ok(Math.abs(Number(ls.data[i]) - (v - lse)) < 1e-12));
});

test('elu and exp-based activations stay finite for large negative and positive inputs; NaN stays NaN', () => {
  const big = ops.tensor([-1000, 1000, NaN], [3], 'float32');
  const e = getActivation('elu').fn(big);
  assert.deepEqual([...e.data].slice(0, 2), [-1, 1000]);
  assert.ok(Number.isNaN(e.data[2]));
  assert.ok(Number.isNaN(getActivation('gelu').fn(big).data[2]));
});

test('activations by name in layers and the Activation layer; saved under Keras 3 names', () => {
  const model = new Sequential([
    new Dense(3, { inputShape: [2], activation: 'gelu' }),
    new Activation('swish'),
    new Activation('hardSwish'),
    new Dense(2, { activation: 'leaky_relu' }),
  ]);
  const json = JSON.parse(toJSON(model)) as { config: { layers: { config: { activation?: string } }[] } };
  const saved = json.config.layers.map((l) => l.config.activation).filter((a) => a !== undefined);
  assert.deepEqual(saved, ['gelu', 'silu', 'hard_silu', 'leaky_relu']);
  const back = modelFromJSON(toJSON(model));
  back.setWeights(model.getWeights());
  const input = ops.tensor([[0.3, -1.2]]);
  assert.deepEqual([...back.predict(input).data], [...model.predict(input).data]);
  assert.throws(() => getActivation('gelus'), /Unknown activation 'gelus'/);
});

test("Keras 2's hard_sigmoid (0.2x + 0.5) is never read or written as Keras 3's relu6(x + 3) / 6", async () => {
  const { deserializeLayer } = await import('../src/layers/serialization.js');
  const { keras2ModelConfig, keras3ModelConfig } = await import('../src/io/model-config.js');
  assert.throws(
    () => deserializeLayer({ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'hard_sigmoid' } }),
    /Keras 2's hard_sigmoid is clip\(0.2x \+ 0.5, 0, 1\)/,
  );
  const layer = deserializeLayer({
    module: 'keras.layers',
    class_name: 'Dense',
    config: { name: 'd', units: 2, activation: 'hard_sigmoid' },
  });
  assert.equal((layer.getConfig() as { activation: string }).activation, 'hard_sigmoid');
  const model = new Sequential([new Dense(2, { inputShape: [2], activation: 'hard_sigmoid' })]);
  assert.throws(() => keras2ModelConfig(model), /Cannot save layer .* 'hard_sigmoid' in Keras 2's format/);
  assert.ok(keras3ModelConfig(model));
});
