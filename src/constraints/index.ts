/**
 * Weight constraints (Keras's keras.constraints): projections applied to a variable after each
 * optimizer step. Norms are taken along `axis` (Keras's default 0: each column of a Dense kernel,
 * i.e. the weights into one unit), with Keras's epsilon 1e-7 in the denominator:
 * - MaxNorm(maxValue=2): w · clip(n, 0, maxValue) / (ε + n)
 * - MinMaxNorm(minValue=0, maxValue=1, rate=1): w · (rate·clip(n, min, max) + (1−rate)·n) / (ε + n)
 * - NonNeg: max(w, 0)
 * - UnitNorm: w / (ε + n)
 */
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { noGrad } from '../core/autograd.js';
import { add, div, mul, maximum } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { clip, sqrt, square } from '../ops/unary.js';
import { checkOptionNames, resolveName } from '../utils/option-names.js';

const EPSILON = 1e-7;

export interface Constraint {
  readonly className: string;
  /** The projected weight values (same shape). */
  call(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

export type ConstraintFn = (w: Tensor) => Tensor;

export type ConstraintIdentifier =
  string | Constraint | ConstraintFn | { class_name: string; config?: Record<string, unknown> };

type Axis = number | readonly number[];

function checkAxis(where: string, axis: unknown): Axis {
  if (Number.isInteger(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every((a) => Number.isInteger(a))))
    return axis as Axis;
  throw new Error(`${where}: axis must be an integer or a list of integers, got ${JSON.stringify(axis)}.`);
}

function checkNumber(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new Error(`${where}: ${name} must be a number, got ${JSON.stringify(v)}.`);
  return v;
}

function norms(w: Tensor, axis: Axis): Tensor {
  const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((a) => (a < 0 ? a + w.shape.length : a));
  for (const a of axes)
    if (a < 0 || a >= w.shape.length)
      throw new Error(
        `constraint axis ${JSON.stringify(axis)} is out of range for a weight of shape [${w.shape.join(', ')}].`,
      );
  return sqrt(sum(square(w), axes, true));
}

const serialAxis = (axis: Axis): number | number[] => (typeof axis === 'number' ? axis : [...axis]);

export interface MaxNormArgs {
  maxValue?: number;
  axis?: Axis;
}

export class MaxNorm implements Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: Axis;
  constructor(args: MaxNormArgs = {}) {
    checkOptionNames('MaxNorm', args, ['maxValue', 'axis']);
    this.maxValue = checkNumber('MaxNorm', 'maxValue', args.maxValue ?? 2);
    this.axis = checkAxis('MaxNorm', args.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    return mul(w, div(clip(n, 0, this.maxValue), add(n, EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { max_value: this.maxValue, axis: serialAxis(this.axis) };
  }
}

export interface MinMaxNormArgs {
  minValue?: number;
  maxValue?: number;
  rate?: number;
  axis?: Axis;
}

export class MinMaxNorm implements Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: Axis;
  constructor(args: MinMaxNormArgs = {}) {
    checkOptionNames('MinMaxNorm', args, ['minValue', 'maxValue', 'rate', 'axis']);
    this.minValue = checkNumber('MinMaxNorm', 'minValue', args.minValue ?? 0);
    this.maxValue = checkNumber('MinMaxNorm', 'maxValue', args.maxValue ?? 1);
    this.rate = checkNumber('MinMaxNorm', 'rate', args.rate ?? 1);
    this.axis = checkAxis('MinMaxNorm', args.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    const desired = add(mul(clip(n, this.minValue, this.maxValue), this.rate), mul(n, 1 - this.rate));
    return mul(w, div(desired, add(n, EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { min_value: this.minValue, max_value: this.maxValue, rate: this.rate, axis: serialAxis(this.axis) };
  }
}

export class NonNeg implements Constraint {
  readonly className = 'NonNeg';
  call(w: Tensor): Tensor {
    return maximum(w, 0);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface UnitNormArgs {
  axis?: Axis;
}

export class UnitNorm implements Constraint {
  readonly className = 'UnitNorm';
  readonly axis: Axis;
  constructor(args: UnitNormArgs = {}) {
    checkOptionNames('UnitNorm', args, ['axis']);
    this.axis = checkAxis('UnitNorm', args.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    return div(w, add(norms(w, this.axis), EPSILON));
  }
  getConfig(): Record<string, unknown> {
    return { axis: serialAxis(this.axis) };
  }
}

export const maxNorm = (args: MaxNormArgs = {}): MaxNorm => new MaxNorm(args);
export const minMaxNorm = (args: MinMaxNormArgs = {}): MinMaxNorm => new MinMaxNorm(args);
export const nonNeg = (): NonNeg => new NonNeg();
export const unitNorm = (args: UnitNormArgs = {}): UnitNorm => new UnitNorm(args);

class FunctionConstraint implements Constraint {
  readonly className: string;
  constructor(readonly fn: ConstraintFn) {
    this.className = fn.name || 'custom_constraint';
  }
  call(w: Tensor): Tensor {
    return this.fn(w);
  }
  getConfig(): Record<string, unknown> {
    throw new Error(
      `The custom constraint function '${this.className}' cannot be saved in a config; ` +
        `write it as a class implementing Constraint with getConfig().`,
    );
  }
}

/** Keras's names (class names, snake_case and Keras 2's aliases maxnorm, nonneg, unitnorm). */
const BY_NAME: Record<string, () => Constraint> = {
  max_norm: () => new MaxNorm(),
  min_max_norm: () => new MinMaxNorm(),
  non_neg: () => new NonNeg(),
  unit_norm: () => new UnitNorm(),
};

/** Keras's snake_case config keys -> ours. */
const CONFIG_KEYS: Record<string, Record<string, string>> = {
  MaxNorm: { max_value: 'maxValue', axis: 'axis' },
  MinMaxNorm: { min_value: 'minValue', max_value: 'maxValue', rate: 'rate', axis: 'axis' },
  NonNeg: {},
  UnitNorm: { axis: 'axis' },
};
const CLASSES: Record<string, new (args: never) => Constraint> = { MaxNorm, MinMaxNorm, NonNeg, UnitNorm };

const isConstraint = (v: unknown): v is Constraint =>
  typeof v === 'object' && v !== null && typeof (v as Constraint).call === 'function' && 'className' in v;

/** Resolves a constraint identifier (Keras's `constraints.get`); null/undefined give null. */
export function getConstraint(id: ConstraintIdentifier | null | undefined, where = 'constraint'): Constraint | null {
  if (id === null || id === undefined) return null;
  if (typeof id === 'function') return new FunctionConstraint(id);
  if (isConstraint(id)) return id;
  if (typeof id === 'string') return BY_NAME[resolveName(`constraint (${where})`, id, Object.keys(BY_NAME))]!();
  if (typeof id === 'object' && typeof (id as { class_name?: unknown }).class_name === 'string') {
    const entry = id as { class_name: string; config?: Record<string, unknown> | null };
    const cls = resolveName(`constraint class (${where})`, entry.class_name, Object.keys(CLASSES));
    const keys = CONFIG_KEYS[cls]!;
    const config = entry.config ?? {};
    checkOptionNames(`${where}: ${cls} config`, config, Object.keys(keys));
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (v !== null && v !== undefined) args[keys[k]!] = v;
    try {
      return new CLASSES[cls]!(args as never);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `${where}: expected a constraint name ('max_norm', 'non_neg', ...), a Constraint, a function or a Keras config, got ${JSON.stringify(id)}.`,
  );
}

export function serializeConstraint(
  c: Constraint | null,
): { class_name: string; config: Record<string, unknown> } | null {
  if (c === null) return null;
  return { class_name: c.className, config: { ...c.getConfig() } };
}

/** The constraint of each constrained variable (Keras keeps it on the variable). */
const VARIABLE_CONSTRAINTS = new WeakMap<Variable, Constraint>();

export function setVariableConstraint(v: Variable, c: Constraint | null): void {
  if (c) VARIABLE_CONSTRAINTS.set(v, c);
  else VARIABLE_CONSTRAINTS.delete(v);
}

export function variableConstraint(v: Variable): Constraint | null {
  return VARIABLE_CONSTRAINTS.get(v) ?? null;
}

/** Projects each constrained variable in place, as Keras's optimizer does after applying gradients. */
export function applyConstraints(variables: readonly Variable[]): void {
  for (const v of variables) {
    const c = VARIABLE_CONSTRAINTS.get(v);
    if (c) noGrad(() => v.assign(c.call(v)));
  }
}
