/**
 * The lecture's RNN example "LSTM과 CNN의 조합을 이용한 영화 리뷰 분류하기": IMDB reviews,
 * positive or negative, with Embedding -> Dropout -> Conv1D -> MaxPooling1D -> LSTM -> Dense.
 *
 *   npm run example:imdb-cnn-lstm -- [--epochs 5] [--backend js|native] [--seed 0] [--verbose 0|1|2]
 */
import { Sequential, datasets, layers, preprocessing, setBackend, setRandomSeed, viz } from '../src/index.js';
import { intArg, parseArgs } from './args.js';
import { mkdirSync } from 'node:fs';

const args = parseArgs();
if (args.has('backend')) setBackend(args.get('backend')!);
setRandomSeed(intArg(args, 'seed', 0));
const epochs = intArg(args, 'epochs', 5);
const verbose = intArg(args, 'verbose', 1) as 0 | 1 | 2;

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
const started = Date.now();
const history = await model.fit(xTrain, yTrain, { batchSize: 100, epochs, validationData: [xTest, yTest], verbose });
const seconds = (Date.now() - started) / 1000;

const [, accuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
console.log(`\n Test Accuracy: ${accuracy!.toFixed(4)}`);
console.log(`(${history.epoch.length} epochs in ${seconds.toFixed(1)} s)`);

mkdirSync('./model', { recursive: true });
await viz.plotHistory(history, { file: './model/imdb-loss.png' });
console.log('loss plot: ./model/imdb-loss.png');
