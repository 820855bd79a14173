import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface AdamArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** AMSGrad: divide by the running maximum of the second moment. */
  amsgrad?: boolean;
}
export const ADAM_ARG_NAMES = optionNames<AdamArgs>()([
  ...BASE_OPTIMIZER_ARG_NAMES,
  'beta1',
  'beta2',
  'epsilon',
  'amsgrad',
]);

/**
 * Adam with Keras's defaults (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7). The plain update
 * runs in the fused backend kernel; AMSGrad in a TypeScript loop (keras/src/optimizers/adam.py).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}, who = 'Adam', names: readonly string[] = ADAM_ARG_NAMES) {
    checkOptionNames(who, args, names, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
  }

  protected slotGroups(): SlotSpec[][] {
    const groups: SlotSpec[][] = [
      [
        { name: 'momentum', keras2: 'm' },
        { name: 'velocity', keras2: 'v' },
      ],
    ];
    if (this.amsgrad) groups.push([{ name: 'velocity_hat', keras2: 'vhat' }]);
    return groups;
  }

  protected update(param: FloatArray, grad: FloatArray, [m, v, vHat]: FloatArray[], step: number, lr: number): void {
    const { beta1, beta2, epsilon } = this;
    if (!this.amsgrad) {
      backend().adamUpdate(param, grad, m!, v!, { lr, beta1, beta2, epsilon, step });
      return;
    }
    const alpha = (lr * Math.sqrt(1 - Math.pow(beta2, step))) / (1 - Math.pow(beta1, step));
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      m![i] = m![i]! + (g - m![i]!) * (1 - beta1);
      v![i] = v![i]! + (g * g - v![i]!) * (1 - beta2);
      vHat![i] = Math.max(vHat![i]!, v![i]!);
      param[i] = param[i]! - (m![i]! * alpha) / (Math.sqrt(vHat![i]!) + epsilon);
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
