/**
 * Keras 3's losses (keras/src/losses/losses.py and loss.py): per-sample functions by Keras name,
 * `Loss` classes with `reduction`, `getConfig`/`fromConfig`, and the resolution of loss
 * identifiers (snake_case, camelCase, class names, instances, functions) for `compile`.
 */
import { asUserCode } from '../core/buffer-pool.js';
import type { DType } from '../core/dtype.js';
import { normalizeAxis, shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, equal, lessEqual, maximum, mul, notEqual, pow, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { oneHot } from '../ops/creation.js';
import { where } from '../ops/logical.js';
import { max, mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { softmax, softmaxCrossEntropy } from '../ops/softmax.js';
import { transpose } from '../ops/transpose.js';
import { abs, clip, log, neg, relu, sigmoid, softplus, sqrt, square } from '../ops/unary.js';
import { checkOptionNames, optionNames, resolveName } from '../utils/option-names.js';
import { ownEntry } from '../utils/own.js';

/** Keras's fuzz factor (`backend.epsilon()`): probabilities are clipped to [EPSILON, 1 - EPSILON] before the log. */
export const EPSILON = 1e-7;

/** A per-sample loss: [batch, ...] -> [batch, ...] without the last axis. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer tensor
 * ends in a size-1 axis, a rank-1 partner gets that axis added, any other loses it from the longer
 * one. A prediction keeps its link to the logits it came from (for the stable cross-entropies).
 */
export function squeezeOrExpand(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  if (yTrue.rank === yPred.rank) return [yTrue, yPred];
  if (yPred.rank === yTrue.rank + 1 && yPred.shape[yPred.rank - 1] === 1) {
    if (yTrue.rank === 1) return [reshape(yTrue, [...yTrue.shape, 1]), yPred];
    return [yTrue, reshapeKeepingLogits(yPred, yPred.shape.slice(0, -1))];
  }
  if (yTrue.rank === yPred.rank + 1 && yTrue.shape[yTrue.rank - 1] === 1) {
    if (yPred.rank === 1) return [yTrue, reshapeKeepingLogits(yPred, [...yPred.shape, 1])];
    return [reshape(yTrue, yTrue.shape.slice(0, -1)), yPred];
  }
  return [yTrue, yPred];
}

function reshapeKeepingLogits(y: Tensor, shape: readonly number[]): Tensor {
  const out = reshape(y, shape);
  // Elementwise (sigmoid) logits reshape with the output; softmax logits depend on the last axis.
  if (y.fromLogits?.kind === 'sigmoid')
    out.fromLogits = { kind: 'sigmoid', logits: reshape(y.fromLogits.logits, shape) };
  return out;
}

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
        ((name === 'categorical_crossentropy' || name === 'categorical_focal_crossentropy') &&
        yTrue.rank === yPred.rank - 1
          ? 'Integer class ids need sparse_categorical_crossentropy, or one-hot them with utils.toCategorical.'
          : 'They must match.'),
    );
  }
}

/** Aligned (Keras's squeeze/expand), same-shape targets in the prediction's dtype. */
function prepare(name: string, targets: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const [t, p] = squeezeOrExpand(targets, yPred);
  requireSameShape(name, t, p);
  return [t.dtype === p.dtype ? t : astype(t, p.dtype), p];
}

function checkAxis(name: string, axis: unknown): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis))
    throw new Error(`${name}: axis must be an integer; got ${JSON.stringify(axis)}.`);
  return axis;
}

function checkSmoothing(name: string, s: number): number {
  if (typeof s !== 'number' || !(s >= 0 && s <= 1))
    throw new Error(`${name}: labelSmoothing must be a number in [0, 1]; got ${JSON.stringify(s)}.`);
  return s;
}

// ---- options of the functions ---------------------------------------------------------------------

export interface CrossentropyOptions {
  /** y_pred holds logits (not probabilities). Default false. */
  fromLogits?: boolean;
  /** Moves targets toward uniform: categorical y(1 - s) + s/classes, binary y(1 - s) + s/2. Default 0. */
  labelSmoothing?: number;
  /** The class axis (categorical) or the axis averaged over (binary). Default -1. */
  axis?: number;
}
const CROSSENTROPY_OPTIONS = optionNames<CrossentropyOptions>()(['fromLogits', 'labelSmoothing', 'axis']);

export interface SparseCrossentropyOptions {
  fromLogits?: boolean;
  /** Targets equal to this class id count as absent: their loss is 0 and they leave the mean. */
  ignoreClass?: number | null;
  axis?: number;
}
const SPARSE_OPTIONS = optionNames<SparseCrossentropyOptions>()(['fromLogits', 'ignoreClass', 'axis']);

export interface BinaryFocalOptions extends CrossentropyOptions {
  /** Weights positives by alpha and negatives by 1 - alpha. Default false. */
  applyClassBalancing?: boolean;
  /** Default 0.25 (used only with applyClassBalancing). */
  alpha?: number;
  /** The focusing exponent of (1 - p_t). Default 2. */
  gamma?: number;
}
const BINARY_FOCAL_OPTIONS = optionNames<BinaryFocalOptions>()([
  'fromLogits',
  'labelSmoothing',
  'axis',
  'applyClassBalancing',
  'alpha',
  'gamma',
]);

export interface CategoricalFocalOptions extends CrossentropyOptions {
  alpha?: number;
  gamma?: number;
}
const CATEGORICAL_FOCAL_OPTIONS = optionNames<CategoricalFocalOptions>()([
  'fromLogits',
  'labelSmoothing',
  'axis',
  'alpha',
  'gamma',
]);

// ---- probabilistic losses -------------------------------------------------------------------------

/**
 * -sum(y_true * log(p), axis), with p = y_pred / sum(y_pred) clipped to [eps, 1 - eps], or
 * log_softmax(y_pred) when `fromLogits`. A softmax output is taken back to its logits (one fused,
 * exact kernel), as Keras's TensorFlow backend does.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  checkOptionNames('categorical_crossentropy', options, CROSSENTROPY_OPTIONS);
  const fromLogits = options.fromLogits ?? false;
  const smoothing = checkSmoothing('categorical_crossentropy', options.labelSmoothing ?? 0);
  const axis = normalizeAxis(checkAxis('categorical_crossentropy', options.axis ?? -1), Math.max(yPred.rank, 1));
  requireSameShape('categorical_crossentropy', yTrue, yPred);
  let y = astype(yTrue, yPred.dtype);
  if (smoothing) y = add(mul(y, 1 - smoothing), smoothing / yPred.shape[axis]!);
  return cceLast(toLast(y, axis), toLast(yPred, axis), fromLogits);
}

function cceLast(y: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits) return softmaxCrossEntropy(y, yPred);
  if (yPred.fromLogits?.kind === 'softmax') return softmaxCrossEntropy(y, yPred.fromLogits.logits);
  const p = clip(div(yPred, sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(y, log(p)), -1));
}

/** x with `axis` moved last (the other axes keep their order). */
function toLast(x: Tensor, axis: number): Tensor {
  if (axis === x.rank - 1) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  return transpose(x, [...perm, axis]);
}

/**
 * Categorical cross-entropy from integer class ids (y_true [batch, ...] or [batch, ..., 1]).
 * With `ignoreClass`, targets of that id get loss 0 and are left out of the mean (Keras's mask).
 */
export function sparseCategoricalCrossentropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: SparseCrossentropyOptions = {},
): Tensor {
  checkOptionNames('sparse_categorical_crossentropy', options, SPARSE_OPTIONS);
  const axis = normalizeAxis(checkAxis('sparse_categorical_crossentropy', options.axis ?? -1), Math.max(yPred.rank, 1));
  const classes = yPred.shape[axis]!;
  const classShape = yPred.shape.filter((_, i) => i !== axis);
  let ids = yTrue.rank === yPred.rank && yTrue.shape[axis] === 1 ? reshape(yTrue, classShape) : yTrue;
  if (!shapesEqual(ids.shape, classShape)) {
    throw new Error(
      `sparse_categorical_crossentropy: targets have shape ${shapeToString(yTrue.shape)}, expected class ids of shape ${shapeToString(classShape)} for outputs ${shapeToString(yPred.shape)}.`,
    );
  }
  const ignore = options.ignoreClass ?? null;
  let valid: Tensor | null = null;
  if (ignore !== null) {
    if (!Number.isInteger(ignore))
      throw new Error(`sparse_categorical_crossentropy: ignoreClass must be an integer or null; got ${ignore}.`);
    valid = notEqual(ids, ignore);
    ids = where(valid, ids, 0);
  }
  const labels = oneHot(astype(ids, 'int32'), classes, yPred.dtype);
  let res = categoricalCrossentropy(labels, toLast(yPred, axis), { fromLogits: options.fromLogits ?? false });
  if (valid) {
    // The ignored rows keep their (finite) loss out of the value and their gradient at 0.
    res = where(valid, res, 0);
    LOSS_MASKS.set(res, valid);
  }
  return res;
}

/** Per-sample masks set by a loss (Keras's `set_keras_mask`), read by the reduction. */
const LOSS_MASKS = new WeakMap<Tensor, Tensor>();

/** Elementwise binary cross-entropy; a sigmoid output is taken back to its logits. */
function bceElementwise(y: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  const logits = fromLogits ? yPred : yPred.fromLogits?.kind === 'sigmoid' ? yPred.fromLogits.logits : null;
  if (logits) {
    // max(x, 0) - x*y + log(1 + exp(-|x|)), stable for any logit x.
    return add(sub(relu(logits), mul(logits, y)), softplus(neg(abs(logits))));
  }
  const p = clip(yPred, EPSILON, 1 - EPSILON);
  return neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p)))));
}

/**
 * mean(-(y log p + (1 - y) log(1 - p)), axis) with p clipped to [eps, 1 - eps], or the stable
 * logits form when `fromLogits` (or y_pred is a sigmoid's output).
 */
export function binaryCrossentropy(targets: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  checkOptionNames('binary_crossentropy', options, CROSSENTROPY_OPTIONS);
  const smoothing = checkSmoothing('binary_crossentropy', options.labelSmoothing ?? 0);
  const axis = checkAxis('binary_crossentropy', options.axis ?? -1);
  const [t, p] = prepare('binary_crossentropy', targets, yPred);
  const y = smoothing ? add(mul(t, 1 - smoothing), 0.5 * smoothing) : t;
  return mean(bceElementwise(y, p, options.fromLogits ?? false), axis);
}

/**
 * Focal binary cross-entropy (Lin et al. 2017) as Keras: mean((1 - p_t)^gamma * bce, axis),
 * p_t = y p + (1 - y)(1 - p), times alpha y + (1 - alpha)(1 - y) with `applyClassBalancing`.
 */
export function binaryFocalCrossentropy(targets: Tensor, yPred: Tensor, options: BinaryFocalOptions = {}): Tensor {
  checkOptionNames('binary_focal_crossentropy', options, BINARY_FOCAL_OPTIONS);
  const smoothing = checkSmoothing('binary_focal_crossentropy', options.labelSmoothing ?? 0);
  const axis = checkAxis('binary_focal_crossentropy', options.axis ?? -1);
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? 0.25;
  const [t, raw] = prepare('binary_focal_crossentropy', targets, yPred);
  const y = smoothing ? add(mul(t, 1 - smoothing), 0.5 * smoothing) : t;
  const p = options.fromLogits ? sigmoid(raw) : raw;
  const bce = bceElementwise(y, p, false);
  const pt = add(mul(y, p), mul(sub(1, y), sub(1, p)));
  let focal = mul(pow(sub(1, pt), gamma), bce);
  if (options.applyClassBalancing) focal = mul(add(mul(y, alpha), mul(sub(1, y), 1 - alpha)), focal);
  return mean(focal, axis);
}

/** Focal categorical cross-entropy as Keras: sum(alpha (1 - p)^gamma * -y log p, axis). */
export function categoricalFocalCrossentropy(
  yTrue: Tensor,
  yPred: Tensor,
  options: CategoricalFocalOptions = {},
): Tensor {
  checkOptionNames('categorical_focal_crossentropy', options, CATEGORICAL_FOCAL_OPTIONS);
  const smoothing = checkSmoothing('categorical_focal_crossentropy', options.labelSmoothing ?? 0);
  const axis = normalizeAxis(checkAxis('categorical_focal_crossentropy', options.axis ?? -1), Math.max(yPred.rank, 1));
  requireSameShape('categorical_focal_crossentropy', yTrue, yPred);
  let y = astype(yTrue, yPred.dtype);
  if (smoothing) y = add(mul(y, 1 - smoothing), smoothing / yPred.shape[axis]!);
  const probs = options.fromLogits ? softmax(yPred, axis) : yPred;
  const out = clip(div(probs, sum(probs, axis, true)), EPSILON, 1 - EPSILON);
  const cce = neg(mul(y, log(out)));
  const weight = mul(pow(sub(1, out), options.gamma ?? 2), options.alpha ?? 0.25);
  return sum(mul(weight, cce), axis);
}

/** sum(y log(y / p), -1) with both clipped to [eps, 1]. */
export function klDivergence(targets: Tensor, yPred: Tensor): Tensor {
  const [t, p] = prepare('kl_divergence', targets, yPred);
  const y = clip(t, EPSILON, 1);
  return sum(mul(y, log(div(y, clip(p, EPSILON, 1)))), -1);
}

/** mean(p - y log(p + eps), -1). */
export function poisson(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('poisson', targets, yPred);
  return mean(sub(p, mul(y, log(add(p, EPSILON)))), -1);
}

// ---- regression losses ----------------------------------------------------------------------------

export function meanSquaredError(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('mean_squared_error', targets, yPred);
  return mean(square(sub(y, p)), -1);
}

export function meanAbsoluteError(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('mean_absolute_error', targets, yPred);
  return mean(abs(sub(y, p)), -1);
}

/** 100 * mean(|(y - p) / max(|y|, eps)|, -1). */
export function meanAbsolutePercentageError(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('mean_absolute_percentage_error', targets, yPred);
  return mul(mean(abs(div(sub(y, p), maximum(abs(y), EPSILON))), -1), 100);
}

/** mean((log(max(p, eps) + 1) - log(max(y, eps) + 1))^2, -1). */
export function meanSquaredLogarithmicError(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('mean_squared_logarithmic_error', targets, yPred);
  return mean(square(sub(log(add(maximum(p, EPSILON), 1)), log(add(maximum(y, EPSILON), 1)))), -1);
}

/** Keras's `normalize` (L2, a zero vector stays zero): x / ||x|| along axis. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  const n = sqrt(sum(square(x), axis, true));
  return div(x, where(equal(n, 0), 1, n));
}

/** -sum(l2normalize(y) * l2normalize(p), axis): -1 for parallel vectors, 0 for orthogonal ones. */
export function cosineSimilarity(targets: Tensor, yPred: Tensor, axis = -1): Tensor {
  const [y, p] = prepare('cosine_similarity', targets, yPred);
  const a = checkAxis('cosine_similarity', axis);
  return neg(sum(mul(l2Normalize(y, a), l2Normalize(p, a)), a));
}

/** mean(0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2), e = p - y. */
export function huber(targets: Tensor, yPred: Tensor, delta = 1): Tensor {
  if (typeof delta !== 'number' || !(delta >= 0)) throw new Error(`huber: delta must be a number >= 0; got ${delta}.`);
  const [y, p] = prepare('huber', targets, yPred);
  const e = sub(p, y);
  const a = abs(e);
  const quadratic = mul(square(e), 0.5);
  const linear = sub(mul(a, delta), 0.5 * delta * delta);
  return mean(where(lessEqual(a, delta), quadratic, linear), -1);
}

/** mean(log(cosh(p - y)), -1), computed as x + softplus(-2x) - log 2 (no overflow). */
export function logCosh(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('log_cosh', targets, yPred);
  const x = sub(p, y);
  return mean(sub(add(x, softplus(mul(x, -2))), Math.LN2), -1);
}

// ---- hinge losses ---------------------------------------------------------------------------------

/** Labels that are all 0 or 1 become -1 / 1, as Keras's `convert_binary_labels_to_hinge`. */
function hingeLabels(y: Tensor): Tensor {
  for (let i = 0; i < y.data.length; i++) {
    const v = y.data[i];
    if (v !== 0 && v !== 1) return y;
  }
  return sub(mul(y, 2), 1);
}

/** mean(max(1 - y p, 0), -1), labels -1/1 (0/1 labels are converted). */
export function hinge(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('hinge', targets, yPred);
  return mean(relu(sub(1, mul(hingeLabels(y), p))), -1);
}

/** mean(max(1 - y p, 0)^2, -1), labels -1/1 (0/1 labels are converted). */
export function squaredHinge(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('squared_hinge', targets, yPred);
  return mean(square(relu(sub(1, mul(hingeLabels(y), p)))), -1);
}

/** max(max((1 - y) p) - sum(y p) + 1, 0) over the last axis (one-hot y). */
export function categoricalHinge(targets: Tensor, yPred: Tensor): Tensor {
  const [y, p] = prepare('categorical_hinge', targets, yPred);
  const pos = sum(mul(y, p), -1);
  const negative = max(mul(sub(1, y), p), -1);
  return relu(add(sub(negative, pos), 1));
}

// ---- reduction ------------------------------------------------------------------------------------

/** Keras 3's reductions; null and 'none' keep the per-sample values. */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'mean' | 'mean_with_sample_weight' | 'none' | null;
const REDUCTIONS: readonly (Reduction | 'auto')[] = [
  'sum_over_batch_size',
  'sum',
  'mean',
  'mean_with_sample_weight',
  'none',
  null,
];

function standardizeReduction(where: string, r: unknown): Reduction {
  // Keras 2 saved 'auto', which meant sum_over_batch_size outside a distribution strategy.
  if (r === 'auto') return 'sum_over_batch_size';
  if (!REDUCTIONS.includes(r as Reduction))
    throw new Error(
      `${where}: invalid reduction ${JSON.stringify(r)}. Expected one of 'sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none' or null.`,
    );
  return r as Reduction;
}

/** loss / divisor, and 0 where the divisor is 0 (Keras's divide_no_nan). */
function divideNoNan(loss: Tensor, divisor: Tensor | number): Tensor {
  if (typeof divisor === 'number') return divisor === 0 ? mul(loss, 0) : div(loss, divisor);
  const zero = equal(divisor, 0);
  return where(zero, 0, div(loss, where(zero, 1, divisor)));
}

/** Weights of rank below the values' get trailing size-1 axes, so a per-sample weight scales its whole row. */
function alignWeights(values: Tensor, w: Tensor): [Tensor, Tensor] {
  const [v, s] = squeezeOrExpand(values, w);
  if (s.rank < v.rank && s.rank > 0)
    return [v, reshape(s, [...s.shape, ...new Array<number>(v.rank - s.rank).fill(1)])];
  return [v, s];
}

/**
 * Keras's `reduce_weighted_values`: multiplies per-sample losses by the sample weights (and a
 * loss's mask), then reduces: 'sum'; 'sum_over_batch_size' and 'mean' divide the sum by the
 * number of values; 'mean_with_sample_weight' by the sum of the weights; 'none' keeps them.
 */
export function reduceWeightedValues(
  values: Tensor,
  sampleWeight: Tensor | null = null,
  reduction: Reduction = 'sum_over_batch_size',
): Tensor {
  const r = standardizeReduction('loss', reduction);
  const dtype: DType = values.dtype === 'float64' ? 'float64' : 'float32';
  let v = values.dtype === dtype ? values : astype(values, dtype);
  let w = sampleWeight === null ? null : astype(sampleWeight, dtype);
  const mask = LOSS_MASKS.get(values);
  if (mask) {
    let floatMask: Tensor;
    if (r === 'mean' || r === 'sum_over_batch_size') {
      // Valid entries weigh total/valid, so the mean is over the valid entries only.
      let valid = 0;
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) valid++;
      floatMask = where(mask, valid === 0 ? 0 : mask.size / valid, 0);
      floatMask = astype(floatMask, dtype);
    } else floatMask = astype(mask, dtype);
    if (w) {
      const [m, s] = alignWeights(floatMask, w);
      w = mul(s, m);
    } else w = floatMask;
  }
  if (w) {
    [v, w] = alignWeights(v, w);
    const vs = v.shape;
    const ws = w.shape;
    if (ws.length > vs.length || ws.some((d, i) => d !== 1 && d !== vs[vs.length - ws.length + i])) {
      const fmt = (t: readonly number[]): string => `(${t.join(', ')}${t.length === 1 ? ',' : ''})`;
      throw new Error(
        `sample weights of shape ${fmt(sampleWeight!.shape)} do not fit the per-sample losses of shape ${fmt(values.shape)}; ` +
          `give one weight per sample (shape (${values.shape[0] ?? 1},)) or one per loss value.`,
      );
    }
    v = mul(v, w);
  }
  if (r === null || r === 'none' || v.rank === 0 || (v.rank === 1 && v.shape[0] === 0)) return v;
  const total = sum(v);
  if (r === 'sum') return total;
  if (r === 'mean_with_sample_weight' && w) return divideNoNan(total, sum(w));
  return divideNoNan(total, v.size);
}

// ---- Loss classes ---------------------------------------------------------------------------------

export interface LossArgs {
  /** Default: the snake_case name of the class's function ('mean_squared_error', 'huber_loss', ...). */
  name?: string;
  reduction?: Reduction;
  /** Computation dtype ('float32' or 'float64'); targets and predictions are cast to it. Default: y_pred's. */
  dtype?: 'float32' | 'float64' | null;
}
const LOSS_ARG_NAMES = optionNames<LossArgs>()(['name', 'reduction', 'dtype']);

/**
 * Keras's `Loss` base class: `call(yTrue, yPred)` gives per-sample losses; `apply(yTrue, yPred,
 * sampleWeight?)` (Keras's `__call__`) applies the weights and the reduction. Subclass it and
 * implement `call` for a custom loss.
 */
export abstract class Loss {
  readonly name: string;
  readonly reduction: Reduction;
  readonly dtype: 'float32' | 'float64' | null;

  constructor(args: LossArgs = {}, defaultName = 'loss') {
    this.name = args.name ?? defaultName;
    this.reduction = standardizeReduction(this.constructor.name, args.reduction ?? 'sum_over_batch_size');
    const d = args.dtype ?? null;
    if (d !== null && d !== 'float32' && d !== 'float64')
      throw new Error(
        `${this.constructor.name}: dtype must be 'float32', 'float64' or null; got ${JSON.stringify(d)}.`,
      );
    this.dtype = d;
  }

  /** Per-sample losses (without reduction). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The loss value: per-sample losses, weighted by `sampleWeight`, then reduced by `reduction`. */
  apply(yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | null = null): Tensor {
    // bfloat16 predictions (mixed precision) are scored in float32, Keras's floatx.
    const d = this.dtype ?? (yPred.dtype === 'bfloat16' || yTrue.dtype === 'bfloat16' ? 'float32' : null);
    const p = d && yPred.dtype !== d ? astype(yPred, d) : yPred;
    const t = d && yTrue.dtype !== d ? astype(yTrue, d) : yTrue;
    return reduceWeightedValues(this.call(t, p), sampleWeight, this.reduction);
  }

  /** The Keras class name written in configs. */
  get className(): string {
    return this.constructor.name;
  }

  /** Keras's get_config: snake_case keys. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction };
  }
}

/** Keras's LossFunctionWrapper: a per-sample function (with fixed options) as a Loss. */
export class LossFunctionWrapper extends Loss {
  readonly fn: LossFn;

  constructor(fn: LossFn, args: LossArgs = {}) {
    checkOptionNames('LossFunctionWrapper', args, LOSS_ARG_NAMES);
    super(args, args.name ?? (fn.name || 'loss'));
    this.fn = fn;
  }

  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = squeezeOrExpand(yTrue, yPred);
    return this.fn(t, p);
  }
}

/** The Keras classes' own options (camelCase) and their config keys (snake_case). */
const CONFIG_KEYS: Record<string, string> = {
  fromLogits: 'from_logits',
  labelSmoothing: 'label_smoothing',
  axis: 'axis',
  ignoreClass: 'ignore_class',
  applyClassBalancing: 'apply_class_balancing',
  alpha: 'alpha',
  gamma: 'gamma',
  delta: 'delta',
};

/** A built-in loss class: a per-sample function, its options and Keras's config keys for them. */
abstract class BuiltinLoss<O extends object> extends Loss {
  protected readonly options: Required<O>;

  protected constructor(args: LossArgs & O, defaults: Required<O>, defaultName: string) {
    super(args, defaultName);
    const opts = { ...defaults } as Record<string, unknown>;
    for (const k of Object.keys(defaults)) {
      const v = (args as Record<string, unknown>)[k];
      if (v !== undefined) opts[k] = v;
    }
    this.options = opts as Required<O>;
  }

  override getConfig(): Record<string, unknown> {
    const config = super.getConfig();
    for (const [k, v] of Object.entries(this.options)) config[CONFIG_KEYS[k] ?? k] = v;
    return config;
  }
}

export type BinaryCrossentropyArgs = LossArgs & CrossentropyOptions;
const BCE_ARGS = optionNames<BinaryCrossentropyArgs>()([
  'name',
  'reduction',
  'dtype',
  'fromLogits',
  'labelSmoothing',
  'axis',
]);

export class BinaryCrossentropy extends BuiltinLoss<CrossentropyOptions> {
  constructor(args: BinaryCrossentropyArgs = {}) {
    checkOptionNames('BinaryCrossentropy', args, BCE_ARGS);
    super(args, { fromLogits: false, labelSmoothing: 0, axis: -1 }, 'binary_crossentropy');
    checkSmoothing('BinaryCrossentropy', this.options.labelSmoothing);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return binaryCrossentropy(yTrue, yPred, this.options);
  }
}

export type BinaryFocalCrossentropyArgs = LossArgs & BinaryFocalOptions;
const BFCE_ARGS = optionNames<BinaryFocalCrossentropyArgs>()([
  'name',
  'reduction',
  'dtype',
  'fromLogits',
  'labelSmoothing',
  'axis',
  'applyClassBalancing',
  'alpha',
  'gamma',
]);

export class BinaryFocalCrossentropy extends BuiltinLoss<BinaryFocalOptions> {
  constructor(args: BinaryFocalCrossentropyArgs = {}) {
    checkOptionNames('BinaryFocalCrossentropy', args, BFCE_ARGS);
    super(
      args,
      { applyClassBalancing: false, alpha: 0.25, gamma: 2, fromLogits: false, labelSmoothing: 0, axis: -1 },
      'binary_focal_crossentropy',
    );
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return binaryFocalCrossentropy(yTrue, yPred, this.options);
  }
}

export type CategoricalCrossentropyArgs = LossArgs & CrossentropyOptions;

export class CategoricalCrossentropy extends BuiltinLoss<CrossentropyOptions> {
  constructor(args: CategoricalCrossentropyArgs = {}) {
    checkOptionNames('CategoricalCrossentropy', args, BCE_ARGS);
    super(args, { fromLogits: false, labelSmoothing: 0, axis: -1 }, 'categorical_crossentropy');
    checkSmoothing('CategoricalCrossentropy', this.options.labelSmoothing);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return categoricalCrossentropy(yTrue, yPred, this.options);
  }
}

export type CategoricalFocalCrossentropyArgs = LossArgs & CategoricalFocalOptions;
const CFCE_ARGS = optionNames<CategoricalFocalCrossentropyArgs>()([
  'name',
  'reduction',
  'dtype',
  'fromLogits',
  'labelSmoothing',
  'axis',
  'alpha',
  'gamma',
]);

export class CategoricalFocalCrossentropy extends BuiltinLoss<CategoricalFocalOptions> {
  constructor(args: CategoricalFocalCrossentropyArgs = {}) {
    checkOptionNames('CategoricalFocalCrossentropy', args, CFCE_ARGS);
    super(
      args,
      { alpha: 0.25, gamma: 2, fromLogits: false, labelSmoothing: 0, axis: -1 },
      'categorical_focal_crossentropy',
    );
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return categoricalFocalCrossentropy(yTrue, yPred, this.options);
  }
}

export type SparseCategoricalCrossentropyArgs = LossArgs & SparseCrossentropyOptions;
const SCCE_ARGS = optionNames<SparseCategoricalCrossentropyArgs>()([
  'name',
  'reduction',
  'dtype',
  'fromLogits',
  'ignoreClass',
  'axis',
]);

export class SparseCategoricalCrossentropy extends BuiltinLoss<SparseCrossentropyOptions> {
  constructor(args: SparseCategoricalCrossentropyArgs = {}) {
    checkOptionNames('SparseCategoricalCrossentropy', args, SCCE_ARGS);
    super(
      args,
      { fromLogits: false, ignoreClass: null as unknown as number, axis: -1 },
      'sparse_categorical_crossentropy',
    );
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, this.options);
  }
}

/** A loss class with no options of its own beyond name, reduction and dtype. */
function simpleLoss(className: string, defaultName: string, fn: LossFn): new (args?: LossArgs) => Loss {
  const C = class extends Loss {
    constructor(args: LossArgs = {}) {
      checkOptionNames(className, args, LOSS_ARG_NAMES);
      super(args, defaultName);
    }
    call(yTrue: Tensor, yPred: Tensor): Tensor {
      const [t, p] = squeezeOrExpand(yTrue, yPred);
      return fn(t, p);
    }
    override get className(): string {
      return className;
    }
  };
  Object.defineProperty(C, 'name', { value: className });
  return C;
}

export const MeanSquaredError = simpleLoss('MeanSquaredError', 'mean_squared_error', meanSquaredError);
export const MeanAbsoluteError = simpleLoss('MeanAbsoluteError', 'mean_absolute_error', meanAbsoluteError);
export const MeanAbsolutePercentageError = simpleLoss(
  'MeanAbsolutePercentageError',
  'mean_absolute_percentage_error',
  meanAbsolutePercentageError,
);
export const MeanSquaredLogarithmicError = simpleLoss(
  'MeanSquaredLogarithmicError',
  'mean_squared_logarithmic_error',
  meanSquaredLogarithmicError,
);
export const LogCosh = simpleLoss('LogCosh', 'log_cosh', logCosh);
export const KLDivergence = simpleLoss('KLDivergence', 'kl_divergence', klDivergence);
export const Poisson = simpleLoss('Poisson', 'poisson', poisson);
export const Hinge = simpleLoss('Hinge', 'hinge', hinge);
export const SquaredHinge = simpleLoss('SquaredHinge', 'squared_hinge', squaredHinge);
export const CategoricalHinge = simpleLoss('CategoricalHinge', 'categorical_hinge', categoricalHinge);

export type HuberArgs = LossArgs & { delta?: number };
const HUBER_ARGS = optionNames<HuberArgs>()(['name', 'reduction', 'dtype', 'delta']);

export class Huber extends BuiltinLoss<{ delta?: number }> {
  constructor(args: HuberArgs = {}) {
    checkOptionNames('Huber', args, HUBER_ARGS);
    super(args, { delta: 1 }, 'huber_loss');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = squeezeOrExpand(yTrue, yPred);
    return huber(t, p, this.options.delta);
  }
}

export type CosineSimilarityArgs = LossArgs & { axis?: number };
const COSINE_ARGS = optionNames<CosineSimilarityArgs>()(['name', 'reduction', 'dtype', 'axis']);

export class CosineSimilarity extends BuiltinLoss<{ axis?: number }> {
  constructor(args: CosineSimilarityArgs = {}) {
    checkOptionNames('CosineSimilarity', args, COSINE_ARGS);
    super(args, { axis: -1 }, 'cosine_similarity');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = squeezeOrExpand(yTrue, yPred);
    return cosineSimilarity(t, p, this.options.axis);
  }
}

// ---- registry, identifiers, configs ---------------------------------------------------------------

type LossClass = new (args?: Record<string, unknown>) => Loss;

/** Keras's class names -> classes (what `fromConfig` and class-name strings build). */
const CLASSES: Record<string, LossClass> = {
  BinaryCrossentropy: BinaryCrossentropy as LossClass,
  BinaryFocalCrossentropy: BinaryFocalCrossentropy as LossClass,
  CategoricalCrossentropy: CategoricalCrossentropy as LossClass,
  CategoricalFocalCrossentropy: CategoricalFocalCrossentropy as LossClass,
  SparseCategoricalCrossentropy: SparseCategoricalCrossentropy as LossClass,
  MeanSquaredError: MeanSquaredError as LossClass,
  MeanAbsoluteError: MeanAbsoluteError as LossClass,
  MeanAbsolutePercentageError: MeanAbsolutePercentageError as LossClass,
  MeanSquaredLogarithmicError: MeanSquaredLogarithmicError as LossClass,
  CosineSimilarity: CosineSimilarity as LossClass,
  Huber: Huber as LossClass,
  LogCosh: LogCosh as LossClass,
  KLDivergence: KLDivergence as LossClass,
  Poisson: Poisson as LossClass,
  Hinge: Hinge as LossClass,
  SquaredHinge: SquaredHinge as LossClass,
  CategoricalHinge: CategoricalHinge as LossClass,
};

/** Keras's function names -> per-sample functions with default options. */
const FUNCTIONS: Record<string, LossFn> = {
  categorical_crossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparse_categorical_crossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  binary_crossentropy: (t, p) => binaryCrossentropy(t, p),
  binary_focal_crossentropy: (t, p) => binaryFocalCrossentropy(t, p),
  categorical_focal_crossentropy: (t, p) => categoricalFocalCrossentropy(t, p),
  mean_squared_error: meanSquaredError,
  mean_absolute_error: meanAbsoluteError,
  mean_absolute_percentage_error: meanAbsolutePercentageError,
  mean_squared_logarithmic_error: meanSquaredLogarithmicError,
  cosine_similarity: (t, p) => cosineSimilarity(t, p),
  huber: (t, p) => huber(t, p),
  log_cosh: logCosh,
  kl_divergence: klDivergence,
  poisson,
  hinge,
  squared_hinge: squaredHinge,
  categorical_hinge: categoricalHinge,
};

/** Keras's short and legacy names (keras.losses and keras._legacy.losses). */
const FUNCTION_ALIASES: Record<string, string> = {
  mse: 'mean_squared_error',
  MSE: 'mean_squared_error',
  mae: 'mean_absolute_error',
  MAE: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error',
  MAPE: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error',
  MSLE: 'mean_squared_logarithmic_error',
  bce: 'binary_crossentropy',
  BCE: 'binary_crossentropy',
  kld: 'kl_divergence',
  KLD: 'kl_divergence',
  kullback_leibler_divergence: 'kl_divergence',
  logcosh: 'log_cosh',
  huber_loss: 'huber',
};

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A function name from snake_case, an alias, or camelCase ('meanSquaredError', 'klDivergence'). */
function functionName(id: string): string | null {
  if (ownEntry(FUNCTIONS, id)) return id;
  const alias = ownEntry(FUNCTION_ALIASES, id);
  if (alias) return alias;
  if (/^[a-z][a-zA-Z0-9]*$/.test(id)) {
    const s = snake(id);
    if (ownEntry(FUNCTIONS, s)) return s;
    const a = ownEntry(FUNCTION_ALIASES, s);
    if (a) return a;
  }
  return null;
}

/** The function name a class computes (what the accuracy metrics look at). */
const CLASS_FUNCTION: Record<string, string> = {
  BinaryCrossentropy: 'binary_crossentropy',
  BinaryFocalCrossentropy: 'binary_focal_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
  CategoricalFocalCrossentropy: 'categorical_focal_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
  MeanAbsolutePercentageError: 'mean_absolute_percentage_error',
  MeanSquaredLogarithmicError: 'mean_squared_logarithmic_error',
  CosineSimilarity: 'cosine_similarity',
  Huber: 'huber',
  LogCosh: 'log_cosh',
  KLDivergence: 'kl_divergence',
  Poisson: 'poisson',
  Hinge: 'hinge',
  SquaredHinge: 'squared_hinge',
  CategoricalHinge: 'categorical_hinge',
};

function allNames(): string {
  return [...Object.keys(FUNCTIONS), ...Object.keys(FUNCTION_ALIASES), ...Object.keys(CLASSES)].join(', ');
}

/** Keras's `{class_name, config}` (Keras 3 adds module and registered_name) for a loss instance. */
export function serializeLoss(loss: Loss): Record<string, unknown> {
  return { module: 'keras.losses', class_name: loss.className, config: loss.getConfig(), registered_name: null };
}

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A loss from Keras's `{class_name, config}` (Keras 2 and 3 files). Unknown classes and config
 * keys are errors naming them (Keras 2's reduction 'auto' reads as 'sum_over_batch_size').
 */
export function deserializeLoss(entry: unknown): Loss {
  const e = entry as { class_name?: unknown; config?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.class_name !== 'string')
    throw new Error(`A loss config must be {class_name, config}; got ${JSON.stringify(entry)}.`);
  const C = ownEntry(CLASSES, e.class_name);
  if (!C)
    throw new Error(
      `Unknown loss class '${e.class_name}'. Expected one of: ${Object.keys(CLASSES).join(', ')} (custom losses are code: compile with them again).`,
    );
  const cfg = (e.config ?? {}) as Record<string, unknown>;
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error(`${e.class_name}: config must be an object.`);
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    // LossFunctionWrapper configs of some versions name their function; it must be this class's.
    if (k === 'fn') {
      const fname = typeof v === 'string' ? v : (v as { config?: unknown } | null)?.config;
      if (fname !== CLASS_FUNCTION[e.class_name] && fname !== undefined)
        throw new Error(
          `${e.class_name}: config names function ${JSON.stringify(v)}, not ${CLASS_FUNCTION[e.class_name]}.`,
        );
      continue;
    }
    if (k === 'dtype' && v && typeof v === 'object') {
      // Keras 3 may write the dtype as a DTypePolicy entry: its compute dtype is the policy's name.
      const policy = (v as { config?: { name?: unknown } }).config?.name;
      args['dtype'] = policy;
      continue;
    }
    args[camel(k)] = k === 'reduction' ? standardizeReduction(e.class_name, v) : v;
  }
  return new C(args);
}

export interface ResolvedLoss {
  /** The function name ('mean_squared_error'), or a custom function's or Loss's own name. */
  name: string;
  /** Per-sample losses. */
  fn: LossFn;
  /** The Loss that computes the value (its reduction and sample weighting). */
  loss: Loss;
  /** What compile_config saves: the name for a string or function, the serialized object for a Loss. */
  saved: string | Record<string, unknown>;
}

/** A Loss class name given as a string ('MeanSquaredError') builds one with default options. */
export function getLoss(id: string | LossFn | Loss): ResolvedLoss {
  if (id instanceof Loss) {
    const builtin = ownEntry(CLASS_FUNCTION, id.className) !== undefined && ownEntry(CLASSES, id.className);
    return {
      name: builtin ? CLASS_FUNCTION[id.className]! : id.name,
      fn: (t, p) => id.call(t, p),
      loss: id,
      saved: serializeLoss(id),
    };
  }
  if (typeof id === 'function') {
    const user = id;
    // User code: what it sees and makes inside a step is never reused by the buffer pool.
    const fn: LossFn = (t, p) => asUserCode([t, p], () => user(t, p));
    const name = id.name || 'custom_loss';
    return { name, fn, loss: new LossFunctionWrapper(fn, { name }), saved: name };
  }
  if (typeof id !== 'string') throw new Error(`A loss must be a name, a function or a Loss; got ${String(id)}.`);
  const f = functionName(id);
  if (f) {
    const fn = FUNCTIONS[f]!;
    return { name: f, fn, loss: new LossFunctionWrapper(fn, { name: f }), saved: f };
  }
  const C = ownEntry(CLASSES, id);
  if (C) return getLoss(new C());
  // Other spellings of a known name ('MEAN_SQUARED_ERROR', 'meanSquaredError'); an unknown one names the nearest.
  const valid = [...Object.keys(FUNCTIONS), ...Object.keys(FUNCTION_ALIASES), ...Object.keys(CLASSES)];
  const resolved = resolveName('loss', id, valid);
  if (resolved !== id) return getLoss(resolved);
  throw new Error(`Unknown loss '${id}'. Expected one of: ${allNames()}.`);
}

/**
 * The loss `compile` trains on for one output: the Loss's own reduction (and sample weights),
 * then the mean of whatever is left (Keras's CompileLoss reduces by sum_over_batch_size).
 */
export function computeLoss(
  resolved: ResolvedLoss,
  yTrue: Tensor,
  yPred: Tensor,
  sampleWeight: Tensor | null = null,
): Tensor {
  return reduceLoss(resolved.loss.apply(yTrue, yPred, sampleWeight));
}

/** Keras's default reduction: the mean of the per-sample losses over the batch. */
export function reduceLoss(perSample: Tensor): Tensor {
  return perSample.rank === 0 ? perSample : mean(perSample);
}
