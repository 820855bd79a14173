import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface AdadeltaArgs extends BaseOptimizerArgs {
  rho?: number;
  epsilon?: number;
}
const ADADELTA_ARG_NAMES = optionNames<AdadeltaArgs>()([...BASE_OPTIMIZER_ARG_NAMES, 'rho', 'epsilon']);

/**
 * Adadelta (keras/src/optimizers/adadelta.py): accG = rho accG + (1-rho) g^2;
 * delta = -sqrt(accD + eps) g / sqrt(accG + eps); accD = rho accD + (1-rho) delta^2; w += lr delta.
 */
export class Adadelta extends Optimizer {
  readonly rho: number;
  readonly epsilon: number;

  constructor(args: AdadeltaArgs = {}) {
    checkOptionNames('Adadelta', args, ADADELTA_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.rho = args.rho ?? 0.95;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotGroups(): SlotSpec[][] {
    return [
      [
        { name: 'accumulated_grad', keras2: 'accum_grad' },
        { name: 'accumulated_delta_var', keras2: 'accum_var' },
      ],
    ];
  }

  protected update(param: FloatArray, grad: FloatArray, [accG, accD]: FloatArray[], _step: number, lr: number): void {
    const { rho, epsilon } = this;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      accG![i] = rho * accG![i]! + (1 - rho) * g * g;
      const delta = -(Math.sqrt(accD![i]! + epsilon) * g) / Math.sqrt(accG![i]! + epsilon);
      accD![i] = rho * accD![i]! + (1 - rho) * delta * delta;
      param[i] = param[i]! + lr * delta;
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
