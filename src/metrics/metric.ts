import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { toSnakeCase, uniqueName } from '../utils/naming.js';
import type { MetricInput } from './host.js';

/** Options every metric takes (Keras's `name` and `dtype`). */
export interface MetricArgs {
  name?: string;
  dtype?: string;
}

export const METRIC_ARG_NAMES = ['name', 'dtype'] as const;

/** A metric's result: one number, or an array of them (per threshold, per class). */
export type MetricValue = number | number[];

/**
 * Keras's Metric: state accumulated over batches by `updateState`, read by `result`, cleared by
 * `resetState`. `fit` and `evaluate` reset every metric at the start of an epoch (and of an
 * evaluation) and report `result()` after each batch, so the logged value is the metric over all
 * samples seen so far, as in Keras.
 *
 * Subclass it for a custom metric: implement `updateState`, `resultValue` (a number, or an array)
 * and `resetState`, and `getConfig` if the constructor takes options.
 */
export abstract class Metric {
  name: string;
  readonly dtype: string;

  constructor(args: MetricArgs = {}) {
    this.name = args.name ?? uniqueName(toSnakeCase(new.target.name));
    const dtype = args.dtype ?? 'float32';
    // State is kept in float64 on the host; float32 and float64 both name that honestly.
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new Error(`${new.target.name}: dtype '${dtype}' is not supported (metrics compute in float32/float64).`);
    this.dtype = dtype;
  }

  /** The Keras class name (for configs and saved files). */
  get className(): string {
    return this.constructor.name;
  }

  abstract updateState(yTrue: MetricInput, yPred: MetricInput, sampleWeight?: MetricInput | null): void;

  /** The current value as plain numbers. */
  abstract resultValue(): MetricValue;

  abstract resetState(): void;

  /** The current value as a tensor (a scalar, or a vector per threshold or class), as Keras's result(). */
  result(): Tensor {
    const v = this.resultValue();
    return typeof v === 'number' ? tensor(v) : tensor(v);
  }

  /** Keras's config keys (snake_case), as saved in model files. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype };
  }

  toString(): string {
    return `<${this.className} name=${this.name}>`;
  }
}

export function isMetric(x: unknown): x is Metric {
  return x instanceof Metric;
}

/** `value` must be a number satisfying `ok`; otherwise an error naming the metric and option. */
export function checkNumber(where: string, option: string, value: unknown, ok: (v: number) => boolean, want: string) {
  if (typeof value !== 'number' || !ok(value))
    throw new Error(`${where}: \`${option}\` must be ${want}, got ${String(value)}.`);
}

export function divideNoNan(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}
