import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FILTERS, Tokenizer, textToWordSequence, tokenizerFromJson } from '../src/preprocessing/text.js';

// Cases mirror Keras's documented Tokenizer behaviour (keras-preprocessing's text_test.py);
// expected numbers are derived by hand from Keras's rules.
const texts = ['The cat sat on the mat.', 'The dog sat on the log.', 'Dogs and cats living together.'];

test('textToWordSequence: lowercases, filters punctuation, drops empties', () => {
  assert.equal(DEFAULT_FILTERS, '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n');
  assert.deepEqual(textToWordSequence('hello! ? world!'), ['hello', 'world']);
  assert.deepEqual(textToWordSequence('hello!stop?world!', { split: 'stop' }), ['hello', 'world']);
  assert.deepEqual(textToWordSequence('ali! veli? kırk dokuz elli'), ['ali', 'veli', 'kırk', 'dokuz', 'elli']);
  assert.deepEqual(textToWordSequence("Don't STOP", { lower: false }), ["Don't", 'STOP']);
  assert.deepEqual(textToWordSequence('a-b c', { filters: '' }), ['a-b', 'c']);
  assert.deepEqual(textToWordSequence('a,b;c', { split: ',' }), ['a', 'b', 'c']);
});

test('fitOnTexts: counts in first-appearance order, index by count with ties by first appearance', () => {
  const tok = new Tokenizer();
  tok.fitOnTexts(texts);
  assert.equal(tok.documentCount, 3);
  assert.deepEqual(
    [...tok.wordCounts],
    [
      ['the', 4],
      ['cat', 1],
      ['sat', 2],
      ['on', 2],
      ['mat', 1],
      ['dog', 1],
      ['log', 1],
      ['dogs', 1],
      ['and', 1],
      ['cats', 1],
      ['living', 1],
      ['together', 1],
    ],
  );
  assert.deepEqual(
    [...tok.wordIndex],
    ['the', 'sat', 'on', 'cat', 'mat', 'dog', 'log', 'dogs', 'and', 'cats', 'living', 'together'].map((w, i) => [
      w,
      i + 1,
    ]),
  );
  assert.equal(tok.indexWord.get(1), 'the');
  assert.equal(tok.wordDocs.get('the'), 2);
  assert.equal(tok.indexDocs.get(1), 2);
  assert.deepEqual(tok.textsToSequences(texts), [
    [1, 4, 2, 3, 1, 5],
    [1, 6, 2, 3, 1, 7],
    [8, 9, 10, 11, 12],
  ]);
});

test('numWords keeps indices < numWords; unknown words dropped without an OOV token', () => {
  const tok = new Tokenizer({ numWords: 3 });
  tok.fitOnTexts(['This text has only known words this text']);
  assert.deepEqual(tok.textsToSequences(['This text has some unknown words']), [[1, 2]]);
  assert.deepEqual(tok.sequencesToTexts(tok.textsToSequences(['This text has some unknown words'])), ['this text']);
  // wordIndex itself still holds the whole vocabulary, as in Keras
  assert.equal(tok.wordIndex.size, 6);
});

test('oovToken takes index 1 and replaces unknown and cut words', () => {
  const train = ['This text has only known words this text'];
  const test_ = ['This text has some unknown words'];
  let tok = new Tokenizer({ oovToken: '<unk>' });
  tok.fitOnTexts(train);
  assert.equal(tok.wordIndex.get('<unk>'), 1);
  assert.equal(tok.wordIndex.get('this'), 2);
  assert.equal(tok.textsToSequences(test_)[0]!.length, 6);
  assert.deepEqual(tok.sequencesToTexts(tok.textsToSequences(test_)), ['this text has <unk> <unk> words']);

  tok = new Tokenizer({ numWords: 3, oovToken: '<unk>' });
  tok.fitOnTexts(train);
  assert.deepEqual(tok.sequencesToTexts(tok.textsToSequences(test_)), ['this <unk> <unk> <unk> <unk> <unk>']);

  tok = new Tokenizer({ numWords: 10, oovToken: '<unk>' });
  tok.fitOnTexts(texts);
  assert.deepEqual(tok.sequencesToTexts(tok.textsToSequences(texts)), [
    'the cat sat on the mat',
    'the dog sat on the log',
    'dogs <unk> <unk> <unk> <unk>',
  ]);
});

test('lists of tokens and charLevel, with lower', () => {
  let tok = new Tokenizer();
  tok.fitOnTexts([
    ['The', 'cat', 'is', 'sitting'],
    ['The', 'dog', 'is', 'standing'],
  ]);
  assert.deepEqual(
    [...tok.wordCounts],
    [
      ['the', 2],
      ['cat', 1],
      ['is', 2],
      ['sitting', 1],
      ['dog', 1],
      ['standing', 1],
    ],
  );
  tok = new Tokenizer({ charLevel: true });
  tok.fitOnTexts(['The cat sat on the mat.', 'The dog sat on the log.', 'Dog and Cat living Together.']);
  assert.deepEqual(Object.fromEntries(tok.wordCounts), {
    t: 11,
    h: 5,
    e: 6,
    ' ': 14,
    c: 2,
    a: 6,
    s: 2,
    o: 6,
    n: 4,
    m: 1,
    '.': 3,
    d: 3,
    g: 5,
    l: 2,
    i: 2,
    v: 1,
    r: 1,
  });
  assert.equal(tok.wordIndex.get(' '), 1);
  assert.equal(tok.wordIndex.get('t'), 2);
});

test('textsToMatrix: binary, count, freq, tfidf (Keras formulas), float32', () => {
  const tok = new Tokenizer();
  tok.fitOnTexts(texts);
  const n = tok.wordIndex.size + 1; // 13 columns, column 0 unused
  const binary = tok.textsToMatrix(texts, 'binary');
  assert.equal(binary.dtype, 'float32');
  assert.deepEqual(binary.shape, [3, n]);
  assert.deepEqual((binary.toArray() as number[][])[0], [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(
    (tok.textsToMatrix(texts, 'count').toArray() as number[][])[0],
    [0, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  );
  const freq = tok.textsToMatrix(texts, 'freq').toArray() as number[][];
  assert.ok(Math.abs(freq[0]![1]! - 2 / 6) < 1e-7);
  assert.ok(Math.abs(freq[2]![8]! - 1 / 5) < 1e-7);
  const tfidf = tok.textsToMatrix(texts, 'tfidf').toArray() as number[][];
  // 'the': twice in doc 0, in 2 of 3 docs -> (1 + ln 2) * ln(1 + 3 / (1 + 2))
  assert.ok(Math.abs(tfidf[0]![1]! - (1 + Math.log(2)) * Math.log(2)) < 1e-6);
  // 'cat': once, in 1 of 3 docs -> 1 * ln(1 + 3 / 2)
  assert.ok(Math.abs(tfidf[0]![4]! - Math.log(2.5)) < 1e-6);
  assert.equal(tfidf[0]![8], 0);
  // the default mode is binary
  assert.deepEqual(tok.textsToMatrix(texts).toArray(), binary.toArray());
});

test('matrix width is numWords; indices beyond it are ignored', () => {
  const tok = new Tokenizer({ numWords: 4 });
  tok.fitOnTexts(texts);
  const m = tok.sequencesToMatrix([[1, 1, 3, 9]], 'freq');
  assert.deepEqual(m.shape, [1, 4]);
  // freq divides by the full sequence length, out-of-range entries included (Keras does the same)
  assert.deepEqual(Array.from(m.data), [0, 0.5, 0, 0.25]);
  assert.throws(() => tok.textsToMatrix(texts, 'tf' as 'binary'), /mode must be one of binary, count, tfidf, freq/);
  assert.throws(() => new Tokenizer().textsToMatrix(texts), /numWords|fit/);
  assert.throws(() => new Tokenizer({ numWords: 5 }).sequencesToMatrix([[1]], 'tfidf'), /tfidf/);
});

test('fitOnSequences updates document counts for tfidf', () => {
  const tok = new Tokenizer({ numWords: 10 });
  tok.fitOnTexts(texts);
  const seqs = tok.textsToSequences(texts);
  tok.fitOnSequences(seqs);
  assert.equal(tok.documentCount, 6);
  assert.equal(tok.indexDocs.get(1), 4);
  for (const mode of ['binary', 'count', 'tfidf', 'freq'] as const) tok.textsToMatrix(texts, mode);
});

test('sequential fits accumulate', () => {
  const tok = new Tokenizer();
  tok.fitOnTexts(texts);
  tok.fitOnTexts([['The', 'cat', 'is', 'sitting']]);
  assert.equal(tok.documentCount, 4);
  assert.equal(tok.wordCounts.get('the'), 5);
  assert.equal(tok.wordCounts.get('cat'), 2);
});

test('toJson / tokenizerFromJson round-trip keeps order (integer-like words too)', () => {
  const tok = new Tokenizer({ numWords: 100, oovToken: '<oov>' });
  tok.fitOnTexts(['in 1987 the net rose', 'net 3 vs 1987, said "the" co']);
  const back = tokenizerFromJson(tok.toJson());
  assert.equal(back.numWords, 100);
  assert.equal(back.oovToken, '<oov>');
  assert.equal(back.documentCount, 2);
  assert.deepEqual([...back.wordCounts], [...tok.wordCounts]);
  assert.deepEqual([...back.wordIndex].sort(), [...tok.wordIndex].sort());
  assert.deepEqual([...back.indexWord].sort(), [...tok.indexWord].sort());
  assert.deepEqual([...back.indexDocs].sort(), [...tok.indexDocs].sort());
  assert.deepEqual(back.textsToSequences(['net 1987 xyz']), tok.textsToSequences(['net 1987 xyz']));
  // Keras's own to_json layout: dictionaries serialised as JSON strings
  const keras = JSON.stringify({
    class_name: 'Tokenizer',
    config: {
      num_words: null,
      filters: DEFAULT_FILTERS,
      lower: true,
      split: ' ',
      char_level: false,
      oov_token: null,
      document_count: 1,
      word_counts: '{"b": 2, "10": 1}',
      word_docs: '{"b": 1, "10": 1}',
      index_docs: '{"1": 1, "2": 1}',
      index_word: '{"1": "b", "2": "10"}',
      word_index: '{"b": 1, "10": 2}',
    },
  });
  const k = tokenizerFromJson(keras);
  assert.deepEqual([...k.wordCounts.keys()], ['b', '10']);
  assert.deepEqual(k.textsToSequences(['10 b']), [[2, 1]]);
});

test('analyzer replaces the default tokenisation; charLevel ignores filters (as in Keras)', () => {
  let tok = new Tokenizer({ analyzer: (t) => t.split('|') });
  tok.fitOnTexts(['A|b c|A']);
  assert.deepEqual(
    [...tok.wordIndex],
    [
      ['A', 1],
      ['b c', 2],
    ],
  );
  assert.deepEqual(tok.textsToSequences(['b c|A|zz']), [[2, 1]]);
  tok = new Tokenizer({ charLevel: true, filters: 'e' });
  tok.fitOnTexts(['tee']);
  assert.equal(tok.wordIndex.get('e'), 1);
});

test('bad options are errors', () => {
  assert.throws(() => new Tokenizer({ numWords: -1 }), /numWords/);
  assert.throws(() => new Tokenizer({ split: '' }), /split/);
  assert.throws(() => textToWordSequence(3 as unknown as string), /string/);
});
