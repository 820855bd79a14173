import { shapeToString } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Nested } from '../layers/graph/nest.js';
import { flattenNested, isPlainRecord, mapNested } from '../layers/graph/nest.js';
import { slice, take } from '../ops/slice.js';
import { tensor } from '../ops/creation.js';
import { reshape } from '../ops/reshape.js';

/** Data for a model's inputs or targets: one tensor, an array (one per input/output) or a record by name. */
export type ModelData = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;

export const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;

/** The number of samples in data, checking every tensor in it has the same first dimension. */
export function sampleCount(data: Nested<Tensor>, what: string): number {
  const leaves = flattenNested(data, isTensor);
  if (leaves.length === 0 || !onlyTensors(data))
    throw new Error(
      `${what}: expected a tensor, an array of tensors or a record of tensors, got ${describeData(data)}.`,
    );
  for (const t of leaves) if (t.rank === 0) throw new Error(`${what}: every tensor needs a batch axis, got a scalar.`);
  const n = leaves[0]!.shape[0]!;
  for (const t of leaves)
    if (t.shape[0] !== n)
      throw new Error(
        `${what}: all tensors need the same number of samples, got ${leaves.map((l) => shapeToString(l.shape)).join(', ')}.`,
      );
  return n;
}

/** Rows `start .. start + size` of every tensor. */
export function sliceData(data: Nested<Tensor>, start: number, size: number): Nested<Tensor> {
  return mapNested(data, isTensor, (t) => slice(t, [start], [size]));
}

/** The rows at `indices` of every tensor. */
export function takeData(data: Nested<Tensor>, indices: Int32Array): Nested<Tensor> {
  return mapNested(data, isTensor, (t) => take(t, indices));
}

/**
 * Data aligned with named slots (a model's inputs or outputs): a tensor for a single slot, an array
 * with one tensor per slot, or a record keyed by the slot names.
 */
export function alignData(data: unknown, names: readonly string[], what: string): Tensor[] {
  if (isTensor(data)) {
    if (names.length !== 1)
      throw new Error(
        `${what}: the model has ${names.length} (${names.join(', ')}); give an array or a record by name, not one tensor.`,
      );
    return [data];
  }
  if (Array.isArray(data)) {
    if (data.length !== names.length || !data.every(isTensor))
      throw new Error(`${what}: expected ${names.length} tensors (${names.join(', ')}), got ${describeData(data)}.`);
    return data as Tensor[];
  }
  if (isPlainRecord(data)) {
    const keys = Object.keys(data);
    for (const k of keys)
      if (!names.includes(k)) throw new Error(`${what}: unknown name '${k}'; the names are ${names.join(', ')}.`);
    return names.map((name) => {
      const t = Object.hasOwn(data, name) ? data[name] : undefined;
      if (!isTensor(t)) throw new Error(`${what}: no tensor given for '${name}' (got keys ${keys.join(', ')}).`);
      return t;
    });
  }
  throw new Error(`${what}: expected a tensor, an array of tensors or a record of tensors, got ${describeData(data)}.`);
}

function onlyTensors(v: unknown): boolean {
  if (isTensor(v)) return true;
  if (Array.isArray(v)) return v.every(onlyTensors);
  if (isPlainRecord(v)) return Object.values(v).every(onlyTensors);
  return false;
}

function describeData(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (isTensor(v)) return `a tensor ${shapeToString(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length} (${v.slice(0, 4).map(describeData).join(', ')})`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ')}`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** Input or target data before conversion: tensors, nested number arrays or typed arrays, alone or per slot. */
export type DataLike =
  Tensor | TypedArrayLike | NestedNumbers | readonly DataLike[] | { readonly [name: string]: DataLike };
type NestedNumbers = number | boolean | readonly NestedNumbers[];
type TypedArrayLike = ArrayBufferView & ArrayLike<number>;

const isTypedArray = (v: unknown): v is TypedArrayLike => ArrayBuffer.isView(v) && !(v instanceof DataView);
const isNumberArray = (v: unknown): boolean =>
  Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number' || typeof v[0] === 'boolean' || Array.isArray(v[0]));

/** Whether `v` is (or holds) plain JavaScript data that `toTensorData` would convert. */
export function needsConversion(v: unknown): boolean {
  if (isTensor(v)) return false;
  if (isTypedArray(v) || isNumberArray(v)) return true;
  if (Array.isArray(v)) return v.some(needsConversion);
  if (isPlainRecord(v)) return Object.values(v).some(needsConversion);
  return false;
}

/**
 * Converts JavaScript data for a model's inputs ('x', with their symbolic shapes) or outputs
 * ('y' and sample weights, 1-D for typed arrays) to tensors, keeping the container (one value,
 * an array per slot, a record by name). Nested arrays become float32 tensors; typed arrays for
 * inputs take the input's per-sample shape. Errors name the slot and the shapes expected and got.
 */
export function toTensorData(
  data: unknown,
  names: readonly string[],
  shapes: readonly (readonly (number | null)[] | null)[] | null,
  what: string,
): Nested<Tensor> {
  if (!needsConversion(data)) return data as Nested<Tensor>;
  const one = (v: unknown, i: number): Tensor => convertOne(v, names[i] ?? `#${i}`, shapes?.[i] ?? null, what);
  if (isTensor(data) || isTypedArray(data) || (isNumberArray(data) && !(names.length > 1 && Array.isArray(data))))
    return one(data, 0);
  if (Array.isArray(data)) return data.map((v, i) => one(v, i));
  if (isPlainRecord(data)) {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(data)) {
      const i = names.indexOf(k);
      out[k] = i < 0 ? (v as Tensor) : one(v, i); // unknown keys are refused by alignData, by name
    }
    return out;
  }
  return data as Nested<Tensor>;
}

/** A shape as Keras prints it: (None, 4), (3,). */
export function kerasShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

function convertOne(v: unknown, name: string, shape: readonly (number | null)[] | null, what: string): Tensor {
  if (isTensor(v)) return v;
  const per = shape ? shape.slice(1) : null;
  const expected = shape ? ` (the model expects ${kerasShape(shape)})` : '';
  if (isTypedArray(v)) {
    const arr = v.constructor === Float64Array ? Float32Array.from(v) : v;
    const t = tensor(arr as unknown as Parameters<typeof tensor>[0]);
    if (!per) return t;
    if (per.some((d) => d === null))
      throw new Error(
        `${what}: a flat typed array for '${name}' needs a fixed sample shape${expected}; give a tensor or nested arrays.`,
      );
    const size = (per as number[]).reduce((a, b) => a * b, 1);
    if (size === 0 || t.size % size !== 0)
      throw new Error(
        `${what}: '${name}' got a typed array of ${t.size} values, which is not a whole number of samples of shape ` +
          `${kerasShape(per)} (${size} values each)${expected}.`,
      );
    return reshape(t, [t.size / size, ...(per as number[])]);
  }
  if (isNumberArray(v)) {
    let t: Tensor;
    try {
      t = tensor(v as Parameters<typeof tensor>[0], undefined, 'float32');
    } catch (e) {
      throw new Error(`${what}: '${name}': ${(e as Error).message.replace(/^tensor\(\): /, '')}`);
    }
    if (per && (t.rank !== per.length + 1 || per.some((d, i) => d !== null && d !== t.shape[i + 1])))
      throw new Error(
        `${what}: '${name}' got nested arrays of shape ${kerasShape(t.shape)}${expected}; each sample must have shape ` +
          `${kerasShape(per)}.`,
      );
    return t;
  }
  throw new Error(
    `${what}: '${name}' got ${describeData(v)}; expected a tensor, nested number arrays or a typed array.`,
  );
}
