import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface AdagradArgs extends BaseOptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}
const ADAGRAD_ARG_NAMES = optionNames<AdagradArgs>()([
  ...BASE_OPTIMIZER_ARG_NAMES,
  'initialAccumulatorValue',
  'epsilon',
]);

/** Adagrad (keras/src/optimizers/adagrad.py): acc += g^2; w -= lr * g / sqrt(acc + eps). */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    checkOptionNames('Adagrad', args, ADAGRAD_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotGroups(): SlotSpec[][] {
    return [[{ name: 'accumulator', keras2: 'accumulator', init: this.initialAccumulatorValue }]];
  }

  protected update(param: FloatArray, grad: FloatArray, [acc]: FloatArray[], _step: number, lr: number): void {
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      acc![i] = acc![i]! + g * g;
      param[i] = param[i]! - (lr * g) / Math.sqrt(acc![i]! + this.epsilon);
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
