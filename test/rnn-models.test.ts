/** The lecture's text models: Keras's summary tables (shapes and parameter counts) for Reuters and IMDB. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation } from '../src/layers/activation.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Embedding } from '../src/layers/embedding.js';
import type { Layer } from '../src/layers/layer.js';
import { LSTM } from '../src/layers/lstm.js';
import { Sequential } from '../src/models/sequential.js';
import { clearSession } from '../src/utils/naming.js';

function summaryOf(model: Sequential): string[] {
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  return lines;
}

/** Layer rows of the table as [name (type), shape, params]; continuation lines of wrapped names are dropped. */
function rows(lines: string[]): string[][] {
  const start = lines.findIndex((l) => l.startsWith('='));
  const end = lines.lastIndexOf(lines.find((l, i) => i > start && l.startsWith('='))!);
  return lines
    .slice(start + 1, end)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/))
    .filter((r) => r.length === 3);
}

test("Reuters: Embedding(1000, 100) -> LSTM(100, tanh) -> Dense(46, softmax), as Keras's summary", () => {
  clearSession();
  const model = new Sequential([
    new Embedding(1000, 100, { inputLength: 100 }),
    new LSTM(100, { activation: 'tanh' }),
    new Dense(46, { activation: 'softmax' }),
  ]);
  const lines = summaryOf(model);
  assert.deepEqual(rows(lines), [
    ['embedding (Embedding)', '(None, 100, 100)', '100000'],
    ['lstm (LSTM)', '(None, 100)', '80400'],
    ['dense (Dense)', '(None, 46)', '4646'],
  ]);
  assert.ok(lines.includes('Total params: 185,046'));
  assert.ok(lines.includes('Trainable params: 185,046'));
});

test('IMDB: Embedding(5000,100) -> Dropout -> Conv1D(64,5,relu) -> MaxPooling1D(4) -> LSTM(55) -> Dense(1) -> sigmoid', async (t) => {
  // Conv1D and MaxPooling1D come from another change; the test runs once they exist.
  let conv: Record<string, unknown>;
  let pool: Record<string, unknown>;
  try {
    const convPath = '../src/layers/conv1d.js';
    const poolPath = '../src/layers/max-pooling1d.js';
    conv = (await import(convPath)) as Record<string, unknown>;
    pool = (await import(poolPath)) as Record<string, unknown>;
  } catch {
    t.skip('src/layers/conv1d.ts or max-pooling1d.ts not there yet');
    return;
  }
  clearSession();
  const Conv1D = conv['Conv1D'] as new (filters: number, kernelSize: number, args: object) => Layer;
  const MaxPooling1D = pool['MaxPooling1D'] as new (poolSize: number) => Layer;
  const model = new Sequential([
    new Embedding(5000, 100, { inputLength: 400 }),
    new Dropout(0.5),
    new Conv1D(64, 5, { activation: 'relu' }),
    new MaxPooling1D(4),
    new LSTM(55),
    new Dense(1),
    new Activation('sigmoid'),
  ]);
  const lines = summaryOf(model);
  assert.deepEqual(
    rows(lines).map((r) => r[2]),
    ['500000', '0', '32064', '0', '26400', '56', '0'],
  );
  assert.deepEqual(
    rows(lines).map((r) => r[1]),
    [
      '(None, 400, 100)',
      '(None, 400, 100)',
      '(None, 396, 64)',
      '(None, 99, 64)',
      '(None, 55)',
      '(None, 1)',
      '(None, 1)',
    ],
  );
  assert.ok(
    lines.includes(' max_pooling1d (MaxPooling1  (None, 99, 64)            0         '),
    'Keras 2 wraps the long name',
  );
  assert.ok(lines.includes('Total params: 558,520'));
});
