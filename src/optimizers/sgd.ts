import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface SgdArgs extends BaseOptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}
const SGD_ARG_NAMES = optionNames<SgdArgs>()([...BASE_OPTIMIZER_ARG_NAMES, 'momentum', 'nesterov']);

/** Stochastic gradient descent with optional (Nesterov) momentum; Keras's default lr 0.01. Fused backend kernel. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SgdArgs = {}) {
    checkOptionNames('SGD', args, SGD_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.01, args);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (this.momentum < 0 || this.momentum > 1)
      throw new Error(`SGD: momentum must be in [0, 1], got ${this.momentum}.`);
  }

  protected slotGroups(): SlotSpec[][] {
    return this.momentum > 0 ? [[{ name: 'momentum', keras2: 'momentum' }]] : [];
  }

  protected update(param: FloatArray, grad: FloatArray, slots: FloatArray[], _step: number, lr: number): void {
    backend().sgdUpdate(param, grad, slots[0] ?? null, { lr, momentum: this.momentum, nesterov: this.nesterov });
  }

  protected ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
