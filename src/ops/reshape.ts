import { record } from '../core/autograd.js';
import { inferReshape, normalizeAxis, shapeToString } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Same storage, new shape; one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferReshape(x.size, shape);
  const out = new Tensor(x.data, target, x.dtype);
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/** Keeps the first axis and flattens the rest: [N, ...] -> [N, prod(...)]. */
export function flatten(x: Tensor): Tensor {
  if (x.rank === 0) throw new Error('flatten: cannot flatten a scalar.');
  return reshape(x, [x.shape[0]!, -1]);
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or the ones named). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const drop = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normalizeAxis(a, x.rank)));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of shape ${shapeToString(x.shape)} is not 1.`);
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}
