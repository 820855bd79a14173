/** Load options and the budgets a load keeps to (browser-safe; shared by every loader). */
import type { CustomObjects } from '../layers/serialization.js';
import { formatBytes, withAllocationGuard } from '../core/dtype.js';
import { nestingProblem } from '../utils/nesting.js';
import { DamagedFileError, messageOf } from './damaged-error.js';

export interface LoadOptions {
  /** Compile from the saved training config (and restore optimizer state). Default true. */
  compile?: boolean;
  /**
   * The most bytes of weights a load may read or make the model allocate (default 2 GiB): a file
   * whose weights, or whose config's weights, are larger is refused before anything that size is
   * allocated. Also bounds each entry read from a `.keras` archive.
   */
  maxBytes?: number;
  /** The most bytes of model config (JSON) a load reads (default 64 MiB). */
  maxConfigBytes?: number;
  /** Classes (or factories) for custom layers in the file, by Keras class name or registered name. */
  customObjects?: CustomObjects;
}

export interface LoadBudget {
  maxBytes: number;
  maxConfigBytes: number;
}

export const DEFAULT_MAX_BYTES = 2 ** 31;
export const DEFAULT_MAX_CONFIG_BYTES = 64 * 2 ** 20;

export function loadBudget(options: LoadOptions): LoadBudget {
  const check = (v: number | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`loadModel: ${name} must be a positive number of bytes, got ${v}.`);
    return v;
  };
  return {
    maxBytes: check(options.maxBytes, 'maxBytes', DEFAULT_MAX_BYTES),
    maxConfigBytes: check(options.maxConfigBytes, 'maxConfigBytes', DEFAULT_MAX_CONFIG_BYTES),
  };
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds the model from its config while no single allocation may exceed the file's largest weight
 * (with room for float64 and initializer scratch) and all of them together a few times the file's
 * weights: a config that asks for a 4 GB kernel while the file holds [4, 8] fails here, before the
 * 4 GB exist.
 */
export function buildWithinFile<T>(path: string, shapes: readonly (readonly number[])[], build: () => T): T {
  const largest = Math.max(0, ...shapes.map(sizeOfShape));
  const total = shapes.reduce((a, s) => a + sizeOfShape(s), 0);
  const perAllocation = Math.max(8 * largest, 1 << 20);
  const allowed = 4 * 8 * total + (16 << 20);
  let used = 0;
  return withAllocationGuard((bytes, dtype, size) => {
    used += bytes;
    if (bytes > perAllocation || used > allowed)
      throw new DamagedFileError(
        path,
        `its model config asks for ${size} ${dtype} values (${formatBytes(bytes)}) in one weight, but the file's weights hold ${total} values in all (the largest ${largest}): the config does not match the weights, so the model is not built.`,
      );
  }, build);
}

export function parseJson(text: string, path: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DamagedFileError(path, `${what} is not valid JSON: ${messageOf(e)}`);
  }
  const tooDeep = nestingProblem(value, what);
  if (tooDeep) throw new DamagedFileError(path, tooDeep);
  return value;
}
