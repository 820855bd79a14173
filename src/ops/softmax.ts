import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { normalizeAxis, shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, output, uninitializedOutput } from './operand.js';
import { mul, sub } from './binary.js';
import { exp } from './unary.js';
import { sum } from './reduce.js';
import { transpose } from './transpose.js';
import { reshape } from './reshape.js';
import { astype } from './cast.js';

/** Moves `axis` last, applies f, and moves it back: kernels work on the last axis only. */
function onLastAxis(x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (a === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  perm.splice(a, 1);
  perm.push(a);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return transpose(f(transpose(x, perm)), inverse);
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  assertFloat(x, log ? 'logSoftmax' : 'softmax');
  const n = x.shape[x.rank - 1]!;
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().softmax(x.data as FloatArray, n === 0 ? 0 : x.size / n, n, log, out.data as FloatArray);
  return record(out, log ? 'logSoftmax' : 'softmax', [x], (g) => {
    if (log) return [sub(g, mul(exp(out), sum(g, -1, true)))];
    return [mul(out, sub(g, sum(mul(g, out), -1, true)))];
  });
}

/** Softmax along an axis; its output remembers the logits for a stable cross-entropy. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const y = onLastAxis(x, axis, (t) => softmaxLast(t, false));
  if (normalizeAxis(axis, x.rank) === x.rank - 1) y.fromLogits = { kind: 'softmax', logits: x };
  return y;
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return onLastAxis(x, axis, (t) => softmaxLast(t, true));
}

/**
 * Per-row categorical cross-entropy computed from logits in one fused kernel:
 * -sum(labels * logSoftmax(logits), -1). Its gradient w.r.t. the logits is softmax - labels.
 */
export function softmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  assertFloat(logits, 'softmaxCrossEntropy');
  if (!shapesEqual(labels.shape, logits.shape)) {
    throw new Error(
      `softmaxCrossEntropy: labels ${shapeToString(labels.shape)} and logits ${shapeToString(logits.shape)} differ.`,
    );
  }
  const n = logits.shape[logits.rank - 1]!;
  const rows = n === 0 ? 0 : logits.size / n;
  // Zero-filled: with n = 0 the kernel runs no rows, and each row's loss is then the empty sum 0.
  const loss = output(logits.shape.slice(0, -1), logits.dtype);
  const probs = uninitializedOutput(logits.shape, logits.dtype);
  const y = astype(labels, logits.dtype);
  backend().softmaxCrossEntropy(
    logits.data as FloatArray,
    y.data as FloatArray,
    rows,
    n,
    loss.data as FloatArray,
    probs.data as FloatArray,
  );
  return record(loss, 'softmaxCrossEntropy', [logits, labels], (g) => {
    const gRow = reshape(g, [...g.shape, 1]);
    // d/dlabels = -logSoftmax(logits): needed when the labels are themselves computed (distillation);
    // without it they silently got a null gradient.
    const gLabels = labels.requiresGrad ? astype(mul(softmaxLast(logits, true), mul(gRow, -1)), labels.dtype) : null;
    // d/dlogits = softmax * sum(labels) - labels; "softmax - labels" holds only for rows summing
    // to 1 and gave all-zero (masked) rows, whose loss is 0, a nonzero gradient.
    return [mul(sub(mul(probs, sum(y, -1, true)), y), gRow), gLabels];
  });
}
