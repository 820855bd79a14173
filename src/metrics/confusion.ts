/**
 * Confusion-matrix metrics (keras/src/metrics/confusion_metrics.py and metrics_utils.py):
 * counts of true/false positives/negatives at thresholds, and what is computed from them.
 */
import { shapeToString } from '../core/shape.js';
import { checkOptionNames } from '../utils/option-names.js';
import type { Host, MetricInput } from './host.js';
import { broadcastTo, lastAxis, reshaped, squeezeOrExpand, toHost } from './host.js';
import { EPSILON } from './functions.js';
import type { MetricArgs, MetricValue } from './metric.js';
import { METRIC_ARG_NAMES, Metric, checkNumber, divideNoNan } from './metric.js';

/** Keras's NEG_INF: the score top_k filtering gives the classes outside the top k. */
const NEG_INF = -1e10;

export interface Counts {
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
}

function zeroCounts(n: number): Counts {
  return { tp: new Float64Array(n), fp: new Float64Array(n), tn: new Float64Array(n), fn: new Float64Array(n) };
}

/** Keras's is_evenly_distributed_thresholds: at least 3, equal to arange(n) / (n - 1) within 1e-7. */
export function evenlyDistributed(thresholds: readonly number[]): boolean {
  const n = thresholds.length;
  if (n < 3) return false;
  return thresholds.every((t, i) => Math.abs(t - Math.fround(i / (n - 1))) <= EPSILON + 1e-5 * Math.abs(i / (n - 1)));
}

function parseThresholds(
  where: string,
  thresholds: number | readonly number[] | undefined | null,
  dflt: number,
): number[] {
  if (thresholds === undefined || thresholds === null) return [dflt];
  const list = typeof thresholds === 'number' ? [thresholds] : [...thresholds];
  const bad = list.filter((t) => typeof t !== 'number' || !(t >= 0 && t <= 1));
  if (bad.length) throw new Error(`${where}: threshold values must be in [0, 1]; got ${bad.join(', ')}.`);
  return list;
}

/** Keras's _filter_top_k: scores outside each row's k highest become NEG_INF (ties keep the lower index). */
function filterTopK(h: Host, k: number): Host {
  const { rows, width } = lastAxis(h);
  const out = new Float64Array(h.data.length).fill(NEG_INF);
  const idx = Array.from({ length: width }, (_, j) => j);
  for (let r = 0; r < rows; r++) {
    const row = h.data.subarray(r * width, (r + 1) * width);
    const order = [...idx].sort((a, b) => (row[b]! > row[a]! ? 1 : row[b]! < row[a]! ? -1 : a - b));
    for (const j of order.slice(0, k)) out[r * width + j] = row[j]!;
  }
  return { data: out, shape: h.shape };
}

export interface ConfusionOptions {
  thresholds: readonly number[];
  evenly: boolean;
  topK?: number | null;
  classId?: number | null;
  multiLabel?: boolean;
  labelWeights?: readonly number[] | null;
}

/**
 * Keras's update_confusion_matrix_variables: adds this batch's weighted counts at every threshold
 * to `counts` (per label, columns of length `thresholds`, when multiLabel). A prediction is
 * positive at threshold t when it is > t; a label is positive when it is non-zero. With evenly
 * spaced thresholds Keras buckets the predictions (clipped to [0, 1]) instead: the same counts,
 * which this follows bucket for bucket. Returns false when a prediction is NaN.
 */
export function updateConfusion(
  where: string,
  counts: Counts[],
  yTrueIn: Host,
  yPredIn: Host,
  sampleWeightIn: Host | null,
  opts: ConfusionOptions,
): boolean {
  let [yPred, yTrue] = squeezeOrExpand(yPredIn, yTrueIn);
  if (yPred.data.length !== yTrue.data.length)
    throw new Error(
      `${where}: y_true of shape ${shapeToString(yTrueIn.shape)} does not match y_pred of shape ${shapeToString(yPredIn.shape)}.`,
    );
  yTrue = reshaped(yTrue, yPred.shape);
  let sw: Host | null = null;
  if (sampleWeightIn) {
    const expanded = reshaped(sampleWeightIn, [...sampleWeightIn.shape, 1]);
    sw = squeezeOrExpand(yTrue, expanded, false)[1];
  }
  if (opts.topK !== undefined && opts.topK !== null) yPred = filterTopK(yPred, opts.topK);
  if (opts.classId !== undefined && opts.classId !== null) {
    const c = opts.classId;
    if (yPred.shape.length < 2)
      throw new Error(
        `${where}: with classId, y_pred must have shape (num_samples, num_classes); got ${shapeToString(yPred.shape)}.`,
      );
    const { rows, width } = lastAxis(yPred);
    if (c >= width) throw new Error(`${where}: classId ${c} is out of range for ${width} classes.`);
    const pick = (h: Host): Host => ({
      data: Float64Array.from({ length: rows }, (_, r) => h.data[r * width + c]!),
      shape: [...h.shape.slice(0, -1), 1],
    });
    if (sw) {
      // Weights given per class are picked like the scores; per sample ones broadcast.
      const full = broadcastTo(sw, yPred.shape, `${where} (sample_weight)`);
      sw = pick(full);
    }
    yPred = pick(yPred);
    yTrue = pick(yTrue);
  }
  const weights = sw ? broadcastTo(sw, yPred.shape, `${where} (sample_weight)`).data : null;
  const multi = opts.multiLabel === true;
  const { width } = lastAxis(yPred);
  const nLabels = multi ? width : 1;
  if (multi && yPred.shape.length !== 2)
    throw new Error(`${where}: with multiLabel, y_pred must have rank 2; got ${shapeToString(yPred.shape)}.`);
  if (counts.length !== nLabels) throw new Error(`${where}: built for ${counts.length} labels, got ${nLabels}.`);
  const lw = opts.labelWeights && !multi ? opts.labelWeights : null;
  if (lw && lw.length !== width) throw new Error(`${where}: ${lw.length} label weights for ${width} labels in y_pred.`);
  const T = opts.thresholds.length;
  let finite = true;
  const n = yPred.data.length;
  const posHist = opts.evenly ? counts.map(() => new Float64Array(T + 1)) : [];
  const negHist = opts.evenly ? counts.map(() => new Float64Array(T + 1)) : [];
  for (let i = 0; i < n; i++) {
    const p = yPred.data[i]!;
    if (Number.isNaN(p)) finite = false;
    const label = yTrue.data[i]! !== 0;
    let w = weights ? weights[i]! : 1;
    if (lw) w *= lw[i % width]!;
    const c = counts[multi ? i % width : 0]!;
    if (opts.evenly) {
      // bucket = ceil(clip(p, 0, 1) * (T - 1)) - 1 in float32; the prediction counts as positive at
      // thresholds 0..bucket. Thresholds that step past 0 and 1 by epsilon clamp bucket -1 to 0.
      const clipped = Math.min(1, Math.max(0, p));
      let bucket = Math.ceil(Math.fround(Math.fround(clipped) * (T - 1))) - 1;
      if (opts.thresholds[0]! < 0 || opts.thresholds[T - 1]! > 1) bucket = Math.max(0, bucket);
      if (Number.isNaN(p)) bucket = -1;
      // Histograms by bucket (index bucket + 1), turned into counts below: O(n + T), not O(n T).
      (label ? posHist : negHist)[multi ? i % width : 0]![Math.min(bucket, T - 1) + 1] += w;
    } else {
      for (let j = 0; j < T; j++) {
        const pos = p > opts.thresholds[j]!;
        if (label) {
          if (pos) c.tp[j] += w;
          else c.fn[j] += w;
        } else if (pos) c.fp[j] += w;
        else c.tn[j] += w;
      }
    }
  }
  if (opts.evenly)
    counts.forEach((c, l) => {
      const pos = posHist[l]!;
      const neg = negHist[l]!;
      let totalPos = 0;
      let totalNeg = 0;
      for (let b = 0; b <= T; b++) {
        totalPos += pos[b]!;
        totalNeg += neg[b]!;
      }
      // A prediction in bucket b is positive at thresholds 0..b, i.e. at j when its index b + 1 > j.
      let abovePos = 0;
      let aboveNeg = 0;
      for (let j = T - 1; j >= 0; j--) {
        abovePos += pos[j + 1]!;
        aboveNeg += neg[j + 1]!;
        c.tp[j] += abovePos;
        c.fn[j] += totalPos - abovePos;
        c.fp[j] += aboveNeg;
        c.tn[j] += totalNeg - aboveNeg;
      }
    });
  return finite;
}

function weightOf(where: string, sampleWeight: MetricInput | null | undefined): Host | null {
  return sampleWeight === undefined || sampleWeight === null ? null : toHost(sampleWeight, `${where} sample_weight`);
}

/** Shared state of the metrics that count at thresholds (one label). */
abstract class ThresholdCounts extends Metric {
  protected counts: Counts;
  protected sawNaN = false;

  constructor(
    args: MetricArgs,
    readonly thresholds: number[],
    protected readonly evenly: boolean,
  ) {
    super(args);
    this.counts = zeroCounts(thresholds.length);
  }

  protected options(): ConfusionOptions {
    return { thresholds: this.thresholds, evenly: this.evenly };
  }

  override updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void {
    const ok = updateConfusion(
      this.name,
      [this.counts],
      toHost(yTrue, `${this.name} y_true`),
      toHost(yPred, `${this.name} y_pred`),
      weightOf(this.name, sampleWeight),
      this.options(),
    );
    if (!ok) this.sawNaN = true;
  }

  override resetState(): void {
    this.counts = zeroCounts(this.thresholds.length);
    this.sawNaN = false;
  }

  /** One number for one threshold, else one per threshold; NaN when a NaN prediction was seen. */
  protected perThreshold(f: (j: number) => number): MetricValue {
    const values = this.thresholds.map((_, j) => (this.sawNaN ? NaN : f(j)));
    return values.length === 1 ? values[0]! : values;
  }
}

export interface CountArgs extends MetricArgs {
  thresholds?: number | readonly number[];
}

type CountKind = 'tp' | 'fp' | 'tn' | 'fn';

/** Keras's _ConfusionMatrixConditionCount: one count at each threshold. */
abstract class ConditionCount extends ThresholdCounts {
  private readonly initThresholds: number | readonly number[] | null;

  constructor(
    where: string,
    private readonly kind: CountKind,
    args: CountArgs,
  ) {
    checkOptionNames(where, args, [...METRIC_ARG_NAMES, 'thresholds']);
    const { thresholds, ...rest } = args;
    const list = parseThresholds(where, thresholds, 0.5);
    super(rest, list, evenlyDistributed(list));
    this.initThresholds = thresholds ?? null;
  }

  override resultValue(): MetricValue {
    return this.perThreshold((j) => this.counts[this.kind][j]!);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), thresholds: this.initThresholds };
  }
}

/** The (weighted) count of labels non-zero and predictions > threshold, at each threshold. */
export class TruePositives extends ConditionCount {
  constructor(args: CountArgs = {}) {
    super('TruePositives', 'tp', args);
  }
}

/** The (weighted) count of labels zero and predictions > threshold, at each threshold. */
export class FalsePositives extends ConditionCount {
  constructor(args: CountArgs = {}) {
    super('FalsePositives', 'fp', args);
  }
}

/** The (weighted) count of labels zero and predictions <= threshold, at each threshold. */
export class TrueNegatives extends ConditionCount {
  constructor(args: CountArgs = {}) {
    super('TrueNegatives', 'tn', args);
  }
}

/** The (weighted) count of labels non-zero and predictions <= threshold, at each threshold. */
export class FalseNegatives extends ConditionCount {
  constructor(args: CountArgs = {}) {
    super('FalseNegatives', 'fn', args);
  }
}

export interface PrecisionRecallArgs extends MetricArgs {
  thresholds?: number | readonly number[];
  topK?: number;
  classId?: number;
}

const PR_ARG_NAMES = [...METRIC_ARG_NAMES, 'thresholds', 'topK', 'classId'];

abstract class PrecisionRecallBase extends ThresholdCounts {
  readonly topK: number | null;
  readonly classId: number | null;
  private readonly initThresholds: number | readonly number[] | null;

  constructor(where: string, args: PrecisionRecallArgs) {
    checkOptionNames(where, args, PR_ARG_NAMES);
    const { thresholds, topK, classId, ...rest } = args;
    if (topK !== undefined) checkNumber(where, 'topK', topK, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
    if (classId !== undefined)
      checkNumber(where, 'classId', classId, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    const list = parseThresholds(where, thresholds, topK === undefined ? 0.5 : NEG_INF);
    super(rest, list, evenlyDistributed(list));
    this.topK = topK ?? null;
    this.classId = classId ?? null;
    this.initThresholds = thresholds ?? null;
  }

  protected override options(): ConfusionOptions {
    return { ...super.options(), topK: this.topK, classId: this.classId };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), thresholds: this.initThresholds, top_k: this.topK, class_id: this.classId };
  }
}

/** tp / (tp + fp) at each threshold (Keras's Precision). */
export class Precision extends PrecisionRecallBase {
  constructor(args: PrecisionRecallArgs = {}) {
    super('Precision', args);
  }

  override resultValue(): MetricValue {
    const c = this.counts;
    return this.perThreshold((j) => divideNoNan(c.tp[j]!, c.tp[j]! + c.fp[j]!));
  }
}

/** tp / (tp + fn) at each threshold (Keras's Recall). */
export class Recall extends PrecisionRecallBase {
  constructor(args: PrecisionRecallArgs = {}) {
    super('Recall', args);
  }

  override resultValue(): MetricValue {
    const c = this.counts;
    return this.perThreshold((j) => divideNoNan(c.tp[j]!, c.tp[j]! + c.fn[j]!));
  }
}

export interface AtValueArgs extends MetricArgs {
  numThresholds?: number;
  classId?: number;
}

/** Keras's SensitivitySpecificityBase: counts at numThresholds evenly spaced thresholds in [0, 1]. */
abstract class SensitivitySpecificityBase extends ThresholdCounts {
  readonly numThresholds: number;
  readonly classId: number | null;

  constructor(where: string, valueKey: string, value: number, args: AtValueArgs) {
    const { numThresholds = 200, classId, ...rest } = args;
    checkNumber(where, valueKey, value, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    checkNumber(where, 'numThresholds', numThresholds, (v) => Number.isInteger(v) && v > 0, 'an integer > 0');
    if (classId !== undefined)
      checkNumber(where, 'classId', classId, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    const list =
      numThresholds === 1
        ? [0.5]
        : [0, ...Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1)), 1];
    super(rest, list, numThresholds !== 1);
    this.numThresholds = numThresholds;
    this.classId = classId ?? null;
  }

  protected override options(): ConfusionOptions {
    return { ...super.options(), classId: this.classId };
  }

  /** The largest `dependent` over thresholds where `constrained` >= the target value (0 if none). */
  protected maxUnderConstraint(constrained: (j: number) => number, dependent: (j: number) => number, value: number) {
    if (this.sawNaN) return NaN;
    let best = 0;
    for (let j = 0; j < this.thresholds.length; j++) if (constrained(j) >= value) best = Math.max(best, dependent(j));
    return best;
  }

  protected recall = (j: number): number => divideNoNan(this.counts.tp[j]!, this.counts.tp[j]! + this.counts.fn[j]!);
  protected precision = (j: number): number => divideNoNan(this.counts.tp[j]!, this.counts.tp[j]! + this.counts.fp[j]!);
  protected specificity = (j: number): number =>
    divideNoNan(this.counts.tn[j]!, this.counts.tn[j]! + this.counts.fp[j]!);

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), class_id: this.classId };
  }
}

export interface SensitivityAtSpecificityArgs extends AtValueArgs {
  specificity: number;
}

/** The best sensitivity (recall) at a specificity >= the given one. */
export class SensitivityAtSpecificity extends SensitivitySpecificityBase {
  readonly specificityValue: number;

  constructor(args: SensitivityAtSpecificityArgs) {
    checkOptionNames('SensitivityAtSpecificity', args, [
      ...METRIC_ARG_NAMES,
      'specificity',
      'numThresholds',
      'classId',
    ]);
    const { specificity, ...rest } = args;
    super('SensitivityAtSpecificity', 'specificity', specificity, rest);
    this.specificityValue = specificity;
  }

  override resultValue(): number {
    return this.maxUnderConstraint(this.specificity, this.recall, this.specificityValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), num_thresholds: this.numThresholds, specificity: this.specificityValue };
  }
}

export interface SpecificityAtSensitivityArgs extends AtValueArgs {
  sensitivity: number;
}

/** The best specificity at a sensitivity (recall) >= the given one. */
export class SpecificityAtSensitivity extends SensitivitySpecificityBase {
  readonly sensitivityValue: number;

  constructor(args: SpecificityAtSensitivityArgs) {
    checkOptionNames('SpecificityAtSensitivity', args, [
      ...METRIC_ARG_NAMES,
      'sensitivity',
      'numThresholds',
      'classId',
    ]);
    const { sensitivity, ...rest } = args;
    super('SpecificityAtSensitivity', 'sensitivity', sensitivity, rest);
    this.sensitivityValue = sensitivity;
  }

  override resultValue(): number {
    return this.maxUnderConstraint(this.recall, this.specificity, this.sensitivityValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), num_thresholds: this.numThresholds, sensitivity: this.sensitivityValue };
  }
}

export interface PrecisionAtRecallArgs extends AtValueArgs {
  recall: number;
}

/** The best precision at a recall >= the given one. */
export class PrecisionAtRecall extends SensitivitySpecificityBase {
  readonly recallValue: number;

  constructor(args: PrecisionAtRecallArgs) {
    checkOptionNames('PrecisionAtRecall', args, [...METRIC_ARG_NAMES, 'recall', 'numThresholds', 'classId']);
    const { recall, ...rest } = args;
    super('PrecisionAtRecall', 'recall', recall, rest);
    this.recallValue = recall;
  }

  override resultValue(): number {
    return this.maxUnderConstraint(this.recall, this.precision, this.recallValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), num_thresholds: this.numThresholds, recall: this.recallValue };
  }
}

export interface RecallAtPrecisionArgs extends AtValueArgs {
  precision: number;
}

/** The best recall at a precision >= the given one. */
export class RecallAtPrecision extends SensitivitySpecificityBase {
  readonly precisionValue: number;

  constructor(args: RecallAtPrecisionArgs) {
    checkOptionNames('RecallAtPrecision', args, [...METRIC_ARG_NAMES, 'precision', 'numThresholds', 'classId']);
    const { precision, ...rest } = args;
    super('RecallAtPrecision', 'precision', precision, rest);
    this.precisionValue = precision;
  }

  override resultValue(): number {
    return this.maxUnderConstraint(this.precision, this.recall, this.precisionValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), num_thresholds: this.numThresholds, precision: this.precisionValue };
  }
}

export interface AUCArgs extends MetricArgs {
  numThresholds?: number;
  curve?: 'ROC' | 'PR' | 'roc' | 'pr';
  summationMethod?: 'interpolation' | 'majoring' | 'minoring' | 'Interpolation' | 'Majoring' | 'Minoring';
  thresholds?: readonly number[];
  multiLabel?: boolean;
  numLabels?: number;
  labelWeights?: readonly number[];
  fromLogits?: boolean;
}

const AUC_ARG_NAMES = [
  ...METRIC_ARG_NAMES,
  'numThresholds',
  'curve',
  'summationMethod',
  'thresholds',
  'multiLabel',
  'numLabels',
  'labelWeights',
  'fromLogits',
];

/**
 * Keras's AUC: the area under the ROC or precision-recall curve, a Riemann sum over the
 * confusion counts at `numThresholds` thresholds (0 - 1e-7, evenly spaced, 1 + 1e-7), with
 * interpolated heights by default (for PR, Davis & Goadrich's interpolation, as Keras).
 */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'majoring' | 'minoring';
  readonly multiLabel: boolean;
  readonly numLabels: number | null;
  readonly labelWeights: readonly number[] | null;
  readonly fromLogits: boolean;
  /** The thresholds, with the two epsilon endpoints. */
  readonly thresholds: number[];
  private readonly evenly: boolean;
  private readonly initFromThresholds: boolean;
  private counts: Counts[] | null = null;
  private sawNaN = false;

  constructor(args: AUCArgs = {}) {
    checkOptionNames('AUC', args, AUC_ARG_NAMES);
    const {
      numThresholds = 200,
      curve = 'ROC',
      summationMethod = 'interpolation',
      thresholds,
      multiLabel = false,
      numLabels,
      labelWeights,
      fromLogits = false,
      ...rest
    } = args;
    let inner: number[];
    let count: number;
    let evenly: boolean;
    if (thresholds !== undefined) {
      inner = [...parseThresholds('AUC', thresholds, 0.5)].sort((a, b) => a - b);
      count = inner.length + 2;
      evenly = evenlyDistributed([0, ...inner, 1]);
    } else {
      checkNumber('AUC', 'numThresholds', numThresholds, (v) => Number.isInteger(v) && v > 1, 'an integer > 1');
      count = numThresholds;
      inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
      evenly = true;
    }
    const c = curve.toUpperCase();
    if (c !== 'ROC' && c !== 'PR')
      throw new Error(`AUC: invalid curve '${String(curve)}'; expected 'ROC' or 'PR' (PRGAIN is not supported).`);
    const s = summationMethod.toLowerCase();
    if (s !== 'interpolation' && s !== 'majoring' && s !== 'minoring')
      throw new Error(
        `AUC: invalid summationMethod '${String(summationMethod)}'; expected 'interpolation', 'majoring' or 'minoring'.`,
      );
    if (!multiLabel && numLabels !== undefined && numLabels !== null)
      throw new Error('AUC: `numLabels` is needed only when `multiLabel` is true.');
    super(rest);
    this.numThresholds = count;
    this.curve = c;
    this.summationMethod = s;
    this.multiLabel = multiLabel;
    this.numLabels = numLabels ?? null;
    this.labelWeights = labelWeights ? [...labelWeights] : null;
    this.fromLogits = fromLogits;
    this.thresholds = [0 - EPSILON, ...inner, 1 + EPSILON];
    this.evenly = evenly;
    this.initFromThresholds = thresholds !== undefined;
    if (!multiLabel) this.counts = [zeroCounts(count)];
    else if (numLabels) this.counts = Array.from({ length: numLabels }, () => zeroCounts(count));
  }

  override updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void {
    let p = toHost(yPred, `${this.name} y_pred`);
    if (this.fromLogits) p = { data: p.data.map((x) => 1 / (1 + Math.exp(-x))), shape: p.shape };
    if (!this.counts) {
      if (p.shape.length !== 2)
        throw new Error(
          `${this.name}: y_pred must have rank 2 when multiLabel is true; got ${shapeToString(p.shape)}.`,
        );
      this.counts = Array.from({ length: p.shape[1]! }, () => zeroCounts(this.numThresholds));
    }
    const ok = updateConfusion(
      this.name,
      this.counts,
      toHost(yTrue, `${this.name} y_true`),
      p,
      weightOf(this.name, sampleWeight),
      {
        thresholds: this.thresholds,
        evenly: this.evenly,
        multiLabel: this.multiLabel,
        labelWeights: this.multiLabel ? null : this.labelWeights,
      },
    );
    if (!ok) this.sawNaN = true;
  }

  override resetState(): void {
    if (this.counts) this.counts = this.counts.map(() => zeroCounts(this.numThresholds));
    this.sawNaN = false;
  }

  /** The area for one label's counts. */
  private area(c: Counts): number {
    const T = this.numThresholds;
    let total = 0;
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') {
      for (let j = 0; j < T - 1; j++) {
        const dtp = c.tp[j]! - c.tp[j + 1]!;
        const p0 = c.tp[j]! + c.fp[j]!;
        const p1 = c.tp[j + 1]! + c.fp[j + 1]!;
        const dp = p0 - p1;
        const slope = divideNoNan(dtp, Math.max(dp, 0));
        const intercept = c.tp[j + 1]! - slope * p1;
        const ratio = p0 > 0 && p1 > 0 ? divideNoNan(p0, Math.max(p1, 0)) : 1;
        total += divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(c.tp[j + 1]! + c.fn[j + 1]!, 0));
      }
      return total;
    }
    const recall = (j: number): number => divideNoNan(c.tp[j]!, c.tp[j]! + c.fn[j]!);
    const x = this.curve === 'ROC' ? (j: number): number => divideNoNan(c.fp[j]!, c.fp[j]! + c.tn[j]!) : recall;
    const y = this.curve === 'ROC' ? recall : (j: number): number => divideNoNan(c.tp[j]!, c.tp[j]! + c.fp[j]!);
    for (let j = 0; j < T - 1; j++) {
      const a = y(j);
      const b = y(j + 1);
      const h =
        this.summationMethod === 'interpolation'
          ? (a + b) / 2
          : this.summationMethod === 'minoring'
            ? Math.min(a, b)
            : Math.max(a, b);
      total += (x(j) - x(j + 1)) * h;
    }
    return total;
  }

  override resultValue(): number {
    if (this.sawNaN) return NaN;
    if (!this.counts) return 0;
    const areas = this.counts.map((c) => this.area(c));
    if (!this.multiLabel) return areas[0]!;
    if (!this.labelWeights) return areas.reduce((a, b) => a + b, 0) / areas.length;
    const lw = this.labelWeights;
    return divideNoNan(
      areas.reduce((a, b, i) => a + b * lw[i]!, 0),
      lw.reduce((a, b) => a + b, 0),
    );
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      num_thresholds: this.numThresholds,
      curve: this.curve,
      summation_method: this.summationMethod,
      multi_label: this.multiLabel,
      num_labels: this.numLabels,
      label_weights: this.labelWeights,
      from_logits: this.fromLogits,
    };
    if (this.initFromThresholds) config['thresholds'] = this.thresholds.slice(1, -1);
    return config;
  }
}
