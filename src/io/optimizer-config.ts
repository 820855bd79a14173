import { Adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { RMSprop } from '../optimizers/rmsprop.js';
import { SGD } from '../optimizers/sgd.js';

/** Keras's class name for an optimizer (also the Keras 2 prefix of its saved variables). */
export function optimizerClassName(opt: Optimizer): string {
  if (opt instanceof Adam) return 'Adam';
  if (opt instanceof RMSprop) return 'RMSprop';
  if (opt instanceof SGD) return 'SGD';
  throw new Error(`Cannot save optimizer ${opt.constructor.name}: only Adam, RMSprop and SGD have a Keras form.`);
}

export function serializeOptimizer(opt: Optimizer): { class_name: string; config: Record<string, unknown> } {
  return { class_name: optimizerClassName(opt), config: opt.getConfig() };
}

/** Builds an optimizer from Keras 2 or Keras 3 `{class_name, config}`. */
export function deserializeOptimizer(entry: unknown): Optimizer {
  const e = entry as { class_name?: unknown; config?: Record<string, unknown> } | null;
  if (!e || typeof e.class_name !== 'string') throw new Error(`Invalid optimizer config: ${JSON.stringify(entry)}.`);
  const c = e.config ?? {};
  // Keras 2 legacy configs spell it `lr`; a schedule object has no deepscript equivalent.
  const lr = c['learning_rate'] ?? c['lr'];
  if (lr !== undefined && typeof lr !== 'number')
    throw new Error(
      `Optimizer ${e.class_name}: learning-rate schedules are not supported (got ${JSON.stringify(lr)}).`,
    );
  for (const k of ['weight_decay', 'clipnorm', 'clipvalue', 'global_clipnorm', 'loss_scale_factor']) {
    if (c[k] !== undefined && c[k] !== null && c[k] !== 0)
      throw new Error(`Optimizer ${e.class_name}: '${k}' is not supported (got ${JSON.stringify(c[k])}).`);
  }
  if (
    c['use_ema'] === true ||
    (typeof c['decay'] === 'number' && c['decay'] !== 0) ||
    (c['gradient_accumulation_steps'] ?? null) !== null
  ) {
    throw new Error(`Optimizer ${e.class_name}: use_ema, decay and gradient accumulation are not supported.`);
  }
  const learningRate = lr as number | undefined;
  const num = (k: string): number | undefined => (typeof c[k] === 'number' ? (c[k] as number) : undefined);
  switch (e.class_name.toLowerCase()) {
    case 'adam':
      if (c['amsgrad'] === true) throw new Error('Optimizer Adam: amsgrad is not supported.');
      return new Adam({ learningRate, beta1: num('beta_1'), beta2: num('beta_2'), epsilon: num('epsilon') });
    case 'rmsprop':
      return new RMSprop({
        learningRate,
        rho: num('rho'),
        momentum: num('momentum'),
        epsilon: num('epsilon'),
        centered: c['centered'] === true,
      });
    case 'sgd':
      return new SGD({ learningRate, momentum: num('momentum'), nesterov: c['nesterov'] === true });
    default:
      throw new Error(`Unknown optimizer class '${e.class_name}'. deepscript can load Adam, RMSprop and SGD.`);
  }
}
