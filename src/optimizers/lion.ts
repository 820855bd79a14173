import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface LionArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
}
const LION_ARG_NAMES = optionNames<LionArgs>()([...BASE_OPTIMIZER_ARG_NAMES, 'beta1', 'beta2']);

/** Lion (keras/src/optimizers/lion.py): w -= lr sign(b1 m + (1-b1) g); then m = b2 m + (1-b2) g. */
export class Lion extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;

  constructor(args: LionArgs = {}) {
    checkOptionNames('Lion', args, LION_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.99;
    if (this.beta1 <= 0 || this.beta1 > 1)
      throw new Error(
        `Lion: Argument \`beta1\` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. Received: beta1=${this.beta1}.`,
      );
  }

  protected slotGroups(): SlotSpec[][] {
    return [[{ name: 'momentum', keras2: 'momentum' }]];
  }

  protected update(param: FloatArray, grad: FloatArray, [m]: FloatArray[], _step: number, lr: number): void {
    const { beta1, beta2 } = this;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      const c = m![i]! * beta1 + g * (1 - beta1);
      // Math.sign keeps NaN visible, as ops.sign does.
      param[i] = param[i]! - lr * Math.sign(c);
      m![i] = m![i]! * beta2 + g * (1 - beta2);
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2 };
  }
}
