/**
 * Keras's activation layers besides ReLU (relu.ts): LeakyReLU, PReLU, ELU and Softmax, with
 * Keras's arguments, defaults and config keys. All are composed from differentiable ops.
 */
import { normalizeAxis } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add, greater, minimum, mul, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { reshape } from '../ops/reshape.js';
import { softmax } from '../ops/softmax.js';
import { transpose } from '../ops/transpose.js';
import { exp, relu } from '../ops/unary.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, ShapeValue, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape } from './layer.js';

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (Keras 3's `negative_slope`, Keras 2's `alpha`); default 0.3. */
  negativeSlope?: number;
}

const LEAKY_RELU_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<LeakyReLUArgs, keyof LayerArgs>>()(['negativeSlope']),
];

/** `x` for x >= 0, `negativeSlope * x` below (Keras's LeakyReLU; default slope 0.3). */
export class LeakyReLU extends Layer {
  readonly negativeSlope: number;

  constructor(args: LeakyReLUArgs = {}) {
    checkOptionNames('LeakyReLU', args, LEAKY_RELU_ARG_NAMES, {
      alpha: "Keras 2's name for negativeSlope; use negativeSlope",
    });
    const { negativeSlope, ...rest } = args;
    super(rest);
    this.negativeSlope = negativeSlope ?? 0.3;
    if (!(typeof this.negativeSlope === 'number' && this.negativeSlope >= 0))
      throw new Error(`LeakyReLU: negativeSlope must be a number >= 0, got ${String(negativeSlope)}.`);
    this.supportsMasking = true;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return this.negativeSlope === 0 ? relu(x) : sub(relu(x), mul(relu(mul(x, -1)), this.negativeSlope));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  /** Keras 3's key; Keras 2 files spell it `alpha` (see keras2Config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), negative_slope: this.negativeSlope };
  }

  /** tf.keras's LeakyReLU takes `alpha` and refuses `negative_slope`. */
  keras2Config(): Record<string, unknown> {
    const { negative_slope: _n, ...rest } = this.getConfig();
    return { ...rest, alpha: this.negativeSlope };
  }
}

export interface PReLUArgs extends LayerArgs {
  /** Initializer of the slopes (Keras's default: zeros). */
  alphaInitializer?: InitializerIdentifier;
  /** Axes (1-based, the batch axis is 0) along which one slope is shared, e.g. [1, 2] for images. */
  sharedAxes?: number | readonly number[] | null;
}

const PRELU_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<PReLUArgs, keyof LayerArgs>>()(['alphaInitializer', 'sharedAxes']),
];

/**
 * Parametric ReLU (Keras's PReLU): `relu(x) - alpha * relu(-x)` with a learned `alpha` of the
 * input's shape without the batch axis, size 1 along `sharedAxes`.
 */
export class PReLU extends Layer {
  readonly alphaInitializer: Initializer;
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;

  constructor(args: PReLUArgs = {}) {
    checkOptionNames('PReLU', args, PRELU_ARG_NAMES, {
      alpha_regularizer: 'regularizers are not supported on PReLU yet',
      alpha_constraint: 'constraints are not supported on PReLU yet',
    });
    const { alphaInitializer, sharedAxes, ...rest } = args;
    super(rest);
    this.supportsMasking = true;
    this.alphaInitializer = getInitializer(alphaInitializer ?? 'zeros');
    const axes = sharedAxes === null || sharedAxes === undefined ? null : [sharedAxes].flat();
    if (axes && !axes.every((a) => Number.isInteger(a) && a >= 1))
      throw new Error(`PReLU: sharedAxes must be axes >= 1 (0 is the batch axis), got ${JSON.stringify(sharedAxes)}.`);
    this.sharedAxes = axes;
  }

  override build(inputShape: SymbolicShape): void {
    const shape = inputShape.slice(1).map((d) => d);
    for (const a of this.sharedAxes ?? []) {
      if (a > shape.length)
        throw new Error(
          `Layer '${this.name}' (PReLU): shared axis ${a} is out of range for input shape ${formatShape(inputShape)}.`,
        );
      shape[a - 1] = 1;
    }
    if (shape.some((d) => d === null))
      throw new Error(
        `Layer '${this.name}' (PReLU) needs every non-shared input dimension known, got ${formatShape(inputShape)} ` +
          `with sharedAxes ${JSON.stringify(this.sharedAxes)}.`,
      );
    this.alpha = this.addWeight('alpha', shape as number[], this.alphaInitializer);
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return sub(relu(x), mul(this.alpha!, relu(mul(x, -1))));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alpha_initializer: serializeInitializer(this.alphaInitializer),
      alpha_regularizer: null,
      alpha_constraint: null,
      shared_axes: this.sharedAxes ? [...this.sharedAxes] : null,
    };
  }
}

export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part (default 1). */
  alpha?: number;
}

const ELU_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<ELUArgs, keyof LayerArgs>>()(['alpha'])];

/** `x` for x > 0, `alpha * (exp(x) - 1)` otherwise (Keras's ELU). */
export class ELU extends Layer {
  readonly alpha: number;

  constructor(args: ELUArgs = {}) {
    checkOptionNames('ELU', args, ELU_ARG_NAMES);
    const { alpha, ...rest } = args;
    super(rest);
    this.alpha = alpha ?? 1;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha))
      throw new Error(`ELU: alpha must be a number, got ${String(alpha)}.`);
    this.supportsMasking = true;
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    // relu(x) + alpha * (exp(min(x, 0)) - 1): the gradient is 1 above 0 and alpha * exp(x) below.
    return add(relu(x), mul(sub(exp(minimum(x, 0)), 1), this.alpha));
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  /** Keras 2 writes alpha; Keras 3's ELU leaves it out of its config but takes it back. */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** The axis (or axes) normalised over; default -1. */
  axis?: number | readonly number[];
}

const SOFTMAX_ARG_NAMES = [...LAYER_ARG_NAMES, ...optionNames<Omit<SoftmaxArgs, keyof LayerArgs>>()(['axis'])];

/**
 * Keras's Softmax layer. With a mask (its input's, or `apply(x, { mask })`), masked entries are
 * set to -1e9 before the softmax and to 0 after it, as Keras 3; the mask must broadcast to the
 * input from the right (a non-bool mask counts where it is > 0.5).
 */
export class Softmax extends Layer {
  readonly axis: number | readonly number[];

  constructor(args: SoftmaxArgs = {}) {
    checkOptionNames('Softmax', args, SOFTMAX_ARG_NAMES);
    const { axis, ...rest } = args;
    super(rest);
    const a = axis ?? -1;
    const list = typeof a === 'number' ? [a] : Array.isArray(a) ? a : null;
    if (!list || list.length === 0 || !list.every((v) => Number.isInteger(v)))
      throw new Error(`Softmax: axis must be an integer or a list of integers, got ${JSON.stringify(axis)}.`);
    this.axis = typeof a === 'number' ? a : [...list];
    this.supportsMasking = true;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    const mask = options.mask ?? null;
    let m: Tensor | null = null;
    let input = x;
    if (mask) {
      const ok = mask.rank <= x.rank && mask.shape.every((d, i) => d === 1 || d === x.shape[x.rank - mask.rank + i]);
      if (!ok)
        throw new Error(
          `Layer '${this.name}' (Softmax): the mask must broadcast to the input from the right (each mask dimension 1 or ` +
            `equal to the input's), got input ${formatShape(x.shape)} and mask ${formatShape(mask.shape)}.`,
        );
      m = astype(mask.dtype === 'bool' ? mask : greater(mask, 0.5), x.dtype);
      input = add(mul(x, m), mul(sub(1, m), -1e9));
    }
    const out = this.softmax(input);
    return m ? mul(out, m) : out;
  }

  private softmax(x: Tensor): Tensor {
    if (typeof this.axis === 'number') return softmax(x, this.axis);
    const axes = [...new Set(this.axis.map((a) => normalizeAxis(a, x.rank)))];
    if (axes.length === 1) return softmax(x, axes[0]);
    // Several axes: move them last, flatten them into one, softmax, and undo.
    const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...rest, ...axes];
    const moved = transpose(x, perm);
    const flat = reshape(moved, [...rest.map((i) => x.shape[i]!), -1]);
    const y = reshape(softmax(flat, -1), moved.shape);
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return transpose(y, inverse);
  }

  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: typeof this.axis === 'number' ? this.axis : [...this.axis] };
  }
}
