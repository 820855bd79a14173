/** The accuracy family and the regression metrics: Keras's MeanMetricWrapper subclasses. */
import { checkOptionNames } from '../utils/option-names.js';
import {
  accuracyHost,
  binaryAccuracyHost,
  categoricalAccuracyHost,
  cosineSimilarityHost,
  logCoshHost,
  meanAbsoluteErrorHost,
  meanAbsolutePercentageErrorHost,
  meanSquaredErrorHost,
  meanSquaredLogarithmicErrorHost,
  sparseCategoricalAccuracyHost,
  sparseTopKCategoricalAccuracyHost,
  squaredErrorHost,
  topKCategoricalAccuracyHost,
} from './functions.js';
import type { Host, MetricInput } from './host.js';
import { toHost } from './host.js';
import type { MetricArgs } from './metric.js';
import { METRIC_ARG_NAMES, checkNumber } from './metric.js';
import { BuiltinMeanWrapper, Mean } from './reduction.js';

/** A wrapper of a Keras function with no options but name and dtype. */
abstract class SimpleWrapper extends BuiltinMeanWrapper {
  constructor(where: string, defaultName: string, args: MetricArgs) {
    checkOptionNames(where, args, METRIC_ARG_NAMES);
    super({ name: defaultName, ...args });
  }
}

/** Exact equality of y_true and y_pred (Keras's Accuracy). */
export class Accuracy extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('Accuracy', 'accuracy', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return accuracyHost(t, p);
  }
}

/** argmax(y_true) == argmax(y_pred). */
export class CategoricalAccuracy extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('CategoricalAccuracy', 'categorical_accuracy', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return categoricalAccuracyHost(t, p);
  }
}

/** y_true (class ids) == argmax(y_pred). */
export class SparseCategoricalAccuracy extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('SparseCategoricalAccuracy', 'sparse_categorical_accuracy', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return sparseCategoricalAccuracyHost(t, p);
  }
}

/** mean((y_true - y_pred)^2) over the last axis, averaged over samples. */
export class MeanSquaredError extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('MeanSquaredError', 'mean_squared_error', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return meanSquaredErrorHost(t, p);
  }
}

/** mean(|y_true - y_pred|) over the last axis, averaged over samples. */
export class MeanAbsoluteError extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('MeanAbsoluteError', 'mean_absolute_error', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return meanAbsoluteErrorHost(t, p);
  }
}

/** 100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7)). */
export class MeanAbsolutePercentageError extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('MeanAbsolutePercentageError', 'mean_absolute_percentage_error', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return meanAbsolutePercentageErrorHost(t, p);
  }
}

/** mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2). */
export class MeanSquaredLogarithmicError extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('MeanSquaredLogarithmicError', 'mean_squared_logarithmic_error', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return meanSquaredLogarithmicErrorHost(t, p);
  }
}

/** mean(log(cosh(y_pred - y_true))); Keras names it `logcosh`. */
export class LogCoshError extends SimpleWrapper {
  constructor(args: MetricArgs = {}) {
    super('LogCoshError', 'logcosh', args);
  }

  protected override computeHost(t: Host, p: Host): Host {
    return logCoshHost(t, p);
  }
}

export interface BinaryAccuracyArgs extends MetricArgs {
  threshold?: number;
}

/** y_true == (y_pred > threshold). */
export class BinaryAccuracy extends BuiltinMeanWrapper {
  readonly threshold: number;

  constructor(args: BinaryAccuracyArgs = {}) {
    checkOptionNames('BinaryAccuracy', args, [...METRIC_ARG_NAMES, 'threshold']);
    const { threshold = 0.5, ...rest } = args;
    checkNumber('BinaryAccuracy', 'threshold', threshold, Number.isFinite, 'a finite number');
    super({ name: 'binary_accuracy', ...rest });
    this.threshold = threshold;
  }

  protected override computeHost(t: Host, p: Host): Host {
    return binaryAccuracyHost(t, p, this.threshold);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype, threshold: this.threshold };
  }
}

export interface TopKArgs extends MetricArgs {
  k?: number;
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;

/** Whether argmax(y_true) is among the k highest predictions. */
export class TopKCategoricalAccuracy extends BuiltinMeanWrapper {
  readonly k: number;

  constructor(args: TopKArgs = {}) {
    checkOptionNames('TopKCategoricalAccuracy', args, [...METRIC_ARG_NAMES, 'k']);
    const { k = 5, ...rest } = args;
    checkNumber('TopKCategoricalAccuracy', 'k', k, positiveInt, 'a positive integer');
    super({ name: 'top_k_categorical_accuracy', ...rest });
    this.k = k;
  }

  protected override computeHost(t: Host, p: Host): Host {
    return topKCategoricalAccuracyHost(t, p, this.k);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype, k: this.k };
  }
}

export interface SparseTopKArgs extends TopKArgs {
  fromSortedIds?: boolean;
}

/** Whether the class id y_true is among the k highest predictions. */
export class SparseTopKCategoricalAccuracy extends BuiltinMeanWrapper {
  readonly k: number;
  readonly fromSortedIds: boolean;

  constructor(args: SparseTopKArgs = {}) {
    checkOptionNames('SparseTopKCategoricalAccuracy', args, [...METRIC_ARG_NAMES, 'k', 'fromSortedIds']);
    const { k = 5, fromSortedIds = false, ...rest } = args;
    checkNumber('SparseTopKCategoricalAccuracy', 'k', k, positiveInt, 'a positive integer');
    super({ name: 'sparse_top_k_categorical_accuracy', ...rest });
    this.k = k;
    this.fromSortedIds = fromSortedIds;
  }

  protected override computeHost(t: Host, p: Host): Host {
    return sparseTopKCategoricalAccuracyHost(t, p, this.k, this.fromSortedIds);
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, dtype: this.dtype, k: this.k };
    if (this.fromSortedIds) config['from_sorted_ids'] = true;
    return config;
  }
}

export interface CosineSimilarityArgs extends MetricArgs {
  axis?: number;
}

/** Cosine similarity of y_true and y_pred along the last axis. */
export class CosineSimilarity extends BuiltinMeanWrapper {
  constructor(args: CosineSimilarityArgs = {}) {
    checkOptionNames('CosineSimilarity', args, [...METRIC_ARG_NAMES, 'axis']);
    const { axis = -1, ...rest } = args;
    if (axis !== -1)
      throw new Error(`CosineSimilarity: axis ${axis} is not supported; only the last axis (axis: -1) is.`);
    super({ name: 'cosine_similarity', ...rest });
  }

  protected override computeHost(t: Host, p: Host): Host {
    return cosineSimilarityHost(t, p);
  }
}

/** sqrt of the mean squared error over all elements seen (Keras's RootMeanSquaredError). */
export class RootMeanSquaredError extends Mean {
  constructor(args: MetricArgs = {}) {
    checkOptionNames('RootMeanSquaredError', args, METRIC_ARG_NAMES);
    super({ name: 'root_mean_squared_error', ...args });
  }

  override updateState(yTrue: MetricInput, yPred?: MetricInput | null, sampleWeight?: MetricInput | null): void {
    if (yPred === undefined || yPred === null) throw new Error(`${this.name}: updateState needs y_true and y_pred.`);
    this.addValues(
      squaredErrorHost(toHost(yTrue, `${this.name} y_true`), toHost(yPred, `${this.name} y_pred`)),
      sampleWeight,
    );
  }

  override resultValue(): number {
    return Math.sqrt(super.resultValue());
  }
}
