import type { FloatArray, TypedArray } from '../core/dtype.js';
import type { Shape } from '../core/shape.js';

/**
 * The kernels a backend implements. Ops call only these, so a backend that implements
 * every method here can run (and train) every model: `test/backend-coverage.test.ts`
 * checks that each registered backend has each kernel the ops use.
 *
 * Kernels work on raw storage (typed arrays that tensors own) and write into an output
 * the caller allocated, so a native backend reads and writes tensor memory directly.
 * Inputs of one kernel share a dtype unless the signature says otherwise.
 */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'relu'
  | 'step'
  | 'sigmoid'
  | 'tanh'
  | 'sign'
  | 'floor'
  | 'round'
  | 'softplus';

export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'relu',
  'step',
  'sigmoid',
  'tanh',
  'sign',
  'floor',
  'round',
  'softplus',
];

/** Arithmetic binary ops write the inputs' dtype; comparisons write bool (0/1 bytes). */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual';
export type BinaryOp = ArithmeticOp | CompareOp;

export const ARITHMETIC_OPS: readonly ArithmeticOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
export const COMPARE_OPS: readonly CompareOp[] = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];

export type ReduceOp = 'sum' | 'max' | 'min';
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min'];

export type ArgReduceOp = 'argmax' | 'argmin';

/**
 * Activations a matmul or convolution can apply in its epilogue, and the standalone `activation`
 * kernel computes: leaky_relu with Keras's default slope for the named activation
 * (LEAKY_RELU_SLOPE), gelu exact (x Phi(x)) and with tanh (Keras's `approximate=True`), silu.
 */
export type FusedActivation = 'linear' | 'relu' | 'leaky_relu' | 'gelu' | 'gelu_tanh' | 'silu';

/** Every fused activation; the native modules' codes are FUSED_ACTIVATION_CODE below. */
export const FUSED_ACTIVATION_CODE = {
  linear: 0,
  relu: 1,
  leaky_relu: 2,
  gelu: 3,
  gelu_tanh: 4,
  silu: 5,
} as const satisfies Record<FusedActivation, number>;

/** The slope of Keras's named 'leaky_relu' activation (keras.activations.leaky_relu's default). */
export const LEAKY_RELU_SLOPE = 0.2;

/**
 * Fused activations whose gradient needs the value before the activation (the others read their
 * sign from the output): a kernel computing one of them for training also writes that value out.
 */
export function needsPreActivation(a: FusedActivation): boolean {
  return a === 'gelu' || a === 'gelu_tanh' || a === 'silu';
}

/**
 * A batch of products `op(A) @ op(B) (+ bias) -> activation` with op(A) of shape [m, k] and
 * op(B) of shape [k, n]. A batch stride of 0 reuses the same matrix for every batch entry.
 */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
  /** Added to every row of the result, length n. */
  bias?: FloatArray | null;
  activation?: FusedActivation;
  /** When given, also receives the product plus bias before the activation (same layout as out). */
  preActivation?: FloatArray | null;
}

/** A convolution's filters and fused epilogue (convForward / convBackward). */
export interface ConvParams {
  /** Output channels: the kernel is viewed as [kh * kw * c, filters]. */
  filters: number;
  /** Added to every output position, length filters (convForward only). */
  bias?: FloatArray | null;
  /** convForward: any fused activation; convBackward: 'linear' or 'relu' only. */
  activation: FusedActivation;
  /** convForward: when given, also receives the value before the activation (same layout as out). */
  preActivation?: FloatArray | null;
}

/** Gradients convBackward writes; null for those not wanted. */
export interface ConvGradients {
  x: FloatArray | null;
  kernel: FloatArray | null;
  bias: FloatArray | null;
}

/** Gradients depthwiseConvBackward writes; null for those not wanted. */
export interface DepthwiseConvGradients {
  x: FloatArray | null;
  kernel: FloatArray | null;
}

/**
 * One dropout mask, drawn by a counter-based generator: entry i is kept when
 * dropoutBits(seed0, seed1, i) >= floor(rate * 2^32) (see js/dropout.ts), so any backend, and
 * the backward pass, regenerates the same mask from the two seeds without storing it.
 */
export interface DropoutParams {
  /** Two uint32 keys, drawn from the seeded generator once per dropout call. */
  seed0: number;
  seed1: number;
  /** Probability of dropping an entry, in [0, 1). */
  rate: number;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step count, for bias correction. */
  step: number;
}

export interface SgdParams {
  lr: number;
  momentum: number;
  nesterov: boolean;
}

export interface RmspropParams {
  lr: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
}

/**
 * A sliding-window configuration over channels-last images x [n, h, w, c]: output position
 * (oh, ow) and tap (ki, kj) read input row `oh * strideH - padTop + ki * dilationH` and column
 * `ow * strideW - padLeft + kj * dilationW`; coordinates outside the image are padding.
 * A sequence is an image with h = 1.
 */
export interface WindowGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/**
 * Cells the fused recurrent kernels run, Keras's equations: 'simpleRnn' (1 gate block), 'lstm'
 * (4: i, f, c, o), 'gru' (3: z, r, h; reset gate applied after the recurrent matmul, with a
 * recurrent bias) and 'gruResetBefore' (3; reset gate applied to h before its matmul).
 */
export type RecurrentCell = 'simpleRnn' | 'lstm' | 'gru' | 'gruResetBefore';
/** Activations the fused recurrent kernels apply (their derivatives are taken from their outputs). */
export type RecurrentActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';
export const RECURRENT_CELLS: readonly RecurrentCell[] = ['simpleRnn', 'lstm', 'gru', 'gruResetBefore'];
export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

export interface RecurrentParams {
  cell: RecurrentCell;
  batch: number;
  time: number;
  units: number;
  /** The cell's activation (candidate state and LSTM's output of c). */
  activation: RecurrentActivation;
  /** The gates' activation (LSTM, GRU; ignored by simpleRnn). */
  recurrentActivation: RecurrentActivation;
}

/** Gate blocks of a cell: the projected input and recurrent kernel are gates * units wide. */
export function recurrentGates(cell: RecurrentCell): number {
  return cell === 'simpleRnn' ? 1 : cell === 'lstm' ? 4 : 3;
}

/**
 * Planes of [batch, time, units] in a cell's forward cache: simpleRnn [hm, h]; lstm [hm, i, f, g,
 * o, c, a(c)]; gru [hm, hPrev, z, r, hh, h U_h + b'_h]; gruResetBefore [hm, hPrev, z, r, hh],
 * where hm is the previous output times the recurrent mask.
 */
export function recurrentCachePlanes(cell: RecurrentCell): number {
  return cell === 'simpleRnn' ? 2 : cell === 'lstm' ? 7 : cell === 'gru' ? 6 : 5;
}

/** The per-channel affine a relu followed (BatchNormalization then relu, fused): its gradient mask is recomputed from it. */
export interface ReluAfterAffine {
  scale: FloatArray;
  shift: FloatArray;
}

/**
 * A fused scaled dot-product attention over heads (Backend.attention). Layouts, all row-major:
 * q [batch, tq, heads, dk], k [batch, tk, heads, dk], v [batch, tk, heads, dv] (each head's rows
 * read with a row stride of heads * d, so projections need no transpose), keep [maskBatch, tq, tk]
 * of 0/1 (maskBatch 1 or batch; shared by every head) or null, probs [batch, heads, tq, tk], out
 * [batch, tq, heads, dv].
 */
export interface AttentionParams {
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dk: number;
  dv: number;
  /** Multiplies q . k (Keras: 1 / sqrt(keyDim)). */
  scale: number;
  /** Batch entries of keep: 1 (broadcast) or batch. */
  maskBatch: number;
}

/** The attention kernels' scalar layout: [batch, heads, tq, tk, dk, dv, scale, maskBatch]. */
export function writeAttentionMeta(meta: Float64Array, p: AttentionParams): void {
  meta[0] = p.batch;
  meta[1] = p.heads;
  meta[2] = p.tq;
  meta[3] = p.tk;
  meta[4] = p.dk;
  meta[5] = p.dv;
  meta[6] = p.scale;
  meta[7] = p.maskBatch;
}

/** Score Keras gives masked-out positions before the softmax (`where(mask, scores, -1e9)`). */
export const ATTENTION_MASKED_SCORE = -1e9;

export interface Backend {
  readonly name: string;

  /** out[i] = op(x[i]). */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void;
  /** out[i] = min(max(x[i], lo), hi). */
  clip(x: FloatArray, lo: number, hi: number, out: FloatArray): void;
  /** NumPy-broadcast elementwise op; out has outShape. */
  binary(
    op: BinaryOp,
    a: TypedArray,
    aShape: Shape,
    b: TypedArray,
    bShape: Shape,
    out: TypedArray,
    outShape: Shape,
  ): void;
  /** Converts between storage types (bool is 0/1 bytes). */
  cast(x: TypedArray, out: TypedArray): void;

  /** Reduces the middle axis of x viewed as [outer, n, inner] into out of [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /** Index of the max/min along the middle axis of [outer, n, inner]; first index wins ties. */
  argReduce(op: ArgReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void;

  matmul(a: FloatArray, b: FloatArray, out: FloatArray, p: MatmulParams): void;
  /**
   * matmul of bfloat16 operands (Uint16Array bit patterns) with float32 sums; `p.bias`, if any, is
   * a Float32Array; out is float32, or bfloat16 rounded once after the epilogue (nearest even).
   */
  matmulBf16(a: Uint16Array, b: Uint16Array, out: Float32Array | Uint16Array, p: MatmulParams): void;
  /** out = x permuted by perm (out.shape[i] = shape[perm[i]]). */
  transpose(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray): void;
  /** out[o, j, i] = x[o, indices[j], i] for x viewed as [outer, axisSize, inner]. */
  gather(x: TypedArray, outer: number, axisSize: number, inner: number, indices: Int32Array, out: TypedArray): void;
  /** out[o, indices[j], i] += updates[o, j, i]: the gradient of gather. */
  scatterAdd(
    updates: FloatArray,
    outer: number,
    axisSize: number,
    inner: number,
    indices: Int32Array,
    out: FloatArray,
  ): void;

  /**
   * im2col: out, viewed as [n * outH * outW, kh * kw * c], gets one row per output position
   * (image, then oh, then ow) holding its window's taps (ki, then kj, then channel); padding
   * taps are 0. Float dtypes only.
   */
  im2col(x: FloatArray, g: WindowGeometry, out: FloatArray): void;
  /** col2im, the gradient of im2col: every entry of cols is added (+=) to the input entry it was read from. */
  col2im(cols: FloatArray, g: WindowGeometry, out: FloatArray): void;
  /**
   * Convolution over channels-last x [n, h, w, c] with kernel [kh * kw * c, filters]:
   * out [n * outH * outW, filters] = activation(im2col(x) @ kernel + bias). Backends may build the
   * patches a slice at a time; the result is as if the whole patch matrix existed.
   */
  convForward(x: FloatArray, g: WindowGeometry, kernel: FloatArray, p: ConvParams, out: FloatArray): void;
  /**
   * Gradients of convForward from its output y and d(out) grad. With gz = grad, or for relu
   * grad * (y > 0): d.x = col2im(gz @ kernel^T), d.kernel = im2col(x)^T @ gz and d.bias = the column
   * sums of gz. Each non-null array of d is overwritten.
   */
  convBackward(
    x: FloatArray,
    g: WindowGeometry,
    kernel: FloatArray,
    p: ConvParams,
    y: FloatArray,
    grad: FloatArray,
    d: ConvGradients,
  ): void;
  /**
   * Depthwise convolution over channels-last x [n, h, w, c] with kernel [kh, kw, c, multiplier]:
   * out [n, outH, outW, c * multiplier] gets, at channel ci * multiplier + j, the correlation of
   * input channel ci with filter (ci, j); padding taps read 0.
   */
  depthwiseConvForward(x: FloatArray, g: WindowGeometry, kernel: FloatArray, multiplier: number, out: FloatArray): void;
  /**
   * Gradients of depthwiseConvForward from d(out) grad: d.x [n, h, w, c] and d.kernel
   * [kh, kw, c, multiplier]. Each non-null array of d is overwritten.
   */
  depthwiseConvBackward(
    x: FloatArray,
    g: WindowGeometry,
    kernel: FloatArray,
    multiplier: number,
    grad: FloatArray,
    d: DepthwiseConvGradients,
  ): void;
  /**
   * Max pooling: out [n, outH, outW, c] gets each window's max over its real (non-padding) taps,
   * and argmax the winning input position ih * w + iw. The first maximum in window order wins
   * ties (TensorFlow's MaxPoolGrad); NaN never replaces a maximum. Every window must hold a real tap.
   */
  maxPool(x: FloatArray, g: WindowGeometry, out: FloatArray, argmax: Int32Array): void;
  /**
   * Gradient of maxPool, overwriting out viewed as [n, h * w, c]: zero, then
   * out[i, argmax[i, oh, ow, ch], ch] += grad[i, oh, ow, ch] for every window.
   */
  maxPoolGrad(grad: FloatArray, argmax: Int32Array, g: WindowGeometry, out: FloatArray): void;

  /** Softmax (or log-softmax) of each row of x viewed as [rows, n]. */
  softmax(x: FloatArray, rows: number, n: number, log: boolean, out: FloatArray): void;
  /**
   * Fused softmax + categorical cross-entropy on logits: loss[r] = -sum(labels[r] * logSoftmax(x[r])),
   * and probs = softmax(x) for the backward pass.
   */
  softmaxCrossEntropy(
    logits: FloatArray,
    labels: FloatArray,
    rows: number,
    n: number,
    loss: FloatArray,
    probs: FloatArray,
  ): void;

  /**
   * Layer normalization of each row of x viewed as [rows, n]: mean[r] and rstd[r] = 1 / sqrt(var + epsilon)
   * (biased variance) are written, and out = (x - mean) * rstd * gamma + beta (gamma, beta [n], each
   * optional). Statistics are accumulated in double.
   */
  layerNorm(
    x: FloatArray,
    gamma: FloatArray | null,
    beta: FloatArray | null,
    rows: number,
    n: number,
    epsilon: number,
    out: FloatArray,
    mean: FloatArray,
    rstd: FloatArray,
  ): void;
  /**
   * Gradients of layerNorm given grad = dL/dout and its saved mean / rstd: dx = rstd * (g - mean(g)
   * - xhat * mean(g * xhat)) with g = grad * gamma, xhat = (x - mean) * rstd; dGamma = sum over rows
   * of grad * xhat and dBeta = sum over rows of grad (each optional). Every output is overwritten.
   */
  layerNormBackward(
    grad: FloatArray,
    x: FloatArray,
    gamma: FloatArray | null,
    mean: FloatArray,
    rstd: FloatArray,
    rows: number,
    n: number,
    dx: FloatArray,
    dGamma: FloatArray | null,
    dBeta: FloatArray | null,
  ): void;

  /**
   * Fused attention forward: probs[b, h] = softmax over the last axis of s, where s[t, j] =
   * scale * q[b, t, h] . k[b, j, h] where keep[b, t, j] != 0 (or no keep) and
   * ATTENTION_MASKED_SCORE elsewhere; out[b, t, h] = sum_j probs[b, h, t, j] * v[b, j, h]. The
   * scores are never stored apart from probs. Every output entry is overwritten.
   */
  attention(
    q: FloatArray,
    k: FloatArray,
    v: FloatArray,
    keep: FloatArray | null,
    p: AttentionParams,
    out: FloatArray,
    probs: FloatArray,
  ): void;
  /**
   * Gradients of attention from its saved probs and grad = dL/dout: with dP = grad . v^T and
   * dS = probs * (dP - rowsum(dP * probs)), zero where keep is 0 (masked scores get no gradient),
   * dq = scale * dS . k, dk = scale * dS^T . q, dv = probs^T . grad. Every output is overwritten.
   */
  attentionBackward(
    q: FloatArray,
    k: FloatArray,
    v: FloatArray,
    keep: FloatArray | null,
    probs: FloatArray,
    grad: FloatArray,
    p: AttentionParams,
    dq: FloatArray,
    dk: FloatArray,
    dv: FloatArray,
  ): void;

  // ---- fused training kernels (dropout, relu backward) ----
  /**
   * Inverted dropout: out[i] = x[i] * m[i] with m[i] = 1 / (1 - rate) (rounded to x's dtype)
   * where entry i is kept, else 0. x and out may be the same array.
   */
  dropout(x: FloatArray, p: DropoutParams, out: FloatArray): void;
  /** Relu's backward: out[i] = grad[i] * (y[i] > 0 ? 1 : 0), y being relu's input or output. */
  reluGrad(grad: FloatArray, y: FloatArray, out: FloatArray): void;
  /**
   * out = activation(x) elementwise, with the fused epilogues' arithmetic. For leaky_relu, alpha is
   * the slope below zero (ignored by the others). x and out may be the same array.
   */
  activation(act: FusedActivation, x: FloatArray, alpha: number, out: FloatArray): void;
  /**
   * out = grad * activation'(x). x is the value before the activation; for relu and leaky_relu
   * (alpha >= 0) the output works as well, having the same sign.
   */
  activationGrad(act: FusedActivation, grad: FloatArray, x: FloatArray, alpha: number, out: FloatArray): void;

  // ---- BatchNormalization over channels-last data viewed as [rows, channels] ----
  /**
   * Per-channel mean and biased variance over the rows, summed in float64 about the first row
   * (a shift near the mean, so the variance does not cancel); NaN for no rows.
   */
  batchNormStats(x: FloatArray, rows: number, channels: number, mean: FloatArray, variance: FloatArray): void;
  /**
   * out[r, c] = x[r, c] * scale[c] + shift[c], the product rounded to x's dtype before the add;
   * then max(out, 0) when `relu` (NaN stays NaN), a relu fused into the same pass.
   */
  channelAffine(
    x: FloatArray,
    rows: number,
    channels: number,
    scale: FloatArray,
    shift: FloatArray,
    relu: boolean,
    out: FloatArray,
  ): void;
  /**
   * sumDy[c] = sum of g[., c]; sumDyXc[c] = sum of g[., c] * (x[., c] - center[c]); float64 sums.
   * g is dy, or, when a relu followed `channelAffine(x, relu.scale, relu.shift)`, dy times that
   * relu's gradient (1 where the affine output was > 0, else 0), recomputed from x.
   */
  batchNormGradSums(
    dy: FloatArray,
    x: FloatArray,
    center: FloatArray,
    rows: number,
    channels: number,
    sumDy: FloatArray,
    sumDyXc: FloatArray,
    relu: ReluAfterAffine | null,
  ): void;
  /**
   * out[r, c] = a[c] * g[r, c] + b[c] * x[r, c] + d[c] (each product and sum rounded to the dtype,
   * in that order), g as in batchNormGradSums.
   */
  batchNormInputGrad(
    dy: FloatArray,
    x: FloatArray,
    rows: number,
    channels: number,
    a: FloatArray,
    b: FloatArray,
    d: FloatArray,
    out: FloatArray,
    relu: ReluAfterAffine | null,
  ): void;

  /** Optimizer updates, in place on param and the state arrays. */
  adamUpdate(param: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, p: AdamParams): void;
  sgdUpdate(param: FloatArray, grad: FloatArray, velocity: FloatArray | null, p: SgdParams): void;
  rmspropUpdate(
    param: FloatArray,
    grad: FloatArray,
    ms: FloatArray,
    mom: FloatArray | null,
    mg: FloatArray | null,
    p: RmspropParams,
  ): void;

  // ---- fused recurrent layers (one call runs a whole sequence) ----
  /**
   * Forward of a recurrent layer over all timesteps. projected [batch, time, gates * units] is the
   * input projection x @ kernel + input bias; recurrentKernel [units, gates * units]; recurrentBias
   * [gates * units] (cell 'gru' only, else null) is added to h @ recurrentKernel; recurrentMask
   * [batch, units] (or null) multiplies the previous output before the recurrent matmul. The initial
   * states are zeros. stepMask [batch, time] (or null): where 0, the step is skipped as Keras masks
   * it: states carry over and the output repeats the previous one (zeros before any kept step).
   * Writes every step's output to hseq [batch, time, units] and what the backward needs to cache
   * [recurrentCachePlanes(cell), batch, time, units].
   */
  rnnForward(
    projected: FloatArray,
    recurrentKernel: FloatArray,
    recurrentBias: FloatArray | null,
    recurrentMask: FloatArray | null,
    stepMask: FloatArray | null,
    p: RecurrentParams,
    hseq: FloatArray,
    cache: FloatArray,
  ): void;
  /**
   * Backward through time of rnnForward given d(loss)/d(outputs): dHseq [batch, time, units] for
   * every step's output, dhLast / dcLast [batch, units] for the final h / c (LSTM); any may be null.
   * Overwrites dProjected [batch, time, gates * units], dRecurrentKernel [units, gates * units] and
   * dRecurrentBias [gates * units] (cell 'gru' only, else null).
   */
  rnnBackward(
    recurrentKernel: FloatArray,
    recurrentMask: FloatArray | null,
    stepMask: FloatArray | null,
    cache: FloatArray,
    dHseq: FloatArray | null,
    dhLast: FloatArray | null,
    dcLast: FloatArray | null,
    p: RecurrentParams,
    dProjected: FloatArray,
    dRecurrentKernel: FloatArray,
    dRecurrentBias: FloatArray | null,
  ): void;
}

/** Every kernel name, for the coverage test and for backends that want to list what they lack. */
export const KERNEL_NAMES = [
  'unary',
  'clip',
  'binary',
  'cast',
  'reduce',
  'argReduce',
  'matmul',
  'matmulBf16',
  'transpose',
  'gather',
  'scatterAdd',
  'im2col',
  'col2im',
  'convForward',
  'convBackward',
  'depthwiseConvForward',
  'depthwiseConvBackward',
  'maxPool',
  'maxPoolGrad',
  'softmax',
  'softmaxCrossEntropy',
  'layerNorm',
  'layerNormBackward',
  'attention',
  'attentionBackward',
  'dropout',
  'reluGrad',
  'activation',
  'activationGrad',
  'batchNormStats',
  'channelAffine',
  'batchNormGradSums',
  'batchNormInputGrad',
  'adamUpdate',
  'sgdUpdate',
  'rmspropUpdate',
  'rnnForward',
  'rnnBackward',
] as const satisfies readonly (keyof Backend)[];

export type KernelName = (typeof KERNEL_NAMES)[number];

// Compile-time check that KERNEL_NAMES lists every kernel of the interface.
type UnlistedKernels = Exclude<keyof Backend, KernelName | 'name'>;
const kernelListIsComplete: UnlistedKernels extends never ? true : never = true;
void kernelListIsComplete;
