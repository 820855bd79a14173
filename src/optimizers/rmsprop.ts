import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { Optimizer } from './optimizer.js';

export interface RmspropArgs {
  learningRate?: number;
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/** RMSprop with Keras's defaults (lr 0.001, rho 0.9, momentum 0, epsilon 1e-7). */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RmspropArgs = {}) {
    super(args.learningRate ?? 0.001);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }

  protected slotNames(): string[] {
    return ['rms', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  protected update(param: FloatArray, grad: FloatArray, slots: FloatArray[]): void {
    const [ms, ...rest] = slots;
    const mom = this.momentum > 0 ? rest.shift()! : null;
    const mg = this.centered ? rest.shift()! : null;
    backend().rmspropUpdate(param, grad, ms!, mom, mg, {
      lr: this.learningRate,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      name: 'RMSprop',
      learning_rate: this.learningRate,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }
}
