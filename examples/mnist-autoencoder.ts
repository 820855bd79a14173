/**
 * A convolutional denoising autoencoder on MNIST, after the Keras example "Convolutional
 * autoencoder for image denoising": digits with Gaussian noise (factor 0.4, clipped to 0..1) go
 * in, the clean digits are the targets. The encoder halves the image twice with strided Conv2D
 * (28 -> 14 -> 7), the decoder doubles it back with Conv2DTranspose (7 -> 14 -> 28), and a 3x3
 * Conv2D with a sigmoid gives the picture. Binary cross-entropy, Adam, batch 128.
 *
 * Writes ./autoencoder-digits.png (rows: noisy input, clean target, reconstruction) and reports the
 * test reconstruction loss (binary cross-entropy and mean squared error) against the clean digits.
 *
 *   npm run example:mnist-autoencoder -- [--epochs 3] [--seed 0] [--verbose 0|1|2]
 *     [--train-samples N] [--test-samples N] [--backend js|native] [--out autoencoder-digits.png]
 */
import { Input, Model, clip, datasets, layers, randomNormal, viz } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { exampleOptions, intArg } from './args.js';

const { args, epochs, verbose } = exampleOptions({ epochs: 3, verbose: 2 });
const out = args.get('out') ?? 'autoencoder-digits.png';

const [[xTrainAll], [xTestAll]] = datasets.mnist.loadData();
const trainSamples = Math.min(intArg(args, 'train-samples', xTrainAll.shape[0]!), xTrainAll.shape[0]!);
const testSamples = Math.min(intArg(args, 'test-samples', xTestAll.shape[0]!), xTestAll.shape[0]!);
const images = (x: Tensor, n: number): Tensor => x.slice([0], [n]).reshape([n, 28, 28, 1]).astype('float32').div(255);
const xTrain = images(xTrainAll, trainSamples);
const xTest = images(xTestAll, testSamples);
// Noisy copies, as the Keras example: x + 0.4 * N(0, 1), clipped to the pixel range.
const noisy = (x: Tensor): Tensor => clip(x.add(randomNormal(x.shape).mul(0.4)), 0, 1);
const xTrainNoisy = noisy(xTrain);
const xTestNoisy = noisy(xTest);
console.log(`training images: ${trainSamples}, test images: ${testSamples}`);

const input = Input({ shape: [28, 28, 1] });
// Encoder: strided convolutions down to 7 x 7 x 32.
let h = new layers.Conv2D(32, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(input);
h = new layers.Conv2D(32, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(h);
// Decoder: transposed convolutions back up to 28 x 28.
h = new layers.Conv2DTranspose(32, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(h);
h = new layers.Conv2DTranspose(32, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(h);
const decoded = new layers.Conv2D(1, 3, { padding: 'same', activation: 'sigmoid' }).apply(h);
const autoencoder = new Model({ inputs: input, outputs: decoded, name: 'denoising_autoencoder' });
autoencoder.summary();
autoencoder.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['mse'] });

const started = Date.now();
const history = await autoencoder.fit(xTrainNoisy, xTrain, {
  epochs,
  batchSize: 128,
  shuffle: true,
  validationData: [xTestNoisy, xTest],
  verbose,
});
const seconds = (Date.now() - started) / 1000;

const [bce, mse] = await autoencoder.evaluate(xTestNoisy, xTest, { batchSize: 500, verbose: 0 });
// The loss of handing back the noisy input unchanged, for scale.
const noisyMse = xTestNoisy.sub(xTest).square().mean().item();
console.log(
  `\nTest reconstruction loss (noisy -> clean, ${testSamples} images): binary cross-entropy ${bce!.toFixed(4)}, ` +
    `mean squared error ${mse!.toFixed(4)} (the noisy input itself: ${noisyMse.toFixed(4)})`,
);
console.log(
  `(${history.epoch.length} epochs in ${seconds.toFixed(1)} s, ${(seconds / history.epoch.length).toFixed(1)} s per epoch with validation)`,
);

// Ten test digits: noisy, clean, reconstructed.
const shown = Math.min(10, testSamples);
const reconstructed = autoencoder.predict(xTestNoisy.slice([0], [shown]));
const grid = [xTestNoisy, xTest, reconstructed].flatMap((batch) =>
  Array.from({ length: shown }, (_, i) => batch.slice([i], [1]).reshape([28, 28])),
);
await viz.imageGrid(grid, {
  columns: shown,
  file: out,
  title: 'noisy input / clean target / reconstruction',
  vmin: 0,
  vmax: 1,
});
console.log(`wrote ${out}`);
