/**
 * A small residual CNN on MNIST, written with the Functional API (examples/resnet-model.ts): a
 * conv stem, three residual blocks of Conv2D + BatchNormalization + relu with `Add` shortcuts,
 * GlobalAveragePooling2D and a Dense softmax. Adam, batch 128, learning rate 1e-3 for the first
 * half of the epochs, then 2e-4, then 4e-5 for the last quarter; the weights of the epoch with
 * the lowest test loss are kept and restored at the end.
 *
 *   npm run example:mnist-resnet -- [--epochs 12] [--seed 0] [--verbose 0|1|2]
 *     [--train-samples N] [--test-samples N] [--backend js|native]
 */
import { callbacks, datasets, utils } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';
import { buildMnistResnet } from './resnet-model.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 12, verbose: 2 });

const [[xTrainAll, yClassTrainAll], [xTestAll, yClassTestAll]] = datasets.mnist.loadData();
const trainSamples = Math.min(intArg(args, 'train-samples', xTrainAll.shape[0]!), xTrainAll.shape[0]!);
const testSamples = Math.min(intArg(args, 'test-samples', xTestAll.shape[0]!), xTestAll.shape[0]!);
const xTrain = xTrainAll.slice([0], [trainSamples]).reshape([trainSamples, 28, 28, 1]).astype('float32').div(255);
const xTest = xTestAll.slice([0], [testSamples]).reshape([testSamples, 28, 28, 1]).astype('float32').div(255);
const yTrain = utils.toCategorical(yClassTrainAll.slice([0], [trainSamples]), 10);
const yTest = utils.toCategorical(yClassTestAll.slice([0], [testSamples]), 10);
console.log(`training images: ${trainSamples}, test images: ${testSamples}`);

const model = buildMnistResnet();
model.summary();
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });

// Keep the weights of the epoch with the lowest test loss (restored after training).
class KeepBest extends callbacks.Callback {
  best = Infinity;
  bestEpoch = -1;
  weights: ReturnType<typeof model.getWeights> | null = null;
  override onEpochEnd(epoch: number, logs: callbacks.Logs = {}): void {
    const v = logs['val_loss'];
    if (typeof v === 'number' && v < this.best) {
      this.best = v;
      this.bestEpoch = epoch + 1;
      this.weights = model.getWeights();
    }
  }
}
const keepBest = new KeepBest();
// A step schedule: 1e-3, then 2e-4 from half-way, then 4e-5 for the last quarter.
const schedule = new callbacks.LearningRateScheduler(
  (epoch) => (epoch < Math.ceil(epochs / 2) ? 1e-3 : epoch < Math.ceil((3 * epochs) / 4) ? 2e-4 : 4e-5),
  1,
);

const started = Date.now();
const history = await model.fit(xTrain, yTrain, {
  validationData: [xTest, yTest],
  epochs,
  batchSize: 128,
  verbose,
  callbacks: [schedule, keepBest],
});
const seconds = (Date.now() - started) / 1000;

const [, lastAccuracy] = await model.evaluate(xTest, yTest, { batchSize: 500, verbose: 0 });
if (keepBest.weights) model.setWeights(keepBest.weights);
const [bestLoss, bestAccuracy] = await model.evaluate(xTest, yTest, { batchSize: 500, verbose: 0 });
console.log(`\nTest accuracy after the last epoch: ${(100 * lastAccuracy!).toFixed(2)}%`);
console.log(
  `Test accuracy of the best epoch (${keepBest.bestEpoch}, test loss ${bestLoss!.toFixed(4)}): ${(100 * bestAccuracy!).toFixed(2)}%`,
);
console.log(
  `(${history.epoch.length} epochs in ${seconds.toFixed(1)} s, ${(seconds / history.epoch.length).toFixed(1)} s per epoch with validation)`,
);
