import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/layers/conv-serialization.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import type { Layer } from '../src/layers/layer.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Conv1D } from '../src/layers/conv1d.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { AveragePooling2D } from '../src/layers/average-pooling2d.js';
import { MaxPooling1D } from '../src/layers/max-pooling1d.js';
import { AveragePooling1D } from '../src/layers/average-pooling1d.js';
import { GlobalMaxPooling2D } from '../src/layers/global-max-pooling2d.js';
import { GlobalAveragePooling2D } from '../src/layers/global-average-pooling2d.js';
import { GlobalMaxPooling1D } from '../src/layers/global-max-pooling1d.js';
import { GlobalAveragePooling1D } from '../src/layers/global-average-pooling1d.js';
import { Reshape } from '../src/layers/reshape.js';
import { BatchNormalization } from '../src/layers/batch-normalization.js';

test('configs round-trip through deserializeLayer (Keras class names and snake_case keys)', () => {
  const layers: Layer[] = [
    new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }),
    new Conv2D(8, [5, 3], { strides: [2, 1], padding: 'same', useBias: false, kernelInitializer: 'he_normal' }),
    new Conv1D(64, 5, { padding: 'causal', dilationRate: 2, activation: 'tanh' }),
    new MaxPooling2D(2),
    new AveragePooling2D({ poolSize: [3, 2], strides: 1, padding: 'same' }),
    new MaxPooling1D({ poolSize: 4 }),
    new AveragePooling1D(3, { strides: 2 }),
    new GlobalMaxPooling2D(),
    new GlobalAveragePooling2D({ keepdims: true }),
    new GlobalMaxPooling1D(),
    new GlobalAveragePooling1D(),
    new Reshape([28, 28, 1], { inputShape: [784] }),
    new BatchNormalization({ momentum: 0.9, epsilon: 1e-5, center: false, gammaInitializer: 'random_normal' }),
  ];
  for (const layer of layers) {
    const config = layer.getConfig();
    const copy = deserializeLayer({ class_name: layer.className, config });
    assert.equal(copy.className, layer.className);
    assert.deepEqual(copy.getConfig(), config);
  }
});

test('Keras 2 spellings load: BatchNormalization axis as a list, Conv2D without groups', () => {
  const bn = deserializeLayer({
    class_name: 'BatchNormalization',
    config: { name: 'bn', axis: [3], momentum: 0.99, epsilon: 0.001 },
  });
  assert.equal((bn as BatchNormalization).axis, 3);
  const conv = deserializeLayer({
    class_name: 'Conv2D',
    config: { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid' },
  });
  assert.deepEqual(conv.computeOutputShape([null, 8, 8, 1]), [null, 6, 6, 4]);
});

test('Keras options deepscript lacks are refused, not ignored', () => {
  const conv = { filters: 4, kernel_size: [3, 3] };
  assert.throws(
    () => deserializeLayer({ class_name: 'Conv2D', config: { ...conv, data_format: 'channels_first' } }),
    /channels_first/,
  );
  assert.throws(() => deserializeLayer({ class_name: 'Conv2D', config: { ...conv, groups: 2 } }), /groups/);
  // Regularizers load now; an unknown one is refused by name.
  assert.throws(
    () => deserializeLayer({ class_name: 'Conv2D', config: { ...conv, kernel_regularizer: { class_name: 'L3' } } }),
    /Unknown regularizer class \(Conv2D .*kernelRegularizer\) 'L3'; did you mean 'L1'/,
  );
  assert.throws(
    () => deserializeLayer({ class_name: 'Conv2D', config: { ...conv, kernel_sise: [3, 3] } }),
    /Conv2D.*unknown config key 'kernel_sise' \(did you mean 'kernel_size'\?\)/,
  );
  assert.throws(
    () =>
      deserializeLayer({ class_name: 'MaxPooling2D', config: { pool_size: [2, 2], data_format: 'channels_first' } }),
    /channels_first/,
  );
  assert.throws(
    () => deserializeLayer({ class_name: 'BatchNormalization', config: { renorm: true } }),
    /renormalization/,
  );
});
