import { backend } from '../backend/registry.js';
import type { AttentionParams } from '../backend/backend.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';

/**
 * Scaled dot-product attention over heads in one kernel pair (Backend.attention), forward and
 * backward: q [B, T, H * dk], k [B, S, H * dk], v [B, S, H * dv] hold each step's heads side by
 * side (a projection's output, untransposed); keep [1 or B, T, S] of 0/1 in q's dtype, or null.
 * out [B, T, H * dv] = per head softmax(where(keep, scale * q k^T, -1e9)) v, and probs
 * [B, H, T, S] those weights (not differentiable: callers that return them use the composition).
 * Gradients flow to q, k and v; the mask gets none.
 */
export function fusedAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  keep: Tensor | null,
  heads: number,
  scale: number,
): { out: Tensor; probs: Tensor } {
  assertFloat(q, 'attention');
  const bad = (what: string): never => {
    throw new Error(
      `attention: ${what}; got q ${shapeToString(q.shape)}, k ${shapeToString(k.shape)}, v ${shapeToString(v.shape)}` +
        (keep ? `, keep ${shapeToString(keep.shape)}` : '') +
        ` (${q.dtype}, ${k.dtype}, ${v.dtype}${keep ? `, ${keep.dtype}` : ''}) for ${heads} heads.`,
    );
  };
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) bad('q, k and v must be rank 3 [batch, steps, heads * size]');
  const [batch, tq, qw] = q.shape as [number, number, number];
  const [kb, tk, kw] = k.shape as [number, number, number];
  const [vb, vs, vw] = v.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads <= 0 || qw % heads !== 0 || vw % heads !== 0)
    bad('heads must divide the last dimension of q and v');
  if (kb !== batch || vb !== batch || vs !== tk || kw !== qw) bad('k must match q and v must match k');
  if (k.dtype !== q.dtype || v.dtype !== q.dtype || (keep && keep.dtype !== q.dtype)) bad('dtypes differ');
  if (
    keep &&
    (keep.rank !== 3 ||
      (keep.shape[0] !== 1 && keep.shape[0] !== batch) ||
      keep.shape[1] !== tq ||
      keep.shape[2] !== tk)
  )
    bad('keep must be [1 or batch, tq, tk]');
  const p: AttentionParams = {
    batch,
    heads,
    tq,
    tk,
    dk: qw / heads,
    dv: vw / heads,
    scale,
    maskBatch: keep ? keep.shape[0]! : 1,
  };
  const data = (t: Tensor): FloatArray => t.data as FloatArray;
  const keepData = keep ? data(keep) : null;
  const out = uninitializedOutput([batch, tq, vw], q.dtype);
  const probs = uninitializedOutput([batch, heads, tq, tk], q.dtype);
  backend().attention(data(q), data(k), data(v), keepData, p, data(out), data(probs));
  record(out, 'attention', [q, k, v], (g) => {
    const dq = uninitializedOutput(q.shape, q.dtype);
    const dk = uninitializedOutput(k.shape, k.dtype);
    const dv = uninitializedOutput(v.shape, v.dtype);
    backend().attentionBackward(
      data(q),
      data(k),
      data(v),
      keepData,
      data(probs),
      data(g),
      p,
      data(dq),
      data(dk),
      data(dv),
    );
    return [dq, dk, dv];
  });
  return { out, probs };
}
