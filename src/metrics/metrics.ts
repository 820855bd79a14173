import type { Tensor } from '../core/tensor.js';
import { astype } from '../ops/cast.js';
import { equal, greater } from '../ops/binary.js';
import { argmax, mean } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { shapeToString } from '../core/shape.js';
import { alignTargets } from '../losses/losses.js';
import { ownEntry } from '../utils/own.js';
import { asUserCode } from '../core/buffer-pool.js';

/** A per-sample metric: values are averaged over samples during an epoch. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return astype(equal(argmax(yTrue, -1), argmax(yPred, -1)), 'float32');
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  const ids = yTrue.rank === yPred.rank ? reshape(yTrue, yTrue.shape.slice(0, -1)) : yTrue;
  if (ids.size !== yPred.size / yPred.shape[yPred.rank - 1]!) {
    throw new Error(
      `sparse_categorical_accuracy: targets ${shapeToString(yTrue.shape)} do not fit outputs ${shapeToString(yPred.shape)}.`,
    );
  }
  return astype(equal(astype(ids, 'int32'), argmax(yPred, -1)), 'float32');
}

export function binaryAccuracy(targets: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  const yTrue = alignTargets(targets, yPred);
  const predicted = astype(greater(yPred, threshold), 'float32');
  return mean(astype(equal(astype(yTrue, 'float32'), predicted), 'float32'), -1);
}

const METRICS: Record<string, MetricFn> = {
  categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy,
  binary_accuracy: (t, p) => binaryAccuracy(t, p),
};

export interface ResolvedMetric {
  /** The key in logs and history (`accuracy` stays `accuracy`, as in Keras). */
  name: string;
  fn: MetricFn;
}

/**
 * Resolves a metric identifier. `'accuracy'`/`'acc'` pick the variant that fits the loss and
 * output shape the way Keras does: binary for binary cross-entropy or a single output unit,
 * sparse for sparse categorical cross-entropy, categorical otherwise.
 */
export function getMetric(id: string | MetricFn, lossName: string, outputUnits: number | null): ResolvedMetric {
  if (typeof id === 'function') {
    const user = id;
    // User code: what it sees and makes inside a step is never reused by the buffer pool.
    return { name: id.name || 'custom_metric', fn: (t, p) => asUserCode([t, p], () => user(t, p)) };
  }
  if (id === 'accuracy' || id === 'acc') {
    let variant = 'categorical_accuracy';
    if (lossName === 'binary_crossentropy' || outputUnits === 1) variant = 'binary_accuracy';
    else if (lossName === 'sparse_categorical_crossentropy') variant = 'sparse_categorical_accuracy';
    return { name: id, fn: METRICS[variant]! };
  }
  const fn = ownEntry(METRICS, id);
  if (!fn)
    throw new Error(`Unknown metric '${id}'. Expected 'accuracy' or one of: ${Object.keys(METRICS).join(', ')}.`);
  return { name: id, fn };
}

/** A sample-weighted running mean, as Keras's Mean metric. */
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
