/**
 * The lecture's RNN example "LSTM과 CNN의 조합을 이용한 영화 리뷰 분류하기": IMDB reviews,
 * positive or negative, with Embedding -> Dropout -> Conv1D -> MaxPooling1D -> LSTM -> Dense.
 *
 *   npm run example:imdb-cnn-lstm -- [--epochs 5] [--backend js|native] [--seed 0] [--verbose 0|1|2]
 */
import { Sequential, datasets, layers, preprocessing } from '../src/index.js';
import { exampleOptions } from './args.js';
import { fitAndScore } from './lecture-run.js';

const { epochs, verbose } = exampleOptions({ epochs: 5, verbose: 1 });

// The 5,000 most frequent words; the official 25,000 / 25,000 split.
const [[xTrainSeqs, yTrain], [xTestSeqs, yTest]] = datasets.imdb.loadData({ numWords: 5000 });
const xTrain = preprocessing.sequence.padSequences(xTrainSeqs, { maxlen: 100 });
const xTest = preprocessing.sequence.padSequences(xTestSeqs, { maxlen: 100 });

const model = new Sequential();
model.add(new layers.Embedding(5000, 100));
model.add(new layers.Dropout(0.5));
model.add(new layers.Conv1D(64, 5, { padding: 'valid', activation: 'relu', strides: 1 }));
model.add(new layers.MaxPooling1D({ poolSize: 4 }));
model.add(new layers.LSTM(55));
model.add(new layers.Dense(1));
model.add(new layers.Activation('sigmoid'));
model.summary();

model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
await fitAndScore('imdb', model, [xTrain, yTrain], [xTest, yTest], { batchSize: 100, epochs, verbose });
