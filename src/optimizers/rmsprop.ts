import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface RmspropArgs extends BaseOptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}
const RMSPROP_ARG_NAMES = optionNames<RmspropArgs>()([
  ...BASE_OPTIMIZER_ARG_NAMES,
  'rho',
  'momentum',
  'epsilon',
  'centered',
]);

/** RMSprop with Keras's defaults (lr 0.001, rho 0.9, momentum 0, epsilon 1e-7). Fused backend kernel. */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RmspropArgs = {}) {
    checkOptionNames('RMSprop', args, RMSPROP_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }

  // Keras 3 creates each kind for all variables in turn.
  protected slotGroups(): SlotSpec[][] {
    return [
      [{ name: 'velocity', keras2: 'rms' }],
      ...(this.momentum > 0 ? [[{ name: 'momentum', keras2: 'momentum' }]] : []),
      ...(this.centered ? [[{ name: 'average_gradient', keras2: 'mg' }]] : []),
    ];
  }

  protected update(param: FloatArray, grad: FloatArray, slots: FloatArray[], _step: number, lr: number): void {
    const [ms, ...rest] = slots;
    const mom = this.momentum > 0 ? rest.shift()! : null;
    const mg = this.centered ? rest.shift()! : null;
    backend().rmspropUpdate(param, grad, ms!, mom, mg, {
      lr,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    });
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
