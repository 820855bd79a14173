export {
  accuracy,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
  sparseTopKCategoricalAccuracy,
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  logCosh,
  cosineSimilarity,
} from './metrics.js';
export type { MetricFn } from './metrics.js';
export { Metric, isMetric } from './metric.js';
export type { MetricArgs, MetricValue } from './metric.js';
export type { MetricInput } from './host.js';
export { Mean, Sum, MeanMetricWrapper } from './reduction.js';
export {
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
} from './wrappers.js';
export type { BinaryAccuracyArgs, TopKArgs, SparseTopKArgs, CosineSimilarityArgs } from './wrappers.js';
export {
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
} from './confusion.js';
export type { AUCArgs, PrecisionRecallArgs, CountArgs } from './confusion.js';
export { F1Score, FBetaScore, MeanIoU } from './f-score-iou.js';
export type { FBetaScoreArgs, F1ScoreArgs, MeanIoUArgs, FScoreAverage } from './f-score-iou.js';
export { getMetric, serializeMetric, deserializeMetric, metricNames } from './registry.js';
export type { MetricSpec } from './registry.js';
