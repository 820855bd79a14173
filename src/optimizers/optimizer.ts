import type { FloatArray } from '../core/dtype.js';
import { allocate } from '../core/dtype.js';
import { shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { applyConstraints } from '../constraints/index.js';

/**
 * Base optimizer: keeps per-variable slots (moments, velocities) in arrays of the variable's
 * dtype and hands each variable to one fused update kernel, in place.
 */
export abstract class Optimizer {
  learningRate: number;
  /** Steps applied so far (Keras's `iterations`). */
  iterations = 0;
  private readonly slots = new Map<Variable, FloatArray[]>();

  constructor(learningRate: number) {
    if (!(learningRate > 0))
      throw new Error(`${this.constructor.name}: learning rate must be positive, got ${learningRate}.`);
    this.learningRate = learningRate;
  }

  /** Names of the per-variable slots, in the order `update` receives them. */
  protected abstract slotNames(): string[];

  protected abstract update(param: FloatArray, grad: FloatArray, slots: FloatArray[], step: number): void;

  abstract getConfig(): Record<string, unknown>;

  /** One optimisation step; a null gradient (variable unused by the loss) leaves it alone. */
  applyGradients(variables: readonly Variable[], grads: readonly (Tensor | null)[]): void {
    this.iterations++;
    variables.forEach((v, i) => {
      const g = grads[i];
      if (!g) return;
      if (!shapesEqual(g.shape, v.shape)) {
        throw new Error(
          `Optimizer: gradient ${shapeToString(g.shape)} does not match variable ${v.name} ${shapeToString(v.shape)}.`,
        );
      }
      this.update(v.data as FloatArray, g.data as FloatArray, this.slotsFor(v), this.iterations);
    });
    // As Keras: variable constraints (kernelConstraint...) are applied after the update.
    applyConstraints(variables);
  }

  private slotsFor(v: Variable): FloatArray[] {
    let s = this.slots.get(v);
    if (!s) {
      s = this.slotNames().map(() => allocate(v.dtype, v.size) as FloatArray);
      this.slots.set(v, s);
    }
    return s;
  }

  /** Slot arrays for a variable (created on demand), for saving and restoring optimizer state. */
  getSlots(v: Variable): { name: string; data: FloatArray }[] {
    const s = this.slotsFor(v);
    return this.slotNames().map((name, i) => ({ name, data: s[i]! }));
  }
}
