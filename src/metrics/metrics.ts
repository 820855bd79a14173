/**
 * Keras's metric functions on tensors (keras.metrics.binary_accuracy, ...): one value per sample
 * (per element for the accuracies), as float32 tensors. They are computed on host copies: metrics
 * are read, never differentiated.
 */
import type { Tensor } from '../core/tensor.js';
import type { Host } from './host.js';
import { hostToTensor, toHost } from './host.js';
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
  topKCategoricalAccuracyHost,
} from './functions.js';

export type { MetricFn } from './reduction.js';

function onTensors(name: string, f: (t: Host, p: Host) => Host) {
  return (yTrue: Tensor, yPred: Tensor): Tensor =>
    hostToTensor(f(toHost(yTrue, `${name} y_true`), toHost(yPred, `${name} y_pred`)));
}

export const accuracy = onTensors('accuracy', accuracyHost);
export const categoricalAccuracy = onTensors('categorical_accuracy', categoricalAccuracyHost);
export const sparseCategoricalAccuracy = onTensors('sparse_categorical_accuracy', sparseCategoricalAccuracyHost);
export const meanSquaredError = onTensors('mean_squared_error', meanSquaredErrorHost);
export const meanAbsoluteError = onTensors('mean_absolute_error', meanAbsoluteErrorHost);
export const meanAbsolutePercentageError = onTensors('mean_absolute_percentage_error', meanAbsolutePercentageErrorHost);
export const meanSquaredLogarithmicError = onTensors('mean_squared_logarithmic_error', meanSquaredLogarithmicErrorHost);
export const logCosh = onTensors('log_cosh', logCoshHost);
export const cosineSimilarity = onTensors('cosine_similarity', cosineSimilarityHost);

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  return hostToTensor(
    binaryAccuracyHost(toHost(yTrue, 'binary_accuracy y_true'), toHost(yPred, 'binary_accuracy y_pred'), threshold),
  );
}

export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  const w = 'top_k_categorical_accuracy';
  return hostToTensor(topKCategoricalAccuracyHost(toHost(yTrue, `${w} y_true`), toHost(yPred, `${w} y_pred`), k));
}

export function sparseTopKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5, fromSortedIds = false): Tensor {
  const w = 'sparse_top_k_categorical_accuracy';
  return hostToTensor(
    sparseTopKCategoricalAccuracyHost(toHost(yTrue, `${w} y_true`), toHost(yPred, `${w} y_pred`), k, fromSortedIds),
  );
}

/** A sample-weighted running mean (kept for callers outside the metric classes). */
export class RunningMean {
  private total = 0;
  private count = 0;

  update(value: number, weight: number): void {
    this.total += value * weight;
    this.count += weight;
  }

  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}
