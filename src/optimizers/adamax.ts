import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface AdamaxArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}
const ADAMAX_ARG_NAMES = optionNames<AdamaxArgs>()([...BASE_OPTIMIZER_ARG_NAMES, 'beta1', 'beta2', 'epsilon']);

/**
 * Adamax (keras/src/optimizers/adamax.py): m += (g - m)(1 - b1); u = max(b2 u, |g|);
 * w -= lr m / ((1 - b1^t)(u + eps)).
 */
export class Adamax extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamaxArgs = {}) {
    checkOptionNames('Adamax', args, ADAMAX_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotGroups(): SlotSpec[][] {
    return [
      [
        { name: 'momentum', keras2: 'm' },
        { name: 'norm', keras2: 'v' },
      ],
    ];
  }

  protected update(param: FloatArray, grad: FloatArray, [m, u]: FloatArray[], step: number, lr: number): void {
    const { beta1, beta2, epsilon } = this;
    const b1Power = Math.pow(beta1, step);
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      m![i] = m![i]! + (g - m![i]!) * (1 - beta1);
      u![i] = Math.max(beta2 * u![i]!, Math.abs(g));
      param[i] = param[i]! - (lr * m![i]!) / ((1 - b1Power) * (u![i]! + epsilon));
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
