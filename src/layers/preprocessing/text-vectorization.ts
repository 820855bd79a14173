/**
 * Keras's TextVectorization: strings -> standardize -> split -> ngrams -> vocabulary lookup ->
 * token ids ('int') or per-text vectors ('multi_hot', 'count', 'tf_idf', 'one_hot').
 *
 * deepscript's model graphs carry numeric tensors only, so this layer runs on JS strings
 * outside a model, as Keras's documented tf.data pattern does (`dataset.map(vectorize_layer)`):
 * `layer.apply(["some text", ...])` gives the tensor the model then takes. Called on a tensor or
 * inside a graph it says so. Its config (with the vocabulary, and the idf weights in 'tf_idf')
 * round-trips through `getConfig` and the layer registry.
 */
import { Tensor } from '../../core/tensor.js';
import { checkOptionNames, optionNames, resolveName } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs } from '../layer.js';
import { LAYER_ARG_NAMES, Layer } from '../layer.js';

export type Standardize = 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null;
export type Split = 'whitespace' | 'character' | null;
export type TextOutputMode = 'int' | 'one_hot' | 'multi_hot' | 'count' | 'tf_idf';

const STANDARDIZE: readonly string[] = ['lower_and_strip_punctuation', 'lower', 'strip_punctuation'];
const SPLIT: readonly string[] = ['whitespace', 'character'];
const OUTPUT_MODES: readonly TextOutputMode[] = ['int', 'one_hot', 'multi_hot', 'count', 'tf_idf'];

/** Keras's DEFAULT_STRIP_REGEX: [!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~'] (`,-\.` is the range , - .). */
const STRIP = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/gu;
/** tf.strings.split without a separator splits on runs of ASCII whitespace. */
const WHITESPACE = /[ \t\n\r\v\f]+/;

export const MASK_TOKEN = '';
export const OOV_TOKEN = '[UNK]';

export interface TextVectorizationArgs extends LayerArgs {
  /** Size of the vocabulary including the mask and OOV entries; null: no limit. */
  maxTokens?: number | null;
  standardize?: Standardize | 'none';
  split?: Split | 'none';
  /** n-grams of the split tokens: n gives 1..n-grams, a list gives those widths; null: tokens only. */
  ngrams?: number | readonly number[] | null;
  /** 'int' (the default), 'multi_hot' (Keras's 'binary'), 'count', 'tf_idf' (or 'tf-idf'), 'one_hot'. */
  outputMode?: TextOutputMode | 'binary' | 'tf-idf';
  /** 'int' only: pad with 0 or truncate every text to this many ids. */
  outputSequenceLength?: number | null;
  /** Non-'int' modes: output maxTokens columns even if the vocabulary is smaller. */
  padToMaxTokens?: boolean;
  /** The vocabulary (terms, optionally led by the mask and OOV tokens) instead of adapt. */
  vocabulary?: readonly string[] | null;
  /** 'tf_idf' with a given vocabulary: one weight per vocabulary entry. */
  idfWeights?: readonly number[] | null;
  /** Only false (there are no sparse or ragged tensors); encoding only 'utf-8'. */
  sparse?: boolean;
  ragged?: boolean;
  encoding?: 'utf-8';
}

const TEXT_VECTORIZATION_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<TextVectorizationArgs, keyof LayerArgs>>()([
    'maxTokens',
    'standardize',
    'split',
    'ngrams',
    'outputMode',
    'outputSequenceLength',
    'padToMaxTokens',
    'vocabulary',
    'idfWeights',
    'sparse',
    'ragged',
    'encoding',
  ]),
];

function choice<T extends string>(where: string, what: string, v: unknown, valid: readonly string[]): T | null {
  if (v === null || v === 'none') return null;
  if (typeof v !== 'string')
    throw new Error(
      `${where}: ${what} must be one of ${[...valid, 'none'].join(', ')} (or null), got ${JSON.stringify(v)}; custom functions are not supported.`,
    );
  return resolveName(`${where} ${what}`, v, valid) as T;
}

export class TextVectorization extends Layer {
  readonly maxTokens: number | null;
  readonly standardize: Standardize;
  readonly split: Split;
  readonly ngrams: number | readonly number[] | null;
  readonly outputMode: TextOutputMode;
  readonly outputSequenceLength: number | null;
  readonly padToMaxTokens: boolean;
  /** The vocabulary given to the constructor (Keras's input_vocabulary), kept for the config. */
  private readonly inputVocabulary: string[] | null;
  private readonly inputIdfWeights: number[] | null;
  private readonly ngramWidths: number[] | null;
  /** Learned or given terms (no special tokens), in index order. */
  private terms: string[] = [];
  private index = new Map<string, number>();
  /** One weight per output column in 'tf_idf' (OOV's first). */
  private idf: Float64Array | null = null;

  constructor(args: TextVectorizationArgs = {}) {
    checkOptionNames('TextVectorization', args, TEXT_VECTORIZATION_ARG_NAMES);
    const {
      maxTokens = null,
      standardize = 'lower_and_strip_punctuation',
      split = 'whitespace',
      ngrams = null,
      outputMode = 'int',
      outputSequenceLength = null,
      padToMaxTokens = false,
      vocabulary = null,
      idfWeights = null,
      sparse = false,
      ragged = false,
      encoding = 'utf-8',
      ...rest
    } = args;
    super(rest);
    const W = 'TextVectorization';
    this.standardize = choice<Exclude<Standardize, null>>(W, 'standardize', standardize, STANDARDIZE);
    this.split = choice<Exclude<Split, null>>(W, 'split', split, SPLIT);
    if (typeof outputMode !== 'string')
      throw new Error(`${W}: outputMode must be one of ${OUTPUT_MODES.join(', ')}, got ${JSON.stringify(outputMode)}.`);
    const mode = outputMode === 'binary' ? 'multi_hot' : outputMode === 'tf-idf' ? 'tf_idf' : outputMode;
    this.outputMode = resolveName(`${W} outputMode`, mode, OUTPUT_MODES) as TextOutputMode;
    if (maxTokens !== null && (!Number.isInteger(maxTokens) || maxTokens < 1))
      throw new Error(`${W}: maxTokens must be a positive integer or null, got ${JSON.stringify(maxTokens)}.`);
    this.maxTokens = maxTokens;
    if (ngrams === null) this.ngramWidths = null;
    else if (Number.isInteger(ngrams) && (ngrams as number) >= 1)
      this.ngramWidths = Array.from({ length: ngrams as number }, (_, i) => i + 1);
    else if (Array.isArray(ngrams) && ngrams.length > 0 && ngrams.every((n) => Number.isInteger(n) && n >= 1))
      this.ngramWidths = [...(ngrams as number[])];
    else
      throw new Error(
        `${W}: ngrams must be null, a positive integer or a list of them, got ${JSON.stringify(ngrams)}.`,
      );
    if (this.ngramWidths && this.split === null)
      throw new Error(`${W}: ngrams needs split (n-grams are of the split tokens); got split none.`);
    this.ngrams = ngrams === null || typeof ngrams === 'number' ? ngrams : [...ngrams];
    if (outputSequenceLength !== null) {
      if (this.outputMode !== 'int')
        throw new Error(
          `${W}: outputSequenceLength must not be set when outputMode is not 'int' (got '${this.outputMode}').`,
        );
      if (!Number.isInteger(outputSequenceLength) || outputSequenceLength < 1)
        throw new Error(
          `${W}: outputSequenceLength must be a positive integer or null, got ${JSON.stringify(outputSequenceLength)}.`,
        );
    }
    this.outputSequenceLength = outputSequenceLength;
    if (typeof padToMaxTokens !== 'boolean') throw new Error(`${W}: padToMaxTokens must be true or false.`);
    if (padToMaxTokens && this.maxTokens === null && this.outputMode !== 'int')
      throw new Error(`${W}: padToMaxTokens needs maxTokens.`);
    this.padToMaxTokens = padToMaxTokens;
    if (sparse !== false) throw new Error(`${W}: sparse=true is not supported (outputs are dense).`);
    if (ragged !== false)
      throw new Error(`${W}: ragged=true is not supported (use outputSequenceLength or the padded output).`);
    if (encoding !== 'utf-8')
      throw new Error(`${W}: only encoding 'utf-8' is supported, got ${JSON.stringify(encoding)}.`);
    this.inputVocabulary = vocabulary === null ? null : [...vocabulary];
    this.inputIdfWeights = idfWeights === null ? null : [...idfWeights];
    if (this.inputIdfWeights && this.outputMode !== 'tf_idf')
      throw new Error(`${W}: idfWeights is only used with outputMode 'tf_idf'.`);
    if (this.inputVocabulary) this.setVocabulary(this.inputVocabulary, this.inputIdfWeights);
    else if (this.inputIdfWeights) throw new Error(`${W}: idfWeights needs a vocabulary.`);
  }

  /** Index of the first term: after the mask (int mode only) and the OOV entry, as Keras's StringLookup. */
  private get tokenStart(): number {
    return this.outputMode === 'int' ? 2 : 1;
  }

  /** Keras's set_vocabulary: terms (optionally led by the special tokens) and, for 'tf_idf', their weights. */
  setVocabulary(vocabulary: readonly string[], idfWeights: readonly number[] | null = null): void {
    const W = `Layer '${this.name}' (TextVectorization)`;
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string'))
      throw new Error(`${W}: the vocabulary must be a list of strings.`);
    const specials = this.outputMode === 'int' ? [MASK_TOKEN, OOV_TOKEN] : [OOV_TOKEN];
    const led = specials.every((s, i) => vocabulary[i] === s);
    const terms = led ? vocabulary.slice(specials.length) : [...vocabulary];
    const seen = new Set<string>();
    for (const t of terms) {
      if (t === MASK_TOKEN || t === OOV_TOKEN)
        throw new Error(
          `${W}: the special token ${JSON.stringify(t)} may only lead the vocabulary, found it among the terms.`,
        );
      if (seen.has(t)) throw new Error(`${W}: the vocabulary has the term ${JSON.stringify(t)} more than once.`);
      seen.add(t);
    }
    if (this.maxTokens !== null && terms.length + this.tokenStart > this.maxTokens)
      throw new Error(
        `${W}: a vocabulary of ${terms.length + this.tokenStart} entries (with the special tokens) is larger than maxTokens ${this.maxTokens}.`,
      );
    if (this.outputMode === 'tf_idf') {
      if (!idfWeights) throw new Error(`${W}: outputMode 'tf_idf' needs idfWeights with the vocabulary.`);
      const withSpecials = idfWeights.length === vocabulary.length && led;
      if (idfWeights.length !== vocabulary.length)
        throw new Error(`${W}: idfWeights has ${idfWeights.length} entries, the vocabulary ${vocabulary.length}.`);
      const termWeights = withSpecials ? idfWeights.slice(1) : [...idfWeights];
      const oov = withSpecials
        ? idfWeights[0]!
        : termWeights.reduce((a, b) => a + b, 0) / Math.max(termWeights.length, 1);
      this.idf = Float64Array.from([oov, ...termWeights]);
    } else if (idfWeights) throw new Error(`${W}: idfWeights is only used with outputMode 'tf_idf'.`);
    this.terms = terms;
    this.index = new Map(terms.map((t, i) => [t, i + this.tokenStart]));
  }

  /** The vocabulary with the special tokens first, so a term's position is its id (Keras's get_vocabulary). */
  getVocabulary(includeSpecialTokens = true): string[] {
    if (!includeSpecialTokens) return [...this.terms];
    return [...(this.outputMode === 'int' ? [MASK_TOKEN, OOV_TOKEN] : [OOV_TOKEN]), ...this.terms];
  }

  vocabularySize(): number {
    return this.terms.length + this.tokenStart;
  }

  /** The tokens of one text: standardized, split and n-grammed as Keras does. */
  tokenize(text: string): string[] {
    let s = text;
    if (this.standardize === 'lower' || this.standardize === 'lower_and_strip_punctuation') s = s.toLowerCase();
    if (this.standardize === 'strip_punctuation' || this.standardize === 'lower_and_strip_punctuation')
      s = s.replace(STRIP, '');
    let tokens: string[];
    if (this.split === 'whitespace') tokens = s.split(WHITESPACE).filter((t) => t.length > 0);
    else if (this.split === 'character') tokens = Array.from(s);
    else tokens = [s];
    if (!this.ngramWidths) return tokens;
    // tf.strings.ngrams: every width in turn, joined by a space.
    const out: string[] = [];
    for (const n of this.ngramWidths)
      for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
    return out;
  }

  /**
   * Learns the vocabulary from texts (Keras's adapt): terms by descending frequency, ties broken
   * by descending byte order (NumPy's lexsort reversed), at most maxTokens entries with the
   * special tokens; in 'tf_idf' also idf = log(1 + documents / (1 + documents containing the term)).
   */
  adapt(data: readonly string[] | readonly (readonly string[])[]): void {
    const texts = this.texts(data);
    const counts = new Map<string, number>();
    const docs = new Map<string, number>();
    for (const text of texts) {
      const tokens = this.tokenize(text);
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const t of new Set(tokens)) docs.set(t, (docs.get(t) ?? 0) + 1);
    }
    counts.delete(OOV_TOKEN);
    if (this.outputMode === 'int') counts.delete(MASK_TOKEN);
    const utf8 = new TextEncoder();
    const bytes = new Map([...counts.keys()].map((t) => [t, utf8.encode(t)]));
    const byteOrder = (a: string, b: string): number => {
      const x = bytes.get(a)!;
      const y = bytes.get(b)!;
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    let terms = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || byteOrder(b, a));
    if (this.maxTokens !== null) terms = terms.slice(0, Math.max(this.maxTokens - this.tokenStart, 0));
    if (this.outputMode === 'tf_idf') {
      const idf = terms.map((t) => Math.log(1 + texts.length / (1 + (docs.get(t) ?? 0))));
      const oov = idf.length > 0 ? idf.reduce((a, b) => a + b, 0) / idf.length : 0;
      this.idf = Float64Array.from([oov, ...idf]);
    }
    this.terms = terms;
    this.index = new Map(terms.map((t, i) => [t, i + this.tokenStart]));
  }

  /** A batch of texts: strings, or [batch, 1] rows of one string each (Keras's shape (batch, 1)). */
  private texts(data: unknown): string[] {
    const W = `Layer '${this.name}' (TextVectorization)`;
    if (typeof data === 'string') return [data];
    if (!Array.isArray(data))
      throw new Error(
        `${W} takes strings (a JS array of strings, or of one-string rows), got ${data instanceof Tensor ? 'a tensor' : typeof data}. ` +
          `Model graphs here carry numeric tensors only: vectorize the text with layer.apply(texts) before the model.`,
      );
    return data.map((row: unknown, i) => {
      if (typeof row === 'string') return row;
      if (Array.isArray(row) && row.length === 1 && typeof row[0] === 'string') return row[0];
      throw new Error(
        `${W}: entry ${i} is not a string or a one-string row (shape [batch, 1]), got ${JSON.stringify(row)?.slice(0, 60)}.`,
      );
    });
  }

  /**
   * Token ids or vectors for a batch of texts (a single string gives a batch of one). It takes
   * strings where other layers take tensors, so its signature is wider than Layer.apply's.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override apply(inputs: unknown, _options: { training?: boolean } = {}): any {
    const texts = this.texts(inputs);
    if (this.outputMode !== 'int' && !this.padToMaxTokens && this.terms.length === 0)
      throw new Error(
        `Layer '${this.name}' (TextVectorization): the vocabulary is empty; call adapt() or pass vocabulary first.`,
      );
    const ids = texts.map((t) =>
      this.tokenize(t).map(
        (tok) => this.index.get(tok) ?? (tok === MASK_TOKEN && this.outputMode === 'int' ? 0 : this.tokenStart - 1),
      ),
    );
    if (this.outputMode === 'int') {
      const len = this.outputSequenceLength ?? Math.max(0, ...ids.map((r) => r.length));
      const out = new Int32Array(texts.length * len);
      ids.forEach((r, i) => r.slice(0, len).forEach((id, j) => (out[i * len + j] = id)));
      return new Tensor(out, [texts.length, len], 'int32');
    }
    const depth = this.padToMaxTokens && this.maxTokens !== null ? this.maxTokens : this.vocabularySize();
    const out = new Float32Array(texts.length * depth);
    ids.forEach((r, i) => {
      if (this.outputMode === 'one_hot' && r.length !== 1)
        throw new Error(
          `Layer '${this.name}' (TextVectorization): outputMode 'one_hot' needs exactly one token per text, text ${i} has ${r.length}.`,
        );
      for (const id of r) {
        const at = i * depth + id;
        out[at] = this.outputMode === 'multi_hot' || this.outputMode === 'one_hot' ? 1 : out[at]! + 1;
      }
      if (this.outputMode === 'tf_idf')
        for (let j = 0; j < depth; j++) out[i * depth + j] = out[i * depth + j]! * (this.idf![j] ?? 0);
    });
    return new Tensor(out, [texts.length, depth], 'float32');
  }

  override call(_inputs: unknown, _options: CallOptions): Tensor {
    throw new Error(
      `Layer '${this.name}' (TextVectorization) takes JS strings, not tensors: model graphs here carry numeric tensors only, ` +
        `so vectorize the text with layer.apply(texts) before the model.`,
    );
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      max_tokens: this.maxTokens,
      standardize: this.standardize,
      split: this.split,
      ngrams: this.ngrams === null || typeof this.ngrams === 'number' ? this.ngrams : [...this.ngrams],
      output_mode: this.outputMode,
      output_sequence_length: this.outputSequenceLength,
      pad_to_max_tokens: this.padToMaxTokens,
      sparse: false,
      ragged: false,
      // Keras writes the constructor's vocabulary here and an adapted one to assets/vocabulary.txt;
      // with no model file to hold assets, the full vocabulary (and idf weights) go in the config.
      vocabulary: this.inputVocabulary ?? (this.terms.length > 0 ? this.getVocabulary() : null),
      idf_weights:
        this.inputIdfWeights ??
        (this.outputMode === 'tf_idf' && this.idf && this.terms.length > 0 ? Array.from(this.idf) : null),
      encoding: 'utf-8',
      vocabulary_size: this.vocabularySize(),
    };
  }
}
