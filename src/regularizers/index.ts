/**
 * Weight and activity regularizers (Keras's keras.regularizers): penalties added to the training
 * loss. `L1(l1)`: l1·Σ|x|; `L2(l2)`: l2·Σx²; `L1L2`: both; `OrthogonalRegularizer`: factor·½·mean
 * over pairs of |cos| between distinct L2-normalised rows (or columns). Resolved from Keras's
 * names ('l1', 'l2', 'l1_l2', camelCase too), from Keras 2 and 3 configs, or used as objects;
 * any function of a tensor giving a scalar works as a custom regularizer (not saveable).
 */
import type { Tensor } from '../core/tensor.js';
import { Tensor as TensorClass } from '../core/tensor.js';
import { mul, maximum, add } from '../ops/binary.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { transpose } from '../ops/transpose.js';
import { abs, rsqrt, square } from '../ops/unary.js';
import { checkOptionNames, resolveName } from '../utils/option-names.js';

/** Keras's `backend.epsilon()`. */
const EPSILON = 1e-7;

export interface Regularizer {
  readonly className: string;
  /** The penalty for `x`, a scalar tensor (differentiable). */
  call(x: Tensor): Tensor;
  /** Keras's config: the constructor arguments in Keras's names. */
  getConfig(): Record<string, unknown>;
}

/** A custom regularizer: any function from a tensor to a scalar tensor. */
export type RegularizerFn = (x: Tensor) => Tensor;

export type RegularizerIdentifier =
  string | Regularizer | RegularizerFn | { class_name: string; config?: Record<string, unknown> };

function factor(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new Error(`${where}: ${name} must be a non-negative finite number, got ${JSON.stringify(value)}.`);
  return value;
}

/** l1·Σ|x| (Keras's default l1 = 0.01). */
export class L1 implements Regularizer {
  readonly className = 'L1';
  readonly l1: number;
  constructor(l1: number | { l1?: number } = 0.01) {
    if (typeof l1 === 'object' && l1 !== null) checkOptionNames('L1', l1, ['l1']);
    this.l1 = factor('L1', 'l1', typeof l1 === 'object' && l1 !== null ? (l1.l1 ?? 0.01) : l1);
  }
  call(x: Tensor): Tensor {
    return mul(sum(abs(x)), this.l1);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** l2·Σx² (Keras's default l2 = 0.01). */
export class L2 implements Regularizer {
  readonly className = 'L2';
  readonly l2: number;
  constructor(l2: number | { l2?: number } = 0.01) {
    if (typeof l2 === 'object' && l2 !== null) checkOptionNames('L2', l2, ['l2']);
    this.l2 = factor('L2', 'l2', typeof l2 === 'object' && l2 !== null ? (l2.l2 ?? 0.01) : l2);
  }
  call(x: Tensor): Tensor {
    return mul(sum(square(x)), this.l2);
  }
  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

export interface L1L2Args {
  l1?: number;
  l2?: number;
}

/** l1·Σ|x| + l2·Σx² (Keras's class defaults are 0 and 0; the string 'l1_l2' means 0.01 and 0.01). */
export class L1L2 implements Regularizer {
  readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: L1L2Args = {}) {
    checkOptionNames('L1L2', args, ['l1', 'l2']);
    this.l1 = factor('L1L2', 'l1', args.l1 ?? 0);
    this.l2 = factor('L1L2', 'l2', args.l2 ?? 0);
  }
  call(x: Tensor): Tensor {
    let total: Tensor | null = null;
    if (this.l1 !== 0) total = mul(sum(abs(x)), this.l1);
    if (this.l2 !== 0) {
      const p = mul(sum(square(x)), this.l2);
      total = total ? add(total, p) : p;
    }
    return total ?? mul(sum(x), 0);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export interface OrthogonalRegularizerArgs {
  factor?: number;
  mode?: 'rows' | 'columns';
}

/**
 * factor · ½ · Σ_{i≠j} |<r_i, r_j>| / (n(n−1)/2) over the L2-normalised rows r (mode 'rows') or
 * columns (mode 'columns') of a rank-2 weight; 0 when they are orthogonal.
 */
export class OrthogonalRegularizer implements Regularizer {
  readonly className = 'OrthogonalRegularizer';
  readonly factor: number;
  readonly mode: 'rows' | 'columns';
  constructor(args: OrthogonalRegularizerArgs = {}) {
    checkOptionNames('OrthogonalRegularizer', args, ['factor', 'mode']);
    this.factor = factor('OrthogonalRegularizer', 'factor', args.factor ?? 0.01);
    const mode = args.mode ?? 'rows';
    if (mode !== 'rows' && mode !== 'columns')
      throw new Error(`OrthogonalRegularizer: mode must be 'rows' or 'columns', got ${JSON.stringify(mode)}.`);
    this.mode = mode;
  }
  call(x: Tensor): Tensor {
    if (x.shape.length !== 2)
      throw new Error(`OrthogonalRegularizer needs a rank-2 input, got shape [${x.shape.join(', ')}].`);
    const axis = this.mode === 'rows' ? 1 : 0;
    const unit = mul(x, rsqrt(maximum(sum(square(x), [axis], true), EPSILON * EPSILON)));
    const product = this.mode === 'rows' ? matmul(unit, transpose(unit)) : matmul(transpose(unit), unit);
    const n = x.shape[this.mode === 'rows' ? 0 : 1]!;
    const offDiagonal = TensorClass.empty([n, n], x.dtype);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) offDiagonal.data[i * n + j] = i === j ? 0 : 1;
    const pairs = (n * (n - 1)) / 2;
    return mul(sum(abs(mul(product, offDiagonal))), (this.factor * 0.5) / pairs);
  }
  getConfig(): Record<string, unknown> {
    return { factor: this.factor, mode: this.mode };
  }
}

/** Keras's `keras.regularizers.l1(0.01)`. */
export const l1 = (value = 0.01): L1 => new L1(value);
/** Keras's `keras.regularizers.l2(0.01)`. */
export const l2 = (value = 0.01): L2 => new L2(value);
/** Keras 2's `l1_l2(l1=0.01, l2=0.01)` (its defaults, unlike the class's). */
export const l1l2 = (args: L1L2Args = {}): L1L2 => {
  checkOptionNames('l1l2', args, ['l1', 'l2']);
  return new L1L2({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 });
};
export const orthogonalRegularizer = (args: OrthogonalRegularizerArgs = {}): OrthogonalRegularizer =>
  new OrthogonalRegularizer(args);

/** A function used as a regularizer: applied as it is; it has no Keras config. */
class FunctionRegularizer implements Regularizer {
  readonly className: string;
  constructor(readonly fn: RegularizerFn) {
    this.className = fn.name || 'custom_regularizer';
  }
  call(x: Tensor): Tensor {
    return this.fn(x);
  }
  getConfig(): Record<string, unknown> {
    throw new Error(
      `The custom regularizer function '${this.className}' cannot be saved in a config; ` +
        `write it as a class implementing Regularizer with getConfig().`,
    );
  }
}

/** Names a string may give, and what each builds (Keras 3's class and snake_case names; Keras 2's `l1_l2`). */
const BY_NAME: Record<string, () => Regularizer> = {
  l1: () => new L1(),
  l2: () => new L2(),
  l1_l2: () => l1l2(),
  orthogonal_regularizer: () => new OrthogonalRegularizer(),
};

/** Keras class names in configs, and how their config builds one. */
const BY_CLASS: Record<string, (config: Record<string, unknown>) => Regularizer> = {
  L1: (c) => {
    checkOptionNames('L1 config', c, ['l1']);
    return new L1((c['l1'] as number | null | undefined) ?? 0.01);
  },
  L2: (c) => {
    checkOptionNames('L2 config', c, ['l2']);
    return new L2((c['l2'] as number | null | undefined) ?? 0.01);
  },
  L1L2: (c) => {
    checkOptionNames('L1L2 config', c, ['l1', 'l2']);
    return new L1L2({ l1: (c['l1'] as number | null) ?? 0, l2: (c['l2'] as number | null) ?? 0 });
  },
  OrthogonalRegularizer: (c) => {
    checkOptionNames('OrthogonalRegularizer config', c, ['factor', 'mode']);
    return new OrthogonalRegularizer(c as OrthogonalRegularizerArgs);
  },
};

const isRegularizer = (v: unknown): v is Regularizer =>
  typeof v === 'object' && v !== null && typeof (v as Regularizer).call === 'function' && 'className' in v;

/**
 * Resolves a regularizer identifier (Keras's `regularizers.get`): null/undefined give null; a
 * name ('l2', 'L1L2', 'l1_l2', 'orthogonalRegularizer'), a Keras `{class_name, config}`, a
 * Regularizer or a function of a tensor. `where` names the option in errors.
 */
export function getRegularizer(
  id: RegularizerIdentifier | null | undefined,
  where = 'regularizer',
): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return new FunctionRegularizer(id);
  if (isRegularizer(id)) return id;
  if (typeof id === 'string') {
    // A class name given as a string builds the documented default ('L1L2' as 'l1_l2').
    const key = resolveName(`regularizer (${where})`, id, Object.keys(BY_NAME));
    return BY_NAME[key]!();
  }
  if (typeof id === 'object' && typeof (id as { class_name?: unknown }).class_name === 'string') {
    const entry = id as { class_name: string; config?: Record<string, unknown> | null };
    const cls = resolveName(`regularizer class (${where})`, entry.class_name, Object.keys(BY_CLASS));
    try {
      return BY_CLASS[cls]!(entry.config ?? {});
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `${where}: expected a regularizer name ('l1', 'l2', 'l1_l2'), a Regularizer, a function or a Keras config, got ${JSON.stringify(id)}.`,
  );
}

/** Keras's JSON form, `{class_name, config}` (Keras 3 adds module and registered_name when saving). */
export function serializeRegularizer(
  r: Regularizer | null,
): { class_name: string; config: Record<string, unknown> } | null {
  if (r === null) return null;
  return { class_name: r.className, config: { ...r.getConfig() } };
}
