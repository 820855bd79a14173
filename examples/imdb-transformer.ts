/**
 * Keras's example "Text classification with Transformer" on IMDB, written the Keras way: the 20,000
 * most frequent words, reviews padded/cut to 200 words, a TokenAndPositionEmbedding and a
 * TransformerBlock as custom layers (examples/transformer-model.ts), Adam, batch 32, 2 epochs,
 * validated on the 25,000 test reviews. Keras's example reports a validation accuracy near 0.88.
 *
 *   npm run example:imdb-transformer -- [--epochs 2] [--backend js|native] [--seed 0] [--verbose 0|1|2]
 */
import { datasets, preprocessing } from '../src/index.js';
import { exampleOptions } from './args.js';
import { fitAndScore } from './lecture-run.js';
import { KERAS_EXAMPLE_SIZES, buildTransformerClassifier } from './transformer-model.js';

const { epochs, verbose } = exampleOptions({ epochs: 2, verbose: 1 });
const { vocabSize, maxlen } = KERAS_EXAMPLE_SIZES;

const [[xTrainSeqs, yTrain], [xValSeqs, yVal]] = datasets.imdb.loadData({ numWords: vocabSize });
console.log(`${xTrainSeqs.length} training sequences, ${xValSeqs.length} validation sequences`);
const xTrain = preprocessing.sequence.padSequences(xTrainSeqs, { maxlen });
const xVal = preprocessing.sequence.padSequences(xValSeqs, { maxlen });

const model = buildTransformerClassifier();
model.summary();
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
await fitAndScore('imdb-transformer', model, [xTrain, yTrain], [xVal, yVal], { batchSize: 32, epochs, verbose });
