import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import { normalizeAxis, shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { uninitializedOutput } from './operand.js';

/** Permutes axes (default: reversed, as np.transpose). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis(a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== x.rank) {
    throw new Error(`transpose: ${shapeToString(perm ?? [])} is not a permutation of ${x.rank} axes.`);
  }
  const out = uninitializedOutput(
    p.map((a) => x.shape[a]!),
    x.dtype,
  );
  backend().transpose(x.data, x.shape, p, out.data);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return record(out, 'transpose', [x], (g) => [transpose(g, inverse)]);
}
