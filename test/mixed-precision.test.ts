// Keras's mixed_bfloat16 policy wired through layers and training: which dtype each layer computes
// in, float32 variables, outputs' dtypes as Keras gives them, values worked by hand, gradients
// reaching the float32 variables through the casts, and the policy in saved files (both formats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { Input, Model, Sequential, Tensor, layers, mixedPrecision, setRandomSeed, tensor } from '../src/core.js';
import { DTypePolicy } from '../src/layers/dtype-policy.js';
import { gradients } from '../src/core/autograd.js';
import { sum } from '../src/ops/reduce.js';
import { mul } from '../src/ops/binary.js';
import { randomNormal } from '../src/ops/creation.js';
import { fromBfloat16Bits } from '../src/core/dtype.js';
import { keras2ModelConfig, keras3ModelConfig } from '../src/io/model-config.js';
import { loadModel, modelFromConfig, modelFromJSON, saveModel } from '../src/io/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'test', 'fixtures', 'keras');
const dir = mkdtempSync(join(tmpdir(), 'mixed-precision-'));

/** The float values of a tensor (bfloat16 bit patterns decoded). */
function values(t: Tensor): number[] {
  if (t.dtype === 'bfloat16') return [...(t.data as Uint16Array)].map(fromBfloat16Bits);
  return [...(t.data as Float32Array)];
}

function withGlobalPolicy<T>(name: string, fn: () => T): T {
  mixedPrecision.setGlobalPolicy(name);
  try {
    return fn();
  } finally {
    mixedPrecision.setGlobalPolicy('float32');
  }
}

test('a layer takes its policy from dtype or the global policy; compute bfloat16, variables float32', () => {
  const d = new layers.Dense(3, { dtype: 'mixed_bfloat16' });
  assert.equal(d.dtypePolicy.name, 'mixed_bfloat16');
  assert.deepEqual([d.computeDtype, d.variableDtype, d.dtype], ['bfloat16', 'float32', 'float32']);
  const y = d.apply(tensor([[1, 2]]));
  assert.equal(y.dtype, 'bfloat16');
  assert.deepEqual(
    d.weights.map((w) => w.dtype),
    ['float32', 'float32'],
  );
  const p = new DTypePolicy('mixed_bfloat16');
  assert.equal(new layers.Dense(2, { dtype: p }).dtypePolicy, p);

  const [g, f] = withGlobalPolicy('mixed_bfloat16', () => [
    new layers.Dense(2),
    new layers.Dense(2, { dtype: 'float32' }),
  ]);
  assert.equal(g.dtypePolicy.name, 'mixed_bfloat16');
  assert.equal(f.computeDtype, 'float32', 'an explicit dtype wins over the global policy');
  assert.equal(new layers.Dense(2).dtypePolicy.name, 'float32', 'layers made after the reset are float32');
  // The float32 policy leaves float32 layers as they were.
  assert.equal(new layers.Dense(2).apply(tensor([[1, 2]])).dtype, 'float32');
});

test('policies deepscript cannot run are refused, naming the layer and the valid choice', () => {
  assert.throws(
    () => new layers.Dense(2, { dtype: 'mixed_float16' }),
    /Dense: dtype policy 'mixed_float16' computes in float16.*'mixed_bfloat16'/,
  );
  assert.throws(
    () => new layers.Dense(2, { dtype: 'mixed_bf16' }),
    /Dense: DTypePolicy: 'mixed_bf16' is not a dtype policy; expected 'mixed_bfloat16'/,
  );
  const bf = new layers.Dense(2, { dtype: 'bfloat16', name: 'pure' });
  assert.deepEqual([bf.computeDtype, bf.variableDtype], ['bfloat16', 'bfloat16']);
  assert.throws(
    () => bf.apply(tensor([[1, 2]])),
    /Layer 'pure' \(Dense\).*weight 'kernel' would be stored in bfloat16.*'mixed_bfloat16'/,
  );
  // A layer without weights runs under 'bfloat16' (it computes in float32 between casts).
  assert.equal(new layers.Dropout(0.5, { dtype: 'bfloat16' }).apply(tensor([[1, 2]])).dtype, 'bfloat16');
});

test('mixed Dense by hand: inputs and kernel rounded to bfloat16, float32 bias and sums, one rounding out', () => {
  const d = new layers.Dense(1, { dtype: 'mixed_bfloat16', kernelInitializer: 'ones' });
  d.apply(tensor([[0]]));
  // x = 1 + 2^-8 + 2^-10 rounds up to 1 + 2^-7; w = 1 + 2^-9 rounds down to 1; the bias stays
  // float32: 0.5 + 2^-9. Sum 1.509765625, whose nearest bfloat16 (step 2^-7 in [1, 2)) is 1.5078125.
  d.setWeights([tensor([[1 + 2 ** -9]]), tensor([0.5 + 2 ** -9])]);
  const y = d.apply(tensor([[1 + 2 ** -8 + 2 ** -10]]));
  assert.equal(y.dtype, 'bfloat16');
  assert.deepEqual(values(y), [1.5078125]);
  // In float32 the same layer gives (1 + 2^-8 + 2^-10)(1 + 2^-9) + 0.5 + 2^-9 = 1.50880: the mixed result is the bfloat16 one.
  const f = new layers.Dense(1, { kernelInitializer: 'ones' });
  f.apply(tensor([[0]]));
  f.setWeights(d.getWeights());
  assert.ok(Math.abs(values(f.apply(tensor([[1 + 2 ** -8 + 2 ** -10]])))[0]! - 1.5088) < 1e-4);
  // relu fuses into the epilogue; softmax runs on the float32 widening, rounded once.
  const r = new layers.Dense(2, { dtype: 'mixed_bfloat16', activation: 'relu', useBias: false });
  r.apply(tensor([[0, 0]]));
  r.setWeights([
    tensor([
      [1, -1],
      [2, 3],
    ]),
  ]);
  assert.deepEqual(values(r.apply(tensor([[1, 1]]))), [3, 2]);
  assert.deepEqual(values(r.apply(tensor([[1, -1]]))), [0, 0]);
  const s = new layers.Dense(2, { dtype: 'mixed_bfloat16', activation: 'softmax', useBias: false });
  s.apply(tensor([[0]]));
  s.setWeights([tensor([[0, Math.log(3)]])]);
  // softmax([0, ln 3]) = [0.25, 0.75], both exact in bfloat16.
  const out = s.apply(tensor([[1]]));
  assert.equal(out.dtype, 'bfloat16');
  // ln 3 rounds to bfloat16 (1.1015625): softmax [1/(1+e^1.1015625), ...] = [0.24941, 0.75059] -> bf16.
  const e = Math.exp(1.1015625);
  const bf = (v: number): number => values(tensor([v]).astype('bfloat16'))[0]!;
  assert.deepEqual(values(out), [bf(1 / (1 + e)), bf(e / (1 + e))]);
});

test("layers without bfloat16 kernels compute in float32 and give Keras's bfloat16 outputs", () => {
  setRandomSeed(3);
  withGlobalPolicy('mixed_bfloat16', () => {
    const x = randomNormal([4, 6, 3]);
    const bn = new layers.BatchNormalization();
    const yb = bn.apply(x, { training: true });
    assert.equal(yb.dtype, 'bfloat16');
    assert.deepEqual(
      bn.weights.map((w) => w.dtype),
      ['float32', 'float32', 'float32', 'float32'],
      'gamma, beta and the moving statistics stay float32',
    );
    // The moving mean moved by (1 - momentum) * batch mean, computed in float32 from float32 inputs
    // (the layer casts its bfloat16 input to float32; here the input is float32 already).
    const batchMean = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = c; i < x.size; i += 3) s += (x.data as Float32Array)[i]!;
      return s / 24;
    });
    values(bn.weights[2]!).forEach((m, c) => assert.ok(Math.abs(m - 0.01 * batchMean[c]!) < 1e-7, `moving mean ${c}`));
    const lstm = new layers.LSTM(5);
    const yl = lstm.apply(x);
    assert.equal(yl.dtype, 'bfloat16');
    assert.ok(lstm.weights.every((w) => w.dtype === 'float32'));
    // The float32 LSTM on the same weights gives the same output up to the one final rounding.
    const ref = new layers.LSTM(5, { dtype: 'float32' });
    ref.apply(x);
    ref.setWeights(lstm.getWeights());
    const want = values(ref.apply(x));
    values(yl).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 2 ** -8 * Math.abs(want[i]!), `lstm ${i}`));
    assert.equal(new layers.Dropout(0.3).apply(x, { training: true }).dtype, 'bfloat16');
    assert.equal(new layers.Flatten().apply(x).dtype, 'bfloat16');
    // Keras's advice: a float32 softmax at the end takes the bfloat16 input and answers float32.
    const last = new layers.Activation('softmax', { dtype: 'float32' });
    assert.equal(last.apply(yl).dtype, 'float32');
  });
});

test('a Functional model under mixed_bfloat16: symbolic and real outputs are bfloat16, predict too', () => {
  setRandomSeed(4);
  const m = withGlobalPolicy('mixed_bfloat16', () => {
    const inp = Input({ shape: [4] });
    assert.equal(inp.dtype, 'float32', 'an Input stays float32, as in Keras');
    const h = new layers.Dense(8, { activation: 'relu' }).apply(inp);
    assert.equal(h.dtype, 'bfloat16');
    const out = new layers.Dense(3, { activation: 'softmax' }).apply(h);
    assert.equal(out.dtype, 'bfloat16');
    return new Model({ inputs: inp, outputs: out });
  });
  assert.equal(m.dtypePolicy.name, 'mixed_bfloat16');
  const x = randomNormal([6, 4]);
  assert.equal((m.apply(x) as Tensor).dtype, 'bfloat16');
  const p = m.predict(x) as Tensor;
  assert.equal(p.dtype, 'bfloat16', 'predict does not take the float32 inference plan');
  assert.deepEqual(values(p), values(m.apply(x) as Tensor));
});

test('gradients reach the float32 variables through the casts, as the hand-derived ones', () => {
  const d = new layers.Dense(2, { dtype: 'mixed_bfloat16', useBias: true });
  const x = tensor([
    [1 + 2 ** -8 + 2 ** -10, 2],
    [-3, 0.5],
    [0.25, 1],
  ]);
  d.apply(x);
  const wv = [0.5, -1, 1.5, 2];
  d.setWeights([tensor([wv.slice(0, 2), wv.slice(2)]), tensor([0.1, -0.2])]);
  const r = tensor([
    [1, -2],
    [0.5, 3],
    [-1, 1],
  ]);
  const grads = gradients(sum(mul(d.apply(x).astype('float32'), r)), [d.kernel!, d.bias!]);
  assert.deepEqual(
    grads.map((g) => g!.dtype),
    ['float32', 'float32'],
  );
  // dL/dW = x_bf16^T r (x's first entry rounds to 1 + 2^-7), summed in float32 (exact here) and
  // rounded once to bfloat16, the kernel cast's dtype, as TensorFlow's bf16 MatMul gradient is:
  // -10.765625 becomes -10.75 (step 2^-4 in [8, 16)). dL/db = column sums of r, in float32.
  const xb = [
    [1 + 2 ** -7, 2],
    [-3, 0.5],
    [0.25, 1],
  ];
  const gw = [0, 1].flatMap((i) => [0, 1].map((j) => xb.reduce((s, row, n) => s + row[i]! * values(r)[n * 2 + j]!, 0)));
  const bf = (v: number): number => values(tensor([v]).astype('bfloat16'))[0]!;
  assert.deepEqual(gw, [-0.7421875, -10.765625, 1.25, -1.5]);
  assert.deepEqual(values(grads[0]!), gw.map(bf));
  assert.deepEqual(values(grads[1]!), [0.5, 2]);
});

test('training under mixed_bfloat16 updates float32 weights, on random data close to float32 training', async () => {
  const build = (policy: string): Sequential =>
    withGlobalPolicy(policy, () => {
      setRandomSeed(7);
      const m = new Sequential();
      m.add(new layers.Dense(16, { inputDim: 10, activation: 'relu' }));
      m.add(new layers.Dense(3, { activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      return m;
    });
  setRandomSeed(8);
  const x = randomNormal([64, 10]);
  const y = tensor(Array.from({ length: 64 }, (_, i) => i % 3)).astype('int32');
  const mixed = build('mixed_bfloat16');
  const plain = build('float32');
  const before = mixed.getWeights().map(values);
  assert.deepEqual(before, plain.getWeights().map(values), 'same initial weights');
  const hm = await mixed.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false });
  const hp = await plain.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false });
  assert.ok(mixed.weights.every((w) => w.dtype === 'float32'));
  const after = mixed.getWeights().map(values);
  const plainAfter = plain.getWeights().map(values);
  let moved = 0;
  let maxDiff = 0;
  after.forEach((w, i) =>
    w.forEach((v, j) => {
      if (v !== before[i]![j]) moved++;
      maxDiff = Math.max(maxDiff, Math.abs(v - plainAfter[i]![j]!));
    }),
  );
  assert.ok(moved > 0.9 * after.flat().length, `weights moved: ${moved}`);
  // Eight SGD steps of lr 0.01 on gradients with bfloat16's 2^-8 relative rounding: far below the step.
  assert.ok(maxDiff > 0 && maxDiff < 1e-3, `mixed and float32 weights differ by ${maxDiff}`);
  const lm = hm.history['loss']!;
  const lp = hp.history['loss']!;
  lm.forEach((l, i) => assert.ok(Math.abs(l - lp[i]!) < 0.02 * lp[i]!, `epoch ${i} loss ${l} vs ${lp[i]}`));
});

const KERAS3_POLICY = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'mixed_bfloat16' },
  registered_name: null,
};

function mixedModel(): Sequential {
  return withGlobalPolicy('mixed_bfloat16', () => {
    setRandomSeed(9);
    const m = new Sequential();
    m.add(new layers.Dense(5, { inputDim: 3, activation: 'relu' }));
    m.add(new layers.Dense(2, { dtype: 'float32' }));
    return m;
  });
}

test('the policy in configs: Keras 3 DTypePolicy objects, Keras 2 Policy objects, both read back', () => {
  const m = mixedModel();
  const k3 = keras3ModelConfig(m) as unknown as {
    config: { dtype: unknown; layers: { config: { dtype: unknown } }[] };
  };
  assert.deepEqual(k3.config.dtype, KERAS3_POLICY);
  assert.deepEqual(k3.config.layers[1]!.config.dtype, KERAS3_POLICY);
  assert.deepEqual((k3.config.layers[2]!.config.dtype as { config: unknown }).config, { name: 'float32' });
  const k2 = keras2ModelConfig(m) as unknown as { config: { layers: { config: { dtype: unknown } }[] } };
  const dense = k2.config.layers.find((l) => (l.config as { name?: string }).name === m.layers[0]!.name)!;
  assert.deepEqual(dense.config.dtype, { class_name: 'Policy', config: { name: 'mixed_bfloat16' } });
  for (const config of [k3, k2]) {
    const back = modelFromConfig(JSON.parse(JSON.stringify(config)));
    assert.deepEqual(
      back.layers.map((l) => l.dtypePolicy.name),
      ['mixed_bfloat16', 'float32'],
    );
  }
  assert.throws(
    () => modelFromConfig(JSON.parse(JSON.stringify(k3).replace(/"mixed_bfloat16"/g, '"mixed_bf16"'))),
    /'mixed_bf16' is not a dtype policy; expected 'mixed_bfloat16'/,
  );
});

test('saved and loaded in both file formats, weights and outputs unchanged', async () => {
  const m = mixedModel();
  const x = tensor([
    [0.5, -1, 2],
    [1, 1, 1],
  ]);
  const want = values(m.predict(x) as Tensor);
  for (const file of ['mixed.keras', 'mixed.h5']) {
    await saveModel(m, join(dir, file));
    const back = await loadModel(join(dir, file));
    assert.deepEqual(
      back.layers.map((l) => l.dtypePolicy.name),
      ['mixed_bfloat16', 'float32'],
      file,
    );
    assert.ok(
      back.weights.every((w) => w.dtype === 'float32'),
      file,
    );
    assert.deepEqual(values(back.predict(x) as Tensor), want, file);
  }
});

test('a Keras 3 file whose layers are mixed_bfloat16 loads and computes in bfloat16', async () => {
  // A real Keras 3 .keras file (a small CNN), its config's DTypePolicy entries renamed as Keras 3
  // writes them under set_global_policy('mixed_bfloat16'); Keras stores the variables float32 either way.
  const zip = unzipSync(readFileSync(join(fixtures, 'functional', 'keras3-sequential-cnn.keras')));
  const config = strFromU8(zip['config.json']!);
  const mixed = config.replace(/"config": \{"name": "float32"\}/g, '"config": {"name": "mixed_bfloat16"}');
  assert.notEqual(mixed, config, 'the fixture has DTypePolicy entries to rename');
  const path = join(dir, 'keras3-mixed-cnn.keras');
  writeFileSync(path, zipSync({ ...zip, 'config.json': strToU8(mixed) }));
  const m = await loadModel(path);
  const f = await loadModel(join(fixtures, 'functional', 'keras3-sequential-cnn.keras'));
  assert.ok(m.layers.filter((l) => l.className !== 'InputLayer').every((l) => l.dtypePolicy.name === 'mixed_bfloat16'));
  assert.ok(m.weights.every((w) => w.dtype === 'float32'));
  const shape = [2, ...(f.inputShapeSeen as number[]).slice(1)];
  setRandomSeed(10);
  const x = randomNormal(shape);
  const pm = m.predict(x) as Tensor;
  const pf = values(f.predict(x) as Tensor);
  assert.equal(pm.dtype, 'bfloat16');
  // Outputs of a few bfloat16 layers: within a few percent of the float32 model's.
  const scale = Math.max(...pf.map(Math.abs));
  values(pm).forEach((v, i) => assert.ok(Math.abs(v - pf[i]!) < 0.05 * scale, `output ${i}: ${v} vs ${pf[i]}`));
});

test('the Keras 3 sequential config with mixed_bfloat16 policies loads (JSON form)', () => {
  const text = readFileSync(join(fixtures, 'keras3-sequential.json'), 'utf8');
  const m = modelFromJSON(text.replace(/"config": \{ "name": "float32" \}/g, '"config": { "name": "mixed_bfloat16" }'));
  assert.deepEqual(
    m.layers.map((l) => l.dtypePolicy.name),
    ['mixed_bfloat16', 'mixed_bfloat16', 'mixed_bfloat16'],
  );
});
