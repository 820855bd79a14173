import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add, mul, notEqual, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { dropout as dropoutOp } from '../ops/dropout.js';
import { matmul, matmulTransposeB } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { expandDims } from '../ops/reshape.js';
import { softmax } from '../ops/softmax.js';
import { tanh } from '../ops/unary.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import { getInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, isShape } from './layer.js';
import { registerLayer } from './serialization.js';

/** A mask as 0/1 values of `dtype` (Keras treats nonzero / true as "keep"). */
export function maskAsFloat(mask: Tensor, dtype: Tensor['dtype']): Tensor {
  return mask.dtype === dtype ? mask : astype(notEqual(mask, 0), dtype);
}

/**
 * Keras's Softmax-with-mask (keras.layers.Softmax): `where(mask, x, -1e9)` then softmax over the
 * last axis. `keep` holds 0/1 and broadcasts against x; for finite x, `x * keep + (keep - 1) * 1e9`
 * is exactly that `where` (x * 1 + 0 = x, x * 0 - 1e9 = -1e9), with no gradient to masked scores.
 */
export function maskedSoftmax(x: Tensor, keep: Tensor | null): Tensor {
  if (!keep) return softmax(x, -1);
  return softmax(add(mul(x, keep), mul(sub(keep, 1), 1e9)), -1);
}

/** A [1, tq, tv] lower-triangular 0/1 mask (query i sees keys j <= i), as Keras's causal mask. */
export function causalMask(tq: number, tv: number, dtype: Tensor['dtype']): Tensor {
  const t = new Tensor(dtype === 'float64' ? new Float64Array(tq * tv) : new Float32Array(tq * tv), [1, tq, tv], dtype);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(i, tv - 1); j++) t.data[i * tv + j] = 1;
  return t;
}

export interface AttentionArgs extends LayerArgs {
  /** Learn a scalar that multiplies the scores (default false). */
  useScale?: boolean;
  /** 'dot' (query . key, default) or 'concat' (sum(tanh(query + key)) times a learned scalar). */
  scoreMode?: 'dot' | 'concat';
  /** Dropout rate on the attention weights while training (default 0). */
  dropout?: number;
  /** Keras 2's deprecated `causal`: a causal mask on every call (Keras 3: the call's useCausalMask). */
  causal?: boolean;
}

export interface AdditiveAttentionArgs extends LayerArgs {
  /** Learn a per-feature scale inside the sum (default true). */
  useScale?: boolean;
  dropout?: number;
  causal?: boolean;
}

const ATTENTION_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<AttentionArgs, keyof LayerArgs>>()(['useScale', 'scoreMode', 'dropout', 'causal']),
];
const ADDITIVE_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<AdditiveAttentionArgs, keyof LayerArgs>>()(['useScale', 'dropout', 'causal']),
];
const SEED_REFUSED = { seed: 'a per-layer dropout seed is not supported (use setRandomSeed)' };

/**
 * Shared machinery of Keras's Attention and AdditiveAttention: inputs `[query, value]` or
 * `[query, value, key]` (key defaults to value), masks `[queryMask, valueMask]` from the inputs;
 * scores [B, Tq, Tv]; masked (value mask, causal mask) scores get -1e9 added, then softmax, dropout
 * while training, `weights @ value`, and query-masked rows zeroed. Call arguments:
 * `returnAttentionScores` (then [output, weights]) and `useCausalMask`.
 */
abstract class BaseDenseAttention extends Layer {
  readonly useScale: boolean;
  readonly dropout: number;
  readonly causal: boolean;
  protected override callArguments: readonly string[] = ['returnAttentionScores', 'useCausalMask'];

  constructor(args: AttentionArgs, defaultUseScale: boolean) {
    super(args);
    this.supportsMasking = true;
    this.useScale = args.useScale ?? defaultUseScale;
    this.dropout = args.dropout ?? 0;
    this.causal = args.causal ?? false;
    if (typeof this.useScale !== 'boolean')
      throw new Error(
        `${this.className} '${this.name}': useScale must be true or false, got ${String(this.useScale)}.`,
      );
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new Error(`${this.className} '${this.name}': dropout must be in [0, 1), got ${this.dropout}.`);
  }

  protected abstract scores(q: Tensor, k: Tensor): Tensor;

  protected shapesOf(inputShape: ShapeValue): SymbolicShape[] {
    const list = inputShape as readonly unknown[];
    if (!Array.isArray(inputShape) || isShape(inputShape) || list.length < 2 || list.length > 3)
      throw new Error(
        `Layer '${this.name}' (${this.className}) must be called on a list [query, value] or [query, value, key], got ${isShape(inputShape) ? formatShape(inputShape as SymbolicShape) : JSON.stringify(inputShape)}.`,
      );
    const shapes = inputShape as SymbolicShape[];
    const [q, v] = shapes;
    const k = shapes[2] ?? v!;
    const where = `Layer '${this.name}' (${this.className})`;
    if (q!.length !== 3 || v!.length !== 3 || k.length !== 3)
      throw new Error(
        `${where} expects query, value and key of rank 3 [batch, steps, dim], got ${shapes.map(formatShape).join(', ')}.`,
      );
    if (v![1] !== null && k[1] !== null && v![1] !== k[1])
      throw new Error(
        `${where}: value and key need the same number of steps, got ${formatShape(v!)} and ${formatShape(k)}.`,
      );
    return [q!, v!, k];
  }

  override call(inputs: Tensor[], options: CallOptions<unknown>): Tensor | Tensor[] {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3)
      throw new Error(
        `Layer '${this.name}' (${this.className}) must be called on [query, value] or [query, value, key].`,
      );
    const [q, v] = inputs as [Tensor, Tensor];
    const k = inputs[2] ?? v;
    const masks = Array.isArray(options.mask) ? (options.mask as (Tensor | null)[]) : [];
    if (options.mask && !Array.isArray(options.mask))
      throw new Error(`Layer '${this.name}' (${this.className}): mask must be a list [queryMask, valueMask].`);
    const qMask = masks[0] ?? null;
    const vMask = masks[1] ?? null;
    let scores = this.scores(q, k);
    const [tq, tv] = [scores.shape[1]!, scores.shape[2]!];
    let keep: Tensor | null = vMask ? expandDims(maskAsFloat(vMask, scores.dtype), 1) : null;
    const useCausal = (options as { useCausalMask?: boolean }).useCausalMask ?? false;
    if (useCausal || this.causal) {
      const c = causalMask(tq, tv, scores.dtype);
      keep = keep ? mul(keep, c) : c;
    }
    // Keras: where(mask, scores, scores - 1e9).
    if (keep) scores = sub(scores, mul(sub(1, keep), 1e9));
    let weights = softmax(scores, -1);
    const applied = options.training && this.dropout > 0 ? dropoutOp(weights, this.dropout) : weights;
    let out = matmul(applied, v);
    if (qMask) out = mul(out, expandDims(maskAsFloat(qMask, out.dtype), -1));
    weights = weights as Tensor;
    return (options as { returnAttentionScores?: boolean }).returnAttentionScores ? [out, weights] : out;
  }

  override computeMask(_inputs: unknown, mask: unknown): unknown {
    if (!mask) return null;
    if (!Array.isArray(mask))
      throw new Error(`Layer '${this.name}' (${this.className}): mask must be a list [queryMask, valueMask].`);
    return (mask[0] as Tensor | null | undefined) ?? null;
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const [q, v] = this.shapesOf(inputShape);
    return [...q!.slice(0, -1), v![2]!];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), use_scale: this.useScale, dropout: this.dropout, seed: null };
  }
}

/**
 * Keras's Attention (Luong-style): scores `query @ key^T` ('dot', times a learned scalar `scale`
 * when useScale) or `concat_score_weight * sum(tanh(scale * (query + key)))` ('concat').
 * Weights, in Keras's order: scale (if useScale), concat_score_weight (if 'concat'), both scalars.
 */
export class Attention extends BaseDenseAttention {
  readonly scoreMode: 'dot' | 'concat';
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;

  constructor(args: AttentionArgs = {}) {
    checkOptionNames('Attention', args, ATTENTION_ARG_NAMES, SEED_REFUSED);
    super(args, false);
    this.scoreMode = args.scoreMode ?? 'dot';
    if (this.scoreMode !== 'dot' && this.scoreMode !== 'concat')
      throw new Error(
        `Attention '${this.name}': scoreMode must be 'dot' or 'concat', got ${JSON.stringify(this.scoreMode)}.`,
      );
  }

  override build(inputShape: ShapeValue): void {
    this.shapesOf(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', [], getInitializer('ones'));
    if (this.scoreMode === 'concat')
      this.concatScoreWeight = this.addWeight('concat_score_weight', [], getInitializer('ones'));
    super.build(inputShape);
  }

  protected scores(q: Tensor, k: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = matmulTransposeB(q, k);
      return this.scale ? mul(s, this.scale) : s;
    }
    let pre = add(expandDims(q, 2), expandDims(k, 1));
    if (this.scale) pre = mul(pre, this.scale);
    return mul(sum(tanh(pre), -1), this.concatScoreWeight!);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), score_mode: this.scoreMode };
  }
}

/**
 * Keras's AdditiveAttention (Bahdanau-style): scores `sum(scale * tanh(query + key), -1)`, with a
 * learned per-feature `scale` [dim] (glorot_uniform) when useScale (the default).
 */
export class AdditiveAttention extends BaseDenseAttention {
  scale: Variable | null = null;

  constructor(args: AdditiveAttentionArgs = {}) {
    checkOptionNames('AdditiveAttention', args, ADDITIVE_ARG_NAMES, SEED_REFUSED);
    super(args, true);
  }

  override build(inputShape: ShapeValue): void {
    const [q] = this.shapesOf(inputShape);
    const dim = q![2];
    if (dim === null || dim === undefined)
      throw new Error(`Layer '${this.name}' (AdditiveAttention) needs a known query dim, got ${formatShape(q!)}.`);
    if (this.useScale) this.scale = this.addWeight('scale', [dim], getInitializer('glorot_uniform'));
    super.build(inputShape);
  }

  protected scores(q: Tensor, k: Tensor): Tensor {
    const t = tanh(add(expandDims(q, 2), expandDims(k, 1)));
    return sum(this.scale ? mul(t, this.scale) : t, -1);
  }
}

function attentionOptions(c: Record<string, unknown>, allowed: readonly string[], where: string): AttentionArgs {
  const base = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim'];
  for (const k of Object.keys(c))
    if (!base.includes(k) && !allowed.includes(k)) throw new Error(`${where}: config key '${k}' is not supported.`);
  if (c['seed'] !== undefined && c['seed'] !== null)
    throw new Error(
      `'seed' is not supported (got ${JSON.stringify(c['seed'])}); deepscript draws dropout from setRandomSeed.`,
    );
  const out: AttentionArgs = {};
  if (c['use_scale'] !== undefined) out.useScale = c['use_scale'] as boolean;
  if (c['dropout'] !== undefined) out.dropout = c['dropout'] as number;
  if (c['causal'] !== undefined) out.causal = c['causal'] as boolean;
  if (c['score_mode'] !== undefined) out.scoreMode = c['score_mode'] as 'dot' | 'concat';
  return out;
}

registerLayer(
  'Attention',
  (c, common) =>
    new Attention({
      ...attentionOptions(c, ['use_scale', 'score_mode', 'dropout', 'causal', 'seed'], 'Attention'),
      ...common,
    }),
);
registerLayer('AdditiveAttention', (c, common) => {
  const { scoreMode: _s, ...opts } = attentionOptions(
    c,
    ['use_scale', 'dropout', 'causal', 'seed'],
    'AdditiveAttention',
  );
  return new AdditiveAttention({ ...opts, ...common });
});
