import type { DType } from './dtype.js';
import { allocateUninitialized } from './dtype.js';
import { shapesEqual, shapeToString } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A trainable (or stateful) tensor owned by a layer or optimizer. Optimizers update its storage
 * in place, so everything that holds the variable sees the new values.
 */
export class Variable extends Tensor {
  /** Keras-style path, e.g. `dense/kernel:0`. */
  readonly name: string;
  private trainableFlag: boolean;

  constructor(value: Tensor, name: string, trainable = true) {
    super(copyOf(value), value.shape, value.dtype);
    this.name = name;
    this.trainableFlag = trainable;
    this.requiresGrad = trainable;
  }

  /** Whether training updates it; a frozen variable also stops recording gradients. */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    this.requiresGrad = value;
  }

  /** Overwrites the values in place (shape must match). */
  assign(value: Tensor | ArrayLike<number>): void {
    if (value instanceof Tensor) {
      if (!shapesEqual(value.shape, this.shape)) {
        throw new Error(
          `Variable ${this.name}: cannot assign shape ${shapeToString(value.shape)} to ${shapeToString(this.shape)}.`,
        );
      }
      this.data.set(value.dtype === this.dtype ? value.data : Array.from(value.data));
      return;
    }
    if (value.length !== this.size) {
      throw new Error(
        `Variable ${this.name}: cannot assign ${value.length} values to shape ${shapeToString(this.shape)}.`,
      );
    }
    this.data.set(value);
  }

  /** A detached copy of the current values. */
  value(): Tensor {
    return new Tensor(copyOf(this), this.shape, this.dtype);
  }
}

function copyOf(t: Tensor): ReturnType<typeof allocateUninitialized> {
  const out = allocateUninitialized(t.dtype as DType, t.size);
  out.set(t.data);
  return out;
}
