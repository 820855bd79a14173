import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Input,
  Model,
  Sequential,
  Tensor,
  layers,
  optimizers,
  setRandomSeed,
  randomNormal,
  randomUniform,
} from '../src/core.js';
import type { Layer } from '../src/layers/layer.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Conv1D } from '../src/layers/conv1d.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { MaxPooling1D } from '../src/layers/max-pooling1d.js';
import { AveragePooling2D } from '../src/layers/average-pooling2d.js';
import { AveragePooling1D } from '../src/layers/average-pooling1d.js';
import { GlobalMaxPooling2D } from '../src/layers/global-max-pooling2d.js';
import { GlobalAveragePooling2D } from '../src/layers/global-average-pooling2d.js';
import { GlobalMaxPooling1D } from '../src/layers/global-max-pooling1d.js';
import { GlobalAveragePooling1D } from '../src/layers/global-average-pooling1d.js';
import { Reshape } from '../src/layers/reshape.js';
import { BatchNormalization } from '../src/layers/batch-normalization.js';
import { loadModel } from '../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'io-every-layer-'));

/** Each layer type inside a small model that ends in Dense(3), with inputs that fit it. */
const CASES: { name: string; layers: () => Layer[]; x: () => Tensor }[] = [
  {
    name: 'Dense + Activation',
    layers: () => [new layers.Dense(4, { inputShape: [5], activation: 'tanh' }), new layers.Activation('relu')],
    x: () => randomNormal([6, 5]),
  },
  {
    name: 'Dropout + Flatten',
    layers: () => [new layers.Flatten({ inputShape: [2, 3] }), new layers.Dropout(0.3)],
    x: () => randomNormal([6, 2, 3]),
  },
  {
    name: 'Conv2D + MaxPooling2D',
    layers: () => [
      new Conv2D(3, [3, 3], { inputShape: [6, 6, 2], activation: 'relu' }),
      new MaxPooling2D(2),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 6, 6, 2]),
  },
  {
    name: "Conv2D 'same' + AveragePooling2D",
    layers: () => [
      new Conv2D(2, [2, 2], { inputShape: [5, 5, 1], padding: 'same' }),
      new AveragePooling2D(2),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 5, 5, 1]),
  },
  {
    name: 'Conv2D + Conv2DTranspose (same, strides 2, outputPadding) + DepthwiseConv2D + SeparableConv2D',
    layers: () => [
      new Conv2D(3, [3, 3], { inputShape: [5, 5, 2], strides: 2, padding: 'same', activation: 'relu' }),
      new layers.Conv2DTranspose(4, 3, { strides: 2, padding: 'same', outputPadding: [0, 1], activation: 'relu' }),
      new layers.DepthwiseConv2D(3, { depthMultiplier: 2, dilationRate: 2, activation: 'tanh' }),
      new layers.SeparableConv2D(2, [2, 1], { depthMultiplier: 3, padding: 'same', strides: 2, useBias: false }),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 5, 5, 2]),
  },
  {
    name: 'Conv1DTranspose (valid, strides 3) + SeparableConv1D + DepthwiseConv1D',
    layers: () => [
      new layers.Conv1DTranspose(3, 2, { inputShape: [4, 2], strides: 3, activation: 'relu' }),
      new layers.SeparableConv1D(4, 3, { activation: 'sigmoid', pointwiseInitializer: 'he_normal' }),
      new layers.DepthwiseConv1D(2, { padding: 'same', useBias: false }),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 4, 2]),
  },
  {
    name: 'GlobalMaxPooling2D',
    layers: () => [new Conv2D(2, [3, 3], { inputShape: [5, 5, 1] }), new GlobalMaxPooling2D()],
    x: () => randomNormal([4, 5, 5, 1]),
  },
  {
    name: 'GlobalAveragePooling2D',
    layers: () => [new Conv2D(2, [3, 3], { inputShape: [5, 5, 1] }), new GlobalAveragePooling2D()],
    x: () => randomNormal([4, 5, 5, 1]),
  },
  {
    name: 'Conv1D + MaxPooling1D',
    layers: () => [
      new Conv1D(3, 3, { inputShape: [9, 2], activation: 'relu' }),
      new MaxPooling1D(2),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 9, 2]),
  },
  {
    name: 'AveragePooling1D + GlobalMaxPooling1D',
    layers: () => [new AveragePooling1D(2, { inputShape: [8, 3] }), new GlobalMaxPooling1D()],
    x: () => randomNormal([4, 8, 3]),
  },
  {
    name: 'GlobalAveragePooling1D',
    layers: () => [new Conv1D(2, 2, { inputShape: [6, 2] }), new GlobalAveragePooling1D()],
    x: () => randomNormal([4, 6, 2]),
  },
  {
    name: 'Reshape',
    layers: () => [new Reshape([3, 4], { inputShape: [12] }), new layers.Flatten()],
    x: () => randomNormal([4, 12]),
  },
  {
    name: 'BatchNormalization',
    layers: () => [new layers.Dense(4, { inputShape: [3] }), new BatchNormalization()],
    x: () => randomNormal([8, 3]),
  },
  {
    name: 'LayerNormalization (last axis, and axes [1, 2] with rmsScaling)',
    layers: () => [
      new layers.LayerNormalization({ inputShape: [3, 4], epsilon: 1e-2 }),
      new layers.LayerNormalization({ axis: [1, 2], rmsScaling: true }),
      new layers.Flatten(),
    ],
    x: () => randomNormal([5, 3, 4]),
  },
  {
    name: 'GroupNormalization + UnitNormalization',
    layers: () => [
      new Conv1D(4, 2, { inputShape: [6, 2] }),
      new layers.GroupNormalization({ groups: 2, center: false }),
      new layers.UnitNormalization({ axis: [1, 2] }),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 6, 2]),
  },
  {
    name: 'Embedding + LSTM',
    layers: () => [new layers.Embedding(7, 4, { inputShape: [5] }), new layers.LSTM(3)],
    x: () => randomUniform([4, 5], 0, 7).astype('int32').astype('float32'),
  },
  {
    name: 'GRU (returnSequences) + SimpleRNN',
    layers: () => [new layers.GRU(3, { inputShape: [4, 2], returnSequences: true }), new layers.SimpleRNN(2)],
    x: () => randomNormal([4, 4, 2]),
  },
  {
    name: 'Bidirectional(LSTM)',
    layers: () => [new layers.Bidirectional(new layers.LSTM(2), { inputShape: [4, 3] } as never)],
    x: () => randomNormal([4, 4, 3]),
  },
  {
    name: 'ReLU (all options) + LeakyReLU + ELU',
    layers: () => [
      new layers.Dense(4, { inputShape: [5] }),
      new layers.ReLU({ maxValue: 1.5, negativeSlope: 0.1, threshold: 0.2 }),
      new layers.LeakyReLU({ negativeSlope: 0.2 }),
      new layers.ELU({ alpha: 0.5 }),
    ],
    x: () => randomNormal([6, 5]),
  },
  {
    name: 'PReLU + Softmax(axis 1)',
    layers: () => [
      new layers.Dense(4, { inputShape: [5] }),
      new layers.PReLU({ alphaInitializer: { class_name: 'Constant', config: { value: 0.25 } } }),
      new layers.Softmax({ axis: 1 }),
    ],
    x: () => randomNormal([6, 5]),
  },
  {
    name: 'Conv2D + PReLU(sharedAxes) + SpatialDropout2D + UpSampling2D bilinear + Cropping2D',
    layers: () => [
      new layers.ZeroPadding2D(1, { inputShape: [4, 4, 1] }),
      new Conv2D(2, [3, 3]),
      new layers.PReLU({ sharedAxes: [1, 2] }),
      new layers.SpatialDropout2D(0.3),
      new layers.UpSampling2D([2, 1], { interpolation: 'bilinear' }),
      new layers.Cropping2D([
        [1, 2],
        [0, 1],
      ]),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 4, 4, 1]),
  },
  {
    name: 'SpatialDropout1D + ZeroPadding1D + Cropping1D + UpSampling1D',
    layers: () => [
      new layers.SpatialDropout1D(0.3, { inputShape: [6, 2] }),
      new layers.ZeroPadding1D([2, 1]),
      new layers.Cropping1D([1, 2]),
      new layers.UpSampling1D(2),
      new Conv1D(2, 3),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 6, 2]),
  },
  {
    name: 'GaussianNoise + GaussianDropout + AlphaDropout',
    layers: () => [
      new layers.Dense(4, { inputShape: [5] }),
      new layers.GaussianNoise(0.3),
      new layers.GaussianDropout(0.2),
      new layers.AlphaDropout(0.1),
    ],
    x: () => randomNormal([6, 5]),
  },
  {
    name: 'RepeatVector + TimeDistributed(Dense) + Permute',
    layers: () => [
      new layers.Dense(3, { inputShape: [4] }),
      new layers.RepeatVector(2),
      new layers.TimeDistributed(new layers.Dense(5, { activation: 'tanh' })),
      new layers.Permute([2, 1]),
      new layers.Flatten(),
    ],
    x: () => randomNormal([6, 4]),
  },
  {
    name: 'TimeDistributed(Conv2D)',
    layers: () => [
      new layers.TimeDistributed(new Conv2D(2, [3, 3], { activation: 'relu' }), { inputShape: [2, 4, 4, 1] }),
      new layers.Flatten(),
    ],
    x: () => randomNormal([4, 2, 4, 4, 1]),
  },
  {
    name: 'Masking + LSTM(returnSequences) + GlobalAveragePooling1D',
    layers: () => [
      new layers.Masking({ inputShape: [5, 3] }),
      new layers.LSTM(3, { returnSequences: true }),
      new GlobalAveragePooling1D(),
    ],
    x: () => {
      const t = randomNormal([4, 5, 3]);
      for (const [b, step] of [
        [0, 0],
        [1, 3],
        [1, 4],
        [2, 2],
      ] as const)
        t.data.fill(0, (b * 5 + step) * 3, (b * 5 + step + 1) * 3);
      return t;
    },
  },
  {
    name: 'Embedding(maskZero) + GlobalAveragePooling1D (masked mean)',
    layers: () => [new layers.Embedding(7, 4, { inputShape: [5], maskZero: true }), new GlobalAveragePooling1D()],
    x: () => {
      const t = randomUniform([4, 5], 0, 7).astype('int32').astype('float32');
      for (let i = 0; i < 4; i++) t.data[i * 5] = 1 + i;
      return t;
    },
  },
];

function build(c: (typeof CASES)[number]): Sequential {
  const m = new Sequential([...c.layers(), new layers.Dense(3, { activation: 'softmax' })]);
  m.compile({ loss: 'categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }) });
  return m;
}

function target(n: number): Tensor {
  const y = new Tensor(new Float32Array(n * 3), [n, 3]);
  for (let i = 0; i < n; i++) y.data[i * 3 + (i % 3)] = 1;
  return y;
}

for (const c of CASES) {
  for (const ext of ['h5', 'keras']) {
    test(`${c.name} (.${ext}): loads predicting the same bits, and resumes training exactly`, async () => {
      setRandomSeed(3);
      const model = build(c);
      const x = c.x();
      const y = target(x.shape[0]!);
      for (let i = 0; i < 2; i++) model.trainOnBatch(x, y);
      const path = join(dir, `${c.name.replace(/\W+/g, '_')}.${ext}`);
      await model.save(path);
      const loaded = await loadModel(path);
      assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data));
      // Continue both; dropout draws from the same reseeded stream in each.
      const continued: number[][] = [];
      for (const m of [model, loaded]) {
        setRandomSeed(11);
        continued.push([0, 1, 2].map(() => m.trainOnBatch(x, y)[0]!));
      }
      assert.deepEqual(continued[1], continued[0]);
    });
  }
}

/**
 * The same layers inside a Functional graph: the chain, then a branch joined back by Concatenate
 * (a second call path through the graph), as Keras would write it in both formats.
 */
function buildFunctional(c: (typeof CASES)[number]): Model {
  const chain = c.layers();
  const shape = chain[0]!.batchInputShape!;
  const x = Input({ batchShape: shape });
  let h = x;
  for (const l of chain) h = l.apply(h);
  const joined = layers.concatenate([h, new layers.Dense(2, { activation: 'tanh' }).apply(h)]);
  const m = new Model({ inputs: x, outputs: new layers.Dense(3, { activation: 'softmax' }).apply(joined) });
  m.compile({ loss: 'categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }) });
  return m;
}

for (const c of CASES) {
  for (const ext of ['h5', 'keras']) {
    test(`Functional: ${c.name} (.${ext}): loads predicting the same bits, and resumes training exactly`, async () => {
      setRandomSeed(3);
      const model = buildFunctional(c);
      const x = c.x();
      const y = target(x.shape[0]!);
      for (let i = 0; i < 2; i++) model.trainOnBatch(x, y);
      const path = join(dir, `functional_${c.name.replace(/\W+/g, '_')}.${ext}`);
      await model.save(path);
      const loaded = await loadModel(path);
      assert.equal(loaded.className, 'Functional');
      assert.deepEqual(
        loaded.layers.map((l) => `${l.name}:${l.className}`),
        model.layers.map((l) => `${l.name}:${l.className}`),
      );
      assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data));
      const continued: number[][] = [];
      for (const m of [model, loaded]) {
        setRandomSeed(11);
        continued.push([0, 1, 2].map(() => m.trainOnBatch(x, y)[0]!));
      }
      assert.deepEqual(continued[1], continued[0]);
    });
  }
}

/**
 * The attention layers inside Functional graphs: MultiHeadAttention called as Keras calls it
 * (query, value=..., key=...), self-attention with a causal mask, and Attention / AdditiveAttention
 * on [query, value] lists; saved and loaded in both formats.
 */
const ATTENTION_CASES: { name: string; build: () => Model; x: () => Tensor }[] = [
  {
    name: 'MultiHeadAttention (cross, key given, outputShape) + Attention',
    build: () => {
      const x = Input({ shape: [5, 4] });
      const h = new layers.Dense(6).apply(x);
      const a = new layers.MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputShape: [5] }).apply(x, {
        value: h,
        key: x,
      });
      const b = new layers.MultiHeadAttention({ numHeads: 1, keyDim: 2, useBias: false }).apply(h, {
        value: h,
        useCausalMask: true,
      });
      const c = new layers.Attention({ useScale: true }).apply([a, a]);
      const d = new layers.AdditiveAttention().apply([b, h]);
      const m = new layers.GlobalAveragePooling1D().apply(layers.concatenate([c, d]));
      return new Model({ inputs: x, outputs: new layers.Dense(3, { activation: 'softmax' }).apply(m) });
    },
    x: () => randomNormal([4, 5, 4]),
  },
];

for (const c of ATTENTION_CASES) {
  for (const ext of ['h5', 'keras']) {
    test(`Functional: ${c.name} (.${ext}): loads predicting the same bits, and resumes training exactly`, async () => {
      setRandomSeed(5);
      const model = c.build();
      model.compile({ loss: 'categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }) });
      const x = c.x();
      const y = target(x.shape[0]!);
      for (let i = 0; i < 2; i++) model.trainOnBatch(x, y);
      const path = join(dir, `attention_${c.name.replace(/\W+/g, '_')}.${ext}`);
      await model.save(path);
      const loaded = await loadModel(path);
      assert.deepEqual(
        loaded.layers.map((l) => `${l.name}:${l.className}`),
        model.layers.map((l) => `${l.name}:${l.className}`),
      );
      assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data));
      const continued: number[][] = [];
      for (const m of [model, loaded]) {
        setRandomSeed(11);
        continued.push([0, 1, 2].map(() => m.trainOnBatch(x, y)[0]!));
      }
      assert.deepEqual(continued[1], continued[0]);
    });
  }
}
