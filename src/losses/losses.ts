import { shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { astype } from '../ops/cast.js';
import { oneHot } from '../ops/creation.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { softmaxCrossEntropy } from '../ops/softmax.js';
import { abs, clip, log, neg, relu, softplus, square } from '../ops/unary.js';
import { resolveName } from '../utils/option-names.js';
import { ownEntry } from '../utils/own.js';
import { asUserCode } from '../core/buffer-pool.js';

/** Keras's fuzz factor: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log. */
export const EPSILON = 1e-7;

/** A per-sample loss: [batch, ...] -> [batch, ...] without the last axis. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * Targets of shape [batch] against outputs of shape [batch, 1] get the missing axis, as Keras
 * squeezes or expands them (a binary classifier trained on a plain label vector).
 */
export function alignTargets(yTrue: Tensor, yPred: Tensor): Tensor {
  return yTrue.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1 ? reshape(yTrue, yPred.shape) : yTrue;
}

function requireSameShape(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(
      `${name}: targets have shape ${shapeToString(yTrue.shape)} but the model outputs ${shapeToString(yPred.shape)}. ` +
        (name === 'categorical_crossentropy' && yTrue.rank === yPred.rank - 1
          ? 'Integer class ids need sparse_categorical_crossentropy, or one-hot them with utils.toCategorical.'
          : 'They must match.'),
    );
  }
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  requireSameShape('categorical_crossentropy', yTrue, yPred);
  const y = astype(yTrue, yPred.dtype);
  // From a softmax output, go back to its logits: stabler, and one fused kernel.
  if (yPred.fromLogits?.kind === 'softmax') return softmaxCrossEntropy(y, yPred.fromLogits.logits);
  const p = clip(div(yPred, sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(y, log(p)), -1));
}

export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const ids = yTrue.rank === yPred.rank ? reshape(yTrue, yTrue.shape.slice(0, -1)) : yTrue;
  if (!shapesEqual(ids.shape, yPred.shape.slice(0, -1))) {
    throw new Error(
      `sparse_categorical_crossentropy: targets have shape ${shapeToString(yTrue.shape)}, expected class ids of shape ${shapeToString(yPred.shape.slice(0, -1))} for outputs ${shapeToString(yPred.shape)}.`,
    );
  }
  return categoricalCrossentropy(oneHot(ids, classes, yPred.dtype), yPred);
}

export function binaryCrossentropy(targets: Tensor, yPred: Tensor): Tensor {
  const yTrue = alignTargets(targets, yPred);
  requireSameShape('binary_crossentropy', yTrue, yPred);
  const y = astype(yTrue, yPred.dtype);
  if (yPred.fromLogits?.kind === 'sigmoid') {
    // max(x, 0) - x*y + log(1 + exp(-|x|)), stable for any logit x.
    const x = yPred.fromLogits.logits;
    return mean(add(sub(relu(x), mul(x, y)), softplus(neg(abs(x)))), -1);
  }
  const p = clip(yPred, EPSILON, 1 - EPSILON);
  const ll = add(mul(y, log(add(p, EPSILON))), mul(sub(1, y), log(add(sub(1, p), EPSILON))));
  return neg(mean(ll, -1));
}

export function meanSquaredError(targets: Tensor, yPred: Tensor): Tensor {
  const yTrue = alignTargets(targets, yPred);
  requireSameShape('mean_squared_error', yTrue, yPred);
  return mean(square(sub(yPred, astype(yTrue, yPred.dtype))), -1);
}

export function meanAbsoluteError(targets: Tensor, yPred: Tensor): Tensor {
  const yTrue = alignTargets(targets, yPred);
  requireSameShape('mean_absolute_error', yTrue, yPred);
  return mean(abs(sub(yPred, astype(yTrue, yPred.dtype))), -1);
}

const LOSSES: Record<string, LossFn> = {
  categorical_crossentropy: categoricalCrossentropy,
  sparse_categorical_crossentropy: sparseCategoricalCrossentropy,
  binary_crossentropy: binaryCrossentropy,
  mean_squared_error: meanSquaredError,
  mse: meanSquaredError,
  mean_absolute_error: meanAbsoluteError,
  mae: meanAbsoluteError,
};

const CANONICAL: Record<string, string> = { mse: 'mean_squared_error', mae: 'mean_absolute_error' };

export interface ResolvedLoss {
  name: string;
  fn: LossFn;
}

/** Resolves Keras's loss identifiers; a function is used as it is. */
export function getLoss(id: string | LossFn): ResolvedLoss {
  if (typeof id === 'function') {
    const user = id;
    // User code: what it sees and makes inside a step is never reused by the buffer pool.
    return { name: id.name || 'custom_loss', fn: (t, p) => asUserCode([t, p], () => user(t, p)) };
  }
  // snake_case, camelCase and class-name spellings are one name; an unknown one names the nearest.
  const key = resolveName('loss', id, Object.keys(LOSSES));
  return { name: ownEntry(CANONICAL, key) ?? key, fn: ownEntry(LOSSES, key)! };
}

/** Keras's default reduction: the mean of the per-sample losses over the batch. */
export function reduceLoss(perSample: Tensor): Tensor {
  return mean(perSample);
}
