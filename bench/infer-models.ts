/**
 * The two lecture models of bench:infer (inference only: no compile), built with seed 0, and the
 * folder their weights and ONNX files live in (bench/infer/models/<name>/, made by infer-setup).
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Sequential } from '../src/models/sequential.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten } from '../src/layers/flatten.js';
import { MaxPooling2D } from '../src/layers/max-pooling2d.js';
import { setRandomSeed } from '../src/core/random.js';

export type InferModelName = 'mlp' | 'cnn';

/** bench/infer/ of the source tree (this file runs from dist/bench/). */
export const inferDir = fileURLToPath(new URL('../../bench/infer/', import.meta.url));
export const modelDir = (name: InferModelName): string => join(inferDir, 'models', name);

/** Shape of one sample (deepscript's layout). */
export const sampleShape: Record<InferModelName, number[]> = { mlp: [784], cnn: [28, 28, 1] };

export function buildModel(name: InferModelName): Sequential {
  setRandomSeed(0);
  if (name === 'mlp') {
    return new Sequential([
      new Dense(512, { inputDim: 784, activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ]);
  }
  return new Sequential([
    new Conv2D(32, [3, 3], { inputShape: [28, 28, 1], activation: 'relu' }),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Dropout(0.25),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ]);
}
