import type { DType, TypedArray } from '../core/dtype.js';
import { allocateUninitialized, dtypeOfArray, toBfloat16Bits } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { sizeOf, shapeToString } from '../core/shape.js';
import { Random, getRandom } from '../core/random.js';
import { checkOptionNames } from '../utils/option-names.js';

type Nested = number | boolean | readonly Nested[];

const identity = (v: number): number => v;

/** How a number is stored in an array of dtype d: as is, or as a bfloat16 bit pattern. */
function encoder(d: DType): (v: number) => number {
  return d === 'bfloat16' ? toBfloat16Bits : identity;
}

/** A tensor from nested arrays (like np.array), or from a typed array with a shape. */
export function tensor(values: Nested | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (ArrayBuffer.isView(values)) {
    const data = values as TypedArray;
    const d = dtype ?? dtypeOfArray(data);
    return new Tensor(data, shape ?? [data.length], d);
  }
  const inferred: number[] = [];
  let v: Nested = values;
  while (Array.isArray(v)) {
    inferred.push(v.length);
    v = (v as readonly Nested[])[0] as Nested;
  }
  const flat: (number | boolean)[] = [];
  const index: number[] = [];
  const walk = (x: Nested, depth: number): void => {
    if (Array.isArray(x)) {
      if (depth >= inferred.length || x.length !== inferred[depth]) {
        throw new Error(`tensor(): ragged nested array; expected shape ${shapeToString(inferred)}.`);
      }
      (x as readonly Nested[]).forEach((e, i) => {
        index[depth] = i;
        walk(e, depth + 1);
      });
    } else {
      if (depth !== inferred.length)
        throw new Error(`tensor(): ragged nested array; expected shape ${shapeToString(inferred)}.`);
      // Number('a') would be a silent NaN: only numbers and booleans are values.
      if (typeof x !== 'number' && typeof x !== 'boolean') {
        const at = index.slice(0, depth).join(', ');
        const shown = typeof x === 'string' ? `'${x}'` : String(x);
        throw new Error(
          `tensor(): element [${at}] is ${shown} (${x === null ? 'null' : typeof x}); expected numbers or booleans.`,
        );
      }
      flat.push(x);
    }
  };
  walk(values, 0);
  const d: DType = dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  const data = allocateUninitialized(d, flat.length);
  const enc = encoder(d);
  for (let i = 0; i < flat.length; i++) data[i] = enc(Number(flat[i]));
  const finalShape = shape ?? inferred;
  if (sizeOf(finalShape) !== flat.length) {
    throw new Error(`tensor(): ${flat.length} values do not fill shape ${shapeToString(finalShape)}.`);
  }
  return new Tensor(data, finalShape, d);
}

/** Alias of `tensor` for flat data plus a shape. */
export function fromArray(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const data = allocateUninitialized(dtype, values.length);
  const enc = encoder(dtype);
  for (let i = 0; i < values.length; i++) data[i] = enc(values[i]!);
  return new Tensor(data, shape, dtype);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const t = Tensor.empty(shape, dtype); // zero-filled; names the shape if it cannot be allocated
  if (value !== 0) t.data.fill(encoder(dtype)(value));
  return t;
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return ones(x.shape, x.dtype);
}

/**
 * 0, 1, ..., n-1 (or start..stop by step) as in np.arange / keras.ops.arange. Without a dtype it is
 * int32 when start, stop and step are all integers and float32 otherwise (`arange(0, 1, 0.25)` used
 * to give int32 zeros).
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be a nonzero finite number; got ${step}.`);
  dtype ??= [start, stop, step].every(Number.isInteger) ? 'int32' : 'float32';
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocateUninitialized(dtype, n);
  const enc = encoder(dtype);
  for (let i = 0; i < n; i++) data[i] = enc(start + i * step);
  return new Tensor(data, [n], dtype);
}

export interface RandomOptions {
  dtype?: DType;
  /** Draw from a generator seeded with this number (repeatable, and the global stream is untouched). */
  seed?: number;
}

const RANDOM_OPTIONS = ['dtype', 'seed'];

/** The generator a random op draws from: its own when seeded, else the global one (setRandomSeed). */
function generator(op: string, opts: RandomOptions): Random {
  checkOptionNames(op, opts, RANDOM_OPTIONS);
  if (opts.seed === undefined) return getRandom();
  if (!Number.isInteger(opts.seed)) throw new Error(`${op}: seed must be an integer; got ${opts.seed}.`);
  return new Random(opts.seed);
}

/** Uniform in [minval, maxval) from the seeded global generator. */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, opts: RandomOptions = {}): Tensor {
  const rng = generator('randomUniform', opts);
  const out = zeros(shape, opts.dtype ?? 'float32');
  const d = out.data;
  const enc = encoder(out.dtype);
  for (let i = 0; i < d.length; i++) d[i] = enc(minval + (maxval - minval) * rng.uniform());
  return out;
}

/** Normal(mean, stddev) from the seeded global generator. */
export function randomNormal(shape: readonly number[], mean = 0, stddev = 1, opts: RandomOptions = {}): Tensor {
  const rng = generator('randomNormal', opts);
  const out = zeros(shape, opts.dtype ?? 'float32');
  const d = out.data;
  const enc = encoder(out.dtype);
  for (let i = 0; i < d.length; i++) d[i] = enc(mean + stddev * rng.normal());
  return out;
}

/** Normal(mean, stddev) redrawn until within two standard deviations, as TensorFlow's truncated_normal. */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, opts: RandomOptions = {}): Tensor {
  const rng = generator('truncatedNormal', opts);
  const out = zeros(shape, opts.dtype ?? 'float32');
  const d = out.data;
  const enc = encoder(out.dtype);
  for (let i = 0; i < d.length; i++) {
    let z: number;
    do z = rng.normal();
    while (Math.abs(z) > 2);
    d[i] = enc(mean + stddev * z);
  }
  return out;
}

/** One-hot rows for integer class ids: shape [...ids.shape, depth]. */
export function oneHot(ids: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  const out = zeros([...ids.shape, depth], dtype);
  const src = ids.data;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= depth) {
      throw new Error(`oneHot: class id ${c} at position ${i} is outside [0, ${depth}).`);
    }
    out.data[i * depth + c] = encoder(dtype)(1);
  }
  return out;
}

/**
 * `num` evenly spaced values from start to stop (stop included unless `endpoint` is false), as
 * np.linspace / keras.ops.linspace; float32 unless a dtype is given.
 */
export function linspace(start: number, stop: number, num = 50, endpoint = true, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer; got ${num}.`);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = allocateUninitialized(dtype, num);
  const enc = encoder(dtype);
  for (let i = 0; i < num; i++) data[i] = enc(endpoint && i === num - 1 && num > 1 ? stop : start + i * step);
  return new Tensor(data, [num], dtype);
}

/** An N x M matrix with ones on diagonal k (0: main, > 0 above, < 0 below), as np.eye / keras.ops.eye. */
export function eye(n: number, m?: number | null, k = 0, dtype: DType = 'float32'): Tensor {
  const cols = m ?? n;
  for (const [what, v] of [
    ['N', n],
    ['M', cols],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw new Error(`eye: ${what} must be a non-negative integer; got ${v}.`);
  if (!Number.isInteger(k)) throw new Error(`eye: k must be an integer; got ${k}.`);
  const out = zeros([n, cols], dtype);
  const one = encoder(dtype)(1);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) out.data[i * cols + j] = one;
  }
  return out;
}

/**
 * Draws `numSamples` class ids per row of `logits` ([batch, classes], unnormalised log-probabilities),
 * as keras.random.categorical / tf.random.categorical: int32 [batch, numSamples]. A row with a NaN
 * logit is an error (there is no class to give it).
 */
export function randomCategorical(logits: Tensor, numSamples: number, opts: RandomOptions = {}): Tensor {
  const rng = generator('randomCategorical', opts);
  if (logits.rank !== 2)
    throw new Error(`randomCategorical: logits must be [batch, classes]; got shape ${shapeToString(logits.shape)}.`);
  if (!Number.isInteger(numSamples) || numSamples < 0)
    throw new Error(`randomCategorical: numSamples must be a non-negative integer; got ${numSamples}.`);
  if (logits.dtype === 'bfloat16') throw new Error('randomCategorical: cast bfloat16 logits to float32 first.');
  const [rows, classes] = logits.shape as [number, number];
  if (classes === 0) throw new Error('randomCategorical: logits have no classes (last axis of size 0).');
  const dtype = opts.dtype ?? 'int32';
  const out = zeros([rows, numSamples], dtype);
  const p = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    let hi = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = Number(logits.data[r * classes + c]);
      if (Number.isNaN(v)) throw new Error(`randomCategorical: logits row ${r} has a NaN.`);
      hi = Math.max(hi, v);
    }
    if (hi === -Infinity) throw new Error(`randomCategorical: every logit of row ${r} is -Infinity.`);
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const v = Number(logits.data[r * classes + c]);
      total += hi === Infinity ? (v === Infinity ? 1 : 0) : Math.exp(v - hi);
      p[c] = total; // cumulative weights
    }
    for (let s = 0; s < numSamples; s++) {
      const u = rng.uniform() * total;
      let c = 0;
      while (c < classes - 1 && u >= p[c]!) c++;
      out.data[r * numSamples + s] = c;
    }
  }
  return out;
}
