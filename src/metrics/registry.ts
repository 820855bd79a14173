/** Metrics by name (Keras's metrics.get / deserialize): class names, snake_case, camelCase, aliases. */
import { ownEntry } from '../utils/own.js';
import { toSnakeCase } from '../utils/naming.js';
import {
  AUC,
  FalseNegatives,
  FalsePositives,
  Precision,
  PrecisionAtRecall,
  Recall,
  RecallAtPrecision,
  SensitivityAtSpecificity,
  SpecificityAtSensitivity,
  TrueNegatives,
  TruePositives,
} from './confusion.js';
import { F1Score, FBetaScore, MeanIoU } from './f-score-iou.js';
import { Metric } from './metric.js';
import type { MetricFn } from './reduction.js';
import { Mean, MeanMetricWrapper, Sum } from './reduction.js';
import {
  Accuracy,
  BinaryAccuracy,
  CategoricalAccuracy,
  CosineSimilarity,
  LogCoshError,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredError,
  MeanSquaredLogarithmicError,
  RootMeanSquaredError,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
} from './wrappers.js';

type MetricClass = new (args?: never) => Metric;

/** Every built-in metric class, by Keras class name. */
export const METRIC_CLASSES: Readonly<Record<string, MetricClass>> = {
  Mean,
  Sum,
  Accuracy,
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  MeanSquaredError,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError,
  RootMeanSquaredError,
  CosineSimilarity,
  LogCoshError,
  AUC,
  Precision,
  Recall,
  TruePositives,
  FalsePositives,
  TrueNegatives,
  FalseNegatives,
  PrecisionAtRecall,
  RecallAtPrecision,
  SensitivityAtSpecificity,
  SpecificityAtSensitivity,
  F1Score,
  FBetaScore,
  MeanIoU,
} as unknown as Record<string, MetricClass>;

/** Classes that cannot be built without an option (Keras raises too: a required argument). */
const REQUIRED: Readonly<Record<string, string>> = {
  PrecisionAtRecall: 'recall',
  RecallAtPrecision: 'precision',
  SensitivityAtSpecificity: 'specificity',
  SpecificityAtSensitivity: 'sensitivity',
  MeanIoU: 'numClasses',
};

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const BY_NAME = new Map<string, string>();
for (const cls of Object.keys(METRIC_CLASSES)) {
  if (cls === 'Mean' || cls === 'Sum') continue;
  BY_NAME.set(cls, cls);
  BY_NAME.set(toSnakeCase(cls), cls);
  BY_NAME.set(camel(toSnakeCase(cls)), cls);
}
// Keras's aliases (metrics/__init__.py), and `logcosh`, the name LogCoshError reports.
for (const [alias, cls] of [
  ['mse', 'MeanSquaredError'],
  ['MSE', 'MeanSquaredError'],
  ['mae', 'MeanAbsoluteError'],
  ['MAE', 'MeanAbsoluteError'],
  ['mape', 'MeanAbsolutePercentageError'],
  ['MAPE', 'MeanAbsolutePercentageError'],
  ['msle', 'MeanSquaredLogarithmicError'],
  ['MSLE', 'MeanSquaredLogarithmicError'],
  ['logcosh', 'LogCoshError'],
] as const)
  BY_NAME.set(alias, cls);

/** The metric names `getMetric` accepts (for error messages and docs). */
export function metricNames(): string[] {
  return [...BY_NAME.keys()];
}

export type MetricSpec = string | MetricFn | Metric;

/**
 * A metric object for an identifier, as Keras's metrics.get: a Metric is used as is, a function
 * is wrapped in MeanMetricWrapper (named after the function), a name builds the class with its
 * defaults. (`'accuracy'` here is Keras's Accuracy; compile resolves it from shapes instead.)
 */
export function getMetric(id: MetricSpec): Metric {
  if (id instanceof Metric) return id;
  // A Metric class rather than an instance: Keras builds it with its defaults.
  if (typeof id === 'function' && id.prototype instanceof Metric) return new (id as unknown as new () => Metric)();
  if (typeof id === 'function') return new MeanMetricWrapper(id, { name: id.name || 'custom_metric' });
  if (typeof id !== 'string') throw new Error(`Could not interpret metric identifier: ${String(id)}.`);
  const cls = BY_NAME.has(id) ? BY_NAME.get(id)! : undefined;
  if (!cls)
    throw new Error(
      `Unknown metric '${id}'. Expected 'accuracy' or one of: ${[...new Set(BY_NAME.values())].map(toSnakeCase).join(', ')}.`,
    );
  if (ownEntry(REQUIRED, cls))
    throw new Error(
      `Metric '${id}' needs \`${REQUIRED[cls]}\`: create it as an object, e.g. new metrics.${cls}({ ${REQUIRED[cls]}: ... }).`,
    );
  return new METRIC_CLASSES[cls]!();
}

/** Whether `m` is an instance of a built-in class itself (not of a user's subclass). */
export function isBuiltinMetric(m: Metric): boolean {
  return ownEntry(METRIC_CLASSES, m.className) === m.constructor || m.constructor === MeanMetricWrapper;
}

/** Keras's saved form of a metric object: { module, class_name, config, registered_name }. */
export function serializeMetric(m: Metric): Record<string, unknown> {
  return { module: 'keras.metrics', class_name: m.className, config: m.getConfig(), registered_name: null };
}

const snakeToCamelKeys = (config: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config))
    if (v !== null || k === 'threshold' || k === 'average') out[camel(k)] = v;
  return out;
};

/** A metric from Keras's saved form (class name and snake_case config), or null for an unknown class. */
export function deserializeMetric(saved: { class_name: string; config?: Record<string, unknown> }): Metric | null {
  const cls = ownEntry(METRIC_CLASSES, saved.class_name);
  if (!cls) return null;
  const args = snakeToCamelKeys(saved.config ?? {});
  return new (cls as unknown as new (a: Record<string, unknown>) => Metric)(args);
}
