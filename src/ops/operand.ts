import type { DType } from '../core/dtype.js';
import { allocate, allocateUninitialized, toBfloat16Bits } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { sizeOf } from '../core/shape.js';

/** A tensor, or a plain number taken as a scalar of the other operand's dtype (NumPy's weak scalars). */
export type Operand = Tensor | number;

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const data = allocateUninitialized(dtype, 1);
  data[0] = dtype === 'bfloat16' ? toBfloat16Bits(value) : value;
  return new Tensor(data, [], dtype);
}

export function toTensor(x: Operand, like: DType = 'float32'): Tensor {
  return x instanceof Tensor ? x : scalar(x, like);
}

/** A fresh zero-filled output tensor of the given shape and dtype. */
export function output(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape, dtype);
}

/**
 * An output tensor whose contents are unspecified (a reused pooled array is not zeroed). Only for
 * ops whose kernel writes every element of it: anything that adds into its output, or leaves some
 * entries untouched, needs `output`.
 */
export function uninitializedOutput(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocateUninitialized(dtype, sizeOf(shape)), shape, dtype);
}

export function assertFloat(x: Tensor, op: string): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new Error(`${op}: expected a float tensor, got ${x.dtype}. Use astype('float32') first.`);
  }
}

/** Ops without bfloat16 kernels refuse it rather than compute on its bit patterns. */
export function refuseBfloat16(x: Tensor, op: string): void {
  if (x.dtype === 'bfloat16') {
    throw new Error(
      `${op}: bfloat16 tensors are not supported here (only casts, printing and matmul take them); use astype('float32') first.`,
    );
  }
}
