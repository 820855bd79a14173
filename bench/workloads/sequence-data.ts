import type { Tensor } from '../../src/core/tensor.js';

/**
 * A text-classification data set as the RNN workloads train on it: int32 word ids padded to
 * `maxlen` ([n, maxlen]) and int32 class ids ([n]). The PyTorch side reads exactly these arrays
 * (see bench/sequence-export.ts), so both frameworks see the same numbers.
 */
export interface SequenceData {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  numWords: number;
  maxlen: number;
  classes: number;
}
