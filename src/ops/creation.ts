import type { DType, TypedArray } from '../core/dtype.js';
import { allocateUninitialized, dtypeOfArray, toBfloat16Bits } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { sizeOf, shapeToString } from '../core/shape.js';
import { getRandom } from '../core/random.js';

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

/** 0, 1, ..., n-1 (or start..stop by step) as in np.arange. */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'int32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocateUninitialized(dtype, n);
  const enc = encoder(dtype);
  for (let i = 0; i < n; i++) data[i] = enc(start + i * step);
  return new Tensor(data, [n], dtype);
}

export interface RandomOptions {
  dtype?: DType;
}

/** Uniform in [minval, maxval) from the seeded global generator. */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, opts: RandomOptions = {}): Tensor {
  const rng = getRandom();
  const out = zeros(shape, opts.dtype ?? 'float32');
  const d = out.data;
  const enc = encoder(out.dtype);
  for (let i = 0; i < d.length; i++) d[i] = enc(minval + (maxval - minval) * rng.uniform());
  return out;
}

/** Normal(mean, stddev) from the seeded global generator. */
export function randomNormal(shape: readonly number[], mean = 0, stddev = 1, opts: RandomOptions = {}): Tensor {
  const rng = getRandom();
  const out = zeros(shape, opts.dtype ?? 'float32');
  const d = out.data;
  const enc = encoder(out.dtype);
  for (let i = 0; i < d.length; i++) d[i] = enc(mean + stddev * rng.normal());
  return out;
}

/** Normal(mean, stddev) redrawn until within two standard deviations, as TensorFlow's truncated_normal. */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, opts: RandomOptions = {}): Tensor {
  const rng = getRandom();
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
