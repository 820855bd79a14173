/**
 * Keras's Normalization: (x - mean) / max(sqrt(variance), epsilon), or its inverse, with mean
 * and variance given or computed by `adapt`. Adapted statistics live in three non-trainable
 * weights, mean, variance and count (Keras's add_weight names and order), so they are saved
 * with the model as Keras saves them.
 */
import { Tensor } from '../../core/tensor.js';
import type { Variable } from '../../core/variable.js';
import { add, div, maximum, mul, sub } from '../../ops/binary.js';
import { reshape } from '../../ops/reshape.js';
import { sqrt } from '../../ops/unary.js';
import { checkOptionNames, optionNames } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, isShape } from '../layer.js';

/** Keras's backend.epsilon(). */
const EPSILON = 1e-7;

/** A number or a nested list of numbers (NumPy's array-like). */
export type ArrayLikeValue = number | readonly ArrayLikeValue[];

export interface NormalizationArgs extends LayerArgs {
  /** Axis or axes kept (one mean and variance per position along them); null: one scalar mean. Default -1. */
  axis?: number | readonly number[] | null;
  mean?: ArrayLikeValue | null;
  variance?: ArrayLikeValue | null;
  /** Undo the normalization: mean + x * sqrt(variance). */
  invert?: boolean;
}

const NORMALIZATION_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<NormalizationArgs, keyof LayerArgs>>()(['axis', 'mean', 'variance', 'invert']),
];

/** Flattens a nested list, checking it is rectangular; returns its shape and values. */
function arrayValues(what: string, v: ArrayLikeValue): { shape: number[]; values: number[] } {
  if (typeof v === 'number') return { shape: [], values: [v] };
  if (!Array.isArray(v) || v.length === 0)
    throw new Error(`Normalization: ${what} must be a number or a nested list of numbers, got ${JSON.stringify(v)}.`);
  const parts = v.map((e) => arrayValues(what, e));
  const inner = parts[0]!.shape;
  if (!parts.every((p) => p.shape.length === inner.length && p.shape.every((d, i) => d === inner[i])))
    throw new Error(`Normalization: ${what} is not a rectangular array: ${JSON.stringify(v).slice(0, 80)}.`);
  return { shape: [v.length, ...inner], values: parts.flatMap((p) => p.values) };
}

export class Normalization extends Layer {
  readonly axis: number[];
  readonly invert: boolean;
  readonly inputMean: ArrayLikeValue | null;
  readonly inputVariance: ArrayLikeValue | null;
  /** The adapted statistics (Keras's adapt_mean, adapt_variance, count); null with a given mean. */
  adaptMean: Variable | null = null;
  adaptVariance: Variable | null = null;
  count: Variable | null = null;
  private keepAxes: number[] = [];
  private broadcastShape: number[] = [];
  private givenMean: Tensor | null = null;
  private givenVariance: Tensor | null = null;
  private buildShape: SymbolicShape | null = null;

  constructor(args: NormalizationArgs = {}) {
    checkOptionNames('Normalization', args, NORMALIZATION_ARG_NAMES);
    const { axis = -1, mean = null, variance = null, invert = false, ...rest } = args;
    super(rest);
    if (axis === null) this.axis = [];
    else if (typeof axis === 'number') this.axis = [axis];
    else if (Array.isArray(axis)) this.axis = [...axis];
    else
      throw new Error(`Normalization: axis must be an integer, a list of them or null, got ${JSON.stringify(axis)}.`);
    if (!this.axis.every(Number.isInteger))
      throw new Error(`Normalization: axis must be integers, got ${JSON.stringify(axis)}.`);
    if (typeof invert !== 'boolean')
      throw new Error(`Normalization: invert must be true or false, got ${JSON.stringify(invert)}.`);
    this.invert = invert;
    if ((mean === null) !== (variance === null))
      throw new Error(
        `Normalization: when setting values directly, both mean and variance must be set (got mean=${JSON.stringify(mean)}, variance=${JSON.stringify(variance)}).`,
      );
    if (mean !== null && variance !== null) {
      const m = arrayValues('mean', mean);
      const v = arrayValues('variance', variance);
      if (m.shape.join() !== v.shape.join())
        throw new Error(
          `Normalization: mean and variance must have the same shape, got ${formatShape(m.shape)} and ${formatShape(v.shape)}.`,
        );
      if (m.shape.length > this.axis.length)
        throw new Error(
          `Normalization: the rank of mean (${m.shape.length}) must be at most the number of axes (${this.axis.length}); got mean of shape ${formatShape(m.shape)} for axis ${JSON.stringify(this.axis)}.`,
        );
    }
    this.inputMean = mean;
    this.inputVariance = variance;
    this.supportsMasking = true;
  }

  override build(inputShape: ShapeValue): void {
    if (!isShape(inputShape))
      throw new Error(
        `Layer '${this.name}' (Normalization) takes one input, got shapes ${JSON.stringify(inputShape)}.`,
      );
    const ndim = inputShape.length;
    if (this.axis.some((a) => a < -ndim || a >= ndim))
      throw new Error(
        `Layer '${this.name}' (Normalization): every axis must be in [-${ndim}, ${ndim}) for inputs of shape ${formatShape(inputShape)}, got axis ${JSON.stringify(this.axis)}.`,
      );
    this.keepAxes = [...new Set(this.axis.map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
    for (const d of this.keepAxes)
      if (inputShape[d] === null)
        throw new Error(
          `Layer '${this.name}' (Normalization): the kept axis ${d} must have a known size, got inputs of shape ${formatShape(inputShape)}.`,
        );
    this.broadcastShape = inputShape.map((d, i) => (this.keepAxes.includes(i) ? d! : 1));
    const statShape = this.keepAxes.map((d) => inputShape[d]!);
    this.buildShape = [...inputShape];
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight({ name: 'mean', shape: statShape, initializer: 'zeros', trainable: false });
      this.adaptVariance = this.addWeight({
        name: 'variance',
        shape: statShape,
        initializer: 'ones',
        trainable: false,
      });
      this.count = this.addWeight({ name: 'count', shape: [], initializer: 'zeros', trainable: false, dtype: 'int32' });
    } else {
      this.givenMean = this.broadcastGiven('mean', this.inputMean);
      this.givenVariance = this.broadcastGiven('variance', this.inputVariance!);
    }
    super.build(inputShape);
  }

  /** A given mean or variance laid out along the kept axes (its last axes on the last kept ones), as Keras. */
  private broadcastGiven(what: string, v: ArrayLikeValue): Tensor {
    const { shape, values } = arrayValues(what, v);
    const full = this.broadcastShape;
    const out = new Float64Array(full.reduce((a, b) => a * b, 1));
    const placed = new Array<number>(full.length).fill(1);
    for (let i = 1; i <= shape.length; i++) placed[this.keepAxes[this.keepAxes.length - i]!] = shape[shape.length - i]!;
    if (!placed.every((d, i) => d === 1 || d === full[i]))
      throw new Error(
        `Layer '${this.name}' (Normalization): ${what} of shape ${formatShape(shape)} does not fit the kept axes of size ${formatShape(this.keepAxes.map((d) => full[d]!))}.`,
      );
    const strides = placed.map((_, i) => placed.slice(i + 1).reduce((a, b) => a * b, 1));
    const fullStrides = full.map((_, i) => full.slice(i + 1).reduce((a, b) => a * b, 1));
    for (let f = 0; f < out.length; f++) {
      let src = 0;
      for (let i = 0; i < full.length; i++) {
        const coord = Math.floor(f / fullStrides[i]!) % full[i]!;
        if (placed[i]! > 1) src += coord * strides[i]!;
      }
      out[f] = values[src]!;
    }
    const data = this.dtype === 'float64' ? out : Float32Array.from(out);
    return new Tensor(data, full, this.dtype === 'float64' ? 'float64' : 'float32');
  }

  /** Mean and variance in the broadcast shape (read from the weights each call, so loaded or adapted values apply). */
  private statistics(): { mean: Tensor; variance: Tensor } {
    if (this.givenMean && this.givenVariance) return { mean: this.givenMean, variance: this.givenVariance };
    return {
      mean: reshape(this.adaptMean!.value(), this.broadcastShape),
      variance: reshape(this.adaptVariance!.value(), this.broadcastShape),
    };
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const { mean, variance } = this.statistics();
    const std = maximum(sqrt(variance), EPSILON);
    return this.invert ? add(mean, mul(x, std)) : div(sub(x, mean), std);
  }

  /**
   * Computes the mean and variance of `data` (one array of samples, or a list of batches) along
   * every axis but the kept ones, as Keras's adapt: batches are merged with the lack-of-fit sum
   * of squares, so the result is the population variance of all the data.
   */
  adapt(data: Tensor | readonly Tensor[]): void {
    const batches = data instanceof Tensor ? [data] : [...data];
    if (batches.length === 0 || !batches.every((b) => b instanceof Tensor))
      throw new Error(
        `Layer '${this.name}' (Normalization): adapt takes a tensor or a non-empty list of tensors (batches).`,
      );
    if (this.inputMean !== null)
      throw new Error(`Layer '${this.name}' (Normalization): adapt cannot be used when mean and variance were given.`);
    const first = batches[0]!;
    if (!this.built) {
      // Keras builds from the data's shape; the batch axis stays free unless it is a kept axis.
      const ndim = first.rank;
      const keepsBatch = this.axis.some((a) => a === 0 || a === -ndim);
      this.build(first.shape.map((d, i) => (i === 0 && !keepsBatch ? null : d)));
    }
    let totalMean: Float64Array | null = null;
    let totalVar: Float64Array | null = null;
    let totalCount = 0;
    for (const b of batches) {
      for (const d of this.keepAxes)
        if (b.rank !== this.buildShape!.length || b.shape[d] !== this.buildShape![d])
          throw new Error(
            `Layer '${this.name}' (Normalization) was built for inputs of shape ${formatShape(this.buildShape!)}, adapt got a batch of shape ${formatShape(b.shape)}.`,
          );
      const { mean, variance, count } = this.batchMoments(b);
      if (!totalMean || !totalVar) {
        [totalMean, totalVar, totalCount] = [mean, variance, count];
        continue;
      }
      totalCount += count;
      const w = count / totalCount;
      const e = 1 - w;
      for (let i = 0; i < mean.length; i++) {
        const m = totalMean[i]! * e + mean[i]! * w;
        totalVar[i] = (totalVar[i]! + (totalMean[i]! - m) ** 2) * e + (variance[i]! + (mean[i]! - m) ** 2) * w;
        totalMean[i] = m;
      }
    }
    const shape = this.adaptMean!.shape;
    const asTensor = (v: Float64Array): Tensor =>
      new Tensor(this.adaptMean!.dtype === 'float64' ? v : Float32Array.from(v), shape, this.adaptMean!.dtype);
    this.adaptMean!.assign(asTensor(totalMean!));
    this.adaptVariance!.assign(asTensor(totalVar!));
  }

  /** Mean and population variance of one batch per kept position, and how many values each holds. */
  private batchMoments(b: Tensor): { mean: Float64Array; variance: Float64Array; count: number } {
    const shape = b.shape;
    const statSize = this.keepAxes.reduce((a, d) => a * shape[d]!, 1);
    const sums = new Float64Array(statSize);
    const sq = new Float64Array(statSize);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, c) => a * c, 1));
    const src = b.data;
    const statIndex = (flat: number): number => {
      let s = 0;
      for (const d of this.keepAxes) s = s * shape[d]! + (Math.floor(flat / strides[d]!) % shape[d]!);
      return s;
    };
    const count = src.length / statSize;
    for (let f = 0; f < src.length; f++) sums[statIndex(f)] += Number(src[f]);
    const mean = sums.map((s) => s / count);
    for (let f = 0; f < src.length; f++) {
      const s = statIndex(f);
      sq[s] += (Number(src[f]) - mean[s]!) ** 2;
    }
    return { mean, variance: sq.map((s) => s / count), count };
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: [...this.axis],
      invert: this.invert,
      mean: this.inputMean,
      variance: this.inputVariance,
    };
  }
}
