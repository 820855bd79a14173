import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padSequences } from '../src/preprocessing/sequence.js';

// Expected values follow Keras's pad_sequences documentation and its test suite's cases.
const a = [[1], [1, 2], [1, 2, 3]];

test('defaults: maxlen = longest, int32, pad and truncate at the start with 0', () => {
  const b = padSequences(a);
  assert.deepEqual(b.shape, [3, 3]);
  assert.equal(b.dtype, 'int32');
  assert.deepEqual(b.toArray(), [
    [0, 0, 1],
    [0, 1, 2],
    [1, 2, 3],
  ]);
});

test("padding 'pre' and 'post'", () => {
  assert.deepEqual(padSequences(a, { maxlen: 3, padding: 'pre' }).toArray(), [
    [0, 0, 1],
    [0, 1, 2],
    [1, 2, 3],
  ]);
  assert.deepEqual(padSequences(a, { maxlen: 3, padding: 'post' }).toArray(), [
    [1, 0, 0],
    [1, 2, 0],
    [1, 2, 3],
  ]);
});

test("truncating 'pre' keeps the end, 'post' keeps the start", () => {
  assert.deepEqual(padSequences(a, { maxlen: 2, truncating: 'pre' }).toArray(), [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  assert.deepEqual(padSequences(a, { maxlen: 2, truncating: 'post' }).toArray(), [
    [0, 1],
    [1, 2],
    [1, 2],
  ]);
  assert.deepEqual(
    padSequences(a, {
      maxlen: 2,
      padding: 'post',
      truncating: 'post',
    }).toArray(),
    [
      [1, 0],
      [1, 2],
      [1, 2],
    ],
  );
});

test('value fills the padding; longer maxlen pads every row', () => {
  assert.deepEqual(padSequences(a, { maxlen: 3, value: 1 }).toArray(), [
    [1, 1, 1],
    [1, 1, 2],
    [1, 2, 3],
  ]);
  assert.deepEqual(padSequences([[5]], { maxlen: 4, value: -1, padding: 'post' }).toArray(), [[5, -1, -1, -1]]);
});

test('empty sequences become all padding; Int32Array input works', () => {
  assert.deepEqual(padSequences([[], Int32Array.from([7, 8])], { maxlen: 3 }).toArray(), [
    [0, 0, 0],
    [0, 7, 8],
  ]);
  assert.deepEqual(padSequences([]).shape, [0, 0]);
  assert.deepEqual(padSequences([[], []]).shape, [2, 0]);
});

test('dtype converts like NumPy astype', () => {
  const f = padSequences([[0.5, 1.5]], {
    maxlen: 3,
    dtype: 'float32',
    value: 0.25,
  });
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.toArray(), [[0.25, 0.5, 1.5]]);
  // int32 truncates toward zero, like np.asarray(x, dtype='int32')
  assert.deepEqual(padSequences([[1.9, -1.9]], { dtype: 'int32' }).toArray(), [[1, -1]]);
  assert.deepEqual(padSequences([[0, 3]], { maxlen: 3, dtype: 'bool' }).toArray(), [[false, false, true]]);
});

test('bad options are errors that name the option', () => {
  assert.throws(() => padSequences(a, { padding: 'middle' as 'pre' }), /padding must be 'pre' or 'post'.*"middle"/);
  assert.throws(() => padSequences(a, { truncating: 'x' as 'pre' }), /truncating must be 'pre' or 'post'/);
  assert.throws(() => padSequences(a, { maxlen: -1 }), /maxlen/);
  assert.throws(() => padSequences(a, { maxlen: 2.5 }), /maxlen/);
  assert.throws(() => padSequences(a, { dtype: 'int8' as 'int32' }), /dtype/);
  assert.throws(() => padSequences([1, 2] as unknown as number[][]), /sequences\[0\]/);
  assert.throws(() => padSequences('abc' as unknown as number[][]), /sequences/);
});
