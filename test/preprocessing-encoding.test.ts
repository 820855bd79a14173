/**
 * CategoryEncoding and TextVectorization against Keras's semantics worked by hand: one-hot /
 * multi-hot / count encodings, TextVectorization's standardize, split, n-grams, vocabulary order
 * after adapt (count descending, ties by descending bytes), special tokens, output modes
 * (int padded or cut to outputSequenceLength, multi_hot, count, tf_idf), and errors by name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tensor } from '../src/core/tensor.js';
import * as layers from '../src/layers/index.js';
import { deserializeLayer } from '../src/layers/serialization.js';

const ints = (v: number[], shape: number[]): Tensor => new Tensor(Int32Array.from(v), shape, 'int32');
const rows = (t: Tensor): number[][] => {
  const w = t.shape[t.rank - 1]!;
  return Array.from({ length: t.size / w }, (_, i) => Array.from(t.data.slice(i * w, (i + 1) * w), Number));
};

describe('CategoryEncoding', () => {
  test('one_hot: one vector per id; a trailing axis of 1 is dropped', () => {
    const e = new layers.CategoryEncoding({ numTokens: 4, outputMode: 'one_hot' });
    const out = e.apply(ints([1, 3], [2, 1]));
    assert.deepEqual(out.shape, [2, 4]);
    assert.deepEqual(rows(out), [
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    assert.deepEqual(
      new layers.CategoryEncoding({ numTokens: 3, outputMode: 'one_hot' }).apply(ints([0, 2], [1, 2])).shape,
      [1, 2, 3],
    );
  });
  test("multi_hot (the default, Keras's 'binary') and count encode each sample's last axis", () => {
    assert.deepEqual(rows(new layers.CategoryEncoding({ numTokens: 4 }).apply(ints([0, 1, 1, 1], [2, 2]))), [
      [1, 1, 0, 0],
      [0, 1, 0, 0],
    ]);
    assert.deepEqual(
      rows(new layers.CategoryEncoding({ numTokens: 4, outputMode: 'binary' }).apply(ints([3, 3], [1, 2]))),
      [[0, 0, 0, 1]],
    );
    assert.deepEqual(
      rows(new layers.CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(ints([1, 1, 2], [1, 3]))),
      [[0, 2, 1, 0]],
    );
    // A rank-1 input is one sample (Keras's bincount path).
    assert.deepEqual(new layers.CategoryEncoding({ numTokens: 3 }).apply(ints([0, 2], [2])).shape, [3]);
    const weighted = new layers.CategoryEncoding({ numTokens: 3, outputMode: 'count' }).apply(ints([1, 1, 2], [1, 3]), {
      countWeights: new Tensor(Float32Array.from([0.5, 2, 3]), [1, 3]),
    });
    assert.deepEqual(rows(weighted), [[0, 2.5, 3]]);
  });
  test('ids out of range and unknown options are errors naming them', () => {
    const e = new layers.CategoryEncoding({ numTokens: 3, name: 'ce' });
    assert.throws(
      () => e.apply(ints([3], [1, 1])),
      /'ce' \(CategoryEncoding\): every input must be an integer id in \[0, 3\), got 3/,
    );
    assert.throws(() => new layers.CategoryEncoding({}), /numTokens must be set/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 2, outputMode: 'tf_idf' as never }), /did you mean/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 2, num_tokens: 2 } as never), /use `numTokens`/);
    assert.throws(() => new layers.CategoryEncoding({ numTokens: 2, sparse: true }), /sparse=true is not supported/);
  });
});

const CORPUS = ['The cat sat.', 'the dog sat', 'a cat!'];

describe('TextVectorization', () => {
  test('adapt: lower and strip punctuation, split on whitespace, count descending with ties by descending bytes', () => {
    const tv = new layers.TextVectorization();
    tv.adapt(CORPUS);
    // the x2, sat x2, cat x2 (ties: 'the' > 'sat' > 'cat'), then dog, a.
    assert.deepEqual(tv.getVocabulary(), ['', '[UNK]', 'the', 'sat', 'cat', 'dog', 'a']);
    assert.deepEqual(tv.getVocabulary(false), ['the', 'sat', 'cat', 'dog', 'a']);
    const out = tv.apply(['The DOG ate!', 'cat']);
    assert.equal(out.dtype, 'int32');
    assert.deepEqual(rows(out), [
      [2, 5, 1],
      [4, 0, 0],
    ]);
  });
  test('outputSequenceLength pads with 0 and cuts; maxTokens counts the special tokens; [batch, 1] rows', () => {
    const tv = new layers.TextVectorization({ outputSequenceLength: 4, maxTokens: 4 });
    tv.adapt(CORPUS);
    assert.deepEqual(tv.getVocabulary(), ['', '[UNK]', 'the', 'sat']);
    assert.deepEqual(rows(tv.apply([['the cat sat on the mat']])), [[2, 1, 3, 1]]);
    assert.deepEqual(rows(tv.apply('sat')), [[3, 0, 0, 0]]);
  });
  test('multi_hot, count and tf_idf: no mask slot, [UNK] at 0; idf = log(1 + N / (1 + df)), OOV the mean', () => {
    const mh = new layers.TextVectorization({ outputMode: 'multi_hot' });
    mh.adapt(CORPUS);
    assert.deepEqual(mh.getVocabulary(), ['[UNK]', 'the', 'sat', 'cat', 'dog', 'a']);
    assert.deepEqual(rows(mh.apply(['the cat cat zebra'])), [[1, 1, 0, 1, 0, 0]]);
    const count = new layers.TextVectorization({ outputMode: 'count', vocabulary: ['the', 'sat', 'cat'] });
    assert.deepEqual(rows(count.apply(['the cat cat zebra'])), [[1, 1, 0, 2]]);
    const tf = new layers.TextVectorization({ outputMode: 'tf_idf' });
    tf.adapt(CORPUS);
    const [l2, l25] = [Math.log(2), Math.log(2.5)];
    const oov = (3 * l2 + 2 * l25) / 5;
    const got = rows(tf.apply(['the cat cat zebra']))[0]!;
    [oov, l2, 0, 2 * l2, 0, 0].forEach((e, i) =>
      assert.ok(Math.abs(got[i]! - e) < 1e-6, `tf_idf[${i}] ${got[i]} vs ${e}`),
    );
    const padded = new layers.TextVectorization({
      outputMode: 'multi_hot',
      maxTokens: 10,
      padToMaxTokens: true,
      vocabulary: ['a'],
    });
    assert.deepEqual(padded.apply(['a']).shape, [1, 10]);
  });
  test('split character / none, standardize lower / strip_punctuation / none, and n-grams', () => {
    const ch = new layers.TextVectorization({ split: 'character', standardize: 'lower', vocabulary: ['a', 'b', '!'] });
    assert.deepEqual(rows(ch.apply(['Ab!c'])), [[2, 3, 4, 1]]);
    const whole = new layers.TextVectorization({
      split: null,
      standardize: 'strip_punctuation',
      vocabulary: ['Hi there'],
    });
    assert.deepEqual(rows(whole.apply(['Hi, there!', 'hi there'])), [[2], [1]]);
    const raw = new layers.TextVectorization({ standardize: 'none', vocabulary: ['A.'] });
    assert.deepEqual(rows(raw.apply(['A. a.'])), [[2, 1]]);
    const bi = new layers.TextVectorization({ ngrams: 2 });
    assert.deepEqual(bi.tokenize('a b c'), ['a', 'b', 'c', 'a b', 'b c']);
    assert.deepEqual(new layers.TextVectorization({ ngrams: [2] }).tokenize('a b c'), ['a b', 'b c']);
  });
  test('a vocabulary led by the special tokens is taken as is; duplicates and misplaced specials are refused', () => {
    const tv = new layers.TextVectorization({ vocabulary: ['', '[UNK]', 'x', 'y'] });
    assert.deepEqual(tv.getVocabulary(), ['', '[UNK]', 'x', 'y']);
    assert.throws(() => new layers.TextVectorization({ vocabulary: ['x', 'x'] }), /term "x" more than once/);
    assert.throws(
      () => new layers.TextVectorization({ vocabulary: ['x', '[UNK]'] }),
      /special token "\[UNK\]" may only lead/,
    );
    assert.throws(
      () => new layers.TextVectorization({ maxTokens: 3, vocabulary: ['x', 'y'] }),
      /larger than maxTokens 3/,
    );
  });
  test('unsupported options are refused by name; tensors and graphs are refused saying why', () => {
    assert.throws(
      () => new layers.TextVectorization({ standardize: 'lower_and_strip_punctuations' as never }),
      /did you mean 'lower_and_strip_punctuation'/,
    );
    assert.throws(() => new layers.TextVectorization({ split: 'comma' as never }), /did you mean/);
    assert.throws(
      () => new layers.TextVectorization({ outputMode: 'int', outputSequenceLength: 0 }),
      /outputSequenceLength must be a positive integer/,
    );
    assert.throws(
      () => new layers.TextVectorization({ outputMode: 'count', outputSequenceLength: 3 }),
      /must not be set when outputMode is not 'int'/,
    );
    assert.throws(() => new layers.TextVectorization({ ragged: true }), /ragged=true is not supported/);
    assert.throws(
      () => new layers.TextVectorization({ standardize: ((s: string) => s) as never }),
      /custom functions are not supported/,
    );
    assert.throws(() => new layers.TextVectorization({ max_tokens: 3 } as never), /use `maxTokens`/);
    const tv = new layers.TextVectorization({ name: 'tv', vocabulary: ['a'] });
    assert.throws(() => tv.apply(ints([1], [1])), /'tv' \(TextVectorization\) takes strings.*before the model/);
    assert.throws(() => tv.apply([3] as never), /entry 0 is not a string/);
    const input = layers.Input({ shape: [1] });
    assert.throws(() => tv.apply(input as never), /takes strings/);
  });
  test('the config round-trips through the registry (vocabulary and idf weights included) giving the same outputs', () => {
    for (const outputMode of ['int', 'tf_idf', 'multi_hot'] as const) {
      const tv = new layers.TextVectorization({ outputMode, ngrams: 2, maxTokens: 9, name: `tv_${outputMode}` });
      tv.adapt(CORPUS);
      const json = JSON.parse(JSON.stringify({ class_name: 'TextVectorization', config: tv.getConfig() }));
      const back = deserializeLayer(json) as layers.TextVectorization;
      assert.ok(back instanceof layers.TextVectorization);
      assert.deepEqual(back.getVocabulary(), tv.getVocabulary());
      const texts = ['the cat sat', 'a dog sat on the cat'];
      assert.deepEqual(Array.from(back.apply(texts).data), Array.from(tv.apply(texts).data), outputMode);
      assert.deepEqual(back.getConfig(), tv.getConfig());
    }
    assert.throws(
      () => deserializeLayer({ class_name: 'TextVectorization', config: { vocabulary: ['a'], vocabulary_sise: 3 } }),
      /unknown config key 'vocabulary_sise' \(did you mean 'vocabulary_size'\?\)/,
    );
  });
});
