import { OPTIMIZER_CLASSES } from '../optimizers/get-optimizer.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { deserializeSchedule } from '../optimizers/schedules.js';
import { ownEntry } from '../utils/own.js';

/** Keras's class names, by our lower-cased identifier. */
const KERAS_NAMES: Record<string, string> = {
  adam: 'Adam',
  adamw: 'AdamW',
  sgd: 'SGD',
  rmsprop: 'RMSprop',
  adagrad: 'Adagrad',
  adadelta: 'Adadelta',
  adamax: 'Adamax',
  nadam: 'Nadam',
  lion: 'Lion',
  ftrl: 'Ftrl',
};

/** Keras's class name for an optimizer (also the Keras 2 prefix of its saved variables). */
export function optimizerClassName(opt: Optimizer): string {
  for (const [id, cls] of Object.entries(OPTIMIZER_CLASSES))
    if (opt.constructor === cls) return ownEntry(KERAS_NAMES, id)!;
  throw new Error(
    `Cannot save optimizer ${opt.constructor.name}: only Keras's built-in optimizers (${Object.values(KERAS_NAMES).join(', ')}) have a Keras form.`,
  );
}

export function serializeOptimizer(opt: Optimizer): { class_name: string; config: Record<string, unknown> } {
  return { class_name: optimizerClassName(opt), config: opt.getConfig() };
}

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Config keys Keras writes that carry nothing when they hold these values. */
function isInert(key: string, value: unknown): boolean {
  switch (key) {
    case 'loss_scale_factor':
    case 'gradient_accumulation_steps':
      return value === null;
    case 'decay':
      return value === null || value === 0;
    case 'is_legacy_optimizer':
    case 'jit_compile':
      // tf.keras bookkeeping: which optimizer implementation, and XLA compilation.
      return true;
    default:
      return false;
  }
}

/**
 * Builds an optimizer from Keras 2 or Keras 3 `{class_name, config}`: every config key is handed
 * to the constructor under its camelCase name, so an option deepscript lacks is refused by name.
 */
export function deserializeOptimizer(entry: unknown): Optimizer {
  const e = entry as { class_name?: unknown; config?: Record<string, unknown> } | null;
  if (!e || typeof e.class_name !== 'string') throw new Error(`Invalid optimizer config: ${JSON.stringify(entry)}.`);
  // Keras 3 may write a registered name such as 'keras.optimizers.Adam'.
  const id = e.class_name.replace(/^.*[.>]/, '').toLowerCase();
  const cls = ownEntry(OPTIMIZER_CLASSES, id) as (new (args: Record<string, unknown>) => Optimizer) | undefined;
  if (!cls)
    throw new Error(
      `Unknown optimizer class '${e.class_name}'. deepscript can load ${Object.values(KERAS_NAMES).join(', ')}.`,
    );
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e.config ?? {})) {
    if (isInert(key, value)) continue;
    if (key === 'decay')
      throw new Error(
        `Optimizer ${e.class_name}: Keras 2's 'decay' (got ${JSON.stringify(value)}) is not supported; use a learning-rate schedule.`,
      );
    // Keras 2 legacy configs spell it `lr`.
    const k = key === 'lr' ? 'learningRate' : camel(key);
    args[k] = k === 'learningRate' && value !== null && typeof value === 'object' ? deserializeSchedule(value) : value;
  }
  try {
    return new cls(args);
  } catch (err) {
    throw new Error(`Optimizer ${e.class_name} in the saved config: ${(err as Error).message}`);
  }
}
