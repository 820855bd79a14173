/**
 * The preprocessing layers in saved models: every layer's config round-trips in both formats
 * (.keras and legacy .h5) and predicts the same bits after loading; Normalization's adapted
 * mean / variance / count go in the weights file as Keras's three variables and come back;
 * Keras-written configs (Keras 3 keys, the __numpy__ form of Rescaling's scale) load; and two
 * end-to-end runs: RandomFlip + RandomRotation + Rescaling inside a CNN that learns, and a
 * TextVectorization adapted, saved (its config, vocabulary included) and reloaded giving the
 * same token ids into a model saved beside it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sequential, Tensor, layers, optimizers, setRandomSeed, randomUniform } from '../src/core.js';
import type { Layer } from '../src/layers/layer.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import { loadModel } from '../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'preprocessing-io-'));

const IMAGE: [number, number, number] = [6, 6, 2];

/** Each preprocessing layer after an input of IMAGE shape (or [4] for CategoryEncoding), then Flatten + Dense. */
const CASES: { name: string; make: () => Layer[]; x: () => Tensor }[] = [
  {
    name: 'Rescaling',
    make: () => [new layers.Rescaling(1 / 255, 0.5, { inputShape: IMAGE })],
    x: () => randomUniform([3, ...IMAGE], 0, 255),
  },
  {
    name: 'Rescaling per channel',
    make: () => [new layers.Rescaling([2, 3], [0, -1], { inputShape: IMAGE })],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'Normalization given',
    make: () => [new layers.Normalization({ inputShape: IMAGE, mean: [1, 2], variance: [4, 9] })],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'Resizing bilinear crop',
    make: () => [new layers.Resizing(4, 3, { inputShape: IMAGE, cropToAspectRatio: true })],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'Resizing nearest pad',
    make: () => [
      new layers.Resizing(3, 5, { inputShape: IMAGE, interpolation: 'nearest', padToAspectRatio: true, fillValue: 2 }),
    ],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'CenterCrop',
    make: () => [new layers.CenterCrop(3, 4, { inputShape: IMAGE })],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'RandomFlip + RandomContrast',
    make: () => [
      new layers.RandomFlip('vertical', { inputShape: IMAGE, seed: 3 }),
      new layers.RandomContrast([0.1, 0.3], { valueRange: [0, 1] }),
    ],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'RandomRotation + RandomTranslation + RandomZoom',
    make: () => [
      new layers.RandomRotation(0.1, { inputShape: IMAGE, fillMode: 'wrap', interpolation: 'nearest' }),
      new layers.RandomTranslation([-0.2, 0.1], 0.2, { fillMode: 'constant', fillValue: 1, seed: 2 }),
      new layers.RandomZoom(0.3, [-0.1, 0.2], { fillMode: 'nearest' }),
    ],
    x: () => randomUniform([3, ...IMAGE]),
  },
  {
    name: 'CategoryEncoding',
    make: () => [new layers.CategoryEncoding({ numTokens: 5, outputMode: 'count', inputShape: [4] })],
    x: () => new Tensor(Int32Array.from([0, 1, 1, 4, 2, 2, 2, 3, 4, 4, 0, 1]), [3, 4], 'int32'),
  },
];

function model(c: (typeof CASES)[number]): Sequential {
  const m = new Sequential([...c.make(), new layers.Flatten(), new layers.Dense(3, { activation: 'softmax' })]);
  m.compile({ loss: 'categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }) });
  return m;
}

const preprocessing = (m: Sequential): Layer[] => m.layers.slice(0, -2);

/** A layer's config without the input shape (.keras files carry it on an InputLayer instead). */
function configOf(l: Layer): [string, Record<string, unknown>] {
  const { batch_input_shape: _shape, ...config } = l.getConfig();
  return [l.className, config];
}

for (const c of CASES)
  for (const ext of ['keras', 'h5'])
    test(`${c.name} (.${ext}): config round-trips and the loaded model predicts the same bits`, async () => {
      setRandomSeed(1);
      const m = model(c);
      const x = c.x();
      const path = join(dir, `${c.name.replace(/\W+/g, '_')}.${ext}`);
      await m.save(path);
      const loaded = (await loadModel(path)) as Sequential;
      assert.deepEqual(preprocessing(loaded).map(configOf), preprocessing(m).map(configOf));
      assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(m.predict(x).data));
    });

for (const ext of ['keras', 'h5'])
  test(`Normalization adapted (.${ext}): mean, variance and count are saved as Keras's variables and loaded back`, async () => {
    const norm = new layers.Normalization({ inputShape: [3] });
    norm.adapt(new Tensor(Float32Array.from([1, 10, 100, 3, 30, 300]), [2, 3]));
    const m = new Sequential([norm, new layers.Dense(2)]);
    const path = join(dir, `normalization.${ext}`);
    await m.save(path);
    const loaded = (await loadModel(path)) as Sequential;
    const back = loaded.layers[0] as layers.Normalization;
    assert.deepEqual(Array.from(back.adaptMean!.value().data), [2, 20, 200]);
    assert.deepEqual(Array.from(back.adaptVariance!.value().data), [1, 100, 10000]);
    assert.deepEqual(
      back.weights.map((w) => w.name.split('/')[1]),
      ['mean:0', 'variance:0', 'count:0'],
    );
    const x = new Tensor(Float32Array.from([3, 30, 300]), [1, 3]);
    assert.deepEqual(Array.from(back.apply(x).data), [1, 1, 1]);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(m.predict(x).data));
  });

test('Keras 3 configs as Keras writes them load (Rescaling scale as __numpy__, factor pairs, data_format)', () => {
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const rescaling = deserializeLayer({
    class_name: 'Rescaling',
    config: {
      name: 'rescaling',
      trainable: true,
      dtype,
      scale: { class_name: '__numpy__', config: { value: [0.5, 0.25], dtype: 'float32' } },
      offset: 0.0,
    },
  }) as layers.Rescaling;
  assert.deepEqual(rescaling.scale, [0.5, 0.25]);
  const rot = deserializeLayer({
    class_name: 'RandomRotation',
    config: {
      name: 'rr',
      trainable: true,
      dtype,
      factor: [-0.2, 0.2],
      data_format: 'channels_last',
      fill_mode: 'reflect',
      fill_value: 0.0,
      interpolation: 'bilinear',
      seed: null,
    },
  }) as layers.RandomRotation;
  assert.deepEqual(rot.factor, [-0.2, 0.2]);
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'RandomFlip',
        config: { name: 'rf', mode: 'horizontal', data_format: 'channels_first' },
      }),
    /Cannot load layer 'rf' \(RandomFlip\): RandomFlip: only dataFormat 'channels_last'/,
  );
  assert.throws(
    () =>
      deserializeLayer({
        class_name: 'RandomZoom',
        config: { name: 'rz', height_factor: 0.2, bounding_box_format: 'xyxy' },
      }),
    /unknown config key 'bounding_box_format'/,
  );
});

test('end to end: RandomFlip + RandomRotation + Rescaling inside a CNN that learns; inference is deterministic', async () => {
  setRandomSeed(4);
  // Bright left half vs bright top half: a vertical flip keeps "left", rotation by <= 18 degrees keeps both.
  const n = 64;
  const data = new Float32Array(n * 8 * 8);
  const labels = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) data[i * 64 + y * 8 + x] = (cls === 0 ? x < 4 : y < 4) ? 200 + (i % 7) : 20 + (i % 5);
    labels[i * 2 + cls] = 1;
  }
  const x = new Tensor(data, [n, 8, 8, 1]);
  const y = new Tensor(labels, [n, 2]);
  const m = new Sequential([
    new layers.RandomFlip('vertical', { inputShape: [8, 8, 1], seed: 1 }),
    new layers.RandomRotation(0.05, { seed: 2 }),
    new layers.Rescaling(1 / 255),
    new Conv2D(4, 3, { activation: 'relu' }),
    new layers.Flatten(),
    new layers.Dense(2, { activation: 'softmax' }),
  ]);
  m.compile({
    loss: 'categorical_crossentropy',
    optimizer: new optimizers.Adam({ learningRate: 0.02 }),
    metrics: ['accuracy'],
  });
  const history = await m.fit(x, y, { epochs: 12, batchSize: 16, verbose: 0 });
  const loss = history.history['loss']!;
  assert.ok(loss[loss.length - 1]! < loss[0]! * 0.5, `loss ${loss[0]} -> ${loss[loss.length - 1]}`);
  const [, acc] = (await m.evaluate(x, y, { verbose: 0 })) as number[];
  assert.ok(acc! >= 0.95, `accuracy ${acc}`);
  assert.deepEqual(Array.from(m.predict(x).data), Array.from(m.predict(x).data));
  const path = join(dir, 'augmented-cnn.keras');
  await m.save(path);
  const loaded = await loadModel(path);
  assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(m.predict(x).data));
});

test('end to end: TextVectorization adapted, saved with the model it feeds and reloaded gives the same token ids', async () => {
  setRandomSeed(5);
  const texts = [
    'good movie, great fun',
    'bad plot and bad acting',
    'great acting!',
    'a bad, bad film',
    'fun and good',
  ];
  const tv = new layers.TextVectorization({ maxTokens: 20, outputSequenceLength: 6 });
  tv.adapt(texts);
  const ids = tv.apply(texts);
  const m = new Sequential([
    new layers.Embedding(20, 4, { inputShape: [6] }),
    new layers.GlobalAveragePooling1D(),
    new layers.Dense(1, { activation: 'sigmoid' }),
  ]);
  const modelPath = join(dir, 'text-model.keras');
  const vectorizerPath = join(dir, 'text-vectorizer.json');
  await m.save(modelPath);
  writeFileSync(vectorizerPath, JSON.stringify({ class_name: 'TextVectorization', config: tv.getConfig() }));

  const tv2 = deserializeLayer(JSON.parse(readFileSync(vectorizerPath, 'utf8'))) as layers.TextVectorization;
  const m2 = await loadModel(modelPath);
  const ids2 = tv2.apply(texts);
  assert.deepEqual(Array.from(ids2.data), Array.from(ids.data));
  assert.deepEqual(tv2.getVocabulary(), tv.getVocabulary());
  assert.deepEqual(Array.from(m2.predict(ids2).data), Array.from(m.predict(ids).data));
  // Unseen words map to [UNK] = 1 in both.
  assert.deepEqual(Array.from(tv2.apply(['zzz good']).data), [1, tv.getVocabulary().indexOf('good'), 0, 0, 0, 0]);
});
