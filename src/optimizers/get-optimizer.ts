import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { Ftrl } from './ftrl.js';
import { Lion } from './lion.js';
import { Nadam } from './nadam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';
import { resolveName } from '../utils/option-names.js';

/** Keras's optimizer identifiers, lower-cased, with their classes (Keras's defaults). */
export const OPTIMIZER_CLASSES: Readonly<Record<string, new () => Optimizer>> = {
  adam: Adam,
  adamw: AdamW,
  sgd: SGD,
  rmsprop: RMSprop,
  adagrad: Adagrad,
  adadelta: Adadelta,
  adamax: Adamax,
  nadam: Nadam,
  lion: Lion,
  ftrl: Ftrl,
};

/** Resolves Keras's optimizer identifiers ('adam', 'sgd', 'adamw', ...) to fresh instances. */
export function getOptimizer(id: string | Optimizer): Optimizer {
  if (typeof id !== 'string') return id;
  // 'adam', 'Adam', 'RMSprop', 'rmsprop'...; an unknown name is refused naming the nearest.
  const cls = OPTIMIZER_CLASSES[resolveName('optimizer', id, Object.keys(OPTIMIZER_CLASSES))]!;
  return new cls();
}
