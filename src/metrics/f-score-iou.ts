/** FBetaScore, F1Score (keras/src/metrics/f_score_metrics.py) and MeanIoU (iou_metrics.py). */
import { shapeToString } from '../core/shape.js';
import { checkOptionNames } from '../utils/option-names.js';
import type { Host, MetricInput } from './host.js';
import { broadcastTo, lastAxis, toHost } from './host.js';
import { EPSILON } from './functions.js';
import type { MetricArgs, MetricValue } from './metric.js';
import { METRIC_ARG_NAMES, Metric, checkNumber } from './metric.js';

export type FScoreAverage = 'micro' | 'macro' | 'weighted' | null;

export interface FBetaScoreArgs extends MetricArgs {
  average?: FScoreAverage;
  beta?: number;
  threshold?: number | null;
}

export type F1ScoreArgs = Omit<FBetaScoreArgs, 'beta'>;

/**
 * Keras's FBetaScore on (batch, classes) inputs: per class (or pooled, for `micro`)
 * (1 + beta^2) * P * R / (beta^2 * P + R), with Keras's epsilons; a prediction is positive when
 * it is > threshold, or (threshold null) when it is its row's maximum and not ~0.
 */
export class FBetaScore extends Metric {
  readonly average: FScoreAverage;
  readonly beta: number;
  readonly threshold: number | null;
  private tp: Float64Array | null = null;
  private fp: Float64Array | null = null;
  private fn: Float64Array | null = null;
  private weights: Float64Array | null = null;

  constructor(args: FBetaScoreArgs = {}, where = 'FBetaScore', defaultName = 'fbeta_score') {
    checkOptionNames(where, args, [
      ...METRIC_ARG_NAMES,
      'average',
      'threshold',
      ...(where === 'F1Score' ? [] : ['beta']),
    ]);
    const { average = null, beta = 1, threshold = null, ...rest } = args;
    if (average !== null && average !== 'micro' && average !== 'macro' && average !== 'weighted')
      throw new Error(`${where}: invalid average '${String(average)}'; expected null, 'micro', 'macro' or 'weighted'.`);
    checkNumber(where, 'beta', beta, (v) => v > 0 && Number.isFinite(v), 'a number > 0');
    if (threshold !== null) checkNumber(where, 'threshold', threshold, (v) => v > 0 && v <= 1, 'in (0, 1]');
    super({ name: defaultName, ...rest });
    this.average = average;
    this.beta = beta;
    this.threshold = threshold;
  }

  override updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void {
    const t = toHost(yTrue, `${this.name} y_true`);
    const p = toHost(yPred, `${this.name} y_pred`);
    if (t.shape.length !== 2 || p.shape.length !== 2)
      throw new Error(
        `${this.name}: expects 2D inputs of shape (batch_size, output_dim); got y_true ${shapeToString(t.shape)} and y_pred ${shapeToString(p.shape)}.`,
      );
    if (t.shape[0] !== p.shape[0] || t.shape[1] !== p.shape[1])
      throw new Error(`${this.name}: y_true ${shapeToString(t.shape)} and y_pred ${shapeToString(p.shape)} differ.`);
    const { rows, width } = lastAxis(p);
    const n = this.average === 'micro' ? 1 : width;
    if (!this.tp) {
      this.tp = new Float64Array(n);
      this.fp = new Float64Array(n);
      this.fn = new Float64Array(n);
      this.weights = new Float64Array(n);
    } else if (this.tp.length !== n)
      throw new Error(`${this.name}: built for ${this.tp.length} classes, got ${width}.`);
    let sw: Host | null = null;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      let w = toHost(sampleWeight, `${this.name} sample_weight`);
      if (w.shape.length < 2) w = { data: w.data, shape: [...w.shape, ...Array<number>(2 - w.shape.length).fill(1)] };
      sw = broadcastTo(w, p.shape, `${this.name} (sample_weight)`);
    }
    for (let r = 0; r < rows; r++) {
      let rowMax = -Infinity;
      for (let j = 0; j < width; j++) rowMax = Math.max(rowMax, p.data[r * width + j]!);
      for (let j = 0; j < width; j++) {
        const i = r * width + j;
        const v = p.data[i]!;
        const pred = this.threshold === null ? (v >= rowMax && Math.abs(v) > 1e-9 ? 1 : 0) : v > this.threshold ? 1 : 0;
        const y = t.data[i]!;
        const w = sw ? sw.data[i]! : 1;
        const k = n === 1 ? 0 : j;
        this.tp![k] += pred * y * w;
        this.fp![k] += pred * (1 - y) * w;
        this.fn![k] += (1 - pred) * y * w;
        this.weights![k] += y * w;
      }
    }
  }

  override resultValue(): MetricValue {
    if (!this.tp) return this.average === null ? [] : 0;
    const b2 = this.beta * this.beta;
    const scores = Array.from(this.tp, (tp, k) => {
      const precision = tp / (tp + this.fp![k]! + EPSILON);
      const recall = tp / (tp + this.fn![k]! + EPSILON);
      return ((precision * recall) / (b2 * precision + recall + EPSILON)) * (1 + b2);
    });
    if (this.average === 'weighted') {
      const total = this.weights!.reduce((a, b) => a + b, 0) + EPSILON;
      return scores.reduce((a, s, k) => a + (s * this.weights![k]!) / total, 0);
    }
    if (this.average !== null) return scores.reduce((a, b) => a + b, 0) / scores.length;
    return scores;
  }

  override resetState(): void {
    for (const a of [this.tp, this.fp, this.fn, this.weights]) a?.fill(0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), average: this.average, beta: this.beta, threshold: this.threshold };
  }
}

/** FBetaScore with beta = 1. */
export class F1Score extends FBetaScore {
  constructor(args: F1ScoreArgs = {}) {
    super(args, 'F1Score', 'f1_score');
  }

  override getConfig(): Record<string, unknown> {
    const config = super.getConfig();
    delete config['beta'];
    return config;
  }
}

export interface MeanIoUArgs extends MetricArgs {
  numClasses: number;
  ignoreClass?: number | null;
  sparseYTrue?: boolean;
  sparseYPred?: boolean;
  axis?: number;
}

/**
 * Keras's MeanIoU: a confusion matrix of class ids accumulated over batches; the result is the
 * mean over classes that occur (in y_true or y_pred) of tp / (tp + fp + fn). Class ids are
 * truncated to integers as Keras's int cast does; pairs outside [0, numClasses) are dropped.
 * State is float (Keras's `dtype='float32'`), so fractional sample weights count as given.
 */
export class MeanIoU extends Metric {
  readonly numClasses: number;
  readonly ignoreClass: number | null;
  readonly sparseYTrue: boolean;
  readonly sparseYPred: boolean;
  readonly axis: number;
  private cm: Float64Array;

  constructor(args: MeanIoUArgs) {
    checkOptionNames('MeanIoU', args, [
      ...METRIC_ARG_NAMES,
      'numClasses',
      'ignoreClass',
      'sparseYTrue',
      'sparseYPred',
      'axis',
    ]);
    if (!args || typeof args.numClasses !== 'number')
      throw new Error('MeanIoU: `numClasses` is required, e.g. new MeanIoU({ numClasses: 3 }).');
    const { numClasses, ignoreClass = null, sparseYTrue = true, sparseYPred = true, axis = -1, ...rest } = args;
    checkNumber('MeanIoU', 'numClasses', numClasses, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
    if (axis !== -1) throw new Error(`MeanIoU: axis ${axis} is not supported; only the last axis (axis: -1) is.`);
    super(rest);
    this.numClasses = numClasses;
    this.ignoreClass = ignoreClass;
    this.sparseYTrue = sparseYTrue;
    this.sparseYPred = sparseYPred;
    this.axis = axis;
    this.cm = new Float64Array(numClasses * numClasses);
  }

  private ids(h: Host, sparse: boolean): Float64Array {
    if (sparse) return h.data.map(Math.trunc);
    const { rows, width } = lastAxis(h);
    return Float64Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let j = 1; j < width; j++) if (h.data[r * width + j]! > h.data[r * width + best]!) best = j;
      return best;
    });
  }

  override updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void {
    const t = this.ids(toHost(yTrue, `${this.name} y_true`), this.sparseYTrue);
    const p = this.ids(toHost(yPred, `${this.name} y_pred`), this.sparseYPred);
    if (t.length !== p.length)
      throw new Error(`${this.name}: ${t.length} true class ids but ${p.length} predicted ones.`);
    let w: Float64Array | null = null;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      const h = toHost(sampleWeight, `${this.name} sample_weight`);
      w = broadcastTo({ data: h.data, shape: [h.data.length] }, [t.length], `${this.name} (sample_weight)`).data;
    }
    const n = this.numClasses;
    for (let i = 0; i < t.length; i++) {
      const a = t[i]!;
      const b = p[i]!;
      if (!(a >= 0 && a < n && b >= 0 && b < n)) continue;
      if (this.ignoreClass !== null && a === this.ignoreClass) continue;
      this.cm[a * n + b] += w ? w[i]! : 1;
    }
  }

  override resultValue(): number {
    const n = this.numClasses;
    let sum = 0;
    let valid = 0;
    for (let c = 0; c < n; c++) {
      let row = 0;
      let col = 0;
      for (let k = 0; k < n; k++) {
        row += this.cm[c * n + k]!;
        col += this.cm[k * n + c]!;
      }
      const tp = this.cm[c * n + c]!;
      const denom = row + col - tp;
      if (denom > 1e-9) {
        valid++;
        sum += tp / (denom + EPSILON);
      }
    }
    return sum / (valid + EPSILON);
  }

  override resetState(): void {
    this.cm.fill(0);
  }

  override getConfig(): Record<string, unknown> {
    return {
      num_classes: this.numClasses,
      name: this.name,
      dtype: this.dtype,
      ignore_class: this.ignoreClass,
      sparse_y_true: this.sparseYTrue,
      sparse_y_pred: this.sparseYPred,
      axis: this.axis,
    };
  }
}
