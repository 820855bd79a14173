import { asUserCode } from '../core/buffer-pool.js';
import { Tensor } from '../core/tensor.js';
import { checkOptionNames } from '../utils/option-names.js';
import type { Host, MetricInput } from './host.js';
import { broadcastTo, reduceTrailing, squeezeOrExpand, toHost } from './host.js';
import type { MetricArgs } from './metric.js';
import { METRIC_ARG_NAMES, Metric, divideNoNan } from './metric.js';

/**
 * Keras's reduce_to_samplewise_values: values reduced to the rank of the sample weights, weighted,
 * then reduced to one value per sample; returns the per-sample values and the per-sample weights.
 */
export function reduceToSamplewise(
  values: Host,
  sampleWeight: Host | null,
  how: 'mean' | 'sum',
  where: string,
): { values: Host; weight: Host | null } {
  let v = values;
  let w = sampleWeight;
  if (w) {
    [v, w] = squeezeOrExpand(v, w);
    const wn = w.shape.length;
    if (v.shape.length > wn) v = reduceTrailing(v, wn, how);
    w = broadcastTo(w, v.shape, `${where} (sample_weight)`);
    const wv = w;
    v = { data: v.data.map((x, i) => x * wv.data[i]!), shape: v.shape };
    if (wn > 1) w = reduceTrailing(w, 1, how);
  }
  if (v.shape.length > 1) v = reduceTrailing(v, 1, how);
  return { values: v, weight: w };
}

function sum(h: Host): number {
  let s = 0;
  for (const x of h.data) s += x;
  return s;
}

export type SumArgs = MetricArgs;
export type MeanArgs = MetricArgs;

/** The (weighted) sum of the values given (Keras's Sum). */
export class Sum extends Metric {
  private total = 0;

  constructor(args: SumArgs = {}) {
    checkOptionNames('Sum', args, METRIC_ARG_NAMES);
    super({ name: 'sum', ...args });
  }

  override updateState(values: MetricInput, sampleWeight?: MetricInput | null): void {
    const sw =
      sampleWeight === undefined || sampleWeight === null ? null : toHost(sampleWeight, `${this.name} sample_weight`);
    const r = reduceToSamplewise(toHost(values, this.name), sw, 'sum', this.name);
    this.total += sum(r.values);
  }

  override resultValue(): number {
    return this.total;
  }

  override resetState(): void {
    this.total = 0;
  }
}

/** The (weighted) mean of the values given (Keras's Mean): total / count. */
export class Mean extends Metric {
  private total = 0;
  private count = 0;

  constructor(args: MeanArgs = {}) {
    checkOptionNames('Mean', args, METRIC_ARG_NAMES);
    super({ name: 'mean', ...args });
  }

  /** Adds values (one per sample, or more, averaged per sample) with optional sample weights. */
  override updateState(values: MetricInput, sampleWeight?: MetricInput | null, _extra?: MetricInput | null): void {
    this.addValues(toHost(values, this.name), sampleWeight);
  }

  protected addValues(values: Host, sampleWeight?: MetricInput | null): void {
    const sw =
      sampleWeight === undefined || sampleWeight === null ? null : toHost(sampleWeight, `${this.name} sample_weight`);
    const r = reduceToSamplewise(values, sw, 'mean', this.name);
    this.total += sum(r.values);
    if (r.weight) this.count += sum(r.weight);
    else this.count += r.values.shape.length >= 1 ? r.values.shape[0]! : 1;
  }

  override resultValue(): number {
    return divideNoNan(this.total, this.count);
  }

  override resetState(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** A metric function on tensors: one value per sample (or per element), averaged by MeanMetricWrapper. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function asTensor(x: MetricInput, where: string): Tensor {
  if (x instanceof Tensor) return x;
  const h = toHost(x, where);
  return new Tensor(Float32Array.from(h.data), h.shape, 'float32');
}

/**
 * Keras's MeanMetricWrapper: the mean over samples of `fn(yTrue, yPred)`. `fn` is a function on
 * tensors (a custom metric); the built-in metrics wrap host versions of Keras's functions.
 */
export class MeanMetricWrapper extends Mean {
  readonly fn: MetricFn | null;

  constructor(fn: MetricFn | null, args: MetricArgs = {}) {
    if (fn !== null && typeof fn !== 'function')
      throw new Error(`MeanMetricWrapper: fn must be a function, got ${String(fn)}.`);
    checkOptionNames('MeanMetricWrapper', args, METRIC_ARG_NAMES);
    super({ name: fn?.name || 'mean_metric_wrapper', ...args });
    this.fn = fn;
  }

  /** The per-sample values of one batch (built-in subclasses compute them on host arrays). */
  protected compute(yTrue: MetricInput, yPred: MetricInput): Host {
    const fn = this.fn!;
    const yt = asTensor(yTrue, `${this.name} y_true`);
    const yp = asTensor(yPred, `${this.name} y_pred`);
    // User code: what it sees and makes inside a training step is never reused by the buffer pool.
    const out = asUserCode([yt, yp], () => fn(yt, yp));
    if (!(out instanceof Tensor))
      throw new Error(`Metric '${this.name}': the function must return a tensor, got ${String(out)}.`);
    return toHost(out, this.name);
  }

  override updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void {
    this.addValues(this.compute(yTrue, yPred), sampleWeight);
  }

  override getConfig(): Record<string, unknown> {
    return this.fn ? { ...super.getConfig(), fn: this.fn.name } : super.getConfig();
  }
}

/** A MeanMetricWrapper over one of Keras's built-in functions, computed on host arrays. */
export abstract class BuiltinMeanWrapper extends MeanMetricWrapper {
  constructor(args: MetricArgs) {
    super(null, args);
  }

  protected abstract computeHost(yTrue: Host, yPred: Host): Host;

  protected override compute(yTrue: MetricInput, yPred: MetricInput): Host {
    return this.computeHost(toHost(yTrue, `${this.name} y_true`), toHost(yPred, `${this.name} y_pred`));
  }
}
