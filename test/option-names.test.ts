import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layers } from '../src/index.js';
import { checkOptionNames, nearestName } from '../src/utils/option-names.js';

test('a misspelled layer option is refused, naming the nearest valid one', () => {
  assert.throws(
    () => new layers.Dense(8, { activaton: 'relu' } as never),
    /Dense: unknown option `activaton`; did you mean `activation`\?/,
  );
  assert.throws(
    () => new layers.Dense(8, { use_bias: false } as never),
    /`use_bias` is Keras's Python spelling; use `useBias`/,
  );
  assert.equal(new layers.Dense(8, { activation: 'relu', useBias: false }).useBias, false);
});

test('checkOptionNames: unsupported Keras keys, non-object options', () => {
  assert.throws(
    () => checkOptionNames('f', { subgraph: 1 }, ['a'], { subgraph: '' }),
    /Keras's `subgraph` option is not supported\./,
  );
  assert.throws(() => checkOptionNames('f', [] as never, ['a']), /f: options must be an object, got an array/);
  assert.doesNotThrow(() => checkOptionNames('f', undefined, ['a']));
  assert.equal(nearestName('kernelInitialiser', ['biasInitializer', 'kernelInitializer']), 'kernelInitializer');
});
