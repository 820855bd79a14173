import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';
import { resolveName } from '../utils/option-names.js';

/** Resolves Keras's optimizer identifiers ('adam', 'sgd', 'rmsprop') to fresh instances. */
export function getOptimizer(id: string | Optimizer): Optimizer {
  if (typeof id !== 'string') return id;
  // 'adam', 'Adam', 'RMSprop', 'rmsprop'...; an unknown name is refused naming the nearest.
  switch (resolveName('optimizer', id, ['adam', 'sgd', 'rmsprop'])) {
    case 'adam':
      return new Adam();
    case 'sgd':
      return new SGD();
    case 'rmsprop':
      return new RMSprop();
    default:
      throw new Error(`Unknown optimizer '${id}'. Expected 'adam', 'sgd', 'rmsprop' or an Optimizer instance.`);
  }
}
