export { categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy, getMetric } from './metrics.js';
export type { MetricFn } from './metrics.js';
