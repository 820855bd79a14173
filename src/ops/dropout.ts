import { backend } from '../backend/registry.js';
import type { DropoutParams } from '../backend/backend.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import type { Random } from '../core/random.js';
import { getRandom } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { mul } from './binary.js';
import { assertFloat, uninitializedOutput } from './operand.js';

/**
 * Inverted dropout: zeroes each entry with probability `rate` and scales the rest by
 * 1 / (1 - rate), so nothing changes at inference. The mask is a counter-based function of two
 * keys drawn from the seeded generator (or from `rng`, a layer's own seeded one), so the backward
 * pass regenerates it instead of storing it.
 */
export function dropout(x: Tensor, rate: number, noiseShape?: readonly number[], rng: Random = getRandom()): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}.`);
  if (rate === 0) return x;
  assertFloat(x, 'dropout');
  const p: DropoutParams = { seed0: rng.nextUint32(), seed1: rng.nextUint32(), rate };
  const full = !noiseShape || (noiseShape.length === x.rank && noiseShape.every((d, i) => d === x.shape[i]));
  if (!full) {
    // A broadcast mask (noiseShape): draw it on ones, then multiply.
    const mask = uninitializedOutput(noiseShape, x.dtype);
    const m = mask.data as FloatArray;
    m.fill(1);
    backend().dropout(m, p, m);
    return mul(x, mask);
  }
  const out = uninitializedOutput(x.shape, x.dtype);
  backend().dropout(x.data as FloatArray, p, out.data as FloatArray);
  return record(out, 'dropout', [x], (g) => {
    const gx = uninitializedOutput(g.shape, g.dtype);
    backend().dropout(g.data as FloatArray, p, gx.data as FloatArray);
    return [gx];
  });
}
