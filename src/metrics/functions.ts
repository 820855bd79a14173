/**
 * Keras's per-sample metric functions (keras/src/metrics/accuracy_metrics.py, losses.py), on host
 * arrays. Each returns one value per sample (or per element, for the accuracies), which
 * MeanMetricWrapper averages over samples.
 */
import { shapeToString } from '../core/shape.js';
import type { Host } from './host.js';
import { argmaxLast, lastAxis, reduceTrailing, reshaped, sameShape, squeezeOrExpand, zip } from './host.js';

/** Keras's backend.epsilon(). */
export const EPSILON = 1e-7;

const eq = (a: number, b: number): number => (a === b ? 1 : 0);

export function accuracyHost(yTrue: Host, yPred: Host): Host {
  const [t, p] = squeezeOrExpand(yTrue, yPred);
  return zip(t, p, eq, 'accuracy');
}

export function binaryAccuracyHost(yTrue: Host, yPred: Host, threshold = 0.5): Host {
  const [t, p] = squeezeOrExpand(yTrue, yPred);
  // NaN > threshold is false, as in Keras: a NaN prediction counts as class 0.
  return zip(t, p, (a, b) => eq(a, b > threshold ? 1 : 0), 'binary_accuracy');
}

function requireRank1(where: string, h: Host, what: string): void {
  if (h.shape.length === 0) throw new Error(`${where}: ${what} must have a class axis, got a scalar.`);
}

export function categoricalAccuracyHost(yTrue: Host, yPred: Host): Host {
  requireRank1('categorical_accuracy', yTrue, 'y_true');
  requireRank1('categorical_accuracy', yPred, 'y_pred');
  let t = argmaxLast(yTrue);
  const orgShape = t.shape;
  let reshapeMatches = false;
  if (t.shape.length === yPred.shape.length) {
    t = reshaped(t, t.shape.slice(0, -1));
    reshapeMatches = true;
  }
  const p = argmaxLast(yPred);
  if (t.data.length !== p.data.length)
    throw new Error(
      `categorical_accuracy: y_true of shape ${shapeToString(yTrue.shape)} does not match y_pred of shape ${shapeToString(yPred.shape)}.`,
    );
  const out = zip(t, p, eq, 'categorical_accuracy');
  return reshapeMatches ? reshaped(out, orgShape) : out;
}

export function sparseCategoricalAccuracyHost(yTrue: Host, yPred: Host): Host {
  requireRank1('sparse_categorical_accuracy', yPred, 'y_pred');
  let t = yTrue;
  const orgShape = t.shape;
  let reshapeMatches = false;
  if (t.shape.length === yPred.shape.length && t.shape[t.shape.length - 1] === 1) {
    t = reshaped(t, t.shape.slice(0, -1));
    reshapeMatches = true;
  }
  const p = argmaxLast(yPred);
  if (!sameShape(t.shape, p.shape))
    throw new Error(
      `sparse_categorical_accuracy: y_true of shape ${shapeToString(yTrue.shape)} does not fit y_pred of shape ` +
        `${shapeToString(yPred.shape)} (expected class ids of shape ${shapeToString(p.shape)}).`,
    );
  let out = zip(t, p, eq, 'sparse_categorical_accuracy');
  if (reshapeMatches) out = reshaped(out, orgShape);
  if (out.shape.length > 1 && out.shape[out.shape.length - 1] === 1) out = reshaped(out, out.shape.slice(0, -1));
  return out;
}

/**
 * TensorFlow's in_top_k (Keras's ops.in_top_k on its reference backend): the target is in the top
 * k when fewer than k classes score strictly higher; a non-finite target score is never in it.
 */
function inTopK(targets: Float64Array, preds: Host, k: number, where: string): Float64Array {
  const { rows, width } = lastAxis(preds);
  if (rows !== targets.length) throw new Error(`${where}: ${targets.length} targets for ${rows} rows of predictions.`);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const target = targets[r]!;
    if (!Number.isInteger(target) || target < 0 || target >= width) continue;
    const v = preds.data[r * width + target]!;
    if (!Number.isFinite(v)) continue;
    let higher = 0;
    for (let j = 0; j < width; j++) if (preds.data[r * width + j]! > v) higher++;
    out[r] = higher < k ? 1 : 0;
  }
  return out;
}

export function topKCategoricalAccuracyHost(yTrue: Host, yPred: Host, k = 5): Host {
  requireRank1('top_k_categorical_accuracy', yTrue, 'y_true');
  const t = argmaxLast(yTrue);
  return { data: inTopK(t.data, yPred, k, 'top_k_categorical_accuracy'), shape: t.shape };
}

export function sparseTopKCategoricalAccuracyHost(yTrue: Host, yPred: Host, k = 5, fromSortedIds = false): Host {
  const where = 'sparse_top_k_categorical_accuracy';
  requireRank1(where, yPred, 'y_pred');
  if (fromSortedIds) {
    const { rows, width } = lastAxis(yPred);
    if (rows !== yTrue.data.length) throw new Error(`${where}: ${yTrue.data.length} targets for ${rows} rows of ids.`);
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < Math.min(k, width); j++) if (yPred.data[r * width + j] === yTrue.data[r]) out[r] = 1;
    return { data: out, shape: yTrue.shape };
  }
  // y_true is cast to int32 in Keras (truncation toward zero).
  const ids = Float64Array.from(yTrue.data, Math.trunc);
  return { data: inTopK(ids, yPred, k, where), shape: yTrue.shape };
}

function meanLast(h: Host): Host {
  return reduceTrailing(h, Math.max(0, h.shape.length - 1), 'mean');
}

function regression(where: string, f: (t: number, p: number) => number) {
  return (yTrue: Host, yPred: Host): Host => {
    const [t, p] = squeezeOrExpand(yTrue, yPred);
    return meanLast(zip(t, p, f, where));
  };
}

export const meanSquaredErrorHost = regression('mean_squared_error', (t, p) => (t - p) * (t - p));
export const meanAbsoluteErrorHost = regression('mean_absolute_error', (t, p) => Math.abs(t - p));
export const meanAbsolutePercentageErrorHost = regression(
  'mean_absolute_percentage_error',
  (t, p) => 100 * Math.abs((t - p) / Math.max(Math.abs(t), EPSILON)),
);
export const meanSquaredLogarithmicErrorHost = regression('mean_squared_logarithmic_error', (t, p) => {
  const d = Math.log(Math.max(p, EPSILON) + 1) - Math.log(Math.max(t, EPSILON) + 1);
  return d * d;
});

/** log(cosh(x)) as Keras computes it: x + softplus(-2x) - log 2 (no overflow for large |x|). */
function logCosh(x: number): number {
  const z = -2 * x;
  const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  return x + softplus - Math.LN2;
}

export const logCoshHost = regression('log_cosh', (t, p) => logCosh(p - t));

/** Squared error per element (RootMeanSquaredError averages these, then takes the root). */
export function squaredErrorHost(yTrue: Host, yPred: Host): Host {
  const [t, p] = squeezeOrExpand(yTrue, yPred);
  return zip(t, p, (a, b) => (b - a) * (b - a), 'root_mean_squared_error');
}

/** Cosine similarity along the last axis, each side l2-normalised as Keras's ops.normalize (norm at least 1e-7). */
export function cosineSimilarityHost(yTrue: Host, yPred: Host): Host {
  const [t0, p0] = squeezeOrExpand(yTrue, yPred);
  const probe = zip(t0, p0, () => 0, 'cosine_similarity');
  const t = zip(t0, probe, (a) => a, 'cosine_similarity');
  const p = zip(p0, probe, (a) => a, 'cosine_similarity');
  const { rows, width } = lastAxis(t);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let tt = 0;
    let pp = 0;
    let tp = 0;
    for (let j = 0; j < width; j++) {
      const a = t.data[r * width + j]!;
      const b = p.data[r * width + j]!;
      tt += a * a;
      pp += b * b;
      tp += a * b;
    }
    // ops.normalize: x * rsqrt(max(sum(x^2), eps^2)).
    out[r] = tp / (Math.sqrt(Math.max(tt, EPSILON * EPSILON)) * Math.sqrt(Math.max(pp, EPSILON * EPSILON)));
  }
  return { data: out, shape: t.shape.slice(0, -1) };
}
