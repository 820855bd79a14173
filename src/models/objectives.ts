import { noGrad } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import type { LossFn, ResolvedLoss } from '../losses/losses.js';
import { Loss, computeLoss, getLoss } from '../losses/losses.js';
import type { Logs } from '../callbacks/callback.js';
import type { MetricSpec } from '../metrics/registry.js';
import { getMetric, isBuiltinMetric } from '../metrics/registry.js';
import { asUserCode } from '../core/buffer-pool.js';
import { Metric } from '../metrics/metric.js';
import { Mean } from '../metrics/reduction.js';
import { BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from '../metrics/wrappers.js';
import { add, mul } from '../ops/binary.js';
import { astype } from '../ops/cast.js';

export type LossSpec = string | LossFn | Loss;
export type { MetricSpec };

/** One compiled metric: its log name and object (for `'accuracy'`, built when the first batch shows the shapes). */
export interface ResolvedMetric {
  name: string;
  metric: Metric | null;
  spec: MetricSpec;
}

/**
 * `'accuracy'`/`'acc'` as Keras 3 resolves it (trainers/compile_utils.py get_metric), from the
 * shapes of the targets and outputs alone: binary when the output's last dimension is 1, sparse
 * when the targets have fewer dimensions than the output or a last dimension of 1 against a wider
 * output, categorical otherwise.
 */
export function accuracyFor(name: string, yTrueShape: readonly number[], yPredShape: readonly number[]): Metric {
  const pLast = yPredShape[yPredShape.length - 1];
  const tLast = yTrueShape[yTrueShape.length - 1];
  if (pLast === 1) return new BinaryAccuracy({ name });
  if (yTrueShape.length < yPredShape.length || (tLast === 1 && pLast !== undefined && pLast > 1))
    return new SparseCategoricalAccuracy({ name });
  return new CategoricalAccuracy({ name });
}

function resolveMetric(spec: MetricSpec): ResolvedMetric {
  if (spec === 'accuracy' || spec === 'acc') return { name: spec, metric: null, spec };
  const metric = getMetric(spec);
  // A name given as a string stays the log key (Keras: 'mae' logs as 'mae'); objects log their name.
  return { name: typeof spec === 'string' ? spec : metric.name, metric, spec };
}

/** What `compile` says about losses and metrics, for one output or per output (Keras's forms). */
export interface ObjectiveArgs {
  loss: LossSpec | readonly (LossSpec | null)[] | Readonly<Record<string, LossSpec | null>>;
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  metrics?: MetricsArg;
  /** Metrics given each batch's sample weights (from sampleWeight or classWeight), Keras's `weighted_metrics`. */
  weightedMetrics?: MetricsArg;
}

/** compile's metrics: a list for one output, a list of lists or a record by output name for several. */
export type MetricsArg =
  | readonly MetricSpec[]
  | readonly (readonly MetricSpec[] | null)[]
  | Readonly<Record<string, MetricSpec | readonly MetricSpec[]>>;

/** One model output's loss (or none), its weight in the total and its metrics. */
export interface OutputObjective {
  name: string;
  loss: ResolvedLoss | null;
  weight: number;
  metrics: ResolvedMetric[];
  /** The output's weighted metrics; their log keys are in `weightedNames` (Keras's naming). */
  weightedMetrics: ResolvedMetric[];
}

/**
 * The losses and metrics `compile` resolved, one entry per model output, and the log keys Keras
 * gives them: `loss` (the weighted total); with several outputs also `<output>_loss` per output
 * with a loss and `<output>_<metric>` per metric; with one output just the metric names.
 */
export class Objectives {
  readonly outputs: readonly OutputObjective[];

  /** Keras's loss trackers: the total, then (several outputs) each output's loss; batch-size weighted means. */
  private readonly lossTrackers: Mean[];

  constructor(outputs: OutputObjective[]) {
    if (!outputs.some((o) => o.loss))
      throw new Error('compile: no output has a loss; give a loss for at least one output.');
    this.outputs = outputs;
    this.lossTrackers = [new Mean({ name: 'loss' })];
    if (outputs.length > 1)
      for (const o of outputs) if (o.loss) this.lossTrackers.push(new Mean({ name: `${o.name}_loss` }));
  }

  private get several(): boolean {
    return this.outputs.length > 1;
  }

  /** Log keys in the order `evaluate` returns the values. */
  get names(): string[] {
    const names = ['loss'];
    if (this.several) for (const o of this.outputs) if (o.loss) names.push(`${o.name}_loss`);
    for (const o of this.outputs) for (const m of o.metrics) names.push(this.prefixed(o, m.name));
    return [...names, ...this.weightedNames(names)];
  }

  private prefixed(o: OutputObjective, name: string): string {
    return this.several ? `${o.name}_${name}` : name;
  }

  /**
   * The weighted metrics' log keys, as Keras's CompileMetrics.result names them: the metric's
   * name, or `weighted_<name>` when an unweighted metric has it already (then `_1`, `_2`...).
   */
  private weightedNames(taken: readonly string[]): string[] {
    const used = new Set(taken);
    const out: string[] = [];
    for (const o of this.outputs)
      for (const m of o.weightedMetrics) {
        let name = this.prefixed(o, m.name);
        if (used.has(name)) {
          const base = this.prefixed(o, `weighted_${m.name}`);
          name = base;
          for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
        }
        used.add(name);
        out.push(name);
      }
    return out;
  }

  /** The weighted total loss (differentiable) and, with several outputs, each output's loss. */
  loss(
    yTrue: readonly Tensor[],
    yPred: readonly Tensor[],
    sampleWeights?: readonly (Tensor | null)[],
  ): { total: Tensor; parts: Tensor[] } {
    let total: Tensor | null = null;
    const parts: Tensor[] = [];
    this.outputs.forEach((o, i) => {
      if (!o.loss) return;
      // The Loss applies its own reduction and the sample weights (Keras's Loss.__call__).
      const l = computeLoss(o.loss, yTrue[i]!, yPred[i]!, sampleWeights?.[i] ?? null);
      if (this.several) parts.push(l);
      const weighted = o.weight === 1 ? l : mul(l, o.weight);
      total = total ? add(total, weighted) : weighted;
    });
    return { total: total!, parts };
  }

  /** Clears the loss trackers and every metric (Keras resets them at each epoch and evaluation). */
  resetState(): void {
    for (const t of this.lossTrackers) t.resetState();
    for (const o of this.outputs) for (const m of [...o.metrics, ...o.weightedMetrics]) m.metric?.resetState();
  }

  /**
   * Adds one batch: the loss values (as Keras, each weighted by the batch size), every metric's
   * updateState on that output's targets and predictions (compile's `metrics` take no sample
   * weights in Keras), and every weighted metric's with that output's sample weights.
   */
  updateState(
    yTrue: readonly Tensor[],
    yPred: readonly Tensor[],
    total: number,
    parts: readonly number[],
    sampleWeights?: readonly (Tensor | null)[],
  ): void {
    const batch = yPred[0]?.shape[0] ?? 1;
    this.lossTrackers[0]!.updateState(total, batch);
    parts.forEach((p, i) => this.lossTrackers[i + 1]!.updateState(p, batch));
    noGrad(() =>
      this.outputs.forEach((o, i) => {
        // Keras's metrics compute in float32: bfloat16 outputs (mixed precision) are widened (exactly).
        const t = toFloat32IfBf16(yTrue[i]!);
        const p = toFloat32IfBf16(yPred[i]!);
        const sw = sampleWeights?.[i] ?? null;
        for (const [list, weights] of [
          [o.metrics, null],
          [o.weightedMetrics, sw],
        ] as const)
          for (const m of list) {
            const metric = (m.metric ??= accuracyFor(m.name, t.shape, p.shape));
            // A user's Metric subclass may keep what it is given: its inputs are never reused by the buffer pool.
            if (isBuiltinMetric(metric)) metric.updateState(t, p, weights);
            else asUserCode(weights ? [t, p, weights] : [t, p], () => metric.updateState(t, p, weights));
          }
      }),
    );
  }

  /** The current value of every log key, in `names` order. */
  results(): number[] {
    const out = this.lossTrackers.map((t) => t.resultValue());
    this.outputs.forEach((o) => {
      for (const m of o.metrics) out.push(metricValue(m));
    });
    this.outputs.forEach((o) => {
      for (const m of o.weightedMetrics) out.push(metricValue(m));
    });
    return out;
  }

  /** The current value of every log key, in `names` order. */
  logs(): Logs {
    const names = this.names;
    const values = this.results();
    const logs: Logs = {};
    names.forEach((n, i) => (logs[n] = values[i]!));
    return logs;
  }
}

function metricValue(m: ResolvedMetric): number {
  const v = m.metric ? m.metric.resultValue() : 0;
  if (typeof v !== 'number')
    throw new Error(
      `Metric '${m.name}' gives ${v.length} values (one per threshold or class), but training logs take one number: ` +
        `give it a single threshold, or an average (e.g. F1Score({ average: 'macro' })).`,
    );
  return v;
}

/** Resolves compile's loss, lossWeights and metrics against the model's outputs. */
export function resolveObjectives(args: ObjectiveArgs, outputNames: readonly string[]): Objectives {
  const n = outputNames.length;
  const losses = perOutput(
    args.loss,
    outputNames,
    'loss',
    (l) => typeof l === 'string' || typeof l === 'function' || l instanceof Loss,
  );
  if (typeof args.lossWeights === 'number')
    throw new Error('compile: lossWeights must be an array (one weight per output) or a record by output name.');
  const weights =
    args.lossWeights === undefined ? null : perOutput(args.lossWeights, outputNames, 'lossWeights', isNumber);
  const metrics = resolveMetricLists(args.metrics, outputNames, 'metrics');
  const weightedMetrics = resolveMetricLists(args.weightedMetrics, outputNames, 'weightedMetrics');
  const outputs: OutputObjective[] = outputNames.map((name, i) => {
    const spec = losses[i] ?? null;
    const loss = spec === null ? null : getLoss(spec as LossSpec);
    const weight = (weights?.[i] as number | undefined) ?? 1;
    if (!Number.isFinite(weight)) throw new Error(`compile: lossWeights for output '${name}' must be a finite number.`);
    return {
      name,
      loss,
      weight,
      metrics: (metrics[i] ?? []).map(resolveMetric),
      // Keras builds its weighted metrics apart: the same spec gives a second, separate metric.
      weightedMetrics: (weightedMetrics[i] ?? []).map(resolveMetric),
    };
  });
  if (n === 0) throw new Error('compile: the model has no outputs.');
  const plain = new Set(outputs.flatMap((o) => o.metrics.map((m) => m.spec)));
  for (const o of outputs)
    for (const m of o.weightedMetrics)
      if (m.spec instanceof Metric && plain.has(m.spec))
        throw new Error(
          `compile: the metric object '${m.name}' is in both metrics and weightedMetrics; they would share one state. ` +
            'Give each list its own object (or the name as a string).',
        );
  return new Objectives(outputs);
}

/** A single value for every output, an array with one per output, or a record by output name. */
function perOutput<T>(
  spec: unknown,
  names: readonly string[],
  what: string,
  isItem: (v: unknown) => boolean,
): (T | null)[] {
  if (isItem(spec)) return names.map(() => spec as T);
  if (Array.isArray(spec)) {
    if (spec.length !== names.length)
      throw new Error(
        `compile: ${what} has ${spec.length} entries but the model has ${names.length} outputs (${names.join(', ')}).`,
      );
    spec.forEach((s, i) => {
      if (s !== null && !isItem(s)) throw new Error(`compile: ${what}[${i}] is not valid: ${String(s)}.`);
    });
    return spec as (T | null)[];
  }
  if (isRecord(spec)) {
    for (const key of Object.keys(spec))
      if (!names.includes(key))
        throw new Error(`compile: ${what} names output '${key}', but the model's outputs are ${names.join(', ')}.`);
    return names.map((name) => (Object.hasOwn(spec, name) ? (spec[name] as T) : null));
  }
  throw new Error(
    `compile: ${what} must be one value, an array per output or a record by output name; got ${String(spec)}.`,
  );
}

function resolveMetricLists(spec: MetricsArg | undefined, names: readonly string[], arg: string): MetricSpec[][] {
  if (spec === undefined || spec === null) return names.map(() => []);
  if (spec instanceof Metric || typeof spec === 'string' || typeof spec === 'function')
    throw new Error(
      `compile: ${arg} must be a list (e.g. ${arg}: [${typeof spec === 'string' ? `'${spec}'` : 'metric'}]) or a record by output name.`,
    );
  const isMetric = (m: unknown): boolean => typeof m === 'string' || typeof m === 'function' || m instanceof Metric;
  if (Array.isArray(spec)) {
    if (names.length === 1) {
      if (spec.every(isMetric)) return [spec as MetricSpec[]];
      if (spec.length === 1 && Array.isArray(spec[0])) return [spec[0] as MetricSpec[]];
      throw new Error(`compile: ${arg} must be a list of metric names or functions.`);
    }
    if (spec.every(isMetric) && spec.length > 0)
      throw new Error(
        `compile: the model has ${names.length} outputs (${names.join(', ')}); give ${arg} per output, as an array of ` +
          `arrays or a record by output name (e.g. { ${names[0]}: ['accuracy'] }).`,
      );
    if (spec.length !== names.length)
      throw new Error(`compile: ${arg} has ${spec.length} entries but the model has ${names.length} outputs.`);
    return spec.map((m, i) => {
      if (m === null) return [];
      if (!Array.isArray(m) || !m.every(isMetric))
        throw new Error(`compile: ${arg}[${i}] must be an array of metric names or functions.`);
      return m as MetricSpec[];
    });
  }
  if (isRecord(spec)) {
    for (const key of Object.keys(spec))
      if (!names.includes(key))
        throw new Error(`compile: ${arg} names output '${key}', but the model's outputs are ${names.join(', ')}.`);
    return names.map((name) => {
      if (!Object.hasOwn(spec, name)) return [];
      const m = spec[name];
      return (Array.isArray(m) ? m : [m]) as MetricSpec[];
    });
  }
  throw new Error(`compile: ${arg} must be an array or a record by output name.`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number';
}

function toFloat32IfBf16(t: Tensor): Tensor {
  return t.dtype === 'bfloat16' ? astype(t, 'float32') : t;
}
