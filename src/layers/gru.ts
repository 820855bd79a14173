import type { Tensor } from '../core/tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/reshape.js';
import { slice } from '../ops/slice.js';
import { unstack } from '../ops/unstack.js';
import type { ActivationFn, ActivationName } from './activations.js';
import { getActivation } from './activations.js';
import { fusedActivation, gruSequence } from '../ops/recurrent.js';
import type { FusedCall, RNNArgs, RNNResult, RNNWeights, StepContext } from './rnn-base.js';
import { RNN, RNN_ARG_NAMES } from './rnn-base.js';
import { checkOptionNames, optionNames } from '../utils/option-names.js';

export interface GRUArgs extends RNNArgs {
  recurrentActivation?: ActivationName | null;
  /** Apply the reset gate after the recurrent matmul (Keras 2's default, cuDNN-compatible). */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit with Keras's layout: kernel [input, 3u], recurrent_kernel [u, 3u], gate
 * blocks z (update), r (reset), h (candidate). With resetAfter (default) the bias is [2, 3u]:
 * row 0 is added to x W, row 1 to h U, and
 *   z = ra(xWz + bz + hUz + b'z), r = ra(xWr + br + hUr + b'r),
 *   hh = a(xWh + bh + r * (hUh + b'h)),  h' = z * h + (1 - z) * hh.
 * Without resetAfter the bias is [3u] and hh = a(xWh + bh + (r * h) Uh).
 */
const GRU_ARG_NAMES = [
  ...RNN_ARG_NAMES,
  ...optionNames<Omit<GRUArgs, keyof RNNArgs>>()(['recurrentActivation', 'resetAfter']),
];

export class GRU extends RNN {
  protected readonly gates = 3;
  protected readonly cellName = 'gru_cell';
  readonly recurrentActivation: { name: ActivationName; fn: ActivationFn };
  readonly resetAfter: boolean;

  constructor(units: number, args: GRUArgs = {}) {
    checkOptionNames('GRU', args, GRU_ARG_NAMES);
    super(units, args);
    this.recurrentActivation = getActivation(
      args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    );
    this.resetAfter = args.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(bias: Tensor | null): Tensor | null {
    if (!bias || !this.resetAfter) return bias;
    return reshape(slice(bias, [0, 0], [1, -1]), [-1]);
  }

  private recurrentBias(w: RNNWeights): Tensor | null {
    if (!w.bias || !this.resetAfter) return null;
    return reshape(slice(w.bias, [1, 0], [1, -1]), [-1]);
  }

  protected step(xt: Tensor, states: Tensor[] | null, { w, recurrentMask }: StepContext): Tensor[] {
    const h = states ? states[0]! : null;
    const u = this.units;
    const batch = xt.shape[0]!;
    const [xz, xr, xh] = unstack(reshape(xt, [batch, 3, u]), 1) as [Tensor, Tensor, Tensor];
    const hm = h && recurrentMask ? mul(h, recurrentMask) : h;
    const ra = this.recurrentActivation.fn;
    const a = this.activation.fn;
    let z: Tensor;
    let hh: Tensor;
    if (this.resetAfter) {
      const rb = this.recurrentBias(w);
      // h U + b' (just b' at the first step, where h is zero).
      const inner = hm ? (rb ? add(matmul(hm, w.recurrentKernel), rb) : matmul(hm, w.recurrentKernel)) : rb;
      if (inner) {
        const [rz, rr, rh] = unstack(reshape(inner, [inner.rank === 1 ? 1 : batch, 3, u]), 1) as [
          Tensor,
          Tensor,
          Tensor,
        ];
        z = ra(add(xz, rz));
        hh = a(add(xh, mul(ra(add(xr, rr)), rh)));
      } else {
        z = ra(xz);
        hh = a(xh);
      }
    } else if (hm) {
      const uzr = slice(w.recurrentKernel, [0, 0], [u, 2 * u]);
      const uh = slice(w.recurrentKernel, [0, 2 * u], [u, u]);
      const [rz, rr] = unstack(reshape(matmul(hm, uzr), [batch, 2, u]), 1) as [Tensor, Tensor];
      z = ra(add(xz, rz));
      hh = a(add(xh, matmul(mul(ra(add(xr, rr)), hm), uh)));
    } else {
      z = ra(xz);
      hh = a(xh);
    }
    const mixed = mul(sub(1, z), hh);
    return [h ? add(mul(z, h), mixed) : mixed];
  }

  protected fusedSequence(projected: Tensor, w: RNNWeights, call: FusedCall): RNNResult | null {
    const activation = fusedActivation(this.activation.name);
    const recurrentActivation = fusedActivation(this.recurrentActivation.name);
    if (!activation || !recurrentActivation) return null;
    return gruSequence(projected, w.recurrentKernel, {
      ...call,
      activation,
      recurrentActivation,
      resetAfter: this.resetAfter,
      recurrentBias: this.recurrentBias(w),
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrent_activation: this.recurrentActivation.name,
      reset_after: this.resetAfter,
      implementation: 2,
    };
  }
}
