/**
 * What the Keras text datasets (reuters, imdb) share: a word-index corpus built from raw text,
 * and Keras's `load_data` transforms applied to it per call (shuffle, start/OOV markers, index
 * offset, length filter, vocabulary cut).
 */
import { Tensor } from '../core/tensor.js';
import { textToWordSequence } from '../preprocessing/text.js';
import { join } from 'node:path';
import type { CacheContent } from './cache.js';
import { cached, resolveCacheDir } from './cache.js';

/** Options shared by `reuters.loadData` and `imdb.loadData`, with Keras's names and defaults. */
export interface WordSequenceOptions {
  /**
   * Keep word ids below this value (ids already include `indexFrom`); others become `oovChar`.
   * Unset: Keras's rule, `numWords = largest id present`, which (as in Keras) turns that single
   * largest id into `oovChar` too.
   */
  numWords?: number | null;
  /** Ids below this value become `oovChar`. As in Keras this applies to the shifted ids, start marker included. */
  skipTop?: number;
  /** Drop sequences whose length (start marker included) is not below `maxlen`, as Keras does. */
  maxlen?: number | null;
  /** Seed of the NumPy-compatible shuffle. */
  seed?: number;
  /** Marker put in front of every sequence; null for none. */
  startChar?: number | null;
  /** Replacement for cut words; null to drop them instead. */
  oovChar?: number | null;
  /** Offset added to every word index (index 1 = most frequent word becomes 1 + indexFrom). */
  indexFrom?: number;
  /** Cache folder (default $DEEPSCRIPT_CACHE_DIR or ~/.deepscript/datasets). */
  cacheDir?: string;
}

/** Documents as word indices (1 = most frequent), concatenated: document i is tokens[offsets[i]..offsets[i+1]). */
export interface WordCorpus {
  offsets: Int32Array;
  tokens: Int32Array;
  labels: Int32Array;
  /** words[i] is the word with index i + 1. */
  words: string[];
}

/**
 * Tokenises `texts` with Keras's defaults (lowercase, Keras's filter set, split on spaces) and
 * indexes words by count over the first `vocabularyDocs` texts, ties broken by first appearance
 * (Keras's Tokenizer rule). Words that never occur in those texts are left out of the others.
 */
export function buildWordCorpus(
  texts: readonly string[],
  labels: ArrayLike<number>,
  vocabularyDocs = texts.length,
): WordCorpus {
  // One tokenisation pass: provisional ids in first-appearance order, remapped to ranks afterwards.
  const provisional = new Map<string, number>();
  const counts: number[] = [];
  const docs: Int32Array[] = [];
  let total = 0;
  for (let d = 0; d < texts.length; d++) {
    const words = textToWordSequence(texts[d]!);
    const ids = new Int32Array(words.length);
    const inVocabulary = d < vocabularyDocs;
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      let id = provisional.get(w);
      if (id === undefined) {
        id = provisional.size;
        provisional.set(w, id);
        counts.push(0);
      }
      if (inVocabulary) counts[id]++;
      ids[k] = id;
    }
    docs.push(ids);
    total += ids.length;
  }

  const byRank = Array.from(counts.keys())
    .filter((id) => counts[id]! > 0)
    .sort((a, b) => counts[b]! - counts[a]! || a - b);
  const rankOf = new Int32Array(counts.length); // 0 = not in the vocabulary
  byRank.forEach((id, r) => (rankOf[id] = r + 1));
  const wordOf = new Array<string>(counts.length);
  for (const [w, id] of provisional) wordOf[id] = w;

  const offsets = new Int32Array(docs.length + 1);
  const tokens = new Int32Array(total);
  let n = 0;
  docs.forEach((ids, d) => {
    for (let k = 0; k < ids.length; k++) {
      const rank = rankOf[ids[k]!]!;
      if (rank > 0) tokens[n++] = rank;
    }
    offsets[d + 1] = n;
  });
  return {
    offsets,
    tokens: tokens.slice(0, n),
    labels: Int32Array.from(labels),
    words: byRank.map((id) => wordOf[id]!),
  };
}

/** Corpus <-> cache content (the vocabulary is one newline-separated blob; words never contain '\n'). */
export function corpusToCache(corpus: WordCorpus, meta: Record<string, unknown>): CacheContent {
  return {
    meta: { ...meta, documents: corpus.labels.length, tokens: corpus.tokens.length, vocabulary: corpus.words.length },
    arrays: { offsets: corpus.offsets, tokens: corpus.tokens, labels: corpus.labels },
    blobs: { words: corpus.words.join('\n') },
  };
}

export function corpusFromCache(content: CacheContent): WordCorpus | null {
  const { offsets, tokens, labels } = content.arrays;
  const wordsBlob = content.blobs['words'];
  if (!offsets || !tokens || !labels || wordsBlob === undefined) return null;
  const words = wordsBlob.length === 0 ? [] : wordsBlob.split('\n');
  const m = content.meta;
  // Structural checks on top of the checksum: a cache from a buggy writer must not load either.
  if (offsets.length !== labels.length + 1 || offsets[0] !== 0 || offsets[labels.length] !== tokens.length) return null;
  if (m['documents'] !== labels.length || m['tokens'] !== tokens.length || m['vocabulary'] !== words.length)
    return null;
  for (let i = 0; i < labels.length; i++) if (offsets[i + 1]! < offsets[i]!) return null;
  return { offsets, tokens, labels, words };
}

/**
 * The corpus from `<cacheDir>/<file>` if that cache is intact and made by `recipe`; otherwise
 * built with `build` and cached.
 */
export function loadWordCorpus(
  cacheDir: string | undefined,
  file: string,
  kind: string,
  recipe: string,
  build: () => WordCorpus,
): WordCorpus {
  const path = join(resolveCacheDir(cacheDir), file);
  let fromDisk: WordCorpus | null = null;
  let built: WordCorpus | null = null;
  cached(
    path,
    kind,
    recipe,
    () => corpusToCache((built = build()), {}),
    (c) => (fromDisk = corpusFromCache(c)) !== null,
  );
  return (built ?? fromDisk)!;
}

/** The corpus's word index as a Map (Keras's `get_word_index()` dict): word -> index, 1 = most frequent. */
export function wordIndexOf(corpus: WordCorpus): Map<string, number> {
  return new Map(corpus.words.map((w, i) => [w, i + 1]));
}

interface Resolved {
  numWords: number | null;
  skipTop: number;
  maxlen: number | null;
  seed: number;
  startChar: number | null;
  oovChar: number | null;
  indexFrom: number;
}

/** Validates options, naming the offending one, and fills in Keras's defaults. */
export function resolveOptions(where: string, o: WordSequenceOptions): Resolved {
  const int = (name: string, v: unknown, min: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${String(v)}.`);
    }
  };
  const r: Resolved = {
    numWords: o.numWords ?? null,
    skipTop: o.skipTop ?? 0,
    maxlen: o.maxlen ?? null,
    seed: o.seed ?? 113,
    startChar: o.startChar === undefined ? 1 : o.startChar,
    oovChar: o.oovChar === undefined ? 2 : o.oovChar,
    indexFrom: o.indexFrom ?? 3,
  };
  if (r.numWords !== null) int('numWords', r.numWords, 0);
  int('skipTop', r.skipTop, 0);
  if (r.maxlen !== null) int('maxlen', r.maxlen, 0);
  int('seed', r.seed, 0);
  if (r.seed > 0xffffffff) throw new Error(`${where}: seed must be below 2**32, got ${r.seed}.`);
  if (r.startChar !== null) int('startChar', r.startChar, 0);
  if (r.oovChar !== null) int('oovChar', r.oovChar, 0);
  int('indexFrom', r.indexFrom, 0);
  return r;
}

/**
 * Keras's per-call `load_data` transforms on already shuffled document orders (one per list Keras
 * filters separately), fused into one pass per document for speed:
 * 1. `[startChar] + (indices + indexFrom)`;
 * 2. with `maxlen`, drop sequences whose length is not below it (Keras's `remove_long_seq`);
 * 3. ids outside [skipTop, numWords) become `oovChar` (or are dropped when it is null), where an
 *    unset numWords means the largest id present in any list (Keras's rule).
 * Returns, per order, the kept sequences and their labels.
 */
export function kerasTransform(
  corpus: WordCorpus,
  orders: readonly ArrayLike<number>[],
  o: Resolved,
): [number[][], number[]][] {
  const { offsets, tokens } = corpus;
  const lead = o.startChar === null ? 0 : 1;
  const maxlen = o.maxlen;
  const kept = orders.map((order) => {
    const docs = Array.from(order);
    return maxlen ? docs.filter((d) => offsets[d + 1]! - offsets[d]! + lead < maxlen) : docs;
  });

  const indexFrom = o.indexFrom;
  let numWords = o.numWords;
  if (!numWords) {
    let maxToken = 0;
    let any = false;
    for (const docs of kept) {
      for (const d of docs) {
        any = true;
        const to = offsets[d + 1]!;
        for (let t = offsets[d]!; t < to; t++) if (tokens[t]! > maxToken) maxToken = tokens[t]!;
      }
    }
    numWords = Math.max(maxToken > 0 ? maxToken + indexFrom : 0, lead && any ? o.startChar! : 0);
  }
  const lo = o.skipTop;
  const hi = numWords;
  const oov = o.oovChar;
  const start = o.startChar ?? 0;
  const startKept = start >= lo && start < hi;

  return kept.map((docs): [number[][], number[]] => {
    const xs = new Array<number[]>(docs.length);
    for (let k = 0; k < docs.length; k++) {
      const d = docs[k]!;
      const from = offsets[d]!;
      const to = offsets[d + 1]!;
      let x: number[];
      if (oov !== null) {
        x = new Array<number>(to - from + lead);
        if (lead) x[0] = startKept ? start : oov;
        for (let t = from, i = lead; t < to; t++, i++) {
          const w = tokens[t]! + indexFrom;
          x[i] = w >= lo && w < hi ? w : oov;
        }
      } else {
        x = [];
        if (lead && startKept) x.push(start);
        for (let t = from; t < to; t++) {
          const w = tokens[t]! + indexFrom;
          if (w >= lo && w < hi) x.push(w);
        }
      }
      xs[k] = x;
    }
    return [xs, docs.map((d) => corpus.labels[d]!)];
  });
}

export function labelsTensor(ys: number[]): Tensor {
  return new Tensor(Int32Array.from(ys), [ys.length], 'int32');
}
