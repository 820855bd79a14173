/**
 * A small depthwise-separable (MobileNet-style) classifier on MNIST: a strided 3x3 Conv2D stem,
 * then MobileNet v1 blocks (DepthwiseConv2D 3x3 -> BatchNormalization -> relu -> 1x1 Conv2D ->
 * BatchNormalization -> relu), one of them strided, a SeparableConv2D, GlobalAveragePooling2D,
 * Dropout and a Dense softmax. Adam, batch 128, learning rate 1e-3 then 2e-4 for the last third
 * of the epochs. The reported accuracy is the test set's after the last epoch (no epoch picking).
 *
 *   npm run example:mnist-mobilenet -- [--epochs 6] [--seed 0] [--verbose 0|1|2]
 *     [--train-samples N] [--test-samples N] [--backend js|native]
 */
import { Input, Model, callbacks, datasets, layers, utils } from '../src/index.js';
type SymbolicTensor = InstanceType<typeof layers.SymbolicTensor>;
import { exampleOptions, intArg } from './args.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 6, verbose: 2 });

const [[xTrainAll, yClassTrainAll], [xTestAll, yClassTestAll]] = datasets.mnist.loadData();
const trainSamples = Math.min(intArg(args, 'train-samples', xTrainAll.shape[0]!), xTrainAll.shape[0]!);
const testSamples = Math.min(intArg(args, 'test-samples', xTestAll.shape[0]!), xTestAll.shape[0]!);
const xTrain = xTrainAll.slice([0], [trainSamples]).reshape([trainSamples, 28, 28, 1]).astype('float32').div(255);
const xTest = xTestAll.slice([0], [testSamples]).reshape([testSamples, 28, 28, 1]).astype('float32').div(255);
const yTrain = utils.toCategorical(yClassTrainAll.slice([0], [trainSamples]), 10);
const yTest = utils.toCategorical(yClassTestAll.slice([0], [testSamples]), 10);
console.log(`training images: ${trainSamples}, test images: ${testSamples}`);

/** MobileNet v1's block: a depthwise 3x3 filter per channel, then a 1x1 convolution mixing channels. */
function depthwiseSeparableBlock(x: SymbolicTensor, filters: number, strides: number): SymbolicTensor {
  let h = new layers.DepthwiseConv2D(3, { strides, padding: 'same', useBias: false }).apply(x);
  h = new layers.BatchNormalization().apply(h);
  h = new layers.ReLU().apply(h);
  h = new layers.Conv2D(filters, 1, { useBias: false }).apply(h);
  h = new layers.BatchNormalization().apply(h);
  return new layers.ReLU().apply(h);
}

const input = Input({ shape: [28, 28, 1] });
let h = new layers.Conv2D(32, 3, { strides: 2, padding: 'same', useBias: false }).apply(input); // 14 x 14
h = new layers.BatchNormalization().apply(h);
h = new layers.ReLU().apply(h);
h = depthwiseSeparableBlock(h, 64, 1);
h = depthwiseSeparableBlock(h, 128, 2); // 7 x 7
h = depthwiseSeparableBlock(h, 128, 1);
h = new layers.SeparableConv2D(256, 3, { padding: 'same', activation: 'relu' }).apply(h);
h = new layers.GlobalAveragePooling2D().apply(h);
h = new layers.Dropout(0.2).apply(h);
const output = new layers.Dense(10, { activation: 'softmax' }).apply(h);
const model = new Model({ inputs: input, outputs: output, name: 'mnist_mobilenet' });
model.summary();
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });

const decayFrom = Math.ceil((2 * epochs) / 3);
const schedule = new callbacks.LearningRateScheduler((epoch) => (epoch < decayFrom ? 1e-3 : 2e-4));

const started = Date.now();
const history = await model.fit(xTrain, yTrain, {
  validationData: [xTest, yTest],
  epochs,
  batchSize: 128,
  verbose,
  callbacks: [schedule],
});
const seconds = (Date.now() - started) / 1000;

const [loss, accuracy] = await model.evaluate(xTest, yTest, { batchSize: 500, verbose: 0 });
console.log(`\nTest accuracy after the last epoch: ${(100 * accuracy!).toFixed(2)}% (test loss ${loss!.toFixed(4)})`);
console.log(
  `(${history.epoch.length} epochs in ${seconds.toFixed(1)} s, ${(seconds / history.epoch.length).toFixed(1)} s per epoch with validation; ` +
    `${model.countParams()} parameters)`,
);
