import type { Tensor } from '../core/tensor.js';
import { add, mul } from '../ops/binary.js';
import { concat } from '../ops/concat.js';
import { full } from '../ops/creation.js';
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/reshape.js';
import { unstack } from '../ops/unstack.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import type { Initializer } from './initializers.js';
import { fusedActivation, lstmSequence } from '../ops/recurrent.js';
import type { FusedCall, RNNArgs, RNNResult, RNNWeights, StepContext } from './rnn-base.js';
import { RNN, RNN_ARG_NAMES } from './rnn-base.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface LSTMArgs extends RNNArgs {
  recurrentActivation?: ActivationName | null;
  /** Start the forget gate's bias at 1 (Keras's default), whatever biasInitializer says for the rest. */
  unitForgetBias?: boolean;
}

/**
 * Long short-term memory, Keras's equations and weight layout: kernel [input, 4u],
 * recurrent_kernel [u, 4u], bias [4u], gate blocks in the order i, f, c, o:
 *   i = ra(x Wi + h Ui + bi), f = ra(x Wf + h Uf + bf), o = ra(x Wo + h Uo + bo)
 *   c' = f * c + i * a(x Wc + h Uc + bc),  h' = o * a(c')
 * with a = activation (tanh) and ra = recurrentActivation (sigmoid).
 */
const LSTM_ARG_NAMES = [
  ...RNN_ARG_NAMES,
  ...optionNames<Omit<LSTMArgs, keyof RNNArgs>>()(['recurrentActivation', 'unitForgetBias']),
];

export class LSTM extends RNN {
  protected readonly gates = 4;
  protected readonly cellName = 'lstm_cell';
  readonly recurrentActivation: { name: ActivationName; fn: ActivationFn };
  readonly unitForgetBias: boolean;

  constructor(units: number, args: LSTMArgs = {}) {
    checkOptionNames('LSTM', args, LSTM_ARG_NAMES);
    super(units, args);
    this.recurrentActivation = getActivation(
      args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    );
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override biasInit(): Initializer {
    if (!this.unitForgetBias) return this.biasInitializer;
    const base = this.biasInitializer;
    const u = this.units;
    return {
      className: base.className,
      config: base.config,
      init: (_shape, dtype = 'float32') =>
        concat([base.init([u], dtype), full([u], 1, dtype), base.init([2 * u], dtype)], 0),
    };
  }

  protected step(xt: Tensor, states: Tensor[] | null, { w, recurrentMask }: StepContext): Tensor[] {
    const [h, c] = states ?? [null, null];
    const batch = xt.shape[0]!;
    const z = h ? add(xt, matmul(recurrentMask ? mul(h, recurrentMask) : h, w.recurrentKernel)) : xt;
    const [zi, zf, zc, zo] = unstack(reshape(z, [batch, 4, this.units]), 1) as [Tensor, Tensor, Tensor, Tensor];
    const ra = this.recurrentActivation.fn;
    const a = this.activation.fn;
    const ig = mul(ra(zi), a(zc));
    // With the zero initial carry, f * c vanishes.
    const cNext = c ? add(mul(ra(zf), c), ig) : ig;
    const hNext = mul(ra(zo), a(cNext));
    return [hNext, cNext];
  }

  protected fusedSequence(projected: Tensor, w: RNNWeights, call: FusedCall): RNNResult | null {
    const activation = fusedActivation(this.activation.name);
    const recurrentActivation = fusedActivation(this.recurrentActivation.name);
    if (!activation || !recurrentActivation) return null;
    return lstmSequence(projected, w.recurrentKernel, { ...call, activation, recurrentActivation });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrent_activation: this.recurrentActivation.name,
      unit_forget_bias: this.unitForgetBias,
      implementation: 2,
    };
  }
}
