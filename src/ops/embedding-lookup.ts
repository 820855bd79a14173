import { backend } from '../backend/registry.js';
import { record } from '../core/autograd.js';
import type { FloatArray } from '../core/dtype.js';
import { shapeToString } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { assertFloat, uninitializedOutput } from './operand.js';
import { zeros } from './creation.js';

/**
 * Rows of a [vocab, dim] table picked by int32 indices of any shape: out has shape
 * [...indices.shape, dim]. Indices must already be validated (the Embedding layer does, naming itself).
 */
export function embeddingLookup(table: Tensor, indices: Tensor): Tensor {
  assertFloat(table, 'embeddingLookup');
  if (table.rank !== 2)
    throw new Error(`embeddingLookup: the table must be [vocab, dim], got ${shapeToString(table.shape)}.`);
  if (indices.dtype !== 'int32') throw new Error(`embeddingLookup: indices must be int32, got ${indices.dtype}.`);
  const [vocab, dim] = table.shape as [number, number];
  const idx = indices.data as Int32Array;
  // gather copies a whole row per index.
  const out = uninitializedOutput([...indices.shape, dim], table.dtype);
  backend().gather(table.data, 1, vocab, dim, idx, out.data);
  return record(out, 'embeddingLookup', [table], (g) => {
    const gt = zeros(table.shape, g.dtype);
    backend().scatterAdd(g.data as FloatArray, 1, vocab, dim, idx, gt.data as FloatArray);
    return [gt];
  });
}
