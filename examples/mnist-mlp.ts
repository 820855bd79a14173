/**
 * The lecture's first example (CNN chapter, "데이터 전처리" and "딥러닝 기본 프레임 만들기"):
 * MNIST with a two-layer perceptron, step by step as the lecture does it.
 *
 * As in the lecture, the best model so far is saved to ./model/{epoch:02d}-{val_loss:.4f}.hdf5 and
 * training stops when the test loss has not improved for 10 epochs.
 *
 *   npm run example:mnist-mlp -- [--epochs 30] [--backend js|native] [--seed 0] [--verbose 0|1|2] [--train-samples N]
 */
import { Sequential, datasets, layers, utils, viz } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';
import { MODEL_DIR, lectureCallbacks, reportRun } from './lecture-run.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 30, verbose: 0 });

// Load MNIST: 60,000 training and 10,000 test images.
const [[xTrainAll, yClassTrainAll], [xTestRaw, yClassTest]] = datasets.mnist.loadData();
// --train-samples N trains on the first N images only (a quick smoke run).
const trainSamples = intArg(args, 'train-samples', xTrainAll.shape[0]!);
const xTrainRaw = xTrainAll.slice([0], [trainSamples]);
const yClassTrain = yClassTrainAll.slice([0], [trainSamples]);
console.log(`학습셋 이미지 수 : ${xTrainAll.shape[0]} 개`);
console.log(`테스트셋 이미지 수 : ${xTestRaw.shape[0]} 개`);

// The first image, drawn like plt.imshow(X_train[0], cmap='Greys'), then as the computer sees
// it: 28 x 28 brightness values from 0 to 255.
const { checkpointer, earlyStopping } = lectureCallbacks();
const first = xTrainRaw.slice([0], [1]).reshape([28, 28]);
await viz.imshow(first, { cmap: 'Greys', file: `${MODEL_DIR}digit.png` });
console.log(`digit image: ${MODEL_DIR}digit.png`);
process.stdout.write(viz.pixelDump(first));

// Flatten each image to 784 values and scale them to 0..1.
const xTrain = xTrainRaw.reshape([xTrainRaw.shape[0]!, 784]).astype('float32').div(255);
const xTest = xTestRaw.reshape([xTestRaw.shape[0]!, 784]).astype('float32').div(255);

console.log(`class : ${yClassTrain.data[0]} `);

// One-hot labels: 5 becomes [0,0,0,0,0,1,0,0,0,0].
const yTrain = utils.toCategorical(yClassTrain, 10);
const yTest = utils.toCategorical(yClassTest, 10);
console.log(yTrain.slice([0], [1]).reshape([10]).toString());

// 784 inputs, a hidden layer of 512 relu units, 10 softmax outputs.
const model = new Sequential();
model.add(new layers.Dense(512, { inputDim: 784, activation: 'relu' }));
model.add(new layers.Dense(10, { activation: 'softmax' }));
model.summary();

model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });

// Save the best model (by test loss) and stop after 10 epochs without improvement.
const started = Date.now();
const history = await model.fit(xTrain, yTrain, {
  validationData: [xTest, yTest],
  epochs,
  batchSize: 200,
  verbose,
  callbacks: [earlyStopping, checkpointer],
});
const seconds = (Date.now() - started) / 1000;

const [, accuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
console.log(`\n Test Accuracy: ${accuracy!.toFixed(4)}`);
console.log(`(${history.epoch.length} epochs in ${seconds.toFixed(1)} s)`);

// Loss curves and predicted digits beside the checkpoints; then the best checkpoint, reloaded.
await reportRun({ model, history, checkpointer, xTest, yTest, testImages: xTestRaw, testLabels: yClassTest });
