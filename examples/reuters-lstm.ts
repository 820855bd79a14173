/**
 * The lecture's RNN example "LSTM을 이용한 로이터 뉴스 카테고리 분류하기": Reuters newswires
 * (46 topics) with Embedding -> LSTM -> Dense(softmax).
 *
 *   npm run example:reuters-lstm -- [--epochs 20] [--backend js|native] [--seed 0] [--verbose 0|1|2]
 */
import { Sequential, datasets, layers, preprocessing, utils } from '../src/index.js';
import { exampleOptions } from './args.js';
import { fitAndScore } from './lecture-run.js';

const { epochs, verbose } = exampleOptions({ epochs: 20, verbose: 1 });

// The 1,000 most frequent words; 20% of the wires for testing.
const [[xTrainSeqs, yTrainIds], [xTestSeqs, yTestIds]] = datasets.reuters.loadData({ numWords: 1000, testSplit: 0.2 });

// What was loaded: 46 topics, 8,982 training and 2,246 test wires, words as frequency ranks.
const category = yTrainIds.max().item() + 1;
console.log(category, '카테고리');
console.log(xTrainSeqs.length, '학습용 뉴스 기사');
console.log(xTestSeqs.length, '테스트용 뉴스 기사');
// As Python prints a list, which is what the lecture shows.
console.log(`[${xTrainSeqs[0]!.join(', ')}]`);

// Every wire cut or padded to 100 words; topics one-hot.
const xTrain = preprocessing.sequence.padSequences(xTrainSeqs, { maxlen: 100 });
const xTest = preprocessing.sequence.padSequences(xTestSeqs, { maxlen: 100 });
const yTrain = utils.toCategorical(yTrainIds);
const yTest = utils.toCategorical(yTestIds, yTrain.shape[1]);

const model = new Sequential();
model.add(new layers.Embedding(1000, 100));
model.add(new layers.LSTM(100, { activation: 'tanh' }));
model.add(new layers.Dense(46, { activation: 'softmax' }));
model.summary();

model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
await fitAndScore('reuters', model, [xTrain, yTrain], [xTest, yTest], { batchSize: 100, epochs, verbose });
