import type { Tensor } from '../../src/core/tensor.js';
import type { Model } from '../../src/models/model.js';

/** A model with its data, ready to train; each benchmark workload builds one. */
export interface Workload {
  model: Model;
  x: Tensor;
  y: Tensor;
  xVal: Tensor;
  yVal: Tensor;
  batchSize: number;
}
