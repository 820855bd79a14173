import type { DType } from '../core/dtype.js';
import { isFloat, parseDType } from '../core/dtype.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import { scalar, uninitializedOutput } from './operand.js';

/** Converts to another dtype (floats to ints truncate toward zero; anything to bool is x != 0). */
export function astype(x: Tensor, dtype: DType | string): Tensor {
  const d = parseDType(dtype);
  if (d === x.dtype) return x;
  // Both paths (notEqual against 0, cast) write every element.
  const out = uninitializedOutput(x.shape, d);
  if (d === 'bool') {
    const zero = scalar(0, x.dtype);
    backend().binary('notEqual', x.data, x.shape, zero.data, zero.shape, out.data, x.shape);
    return out;
  }
  backend().cast(x.data, out.data);
  // Gradients flow between float types only.
  if (!isFloat(x.dtype) || !isFloat(d)) return out;
  return record(out, 'astype', [x], (g) => [astype(g, x.dtype)]);
}
