import { Sequential } from '../../src/models/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Embedding } from '../../src/layers/embedding.js';
import { LSTM } from '../../src/layers/lstm.js';
import { reuters } from '../../src/datasets/reuters.js';
import { toCategorical } from '../../src/utils/to-categorical.js';
import type { SequenceData } from './sequence-data.js';
import { paddedSequenceData } from './sequence-data.js';
import type { Workload } from './workload.js';

const NUM_WORDS = 1000;
const MAXLEN = 100;
const CLASSES = 46;

/** The lecture's Reuters data: 1,000 words, 20% test, wires padded/cut to 100 words. */
export function reutersData(): SequenceData {
  return paddedSequenceData(reuters.loadData({ numWords: NUM_WORDS, testSplit: 0.2 }), {
    numWords: NUM_WORDS,
    maxlen: MAXLEN,
    classes: CLASSES,
  });
}

/**
 * The lecture's Reuters topic classifier: Embedding(1000, 100) -> LSTM(100, tanh) ->
 * Dense(46, softmax), sequences padded to 100, Adam, batch 100 (real Reuters data via
 * `reuters.loadData`, 8,982 training wires). Mostly time in the 100-step LSTM unroll.
 */
export function reutersWorkload(): Workload {
  const d = reutersData();
  const model = new Sequential([
    new Embedding(NUM_WORDS, 100, { inputLength: MAXLEN }),
    new LSTM(100, { activation: 'tanh' }),
    new Dense(CLASSES, { activation: 'softmax' }),
  ]);
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return {
    model,
    x: d.xTrain,
    y: toCategorical(d.yTrain, CLASSES),
    xVal: d.xTest,
    yVal: toCategorical(d.yTest, CLASSES),
    batchSize: 100,
  };
}
