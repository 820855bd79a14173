import type { DType, TypedArray } from './dtype.js';
import { allocate, arrayMatchesDType, dtypeOfArray, fromBfloat16Bits } from './dtype.js';
import type { GradNode } from './autograd.js';
import { formatTensor } from './format.js';
import { shapeToString, sizeOf } from './shape.js';

let nextId = 0;

/**
 * An n-dimensional array in contiguous row-major storage. Storage is a plain typed array,
 * so memory is reclaimed by the garbage collector: nothing is ever disposed by hand. (Training
 * steps hand their large dead intermediates to core/buffer-pool.ts for the next step, also
 * without user action.)
 * Math methods (`add`, `matmul`, ...) are attached by `ops/tensor-methods.ts`.
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Contiguous storage. Replaced (not resized) only by in-place updates of variables. */
  data: TypedArray;
  /** Whether gradients flow to this tensor (set on variables and on results computed from them). */
  requiresGrad = false;
  /** Filled by `backward()` on leaves that require gradients. */
  grad: Tensor | null = null;
  /** How this tensor was computed, for autograd; null for leaves. */
  node: GradNode | null = null;
  /**
   * For the output of softmax or sigmoid: the logits it came from. Losses use them to compute
   * cross-entropy stably, as Keras does with its `_keras_logits`.
   */
  fromLogits: { kind: 'softmax' | 'sigmoid'; logits: Tensor } | null = null;

  constructor(data: TypedArray, shape: readonly number[], dtype: DType = dtypeOfArray(data)) {
    if (!arrayMatchesDType(data, dtype)) {
      throw new Error(`Tensor: ${data.constructor.name} cannot hold dtype ${dtype}.`);
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: invalid shape ${shapeToString(shape)}.`);
    }
    if (sizeOf(shape) !== data.length) {
      throw new Error(`Tensor: shape ${shapeToString(shape)} needs ${sizeOf(shape)} elements, got ${data.length}.`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  static empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    let data: TypedArray;
    try {
      data = allocate(dtype, sizeOf(shape));
    } catch (e) {
      // Name the shape: 'Invalid typed array length: 4000000000000' alone says nothing useful.
      if (e instanceof RangeError) throw new RangeError(`${e.message} (a tensor of shape ${shapeToString(shape)})`);
      throw e;
    }
    return new Tensor(data, shape, dtype);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements, expected 1.`);
    return this.dtype === 'bfloat16' ? fromBfloat16Bits(this.data[0]!) : this.data[0]!;
  }

  /** Nested JavaScript arrays (booleans for bool tensors), like NumPy's tolist(). */
  toArray(): unknown {
    const values: (number | boolean)[] =
      this.dtype === 'bool'
        ? Array.from(this.data, (v) => v !== 0)
        : this.dtype === 'bfloat16'
          ? Array.from(this.data, fromBfloat16Bits)
          : Array.from(this.data);
    if (this.rank === 0) return values[0];
    const build = (axis: number, offset: number): unknown[] => {
      const n = this.shape[axis]!;
      if (axis === this.rank - 1) return values.slice(offset, offset + n);
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: n }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return formatTensor(this.data, this.shape, this.dtype);
  }

  /** Stops gradients: a tensor with the same storage and no history. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype);
  }
}
