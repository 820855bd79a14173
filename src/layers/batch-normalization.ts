import { noGrad } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add, mul, sub } from '../ops/binary.js';
import { batchNormInference, batchNormTraining } from '../ops/batch-norm.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { relu, rsqrt, square } from '../ops/unary.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape, ShapeValue } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The feature axis that keeps its own statistics (default -1, the channels). */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

const BATCH_NORMALIZATION_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<BatchNormalizationArgs, keyof LayerArgs>>()([
    'axis',
    'momentum',
    'epsilon',
    'center',
    'scale',
    'betaInitializer',
    'gammaInitializer',
    'movingMeanInitializer',
    'movingVarianceInitializer',
    'betaRegularizer',
    'gammaRegularizer',
    'betaConstraint',
    'gammaConstraint',
  ]),
];

/**
 * Keras's BatchNormalization: `gamma * (x - mean) / sqrt(var + epsilon) + beta` per feature.
 * While training (and trainable) it uses the batch's mean and (biased) variance over every
 * axis but `axis`, and updates `moving = moving * momentum + batch * (1 - momentum)`; at
 * inference it uses the moving statistics. Weights, in Keras's order: gamma, beta,
 * moving_mean, moving_variance (the last two non-trainable).
 */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    checkOptionNames('BatchNormalization', args, BATCH_NORMALIZATION_ARG_NAMES);
    super(args);
    this.betaRegularizer = getRegularizer(args.betaRegularizer, 'BatchNormalization betaRegularizer');
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, 'BatchNormalization gammaRegularizer');
    this.betaConstraint = getConstraint(args.betaConstraint, 'BatchNormalization betaConstraint');
    this.gammaConstraint = getConstraint(args.gammaConstraint, 'BatchNormalization gammaConstraint');
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!Number.isInteger(this.axis))
      throw new Error(`BatchNormalization '${this.name}': axis must be an integer, got ${this.axis}.`);
    if (!(this.epsilon > 0))
      throw new Error(`BatchNormalization '${this.name}': epsilon must be positive, got ${this.epsilon}.`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNormalization '${this.name}': momentum must be in [0, 1], got ${this.momentum}.`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones');
  }

  /** The axis as a non-negative index for inputs of the given rank. */
  private featureAxis(rank: number, shape: SymbolicShape): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 1 || a >= rank) {
      throw new Error(
        `Layer '${this.name}' (BatchNormalization): axis ${this.axis} is not a feature axis of input shape ${formatShape(shape)}.`,
      );
    }
    return a;
  }

  override build(inputShape: SymbolicShape): void {
    const a = this.featureAxis(inputShape.length, inputShape);
    const dim = inputShape[a];
    if (dim === null || dim === undefined) {
      throw new Error(
        `Layer '${this.name}' (BatchNormalization) needs a known size on axis ${this.axis}, got input shape ${formatShape(inputShape)}.`,
      );
    }
    const penalty = (w: 'gamma' | 'beta') => ({
      regularizer: w === 'gamma' ? this.gammaRegularizer : this.betaRegularizer,
      constraint: w === 'gamma' ? this.gammaConstraint : this.betaConstraint,
    });
    if (this.scale)
      this.gamma = this.addWeight({
        name: 'gamma',
        shape: [dim],
        initializer: this.gammaInitializer,
        ...penalty('gamma'),
      });
    if (this.center)
      this.beta = this.addWeight({ name: 'beta', shape: [dim], initializer: this.betaInitializer, ...penalty('beta') });
    this.movingMean = this.addWeight('moving_mean', [dim], this.movingMeanInitializer, false);
    this.movingVariance = this.addWeight('moving_variance', [dim], this.movingVarianceInitializer, false);
    super.build(inputShape);
  }

  /** A following relu runs in the training kernel's pass (and after the other paths, unfused). */
  override get fusesRelu(): boolean {
    return true;
  }

  override call(x: Tensor, options: CallOptions): Tensor {
    const a = this.featureAxis(x.rank, x.shape);
    const training = options.training && this.trainable;
    const reluAfter = options.reluAfter === true;
    // Channels last (Keras's default axis): one fused kernel pass each way.
    if (a === x.rank - 1 && (x.dtype === 'float32' || x.dtype === 'float64')) {
      if (!training) {
        const y = batchNormInference(x, this.movingMean!, this.movingVariance!, this.gamma, this.beta, this.epsilon);
        return reluAfter ? relu(y) : y;
      }
      const {
        y,
        mean: bm,
        variance: bv,
      } = batchNormTraining(x, this.gamma, this.beta, this.epsilon, {
        relu: reluAfter,
      });
      this.updateMovingStatistics(bm, bv);
      return y;
    }
    const y = this.callComposed(x, a, training);
    return reluAfter ? relu(y) : y;
  }

  /** moving = moving * momentum + batch * (1 - momentum), outside autograd. */
  private updateMovingStatistics(batchMean: Tensor, batchVariance: Tensor): void {
    noGrad(() => {
      this.movingMean!.assign(add(mul(this.movingMean!, this.momentum), mul(batchMean, 1 - this.momentum)));
      this.movingVariance!.assign(add(mul(this.movingVariance!, this.momentum), mul(batchVariance, 1 - this.momentum)));
    });
  }

  /** Any other feature axis: the same equations from generic ops. */
  private callComposed(x: Tensor, a: number, training: boolean): Tensor {
    const dim = x.shape[a]!;
    // Per-feature vectors broadcast against x from this shape.
    const paramShape = x.shape.map((d, i) => (i === a ? d : 1));
    const perFeature = (v: Tensor): Tensor => reshape(v, paramShape);
    let m: Tensor;
    let v: Tensor;
    if (training) {
      const axes = x.shape.map((_, i) => i).filter((i) => i !== a);
      m = mean(x, axes, true);
      v = mean(square(sub(x, m)), axes, true);
      this.updateMovingStatistics(reshape(m.detach(), [dim]), reshape(v.detach(), [dim]));
    } else {
      m = perFeature(this.movingMean!);
      v = perFeature(this.movingVariance!);
    }
    let y = mul(sub(x, m), rsqrt(add(v, this.epsilon)));
    if (this.gamma) y = mul(y, perFeature(this.gamma));
    if (this.beta) y = add(y, perFeature(this.beta));
    return y;
  }

  /** Same shape out as in. */
  override computeOutputShape(inputShape: ShapeValue): ShapeValue {
    return inputShape;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: serializeInitializer(this.betaInitializer),
      gamma_initializer: serializeInitializer(this.gammaInitializer),
      moving_mean_initializer: serializeInitializer(this.movingMeanInitializer),
      moving_variance_initializer: serializeInitializer(this.movingVarianceInitializer),
      ...weightPenaltyConfig({
        beta: { regularizer: this.betaRegularizer, constraint: this.betaConstraint },
        gamma: { regularizer: this.gammaRegularizer, constraint: this.gammaConstraint },
      }),
      synchronized: false,
    };
  }
}
