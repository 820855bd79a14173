import type { AdamArgs } from './adam.js';
import { ADAM_ARG_NAMES, Adam } from './adam.js';

export type AdamWArgs = AdamArgs;

/**
 * AdamW (keras/src/optimizers/adamw.py): Adam with decoupled weight decay on by default
 * (`weightDecay` 0.004), applied as `w -= w * weightDecay * lr` before each Adam step.
 */
export class AdamW extends Adam {
  constructor(args: AdamWArgs = {}) {
    super({ ...args, weightDecay: args.weightDecay === undefined ? 0.004 : args.weightDecay }, 'AdamW', ADAM_ARG_NAMES);
    if (this.weightDecay === null)
      throw new Error('AdamW: Argument `weightDecay` must be a number. Received: weightDecay=null');
  }
}
