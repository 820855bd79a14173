import { isGradEnabled, record } from '../core/autograd.js';
import { normalizeAxis, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { zeros } from './creation.js';
import { output, uninitializedOutput } from './operand.js';

/**
 * Splits x along an axis into x.shape[axis] tensors with that axis removed (tf.unstack).
 *
 * Why not `slice` per piece: each slice's backward builds a zero tensor of x's full shape, so
 * unrolling an RNN over T steps would cost O(T^2) in the backward pass. Here all pieces hang off
 * one zero-size "anchor" node: each piece's backward writes its gradient into a single shared
 * buffer and passes only an empty token on; the anchor (processed after every piece, since it
 * is their input) hands the assembled buffer to x. Backward is O(size of x), within the
 * ordinary autograd contract. Along axis 0 the pieces share x's storage.
 */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  const n = x.shape[a]!;
  const pieceShape = x.shape.filter((_, i) => i !== a);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const pieces: Tensor[] = [];
  for (let j = 0; j < n; j++) {
    if (a === 0) {
      pieces.push(new Tensor(x.data.subarray(j * inner, (j + 1) * inner), pieceShape, x.dtype));
      continue;
    }
    const p = uninitializedOutput(pieceShape, x.dtype);
    for (let o = 0; o < outer; o++) {
      const src = (o * n + j) * inner;
      p.data.set(x.data.subarray(src, src + inner), o * inner);
    }
    pieces.push(p);
  }
  if (!isGradEnabled() || !x.requiresGrad) return pieces;

  let buffer: Tensor | null = null;
  const anchor = record(new Tensor(output([0], x.dtype).data, [0], x.dtype), 'unstack', [x], () => {
    const g = buffer ?? zeros(x.shape, x.dtype);
    // Reset so a second backward pass over the same graph starts from zeros again.
    buffer = null;
    return [g];
  });
  const token = output([0], x.dtype);
  return pieces.map((p, j) =>
    record(p, 'unstack', [anchor], (g) => {
      const buf = (buffer ??= zeros(x.shape, g.dtype));
      for (let o = 0; o < outer; o++) {
        buf.data.set(g.data.subarray(o * inner, (o + 1) * inner), (o * n + j) * inner);
      }
      return [token];
    }),
  );
}
