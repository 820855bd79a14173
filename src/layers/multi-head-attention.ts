import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { fusedAttention } from '../ops/attention.js';
import { mul } from '../ops/binary.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { dropout as dropoutOp } from '../ops/dropout.js';
import { dense, matmul, matmulTransposeB } from '../ops/matmul.js';
import { expandDims, reshape } from '../ops/reshape.js';
import { transpose } from '../ops/transpose.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { SymbolicTensor } from './graph/symbolic-tensor.js';
import { causalMask, maskAsFloat, maskedSoftmax } from './attention.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { ApplyOptions, CallOptions, LayerArgs, LayerValue, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, describe, formatShape } from './layer.js';

/** Weight penalties MultiHeadAttention does not take yet: written as null, refused when set. */
const NO_WEIGHT_PENALTIES = {
  kernel_regularizer: null,
  bias_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
} as const;
import { registerLayer } from './serialization.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Number of attention heads. */
  numHeads: number;
  /** Size of each head for query and key. */
  keyDim: number;
  /** Size of each head for value (default keyDim). */
  valueDim?: number | null;
  /** Dropout rate on the attention probabilities while training (default 0). */
  dropout?: number;
  /** Biases on the four projections (default true). */
  useBias?: boolean;
  /** Shape of each output step besides batch and steps (default: the query's last dimension). */
  outputShape?: number | readonly number[] | null;
  /**
   * Axes attention runs over; only the default (every axis between batch and features, null) is
   * implemented, and a list naming exactly those axes is accepted as the same thing.
   */
  attentionAxes?: number | readonly number[] | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}

const MHA_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<MultiHeadAttentionArgs, keyof LayerArgs>>()([
    'numHeads',
    'keyDim',
    'valueDim',
    'dropout',
    'useBias',
    'outputShape',
    'attentionAxes',
    'kernelInitializer',
    'biasInitializer',
  ]),
];
const MHA_UNSUPPORTED = {
  kernelRegularizer: 'regularizers are not supported on MultiHeadAttention yet',
  biasRegularizer: 'regularizers are not supported on MultiHeadAttention yet',
  activityRegularizer: 'regularizers are not supported on MultiHeadAttention yet',
  kernelConstraint: 'constraints are not supported on MultiHeadAttention yet',
  biasConstraint: 'constraints are not supported on MultiHeadAttention yet',
  useGate: "Keras 3's gated attention (use_gate) is not supported yet",
  slidingWindow: "Keras 3's sliding-window attention (sliding_window) is not supported yet",
  flashAttention: 'flash attention is not a separate mode in deepscript',
  seed: 'a per-layer dropout seed is not supported (use setRandomSeed)',
};

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** The call arguments of MultiHeadAttention besides the query (Keras's, camelCase). */
interface MhaCall {
  value?: Tensor;
  key?: Tensor;
  attentionMask?: Tensor | null;
  returnAttentionScores?: boolean;
  useCausalMask?: boolean;
  queryMask?: Tensor | null;
  valueMask?: Tensor | null;
  keyMask?: Tensor | null;
}

/**
 * Keras's MultiHeadAttention. `mha.apply(query, { value, key?, attentionMask?, useCausalMask?,
 * returnAttentionScores? })`, as Keras's `mha(query, value, key=...)`. Query, key and value are
 * projected by kernels shaped as Keras's EinsumDense ([dim, heads, keyDim], bias [heads, keyDim]);
 * scores `(q / sqrt(keyDim)) k^T` per head, masked softmax (`where(mask, s, -1e9)`), dropout while
 * training, the weighted values projected back by `attention_output` ([heads, valueDim, ...out]).
 * Masks as Keras 3 combines them: the query's mask [B, T, 1] & the value's [B, 1, S] & the key's
 * (when key is a separate tensor) & the causal mask & attentionMask [B, T, S]; the output carries
 * the query's mask. Weights in Keras's order: query, key, value, attention_output (kernel, bias).
 */
export class MultiHeadAttention extends Layer {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number[] | null;
  readonly attentionAxes: number[] | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  queryKernel: Variable | null = null;
  queryBias: Variable | null = null;
  keyKernel: Variable | null = null;
  keyBias: Variable | null = null;
  valueKernel: Variable | null = null;
  valueBias: Variable | null = null;
  outputKernel: Variable | null = null;
  outputBias: Variable | null = null;
  protected override callArguments: readonly string[] = [
    'value',
    'key',
    'attentionMask',
    'returnAttentionScores',
    'useCausalMask',
    'queryMask',
    'valueMask',
    'keyMask',
  ];
  /** Keras 3 files write the call as args [query, value, key]: the names of args after the first. */
  readonly positionalCallArguments: readonly string[] = ['value', 'key'];
  /** The options of the apply under way (computeOutputShape needs returnAttentionScores and key). */
  private pending: ApplyOptions | null = null;
  private keyShape: SymbolicShape | null = null;
  private valueShape: SymbolicShape | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    checkOptionNames('MultiHeadAttention', args, MHA_ARG_NAMES, MHA_UNSUPPORTED);
    super(args);
    this.supportsMasking = true;
    const where = `MultiHeadAttention '${this.name}'`;
    const posInt = (v: unknown, what: string): number => {
      if (!Number.isInteger(v) || (v as number) <= 0)
        throw new Error(`${where}: ${what} must be a positive integer, got ${describe(v)}.`);
      return v as number;
    };
    this.numHeads = posInt(args.numHeads, 'numHeads');
    this.keyDim = posInt(args.keyDim, 'keyDim');
    this.valueDim =
      args.valueDim === undefined || args.valueDim === null ? this.keyDim : posInt(args.valueDim, 'valueDim');
    this.dropout = args.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new Error(`${where}: dropout must be in [0, 1), got ${this.dropout}.`);
    this.useBias = args.useBias ?? true;
    if (typeof this.useBias !== 'boolean') throw new Error(`${where}: useBias must be true or false.`);
    const os = args.outputShape;
    this.outputShape =
      os === undefined || os === null
        ? null
        : (typeof os === 'number' ? [os] : [...os]).map((d) => posInt(d, 'every outputShape entry'));
    const aa = args.attentionAxes;
    this.attentionAxes = aa === undefined || aa === null ? null : typeof aa === 'number' ? [aa] : [...aa];
    if (this.attentionAxes && !this.attentionAxes.every((a) => Number.isInteger(a)))
      throw new Error(`${where}: attentionAxes must be integers, got ${JSON.stringify(aa)}.`);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
  }

  override apply<O = Tensor>(inputs: LayerValue<Tensor>, options?: ApplyOptions): NoInfer<O>;
  override apply<O = SymbolicTensor>(inputs: LayerValue<SymbolicTensor>, options?: ApplyOptions): NoInfer<O>;
  override apply(inputs: LayerValue<Tensor | SymbolicTensor>, options: ApplyOptions = {}): unknown {
    const where = `Layer '${this.name}' (MultiHeadAttention)`;
    const shapeOf = (t: unknown, what: string): SymbolicShape => {
      const s = (t as { shape?: unknown } | null)?.shape;
      if (!Array.isArray(s)) throw new Error(`${where}: ${what} must be a tensor, got ${describe(t)}.`);
      return [null, ...(s as (number | null)[]).slice(1)];
    };
    const q = shapeOf(inputs, 'the query (first argument)');
    if (options['value'] === undefined)
      throw new Error(`${where} needs a value: mha.apply(query, { value }) (Keras's mha(query, value)).`);
    const v = shapeOf(options['value'], 'value');
    const k = options['key'] === undefined || options['key'] === null ? v : shapeOf(options['key'], 'key');
    if (!this.built) this.buildFromShapes(q, v, k);
    else this.checkShapes(q, v, k);
    this.pending = options;
    try {
      return (Layer.prototype.apply as (this: Layer, i: unknown, o: ApplyOptions) => unknown).call(
        this,
        inputs,
        options,
      );
    } finally {
      this.pending = null;
    }
  }

  /** The default attention axes of a query of rank r: 1 .. r-2 (every step axis). */
  private checkAxes(rank: number): void {
    if (!this.attentionAxes) return;
    // Keras normalizes negative axes against the projected rank (rank + 1) minus one.
    const given = this.attentionAxes.map((a) => (a >= 0 ? a : rank + a));
    const expected = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    if (given.length !== expected.length || given.some((a, i) => a !== expected[i]))
      throw new Error(
        `Layer '${this.name}' (MultiHeadAttention): attentionAxes ${JSON.stringify(this.attentionAxes)} is not supported yet; ` +
          `only the default (every axis between batch and features, [${expected.join(', ')}] here) is.`,
      );
  }

  private checkShapes(q: SymbolicShape, v: SymbolicShape, k: SymbolicShape): void {
    const where = `Layer '${this.name}' (MultiHeadAttention)`;
    if (q.length < 3 || v.length < 3 || k.length < 3)
      throw new Error(
        `${where} needs query, value and key of rank >= 3 [batch, steps..., dim], got ${formatShape(q)}, ${formatShape(v)}, ${formatShape(k)}.`,
      );
    if (v.length !== q.length || k.length !== q.length)
      throw new Error(
        `${where}: query, value and key need the same rank, got ${formatShape(q)}, ${formatShape(v)}, ${formatShape(k)}.`,
      );
    for (let i = 1; i < v.length - 1; i++)
      if (v[i] !== null && k[i] !== null && v[i] !== k[i])
        throw new Error(
          `${where}: all dimensions of value and key but the last must be equal, got value ${formatShape(v)} and key ${formatShape(k)}.`,
        );
    if (this.valueShape) {
      const fits = (a: SymbolicShape, b: SymbolicShape): boolean =>
        a.length === b.length &&
        a.every((d, i) => i === 0 || i < a.length - 1 || d === null || b[i] === null || d === b[i]);
      if (!fits(this.valueShape, v) || !fits(this.keyShape!, k))
        throw new Error(
          `${where} was built for value ${formatShape(this.valueShape)} and key ${formatShape(this.keyShape!)}, got ${formatShape(v)} and ${formatShape(k)}.`,
        );
    }
  }

  private buildFromShapes(q: SymbolicShape, v: SymbolicShape, k: SymbolicShape): void {
    this.checkShapes(q, v, k);
    this.checkAxes(q.length);
    const [qd, vd, kd] = [q[q.length - 1], v[v.length - 1], k[k.length - 1]];
    if (!qd || !vd || !kd)
      throw new Error(
        `Layer '${this.name}' (MultiHeadAttention) needs known feature sizes, got query ${formatShape(q)}, value ${formatShape(v)}, key ${formatShape(k)}.`,
      );
    const [h, kdim, vdim] = [this.numHeads, this.keyDim, this.valueDim];
    const out = this.outputShape ?? [qd];
    const kernel = (name: string, shape: number[]): Variable =>
      this.addWeight(`${name}/kernel`, shape, this.kernelInitializer);
    const bias = (name: string, shape: number[]): Variable | null =>
      this.useBias ? this.addWeight(`${name}/bias`, shape, this.biasInitializer) : null;
    this.queryKernel = kernel('query', [qd, h, kdim]);
    this.queryBias = bias('query', [h, kdim]);
    this.keyKernel = kernel('key', [kd, h, kdim]);
    this.keyBias = bias('key', [h, kdim]);
    this.valueKernel = kernel('value', [vd, h, vdim]);
    this.valueBias = bias('value', [h, vdim]);
    this.outputKernel = kernel('attention_output', [h, vdim, ...out]);
    this.outputBias = bias('attention_output', [...out]);
    this.valueShape = v;
    this.keyShape = k;
    super.build(q);
  }

  override build(inputShape: ShapeValue): void {
    // Weights need the value's shape too: apply builds them (buildFromShapes) before this runs.
    if (!this.built)
      throw new Error(
        `Layer '${this.name}' (MultiHeadAttention) is built by its first call, mha.apply(query, { value }); got only ${describe(inputShape)}.`,
      );
  }

  /** Keras 3 keeps each projection's variables on its EinsumDense sublayer. */
  keras3WeightParts(): { sub: string; alt: string; vars: Variable[] }[] {
    const pair = (k: Variable | null, b: Variable | null): Variable[] => (b ? [k!, b] : [k!]);
    return [
      { sub: 'query_dense', alt: '_query_dense', vars: pair(this.queryKernel, this.queryBias) },
      { sub: 'key_dense', alt: '_key_dense', vars: pair(this.keyKernel, this.keyBias) },
      { sub: 'value_dense', alt: '_value_dense', vars: pair(this.valueKernel, this.valueBias) },
      { sub: 'output_dense', alt: '_output_dense', vars: pair(this.outputKernel, this.outputBias) },
    ];
  }

  /** x [B, ...steps, dim] through a [dim, heads, size] kernel: [B, steps, heads * size], untransposed. */
  private projectFlat(x: Tensor, kernel: Variable, bias: Variable | null): Tensor {
    const [dim, h, size] = kernel.shape as [number, number, number];
    const y = dense(x, reshape(kernel, [dim, h * size]), bias ? reshape(bias, [h * size]) : null);
    return reshape(y, [x.shape[0]!, prod(x.shape.slice(1, -1)), h * size]);
  }

  /** x [B, ...steps, dim] through a [dim, heads, size] kernel: [B, heads, steps, size]. */
  private project(x: Tensor, kernel: Variable, bias: Variable | null): Tensor {
    const [, h, size] = kernel.shape as [number, number, number];
    const y = this.projectFlat(x, kernel, bias);
    return transpose(reshape(y, [x.shape[0]!, y.shape[1]!, h, size]), [0, 2, 1, 3]);
  }

  override call(query: Tensor, options: CallOptions<unknown>): Tensor | Tensor[] {
    const o = options as CallOptions<unknown> & MhaCall;
    const where = `Layer '${this.name}' (MultiHeadAttention)`;
    const value = o.value!;
    const keyGiven = o.key !== undefined && o.key !== null && o.key !== value;
    const key = keyGiven ? o.key! : value;
    this.checkShapes(query.shape, value.shape, key.shape);
    const batch = query.shape[0]!;
    const tShape = query.shape.slice(1, -1);
    const sShape = value.shape.slice(1, -1);
    const [t, s] = [prod(tShape), prod(sShape)];
    const dtype = query.dtype;
    // Masks, each as 0/1 of shape [B or 1, T, S] (Keras 3's _compute_attention_mask).
    let keep: Tensor | null = null;
    const and = (m: Tensor): void => {
      keep = keep ? mul(keep, m) : m;
    };
    const flatMask = (m: Tensor, steps: number[], what: string): Tensor => {
      const want = [batch, ...steps];
      if (m.rank !== want.length || m.shape.some((d, i) => d !== want[i]))
        throw new Error(`${where}: ${what} must have shape ${formatShape(want)}, got ${formatShape(m.shape)}.`);
      return reshape(maskAsFloat(m, dtype), [batch, prod(steps)]);
    };
    const qMask = (o.mask as Tensor | null | undefined) ?? o.queryMask ?? null;
    if (qMask) and(expandDims(flatMask(qMask, tShape, 'the query mask'), -1));
    if (o.valueMask) and(expandDims(flatMask(o.valueMask, sShape, 'the value mask'), 1));
    if (keyGiven && o.keyMask) and(expandDims(flatMask(o.keyMask, sShape, 'the key mask'), 1));
    if (o.useCausalMask) {
      if (tShape.length !== 1)
        throw new Error(
          `${where}: useCausalMask needs rank-3 query and value [batch, steps, dim], got ${formatShape(query.shape)}.`,
        );
      and(causalMask(t, s, dtype));
    }
    if (o.attentionMask) {
      const m = o.attentionMask;
      const want = [batch, ...tShape, ...sShape];
      if (m.rank !== want.length || m.shape.some((d, i) => d !== want[i] && !(i === 0 && d === 1)))
        throw new Error(`${where}: attentionMask must have shape ${formatShape(want)}, got ${formatShape(m.shape)}.`);
      and(reshape(maskAsFloat(m, dtype), [m.shape[0]!, t, s]));
    }
    const [h, vdim] = [this.numHeads, this.valueDim];
    let probs: Tensor | null = null;
    let ctx: Tensor; // [B, T, H * Vd]
    if (!o.returnAttentionScores && !(o.training && this.dropout > 0)) {
      // The fused kernel: no transposed heads, no stored logits, no separate softmax pass.
      const mask = keep as Tensor | null;
      ctx = fusedAttention(
        this.projectFlat(query, this.queryKernel!, this.queryBias),
        this.projectFlat(key, this.keyKernel!, this.keyBias),
        this.projectFlat(value, this.valueKernel!, this.valueBias),
        mask ? broadcastTo(mask, [mask.shape[0]!, t, s]) : null,
        h,
        1 / Math.sqrt(this.keyDim),
      ).out;
    } else {
      // Dropout on the weights, or the weights returned (and differentiable): the composition.
      const q = mul(this.project(query, this.queryKernel!, this.queryBias), 1 / Math.sqrt(this.keyDim));
      const k = this.project(key, this.keyKernel!, this.keyBias);
      const v = this.project(value, this.valueKernel!, this.valueBias);
      const scores = matmulTransposeB(q, k); // [B, H, T, S]
      probs = maskedSoftmax(scores, keep ? expandDims(keep, 1) : null);
      const dropped = o.training && this.dropout > 0 ? dropoutOp(probs, this.dropout) : probs;
      ctx = reshape(transpose(matmul(dropped, v), [0, 2, 1, 3]), [batch, t, h * vdim]);
    }
    const outShape = this.outputKernel!.shape.slice(2);
    const flatOut = prod(outShape);
    const y = dense(
      ctx,
      reshape(this.outputKernel!, [h * vdim, flatOut]),
      this.outputBias ? reshape(this.outputBias, [flatOut]) : null,
    );
    const output = reshape(y, [batch, ...tShape, ...outShape]);
    if (!o.returnAttentionScores) return output;
    return [output, reshape(probs!, [batch, h, ...tShape, ...sShape])];
  }

  /** In a graph, the value's and key's masks come from their tensors (Keras 3's value_mask, key_mask). */
  override callInGraph(
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    training: boolean,
    mask: unknown,
    kwargMasks: Readonly<Record<string, Tensor | null>> = {},
  ): { outputs: LayerValue<Tensor>; mask: unknown } {
    const extra: Record<string, unknown> = {};
    if (kwargs['valueMask'] === undefined && kwargMasks['value']) extra['valueMask'] = kwargMasks['value'];
    if (kwargs['keyMask'] === undefined && kwargMasks['key']) extra['keyMask'] = kwargMasks['key'];
    return super.callInGraph(args, { ...kwargs, ...extra }, training, mask);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    const q = inputShape as SymbolicShape;
    const out = this.outputKernel ? this.outputKernel.shape.slice(2) : (this.outputShape ?? [q[q.length - 1]!]);
    const output: SymbolicShape = [...q.slice(0, -1), ...out];
    if (!this.pending?.['returnAttentionScores']) return output;
    const value = this.pending['value'] as { shape: SymbolicShape };
    return [output, [q[0]!, this.numHeads, ...q.slice(1, -1), ...value.shape.slice(1, -1)]];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      num_heads: this.numHeads,
      key_dim: this.keyDim,
      value_dim: this.valueDim,
      dropout: this.dropout,
      use_bias: this.useBias,
      output_shape: this.outputShape ? [...this.outputShape] : null,
      attention_axes: this.attentionAxes ? [...this.attentionAxes] : null,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...NO_WEIGHT_PENALTIES,
      seed: null,
    };
  }
}

const MHA_KERAS_KEYS: Record<string, keyof MultiHeadAttentionArgs> = {
  num_heads: 'numHeads',
  key_dim: 'keyDim',
  value_dim: 'valueDim',
  dropout: 'dropout',
  use_bias: 'useBias',
  output_shape: 'outputShape',
  attention_axes: 'attentionAxes',
  kernel_initializer: 'kernelInitializer',
  bias_initializer: 'biasInitializer',
};

registerLayer('MultiHeadAttention', (c, common) => {
  const base = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim'];
  const mustBeNull = [...Object.keys(NO_WEIGHT_PENALTIES), 'activity_regularizer', 'seed', 'sliding_window'];
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (base.includes(k)) continue;
    if (mustBeNull.includes(k)) {
      if (v !== null && v !== undefined) throw new Error(`'${k}' is not supported (got ${JSON.stringify(v)}).`);
      continue;
    }
    if (k === 'use_gate' || k === 'flash_attention') {
      if (k === 'use_gate' && v) throw new Error(`'use_gate' (gated attention) is not supported.`);
      continue; // flash attention changes how, not what, Keras computes
    }
    const ours = MHA_KERAS_KEYS[k];
    if (!ours) throw new Error(`config key '${k}' is not supported.`);
    if (v !== null && v !== undefined) args[ours] = v;
  }
  return new MultiHeadAttention({ ...(args as unknown as MultiHeadAttentionArgs), ...common });
});
