import { Tensor } from '../core/tensor.js';
import { astype } from '../ops/cast.js';
import { div, mul } from '../ops/binary.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { isPlainRecord } from '../layers/graph/nest.js';
import { isTensor, kerasShape as shapeToString } from './model-data.js';

/** `classWeight` in fit: weight per class index (Keras's `class_weight` dict). */
export type ClassWeight = Readonly<Record<number | string, number>> | ReadonlyMap<number, number>;

/**
 * Keras's default loss reduction 'sum_over_batch_size' with sample weights: the per-sample
 * losses times their weights, summed, divided by the number of loss values (the batch size for
 * per-sample losses), not by the sum of the weights (keras/src/losses/loss.py,
 * reduce_weighted_values). Without weights it is the plain mean.
 */
export function weightedMeanLoss(values: Tensor, sampleWeight: Tensor | null, where: string): Tensor {
  if (!sampleWeight) return mean(values);
  let v = values;
  let w = astype(sampleWeight, values.dtype);
  // Keras's squeeze_or_expand_to_same_rank: one rank apart with a trailing 1.
  if (v.rank === w.rank + 1 && v.shape[v.rank - 1] === 1) {
    if (w.rank === 1) w = reshape(w, [...w.shape, 1]);
    else v = reshape(v, v.shape.slice(0, -1));
  } else if (w.rank === v.rank + 1 && w.shape[w.rank - 1] === 1) {
    if (v.rank === 1) v = reshape(v, [...v.shape, 1]);
    else w = reshape(w, w.shape.slice(0, -1));
  }
  const fits =
    w.rank === v.rank && w.shape.every((d, i) => d === v.shape[i] || (d === 1 && i > 0)) && w.shape[0] === v.shape[0];
  if (!fits)
    throw new Error(
      `${where}: sample weights of shape ${shapeToString(sampleWeight.shape)} do not fit the per-sample losses of shape ` +
        `${shapeToString(values.shape)}; give one weight per sample (shape (${values.shape[0]},)) or one per loss value.`,
    );
  return div(sum(mul(v, w)), values.size);
}

function classWeightMap(classWeight: ClassWeight): Map<number, number> {
  if (classWeight === null || typeof classWeight !== 'object' || Array.isArray(classWeight))
    throw new Error(
      `fit: classWeight must be a record (or Map) from class index to weight, e.g. { 0: 1, 1: 50 }; got ${String(classWeight)}.`,
    );
  const entries: [unknown, unknown][] =
    classWeight instanceof Map ? [...classWeight.entries()] : Object.entries(classWeight as object);
  const map = new Map<number, number>();
  for (const [key, value] of entries) {
    const k = typeof key === 'number' ? key : Number(key);
    if (!Number.isInteger(k) || k < 0 || (typeof key === 'string' && key.trim() === ''))
      throw new Error(`fit: classWeight keys must be integer class indices; got '${String(key)}'.`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`fit: classWeight[${k}] must be a finite number, got ${String(value)}.`);
    map.set(k, value);
  }
  return map;
}

/**
 * Keras's class_weight_to_sample_weights: the class of each sample is the argmax of one-hot
 * targets, else the (rounded) label itself; classes missing from the map weigh 1.
 */
export function classWeightToSampleWeights(y: Tensor, classWeight: ClassWeight): Tensor {
  const map = classWeightMap(classWeight);
  if (y.rank === 0) throw new Error('fit: classWeight needs targets with a batch axis, got a scalar.');
  const n = y.shape[0]!;
  const per = n === 0 ? 0 : y.size / n;
  const oneHot = y.rank > 1 && y.shape[y.rank - 1] !== 1;
  const yf = astype(y, 'float32').data as Float32Array;
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (oneHot) {
      let best = 0;
      for (let j = 1; j < per; j++) if (yf[i * per + j]! > yf[i * per + best]!) best = j;
      cls = best;
    } else {
      if (y.rank > 2 || (y.rank === 2 && per !== 1))
        throw new Error(`fit: classWeight needs one label per sample, got targets ${shapeToString(y.shape)}.`);
      cls = Math.round(yf[i]!);
    }
    w[i] = map.get(cls) ?? 1;
  }
  return new Tensor(w, [n], 'float32');
}

/**
 * Sample weights for each output: one tensor for a single output (or replicated on every output
 * when it has one weight per sample, as Keras does), an array per output, or a record by name;
 * null entries mean unweighted.
 */
export function alignSampleWeights(sw: unknown, names: readonly string[], what: string): (Tensor | null)[] {
  if (sw === undefined || sw === null) return names.map(() => null);
  if (isTensor(sw)) {
    if (names.length > 1 && !(sw.rank === 1 || (sw.rank === 2 && sw.shape[1] === 1)))
      throw new Error(
        `${what}: for a model with several outputs, one sample-weight tensor must hold one weight per sample ` +
          `(shape (n,)), got ${shapeToString(sw.shape)}; give one tensor per output for other shapes.`,
      );
    return names.map(() => sw);
  }
  if (Array.isArray(sw)) {
    if (sw.length !== names.length || !sw.every((t) => t === null || isTensor(t)))
      throw new Error(
        `${what}: give one sample-weight tensor (or null) per output (${names.join(', ')}), got an array of ${sw.length}.`,
      );
    return sw as (Tensor | null)[];
  }
  if (isPlainRecord(sw)) {
    for (const k of Object.keys(sw))
      if (!names.includes(k)) throw new Error(`${what}: unknown output '${k}'; the outputs are ${names.join(', ')}.`);
    return names.map((name) => {
      const t = Object.hasOwn(sw, name) ? sw[name] : null;
      if (t !== null && t !== undefined && !isTensor(t))
        throw new Error(`${what}: the sample weights for '${name}' must be a tensor.`);
      return (t as Tensor | null | undefined) ?? null;
    });
  }
  throw new Error(`${what}: expected a tensor, an array per output or a record by output name.`);
}
