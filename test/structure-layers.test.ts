/**
 * The activation, noise, reshaping, Masking and TimeDistributed layers and the mask handling of
 * GlobalAveragePooling1D and the merge layers, checked against Keras 3's equations worked by hand
 * (keras/src/layers/...), never against deepscript's own output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../src/ops/tensor-methods.js';
import { Random, setRandomSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import * as layers from '../src/layers/index.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import { Model } from '../src/models/model.js';
import { Sequential } from '../src/models/sequential.js';
import { tensor } from '../src/ops/creation.js';
import { Input } from '../src/layers/input-layer.js';
import { keras2ModelConfig, keras3ModelConfig, modelFromJSON, toJSON } from '../src/io/model-config.js';

function close(a: Tensor, expected: number[], what: string, tol = 1e-6): void {
  assert.equal(a.size, expected.length, `${what}: size ${a.size} vs ${expected.length}`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(a.data[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)),
      `${what}[${i}]: ${a.data[i]} vs ${expected[i]}`,
    );
}

const f64 = (values: number[], shape: number[]): Tensor => new Tensor(Float64Array.from(values), shape, 'float64');

function normal(rng: Random, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return f64(
    Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

// ---- activations ---------------------------------------------------------------------------

test('ReLU: Keras 3 formula clip(x * (x > t), 0, max) - slope * relu(t - x), worked by hand', () => {
  const x = tensor([-1, 0.5, 1, 2, 5]);
  // threshold 1, slope 0.5, max 3: 0.5*(-1-1), 0.5*(0.5-1), 0 at the threshold, 2, clipped to 3.
  close(new layers.ReLU({ threshold: 1, negativeSlope: 0.5, maxValue: 3 }).apply(x), [-1, -0.25, 0, 2, 3], 'relu');
  close(new layers.ReLU({ maxValue: 6 }).apply(tensor([-2, 3, 7])), [0, 3, 6], 'relu6');
  close(new layers.ReLU({ negativeSlope: 0.1 }).apply(tensor([-2, 3])), [-0.2, 3], 'leaky');
  // Between 0 and the threshold the output is slope * (x - t), not x.
  close(new layers.ReLU({ threshold: 2 }).apply(tensor([1, 3])), [0, 3], 'threshold');
  assert.throws(() => new layers.ReLU({ threshold: -1 }), /ReLU: threshold must be a finite number >= 0/);
  assert.throws(
    () => new layers.ReLU({ max_value: 2 } as never),
    /`max_value` is Keras's Python spelling; use `maxValue`/,
  );
  const nan = new layers.ReLU({ threshold: 1, negativeSlope: 0.2, maxValue: 2 }).apply(tensor([NaN]));
  assert.ok(Number.isNaN(nan.data[0]), 'NaN stays NaN');
});

test('LeakyReLU: default slope 0.3; Keras 3 writes negative_slope, Keras 2 alpha; both load', () => {
  close(new layers.LeakyReLU().apply(tensor([-2, 0, 3])), [-0.6, 0, 3], 'default');
  close(new layers.LeakyReLU({ negativeSlope: 0.1 }).apply(tensor([-2])), [-0.2], 'slope');
  assert.throws(() => new layers.LeakyReLU({ alpha: 0.2 } as never), /Keras 2's name for negativeSlope/);
  assert.throws(() => new layers.LeakyReLU({ negativeSlope: -1 }), /negativeSlope must be a number >= 0/);
  const a = deserializeLayer({ class_name: 'LeakyReLU', config: { name: 'l2', alpha: 0.2 } }) as layers.LeakyReLU;
  const b = deserializeLayer({
    class_name: 'LeakyReLU',
    config: { name: 'l3', negative_slope: 0.05 },
  }) as layers.LeakyReLU;
  const c = deserializeLayer({ class_name: 'LeakyReLU', config: { name: 'l4' } }) as layers.LeakyReLU;
  assert.deepEqual([a.negativeSlope, b.negativeSlope, c.negativeSlope], [0.2, 0.05, 0.3]);
  const inp = Input({ shape: [2] });
  const m = new Model({ inputs: inp, outputs: new layers.LeakyReLU({ negativeSlope: 0.2, name: 'lr' }).apply(inp) });
  const find = (cfg: { config: Record<string, unknown> }): Record<string, unknown> =>
    (cfg.config['layers'] as { class_name: string; config: Record<string, unknown> }[]).find(
      (l) => l.class_name === 'LeakyReLU',
    )!.config;
  const k2 = find(keras2ModelConfig(m));
  const k3 = find(keras3ModelConfig(m));
  assert.equal(k2['alpha'], 0.2);
  assert.equal(k2['negative_slope'], undefined);
  assert.equal(k3['negative_slope'], 0.2);
  assert.equal(k3['alpha'], undefined);
});

test('PReLU: alpha of the input shape without batch, 1 on shared axes; relu(x) - alpha * relu(-x)', () => {
  const p = new layers.PReLU({ sharedAxes: [1, 2] });
  const x = tensor([
    [
      [
        [-1, 2],
        [-3, -4],
      ],
    ],
  ]); // [1, 1, 2, 2]
  p.apply(x);
  assert.deepEqual([...p.alpha!.shape], [1, 1, 2]);
  assert.equal(p.weights[0]!.name, `${p.name}/alpha:0`);
  close(p.apply(x), [0, 2, 0, 0], 'zeros init');
  p.setWeights([tensor([[[0.1, 0.5]]])]);
  close(p.apply(x), [-0.1, 2, -0.3, -2], 'per channel alpha');
  const q = new layers.PReLU({ alphaInitializer: { class_name: 'Constant', config: { value: 0.25 } } });
  close(q.apply(tensor([[-4, 4]])), [-1, 4], 'constant init');
  assert.deepEqual(q.getConfig()['shared_axes'], null);
  assert.throws(
    () => deserializeLayer({ class_name: 'PReLU', config: { name: 'p', alpha_regularizer: { class_name: 'L2' } } }),
    /'alpha_regularizer' is not supported/,
  );
  assert.throws(() => new layers.PReLU({ sharedAxes: [0] }), /sharedAxes must be axes >= 1/);
});

test('ELU: x above 0, alpha * (exp(x) - 1) below', () => {
  close(new layers.ELU().apply(tensor([-1, 0, 2])), [Math.exp(-1) - 1, 0, 2], 'alpha 1');
  close(new layers.ELU({ alpha: 0.5 }).apply(tensor([-2, 1])), [0.5 * (Math.exp(-2) - 1), 1], 'alpha 0.5');
  const loaded = deserializeLayer({ class_name: 'ELU', config: { name: 'e' } }) as layers.ELU;
  assert.equal(loaded.alpha, 1, "Keras 3's ELU config has no alpha: the default");
});

test('Softmax: axis, several axes, and a mask as Keras 3 (masked entries 0, the rest renormalised)', () => {
  const e = Math.exp;
  const x = tensor([[1, 2, 3]]);
  close(
    new layers.Softmax().apply(x),
    [e(1), e(2), e(3)].map((v) => v / (e(1) + e(2) + e(3))),
    'last axis',
  );
  const x2 = tensor([
    [
      [0, 1],
      [2, 3],
    ],
  ]);
  const z = e(0) + e(1) + e(2) + e(3);
  close(new layers.Softmax({ axis: [1, 2] }).apply(x2), [1 / z, e(1) / z, e(2) / z, e(3) / z], 'axes 1,2');
  const col = new layers.Softmax({ axis: 1 }).apply(x2);
  close(col, [1 / (1 + e(2)), e(1) / (e(1) + e(3)), e(2) / (1 + e(2)), e(3) / (e(1) + e(3))], 'axis 1');
  const masked = new layers.Softmax().apply(x, { mask: tensor([[1, 0, 1]]) });
  close(masked, [e(1) / (e(1) + e(3)), 0, e(3) / (e(1) + e(3))], 'mask');
  // A [batch, time] mask against [batch, time, units] scores does not broadcast from the right.
  assert.throws(
    () => new layers.Softmax().apply(tensor([[[1, 2, 3]], [[1, 2, 3]]]), { mask: tensor([[1], [0]]) }),
    /\(Softmax\): the mask must broadcast to the input from the right/,
  );
});

// ---- RepeatVector, Permute, padding, cropping, upsampling -----------------------------------

test('RepeatVector and Permute', () => {
  const r = new layers.RepeatVector(3).apply(tensor([[1, 2]]));
  assert.deepEqual([...r.shape], [1, 3, 2]);
  close(r, [1, 2, 1, 2, 1, 2], 'repeat');
  const p = new layers.Permute([2, 1]).apply(
    tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]),
  );
  assert.deepEqual([...p.shape], [1, 3, 2]);
  close(p, [1, 4, 2, 5, 3, 6], 'permute');
  assert.throws(() => new layers.Permute([0, 1]), /Permute: dims must be a permutation of 1..n/);
  assert.throws(() => new layers.RepeatVector(2).apply(tensor([[[1]]])), /expects inputs of rank 2/);
});

test('ZeroPadding1D/2D and Cropping1D/2D: values, shapes and channels_first refused naming the layer', () => {
  const x = tensor([[[1], [2], [3]]]); // [1, 3, 1]
  close(new layers.ZeroPadding1D([1, 2]).apply(x), [0, 1, 2, 3, 0, 0], 'pad1d');
  close(new layers.Cropping1D([1, 1]).apply(x), [2], 'crop1d');
  const img = tensor([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
  const padded = new layers.ZeroPadding2D([
    [1, 0],
    [0, 1],
  ]).apply(img);
  assert.deepEqual([...padded.shape], [1, 3, 4, 1]);
  close(padded, [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0], 'pad2d');
  close(
    new layers.Cropping2D([
      [0, 1],
      [1, 0],
    ]).apply(img),
    [2, 3],
    'crop2d',
  );
  assert.throws(
    () => new layers.Cropping1D([2, 1]).apply(x),
    /Cropping1D\): cropping \[2,1\] must leave at least one step/,
  );
  assert.throws(
    () => new layers.ZeroPadding2D(1, { dataFormat: 'channels_first' as never }),
    /ZeroPadding2D: only data_format 'channels_last' is supported, got 'channels_first'/,
  );
  for (const cls of ['ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'SpatialDropout2D', 'ZeroPadding1D'])
    assert.throws(
      () =>
        deserializeLayer({
          class_name: cls,
          config: { name: `cf_${cls}`, data_format: 'channels_first', rate: 0.1 },
        }),
      new RegExp(`Cannot load layer 'cf_${cls}' \\(${cls}\\): data_format 'channels_first' is not supported`),
    );
});

test('UpSampling1D repeats steps; UpSampling2D nearest repeats, bilinear matches tf.image.resize (half-pixel)', () => {
  close(new layers.UpSampling1D(2).apply(tensor([[[1], [2]]])), [1, 1, 2, 2], 'up1d');
  const img = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
  close(new layers.UpSampling2D(2).apply(img), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], 'nearest');
  // tf.image.resize([[1, 2], [3, 4]], (4, 4), 'bilinear'): samples at (o + 0.5) / 2 - 0.5, clamped.
  close(
    new layers.UpSampling2D(2, { interpolation: 'bilinear' }).apply(img),
    [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
    'bilinear',
  );
  // Factor 3 along the columns only: samples at -1/3, 0, 1/3, 2/3, 1, 4/3.
  const row = tensor([1, 2], [1, 1, 2, 1]);
  close(
    new layers.UpSampling2D([1, 3], { interpolation: 'bilinear' }).apply(row),
    [1, 1, 4 / 3, 5 / 3, 2, 2],
    'bilinear x3',
  );
  assert.throws(
    () => new layers.UpSampling2D(2, { interpolation: 'bicubic' as never }),
    /UpSampling2D: interpolation 'bicubic' is not supported; use 'nearest' or 'bilinear'/,
  );
  const loaded = deserializeLayer({
    class_name: 'UpSampling2D',
    config: { name: 'u', size: [2, 2], interpolation: 'bilinear', data_format: 'channels_last' },
  }) as layers.UpSampling2D;
  assert.equal(loaded.interpolation, 'bilinear');
});

// ---- Masking, GlobalAveragePooling1D, masks into LSTM ----------------------------------------

test('Masking: a step equal to maskValue everywhere is zeroed and masked; LSTM skips it', () => {
  setRandomSeed(5);
  const mask = new layers.Masking({ maskValue: -1 });
  const x = tensor([
    [
      [1, 2],
      [-1, -1],
      [-1, 3],
    ],
  ]);
  close(mask.apply(x), [1, 2, 0, 0, -1, 3], 'zeroed');
  close(mask.computeMask(x, null).astype('float32'), [1, 0, 1], 'mask');
  // An LSTM after Masking gives what it gives on the sequence without the masked step.
  const lstm = new layers.LSTM(3);
  const model = new Sequential([new layers.Masking({ inputShape: [3, 2] }), lstm]);
  const withGap = model.predict(
    tensor([
      [
        [1, 2],
        [0, 0],
        [0.5, -1],
      ],
    ]),
  );
  const direct = new layers.LSTM(3);
  direct.build([null, 2, 2]);
  direct.setWeights(lstm.getWeights());
  close(
    withGap,
    Array.from(
      direct.apply(
        tensor([
          [
            [1, 2],
            [0.5, -1],
          ],
        ]),
      ).data,
    ),
    'skipped step',
    1e-6,
  );
});

test('GlobalAveragePooling1D averages over unmasked steps (Keras 3); all masked gives NaN; GMP1D refuses a mask', () => {
  const gap = new layers.GlobalAveragePooling1D();
  const x = tensor([
    [
      [1, 2],
      [100, 100],
      [3, 4],
    ],
  ]);
  close(gap.apply(x, { mask: tensor([[1, 0, 1]]).astype('bool') }), [2, 3], 'masked mean');
  close(gap.apply(x), [104 / 3, 106 / 3], 'no mask');
  assert.ok(Number.isNaN(gap.apply(x, { mask: tensor([[0, 0, 0]]) }).data[0]), 'every step masked: NaN');
  // Embedding(maskZero) -> GAP1D: the mean over the real tokens only.
  const emb = new layers.Embedding(5, 2, { maskZero: true, inputShape: [4] });
  const model = new Sequential([emb, new layers.GlobalAveragePooling1D()]);
  const table = emb.getWeights()[0]!;
  const out = model.predict(tensor([[3, 1, 0, 0]], undefined, 'int32'));
  close(
    out,
    [0, 1].map((j) => (table.data[3 * 2 + j]! + table.data[1 * 2 + j]!) / 2),
    'embedding mean',
    1e-6,
  );
  const gmp = new Sequential([new layers.Embedding(5, 2, { maskZero: true }), new layers.GlobalMaxPooling1D()]);
  assert.throws(
    () => gmp.predict(tensor([[3, 1, 0]], undefined, 'int32')),
    /\(GlobalMaxPooling1D\) does not support masking/,
  );
});

// ---- merge layers' masks -----------------------------------------------------------------------

test('merge masks as Keras 3: OR of the masks (none unless all have one); Maximum/Minimum/Multiply skip masked entries', () => {
  const a = tensor([[[1], [5], [2]]]); // [1, 3, 1]
  const b = tensor([[[4], [3], [-1]]]);
  const ma = tensor([[1, 0, 1]]).astype('bool');
  const mb = tensor([[0, 0, 1]]).astype('bool');
  const add = new layers.Add();
  close(add.computeMask([a, b], [ma, mb]) as Tensor, [1, 0, 1], 'OR');
  assert.equal(add.computeMask([a, b], [ma, null]), null, 'one input without a mask: none');
  close(add.apply([a, b], { mask: [ma, mb] }), [5, 8, 1], 'Add ignores masks in its values');
  // Maximum, Keras's loop: b's masked entries take a's values, a's masked ones take the result:
  // step 0 (b masked) -> a's 1; step 1 (both masked) -> a's 5; step 2 (both real) -> the max.
  close(new layers.Maximum().apply([a, b], { mask: [ma, mb] }), [1, 5, 2], 'Maximum');
  close(new layers.Minimum().apply([a, b], { mask: [ma, mb] }), [1, 5, -1], 'Minimum');
  // Multiply: a masked entry counts as 1; all inputs masked there -> 0.
  close(new layers.Multiply().apply([a, b], { mask: [ma, mb] }), [1, 0, -2], 'Multiply');
  close(new layers.Multiply().apply([a, b], { mask: [ma, null] }), [4, 3, -2], 'Multiply, one mask');
  assert.equal(new layers.Dot(2).computeMask([a, b], [ma, mb]), null, 'Dot gives no mask');
  // Concatenate keeps its Keras mask: unmasked inputs count as all-true.
  close(new layers.Concatenate().computeMask([a, b], [ma, null]) as Tensor, [1, 1, 1], 'Concatenate');
});

test('merge masks inside a graph: Embedding(maskZero) branches joined by Maximum reach the LSTM', () => {
  setRandomSeed(2);
  const ids = Input({ shape: [null], dtype: 'int32' });
  const e1 = new layers.Embedding(6, 2, { maskZero: true });
  const e2 = new layers.Embedding(6, 2, { maskZero: true });
  const joined = new layers.Maximum().apply([e1.apply(ids), e2.apply(ids)]);
  const lstm = new layers.LSTM(2);
  const model = new Model({ inputs: ids, outputs: lstm.apply(joined) });
  const padded = model.predict(tensor([[0, 4, 2]], undefined, 'int32'));
  const plain = model.predict(tensor([[4, 2]], undefined, 'int32'));
  close(padded, Array.from(plain.data), 'leading pad skipped', 1e-6);
});

// ---- noise layers ---------------------------------------------------------------------------------

function stats(t: Tensor): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.data[i]!;
  const mean = s / t.size;
  let v = 0;
  for (let i = 0; i < t.size; i++) v += (t.data[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / t.size) };
}

test('noise layers: identity at inference; while training the moments Keras specifies', () => {
  const n = 20000;
  const ones = new Tensor(new Float32Array(n).fill(1), [n / 10, 10]);
  const zero = new Tensor(new Float32Array(n), [n / 10, 10]);
  const all = [
    new layers.GaussianNoise(0.5),
    new layers.GaussianDropout(0.2),
    new layers.AlphaDropout(0.2),
    new layers.SpatialDropout1D(0.3),
    new layers.SpatialDropout2D(0.3),
  ];
  for (const l of all) {
    const x = l instanceof layers.SpatialDropout2D ? ones.reshape([n / 10, 1, 2, 5]) : ones.reshape([n / 10, 2, 5]);
    assert.deepEqual(Array.from(l.apply(x).data), Array.from(x.data), `${l.className} at inference`);
  }
  const gn = stats(new layers.GaussianNoise(0.5, { seed: 1 }).apply(zero, { training: true }));
  assert.ok(Math.abs(gn.mean) < 0.02 && Math.abs(gn.std - 0.5) < 0.02, `GaussianNoise ${JSON.stringify(gn)}`);
  const gd = stats(new layers.GaussianDropout(0.2, { seed: 1 }).apply(ones, { training: true }));
  assert.ok(Math.abs(gd.mean - 1) < 0.02 && Math.abs(gd.std - 0.5) < 0.02, `GaussianDropout ${JSON.stringify(gd)}`);
  // AlphaDropout keeps a standard normal's mean 0 and variance 1; each output is a*x + b or a*alpha' + b.
  const rng = new Random(9);
  const z = normal(rng, [n]).astype('float32');
  const ad = new layers.AlphaDropout(0.2, { seed: 3 }).apply(z, { training: true });
  const s = stats(ad);
  assert.ok(Math.abs(s.mean) < 0.03 && Math.abs(s.std - 1) < 0.03, `AlphaDropout ${JSON.stringify(s)}`);
  const alphaP = -1.6732632423543772 * 1.0507009873554805;
  const a = (0.8 * (1 + 0.2 * alphaP ** 2)) ** -0.5;
  const b = -a * alphaP * 0.2;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const kept = Math.abs(ad.data[i]! - (a * z.data[i]! + b)) < 1e-5;
    const drop = Math.abs(ad.data[i]! - (a * alphaP + b)) < 1e-5;
    assert.ok(kept || drop, `AlphaDropout entry ${i}`);
    if (drop && !kept) dropped++;
  }
  assert.ok(Math.abs(dropped / n - 0.2) < 0.02, `dropped fraction ${dropped / n}`);
});

test('SpatialDropout1D/2D drop whole channels (the same for every step / pixel), scaled by 1/(1-rate)', () => {
  setRandomSeed(4);
  const x = new Tensor(new Float32Array(8 * 5 * 16).fill(2), [8, 5, 16]);
  const y = new layers.SpatialDropout1D(0.5).apply(x, { training: true });
  let zeroChannels = 0;
  for (let bi = 0; bi < 8; bi++)
    for (let c = 0; c < 16; c++) {
      const first = y.data[bi * 80 + c]!;
      assert.ok(first === 0 || first === 4, `value ${first}`);
      for (let t = 1; t < 5; t++) assert.equal(y.data[bi * 80 + t * 16 + c], first, 'same for every step');
      if (first === 0) zeroChannels++;
    }
  assert.ok(zeroChannels > 20 && zeroChannels < 108, `dropped ${zeroChannels} of 128 channels`);
  const img = new Tensor(new Float32Array(4 * 3 * 3 * 8).fill(1), [4, 3, 3, 8]);
  const yi = new layers.SpatialDropout2D(0.5).apply(img, { training: true });
  for (let bi = 0; bi < 4; bi++)
    for (let c = 0; c < 8; c++)
      for (let p = 1; p < 9; p++) assert.equal(yi.data[bi * 72 + p * 8 + c], yi.data[bi * 72 + c], 'same per pixel');
  assert.throws(() => new layers.SpatialDropout1D(0.5).apply(img, { training: true }), /expects inputs of rank 3/);
  // Keras 3's SpatialDropout1D(rate, seed, name, dtype) takes no `trainable`.
  assert.deepEqual(Object.keys(new layers.SpatialDropout1D(0.5).getConfig()).sort(), ['dtype', 'name', 'rate', 'seed']);
});

test('seeded noise layers: the same seed gives the same noise whatever the global seed; training only', () => {
  const x = new Tensor(new Float32Array(64).fill(1), [4, 4, 4]);
  const draw = (make: () => layers.Layer, globalSeed: number): number[] => {
    setRandomSeed(globalSeed);
    return Array.from(make().apply(x, { training: true }).data);
  };
  for (const make of [
    () => new layers.GaussianNoise(0.3, { seed: 7 }),
    () => new layers.GaussianDropout(0.3, { seed: 7 }),
    () => new layers.AlphaDropout(0.3, { seed: 7 }),
    () => new layers.SpatialDropout1D(0.5, { seed: 7 }),
  ]) {
    const name = make().className;
    assert.deepEqual(draw(make, 1), draw(make, 2), `${name}: own generator`);
    assert.notDeepEqual(draw(make, 1), Array.from(x.data), `${name}: noise while training`);
    assert.equal(make().getConfig()['seed'], 7);
  }
  assert.notDeepEqual(
    draw(() => new layers.GaussianNoise(0.3, { seed: 7 }), 1),
    draw(() => new layers.GaussianNoise(0.3, { seed: 8 }), 1),
  );
  assert.throws(() => new layers.GaussianNoise(2), /stddev must be a number in \[0, 1\]/);
  assert.throws(() => new layers.GaussianDropout(1), /rate must be a number in \[0, 1\)/);
  assert.throws(() => new layers.AlphaDropout(0.1, { noise_shape: [1] } as never), /use `noiseShape`/);
});

// ---- TimeDistributed --------------------------------------------------------------------------------

test('TimeDistributed(Dense) and TimeDistributed(Conv2D): each step through the same layer; weights are the layer`s', () => {
  setRandomSeed(1);
  const dense = new layers.Dense(3);
  const td = new layers.TimeDistributed(dense);
  const x = normal(new Random(2), [2, 4, 5]).astype('float32');
  const y = td.apply(x);
  assert.deepEqual([...y.shape], [2, 4, 3]);
  assert.deepEqual(
    td.weights.map((w) => [...w.shape]),
    [[5, 3], [3]],
  );
  assert.deepEqual(
    td.weights.map((w) => w.name),
    [`${td.name}/kernel:0`, `${td.name}/bias:0`],
  );
  for (let t = 0; t < 4; t++) {
    const step = dense.apply(x.slice([0, t, 0], [2, 1, 5]).reshape([2, 5]));
    close(y.slice([0, t, 0], [2, 1, 3]).reshape([2, 3]), Array.from(step.data), `step ${t}`, 1e-6);
  }
  const conv = new layers.Conv2D(2, [3, 3]);
  const inp = Input({ shape: [3, 5, 5, 1] });
  const out = new layers.TimeDistributed(conv).apply(inp);
  assert.deepEqual([...out.shape], [null, 3, 3, 3, 2]);
  const video = normal(new Random(3), [2, 3, 5, 5, 1]).astype('float32');
  const model = new Model({ inputs: inp, outputs: out });
  const pred = model.predict(video);
  const frame1 = conv.apply(video.slice([0, 1, 0, 0, 0], [2, 1, 5, 5, 1]).reshape([2, 5, 5, 1]));
  close(pred.slice([0, 1, 0, 0, 0], [2, 1, 3, 3, 2]).reshape([2, 3, 3, 2]), Array.from(frame1.data), 'frame 1', 1e-6);
  assert.throws(() => new layers.TimeDistributed(new layers.Dense(2)).apply(tensor([[1, 2]])), /rank >= 3/);
});

test('TimeDistributed(BatchNormalization) while training normalises each step on its own (Keras 3 loops over steps)', () => {
  const bn = new layers.BatchNormalization({ dtype: 'float64' });
  const td = new layers.TimeDistributed(bn, { dtype: 'float64' });
  // Step 0 values 0 and 2, step 1 values 10 and 30: per-step batch statistics.
  const x = f64([0, 10, 2, 30], [2, 2, 1]);
  const y = td.apply(x, { training: true });
  const eps = 1e-3;
  close(
    y,
    [-1 / Math.sqrt(1 + eps), -10 / Math.sqrt(100 + eps), 1 / Math.sqrt(1 + eps), 10 / Math.sqrt(100 + eps)],
    'per step',
  );
});

test('TimeDistributed: mask taken and not passed on (Keras 3); config round-trips with the wrapped layer', () => {
  const td = new layers.TimeDistributed(new layers.Dense(2, { name: 'inner' }), { name: 'td' });
  assert.equal(td.computeMask(tensor([[[1]]]), tensor([[1]])), null);
  const cfg = td.getConfig();
  assert.deepEqual((cfg['layer'] as { class_name: string }).class_name, 'Dense');
  const back = deserializeLayer({ class_name: 'TimeDistributed', config: cfg }) as layers.TimeDistributed;
  assert.equal(back.layer.className, 'Dense');
  assert.equal(back.layer.name, 'inner');
  assert.throws(() => new layers.TimeDistributed(new layers.Dense(2), { foo: 1 } as never), /unknown option `foo`/);
});

// ---- configs as Keras writes them ---------------------------------------------------------------

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const k3 = (class_name: string, config: Record<string, unknown>, input_shape: (number | null)[]) => ({
  module: 'keras.layers',
  class_name,
  config: { trainable: true, dtype: policy, ...config },
  registered_name: null,
  build_config: { input_shape },
});

test('a Keras 3 Sequential config (module, DTypePolicy, build_config, a nested TimeDistributed entry) loads', () => {
  const json = JSON.stringify({
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      trainable: true,
      dtype: policy,
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: { batch_shape: [null, 4, 3], dtype: 'float32', sparse: false, name: 'input_layer' },
          registered_name: null,
        },
        k3('Masking', { name: 'masking', mask_value: 0.0 }, [null, 4, 3]),
        k3(
          'TimeDistributed',
          {
            name: 'time_distributed',
            layer: {
              module: 'keras.layers',
              class_name: 'Dense',
              config: {
                name: 'dense',
                trainable: true,
                dtype: policy,
                units: 2,
                activation: 'linear',
                use_bias: true,
                kernel_initializer: {
                  module: 'keras.initializers',
                  class_name: 'GlorotUniform',
                  config: { seed: null },
                  registered_name: null,
                },
                bias_initializer: {
                  module: 'keras.initializers',
                  class_name: 'Zeros',
                  config: {},
                  registered_name: null,
                },
                kernel_regularizer: null,
                bias_regularizer: null,
                kernel_constraint: null,
                bias_constraint: null,
              },
              registered_name: null,
              build_config: { input_shape: [null, 3] },
            },
          },
          [null, 4, 3],
        ),
        k3('LeakyReLU', { name: 'leaky_re_lu', negative_slope: 0.1 }, [null, 4, 2]),
        k3('GaussianNoise', { name: 'gaussian_noise', stddev: 0.1, seed: 5 }, [null, 4, 2]),
        k3('SpatialDropout1D', { name: 'spatial_dropout1d', rate: 0.2, seed: null }, [null, 4, 2]),
        k3('ZeroPadding1D', { name: 'zero_padding1d', padding: [1, 1], data_format: 'channels_last' }, [null, 4, 2]),
        k3('Cropping1D', { name: 'cropping1d', cropping: [0, 2] }, [null, 6, 2]),
        k3('UpSampling1D', { name: 'up_sampling1d', size: 2 }, [null, 4, 2]),
        k3('GlobalAveragePooling1D', { name: 'gap', data_format: 'channels_last', keepdims: false }, [null, 8, 2]),
        k3('RepeatVector', { name: 'repeat_vector', n: 2 }, [null, 2]),
        k3('Permute', { name: 'permute', dims: [2, 1] }, [null, 2, 2]),
        k3('Softmax', { name: 'softmax', axis: -1 }, [null, 2, 2]),
      ],
      build_input_shape: [null, 4, 3],
    },
    registered_name: null,
    build_config: { input_shape: [null, 4, 3] },
  });
  const model = modelFromJSON(json);
  assert.deepEqual(
    model.layers.map((l) => l.className),
    [
      'Masking',
      'TimeDistributed',
      'LeakyReLU',
      'GaussianNoise',
      'SpatialDropout1D',
      'ZeroPadding1D',
      'Cropping1D',
      'UpSampling1D',
      'GlobalAveragePooling1D',
      'RepeatVector',
      'Permute',
      'Softmax',
    ],
  );
  assert.equal((model.layers[2] as layers.LeakyReLU).negativeSlope, 0.1);
  assert.equal((model.layers[3] as layers.GaussianNoise).seed, 5);
  assert.deepEqual((model.layers[6] as layers.Cropping1D).cropping, [0, 2]);
  assert.deepEqual(
    [
      ...model.predict(
        tensor([
          [
            [1, 2, 3],
            [0, 0, 0],
            [1, 1, 1],
            [2, 0, 1],
          ],
        ]),
      ).shape,
    ],
    [1, 2, 2],
  );
});

test('a Keras 2 config: LeakyReLU alpha, SpatialDropout1D with noise_shape null, ZeroPadding1D without data_format', () => {
  const json = JSON.stringify({
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 3], dtype: 'float32', name: 'in' } },
        { class_name: 'LeakyReLU', config: { name: 'leaky', trainable: true, dtype: 'float32', alpha: 0.25 } },
        {
          class_name: 'SpatialDropout1D',
          config: { name: 'sd', trainable: true, dtype: 'float32', rate: 0.1, noise_shape: null, seed: null },
        },
        { class_name: 'ZeroPadding1D', config: { name: 'zp', trainable: true, dtype: 'float32', padding: [2, 0] } },
        { class_name: 'ELU', config: { name: 'elu', trainable: true, dtype: 'float32', alpha: 0.5 } },
      ],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  });
  const model = modelFromJSON(json);
  assert.equal((model.layers[0] as layers.LeakyReLU).negativeSlope, 0.25);
  assert.deepEqual((model.layers[2] as layers.ZeroPadding1D).padding, [2, 0]);
  assert.equal((model.layers[3] as layers.ELU).alpha, 0.5);
  close(
    model
      .predict(
        tensor([
          [
            [-4, 0, 4],
            [1, 1, 1],
            [0, 0, 0],
            [2, 2, 2],
          ],
        ]),
      )
      .slice([0, 2, 0], [1, 1, 3]),
    [0.5 * (Math.exp(-1) - 1), 0, 4],
    'leaky then elu',
  );
  // Saved back in Keras 2's form, LeakyReLU says alpha and ZeroPadding1D has no data_format.
  const back = JSON.parse(toJSON(model)) as {
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
  };
  const byClass = (c: string) => back.config.layers.find((l) => l.class_name === c)!.config;
  assert.equal(byClass('LeakyReLU')['alpha'], 0.25);
  assert.equal(byClass('ZeroPadding1D')['data_format'], undefined);
});
