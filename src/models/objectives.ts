import { noGrad } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import type { LossFn, ResolvedLoss } from '../losses/losses.js';
import { Loss, computeLoss, getLoss } from '../losses/losses.js';
import type { MetricFn, ResolvedMetric } from '../metrics/metrics.js';
import { getMetric } from '../metrics/metrics.js';
import { add, mul } from '../ops/binary.js';
import { mean } from '../ops/reduce.js';
import { weightedMeanLoss } from './sample-weights.js';

export type LossSpec = string | LossFn | Loss;
export type MetricSpec = string | MetricFn;

/** What `compile` says about losses and metrics, for one output or per output (Keras's forms). */
export interface ObjectiveArgs {
  loss: LossSpec | readonly (LossSpec | null)[] | Readonly<Record<string, LossSpec | null>>;
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  metrics?:
    | readonly MetricSpec[]
    | readonly (readonly MetricSpec[] | null)[]
    | Readonly<Record<string, MetricSpec | readonly MetricSpec[]>>;
}

/** One model output's loss (or none), its weight in the total and its metrics. */
export interface OutputObjective {
  name: string;
  loss: ResolvedLoss | null;
  weight: number;
  metrics: ResolvedMetric[];
}

/**
 * The losses and metrics `compile` resolved, one entry per model output, and the log keys Keras
 * gives them: `loss` (the weighted total); with several outputs also `<output>_loss` per output
 * with a loss and `<output>_<metric>` per metric; with one output just the metric names.
 */
export class Objectives {
  readonly outputs: readonly OutputObjective[];

  constructor(outputs: OutputObjective[]) {
    if (!outputs.some((o) => o.loss))
      throw new Error('compile: no output has a loss; give a loss for at least one output.');
    this.outputs = outputs;
  }

  private get several(): boolean {
    return this.outputs.length > 1;
  }

  /** Log keys in the order `evaluate` returns the values. */
  get names(): string[] {
    const names = ['loss'];
    if (this.several) for (const o of this.outputs) if (o.loss) names.push(`${o.name}_loss`);
    for (const o of this.outputs) for (const m of o.metrics) names.push(this.several ? `${o.name}_${m.name}` : m.name);
    return names;
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

  /** Batch values for every log key after `loss`: per-output losses, then metrics. */
  values(yTrue: readonly Tensor[], yPred: readonly Tensor[], parts: readonly Tensor[]): number[] {
    return noGrad(() => [
      ...parts.map((p) => p.item()),
      ...this.outputs.flatMap((o, i) => o.metrics.map((m) => mean(m.fn(yTrue[i]!, yPred[i]!)).item())),
    ]);
  }
}

/** Resolves compile's loss, lossWeights and metrics against the model's outputs. */
export function resolveObjectives(
  args: ObjectiveArgs,
  outputNames: readonly string[],
  outputUnits: readonly (number | null)[],
): Objectives {
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
  const metrics = resolveMetricLists(args.metrics, outputNames);
  const outputs: OutputObjective[] = outputNames.map((name, i) => {
    const spec = losses[i] ?? null;
    const loss = spec === null ? null : getLoss(spec as LossSpec);
    const weight = (weights?.[i] as number | undefined) ?? 1;
    if (!Number.isFinite(weight)) throw new Error(`compile: lossWeights for output '${name}' must be a finite number.`);
    return {
      name,
      loss,
      weight,
      metrics: (metrics[i] ?? []).map((m) => getMetric(m, loss?.name ?? '', outputUnits[i] ?? null)),
    };
  });
  if (n === 0) throw new Error('compile: the model has no outputs.');
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

function resolveMetricLists(spec: ObjectiveArgs['metrics'], names: readonly string[]): MetricSpec[][] {
  if (spec === undefined || spec === null) return names.map(() => []);
  const isMetric = (m: unknown): boolean => typeof m === 'string' || typeof m === 'function';
  if (Array.isArray(spec)) {
    if (names.length === 1) {
      if (spec.every(isMetric)) return [spec as MetricSpec[]];
      if (spec.length === 1 && Array.isArray(spec[0])) return [spec[0] as MetricSpec[]];
      throw new Error(`compile: metrics must be a list of metric names or functions.`);
    }
    if (spec.every(isMetric) && spec.length > 0)
      throw new Error(
        `compile: the model has ${names.length} outputs (${names.join(', ')}); give metrics per output, as an array of ` +
          `arrays or a record by output name (e.g. { ${names[0]}: ['accuracy'] }).`,
      );
    if (spec.length !== names.length)
      throw new Error(`compile: metrics has ${spec.length} entries but the model has ${names.length} outputs.`);
    return spec.map((m, i) => {
      if (m === null) return [];
      if (!Array.isArray(m) || !m.every(isMetric))
        throw new Error(`compile: metrics[${i}] must be an array of metric names or functions.`);
      return m as MetricSpec[];
    });
  }
  if (isRecord(spec)) {
    for (const key of Object.keys(spec))
      if (!names.includes(key))
        throw new Error(`compile: metrics names output '${key}', but the model's outputs are ${names.join(', ')}.`);
    return names.map((name) => {
      if (!Object.hasOwn(spec, name)) return [];
      const m = spec[name];
      return (Array.isArray(m) ? m : [m]) as MetricSpec[];
    });
  }
  throw new Error(`compile: metrics must be an array or a record by output name.`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number';
}
