import type { ReluAfterAffine } from '../backend/backend.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, output, uninitializedOutput } from './operand.js';

/**
 * Batch normalisation over the last axis of x (the channels): every other axis is a row. Both
 * modes compute `y = x * scale + shift` per channel with scale = gamma / sqrt(variance + epsilon)
 * and shift = beta - mean * scale (as TensorFlow's batch_normalization does), in one kernel pass;
 * the per-channel arithmetic on `channels`-long vectors runs here in float64.
 */

interface Layout {
  rows: number;
  channels: number;
}

function layoutOf(x: Tensor, op: string, params: readonly (Tensor | null)[]): Layout {
  assertFloat(x, op);
  if (x.rank < 1) throw new Error(`${op}: expected a tensor with a channel axis, got a scalar.`);
  const channels = x.shape[x.rank - 1]!;
  for (const p of params) {
    if (p === null) continue;
    if (p.rank !== 1 || p.shape[0] !== channels || p.dtype !== x.dtype) {
      throw new Error(
        `${op}: per-channel parameters must be ${x.dtype} of shape [${channels}] for input ${shapeToString(x.shape)}, ` +
          `got ${p.dtype} ${shapeToString(p.shape)}.`,
      );
    }
  }
  return { rows: channels === 0 ? 0 : x.size / channels, channels };
}

/** A [channels] tensor of x's dtype holding `values` (rounded to the dtype). */
function vector(values: Float64Array, like: Tensor): Tensor {
  const t = uninitializedOutput([values.length], like.dtype);
  (t.data as FloatArray).set(values);
  return t;
}

function read(t: Tensor | null, channels: number, fill: number): Float64Array {
  return t === null ? new Float64Array(channels).fill(fill) : Float64Array.from(t.data as FloatArray);
}

function affine(x: Tensor, { rows, channels }: Layout, scale: Tensor, shift: Tensor, relu = false): Tensor {
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().channelAffine(
    x.data as FloatArray,
    rows,
    channels,
    scale.data as FloatArray,
    shift.data as FloatArray,
    relu,
    out.data as FloatArray,
  );
  return out;
}

/**
 * sum(g) and sum(g * (x - center)) per channel, in float64 sums; g is dy, or dy through the relu
 * that followed the affine `relu` when there was one.
 */
function gradSums(
  dy: Tensor,
  x: Tensor,
  center: Tensor,
  l: Layout,
  relu: ReluAfterAffine | null = null,
): [Float64Array, Float64Array] {
  const sumDy = output([l.channels], x.dtype);
  const sumDyXc = output([l.channels], x.dtype);
  backend().batchNormGradSums(
    dy.data as FloatArray,
    x.data as FloatArray,
    center.data as FloatArray,
    l.rows,
    l.channels,
    sumDy.data as FloatArray,
    sumDyXc.data as FloatArray,
    relu,
  );
  return [Float64Array.from(sumDy.data as FloatArray), Float64Array.from(sumDyXc.data as FloatArray)];
}

function inverseStd(variance: Float64Array, epsilon: number): Float64Array {
  return variance.map((v) => 1 / Math.sqrt(v + epsilon));
}

export interface BatchNormTrainingResult {
  /** The normalised output. */
  y: Tensor;
  /** The batch's per-channel mean and biased variance (no gradient flows through them). */
  mean: Tensor;
  variance: Tensor;
}

export interface BatchNormTrainingOptions {
  /**
   * Apply relu to the output in the same pass: y = relu(normalised x). Same bits as a separate
   * relu; the backward pass recomputes the relu's mask from x, so neither the relu's output nor
   * its gradient is a separate pass over memory.
   */
  relu?: boolean;
}

/**
 * BatchNormalization while training: normalises with the batch's own mean and biased variance
 * over all rows. Differentiable in x, gamma and beta (null gamma = 1, null beta = 0), the
 * statistics' dependence on x included.
 */
export function batchNormTraining(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  epsilon: number,
  options: BatchNormTrainingOptions = {},
): BatchNormTrainingResult {
  const relu = options.relu === true;
  const l = layoutOf(x, 'batchNormTraining', [gamma, beta]);
  const mean = output([l.channels], x.dtype);
  const variance = output([l.channels], x.dtype);
  backend().batchNormStats(
    x.data as FloatArray,
    l.rows,
    l.channels,
    mean.data as FloatArray,
    variance.data as FloatArray,
  );
  const m = Float64Array.from(mean.data as FloatArray);
  const invStd = inverseStd(Float64Array.from(variance.data as FloatArray), epsilon);
  const g = read(gamma, l.channels, 1);
  const b = read(beta, l.channels, 0);
  const scale = g.map((gi, j) => gi * invStd[j]!);
  const scaleVector = vector(scale, x);
  const shiftVector = vector(
    b.map((bi, j) => bi - m[j]! * scale[j]!),
    x,
  );
  const y = affine(x, l, scaleVector, shiftVector, relu);
  const reluAfter = relu ? { scale: scaleVector.data as FloatArray, shift: shiftVector.data as FloatArray } : null;
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  record(y, relu ? 'batchNormTrainingRelu' : 'batchNormTraining', inputs, (dy) => {
    const [sumDy, sumDyXc] = gradSums(dy, x, mean, l, reluAfter);
    const grads: (Tensor | null)[] = [null];
    if (x.requiresGrad) {
      // dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (x - mean) * invStd,
      // written as a * dy + b * x + d per channel.
      const n = l.rows;
      const a = scale;
      const bx = scale.map((s, j) => (-s * invStd[j]! * invStd[j]! * sumDyXc[j]!) / n);
      const d = scale.map((s, j) => (-s * sumDy[j]!) / n - bx[j]! * m[j]!);
      const dx = uninitializedOutput(x.shape, x.dtype);
      backend().batchNormInputGrad(
        dy.data as FloatArray,
        x.data as FloatArray,
        l.rows,
        l.channels,
        vector(a, x).data as FloatArray,
        vector(bx, x).data as FloatArray,
        vector(d, x).data as FloatArray,
        dx.data as FloatArray,
        reluAfter,
      );
      grads[0] = dx;
    }
    if (gamma)
      grads.push(
        vector(
          sumDyXc.map((s, j) => s * invStd[j]!),
          x,
        ),
      );
    if (beta) grads.push(vector(sumDy, x));
    return grads;
  });
  return { y, mean, variance };
}

/**
 * BatchNormalization at inference (or frozen): normalises with given statistics (the moving
 * averages). Differentiable in every argument.
 */
export function batchNormInference(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  epsilon: number,
): Tensor {
  const l = layoutOf(x, 'batchNormInference', [mean, variance, gamma, beta]);
  const m = Float64Array.from(mean.data as FloatArray);
  const invStd = inverseStd(Float64Array.from(variance.data as FloatArray), epsilon);
  const g = read(gamma, l.channels, 1);
  const b = read(beta, l.channels, 0);
  const scale = vector(
    g.map((gi, j) => gi * invStd[j]!),
    x,
  );
  const scale64 = Float64Array.from(scale.data as FloatArray);
  const y = affine(
    x,
    l,
    scale,
    vector(
      b.map((bi, j) => bi - m[j]! * scale64[j]!),
      x,
    ),
  );
  const inputs: Tensor[] = [x, mean, variance, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  record(y, 'batchNormInference', inputs, (dy) => {
    const [sumDy, sumDyXc] = gradSums(dy, x, mean, l);
    const dx = x.requiresGrad ? affine(dy, l, scale, output([l.channels], x.dtype)) : null;
    // y = (x - mean) * gamma * (variance + eps)^-1/2 + beta.
    const dMean = vector(
      scale64.map((s, j) => -s * sumDy[j]!),
      x,
    );
    const dVariance = vector(
      g.map((gi, j) => -0.5 * gi * invStd[j]! ** 3 * sumDyXc[j]!),
      x,
    );
    const grads: (Tensor | null)[] = [dx, dMean, dVariance];
    if (gamma)
      grads.push(
        vector(
          sumDyXc.map((s, j) => s * invStd[j]!),
          x,
        ),
      );
    if (beta) grads.push(vector(sumDy, x));
    return grads;
  });
  return y;
}
