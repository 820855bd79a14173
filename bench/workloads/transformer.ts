import { imdb } from '../../src/datasets/imdb.js';
import { KERAS_EXAMPLE_SIZES, buildTransformerClassifier } from '../../examples/transformer-model.js';
import type { SequenceData } from './sequence-data.js';
import { paddedSequenceData } from './sequence-data.js';
import type { Workload } from './workload.js';

/** IMDB as Keras's Transformer example loads it: 20,000 words, reviews padded/cut to 200 words. */
export function transformerData(): SequenceData {
  const { vocabSize, maxlen } = KERAS_EXAMPLE_SIZES;
  return paddedSequenceData(imdb.loadData({ numWords: vocabSize }), { numWords: vocabSize, maxlen, classes: 2 });
}

/**
 * Keras's "Text classification with Transformer" (examples/imdb-transformer.ts): token + position
 * embedding (32), one Transformer block (2 heads, feed-forward 32), GAP1D, Dense(20) and Dense(2,
 * softmax), sparse categorical cross-entropy, Adam, batch 32 (782 batches an epoch).
 * bench/pytorch/transformer.py is the same model with nn.MultiheadAttention.
 */
export function transformerWorkload(): Workload {
  const d = transformerData();
  const model = buildTransformerClassifier();
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return { model, x: d.xTrain, y: d.yTrain, xVal: d.xTest, yVal: d.yTest, batchSize: 32 };
}
