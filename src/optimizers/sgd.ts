import { backend } from '../backend/registry.js';
import type { FloatArray } from '../core/dtype.js';
import { Optimizer } from './optimizer.js';

export interface SgdArgs {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional (Nesterov) momentum; Keras's default lr 0.01. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SgdArgs = {}) {
    super(args.learningRate ?? 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (this.momentum < 0 || this.momentum > 1)
      throw new Error(`SGD: momentum must be in [0, 1], got ${this.momentum}.`);
  }

  protected slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected update(param: FloatArray, grad: FloatArray, slots: FloatArray[]): void {
    backend().sgdUpdate(param, grad, slots[0] ?? null, {
      lr: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: 'SGD', learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}
