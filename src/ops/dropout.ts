import { getRandom } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { mul } from './binary.js';
import { output } from './operand.js';

/**
 * Inverted dropout: zeroes each entry with probability `rate` and scales the rest by
 * 1 / (1 - rate), so nothing changes at inference. The mask comes from the seeded generator.
 */
export function dropout(x: Tensor, rate: number, noiseShape?: readonly number[]): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}.`);
  if (rate === 0) return x;
  const rng = getRandom();
  const mask = output(noiseShape ?? x.shape, x.dtype);
  const keep = 1 / (1 - rate);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() >= rate ? keep : 0;
  return mul(x, mask);
}
