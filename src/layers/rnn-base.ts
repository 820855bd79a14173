import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { add, mul, sub } from '../ops/binary.js';
import { astype } from '../ops/cast.js';
import { ones } from '../ops/creation.js';
import { dropout as dropoutOp } from '../ops/dropout.js';
import { dense } from '../ops/matmul.js';
import { expandDims } from '../ops/reshape.js';
import { gather } from '../ops/slice.js';
import { stack } from '../ops/concat.js';
import { transpose } from '../ops/transpose.js';
import { unstack } from '../ops/unstack.js';
import type { RecurrentSequenceOptions } from '../ops/recurrent.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import type { Initializer, InitializerIdentifier } from './initializers.js';
import { getInitializer, serializeInitializer } from './initializers.js';
import type { CallOptions, LayerArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_NAMES, Layer, formatShape, weightPenaltyConfig } from './layer.js';
import type { Constraint, ConstraintIdentifier } from '../constraints/index.js';
import { getConstraint } from '../constraints/index.js';
import type { Regularizer, RegularizerIdentifier } from '../regularizers/index.js';
import { getRegularizer, serializeRegularizer } from '../regularizers/index.js';
import { optionNames } from '../utils/option-names.js';

/** Options shared by SimpleRNN, GRU and LSTM (Keras's names in camelCase, Keras's defaults). */
export interface RNNArgs extends LayerArgs {
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  /** Output every timestep ([batch, time, units]) instead of the last one ([batch, units]). */
  returnSequences?: boolean;
  /**
   * Return `[output, ...states]` (h, and c for LSTM), as Keras: use it in a Functional model
   * (`const [out, h, c] = lstm.apply<SymbolicTensor[]>(x)`); a Sequential model refuses it.
   */
  returnState?: boolean;
  /** Process the sequence last step first; with returnSequences the output stays reversed, as Keras. */
  goBackwards?: boolean;
  /** Fraction of input features dropped while training (one mask per sequence, shared by all gates). */
  dropout?: number;
  /** Fraction of the recurrent state dropped before the recurrent matmul while training. */
  recurrentDropout?: number;
  /** Not supported (Keras's stateful RNNs); accepted so configs can say false. */
  stateful?: boolean;
  /** Accepted and ignored: the loop here is always unrolled eagerly. */
  unroll?: boolean;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  recurrentConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** The keys every recurrent layer takes (GRU and LSTM add theirs). */
export const RNN_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<RNNArgs, keyof LayerArgs>>()([
    'activation',
    'useBias',
    'kernelInitializer',
    'recurrentInitializer',
    'biasInitializer',
    'returnSequences',
    'returnState',
    'goBackwards',
    'dropout',
    'recurrentDropout',
    'stateful',
    'unroll',
    'kernelRegularizer',
    'recurrentRegularizer',
    'biasRegularizer',
    'kernelConstraint',
    'recurrentConstraint',
    'biasConstraint',
  ]),
];

/** The weights a recurrent layer computes with, in `layer.weights` order. */
export interface RNNWeights {
  kernel: Tensor;
  recurrentKernel: Tensor;
  bias: Tensor | null;
}

/** The result of running a recurrent layer with its states exposed. */
export interface RNNResult {
  /** [batch, units], or [batch, time, units] with returnSequences. */
  output: Tensor;
  /** Final states, [batch, units] each: [h] for SimpleRNN and GRU, [h, c] for LSTM. */
  states: Tensor[];
}

/** How a layer runs its recurrence: one fused whole-sequence op, or one small op per step (the reference). */
export type RNNImplementation = 'fused' | 'stepwise';

/** What every fused recurrence call gets from the layer, whatever the cell. */
export type FusedCall = Pick<RecurrentSequenceOptions, 'recurrentMask' | 'stepMask' | 'returnSequences'>;

/** Per-call constants a cell step needs besides the weights. */
export interface StepContext {
  w: RNNWeights;
  /** Multiplies the previous output before the recurrent matmul (recurrent dropout), or null. */
  recurrentMask: Tensor | null;
}

function rate(name: string, v: number | undefined): number {
  const r = v ?? 0;
  if (!(r >= 0 && r < 1)) throw new Error(`${name} must be in [0, 1), got ${v}.`);
  return r;
}

/**
 * Base of the recurrent layers. The structure is the one a fused kernel would replace as a whole:
 * the input projection x @ kernel (+ input bias) for ALL timesteps in one matmul, then per step
 * only the recurrent matmul and the gate arithmetic (`step`). The initial state is zeros; the
 * first step skips the recurrent matmul (it would multiply zeros).
 */
export abstract class RNN extends Layer {
  readonly units: number;
  readonly activation: { name: ActivationName; fn: ActivationFn };
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly recurrentConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** The constructor arguments, so Bidirectional can make the mirrored layer. */
  protected readonly args: RNNArgs;

  /** Gate blocks in the kernels: 1 (SimpleRNN), 3 (GRU), 4 (LSTM). */
  protected abstract readonly gates: number;
  /** Keras 2's cell name, the middle of weight names (`lstm/lstm_cell/kernel:0`). */
  protected abstract readonly cellName: string;

  constructor(units: number, args: RNNArgs = {}) {
    super(args);
    if (!Number.isInteger(units) || units <= 0)
      throw new Error(`${this.className}: units must be a positive integer, got ${units}.`);
    if (args.stateful) throw new Error(`${this.className}: stateful=true is not supported yet.`);
    this.args = args;
    this.units = units;
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.recurrentInitializer = getInitializer(args.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    const who = this.className;
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who} kernelRegularizer`);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer, `${who} recurrentRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who} biasRegularizer`);
    this.kernelConstraint = getConstraint(args.kernelConstraint, `${who} kernelConstraint`);
    this.recurrentConstraint = getConstraint(args.recurrentConstraint, `${who} recurrentConstraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${who} biasConstraint`);
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.dropout = rate(`${this.className}: dropout`, args.dropout);
    this.recurrentDropout = rate(`${this.className}: recurrentDropout`, args.recurrentDropout);
    this.supportsMasking = true;
  }

  /** The mask is consumed; it stays on the output only with returnSequences (Keras); states have none. */
  override computeMask(_x: Tensor, mask: Tensor | null): Tensor | null | (Tensor | null)[] {
    const out = this.returnSequences ? mask : null;
    return this.returnState ? [out, ...Array.from({ length: this.gates === 4 ? 2 : 1 }, () => null)] : out;
  }

  /** Shape of the bias weight (GRU with resetAfter has two rows). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** The bias initializer actually used (LSTM's unitForgetBias wraps the configured one). */
  protected biasInit(): Initializer {
    return this.biasInitializer;
  }

  /** The part of the bias added to the all-timestep input projection. */
  protected inputBias(bias: Tensor | null): Tensor | null {
    return bias;
  }

  /**
   * One timestep: xt is this step's input projection [batch, gates * units]; states is null at
   * the first step (zeros). Returns the new states, the output h first.
   */
  protected abstract step(xt: Tensor, states: Tensor[] | null, ctx: StepContext): Tensor[];

  /**
   * The whole recurrence as one fused op (src/ops/recurrent.ts), given the input projection of
   * every step; null when the layer's activations have no fused kernel (then `step` runs per step).
   */
  protected abstract fusedSequence(projected: Tensor, w: RNNWeights, call: FusedCall): RNNResult | null;

  override build(inputShape: SymbolicShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inputShape.length !== 3 || inDim === null || inDim === undefined) {
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects input of shape (batch, timesteps, features) with known features, got ${formatShape(inputShape)}.`,
      );
    }
    const g = this.gates * this.units;
    this.kernel = this.addWeight({
      name: `${this.cellName}/kernel`,
      shape: [inDim, g],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: `${this.cellName}/recurrent_kernel`,
      shape: [this.units, g],
      initializer: this.recurrentInitializer,
      regularizer: this.recurrentRegularizer,
      constraint: this.recurrentConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: `${this.cellName}/bias`,
        shape: this.biasShape(),
        initializer: this.biasInit(),
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    super.build(inputShape);
  }

  override call(x: Tensor, options: CallOptions): Tensor | Tensor[] {
    const result = this.run(x, this.currentWeights(), options.training, 'fused', options.mask ?? null);
    return this.returnState ? [result.output, ...result.states] : result.output;
  }

  /** Output and final states ([h] or [h, c]); works with or without returnState. */
  applyWithState(x: Tensor, options: CallOptions = { training: false }): RNNResult {
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
    this.checkInput(x);
    return this.run(
      x.dtype === this.dtype ? x : astype(x, this.dtype),
      this.currentWeights(),
      options.training,
      'fused',
      options.mask ?? null,
    );
  }

  /**
   * The layer's computation with explicit weights (in `weights` order: kernel, recurrent kernel,
   * bias): for gradient checks; `implementation: 'stepwise'` runs the per-step ops, the reference
   * the fused kernel must reproduce.
   */
  forwardWith(
    x: Tensor,
    weights: readonly Tensor[],
    training = false,
    implementation: RNNImplementation = 'fused',
    mask: Tensor | null = null,
  ): RNNResult {
    const [kernel, recurrentKernel, bias] = weights;
    if (!kernel || !recurrentKernel || (this.useBias && !bias)) {
      throw new Error(
        `${this.className}.forwardWith: expected ${this.useBias ? 3 : 2} weights, got ${weights.length}.`,
      );
    }
    return this.run(x, { kernel, recurrentKernel, bias: this.useBias ? bias! : null }, training, implementation, mask);
  }

  private currentWeights(): RNNWeights {
    return { kernel: this.kernel!, recurrentKernel: this.recurrentKernel!, bias: this.bias };
  }

  private run(
    x: Tensor,
    w: RNNWeights,
    training: boolean,
    implementation: RNNImplementation,
    mask: Tensor | null,
  ): RNNResult {
    if (x.rank !== 3)
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects rank-3 input (batch, timesteps, features), got ${formatShape(x.shape)}.`,
      );
    const [batch, time] = x.shape as [number, number, number];
    if (time === 0) throw new Error(`Layer '${this.name}' (${this.className}) got a sequence of 0 timesteps.`);
    if (mask && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time))
      throw new Error(
        `Layer '${this.name}' (${this.className}) expects a mask of shape (${batch}, ${time}), got ${formatShape(mask.shape)}.`,
      );
    let seq = x;
    let stepMask = mask;
    if (this.goBackwards) {
      const reversed = Int32Array.from({ length: time }, (_, t) => time - 1 - t);
      seq = gather(seq, reversed, 1);
      if (stepMask) stepMask = gather(stepMask, reversed, 1);
    }
    // One mask per sequence, the same for every timestep (Keras's DropoutRNNCell).
    if (training && this.dropout > 0)
      seq = mul(seq, expandDims(dropoutOp(ones([batch, x.shape[2]!], x.dtype), this.dropout), 1));
    const recurrentMask =
      training && this.recurrentDropout > 0
        ? dropoutOp(ones([batch, this.units], x.dtype), this.recurrentDropout)
        : null;
    // Input projection of every timestep at once, then time-major so each step is a view.
    const projected = dense(seq, w.kernel, this.inputBias(w.bias));
    if (implementation === 'fused') {
      const fused = this.fusedSequence(projected, w, {
        recurrentMask,
        stepMask,
        returnSequences: this.returnSequences,
      });
      if (fused) return fused;
    }
    const steps = unstack(transpose(projected, [1, 0, 2]), 0);
    const ctx: StepContext = { w, recurrentMask };
    // Keep-step weights per step, [batch, 1]: a masked step keeps the old states (Keras).
    const keep = stepMask
      ? unstack(expandDims(astype(stepMask, x.dtype === 'float64' ? 'float64' : 'float32'), 2), 1)
      : null;
    let states: Tensor[] | null = null;
    const outputs: Tensor[] = [];
    steps.forEach((xt, t) => {
      let next = this.step(xt, states, ctx);
      if (keep) {
        const m = keep[t]!;
        // The initial states are zeros, so before any kept step a masked one gives m * new = 0.
        next = next.map((s, i) => (states ? add(mul(m, s), mul(sub(1, m), states[i]!)) : mul(m, s)));
      }
      states = next;
      if (this.returnSequences) outputs.push(states[0]!);
    });
    return { output: this.returnSequences ? stack(outputs, 1) : states![0]!, states: states! };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape | SymbolicShape[] {
    const batch = inputShape[0] ?? null;
    const output = this.returnSequences ? [batch, inputShape[1] ?? null, this.units] : [batch, this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.gates === 4 ? 2 : 1 }, () => [batch, this.units])];
  }

  /** The same layer processing the sequence the other way (for Bidirectional). */
  mirrored(name: string): RNN {
    const Ctor = this.constructor as new (units: number, args: RNNArgs) => RNN;
    return new Ctor(this.units, {
      ...this.args,
      name,
      goBackwards: !this.goBackwards,
      inputShape: undefined,
      batchInputShape: undefined,
      inputDim: undefined,
    });
  }

  /** The same layer under another name (Bidirectional's forward_<name>). */
  renamed(name: string): RNN {
    const Ctor = this.constructor as new (units: number, args: RNNArgs) => RNN;
    return new Ctor(this.units, {
      ...this.args,
      name,
      inputShape: undefined,
      batchInputShape: undefined,
      inputDim: undefined,
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: false,
      unroll: false,
      time_major: false,
      units: this.units,
      activation: this.activation.name,
      use_bias: this.useBias,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      recurrent_initializer: serializeInitializer(this.recurrentInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      ...weightPenaltyConfig({
        kernel: { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint },
        recurrent: { regularizer: this.recurrentRegularizer, constraint: this.recurrentConstraint },
        bias: { regularizer: this.biasRegularizer, constraint: this.biasConstraint },
      }),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
    };
  }
}
