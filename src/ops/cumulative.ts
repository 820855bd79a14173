import { record } from '../core/autograd.js';
import { allocateUninitialized } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { refuseBfloat16 } from './operand.js';
import { reshape } from './reshape.js';
import { alongAxis } from './sorting.js';

/** Running sums (or products) along each row of the last axis, optionally from the end. */
function scanRows(x: Tensor, product: boolean, reverse: boolean): Tensor {
  const n = x.shape[x.rank - 1]!;
  const rows = n === 0 ? 0 : x.size / n;
  const dtype = x.dtype === 'bool' || x.dtype === 'uint8' ? 'int32' : x.dtype;
  const data = allocateUninitialized(dtype, x.size);
  const src = x.data;
  for (let r = 0; r < rows; r++) {
    let acc = product ? 1 : 0;
    for (let t = 0; t < n; t++) {
      const i = r * n + (reverse ? n - 1 - t : t);
      acc = product ? acc * src[i]! : acc + src[i]!;
      data[i] = acc;
    }
  }
  // Integer totals beyond the int32 range wrap when stored, as int32 arithmetic does.
  return new Tensor(data, x.shape, dtype);
}

function cumsumLast(x: Tensor, reverse: boolean): Tensor {
  const out = scanRows(x, false, reverse);
  // d/dx_i of sum_{j>=i}: the incoming gradient summed from the other end.
  return record(out, 'cumsum', [x], (g) => [cumsumLast(g, !reverse)]);
}

function cumprodLast(x: Tensor): Tensor {
  const out = scanRows(x, true, false);
  return record(out, 'cumprod', [x], (g) => {
    // d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i; computed without dividing by x_i,
    // so zeros in x get their true gradient.
    const n = x.shape[x.rank - 1]!;
    const rows = n === 0 ? 0 : x.size / n;
    const gx = allocateUninitialized(g.dtype, x.size);
    for (let r = 0; r < rows; r++) {
      const b = r * n;
      for (let i = 0; i < n; i++) {
        let before = 1;
        for (let k = 0; k < i; k++) before *= x.data[b + k]!;
        let s = 0;
        let prod = before;
        for (let j = i; j < n; j++) {
          if (j > i) prod *= x.data[b + j]!;
          s += g.data[b + j]! * prod;
        }
        gx[b + i] = s;
      }
    }
    return [new Tensor(gx, x.shape, g.dtype)];
  });
}

function cumulative(op: string, x: Tensor, axis: number | null | undefined, f: (t: Tensor) => Tensor): Tensor {
  refuseBfloat16(x, op);
  if (axis === null || axis === undefined || x.rank === 0) return f(reshape(x, [x.size]));
  return alongAxis(x, axis, f);
}

/** Cumulative sum along an axis (the flattened tensor when axis is omitted), as keras.ops.cumsum. */
export function cumsum(x: Tensor, axis?: number | null): Tensor {
  return cumulative('cumsum', x, axis, (t) => cumsumLast(t, false));
}

/** Cumulative product along an axis (the flattened tensor when axis is omitted), as keras.ops.cumprod. */
export function cumprod(x: Tensor, axis?: number | null): Tensor {
  return cumulative('cumprod', x, axis, cumprodLast);
}
