import { checkOptionNames, optionNames } from '../utils/option-names.js';
import { ownEntry } from '../utils/own.js';

/**
 * Learning-rate schedules (Keras 3's keras/src/optimizers/schedules/learning_rate_schedule.py):
 * a function of the optimizer's iteration count, passed as an optimizer's `learningRate`. The
 * optimizer evaluates it at `iterations` before each step (so the first step uses `call(0)`).
 */
export abstract class LearningRateSchedule {
  /** The learning rate at optimizer step `step` (0 for the first update). */
  abstract call(step: number): number;

  /** Keras's constructor arguments (snake_case), as saved files carry them. */
  abstract getConfig(): Record<string, unknown>;

  /** Keras's class name (the `class_name` of a saved schedule). */
  get className(): string {
    return this.constructor.name;
  }
}

function checkDecaySteps(who: string, key: string, steps: number): void {
  if (!(steps > 0)) throw new Error(`${who}: Argument \`${key}\` must be > 0. Received: ${key}=${steps}`);
}

function requireNumber(who: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new Error(`${who}: \`${key}\` must be a number, got ${String(v)}.`);
  return v;
}

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
  name?: string;
}
const EXPONENTIAL_DECAY_ARGS = optionNames<ExponentialDecayArgs>()([
  'initialLearningRate',
  'decaySteps',
  'decayRate',
  'staircase',
  'name',
]);

/** initial * decayRate ^ (step / decaySteps), the exponent floored when `staircase`. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(args: ExponentialDecayArgs) {
    super();
    checkOptionNames('ExponentialDecay', args, EXPONENTIAL_DECAY_ARGS);
    this.initialLearningRate = requireNumber('ExponentialDecay', 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = requireNumber('ExponentialDecay', 'decaySteps', args.decaySteps);
    this.decayRate = requireNumber('ExponentialDecay', 'decayRate', args.decayRate);
    this.staircase = args.staircase ?? false;
    this.name = args.name ?? 'ExponentialDecay';
    checkDecaySteps('ExponentialDecay', 'decaySteps', this.decaySteps);
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

export interface PiecewiseConstantDecayArgs {
  boundaries: readonly number[];
  values: readonly number[];
  name?: string;
}
const PIECEWISE_ARGS = optionNames<PiecewiseConstantDecayArgs>()(['boundaries', 'values', 'name']);

/** values[0] while step <= boundaries[0], values[i] for boundaries[i-1] < step <= boundaries[i], the last value after. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: number[];
  readonly values: number[];
  readonly name: string;

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    checkOptionNames('PiecewiseConstantDecay', args, PIECEWISE_ARGS);
    if (!Array.isArray(args.boundaries) || !Array.isArray(args.values))
      throw new Error('PiecewiseConstantDecay: `boundaries` and `values` must be arrays of numbers.');
    if (args.boundaries.length !== args.values.length - 1)
      throw new Error(
        `PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. ` +
          `Received: boundaries=[${args.boundaries.join(', ')}] of length ${args.boundaries.length}, ` +
          `and values=[${args.values.join(', ')}] of length ${args.values.length}.`,
      );
    this.boundaries = args.boundaries.map((b) => requireNumber('PiecewiseConstantDecay', 'boundaries', b));
    this.values = args.values.map((v) => requireNumber('PiecewiseConstantDecay', 'values', v));
    this.name = args.name ?? 'PiecewiseConstant';
  }

  call(step: number): number {
    const b = this.boundaries;
    for (let i = 0; i < b.length; i++) if (step <= b[i]!) return this.values[i]!;
    return this.values[this.values.length - 1]!;
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

export interface PolynomialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  endLearningRate?: number;
  power?: number;
  cycle?: boolean;
  name?: string;
}
const POLYNOMIAL_ARGS = optionNames<PolynomialDecayArgs>()([
  'initialLearningRate',
  'decaySteps',
  'endLearningRate',
  'power',
  'cycle',
  'name',
]);

/** (initial - end) * (1 - step/decaySteps)^power + end; step capped at decaySteps, or the period stretched when `cycle`. */
export class PolynomialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  readonly name: string;

  constructor(args: PolynomialDecayArgs) {
    super();
    checkOptionNames('PolynomialDecay', args, POLYNOMIAL_ARGS);
    this.initialLearningRate = requireNumber('PolynomialDecay', 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = requireNumber('PolynomialDecay', 'decaySteps', args.decaySteps);
    this.endLearningRate = args.endLearningRate ?? 0.0001;
    this.power = args.power ?? 1.0;
    this.cycle = args.cycle ?? false;
    this.name = args.name ?? 'PolynomialDecay';
    checkDecaySteps('PolynomialDecay', 'decaySteps', this.decaySteps);
  }

  call(step: number): number {
    let decaySteps = this.decaySteps;
    let s = step;
    if (this.cycle) decaySteps *= s === 0 ? 1 : Math.ceil(s / this.decaySteps);
    else s = Math.min(s, decaySteps);
    const p = s / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - p, this.power) + this.endLearningRate;
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      end_learning_rate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

export interface InverseTimeDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
  name?: string;
}
const INVERSE_TIME_ARGS = optionNames<InverseTimeDecayArgs>()([
  'initialLearningRate',
  'decaySteps',
  'decayRate',
  'staircase',
  'name',
]);

/** initial / (1 + decayRate * step / decaySteps), the ratio floored when `staircase`. */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(args: InverseTimeDecayArgs) {
    super();
    checkOptionNames('InverseTimeDecay', args, INVERSE_TIME_ARGS);
    this.initialLearningRate = requireNumber('InverseTimeDecay', 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = requireNumber('InverseTimeDecay', 'decaySteps', args.decaySteps);
    this.decayRate = requireNumber('InverseTimeDecay', 'decayRate', args.decayRate);
    this.staircase = args.staircase ?? false;
    this.name = args.name ?? 'InverseTimeDecay';
    checkDecaySteps('InverseTimeDecay', 'decaySteps', this.decaySteps);
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
  name?: string;
  warmupTarget?: number | null;
  warmupSteps?: number;
}
const COSINE_ARGS = optionNames<CosineDecayArgs>()([
  'initialLearningRate',
  'decaySteps',
  'alpha',
  'name',
  'warmupTarget',
  'warmupSteps',
]);

/**
 * Cosine decay from `initialLearningRate` (or, with `warmupTarget`, a linear warmup from
 * `initialLearningRate` to `warmupTarget` over `warmupSteps`, then cosine decay from the target)
 * down to `alpha` times that rate after `decaySteps`.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly name: string;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor(args: CosineDecayArgs) {
    super();
    checkOptionNames('CosineDecay', args, COSINE_ARGS);
    this.initialLearningRate = requireNumber('CosineDecay', 'initialLearningRate', args.initialLearningRate);
    this.decaySteps = requireNumber('CosineDecay', 'decaySteps', args.decaySteps);
    this.alpha = args.alpha ?? 0;
    this.name = args.name ?? 'CosineDecay';
    this.warmupTarget = args.warmupTarget ?? null;
    this.warmupSteps = args.warmupSteps ?? 0;
    checkDecaySteps('CosineDecay', 'decaySteps', this.decaySteps);
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps)
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmup_target: this.warmupTarget,
      warmup_steps: this.warmupSteps,
    };
  }
}

export interface CosineDecayRestartsArgs {
  initialLearningRate: number;
  firstDecaySteps: number;
  tMul?: number;
  mMul?: number;
  alpha?: number;
  name?: string;
}
const RESTARTS_ARGS = optionNames<CosineDecayRestartsArgs>()([
  'initialLearningRate',
  'firstDecaySteps',
  'tMul',
  'mMul',
  'alpha',
  'name',
]);

/** SGDR: cosine decay restarted after each period; period i lasts firstDecaySteps * tMul^i, peaks scale by mMul^i. */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  readonly name: string;

  constructor(args: CosineDecayRestartsArgs) {
    super();
    checkOptionNames('CosineDecayRestarts', args, RESTARTS_ARGS);
    this.initialLearningRate = requireNumber('CosineDecayRestarts', 'initialLearningRate', args.initialLearningRate);
    this.firstDecaySteps = requireNumber('CosineDecayRestarts', 'firstDecaySteps', args.firstDecaySteps);
    this.tMul = args.tMul ?? 2.0;
    this.mMul = args.mMul ?? 1.0;
    this.alpha = args.alpha ?? 0;
    this.name = args.name ?? 'SGDRDecay';
    checkDecaySteps('CosineDecayRestarts', 'firstDecaySteps', this.firstDecaySteps);
  }

  call(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      restart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const sumR = (1 - Math.pow(this.tMul, restart)) / (1 - this.tMul);
      fraction = (fraction - sumR) / Math.pow(this.tMul, restart);
    }
    const cosine = 0.5 * Math.pow(this.mMul, restart) * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      first_decay_steps: this.firstDecaySteps,
      t_mul: this.tMul,
      m_mul: this.mMul,
      alpha: this.alpha,
      name: this.name,
    };
  }
}

/** `{module, class_name, config, registered_name}` as Keras 3 saves a schedule. */
export function serializeSchedule(s: LearningRateSchedule): Record<string, unknown> {
  if (!ownEntry(SCHEDULES, s.className))
    throw new Error(
      `Cannot save learning-rate schedule ${s.className}: only Keras's built-in schedules (${Object.keys(SCHEDULES).join(', ')}) have a saved form.`,
    );
  return {
    module: 'keras.optimizers.schedules',
    class_name: s.className,
    config: s.getConfig(),
    registered_name: null,
  };
}

type ScheduleFactory = (c: Record<string, unknown>) => LearningRateSchedule;
const n = (c: Record<string, unknown>, k: string): number | undefined =>
  typeof c[k] === 'number' ? (c[k] as number) : undefined;
const str = (c: Record<string, unknown>, k: string): string | undefined =>
  typeof c[k] === 'string' ? (c[k] as string) : undefined;
const SCHEDULES: Record<string, ScheduleFactory> = {
  ExponentialDecay: (c) =>
    new ExponentialDecay({
      initialLearningRate: n(c, 'initial_learning_rate')!,
      decaySteps: n(c, 'decay_steps')!,
      decayRate: n(c, 'decay_rate')!,
      staircase: c['staircase'] === true,
      name: str(c, 'name'),
    }),
  PiecewiseConstantDecay: (c) =>
    new PiecewiseConstantDecay({
      boundaries: c['boundaries'] as number[],
      values: c['values'] as number[],
      name: str(c, 'name'),
    }),
  PolynomialDecay: (c) =>
    new PolynomialDecay({
      initialLearningRate: n(c, 'initial_learning_rate')!,
      decaySteps: n(c, 'decay_steps')!,
      endLearningRate: n(c, 'end_learning_rate'),
      power: n(c, 'power'),
      cycle: c['cycle'] === true,
      name: str(c, 'name'),
    }),
  InverseTimeDecay: (c) =>
    new InverseTimeDecay({
      initialLearningRate: n(c, 'initial_learning_rate')!,
      decaySteps: n(c, 'decay_steps')!,
      decayRate: n(c, 'decay_rate')!,
      staircase: c['staircase'] === true,
      name: str(c, 'name'),
    }),
  CosineDecay: (c) =>
    new CosineDecay({
      initialLearningRate: n(c, 'initial_learning_rate')!,
      decaySteps: n(c, 'decay_steps')!,
      alpha: n(c, 'alpha'),
      name: str(c, 'name'),
      warmupTarget: n(c, 'warmup_target') ?? null,
      warmupSteps: n(c, 'warmup_steps'),
    }),
  CosineDecayRestarts: (c) =>
    new CosineDecayRestarts({
      initialLearningRate: n(c, 'initial_learning_rate')!,
      firstDecaySteps: n(c, 'first_decay_steps')!,
      tMul: n(c, 't_mul'),
      mMul: n(c, 'm_mul'),
      alpha: n(c, 'alpha'),
      name: str(c, 'name'),
    }),
};

/** Builds a schedule from Keras 2 `{class_name, config}` or Keras 3 `{module, class_name, config}`. */
export function deserializeSchedule(entry: unknown): LearningRateSchedule {
  const e = entry as { class_name?: unknown; config?: unknown } | null;
  const make = e ? ownEntry(SCHEDULES, e.class_name) : undefined;
  if (!make || !e!.config || typeof e!.config !== 'object')
    throw new Error(
      `Unknown learning-rate schedule ${JSON.stringify(entry)}; deepscript can load ${Object.keys(SCHEDULES).join(', ')}.`,
    );
  return make(e!.config as Record<string, unknown>);
}
