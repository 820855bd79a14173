import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { strFromU8, unzipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { Sequential, Tensor, layers, setRandomSeed, utils } from '../src/core.js';
import { loadModel, modelFromJSON, saveModel } from '../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'io-keras-'));
// Fixtures stay in the source tree; the compiled test runs from dist/test (or another outDir, from the repo root).
const fixtureDirs = [
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'keras'),
  join(process.cwd(), 'test', 'fixtures', 'keras'),
];
const fixture = (name: string): string =>
  readFileSync(join(fixtureDirs.find((d) => existsSync(join(d, name))) ?? fixtureDirs[0]!, name), 'utf8');

function model(): Sequential {
  utils.clearSession();
  setRandomSeed(11);
  const m = new Sequential();
  m.add(new layers.Flatten({ inputShape: [2, 2] }));
  m.add(new layers.Dense(3, { activation: 'relu' }));
  m.add(new layers.Dropout(0.1));
  m.add(new layers.Dense(2));
  m.add(new layers.Activation('softmax'));
  return m;
}

test('.keras: zip entries, config.json and metadata.json in Keras 3 form, weights at Keras 3 paths', async () => {
  const m = model();
  m.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const x = new Tensor(
    new Float32Array(16).map((_, i) => i / 16),
    [4, 2, 2],
  );
  const y = new Tensor(new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]), [4, 2]);
  await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  const path = join(dir, 'm.keras');
  await saveModel(m, path);

  const entries = unzipSync(new Uint8Array(readFileSync(path)));
  assert.deepEqual(Object.keys(entries), ['metadata.json', 'config.json', 'model.weights.h5']);
  const meta = JSON.parse(strFromU8(entries['metadata.json']!));
  assert.deepEqual(Object.keys(meta), ['keras_version', 'date_saved']);
  assert.match(meta.keras_version, /^3\./);
  assert.match(meta.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
  const config = JSON.parse(strFromU8(entries['config.json']!));
  assert.equal(config.module, 'keras');
  assert.equal(config.class_name, 'Sequential');
  assert.deepEqual(
    config.config.layers.map((l: { class_name: string }) => l.class_name),
    ['InputLayer', 'Flatten', 'Dense', 'Dropout', 'Dense', 'Activation'],
  );
  assert.deepEqual(config.config.layers[0].config.batch_shape, [null, 2, 2]);
  const dense = config.config.layers[2];
  assert.equal(dense.module, 'keras.layers');
  assert.equal(dense.registered_name, null);
  assert.deepEqual(dense.config.dtype, {
    module: 'keras',
    class_name: 'DTypePolicy',
    config: { name: 'float32' },
    registered_name: null,
  });
  assert.equal(dense.config.kernel_initializer.module, 'keras.initializers');
  assert.equal(dense.config.batch_input_shape, undefined);
  assert.deepEqual(dense.build_config, { input_shape: [null, 4] });
  assert.equal(config.compile_config.loss, 'categorical_crossentropy');
  assert.equal(config.compile_config.optimizer.class_name, 'Adam');

  const h5path = join(dir, 'inner.h5');
  writeFileSync(h5path, entries['model.weights.h5']!);
  await h5wasm.ready;
  const f = new h5wasm.File(h5path, 'r');
  try {
    assert.deepEqual(
      f
        .paths()
        .map((p) => p.replace(/^\//, ''))
        .sort(),
      [
        'layers',
        'layers/activation',
        'layers/activation/vars',
        'layers/dense',
        'layers/dense/vars',
        'layers/dense/vars/0',
        'layers/dense/vars/1',
        'layers/dense_1',
        'layers/dense_1/vars',
        'layers/dense_1/vars/0',
        'layers/dense_1/vars/1',
        'layers/dropout',
        'layers/dropout/vars',
        'layers/flatten',
        'layers/flatten/vars',
        'optimizer',
        'optimizer/vars',
        ...Array.from({ length: 10 }, (_, i) => `optimizer/vars/${i}`),
        'vars',
      ].sort(),
    );
    assert.deepEqual((f.get('layers/dense/vars/0') as InstanceType<typeof h5wasm.Dataset>).shape, [4, 3]);
    assert.equal((f.get('optimizer/vars/0') as InstanceType<typeof h5wasm.Dataset>).value, 2n);
    assert.equal(
      (f.get('layers/dense_1/vars') as InstanceType<typeof h5wasm.Group>).attrs['name']!.value,
      m.layers[3]!.name,
    );
  } finally {
    f.close();
  }
  const loaded = await loadModel(path);
  assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(m.predict(x).data));
});

test('toJSON / modelFromJSON round-trip', () => {
  const m = model();
  const json = m.toJSON();
  const back = modelFromJSON(json);
  assert.equal(back.toJSON(), json);
  assert.equal(JSON.parse(json).keras_version.split('.')[0], '2');
});

test('loads a Keras 2 (tf.keras) config with an InputLayer entry and string dtypes', () => {
  const m = modelFromJSON(fixture('keras2-sequential.json'));
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['dense', 'dropout', 'dense_1'],
  );
  assert.deepEqual(m.outputShape, [null, 10]);
  assert.equal(m.countParams(), 784 * 512 + 512 + 512 * 10 + 10);
});

test('loads a Keras 3 config: InputLayer batch_shape, DTypePolicy dtypes, module/registered_name fields', () => {
  const m = modelFromJSON(fixture('keras3-sequential.json'));
  assert.deepEqual(
    m.layers.map((l) => l.className),
    ['Flatten', 'Dense', 'Activation'],
  );
  assert.deepEqual(m.outputShape, [null, 128]);
  assert.equal(m.countParams(), 784 * 128 + 128);
});

test('unknown layer classes, subclassed models and broken Functional configs are clear errors', () => {
  assert.throws(
    () => modelFromJSON(fixture('unknown-layer.json')),
    /Unknown layer class 'MyCustomLayer'.*can load: .*Dense/,
  );
  assert.throws(
    () => modelFromJSON('{"class_name": "MyModel", "config": {}}'),
    /Cannot load a 'MyModel' model.*subclassed/,
  );
  assert.throws(
    () => modelFromJSON('{"class_name": "Functional", "config": {}}'),
    /Functional config needs a layers list/,
  );
  assert.throws(() => modelFromJSON('not json'), /not valid JSON/);
  assert.throws(
    () =>
      modelFromJSON(
        '{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense","config":{"units":2,"kernel_regularizer":{"class_name":"Radial"}}}]}}',
      ),
    /Unknown regularizer class.*'Radial'/,
  );
});

test('a foreign or truncated .keras file is a clear error', async () => {
  const bad = join(dir, 'bad.keras');
  writeFileSync(bad, 'PK not really');
  await assert.rejects(loadModel(bad), {
    name: 'DamagedFileError',
    message: /bad\.keras'.*not a sound \.keras zip archive/,
  });
  const m = model();
  const good = join(dir, 'good.keras');
  await saveModel(m, good);
  const bytes = readFileSync(good);
  const cut = join(dir, 'cut.keras');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(loadModel(cut), { name: 'DamagedFileError', message: /cut\.keras/ });
});

test('saving and loading print nothing: HDF5 is never asked for a name that is not there', () => {
  // A child process, because HDF5 writes its error stack to the process's stderr directly.
  const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');
  const out = mkdtempSync(join(tmpdir(), 'io-quiet-'));
  const script = `
    const ds = await import(${JSON.stringify(entry)});
    const m = new ds.Sequential([new ds.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new ds.layers.Dense(2)]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(ds.randomNormal([8, 3]), ds.randomNormal([8, 2]), { epochs: 1, verbose: 0 });
    for (const f of ['m.keras', 'm.h5']) { await m.save(${JSON.stringify(out)} + '/' + f); await ds.loadModel(${JSON.stringify(out)} + '/' + f); }
    console.log('saved and loaded');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DEEPSCRIPT_BACKEND: 'js' },
    encoding: 'utf8',
  });
  assert.equal(r.stdout.trim(), 'saved and loaded', r.stderr);
  assert.equal(r.stderr, '');
});
