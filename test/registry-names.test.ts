// Issue #15 item 3: names that come from data (a model file, compile(), a config) resolve only
// to a registry's own entries, never to what every object inherits from Object.prototype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/ops/tensor-methods.js';
import { getActivation } from '../src/layers/activations.js';
import { getLoss } from '../src/losses/losses.js';
import { getMetric } from '../src/metrics/registry.js';
import { getOptimizer } from '../src/optimizers/get-optimizer.js';
import { getInitializer } from '../src/layers/initializers.js';
import { deserializeLayer } from '../src/layers/serialization.js';
import { deserializeOptimizer } from '../src/io/optimizer-config.js';
import { modelFromJSON, toJSON } from '../src/io/model-config.js';
import { Sequential } from '../src/models/sequential.js';
import { Dense } from '../src/layers/dense.js';
import { EarlyStopping } from '../src/callbacks/early-stopping.js';
import { randomNormal } from '../src/ops/creation.js';

const INHERITED = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__proto__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
];

test('activations, losses, metrics, optimizers, initializers, layers: inherited names are unknown', () => {
  for (const name of INHERITED) {
    assert.throws(() => getActivation(name), /Unknown activation/, `activation ${name}`);
    assert.throws(() => getLoss(name), /Unknown loss/, `loss ${name}`);
    assert.throws(() => getMetric(name), /Unknown metric/, `metric ${name}`);
    assert.throws(() => getOptimizer(name), /Unknown optimizer/, `optimizer ${name}`);
    assert.throws(() => getInitializer(name), /Unknown initializer/, `initializer ${name}`);
    assert.throws(() => getInitializer({ class_name: name }), /Unknown initializer/, `initializer class ${name}`);
    assert.throws(() => deserializeLayer({ class_name: name, config: {} }), /Unknown layer class/, `layer ${name}`);
    assert.throws(() => deserializeOptimizer({ class_name: name, config: {} }), /Unknown optimizer/, `opt ${name}`);
  }
  // The real names still resolve.
  assert.equal(getActivation('relu').name, 'relu');
  assert.equal(getLoss('mse').name, 'mean_squared_error');
  assert.equal(getMetric('categorical_accuracy').name, 'categorical_accuracy');
  assert.equal(getInitializer('GlorotUniform').className, 'GlorotUniform');
});

test('compile() refuses inherited loss and metric names', () => {
  const model = new Sequential([new Dense(2, { inputShape: [3] })]);
  assert.throws(() => model.compile({ loss: 'toString', optimizer: 'sgd' }), /Unknown loss 'toString'/);
  assert.throws(
    () => model.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['constructor'] }),
    /Unknown metric 'constructor'/,
  );
});

test('a model file with "activation": "constructor" or "hasOwnProperty" is refused, naming the layer', () => {
  const model = new Sequential([new Dense(2, { inputShape: [3], name: 'd0' })]);
  const json = toJSON(model);
  for (const name of ['constructor', 'hasOwnProperty']) {
    const bad = json.replace('"activation":"linear"', `"activation":"${name}"`);
    assert.notEqual(bad, json);
    assert.throws(() => modelFromJSON(bad), new RegExp(`layer 'd0' \\(Dense\\).*Unknown activation '${name}'`));
  }
  // Sanity: the untouched config loads and predicts numbers.
  const y = modelFromJSON(json).predict(randomNormal([1, 3]));
  assert.equal(y.shape.join(), '1,2');
});

test('EarlyStopping monitoring an inherited name sees no such metric', () => {
  const es = new EarlyStopping({ monitor: 'constructor' });
  es.setModel({ stopTraining: false, summary: () => {} });
  es.onTrainBegin();
  // An inherited Object.prototype.constructor must not be taken for the metric's value.
  const printed: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => printed.push(s) > 0) as typeof process.stdout.write;
  try {
    es.onEpochEnd(0, { loss: 1 });
  } finally {
    process.stdout.write = write;
  }
  assert.match(printed.join(''), /metric `constructor` which is not available/);
  assert.equal(es.model!.stopTraining, false);
});
