import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import { broadcastShapes, shapeToString, shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { scalar, uninitializedOutput } from './operand.js';
import { sumToShape } from './binary.js';

/** Repeats x along broadcast axes to reach shape (NumPy's broadcast_to, materialized). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (!shapesEqual(broadcastShapes(x.shape, shape), shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${shapeToString(x.shape)} to ${shapeToString(shape)}.`);
  }
  // binary writes every element of its output.
  const out = uninitializedOutput(shape, x.dtype);
  const zero = scalar(0, x.dtype);
  backend().binary('add', x.data, x.shape, zero.data, zero.shape, out.data, shape);
  return record(out, 'broadcastTo', [x], (g) => [sumToShape(g, x.shape)]);
}
