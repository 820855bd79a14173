import { Sequential } from '../../src/models/sequential.js';
import { Activation } from '../../src/layers/activation.js';
import { Conv1D } from '../../src/layers/conv1d.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Embedding } from '../../src/layers/embedding.js';
import { LSTM } from '../../src/layers/lstm.js';
import { MaxPooling1D } from '../../src/layers/max-pooling1d.js';
import { imdb } from '../../src/datasets/imdb.js';
import type { SequenceData } from './sequence-data.js';
import { paddedSequenceData } from './sequence-data.js';
import type { Workload } from './workload.js';

const NUM_WORDS = 5000;
const MAXLEN = 100;

/** The lecture's IMDB data: 5,000 words, the official 25,000 / 25,000 split, reviews padded/cut to 100 words. */
export function imdbData(): SequenceData {
  return paddedSequenceData(imdb.loadData({ numWords: NUM_WORDS }), {
    numWords: NUM_WORDS,
    maxlen: MAXLEN,
    classes: 2,
  });
}

/**
 * The lecture's IMDB sentiment model, as examples/imdb-cnn-lstm.ts: Embedding(5000, 100) ->
 * Dropout(0.5) -> Conv1D(64, 5, relu) -> MaxPooling1D(4) -> LSTM(55) -> Dense(1) -> sigmoid,
 * binary cross-entropy, Adam, batch 100, 25,000 training reviews (250 batches an epoch).
 */
export function imdbWorkload(): Workload {
  const d = imdbData();
  const model = new Sequential([
    new Embedding(NUM_WORDS, 100),
    new Dropout(0.5),
    new Conv1D(64, 5, { padding: 'valid', activation: 'relu', strides: 1 }),
    new MaxPooling1D({ poolSize: 4 }),
    new LSTM(55),
    new Dense(1),
    new Activation('sigmoid'),
  ]);
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return { model, x: d.xTrain, y: d.yTrain, xVal: d.xTest, yVal: d.yTest, batchSize: 100 };
}
