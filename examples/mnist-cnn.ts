/**
 * The lecture's CNN example (CNN chapter, "컨볼루션 신경망(CNN)" to "컨볼루션 신경망 실행하기"):
 * MNIST with two convolution layers, max pooling, dropout and a dense head.
 *
 * As in the lecture, the best model so far is saved to ./model/{epoch:02d}-{val_loss:.4f}.hdf5 and
 * training stops when the test loss has not improved for 10 epochs.
 * On the reference (js) backend an epoch of 60,000 images takes a long time; for a quick
 * run use a subset, e.g. `--epochs 1 --train-samples 2000 --test-samples 1000`.
 *
 *   npm run build && node dist/examples/mnist-cnn.js -- [--epochs 30] [--backend js|native] [--seed 0]
 *     [--verbose 0|1|2] [--train-samples N] [--test-samples N]
 */
import { Sequential, callbacks, datasets, layers, utils } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';
import { lectureCallbacks, reportRun } from './lecture-run.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 30, verbose: 1 });

// Load MNIST: 60,000 training and 10,000 test images of 28 x 28 pixels.
const [[xTrainAll, yClassTrainAll], [xTestAll, yClassTestAll]] = datasets.mnist.loadData();
// --train-samples / --test-samples keep the first N images only (quick runs).
const trainSamples = Math.min(intArg(args, 'train-samples', xTrainAll.shape[0]!), xTrainAll.shape[0]!);
const testSamples = Math.min(intArg(args, 'test-samples', xTestAll.shape[0]!), xTestAll.shape[0]!);

// Convolution layers read images as rows x columns x channels: 28 x 28 x 1 (grey levels),
// scaled from 0..255 to 0..1.
const xTrain = xTrainAll.slice([0], [trainSamples]).reshape([trainSamples, 28, 28, 1]).astype('float32').div(255);
const xTest = xTestAll.slice([0], [testSamples]).reshape([testSamples, 28, 28, 1]).astype('float32').div(255);
console.log(`학습셋 이미지 수 : ${xTrain.shape[0]} 개`);
console.log(`테스트셋 이미지 수 : ${xTest.shape[0]} 개`);

// One-hot labels: 5 becomes [0,0,0,0,0,1,0,0,0,0].
const yTrain = utils.toCategorical(yClassTrainAll.slice([0], [trainSamples]), 10);
const yTest = utils.toCategorical(yClassTestAll.slice([0], [testSamples]), 10);

// 32 then 64 masks of 3 x 3, 2 x 2 max pooling, dropout, flatten, then the dense classifier.
const model = new Sequential();
model.add(new layers.Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }));
model.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
model.add(new layers.MaxPooling2D({ poolSize: 2 }));
model.add(new layers.Dropout(0.25));
model.add(new layers.Flatten());
model.add(new layers.Dense(128, { activation: 'relu' }));
model.add(new layers.Dropout(0.5));
model.add(new layers.Dense(10, { activation: 'softmax' }));
model.summary();

model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });

// Save the best model, stop after 10 epochs without a better test loss; time the training batches.
const { checkpointer, earlyStopping } = lectureCallbacks();
class BatchTimer extends callbacks.Callback {
  batches = 0;
  ms = 0;
  private started = 0;
  override onTrainBatchBegin(): void {
    this.started = performance.now();
  }
  override onTrainBatchEnd(): void {
    this.ms += performance.now() - this.started;
    this.batches++;
  }
}
const timer = new BatchTimer();

const started = Date.now();
const history = await model.fit(xTrain, yTrain, {
  validationData: [xTest, yTest],
  epochs,
  batchSize: 200,
  verbose,
  callbacks: [earlyStopping, checkpointer, timer],
});
const seconds = (Date.now() - started) / 1000;

const [, accuracy] = await model.evaluate(xTest, yTest, { batchSize: 200, verbose: 0 });
console.log(`\n Test Accuracy: ${accuracy!.toFixed(4)}`);
console.log(
  `(${history.epoch.length} epochs in ${seconds.toFixed(1)} s; ${(timer.ms / Math.max(1, timer.batches) / 1000).toFixed(2)} s per training batch of 200)`,
);

await reportRun({
  model,
  history,
  checkpointer,
  xTest,
  yTest,
  testImages: xTestAll.slice([0], [testSamples]),
  testLabels: yClassTestAll.slice([0], [testSamples]),
});
