import type { FloatArray } from '../core/dtype.js';
import { allocate } from '../core/dtype.js';
import { shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { applyConstraints } from '../constraints/index.js';
import { LearningRateSchedule, serializeSchedule } from './schedules.js';

/** Options every Keras 3 optimizer takes (keras/src/optimizers/base_optimizer.py). */
export interface BaseOptimizerArgs {
  /** A positive number, or a schedule evaluated at `iterations` before each step. */
  learningRate?: number | LearningRateSchedule;
  /** Decoupled weight decay: each step first does `w -= w * weightDecay * lr`. */
  weightDecay?: number | null;
  /** Each gradient is rescaled so its L2 norm is at most this. */
  clipnorm?: number | null;
  /** Each gradient element is clipped to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** All gradients together are rescaled so their global L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** Keep an exponential moving average of the weights (copied into them at the end of fit). */
  useEma?: boolean;
  emaMomentum?: number;
  /** Every this many steps the weights are overwritten by their moving average. */
  emaOverwriteFrequency?: number | null;
  name?: string;
}

export const BASE_OPTIMIZER_ARG_NAMES = [
  'learningRate',
  'weightDecay',
  'clipnorm',
  'clipvalue',
  'globalClipnorm',
  'useEma',
  'emaMomentum',
  'emaOverwriteFrequency',
  'name',
] as const satisfies readonly (keyof BaseOptimizerArgs)[];

/** Keras options deepscript refuses by name (see checkOptionNames). */
export const UNSUPPORTED_OPTIMIZER_ARGS: Readonly<Record<string, string>> = {
  lossScaleFactor: 'mixed-precision loss scaling is not implemented',
  loss_scale_factor: 'mixed-precision loss scaling is not implemented',
  gradientAccumulationSteps: 'gradient accumulation is not implemented',
  gradient_accumulation_steps: 'gradient accumulation is not implemented',
  decay: 'Keras 3 ignores it too; use a learning-rate schedule',
  lr: 'learningRate',
};

/**
 * One per-variable slot: `name` is Keras 3's (`momentum`, `velocity`, ...), `keras2` the tf.keras
 * (optimizer_v2) slot name written in `.h5` files; `init` its starting value (0 unless given).
 */
export interface SlotSpec {
  name: string;
  keras2: string;
  init?: number;
}

/** A scalar optimizer variable beside `iterations` (Nadam's running momentum product). */
export interface ScalarState {
  keras3: string;
  keras2: string;
  get(): number;
  set(value: number): void;
}

function emitWarning(message: string): void {
  const p = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }).process;
  if (p?.emitWarning) p.emitWarning(message, { code: 'DEEPSCRIPT_OPTIMIZER' });
  else console.warn(message);
}

function checkNonNegative(who: string, key: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !(v >= 0))
    throw new Error(`${who}: \`${key}\` must be a non-negative number, got ${String(v)}.`);
  return v;
}

/**
 * Base optimizer, following Keras 3: per-variable slots held in arrays of the variable's dtype;
 * each step filters missing gradients (warning about them, refusing when none is left), clips,
 * applies decoupled weight decay, runs the optimizer's update in place, updates the weights'
 * moving average, then counts the step.
 */
export abstract class Optimizer {
  /** Steps applied so far (Keras's `iterations`). */
  iterations = 0;
  readonly weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly useEma: boolean;
  readonly emaMomentum: number;
  readonly emaOverwriteFrequency: number | null;
  readonly name: string;
  private lr: number | LearningRateSchedule;
  private readonly slots = new Map<Variable, FloatArray[]>();
  private readonly averages = new Map<Variable, FloatArray>();
  private excludedVars = new Set<Variable>();
  private excludedPattern: RegExp | null = null;
  private warnedMissing = '';

  constructor(defaultLearningRate: number, args: BaseOptimizerArgs = {}) {
    const who = this.constructor.name;
    const lr = args.learningRate ?? defaultLearningRate;
    if (!(lr instanceof LearningRateSchedule)) {
      if (typeof lr !== 'number' || !(lr > 0))
        throw new Error(
          `${who}: learning rate must be positive, got ${typeof lr === 'function' ? 'a function (pass a LearningRateSchedule)' : String(lr)}.`,
        );
    }
    this.lr = lr;
    this.weightDecay = checkNonNegative(who, 'weightDecay', args.weightDecay);
    this.clipnorm = checkNonNegative(who, 'clipnorm', args.clipnorm);
    this.clipvalue = checkNonNegative(who, 'clipvalue', args.clipvalue);
    this.globalClipnorm = checkNonNegative(who, 'globalClipnorm', args.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (clips > 1)
      throw new Error(
        `${who}: only one of \`clipnorm\`, \`clipvalue\` and \`globalClipnorm\` can be set. Received: ` +
          `clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    this.useEma = args.useEma ?? false;
    this.emaMomentum = args.emaMomentum ?? 0.99;
    this.emaOverwriteFrequency = args.emaOverwriteFrequency ?? null;
    if (this.useEma) {
      if (!(this.emaMomentum >= 0 && this.emaMomentum <= 1))
        throw new Error(
          `${who}: \`emaMomentum\` must be in the range [0, 1]. Received: emaMomentum=${this.emaMomentum}`,
        );
      const f = this.emaOverwriteFrequency;
      if (f !== null && !(Number.isInteger(f) && f >= 1))
        throw new Error(
          `${who}: \`emaOverwriteFrequency\` must be an integer >= 1 or null. Received: emaOverwriteFrequency=${f}`,
        );
    }
    this.name = args.name ?? who;
  }

  /**
   * The rate of the next step: the number given, or the schedule at `iterations` (Keras's
   * `optimizer.learning_rate`). Assigning a number replaces a number; assigning to an optimizer
   * built on a schedule is refused as in Keras (TypeError); assigning a schedule replaces either.
   */
  get learningRate(): number {
    return typeof this.lr === 'number' ? this.lr : this.lr.call(this.iterations);
  }

  set learningRate(value: number | LearningRateSchedule) {
    if (value instanceof LearningRateSchedule) {
      this.lr = value;
      return;
    }
    if (this.lr instanceof LearningRateSchedule)
      throw new TypeError(
        `${this.constructor.name}: this optimizer was created with a LearningRateSchedule object as its ` +
          '`learningRate` argument, hence its learning rate is not settable. If you need the learning rate to be ' +
          'settable, create the optimizer with a number `learningRate`.',
      );
    if (typeof value !== 'number' || Number.isNaN(value))
      throw new Error(`${this.constructor.name}: learning rate must be a number, got ${String(value)}.`);
    this.lr = value;
  }

  /** The schedule given as `learningRate`, or null for a fixed rate. */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.lr instanceof LearningRateSchedule ? this.lr : null;
  }

  /**
   * Slots in Keras 3's creation order: each group is created interleaved per variable
   * (`add_optimizer_variables(vars, [a, b])` makes a, b for the first variable, then the next).
   */
  protected abstract slotGroups(): SlotSpec[][];

  /**
   * Updates one variable in place. `step` is the 1-based step being taken (Keras's
   * `iterations + 1`), `lr` the current learning rate.
   */
  protected abstract update(param: FloatArray, grad: FloatArray, slots: FloatArray[], step: number, lr: number): void;

  /** Once per step before the per-variable updates (Nadam advances its momentum product here). */
  protected beginStep(_step: number): void {}

  /** Scalar state beside `iterations`, saved with the slots. */
  scalarState(): ScalarState[] {
    return [];
  }

  /** The optimizer's own Keras config keys (beta_1, rho, ...), merged over the base keys. */
  protected abstract ownConfig(): Record<string, unknown>;

  /** Keras 3's `get_config()`: the base options and the optimizer's own. */
  getConfig(): Record<string, unknown> {
    const lr = this.lr instanceof LearningRateSchedule ? serializeSchedule(this.lr) : this.lr;
    return {
      name: this.name,
      learning_rate: lr,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: this.useEma,
      ema_momentum: this.emaMomentum,
      ema_overwrite_frequency: this.emaOverwriteFrequency,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      ...this.ownConfig(),
    };
  }

  /**
   * Keeps weight decay off some variables (Keras's `exclude_from_weight_decay`): the variables
   * listed, and any whose name contains one of `varNames`.
   */
  excludeFromWeightDecay(args: { varList?: readonly Variable[]; varNames?: readonly string[] } = {}): void {
    this.excludedVars = new Set(args.varList ?? []);
    const names = args.varNames ?? [];
    this.excludedPattern = names.length
      ? new RegExp([...new Set(names)].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'))
      : null;
  }

  private usesWeightDecay(v: Variable): boolean {
    if (this.excludedVars.has(v)) return false;
    return !(this.excludedPattern && this.excludedPattern.test(v.name));
  }

  /**
   * One optimisation step. Variables whose gradient is null are left alone, with a warning
   * naming them (as Keras warns); when no variable has a gradient the step is refused.
   */
  applyGradients(variables: readonly Variable[], grads: readonly (Tensor | null)[]): void {
    const who = this.constructor.name;
    if (variables.length !== grads.length)
      throw new Error(`${who}: ${grads.length} gradients for ${variables.length} variables.`);
    // Keras: an empty gradient list is a no-op (the step is not counted).
    if (variables.length === 0) return;
    const vars: Variable[] = [];
    const gs: FloatArray[] = [];
    const missing: string[] = [];
    variables.forEach((v, i) => {
      const g = grads[i];
      if (!g) {
        missing.push(v.name);
        return;
      }
      if (!shapesEqual(g.shape, v.shape)) {
        throw new Error(
          `${who}: gradient ${shapeToString(g.shape)} does not match variable ${v.name} ${shapeToString(v.shape)}.`,
        );
      }
      vars.push(v);
      gs.push(g.data as FloatArray);
    });
    if (vars.length === 0)
      throw new Error(
        `${who}: no gradients provided for any variable (${missing.join(', ')}). The loss does not depend on ` +
          'them; check that the loss is computed from the model (or the variables) with gradients recorded.',
      );
    if (missing.length) {
      const key = missing.join(',');
      if (key !== this.warnedMissing) {
        this.warnedMissing = key;
        emitWarning(`${who}: gradients do not exist for variables [${missing.join(', ')}] when minimizing the loss.`);
      }
    }
    const clipped = this.clipGradients(gs);
    const lr = this.learningRate;
    if (this.weightDecay !== null) {
      const wd = this.weightDecay;
      vars.forEach((v) => {
        if (!this.usesWeightDecay(v)) return;
        const p = v.data as FloatArray;
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - p[i]! * wd * lr;
      });
    }
    const step = this.iterations + 1;
    this.beginStep(step);
    vars.forEach((v, i) => this.update(v.data as FloatArray, clipped[i]!, this.slotsFor(v), step, lr));
    if (this.useEma) {
      const m = this.iterations === 0 ? 0 : this.emaMomentum;
      for (const v of variables) {
        const avg = this.averageOf(v);
        const p = v.data as FloatArray;
        for (let i = 0; i < p.length; i++) avg[i] = m * avg[i]! + (1 - m) * p[i]!;
      }
      const f = this.emaOverwriteFrequency;
      if (f !== null && (this.iterations + 1) % f === 0) this.finalizeVariableValues(variables);
    }
    this.iterations++;
    // As Keras: variable constraints (kernelConstraint...) are applied after the update.
    applyConstraints(variables);
  }

  /** Keras's `_clip_gradients`: copies only when something is clipped. */
  private clipGradients(gs: FloatArray[]): FloatArray[] {
    if (this.clipnorm !== null && this.clipnorm > 0) {
      const c = this.clipnorm;
      return gs.map((g) => {
        let sq = 0;
        for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
        const norm = Math.sqrt(sq);
        const out = g.slice();
        for (let i = 0; i < g.length; i++) out[i] = (g[i]! * c) / Math.max(norm, c);
        return out;
      });
    }
    if (this.globalClipnorm !== null && this.globalClipnorm > 0) {
      const c = this.globalClipnorm;
      let sq = 0;
      for (const g of gs) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
      const norm = Math.sqrt(sq);
      // As Keras: a no-op below the threshold; NaN when the norm is not finite.
      const scale = c * Math.min(1 / norm, 1 / c) + (norm - norm);
      return gs.map((g) => {
        const out = g.slice();
        for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
        return out;
      });
    }
    if (this.clipvalue !== null && this.clipvalue > 0) {
      const c = this.clipvalue;
      return gs.map((g) => {
        const out = g.slice();
        for (let i = 0; i < out.length; i++) {
          const x = out[i]!;
          if (x > c) out[i] = c;
          else if (x < -c) out[i] = -c;
        }
        return out;
      });
    }
    return gs;
  }

  private slotSpecs(): SlotSpec[] {
    return this.slotGroups().flat();
  }

  private slotsFor(v: Variable): FloatArray[] {
    let s = this.slots.get(v);
    if (!s) {
      s = this.slotSpecs().map((spec) => {
        const a = allocate(v.dtype, v.size) as FloatArray;
        if (spec.init) a.fill(spec.init);
        return a;
      });
      this.slots.set(v, s);
    }
    return s;
  }

  private averageOf(v: Variable): FloatArray {
    let a = this.averages.get(v);
    if (!a) {
      a = (v.data as FloatArray).slice();
      this.averages.set(v, a);
    }
    return a;
  }

  /** With `useEma`, copies each weight's moving average into it (Keras's `finalize_variable_values`; fit calls it at the end). */
  finalizeVariableValues(variables: readonly Variable[]): void {
    if (!this.useEma) return;
    for (const v of variables) {
      const a = this.averages.get(v);
      if (a) v.data.set(a);
    }
  }

  /** Slot arrays for a variable (created on demand), for saving and restoring optimizer state. */
  getSlots(v: Variable): { name: string; keras2: string; data: FloatArray }[] {
    const s = this.slotsFor(v);
    return this.slotSpecs().map((spec, i) => ({ name: spec.name, keras2: spec.keras2, data: s[i]! }));
  }

  /** Keras 3 slot groups, as `{name, keras2}` lists (see slotGroups). */
  getSlotGroups(): { name: string; keras2: string }[][] {
    return this.slotGroups().map((g) => g.map(({ name, keras2 }) => ({ name, keras2 })));
  }

  /** The moving average of a weight (created from its value on demand), when `useEma`. */
  getAverage(v: Variable): FloatArray {
    return this.averageOf(v);
  }
}
