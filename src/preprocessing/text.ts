/**
 * Keras's text preprocessing (`keras.preprocessing.text`): `textToWordSequence` and `Tokenizer`,
 * with Keras's defaults and ranking rules. Browser-safe (no Node imports).
 */
import { Tensor } from '../core/tensor.js';

/** Keras's default filter set: ASCII punctuation except the apostrophe, plus tab and newline. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface TextToWordSequenceOptions {
  /** Characters replaced by the separator before splitting. */
  filters?: string;
  /** Lowercase the text first. */
  lower?: boolean;
  /** Separator (default ' '). */
  split?: string;
}

/**
 * Splits a text into words as Keras does: lowercase, turn every filter character into the
 * separator, split on the separator, drop empty strings.
 */
export function textToWordSequence(text: string, options: TextToWordSequenceOptions = {}): string[] {
  const { filters = DEFAULT_FILTERS, lower = true, split = ' ' } = options;
  if (typeof text !== 'string') throw new Error(`textToWordSequence: text must be a string, got ${typeof text}.`);
  if (typeof split !== 'string' || split === '') {
    throw new Error(`textToWordSequence: split must be a non-empty string, got ${JSON.stringify(split)}.`);
  }
  if (lower) text = text.toLowerCase();
  if (filters.length > 0) text = text.replace(filterPattern(filters), () => split);
  return text.split(split).filter((w) => w.length > 0);
}

let lastFilters = '';
let lastPattern = /(?!)/gu;

/** One regex character class matching any filter character (cached: callers reuse one filter set). */
function filterPattern(filters: string): RegExp {
  if (filters !== lastFilters) {
    // \u{...} escapes make every character literal inside the class, whatever it is.
    const chars = Array.from(new Set(Array.from(filters)), (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
    lastPattern = new RegExp(`[${chars.join('')}]`, 'gu');
    lastFilters = filters;
  }
  return lastPattern;
}

export type MatrixMode = 'binary' | 'count' | 'tfidf' | 'freq';
const MODES: readonly MatrixMode[] = ['binary', 'count', 'tfidf', 'freq'];

/** A document: a string, or an already tokenised list of strings (used as-is, like Keras). */
export type TextInput = string | readonly string[];

export interface TokenizerOptions {
  /** Keep only words whose index is below `numWords` (i.e. the `numWords - 1` most frequent). */
  numWords?: number | null;
  filters?: string;
  lower?: boolean;
  split?: string;
  /** Treat every character as a token (filters do not apply, as in Keras). */
  charLevel?: boolean;
  /** Token that stands for out-of-vocabulary words; it gets index 1. */
  oovToken?: string | null;
  /** Custom tokeniser used instead of `textToWordSequence` (filters, lower and split then do not apply). */
  analyzer?: ((text: string) => Iterable<string>) | null;
}

/**
 * Keras's `Tokenizer`: builds a vocabulary ranked by word count (ties keep first-appearance
 * order; index 1 is the most frequent word, or the OOV token if given; 0 is never assigned),
 * then turns texts into index sequences or document-term matrices.
 *
 * Dictionaries are `Map`s (Keras uses dicts): `wordIndex.get('the')`.
 */
export class Tokenizer {
  readonly numWords: number | null;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | null;
  readonly analyzer: ((text: string) => Iterable<string>) | null;
  /** Occurrences of each word over all fitted texts, in first-appearance order. */
  wordCounts = new Map<string, number>();
  /** Number of fitted texts each word occurs in. */
  wordDocs = new Map<string, number>();
  /** word -> index (1-based). */
  wordIndex = new Map<string, number>();
  /** index -> word. */
  indexWord = new Map<number, string>();
  /** index -> number of documents containing it (used by tfidf). */
  indexDocs = new Map<number, number>();
  /** Number of texts (or sequences) fitted so far. */
  documentCount = 0;

  constructor(options: TokenizerOptions = {}) {
    const { numWords = null, filters = DEFAULT_FILTERS, lower = true, split = ' ', charLevel = false } = options;
    if (numWords !== null && (!Number.isInteger(numWords) || numWords < 0)) {
      throw new Error(`Tokenizer: numWords must be a non-negative integer or null, got ${String(numWords)}.`);
    }
    if (typeof split !== 'string' || split === '') {
      throw new Error(`Tokenizer: split must be a non-empty string, got ${JSON.stringify(split)}.`);
    }
    this.numWords = numWords;
    this.filters = filters;
    this.lower = lower;
    this.split = split;
    this.charLevel = charLevel;
    this.oovToken = options.oovToken ?? null;
    this.analyzer = options.analyzer ?? null;
  }

  /** The tokens of one document, as both fitting and encoding see them. */
  private tokens(text: TextInput): string[] {
    if (typeof text !== 'string') {
      if (!Array.isArray(text)) throw new Error('Tokenizer: each text must be a string or an array of strings.');
      return this.lower ? text.map((t) => t.toLowerCase()) : [...text];
    }
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    if (this.analyzer) return Array.from(this.analyzer(text));
    return textToWordSequence(text, {
      filters: this.filters,
      lower: this.lower,
      split: this.split,
    });
  }

  /** Updates the vocabulary from `texts` and re-ranks every word. */
  fitOnTexts(texts: Iterable<TextInput>): void {
    for (const text of texts) {
      this.documentCount++;
      const seq = this.tokens(text);
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    // Array.prototype.sort is stable, so equal counts keep first-appearance order, as in Keras.
    const ranked = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const vocabulary = this.oovToken === null ? ranked : [this.oovToken, ...ranked];
    this.wordIndex = new Map();
    // A later duplicate (the OOV token also occurring as a word) overwrites, exactly like Keras's dict(zip(...)).
    vocabulary.forEach((w, i) => this.wordIndex.set(w, i + 1));
    this.indexWord = new Map();
    for (const [w, i] of this.wordIndex) this.indexWord.set(i, w);
    this.indexDocs = new Map();
    for (const [w, c] of this.wordDocs) this.indexDocs.set(this.wordIndex.get(w)!, c);
  }

  /** Counts document frequencies from already encoded sequences (needed for tfidf without texts). */
  fitOnSequences(sequences: readonly ArrayLike<number>[]): void {
    this.documentCount += sequences.length;
    for (const seq of sequences) {
      for (const i of new Set(Array.from(seq))) this.indexDocs.set(i, (this.indexDocs.get(i) ?? 0) + 1);
    }
  }

  /**
   * Each text as word indices. Unknown words, and words with index >= numWords, become the OOV
   * index if an OOV token was given and are dropped otherwise.
   */
  textsToSequences(texts: Iterable<TextInput>): number[][] {
    const oovIndex = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    const out: number[][] = [];
    for (const text of texts) {
      const vect: number[] = [];
      for (const w of this.tokens(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && !(this.numWords && i >= this.numWords)) vect.push(i);
        else if (oovIndex !== undefined) vect.push(oovIndex);
      }
      out.push(vect);
    }
    return out;
  }

  /** The inverse of `textsToSequences`: words joined by single spaces, same numWords/OOV rules. */
  sequencesToTexts(sequences: Iterable<ArrayLike<number>>): string[] {
    const oovIndex = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    const oovWord = oovIndex === undefined ? undefined : this.indexWord.get(oovIndex);
    const out: string[] = [];
    for (const seq of sequences) {
      const words: string[] = [];
      for (const num of Array.from(seq)) {
        const word = this.indexWord.get(num);
        if (word !== undefined && !(this.numWords && num >= this.numWords)) words.push(word);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      out.push(words.join(' '));
    }
    return out;
  }

  /** A float32 [texts, numWords] document-term matrix (see `sequencesToMatrix`). */
  textsToMatrix(texts: Iterable<TextInput>, mode: MatrixMode = 'binary'): Tensor {
    return this.sequencesToMatrix(this.textsToSequences(texts), mode);
  }

  /**
   * A float32 [sequences, numWords] matrix (numWords defaults to vocabulary size + 1; column 0 is
   * never set by fitted words). 'binary': 1 if present; 'count': occurrences; 'freq': occurrences
   * / sequence length; 'tfidf': (1 + ln count) * ln(1 + documentCount / (1 + documents with word)).
   */
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode: MatrixMode = 'binary'): Tensor {
    if (!MODES.includes(mode)) {
      throw new Error(`Tokenizer: mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}.`);
    }
    let numWords: number;
    if (this.numWords) {
      numWords = this.numWords;
    } else if (this.wordIndex.size > 0) {
      numWords = this.wordIndex.size + 1;
    } else {
      throw new Error('Tokenizer: specify numWords, or fit on some text data first.');
    }
    if (mode === 'tfidf' && !this.documentCount) {
      throw new Error('Tokenizer: fit the Tokenizer on some data before using tfidf mode.');
    }
    const x = new Float32Array(sequences.length * numWords);
    sequences.forEach((seq, row) => {
      if (seq.length === 0) return;
      const counts = new Map<number, number>();
      for (let k = 0; k < seq.length; k++) {
        const j = seq[k]!;
        if (j >= numWords) continue;
        counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      for (const [j, c] of counts) {
        let v: number;
        switch (mode) {
          case 'count':
            v = c;
            break;
          case 'freq':
            v = c / seq.length;
            break;
          case 'binary':
            v = 1;
            break;
          case 'tfidf': {
            const tf = 1 + Math.log(c);
            const idf = Math.log(1 + this.documentCount / (1 + (this.indexDocs.get(j) ?? 0)));
            v = tf * idf;
            break;
          }
        }
        x[row * numWords + j] = v;
      }
    });
    return new Tensor(x, [sequences.length, numWords], 'float32');
  }

  /**
   * Keras's `Tokenizer.to_json()` layout (dictionaries as JSON strings inside `config`), so a
   * tokenizer saved by Python Keras can be loaded with `tokenizerFromJson` and vice versa.
   * Like Keras, the `analyzer` function is not saved.
   */
  toJson(): string {
    // Built by hand: a plain object would move integer-like words ("1987") to the front and lose
    // the first-appearance order that breaks ties when fitting continues.
    const obj = (m: Map<string | number, unknown>) =>
      '{' + Array.from(m, ([k, v]) => `${JSON.stringify(String(k))}: ${JSON.stringify(v)}`).join(', ') + '}';
    return JSON.stringify({
      class_name: 'Tokenizer',
      config: {
        num_words: this.numWords,
        filters: this.filters,
        lower: this.lower,
        split: this.split,
        char_level: this.charLevel,
        oov_token: this.oovToken,
        document_count: this.documentCount,
        word_counts: obj(this.wordCounts),
        word_docs: obj(this.wordDocs),
        index_docs: obj(this.indexDocs),
        index_word: obj(this.indexWord),
        word_index: obj(this.wordIndex),
      },
    });
  }
}

/** Rebuilds a Tokenizer from `Tokenizer.toJson()` output or Keras's `tokenizer.to_json()`. */
export function tokenizerFromJson(json: string): Tokenizer {
  const parsed = JSON.parse(json) as { config?: Record<string, unknown> };
  const config = parsed.config;
  if (!config || typeof config !== 'object') throw new Error('tokenizerFromJson: missing "config" object.');
  const tokenizer = new Tokenizer({
    numWords: (config['num_words'] as number | null | undefined) ?? null,
    filters: (config['filters'] as string | undefined) ?? DEFAULT_FILTERS,
    lower: (config['lower'] as boolean | undefined) ?? true,
    split: (config['split'] as string | undefined) ?? ' ',
    charLevel: (config['char_level'] as boolean | undefined) ?? false,
    oovToken: (config['oov_token'] as string | null | undefined) ?? null,
  });
  const dict = (key: string): [string, unknown][] => {
    const raw = config[key];
    if (raw === undefined || raw === null) return [];
    return typeof raw === 'string' ? orderedEntries(raw) : Object.entries(raw as object);
  };
  tokenizer.documentCount = Number(config['document_count'] ?? 0);
  tokenizer.wordCounts = new Map(dict('word_counts').map(([w, c]) => [w, Number(c)]));
  tokenizer.wordDocs = new Map(dict('word_docs').map(([w, c]) => [w, Number(c)]));
  tokenizer.indexDocs = new Map(dict('index_docs').map(([i, c]) => [Number(i), Number(c)]));
  tokenizer.wordIndex = new Map(dict('word_index').map(([w, i]) => [w, Number(i)]));
  tokenizer.indexWord = new Map(dict('index_word').map(([i, w]) => [Number(i), String(w)]));
  return tokenizer;
}

/**
 * The entries of a flat JSON object in file order. JSON.parse would reorder integer-like keys,
 * and word_counts' order is what breaks ranking ties.
 */
function orderedEntries(json: string): [string, unknown][] {
  const whole = JSON.parse(json) as unknown;
  if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) {
    throw new Error('tokenizerFromJson: expected a JSON object.');
  }
  const entries: [string, unknown][] = [];
  let pos = json.indexOf('{') + 1;
  const skipSpace = () => {
    while (pos < json.length && /\s/.test(json[pos]!)) pos++;
  };
  /** End (exclusive) of the JSON value starting at `pos`: a string, or a scalar up to , or }. */
  const valueEnd = (): number => {
    if (json[pos] === '"') {
      let i = pos + 1;
      while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
      return i + 1;
    }
    let i = pos;
    while (i < json.length && json[i] !== ',' && json[i] !== '}') i++;
    return i;
  };
  for (;;) {
    skipSpace();
    if (json[pos] === '}') break;
    let end = valueEnd();
    const key = JSON.parse(json.slice(pos, end)) as string;
    pos = end;
    skipSpace();
    pos++; // ':'
    skipSpace();
    end = valueEnd();
    entries.push([key, JSON.parse(json.slice(pos, end).trim()) as unknown]);
    pos = end;
    skipSpace();
    if (json[pos] === ',') pos++;
  }
  return entries;
}
