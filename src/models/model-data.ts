import { shapeToString } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Nested } from '../layers/graph/nest.js';
import { flattenNested, isPlainRecord, mapNested } from '../layers/graph/nest.js';
import { slice, take } from '../ops/slice.js';

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
