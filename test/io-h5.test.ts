import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import h5wasm from 'h5wasm/node';
import { Sequential, Tensor, layers, setRandomSeed, utils } from '../src/core.js';
import type { Model } from '../src/core.js';
import { loadModel, loadWeights, saveModel } from '../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'io-h5-'));

/** Every layer type deepscript has, in one small model. */
function allLayersModel(): Sequential {
  const m = new Sequential();
  m.add(layers.Input({ shape: [2, 3] }));
  m.add(new layers.Flatten());
  m.add(new layers.Dense(5, { activation: 'relu' }));
  m.add(new layers.Dropout(0.25));
  m.add(new layers.Dense(4));
  m.add(new layers.Activation('softmax'));
  return m;
}

function data(n: number, seed: number): [Tensor, Tensor] {
  setRandomSeed(seed);
  const x = randomTensor([n, 2, 3]);
  const y = new Tensor(new Float32Array(n * 4), [n, 4]);
  for (let i = 0; i < n; i++) y.data[i * 4 + (i % 4)] = 1;
  return [x, y];
}

function randomTensor(shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(size);
  let s = 12345;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = s / 2147483648;
  }
  return new Tensor(d, shape);
}

const bits = (t: Tensor): number[] => Array.from(new Uint32Array(new Float32Array(t.data).buffer));

test('.h5 save then load predicts bit-for-bit the same, for every layer type', async () => {
  setRandomSeed(1);
  const m = allLayersModel();
  m.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const [x, y] = data(16, 2);
  await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
  const path = join(dir, 'sub', 'model.h5');
  await saveModel(m, path);
  const loaded = await loadModel(path);
  assert.deepEqual(bits(loaded.predict(x)), bits(m.predict(x)));
  assert.deepEqual(
    loaded.layers.map((l) => l.className),
    ['Flatten', 'Dense', 'Dropout', 'Dense', 'Activation'],
  );
  assert.equal(loaded.optimizer!.iterations, m.optimizer!.iterations);
});

test("the .h5 file has Keras's legacy layout: attributes, groups and dataset names", async () => {
  setRandomSeed(3);
  utils.clearSession();
  const m = new Sequential();
  m.add(new layers.Dense(3, { inputDim: 4, activation: 'relu' }));
  m.add(new layers.Dropout(0.5));
  m.add(new layers.Dense(2, { activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const x = randomTensor([8, 4]);
  const y = new Tensor(
    new Float32Array(16).map((_, i) => (i % 2 === 0 ? 1 : 0)),
    [8, 2],
  );
  await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  const path = join(dir, 'layout.h5');
  await saveModel(m, path);

  await h5wasm.ready;
  const f = new h5wasm.File(path, 'r');
  try {
    assert.deepEqual(Object.keys(f.attrs).sort(), ['backend', 'keras_version', 'model_config', 'training_config']);
    assert.equal(f.attrs['backend']!.value, 'tensorflow');
    assert.match(String(f.attrs['keras_version']!.value), /^2\./);
    const mc = JSON.parse(String(f.attrs['model_config']!.value));
    assert.equal(mc.class_name, 'Sequential');
    assert.deepEqual(
      mc.config.layers.map((l: { class_name: string }) => l.class_name),
      ['Dense', 'Dropout', 'Dense'],
    );
    assert.deepEqual(mc.config.layers[0].config.batch_input_shape, [null, 4]);
    assert.equal(mc.config.layers[0].config.units, 3);
    const tc = JSON.parse(String(f.attrs['training_config']!.value));
    assert.equal(tc.loss, 'categorical_crossentropy');
    assert.deepEqual(tc.metrics, ['accuracy']);
    assert.deepEqual(tc.optimizer_config.class_name, 'Adam');
    assert.equal(tc.optimizer_config.config.learning_rate, 0.001);
    assert.deepEqual(f.keys().sort(), ['model_weights', 'optimizer_weights']);

    const mw = f.get('model_weights') as InstanceType<typeof h5wasm.Group>;
    assert.deepEqual(Object.keys(mw.attrs).sort(), ['backend', 'keras_version', 'layer_names']);
    assert.deepEqual(mw.attrs['layer_names']!.value, ['dense', 'dropout', 'dense_1']);
    assert.deepEqual(mw.keys().sort(), ['dense', 'dense_1', 'dropout', 'top_level_model_weights']);
    const wn = (g: string): unknown => {
      const v = (mw.get(g) as InstanceType<typeof h5wasm.Group>).attrs['weight_names']!.value;
      return ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v;
    };
    assert.deepEqual(wn('dense'), ['dense/kernel:0', 'dense/bias:0']);
    assert.deepEqual(wn('dense_1'), ['dense_1/kernel:0', 'dense_1/bias:0']);
    assert.deepEqual(wn('dropout'), []);
    assert.deepEqual(wn('top_level_model_weights'), []);
    const kernel = f.get('model_weights/dense/dense/kernel:0') as InstanceType<typeof h5wasm.Dataset>;
    assert.deepEqual(kernel.shape, [4, 3]);
    assert.equal(kernel.dtype, '<f');
    assert.deepEqual(Array.from(kernel.value as Float32Array), Array.from(m.layers[0]!.weights[0]!.data));
    assert.deepEqual((f.get('model_weights/dense_1/dense_1/bias:0') as InstanceType<typeof h5wasm.Dataset>).shape, [2]);

    const ow = f.get('optimizer_weights') as InstanceType<typeof h5wasm.Group>;
    const names = ow.attrs['weight_names']!.value;
    assert.deepEqual(names, [
      'Adam/iter:0',
      'Adam/dense/kernel/m:0',
      'Adam/dense/bias/m:0',
      'Adam/dense_1/kernel/m:0',
      'Adam/dense_1/bias/m:0',
      'Adam/dense/kernel/v:0',
      'Adam/dense/bias/v:0',
      'Adam/dense_1/kernel/v:0',
      'Adam/dense_1/bias/v:0',
    ]);
    const iter = ow.get('Adam/iter:0') as InstanceType<typeof h5wasm.Dataset>;
    assert.deepEqual(iter.shape, []);
    assert.equal(iter.dtype, '<q');
    assert.equal(iter.value, 2n);
    assert.deepEqual((ow.get('Adam/dense/kernel/m:0') as InstanceType<typeof h5wasm.Dataset>).shape, [4, 3]);
  } finally {
    f.close();
  }
});

test('loadWeights reads a full .h5 model file and a weights-only file', async () => {
  setRandomSeed(4);
  const a = allLayersModel();
  const path = join(dir, 'w.h5');
  await a.save(path);
  setRandomSeed(5);
  const b = allLayersModel();
  await b.loadWeights(path);
  const x = randomTensor([3, 2, 3]);
  assert.deepEqual(bits(b.predict(x)), bits(a.predict(x)));
  const wpath = join(dir, 'only.weights.h5');
  const legacy = join(dir, 'only-legacy.hdf5');
  await a.saveWeights(wpath);
  await a.saveWeights(legacy);
  for (const p of [wpath, legacy]) {
    setRandomSeed(6);
    const c = allLayersModel();
    await loadWeights(c, p);
    assert.deepEqual(bits(c.predict(x)), bits(a.predict(x)));
  }
});

test('clear errors: truncated file, foreign file, missing file, mis-shaped weights, unknown layer', async () => {
  setRandomSeed(7);
  const m = allLayersModel();
  const path = join(dir, 'good.h5');
  await saveModel(m, path);
  const bytes = readFileSync(path);
  const cut = join(dir, 'cut.h5');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(loadModel(cut), { name: 'DamagedFileError', message: /cut\.h5': it is truncated/ });
  const foreign = join(dir, 'foreign.h5');
  writeFileSync(foreign, 'this is not hdf5 at all');
  await assert.rejects(loadModel(foreign), {
    name: 'DamagedFileError',
    message: /foreign\.h5': it is not an HDF5 file/,
  });
  await assert.rejects(loadModel(join(dir, 'nope.h5')), /No such file/);
  await assert.rejects(loadModel(join(dir, 'x.pt')), /cannot tell the format/);

  const other = new Sequential();
  other.add(layers.Input({ shape: [2, 3] }));
  other.add(new layers.Flatten());
  other.add(new layers.Dense(6, { activation: 'relu' }));
  other.add(new layers.Dense(4));
  await assert.rejects(
    other.loadWeights(path),
    /weight 'dense(_\d+)?\/kernel:0' of layer 'dense(_\d+)?' has shape \[6, 5\].*expects \[6, 6\]/,
  );

  const fewer = new Sequential();
  fewer.add(new layers.Dense(4, { inputDim: 6 }));
  await assert.rejects(fewer.loadWeights(path), /weights for 2 layers.*the model has 1 layers with weights/);
});

test('model.save is attached to Model by the io module', () => {
  const proto = Object.getPrototypeOf(Sequential.prototype) as Model;
  assert.equal(typeof proto.save, 'function');
});
