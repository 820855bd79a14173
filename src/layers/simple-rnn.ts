import type { Tensor } from '../core/tensor.js';
import { add, mul } from '../ops/binary.js';
import { matmul } from '../ops/matmul.js';
import { fusedActivation, simpleRnnSequence } from '../ops/recurrent.js';
import type { FusedCall, RNNArgs, RNNResult, RNNWeights, StepContext } from './rnn-base.js';
import { RNN, RNN_ARG_NAMES } from './rnn-base.js';
import { checkOptionNames } from '../utils/option-names.js';

export type SimpleRNNArgs = RNNArgs;

/** Fully connected recurrence, as Keras: h' = a(x W + b + h U); kernel [input, u], recurrent [u, u], bias [u]. */
export class SimpleRNN extends RNN {
  protected readonly gates = 1;
  protected readonly cellName = 'simple_rnn_cell';

  constructor(units: number, args: SimpleRNNArgs = {}) {
    checkOptionNames('SimpleRNN', args, RNN_ARG_NAMES);
    super(units, args);
  }

  protected step(xt: Tensor, states: Tensor[] | null, { w, recurrentMask }: StepContext): Tensor[] {
    const h = states ? states[0]! : null;
    const z = h ? add(xt, matmul(recurrentMask ? mul(h, recurrentMask) : h, w.recurrentKernel)) : xt;
    return [this.activation.fn(z)];
  }

  protected fusedSequence(projected: Tensor, w: RNNWeights, call: FusedCall): RNNResult | null {
    const activation = fusedActivation(this.activation.name);
    if (!activation) return null;
    return simpleRnnSequence(projected, w.recurrentKernel, { ...call, activation });
  }
}
