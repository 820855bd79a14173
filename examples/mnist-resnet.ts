/**
 * A small residual CNN on MNIST, written with the Functional API (examples/resnet-model.ts): a
 * conv stem, three residual blocks of Conv2D + BatchNormalization + relu with `Add` shortcuts,
 * GlobalAveragePooling2D and a Dense softmax. Adam, batch 128, learning rate 1e-3 for the first
 * half of the epochs, then 2e-4, then 4e-5 for the last quarter. Training images are shuffled
 * and shifted by up to `--shift` pixels (default 2) each way every epoch, from a generator fed to
 * `fit`; the test images are not touched. The reported accuracy is the last epoch's: the test set
 * is only evaluated, never used to choose weights.
 *
 *   npm run example:mnist-resnet -- [--epochs 12] [--seed 0] [--shift 2] [--verbose 0|1|2]
 *     [--train-samples N] [--test-samples N] [--backend js|native]
 */
import { callbacks, datasets, tensor, utils } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';
import { buildMnistResnet } from './resnet-model.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 12, verbose: 2 });
const seed = intArg(args, 'seed', 0);
const maxShift = intArg(args, 'shift', 2);
const batchSize = 128;

const [[xTrainAll, yClassTrainAll], [xTestAll, yClassTestAll]] = datasets.mnist.loadData();
const trainSamples = Math.min(intArg(args, 'train-samples', xTrainAll.shape[0]!), xTrainAll.shape[0]!);
const testSamples = Math.min(intArg(args, 'test-samples', xTestAll.shape[0]!), xTestAll.shape[0]!);
const xTrain = xTrainAll.slice([0], [trainSamples]).reshape([trainSamples, 28, 28, 1]).astype('float32').div(255);
const xTest = xTestAll.slice([0], [testSamples]).reshape([testSamples, 28, 28, 1]).astype('float32').div(255);
const yTrain = utils.toCategorical(yClassTrainAll.slice([0], [trainSamples]), 10);
const yTest = utils.toCategorical(yClassTestAll.slice([0], [testSamples]), 10);
console.log(`training images: ${trainSamples}, test images: ${testSamples}, random shifts up to ${maxShift} px`);

/** mulberry32: a small seeded generator, so the shuffles and shifts repeat with --seed. */
function seededRandom(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(seed + 1);

/** Copies 28 x 28 image `src` into `dst`, moved by (dy, dx) pixels, zeros where it moved from. */
function shiftImage(src: Float32Array, dst: Float32Array, dy: number, dx: number): void {
  dst.fill(0);
  for (let r = Math.max(0, dy); r < Math.min(28, 28 + dy); r++) {
    const from = (r - dy) * 28;
    for (let c = Math.max(0, dx); c < Math.min(28, 28 + dx); c++) dst[r * 28 + c] = src[from + c - dx]!;
  }
}

/** One epoch of batches: a fresh permutation, every image shifted at random. */
function* augmentedEpoch(): Generator<[Tensor, Tensor]> {
  const x = xTrain.data as Float32Array;
  const y = yTrain.data as Float32Array;
  const order = Array.from({ length: trainSamples }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const span = 2 * maxShift + 1;
  for (let start = 0; start < trainSamples; start += batchSize) {
    const n = Math.min(batchSize, trainSamples - start);
    const xb = new Float32Array(n * 784);
    const yb = new Float32Array(n * 10);
    for (let k = 0; k < n; k++) {
      const i = order[start + k]!;
      const dy = Math.floor(random() * span) - maxShift;
      const dx = Math.floor(random() * span) - maxShift;
      shiftImage(x.subarray(i * 784, (i + 1) * 784), xb.subarray(k * 784, (k + 1) * 784), dy, dx);
      yb.set(y.subarray(i * 10, (i + 1) * 10), k * 10);
    }
    yield [tensor(xb, [n, 28, 28, 1]), tensor(yb, [n, 10])];
  }
}
// Called afresh each epoch by fit (stepsPerEpoch batches an epoch).
function* batches(): Generator<[Tensor, Tensor]> {
  for (;;) yield* augmentedEpoch();
}

const model = buildMnistResnet();
model.summary();
model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });

// A step schedule: 1e-3, then 2e-4 from half-way, then 4e-5 for the last quarter.
const schedule = new callbacks.LearningRateScheduler(
  (epoch) => (epoch < Math.ceil(epochs / 2) ? 1e-3 : epoch < Math.ceil((3 * epochs) / 4) ? 2e-4 : 4e-5),
  1,
);

const started = Date.now();
const history = await model.fit(batches(), {
  stepsPerEpoch: Math.ceil(trainSamples / batchSize),
  validationData: [xTest, yTest],
  epochs,
  verbose,
  callbacks: [schedule],
});
const seconds = (Date.now() - started) / 1000;

const [testLoss, testAccuracy] = await model.evaluate(xTest, yTest, { batchSize: 500, verbose: 0 });
console.log(`\nTest loss: ${testLoss!.toFixed(4)}`);
console.log(`Test accuracy after the last epoch: ${(100 * testAccuracy!).toFixed(2)}%`);
console.log(
  `(${history.epoch.length} epochs in ${seconds.toFixed(1)} s, ${(seconds / history.epoch.length).toFixed(1)} s per epoch with validation)`,
);
