import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';

/**
 * Layer normalization over the last axis in one kernel, forward and backward (Backend.layerNorm):
 * `(x - mean) * rsqrt(var + epsilon) * gamma + beta` per row, gamma and beta [n] or null.
 * LayerNormalization uses it for the last axis; other axes go through the composite.
 */
export function layerNormLastAxis(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): Tensor {
  assertFloat(x, 'layerNorm');
  const n = x.shape[x.rank - 1]!;
  for (const [t, what] of [
    [gamma, 'gamma'],
    [beta, 'beta'],
  ] as const)
    if (t && (t.rank !== 1 || t.shape[0] !== n || t.dtype !== x.dtype))
      throw new Error(
        `layerNorm: ${what} must be ${x.dtype} of shape [${n}], got ${t.dtype} ${shapeToString(t.shape)} for x ${shapeToString(x.shape)}.`,
      );
  const rows = n === 0 ? 0 : x.size / n;
  const out = uninitializedOutput(x.shape, x.dtype);
  const mean = uninitializedOutput([rows], x.dtype);
  const rstd = uninitializedOutput([rows], x.dtype);
  const data = (t: Tensor | null): FloatArray | null => (t ? (t.data as FloatArray) : null);
  backend().layerNorm(
    x.data as FloatArray,
    data(gamma),
    data(beta),
    rows,
    n,
    epsilon,
    out.data as FloatArray,
    mean.data as FloatArray,
    rstd.data as FloatArray,
  );
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record(out, 'layerNorm', inputs, (g) => {
    const dx = uninitializedOutput(x.shape, x.dtype);
    const dGamma = gamma ? uninitializedOutput([n], x.dtype) : null;
    const dBeta = beta ? uninitializedOutput([n], x.dtype) : null;
    backend().layerNormBackward(
      g.data as FloatArray,
      x.data as FloatArray,
      data(gamma),
      mean.data as FloatArray,
      rstd.data as FloatArray,
      rows,
      n,
      dx.data as FloatArray,
      data(dGamma),
      data(dBeta),
    );
    return [dx, ...(dGamma ? [dGamma] : []), ...(dBeta ? [dBeta] : [])];
  });
}
