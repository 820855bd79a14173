import type { FloatArray } from '../core/dtype.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';
import type { BaseOptimizerArgs, SlotSpec } from './optimizer.js';
import { BASE_OPTIMIZER_ARG_NAMES, Optimizer, UNSUPPORTED_OPTIMIZER_ARGS } from './optimizer.js';

export interface FtrlArgs extends BaseOptimizerArgs {
  learningRatePower?: number;
  initialAccumulatorValue?: number;
  l1RegularizationStrength?: number;
  l2RegularizationStrength?: number;
  l2ShrinkageRegularizationStrength?: number;
  beta?: number;
}
const FTRL_ARG_NAMES = optionNames<FtrlArgs>()([
  ...BASE_OPTIMIZER_ARG_NAMES,
  'learningRatePower',
  'initialAccumulatorValue',
  'l1RegularizationStrength',
  'l2RegularizationStrength',
  'l2ShrinkageRegularizationStrength',
  'beta',
]);

/** FTRL-Proximal (keras/src/optimizers/ftrl.py), with L1, L2 and L2-shrinkage regularisation. */
export class Ftrl extends Optimizer {
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1RegularizationStrength: number;
  readonly l2RegularizationStrength: number;
  readonly l2ShrinkageRegularizationStrength: number;
  readonly beta: number;

  constructor(args: FtrlArgs = {}) {
    checkOptionNames('Ftrl', args, FTRL_ARG_NAMES, UNSUPPORTED_OPTIMIZER_ARGS);
    super(0.001, args);
    this.learningRatePower = args.learningRatePower ?? -0.5;
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.l1RegularizationStrength = args.l1RegularizationStrength ?? 0;
    this.l2RegularizationStrength = args.l2RegularizationStrength ?? 0;
    this.l2ShrinkageRegularizationStrength = args.l2ShrinkageRegularizationStrength ?? 0;
    this.beta = args.beta ?? 0;
    const nonNeg: [string, number][] = [
      ['initialAccumulatorValue', this.initialAccumulatorValue],
      ['l1RegularizationStrength', this.l1RegularizationStrength],
      ['l2RegularizationStrength', this.l2RegularizationStrength],
      ['l2ShrinkageRegularizationStrength', this.l2ShrinkageRegularizationStrength],
    ];
    for (const [k, v] of nonNeg)
      if (!(v >= 0)) throw new Error(`Ftrl: \`${k}\` needs to be positive or zero. Received: ${k}=${v}.`);
    if (!(this.learningRatePower <= 0))
      throw new Error(
        `Ftrl: \`learningRatePower\` needs to be negative or zero. Received: learningRatePower=${this.learningRatePower}.`,
      );
  }

  protected slotGroups(): SlotSpec[][] {
    return [
      [
        { name: 'accumulator', keras2: 'accumulator', init: this.initialAccumulatorValue },
        { name: 'linear', keras2: 'linear' },
      ],
    ];
  }

  protected update(
    param: FloatArray,
    grad: FloatArray,
    [accum, linear]: FloatArray[],
    _step: number,
    lr: number,
  ): void {
    const p = -this.learningRatePower;
    const l1 = this.l1RegularizationStrength;
    const l2 = this.l2RegularizationStrength + this.beta / (2 * lr);
    const shrink = 2 * this.l2ShrinkageRegularizationStrength;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      const w = param[i]!;
      const a = accum![i]!;
      const newAccum = a + g * g;
      const lin = linear![i]! + (g + shrink * w) - ((Math.pow(newAccum, p) - Math.pow(a, p)) / lr) * w;
      linear![i] = lin;
      const quadratic = Math.pow(newAccum, p) / lr + 2 * l2;
      const clipped = Math.min(Math.max(lin, -l1), l1);
      param[i] = (clipped - lin) / quadratic;
      accum![i] = newAccum;
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      learning_rate_power: this.learningRatePower,
      initial_accumulator_value: this.initialAccumulatorValue,
      l1_regularization_strength: this.l1RegularizationStrength,
      l2_regularization_strength: this.l2RegularizationStrength,
      l2_shrinkage_regularization_strength: this.l2ShrinkageRegularizationStrength,
      beta: this.beta,
    };
  }
}
