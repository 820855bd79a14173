import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../src/core/tensor.js';
import { padSequences } from '../src/preprocessing/sequence.js';
import { readSequenceData, writeSequenceData } from '../bench/sequence-export.js';
import type { SequenceData } from '../bench/workloads/sequence-data.js';

function sample(): SequenceData {
  // Ragged sequences as a loader returns them, padded the way the workloads pad them.
  const train = [[5, 3, 9], [1], [7, 7, 7, 7, 7, 2], []];
  const test = [
    [4, 8],
    [6, 6, 6],
  ];
  return {
    xTrain: padSequences(train, { maxlen: 4 }),
    yTrain: new Tensor(new Int32Array([2, 0, 1, 2]), [4]),
    xTest: padSequences(test, { maxlen: 4 }),
    yTest: new Tensor(new Int32Array([1, 0]), [2]),
    numWords: 10,
    maxlen: 4,
    classes: 3,
  };
}

test('writeSequenceData / readSequenceData round-trip padded ids, labels and meta', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seq-export-test-'));
  try {
    const d = sample();
    const meta = writeSequenceData(join(dir, 'out'), 'toy', d);
    assert.deepEqual(meta, { workload: 'toy', numWords: 10, maxlen: 4, classes: 3, train: 4, test: 2 });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out', 'meta.json'), 'utf8')), meta);
    const back = readSequenceData(join(dir, 'out'));
    assert.deepEqual(back.meta, meta);
    for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) {
      assert.equal(back.data[k].dtype, 'int32', k);
      assert.deepEqual(back.data[k].shape, d[k].shape, k);
      assert.deepEqual(Array.from(back.data[k].data), Array.from(d[k].data), k);
    }
    // Pre-padding and pre-truncation survive the trip ([7,7,7,7,7,2] -> its last four).
    assert.deepEqual(Array.from(back.data.xTrain.data.subarray(8, 12)), [7, 7, 7, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeSequenceData refuses float ids or mismatched counts, naming the split and shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seq-export-test-'));
  try {
    const d = sample();
    assert.throws(
      () => writeSequenceData(dir, 'toy', { ...d, xTest: padSequences([[1]], { maxlen: 4, dtype: 'float32' }) }),
      /test split needs int32 x \[n, maxlen\] and int32 y \[n\], got x float32 \[1, 4\] and y int32 \[2\]/,
    );
    assert.throws(
      () => writeSequenceData(dir, 'toy', { ...d, yTrain: new Tensor(new Int32Array([1, 2]), [2]) }),
      /train split needs .* got x int32 \[4, 4\] and y int32 \[2\]/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
