import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add, maximum, mul, sub } from '../ops/binary.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { rsqrt, square } from '../ops/unary.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';
import type { LayerFactory } from './serialization.js';
import { registerLayer } from './serialization.js';
import { layerNormLastAxis } from '../ops/layer-norm.js';

/** Options shared by LayerNormalization and GroupNormalization (Keras's names, camelCase). */
interface AffineArgs extends LayerArgs {
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
}

export interface LayerNormalizationArgs extends AffineArgs {
  /** The axis or axes normalized together, each with its own gamma/beta entries (default -1). */
  axis?: number | readonly number[];
  /**
   * Keras 3's (deprecated) `rms_scaling`: `x * rsqrt(var(x) + epsilon) * gamma`, with no
   * centering and no beta, exactly as Keras computes it (it scales by the variance, not the RMS).
   */
  rmsScaling?: boolean;
}

export interface GroupNormalizationArgs extends AffineArgs {
  /** Number of channel groups (default 32); -1 means one group per channel (instance norm). */
  groups?: number;
  /** The channel axis (default -1). */
  axis?: number;
}

export interface UnitNormalizationArgs extends LayerArgs {
  /** The axis or axes whose L2 norm becomes 1 (default -1). */
  axis?: number | readonly number[];
}

const AFFINE_NAMES = optionNames<Omit<AffineArgs, keyof LayerArgs>>()([
  'epsilon',
  'center',
  'scale',
  'betaInitializer',
  'gammaInitializer',
]);
const LAYER_NORM_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...AFFINE_NAMES,
  ...optionNames<Omit<LayerNormalizationArgs, keyof AffineArgs>>()(['axis', 'rmsScaling']),
];
const GROUP_NORM_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...AFFINE_NAMES,
  ...optionNames<Omit<GroupNormalizationArgs, keyof AffineArgs>>()(['groups', 'axis']),
];
const UNIT_NORM_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<UnitNormalizationArgs, keyof LayerArgs>>()(['axis']),
];
const UNSUPPORTED = {
  beta_regularizer: 'regularizers are not supported on this layer yet',
  gamma_regularizer: 'regularizers are not supported on this layer yet',
  beta_constraint: 'constraints are not supported on this layer yet',
  gamma_constraint: 'constraints are not supported on this layer yet',
  betaRegularizer: 'regularizers are not supported on this layer yet',
  gammaRegularizer: 'regularizers are not supported on this layer yet',
  betaConstraint: 'constraints are not supported on this layer yet',
  gammaConstraint: 'constraints are not supported on this layer yet',
};

function axisList(axis: number | readonly number[], where: string): number[] {
  const list = typeof axis === 'number' ? [axis] : Array.isArray(axis) ? [...(axis as number[])] : null;
  if (!list || list.length === 0 || !list.every((a) => Number.isInteger(a)))
    throw new Error(`${where}: axis must be an integer or a non-empty list of integers, got ${JSON.stringify(axis)}.`);
  return list;
}

/** Axes as sorted non-negative indices for a given rank; the batch axis 0 and duplicates are refused. */
function resolveAxes(axes: readonly number[], shape: SymbolicShape | readonly number[], where: string): number[] {
  const rank = shape.length;
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  if (out.some((a) => a < 1 || a >= rank))
    throw new Error(`${where}: axis ${JSON.stringify(axes)} is out of range for input shape ${formatShape(shape)}.`);
  if (new Set(out).size !== out.length) throw new Error(`${where}: duplicate axes in ${JSON.stringify(axes)}.`);
  return out.sort((a, b) => a - b);
}

function checkEpsilon(epsilon: number, where: string): number {
  if (typeof epsilon !== 'number' || !(epsilon >= 0))
    throw new Error(`${where}: epsilon must be a non-negative number, got ${epsilon}.`);
  return epsilon;
}

function checkBool(v: unknown, key: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${where}: ${key} must be true or false, got ${JSON.stringify(v)}.`);
  return v;
}

/**
 * Keras's `ops.layer_normalization` on real tensors: moments over `axes` (sorted, non-negative),
 * `y = x * inv + (beta - mean * inv)` with `inv = rsqrt(var + epsilon) * gamma`; with rmsScaling,
 * `y = x * rsqrt(var + epsilon) * gamma`. gamma/beta are shaped as the normalized axes. Over the
 * last axis alone it runs the fused kernel (ops/layer-norm.ts); other axes, the composite.
 */
export function layerNormalization(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  axes: readonly number[],
  epsilon: number,
  rmsScaling = false,
): Tensor {
  // The common case, one kernel forward and backward; gamma/beta are [n] there.
  if (!rmsScaling && axes.length === 1 && axes[0] === x.rank - 1 && x.size > 0 && x.dtype !== 'bfloat16')
    return layerNormLastAxis(x, gamma, beta, epsilon);
  const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const b = (v: Tensor | null): Tensor | null => (v ? reshape(v, bshape) : null);
  const m = mean(x, axes, true);
  const variance = mean(square(sub(x, m)), axes, true);
  let inv = rsqrt(add(variance, epsilon));
  const g = b(gamma);
  if (rmsScaling) {
    const y = mul(x, inv);
    return g ? mul(y, g) : y;
  }
  if (g) inv = mul(inv, g);
  let res = mul(m, inv);
  const bb = b(beta);
  res = bb ? sub(bb, res) : mul(res, -1);
  return add(mul(x, inv), res);
}

/**
 * Keras's LayerNormalization: each sample normalized over `axis` (one or several axes) to zero
 * mean and unit variance, then scaled by gamma and shifted by beta (both shaped as those axes).
 * Weights in Keras's order: gamma (if scale or rmsScaling), beta (if center and not rmsScaling).
 */
export class LayerNormalization extends Layer {
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rmsScaling: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axesList: number[];
  private resolved: number[] | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    checkOptionNames('LayerNormalization', args, LAYER_NORM_ARG_NAMES, UNSUPPORTED);
    super(args);
    this.supportsMasking = true;
    const where = `LayerNormalization '${this.name}'`;
    const axis = args.axis ?? -1;
    this.axesList = axisList(axis, where);
    this.axis = typeof axis === 'number' ? axis : [...this.axesList];
    this.epsilon = checkEpsilon(args.epsilon ?? 1e-3, where);
    this.center = checkBool(args.center ?? true, 'center', where);
    this.scale = checkBool(args.scale ?? true, 'scale', where);
    this.rmsScaling = checkBool(args.rmsScaling ?? false, 'rmsScaling', where);
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
  }

  override build(inputShape: ShapeValue): void {
    const shape = inputShape as SymbolicShape;
    const axes = resolveAxes(this.axesList, shape, `Layer '${this.name}' (LayerNormalization)`);
    const dims = axes.map((a) => shape[a]);
    if (dims.some((d) => d === null || d === undefined))
      throw new Error(
        `Layer '${this.name}' (LayerNormalization) needs known sizes on axis ${JSON.stringify(this.axis)}, got input shape ${formatShape(shape)}.`,
      );
    this.resolved = axes;
    const wshape = dims as number[];
    if (this.scale || this.rmsScaling) this.gamma = this.addWeight('gamma', wshape, this.gammaInitializer);
    if (this.center && !this.rmsScaling) this.beta = this.addWeight('beta', wshape, this.betaInitializer);
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const axes = this.resolved ?? resolveAxes(this.axesList, x.shape, `Layer '${this.name}' (LayerNormalization)`);
    return layerNormalization(x, this.gamma, this.beta, axes, this.epsilon, this.rmsScaling);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: Array.isArray(this.axis) ? [...this.axis] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rms_scaling: this.rmsScaling,
      beta_initializer: serializeInitializer(this.betaInitializer),
      gamma_initializer: serializeInitializer(this.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}

/**
 * Keras's GroupNormalization: the channels on `axis` split into `groups` contiguous groups; each
 * sample's group is normalized over its channels and every other non-batch axis, then gamma and
 * beta (one entry per channel) apply. groups = -1 gives instance normalization.
 */
export class GroupNormalization extends Layer {
  groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: GroupNormalizationArgs = {}) {
    checkOptionNames('GroupNormalization', args, GROUP_NORM_ARG_NAMES, UNSUPPORTED);
    super(args);
    this.supportsMasking = true;
    const where = `GroupNormalization '${this.name}'`;
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || (groups <= 0 && groups !== -1))
      throw new Error(`${where}: groups must be a positive integer or -1 (instance normalization), got ${groups}.`);
    this.groups = groups;
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`${where}: axis must be an integer, got ${String(this.axis)}.`);
    this.epsilon = checkEpsilon(args.epsilon ?? 1e-3, where);
    this.center = checkBool(args.center ?? true, 'center', where);
    this.scale = checkBool(args.scale ?? true, 'scale', where);
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
  }

  override build(inputShape: ShapeValue): void {
    const shape = inputShape as SymbolicShape;
    const where = `Layer '${this.name}' (GroupNormalization)`;
    const [a] = resolveAxes([this.axis], shape, where);
    const dim = shape[a!];
    if (dim === null || dim === undefined)
      throw new Error(`${where} needs a known size on axis ${this.axis}, got input shape ${formatShape(shape)}.`);
    if (this.groups === -1) this.groups = dim;
    if (dim < this.groups)
      throw new Error(
        `${where}: ${this.groups} groups cannot be more than the ${dim} channels of ${formatShape(shape)}.`,
      );
    if (dim % this.groups !== 0)
      throw new Error(`${where}: ${dim} channels do not split into ${this.groups} equal groups.`);
    if (this.scale) this.gamma = this.addWeight('gamma', [dim], this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [dim], this.betaInitializer);
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const [a] = resolveAxes([this.axis], x.shape, `Layer '${this.name}' (GroupNormalization)`);
    const dim = x.shape[a!]!;
    const per = dim / this.groups;
    // [..., groups, per, ...]: the group axis at a, the channels within it at a + 1.
    const grouped = [...x.shape.slice(0, a), this.groups, per, ...x.shape.slice(a! + 1)];
    const g = reshape(x, grouped);
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const m = mean(g, axes, true);
    const variance = mean(square(sub(g, m)), axes, true);
    let inv = rsqrt(add(variance, this.epsilon));
    const bshape = grouped.map((d, i) => (i === a || i === a! + 1 ? d : 1));
    if (this.gamma) inv = mul(inv, reshape(this.gamma, bshape));
    let res = mul(m, inv);
    res = this.beta ? sub(reshape(this.beta, bshape), res) : mul(res, -1);
    return reshape(add(mul(g, inv), res), x.shape);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      groups: this.groups,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: serializeInitializer(this.betaInitializer),
      gamma_initializer: serializeInitializer(this.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}

/**
 * Keras's UnitNormalization: `x * rsqrt(max(sum(x^2 over axis), 1e-24))`, i.e. each vector along
 * `axis` scaled to unit L2 norm (epsilon 1e-12 on the norm, as Keras). No weights.
 */
export class UnitNormalization extends Layer {
  readonly axis: number | number[];
  private axesList: number[];

  constructor(args: UnitNormalizationArgs = {}) {
    checkOptionNames('UnitNormalization', args, UNIT_NORM_ARG_NAMES);
    super(args);
    this.supportsMasking = true;
    const axis = args.axis ?? -1;
    this.axesList = axisList(axis, `UnitNormalization '${this.name}'`);
    this.axis = typeof axis === 'number' ? axis : [...this.axesList];
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const axes = resolveAxes(this.axesList, x.shape, `Layer '${this.name}' (UnitNormalization)`);
    const squares = sum(square(x), axes, true);
    return mul(x, rsqrt(maximum(squares, 1e-24)));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    resolveAxes(this.axesList, inputShape as SymbolicShape, `Layer '${this.name}' (UnitNormalization)`);
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: Array.isArray(this.axis) ? [...this.axis] : this.axis };
  }
}

function requireNull(c: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of keys)
    if (c[k] !== undefined && c[k] !== null) throw new Error(`'${k}' is not supported (got ${JSON.stringify(c[k])}).`);
}

/** Keras config keys -> our options, refusing keys we do not know rather than dropping them. */
function fromKeras(
  c: Record<string, unknown>,
  keys: Readonly<Record<string, string>>,
  ignored: readonly string[],
  where: string,
): Record<string, unknown> {
  const base = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim'];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (base.includes(k) || ignored.includes(k)) continue;
    const ours = keys[k];
    if (!ours) throw new Error(`${where}: config key '${k}' is not supported.`);
    if (v !== undefined && v !== null) out[ours] = v;
  }
  return out;
}

const AFFINE_KERAS = {
  epsilon: 'epsilon',
  center: 'center',
  scale: 'scale',
  beta_initializer: 'betaInitializer',
  gamma_initializer: 'gammaInitializer',
};
const AFFINE_NULL = ['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'];

const layerNormFactory: LayerFactory = (c, common) => {
  requireNull(c, AFFINE_NULL);
  const opts = fromKeras(
    c,
    { ...AFFINE_KERAS, axis: 'axis', rms_scaling: 'rmsScaling' },
    AFFINE_NULL,
    'LayerNormalization',
  );
  return new LayerNormalization({ ...opts, ...common });
};
registerLayer('LayerNormalization', layerNormFactory);

registerLayer('GroupNormalization', (c, common) => {
  requireNull(c, AFFINE_NULL);
  const opts = fromKeras(c, { ...AFFINE_KERAS, axis: 'axis', groups: 'groups' }, AFFINE_NULL, 'GroupNormalization');
  return new GroupNormalization({ ...opts, ...common });
});

registerLayer('UnitNormalization', (c, common) => {
  const opts = fromKeras(c, { axis: 'axis' }, [], 'UnitNormalization');
  return new UnitNormalization({ ...opts, ...common });
});
