/**
 * `keras.preprocessing.sequence.pad_sequences`: ragged integer sequences to one dense 2-D tensor.
 * Browser-safe (no Node imports).
 */
import type { DType } from '../core/dtype.js';
import { DTYPES, allocate } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';

export type PadSide = 'pre' | 'post';

export interface PadSequencesOptions {
  /** Length of every output row; defaults to the longest sequence. */
  maxlen?: number;
  /** Output dtype; values are converted as NumPy's `astype` would (ints truncate toward zero). */
  dtype?: DType;
  /** Pad at the start ('pre', Keras's default) or at the end ('post'). */
  padding?: PadSide;
  /** Drop the surplus of long sequences from the start ('pre', Keras's default) or the end ('post'). */
  truncating?: PadSide;
  /** Fill value for padding. */
  value?: number;
}

type NumericSequence = ArrayLike<number>;

/**
 * Pads (or truncates) each sequence to `maxlen` and stacks them into a tensor of shape
 * [sequences.length, maxlen], with Keras's defaults: pad and truncate at the start, pad with 0.
 */
export function padSequences(sequences: readonly NumericSequence[], options: PadSequencesOptions = {}): Tensor {
  const { dtype = 'int32', padding = 'pre', truncating = 'pre', value = 0 } = options;
  if (!Array.isArray(sequences)) {
    throw new Error('padSequences: `sequences` must be an array of sequences (arrays of numbers).');
  }
  if (padding !== 'pre' && padding !== 'post') {
    throw new Error(`padSequences: padding must be 'pre' or 'post', got ${JSON.stringify(padding)}.`);
  }
  if (truncating !== 'pre' && truncating !== 'post') {
    throw new Error(`padSequences: truncating must be 'pre' or 'post', got ${JSON.stringify(truncating)}.`);
  }
  if (!DTYPES.includes(dtype)) {
    throw new Error(`padSequences: dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(dtype)}.`);
  }
  if (typeof value !== 'number' || (Number.isNaN(value) && dtype !== 'float32' && dtype !== 'float64')) {
    // NumPy would silently turn NaN into an arbitrary integer; refuse instead.
    throw new Error(`padSequences: value must be a number representable in ${dtype}, got ${String(value)}.`);
  }
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') {
      throw new Error(`padSequences: sequences[${i}] is not a sequence (got ${String(s)}).`);
    }
  });

  let maxlen = options.maxlen;
  if (maxlen === undefined || maxlen === null) {
    maxlen = 0;
    for (const s of sequences) maxlen = Math.max(maxlen, s.length);
  } else if (!Number.isInteger(maxlen) || maxlen < 0) {
    throw new Error(`padSequences: maxlen must be a non-negative integer, got ${String(maxlen)}.`);
  }

  const n = sequences.length;
  const data = allocate(dtype, n * maxlen);
  // bool storage is 0/1, like NumPy's astype(bool); other dtypes convert on typed-array assignment.
  const cast = dtype === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : (v: number) => v;
  const fill = cast(value);
  if (fill !== 0) data.fill(fill);

  for (let row = 0; row < n; row++) {
    const s = sequences[row]!;
    const keep = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - keep : 0;
    const to = row * maxlen + (padding === 'pre' ? maxlen - keep : 0);
    for (let k = 0; k < keep; k++) {
      const v = s[from + k];
      if (typeof v !== 'number') {
        throw new Error(`padSequences: sequences[${row}][${from + k}] is not a number (got ${String(v)}).`);
      }
      data[to + k] = cast(v);
    }
  }
  return new Tensor(data, [n, maxlen], dtype);
}
