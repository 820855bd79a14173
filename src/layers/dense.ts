import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { dense } from '../ops/matmul.js';
import { astype } from '../ops/cast.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { fusedForm, getActivation } from './activations.js';
import type { InitializerIdentifier, Initializer } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface DenseArgs extends LayerArgs {
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

const DENSE_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<DenseArgs, keyof LayerArgs>>()([
    'activation',
    'useBias',
    'kernelInitializer',
    'biasInitializer',
    'kernelRegularizer',
    'biasRegularizer',
    'kernelConstraint',
    'biasConstraint',
  ]),
];

/** `activation(x @ kernel + bias)` on the last axis. */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: { name: ActivationName; fn: ActivationFn };
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(units: number, args: DenseArgs = {}) {
    checkOptionNames('Dense', args, DENSE_ARG_NAMES);
    super(args);
    this.supportsMasking = true; // as Keras: the mask passes through to later layers
    this.bf16Compute = 'native';
    if (!Number.isInteger(units) || units <= 0)
      throw new Error(`Dense: units must be a positive integer, got ${units}.`);
    this.units = units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, 'Dense kernelRegularizer');
    this.biasRegularizer = getRegularizer(args.biasRegularizer, 'Dense biasRegularizer');
    this.kernelConstraint = getConstraint(args.kernelConstraint, 'Dense kernelConstraint');
    this.biasConstraint = getConstraint(args.biasConstraint, 'Dense biasConstraint');
  }

  override build(inputShape: SymbolicShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || inDim === null || inDim === undefined) {
      throw new Error(
        `Layer '${this.name}' (Dense) needs a known last input dimension, got ${formatShape(inputShape)}.`,
      );
    }
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [inDim, this.units],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias',
        shape: [this.units],
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    super.build(inputShape);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    const act = this.activation.name;
    if (x.dtype !== 'bfloat16') {
      // relu, leaky_relu, gelu and silu fuse into the matmul kernel's epilogue.
      const fused = fusedForm(act) ?? 'linear';
      const y = dense(x, this.kernel!, this.bias, fused);
      return fused === act ? y : this.activation.fn(y);
    }
    // mixed_bfloat16: the kernel read as bfloat16 (its gradient comes back float32 through the
    // cast), the float32 bias added to the float32 sums, one rounding to bfloat16 in the epilogue,
    // which fuses relu only.
    const fused = act === 'relu' ? act : 'linear';
    const y = dense(x, astype(this.kernel!, 'bfloat16'), this.bias, fused);
    // Other activations have no bfloat16 kernels: they run on the (exact) float32 widening.
    return fused === act ? y : astype(this.activation.fn(astype(y, 'float32')), 'bfloat16');
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      use_bias: this.useBias,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...weightPenaltyConfig({
        kernel: { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint },
        bias: { regularizer: this.biasRegularizer, constraint: this.biasConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}
