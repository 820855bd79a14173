import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { Optimizer } from './optimizer.js';

export interface AdamArgs {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with Keras's defaults (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7). */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamArgs = {}) {
    super(args.learningRate ?? 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  protected update(param: FloatArray, grad: FloatArray, [m, v]: FloatArray[], step: number): void {
    backend().adamUpdate(param, grad, m!, v!, {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      step,
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      name: 'Adam',
      learning_rate: this.learningRate,
      beta_1: this.beta1,
      beta_2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: false,
    };
  }
}
