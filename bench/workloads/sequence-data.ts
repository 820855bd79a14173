import type { Tensor } from '../../src/core/tensor.js';
import { padSequences } from '../../src/preprocessing/sequence.js';

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

/** A loaded split (Keras's `((x_train, y_train), (x_test, y_test))`) with every sequence padded or cut to `maxlen`. */
export function paddedSequenceData(
  [[xTrain, yTrain], [xTest, yTest]]: [[number[][], Tensor], [number[][], Tensor]],
  sizes: { numWords: number; maxlen: number; classes: number },
): SequenceData {
  return {
    xTrain: padSequences(xTrain, { maxlen: sizes.maxlen }),
    yTrain,
    xTest: padSequences(xTest, { maxlen: sizes.maxlen }),
    yTest,
    ...sizes,
  };
}
