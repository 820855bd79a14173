/**
 * Metrics keep their state in plain JavaScript numbers (as Keras keeps it in variables) and
 * compute their updates on host copies of the batch in float64: a metric is read once per batch,
 * never differentiated, and its sums over an epoch must not lose counts to float32 rounding.
 */
import { Tensor } from '../core/tensor.js';
import { fromBfloat16Bits } from '../core/dtype.js';
import { shapeToString, sizeOf } from '../core/shape.js';

/** A host copy of a tensor: float64 values in row-major order and the shape. */
export interface Host {
  data: Float64Array;
  shape: number[];
}

/** What a metric accepts as y_true, y_pred or sample weights: a tensor, a number or nested arrays. */
export type MetricInput = Tensor | number | boolean | readonly unknown[] | ArrayLike<number>;

export function isTensorLike(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** A host copy of `x` (`where` names the metric and argument in errors). */
export function toHost(x: MetricInput, where: string): Host {
  if (x instanceof Tensor) {
    const data =
      x.dtype === 'bfloat16'
        ? Float64Array.from(x.data, fromBfloat16Bits)
        : Float64Array.from(x.data as ArrayLike<number>);
    return { data, shape: [...x.shape] };
  }
  if (typeof x === 'number') return { data: Float64Array.of(x), shape: [] };
  if (typeof x === 'boolean') return { data: Float64Array.of(x ? 1 : 0), shape: [] };
  if (ArrayBuffer.isView(x)) {
    const a = x as unknown as ArrayLike<number>;
    return { data: Float64Array.from(a), shape: [a.length] };
  }
  if (Array.isArray(x)) {
    const shape: number[] = [];
    let probe: unknown = x;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    const out = new Float64Array(sizeOf(shape));
    let k = 0;
    const walk = (v: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof v === 'number') out[k++] = v;
        else if (typeof v === 'boolean') out[k++] = v ? 1 : 0;
        else throw new Error(`${where}: expected numbers, got ${String(v)}.`);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth])
        throw new Error(`${where}: ragged nested array (expected shape ${shapeToString(shape)}).`);
      for (const e of v) walk(e, depth + 1);
    };
    walk(x, 0);
    return { data: out, shape };
  }
  throw new Error(`${where}: expected a tensor, a number or nested arrays, got ${String(x)}.`);
}

export function hostToTensor(h: Host): Tensor {
  return new Tensor(Float32Array.from(h.data), h.shape, 'float32');
}

export function reshaped(h: Host, shape: readonly number[]): Host {
  return { data: h.data, shape: [...shape] };
}

/** Keras's squeeze_or_expand_to_same_rank: drops or adds a trailing 1 when ranks differ by one. */
export function squeezeOrExpand(a: Host, b: Host, expandRank1 = true): [Host, Host] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra === rb) return [a, b];
  if (ra === rb + 1 && a.shape[ra - 1] === 1) {
    if (rb === 1 && expandRank1) return [a, reshaped(b, [...b.shape, 1])];
    return [reshaped(a, a.shape.slice(0, -1)), b];
  }
  if (rb === ra + 1 && b.shape[rb - 1] === 1) {
    if (ra === 1 && expandRank1) return [reshaped(a, [...a.shape, 1]), b];
    return [a, reshaped(b, b.shape.slice(0, -1))];
  }
  return [a, b];
}

/** The NumPy broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** `h` broadcast to `shape` (NumPy rules); throws naming `where` when it cannot be. */
export function broadcastTo(h: Host, shape: readonly number[], where: string): Host {
  const target = broadcastShapes(h.shape, shape);
  if (!target || target.length !== shape.length || target.some((d, i) => d !== shape[i]))
    throw new Error(`${where}: shape ${shapeToString(h.shape)} does not broadcast to ${shapeToString(shape)}.`);
  if (h.shape.length === shape.length && h.shape.every((d, i) => d === shape[i])) return h;
  const size = sizeOf(shape);
  const out = new Float64Array(size);
  const rank = shape.length;
  const padded = [...Array<number>(rank - h.shape.length).fill(1), ...h.shape];
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i]!;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < size; k++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strides[i]!;
    out[k] = h.data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: [...shape] };
}

/** An elementwise op on two broadcast arrays. */
export function zip(a: Host, b: Host, f: (x: number, y: number) => number, where: string): Host {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape)
    throw new Error(
      `${where}: y_true of shape ${shapeToString(a.shape)} and y_pred of shape ${shapeToString(b.shape)} do not broadcast.`,
    );
  const x = broadcastTo(a, shape, where);
  const y = broadcastTo(b, shape, where);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]!, y.data[i]!);
  return { data: out, shape };
}

/** Reduces the trailing axes from `fromAxis` on with a mean (or sum). */
export function reduceTrailing(h: Host, fromAxis: number, how: 'mean' | 'sum'): Host {
  if (fromAxis >= h.shape.length) return h;
  const outShape = h.shape.slice(0, fromAxis);
  const inner = sizeOf(h.shape.slice(fromAxis));
  const outer = sizeOf(outShape);
  const out = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let i = 0; i < inner; i++) s += h.data[o * inner + i]!;
    out[o] = how === 'mean' ? s / inner : s;
  }
  return { data: out, shape: outShape };
}

/** Row-wise view of the last axis: `rows` rows of `width` values. */
export function lastAxis(h: Host): { rows: number; width: number } {
  const width = h.shape.length === 0 ? 1 : h.shape[h.shape.length - 1]!;
  return { rows: width === 0 ? 0 : h.data.length / width, width };
}

/** Index of the first maximum along the last axis (NaN counts as the maximum, as NumPy). */
export function argmaxLast(h: Host): Host {
  const { rows, width } = lastAxis(h);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestV = h.data[r * width]!;
    if (!Number.isNaN(bestV))
      for (let j = 1; j < width; j++) {
        const v = h.data[r * width + j]!;
        if (Number.isNaN(v)) {
          best = j;
          break;
        }
        if (v > bestV) [best, bestV] = [j, v];
      }
    out[r] = best;
  }
  return { data: out, shape: h.shape.slice(0, -1) };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
