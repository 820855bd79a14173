import type { DType } from '../core/dtype.js';
import { isFloating, parseDType } from '../core/dtype.js';
import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import { scalar, uninitializedOutput } from './operand.js';

/**
 * Converts to another dtype (floats to ints truncate toward zero; anything to bool is x != 0; to
 * bfloat16 rounds through float32 to nearest even, NaN kept NaN).
 */
export function astype(x: Tensor, dtype: DType | string): Tensor {
  const d = parseDType(dtype);
  if (d === x.dtype) return x;
  // bfloat16 bit patterns cannot be compared with 0 directly (-0 and NaN): decode first.
  if (d === 'bool' && x.dtype === 'bfloat16') return astype(astype(x, 'float32'), 'bool');
  // Both paths (notEqual against 0, cast) write every element.
  const out = uninitializedOutput(x.shape, d);
  if (d === 'bool') {
    const zero = scalar(0, x.dtype);
    backend().binary('notEqual', x.data, x.shape, zero.data, zero.shape, out.data, x.shape);
    return out;
  }
  backend().cast(x.data, out.data);
  // Gradients flow between float types only.
  if (!isFloating(x.dtype) || !isFloating(d)) return out;
  return record(out, 'astype', [x], (g) => [astype(g, x.dtype)]);
}
