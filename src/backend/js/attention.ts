import type { FloatArray } from '../../core/dtype.js';
import type { AttentionParams } from '../backend.js';
import { ATTENTION_MASKED_SCORE } from '../backend.js';

/** Offsets of head h's row t in q/k/v-style layouts [batch, steps, heads, d]. */
const row = (b: number, t: number, h: number, steps: number, heads: number, d: number): number =>
  ((b * steps + t) * heads + h) * d;

/** Reference attention (see Backend.attention): one head and query row at a time, sums in double. */
export function attention(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  keep: FloatArray | null,
  p: AttentionParams,
  out: FloatArray,
  probs: FloatArray,
): void {
  const { batch, heads, tq, tk, dk, dv, scale, maskBatch } = p;
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < tq; t++) {
        const pr = ((b * heads + h) * tq + t) * tk;
        const mr = ((maskBatch === 1 ? 0 : b) * tq + t) * tk;
        const qo = row(b, t, h, tq, heads, dk);
        let max = -Infinity;
        for (let j = 0; j < tk; j++) {
          let s = ATTENTION_MASKED_SCORE;
          if (!keep || keep[mr + j] !== 0) {
            const ko = row(b, j, h, tk, heads, dk);
            let dot = 0;
            for (let d = 0; d < dk; d++) dot += q[qo + d]! * k[ko + d]!;
            s = scale * dot;
          }
          probs[pr + j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < tk; j++) sum += Math.exp(probs[pr + j]! - max);
        for (let j = 0; j < tk; j++) probs[pr + j] = Math.exp(probs[pr + j]! - max) / sum;
        const oo = row(b, t, h, tq, heads, dv);
        for (let d = 0; d < dv; d++) {
          let acc = 0;
          for (let j = 0; j < tk; j++) acc += probs[pr + j]! * v[row(b, j, h, tk, heads, dv) + d]!;
          out[oo + d] = acc;
        }
      }
}

/** Reference attentionBackward (see Backend.attentionBackward), from the saved probs. */
export function attentionBackward(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  keep: FloatArray | null,
  probs: FloatArray,
  grad: FloatArray,
  p: AttentionParams,
  dq: FloatArray,
  dk: FloatArray,
  dv: FloatArray,
): void {
  const { batch, heads, tq, tk, scale, maskBatch } = p;
  const kd = p.dk;
  const vd = p.dv;
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  const ds = new Float64Array(tk);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < tq; t++) {
        const pr = ((b * heads + h) * tq + t) * tk;
        const mr = ((maskBatch === 1 ? 0 : b) * tq + t) * tk;
        const go = row(b, t, h, tq, heads, vd);
        let dot = 0;
        for (let j = 0; j < tk; j++) {
          const vo = row(b, j, h, tk, heads, vd);
          let dp = 0;
          for (let d = 0; d < vd; d++) {
            dp += grad[go + d]! * v[vo + d]!;
            dv[vo + d]! += probs[pr + j]! * grad[go + d]!;
          }
          ds[j] = dp;
          dot += dp * probs[pr + j]!;
        }
        const qo = row(b, t, h, tq, heads, kd);
        for (let j = 0; j < tk; j++) {
          if (keep && keep[mr + j] === 0) continue;
          const g = scale * probs[pr + j]! * (ds[j]! - dot);
          const ko = row(b, j, h, tk, heads, kd);
          for (let d = 0; d < kd; d++) {
            dq[qo + d]! += g * k[ko + d]!;
            dk[ko + d]! += g * q[qo + d]!;
          }
        }
      }
}
