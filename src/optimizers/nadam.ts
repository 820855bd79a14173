import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, ScalarState, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface NadamArgs extends BaseOptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}
const NADAM_ARG_NAMES = optionNames<NadamArgs>()([...BASE_OPTIMIZER_ARG_NAMES, 'beta1', 'beta2', 'epsilon']);

/**
 * Nadam (keras/src/optimizers/nadam.py): Adam with Nesterov momentum and the momentum schedule
 * u_t = b1 (1 - 0.5 * 0.96^t); `uProduct` is the running product of the u_t.
 */
export class Nadam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Product of u_1..u_t so far (Keras's `_u_product`; tf.keras's `momentum_cache`). */
  uProduct = 1;

  constructor(args: NadamArgs = {}) {
    checkOptionNames('Nadam', args, NADAM_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotGroups(): SlotSpec[][] {
    return [
      [
        { name: 'momentum', keras2: 'm' },
        { name: 'velocity', keras2: 'v' },
      ],
    ];
  }

  override scalarState(): ScalarState[] {
    return [
      {
        keras3: 'u_product',
        keras2: 'momentum_cache',
        get: () => this.uProduct,
        set: (x) => (this.uProduct = x),
      },
    ];
  }

  private u(t: number): number {
    return this.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  }

  protected override beginStep(step: number): void {
    // Keras keeps it in a float32 variable; so do we, so a saved product resumes exactly.
    this.uProduct = Math.fround(this.uProduct * this.u(step));
  }

  protected update(param: FloatArray, grad: FloatArray, [m, v]: FloatArray[], step: number, lr: number): void {
    const { beta1, beta2, epsilon } = this;
    const ut = this.u(step);
    const ut1 = this.u(step + 1);
    const prod = this.uProduct;
    const prod1 = prod * ut1;
    const b2Power = Math.pow(beta2, step);
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      m![i] = m![i]! + (g - m![i]!) * (1 - beta1);
      v![i] = v![i]! + (g * g - v![i]!) * (1 - beta2);
      const mHat = (ut1 * m![i]!) / (1 - prod1) + ((1 - ut) * g) / (1 - prod);
      const vHat = v![i]! / (1 - b2Power);
      param[i] = param[i]! - (mHat * lr) / (Math.sqrt(vHat) + epsilon);
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
